// The exchange core at a live pace with the publisher in its loop, on the feed lines:
// what `tickwire publish` and `tickwire run` both start.
import {
  publisherServiceFromConfig,
  resendFromStore,
  Rewinder,
  rewinderOptions,
  SnapshotServer,
  snapshotServerOptions,
  type PublisherService,
  type ResendResult,
} from '../publisher';
import { InlineSim, LiveSim, RemoteSim, sessionJournalPath, type JournalRecovery, type SimHandle } from '../sim';
import { nySessionDate } from '../protocol';
import type { TickwireConfig } from '../config';
import { DisposerStack } from './disposer-stack';
import { RuntimeErrorCode } from './errors';
import { SILENT_LOGGER, type Logger } from './logger';
import { startJournalArchiver, type JournalArchiver } from './journal-archiver';
import { journaledCommands, readWatermark, SentWatermark, sessionEnded, watermarkPath, withSessionName } from './restart-continuity';
import { startLiveStorage, type LiveStorage } from './live-storage';
import { storageHistory } from './storage-history';
import type { Gateway } from '../gateway';
import { describeGateway, publisherGauges, startGateway } from './gateway';
import { startOrderEntryService, type OrderEntryService } from './order-entry';
import { carryBalances, describeCarry } from './wallet-carry';

export interface LiveFeed {
  /** The exchange core: in this loop, or on its own thread with `publisher.thread: 'own'`. */
  sim: SimHandle;
  service: PublisherService;
  /** MoldUDP64 retransmission from the publisher's message store. */
  rewinder: Rewinder;
  /** The port the rewinder listens on (the configured one, or the one given for port 0). */
  rewinderPort: number;
  /** Re-encodes the journal into the day's ITCH file for requests older than the store (null without a journal or with publisher.rewinder.archive off). */
  archiver: JournalArchiver | null;
  /** SoupBinTCP snapshots of the publisher's books for late joiners. */
  snapshot: SnapshotServer;
  /** The port the snapshot server listens on (the configured one, or the one given for port 0). */
  snapshotPort: number;
  /** The websocket gateway and HTTP API on the publisher's books (null when gateway.enabled is false). */
  gateway: Gateway | null;
  recovery: JournalRecovery;
  /** After a restart: what was re-sent after the sent-watermark (null on a fresh day). */
  resent: ResendResult | null;
  journalPath: string;
  sessionDate: string;
  /** The columnar store's writer, fed by a tap on the publisher (null when storage.engine is off). */
  storage: LiveStorage | null;
  /** The client gateway (REST orders, sessions, private websocket) on orderEntry.port (null when orderEntry.enabled is false). */
  orderEntry: OrderEntryService | null;
  /** Ends the day (S M, S E, S C, end of session repeated), closes the journal and the lines. Idempotent. */
  endDay(): Promise<void>;
}

/**
 * Opens the lines, then starts the live sim with the publisher as its event handler. A
 * restart replays the journal through the publisher with the lines muted (receivers do not
 * see the day again; the session continues at the next sequence number), then re-sends
 * what the crashed process may not have sent (after the sent-watermark).
 */
export interface LiveFeedOptions {
  /** Where storage, gateway and shutdown problems are logged (silent if not given). */
  logger?: Logger;
  /** Start the client gateway too when orderEntry.enabled (`tickwire run`; `publish` and the benches of the feed do not). */
  orderEntry?: boolean;
  /** A hot standby (ha/): the journal is recovered, the day is not opened, the lines stay muted (runtime/ha-node.ts). */
  standby?: boolean;
}

export async function startLiveFeed(config: TickwireConfig, options: LiveFeedOptions = {}): Promise<LiveFeed> {
  const logger = options.logger ?? SILENT_LOGGER;
  const sessionDate = nySessionDate(Date.now());
  const journalPath = sessionJournalPath(config.journal.path, sessionDate, sessionEnded);
  config = withSessionName(config, journalPath, sessionDate);
  const service = publisherServiceFromConfig(config, sessionDate);
  const stack = new DisposerStack();
  const started = await stack.unwindOnError(async () => {
    await service.open();
    // A standby is muted from the start: its heartbeat timer runs while storage and the
    // gateway start (DuckDB takes seconds to open), and must send nothing.
    if (options.standby === true) service.lines.muted = true;
    // finish() on a day that did not start only closes the lines: no end of session goes out.
    stack.defer('feed lines', () => service.finish());
    const archiver = journalPath !== '' && config.publisher.rewinder.archive
      ? startJournalArchiver(config, journalPath, sessionDate, service.publisher.maxPayloadBytes)
      : null;
    if (archiver !== null) stack.defer('journal archiver', () => archiver.close());
    const rewinder = new Rewinder(rewinderOptions(config, service.publisher, archiver?.archive));
    const rewinderPort = await rewinder.start(); // TW_ERR_PUB_BIND, naming the address and the setting to change
    stack.defer('rewinder', () => rewinder.close());
    const snapshot = new SnapshotServer(snapshotServerOptions(config, service.publisher));
    const snapshotPort = await snapshot.start(); // TW_ERR_PUB_BIND, naming publisher.snapshot.host/port
    stack.defer('snapshot server', () => snapshot.close());
    // Before the sim: a restart's replay reaches storage's tap too. Closing flushes what the publisher sent.
    const storage = await startLiveStorage(config, service.publisher, journalPath, sessionDate, logger);
    if (storage !== null) stack.defer('storage', () => storage.close());
    // Before the sim starts, so the gateway also hears a restart's replay.
    let gateway: Gateway | null = null;
    if (config.gateway.enabled) {
      const wiring = { extraGauges: publisherGauges(service, rewinder, snapshot), history: storage === null ? null : storageHistory(storage.service), logger };
      const started = await startGateway(config, service.publisher, wiring); // TW_ERR_GW_BIND or TW_ERR_GW_BAD_KEYS_FILE
      gateway = started;
      stack.defer('gateway', () => started.close());
    }
    return { archiver, rewinder, rewinderPort, snapshot, snapshotPort, storage, gateway };
  });
  // Mute only a replay: a new day's opening (S O, S S, R, H, S Q) is sent inside start() too.
  const restart = journaledCommands(journalPath) > 0;
  // What the previous process journaled but may not have sent goes out again.
  const marks = journalPath === '' ? '' : watermarkPath(journalPath);
  let resent: ResendResult | null = null;
  let sim: SimHandle;
  let recovery: JournalRecovery;
  if (config.publisher.thread === 'own') {
    const hooks = {
      beginReplay: () => void (service.lines.muted = true),
      endReplay: () => {
        service.muted(() => undefined); // sends the replay's last packet muted, then unmutes
        resent = resendFromStore(service.publisher, service.lines, readWatermark(marks) + 1);
      },
    };
    const remote = await stack.unwindOnError(() => RemoteSim.start(config, journalPath, service, hooks, restart));
    sim = remote.sim;
    recovery = remote.recovery;
  } else if (options.standby === true) {
    const live = new LiveSim(config, journalPath, service);
    service.lines.muted = true;
    recovery = live.startFollower();
    sim = new InlineSim(live);
  } else {
    const live = new LiveSim(config, journalPath, service);
    recovery = restart ? service.muted(() => live.start()) : live.start();
    if (restart) resent = resendFromStore(service.publisher, service.lines, readWatermark(marks) + 1);
    sim = new InlineSim(live);
  }
  const watermark = new SentWatermark(marks, () => service.lines.sentThrough);
  stack.defer('sent-watermark', () => watermark.close());
  let orderEntry: OrderEntryService | null = null;
  if (options.orderEntry === true && config.orderEntry.enabled) {
    const trading = sim;
    // The previous session's closing balances go in before any client request can (a
    // restart completes an opening a crash interrupted).
    const carry = carryBalances(config, journalPath, await sim.carryState(), (r) => trading.submit(r));
    if (carry.mismatch) logger.error({ code: RuntimeErrorCode.CarryMismatch }, describeCarry(carry));
    const carried = describeCarry(carry);
    // Orders are taken only once the core is live: a restart's reports are replayed into it first.
    orderEntry = await stack.unwindOnError(() => startOrderEntryService(config, { trading, logger, journalPath, resumed: restart, sessionDate, carried }));
  }
  const oe = orderEntry;
  let ending: Promise<void> | null = null;
  const endDay = (): Promise<void> => {
    // Orders stop first; the day ends (closing commands, End of Messages, end of session
    // repeated while the rewinder still answers); then everything closes, newest first.
    ending ??= (oe === null ? Promise.resolve() : oe.close(true))
      .then(() => sim.stop(true))
      .then(() => service.finish())
      .then(() => stack.close())
      .then((errors) => {
        for (const e of errors) logger.error({ code: RuntimeErrorCode.Close }, e.message);
      });
    return ending;
  };
  return { sim, service, ...started, orderEntry, recovery, resent, journalPath, sessionDate, endDay };
}

/** After a restart, what was re-sent: a line for the banner ('' on a fresh day). */
export function describeResend(feed: LiveFeed): string {
  const r = feed.resent;
  if (r === null) return '';
  const aged = r.agedOut > 0 ? `; ${r.agedOut.toLocaleString('en-US')} older messages had left the store (receivers recover them by snapshot)` : '';
  return `feed: restart re-sent ${r.messages.toLocaleString('en-US')} messages from sequence ${r.from} (after the sent-watermark)${aged}\n`;
}

/** The feed's addresses, for the start-up banner. */
export function describeLines(feed: LiveFeed): string {
  const lines = feed.service.lines;
  const where = lines.isUnicast
    ? `unicast to ${lines.unicast.map((r) => `${r.host}:${r.port}`).join(', ')} (shuffled per packet, seed ${lines.unicastSeed})`
    : `line A ${lines.lineA.group}:${lines.lineA.port}, line B ${lines.lineB.group}:${lines.lineB.port} (interface ${lines.interfaceAddress}, TTL ${lines.ttl})`;
  const pace = lines.maxPacketsPerSec > 0 ? `, paced at ${lines.maxPacketsPerSec.toLocaleString('en-US')} packets/s` : '';
  const rewinder = `rewinder ${feed.service.publisher.session.trim()} on udp ${feed.rewinder.host}:${feed.rewinderPort}`;
  const snapshot = `snapshot on tcp ${feed.snapshot.host}:${feed.snapshotPort}`;
  const gateway = feed.gateway === null ? '' : `\n${describeGateway(feed.gateway)}`;
  const oe = feed.orderEntry;
  const orderEntry = oe === null ? '' : `\norder entry: ${oe.url} (REST /v1/order, sessions, private websocket /v1/stream; \`tickwire accounts\`)${oe.fixAddress === '' ? '' : `; FIX 4.4 on tcp ${oe.fixAddress}`}${oe.ouchAddress === '' ? '' : `; OUCH 4.2 over SoupBinTCP on tcp ${oe.ouchAddress}`}${oe.carried === '' ? '' : `; ${oe.carried}`}`;
  return `feed: session ${feed.service.publisher.session}, ${where}${pace}; ${rewinder}; ${snapshot}${gateway}${orderEntry}`;
}

/** The feed's figures at the end of the day. */
export function describeFeedEnd(feed: LiveFeed): string {
  const s = feed.service;
  const p = s.publisher;
  const l = s.lines;
  return (
    `feed: ${p.messages.toLocaleString('en-US')} messages in ${l.packetsSent.toLocaleString('en-US')} packets, next sequence ${p.nextSequence}` +
    `, ${s.heartbeats} heartbeats, end of session sent ${p.ended ? 1 + s.endOfSessionRepeatsSent : 0} times` +
    `, max packet delay ${Math.round(s.maxPacketDelayUs)} us, send errors ${l.sendErrors}${l.sendErrors > 0 ? ` (last: ${l.lastSendError})` : ''}` +
    (l.maxQueueDepth > 0 ? `, max pacing queue ${l.maxQueueDepth} packets` : '') +
    (l.mutedPackets > 0 ? `, ${l.mutedPackets} replayed packets not re-sent` : '') +
    rewinderFigures(feed)
  );
}

function archiveFigures(a: JournalArchiver | null): string {
  if (a === null) return '';
  const x = a.archive;
  const failed = a.error !== '' ? `, archiver stopped: ${a.error}` : '';
  return ` (${x.answered} from the journal archive, archived through ${x.archivedThrough}${failed})`;
}

function rewinderFigures(feed: LiveFeed): string {
  const f = feed.rewinder.figures();
  const n = feed.snapshot.figures();
  return (
    `; rewinder: ${f.requests} requests, ${f.answered} answered (${f.messagesSent} messages), ${f.refused} refused` +
    archiveFigures(feed.archiver) +
    `; snapshot: ${n.loginsAccepted} logins accepted, ${n.loginsRejected} rejected, ${n.snapshotsSent} snapshots sent (${n.ordersSent} orders), ${n.refused} connections refused`
  );
}
