// The exchange core at a live pace with the publisher in its loop, on the feed lines:
// what `tickwire publish` and `tickwire run` both start.
import * as fs from 'node:fs';
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
import { LiveSim, newYorkDate, readJournal, sessionJournalPath, type JournalRecovery } from '../sim';
import type { TickwireConfig } from '../config';
import { startJournalArchiver, type JournalArchiver } from './journal-archiver';
import { InlineSim, RemoteSim, type SimHandle } from './engine-thread';
import { startLiveStorage, type LiveStorage } from './live-storage';
import { storageHistory } from './storage-history';
import type { Gateway } from '../gateway';
import { describeGateway, publisherGauges, startGateway } from './gateway';

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
  /** Ends the day (S M, S E, S C, end of session repeated), closes the journal and the lines. Idempotent. */
  endDay(): Promise<void>;
}

/** True when a journal holds End of Messages: its session is over. */
export function sessionEnded(file: string): boolean {
  let ended = false;
  try {
    readJournal(
      file,
      (cmds, base) => {
        if (cmds.type(base) === 0x53 && cmds.code(base) === 0x43) ended = true;
      },
      { repair: false },
    );
  } catch {
    return false; // a damaged journal is reported when it is opened for real
  }
  return ended;
}

/**
 * The sent-watermark file beside the journal: the highest sequence number both lines had
 * finished sending, written a few times a second. A restart re-sends everything after it,
 * so a receiver sees no gap; a stale or unreadable watermark only means more repeats.
 */
export function watermarkPath(journalPath: string): string {
  return `${journalPath}.sent`;
}

function readWatermark(file: string): number {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n >= 0 ? n : 0;
  } catch {
    return 0;
  }
}

/** Commands a journal already holds (0 if absent or unreadable): a restart replays them. */
function journaledCommands(file: string): number {
  if (file === '') return 0;
  let n = 0;
  try {
    readJournal(file, () => void n++, { repair: false });
  } catch {
    // absent or damaged: counted up to the damage; the real open reports it
  }
  return n;
}

/**
 * Opens the lines, then starts the live sim with the publisher as its event handler. A
 * restart replays the journal through the publisher with the lines muted (receivers do not
 * see the day again; the session continues at the next sequence number). Not yet done:
 * re-sending what a crashed process may not have sent.
 */
export async function startLiveFeed(config: TickwireConfig): Promise<LiveFeed> {
  const sessionDate = newYorkDate(Date.now());
  const journalPath = sessionJournalPath(config.journal.path, sessionDate, sessionEnded);
  const service = publisherServiceFromConfig(config, sessionDate);
  await service.open();
  const archiver = journalPath !== '' && config.publisher.rewinder.archive
    ? startJournalArchiver(config, journalPath, sessionDate, service.publisher.maxPayloadBytes)
    : null;
  const rewinder = new Rewinder(rewinderOptions(config, service.publisher, archiver?.archive));
  let rewinderPort: number;
  try {
    rewinderPort = await rewinder.start();
  } catch (err) {
    // Nothing was published yet: close the lines without ending a session.
    await archiver?.close();
    await service.lines.close();
    throw err; // TW_ERR_PUB_BIND, naming the address and the setting to change
  }
  const snapshot = new SnapshotServer(snapshotServerOptions(config, service.publisher));
  let snapshotPort: number;
  try {
    snapshotPort = await snapshot.start();
  } catch (err) {
    await rewinder.close();
    await archiver?.close();
    await service.lines.close();
    throw err; // TW_ERR_PUB_BIND, naming the snapshot address and publisher.snapshot.host/port
  }
  const storage = await startLiveStorage(config, service.publisher, journalPath, sessionDate); // before the sim: a restart's replay reaches it too
  let gateway: Gateway | null = null;
  try {
    // Before the sim starts, so the gateway also hears a restart's replay.
    const wiring = { extraGauges: publisherGauges(service, rewinder, snapshot), history: storage === null ? null : storageHistory(storage.service) };
    if (config.gateway.enabled) gateway = await startGateway(config, service.publisher, wiring);
  } catch (err) {
    await storage?.close();
    await snapshot.close();
    await rewinder.close();
    await archiver?.close();
    await service.lines.close();
    throw err; // TW_ERR_GW_BIND or TW_ERR_GW_BAD_KEYS_FILE, naming the setting to change
  }
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
    try {
      const started = await RemoteSim.start(config, journalPath, service, hooks, restart);
      sim = started.sim;
      recovery = started.recovery;
    } catch (err) {
      await storage?.close();
      await gateway?.close();
      await snapshot.close();
      await rewinder.close();
      await archiver?.close();
      await service.lines.close();
      throw err;
    }
  } else {
    const live = new LiveSim(config, journalPath, service);
    recovery = restart ? service.muted(() => live.start()) : live.start();
    if (restart) resent = resendFromStore(service.publisher, service.lines, readWatermark(marks) + 1);
    sim = new InlineSim(live);
  }
  let written = -1;
  const writeMark = (): void => {
    const sent = service.lines.sentThrough;
    if (marks === '' || sent === written) return;
    try {
      fs.writeFileSync(marks, String(sent));
      written = sent;
    } catch {
      // Unwritable: a restart then re-sends more (repeats, never a gap).
    }
  };
  const markTimer = setInterval(writeMark, 50);
  markTimer.unref();
  let ending: Promise<void> | null = null;
  const endDay = (): Promise<void> => {
    if (ending === null) {
      clearInterval(markTimer);
      // Answer retransmissions until the last end of session has gone out.
      // Snapshot clients get End of Session 'Z' at their next heartbeat tick once S C is out.
      ending = sim.stop(true)
        .then(() => service.finish())
        .then(() => rewinder.close())
        .then(() => archiver?.close())
        .then(() => snapshot.close())
        .then(() => gateway?.close())
        .then(writeMark)
        .then(async () => void (await storage?.close())); // flushes what the publisher sent
    }
    return ending;
  };
  return { sim, service, rewinder, rewinderPort, archiver, snapshot, snapshotPort, gateway, recovery, resent, journalPath, sessionDate, storage, endDay };
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
  return `feed: session ${feed.service.publisher.session}, ${where}${pace}; ${rewinder}; ${snapshot}${gateway}`;
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
