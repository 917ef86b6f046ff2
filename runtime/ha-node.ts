// A high-availability node (ha.enabled): the live feed started as a hot standby (journal
// recovered, lines muted), following whichever node etcd names leader and applying its
// replicated journal batches to the same engine and publisher. On winning the election it
// stops following, opens its ReplicationServer for the next standby, continues the
// sequence after the last replicated record, and unmutes the lines: the MoldUDP64 session
// continues from the next sequence number. A leader that cannot renew its lease in time
// is fenced: it mutes its lines and commits nothing more (the caller exits).
import * as os from 'node:os';
import * as path from 'node:path';
import type { TickwireConfig } from '../config';
import { HaError, HaProblem, LeaderElection, ReplicationServer, StandbyReplicator, haErrorName } from '../ha';
import { resendFromStore, type ResendResult } from '../publisher';
import type { InlineSim } from '../sim';
import { startLiveFeed, type LiveFeed } from './live-feed';
import { OrderLinkServer } from './order-link-server';
import { carryBalances, describeCarry, openingIncomplete, staleOpening } from './wallet-carry';
import { RuntimeErrorCode } from './errors';
import { SILENT_LOGGER, type Logger } from './logger';

export type HaRole = 'standby' | 'primary' | 'fenced';

/**
 * Messages before the old primary's last commit point that a takeover re-sends: its last
 * committed events may not have left it (about 90 ms of feed at 43,000 orders/s). Repeats
 * cost receivers nothing (MoldUDP64 sequence numbers); a gap costs a rewind.
 */
const TAKEOVER_RESEND_MESSAGES = 4096;

export interface HaNode {
  feed: LiveFeed;
  node: string;
  role(): HaRole;
  epoch(): number;
  /** performance.now() when this node became primary (0 while it has not). */
  promotedAtMs(): number;
  /** The last sequence number committed (primary: on both machines; standby: durable here). */
  committedSeq(): number;
  figures(): Record<string, unknown>;
  /** Called once when this node is fenced (mute and commit nothing more: already done). */
  onFenced(listener: (reason: string) => void): void;
  onPromoted(listener: (epoch: number) => void): void;
  /** Ends: a primary ends the day and hands over its lease; a standby stops without touching the journal. */
  close(): Promise<void>;
}

export async function startHaNode(config: TickwireConfig, options: { logger?: Logger } = {}): Promise<HaNode> {
  const logger = options.logger ?? SILENT_LOGGER;
  const ha = config.ha;
  if (config.publisher.thread === 'own') throw new HaProblem(HaError.Config, 'ha.enabled needs publisher.thread=engine (the standby applies replicated batches in its loop)');
  if (ha.replication.port === 0) throw new HaProblem(HaError.Config, 'ha.replication.port must be a fixed port: it is written in the leader key before the server listens');
  const feed = await startLiveFeed(config, { logger, standby: true });
  const live = (feed.sim as InlineSim).sim;
  const journal = live.core.journal;
  if (journal === null) {
    await feed.endDay();
    throw new HaProblem(HaError.Config, 'ha.enabled needs a journal (journal.path is empty)');
  }
  const node = ha.node !== '' ? ha.node : `${os.hostname()}-${process.pid}`;
  // Kept hot from now on: a client gateway that reconnects after a failover catches up from it.
  live.keepRecentReports(ha.orderLink.recentReports);
  let link: OrderLinkServer | null = null;
  const log = (code: HaError, detail: string): void => logger.warn({ code: haErrorName(code) }, detail);
  let role: HaRole = 'standby';
  let promotedAt = 0;
  /** Why this node refused to open the session (TW_ERR_HA_STALE_JOURNAL), '' if it did not. */
  let staleJournal = '';
  /** What the takeover re-sent from the message store. */
  let takeoverResend: ResendResult | null = null;
  let sawLeader = false;
  let server: ReplicationServer | null = null;
  const fencedListeners: Array<(reason: string) => void> = [];
  const promotedListeners: Array<(epoch: number) => void> = [];
  const replicator = new StandbyReplicator({
    journal,
    nodeName: node,
    onBatch: (records, count) => live.applyReplicated(records, count),
    onProblem: log,
  });
  const fence = (reason: string): void => {
    if (role === 'fenced') return;
    const was = role;
    role = 'fenced';
    server?.fence();
    // Client gateways move on to the next primary (this one acknowledges nothing more).
    void link?.close();
    feed.service.lines.muted = true;
    replicator.stop();
    logger.error({ code: haErrorName(HaError.Fenced) }, `${node} fenced (was ${was}): ${reason}`);
    for (const l of fencedListeners) l(reason);
  };
  const election: LeaderElection = new LeaderElection({
    endpoints: ha.etcd.endpoints,
    key: ha.etcd.key,
    node,
    replicationHost: ha.replication.advertiseHost !== '' ? ha.replication.advertiseHost : ha.replication.host,
    replicationPort: ha.replication.port,
    orderLinkHost: ha.orderLink.advertiseHost !== '' ? ha.orderLink.advertiseHost : ha.orderLink.host,
    orderLinkPort: ha.orderLink.port,
    ttlSec: ha.etcd.leaseTtlSec,
    pollMs: ha.etcd.pollMs,
    // A sync standby named on an earlier day does not bind today's session.
    session: path.basename(journal.path),
    // A session whose end (End of Messages) this node holds is over: nobody takes it over.
    mayCampaign: () => role === 'standby' && !live.core.engine.sessionEnded && (replicator.inSync || (ha.role === 'auto' && !sawLeader)),
    onLeader: (leader) => {
      if (leader === null || leader.node === node || role !== 'standby') return;
      sawLeader = true;
      replicator.observeEpoch(leader.epoch);
      replicator.follow(leader.replicationHost, leader.replicationPort, leader.epoch);
    },
    onElected: (epoch) => void promote(epoch),
    onFenced: (reason) => fence(reason),
    onProblem: log,
  });
  const promote = async (epoch: number): Promise<void> => {
    // The feed as far as the old primary committed it (this standby applies only committed
    // records): it sent about this far, so the takeover re-sends from a little before.
    const committedFeedSeq = feed.service.publisher.nextSequence;
    replicator.stop();
    // Its end may have been among the records applied just now (held back until committed).
    if (live.core.engine.sessionEnded) {
      logger.info({ epoch }, `${node} does not take over: the session ${path.basename(journal.path)} has ended`);
      await election.close();
      return;
    }
    // A session still to open opens from the one that closed last: a node whose journal of it
    // is missing or short would carry older balances. It hands the lease straight back.
    if (openingIncomplete(live.carryState)) {
      let why: string;
      try {
        why = staleOpening(await election.closedSession(), journal.path);
      } catch (err) {
        why = `the session that closed last could not be read from etcd (${election.closedKey}): ${(err as Error).message}`;
      }
      if (why !== '' && role === 'standby') {
        staleJournal = why;
        logger.error({ code: haErrorName(HaError.StaleJournal) }, `${node} does not open the session: ${why}`);
        await election.close();
        fence(`${haErrorName(HaError.StaleJournal)}: ${why}`);
        return;
      }
    }
    const s = new ReplicationServer({
      journal,
      epoch,
      host: ha.replication.host,
      port: ha.replication.port,
      mayCommit: () => election.leaseValid(),
      designate: (standby) => election.designateSyncStandby(standby),
      onDeposed: (newer) => fence(`a standby has seen epoch ${newer}, newer than ${epoch}`),
      onProblem: log,
    });
    try {
      await s.start();
    } catch (err) {
      fence((err as Error).message);
      return;
    }
    if (role !== 'standby') {
      await s.close();
      return;
    }
    server = s;
    role = 'primary';
    // The order link hears the reports of the first commands this node sequences.
    const l = new OrderLinkServer({ live, host: ha.orderLink.host, port: ha.orderLink.port, node, epoch, logger });
    live.promote();
    // The session's opening balances, before the order link can take a request (a failover
    // completes an opening the old primary left half done; a complete one is not redone).
    const carry = carryBalances(config, journal.path, live.carryState, (r) => live.submit(r));
    if (carry.mismatch) logger.error({ code: RuntimeErrorCode.CarryMismatch }, `${node}: ${describeCarry(carry)}`);
    else if (carry.submitted > 0 && carry.total > 0) logger.info({ epoch }, `${node}: ${describeCarry(carry)}`);
    feed.service.muted(() => undefined); // the last replayed packet goes out muted; then the lines are live
    // What the old primary may not have sent (its last committed events, and the records it
    // never committed, which this node now holds as its own) goes out again from the store,
    // so receivers see repeats rather than a gap to fill from the rewinder.
    takeoverResend = resendFromStore(feed.service.publisher, feed.service.lines, Math.max(1, committedFeedSeq - TAKEOVER_RESEND_MESSAGES));
    // Receivers hear the new primary (and the next sequence) at once: its events go out only
    // once a standby commits them (the feed gate, sim/live-sim.ts).
    feed.service.heartbeatNow();
    promotedAt = performance.now();
    try {
      await l.start();
      link = l;
    } catch (err) {
      logger.error({ code: RuntimeErrorCode.LinkBind }, `the order link could not listen on ${ha.orderLink.host}:${ha.orderLink.port}: ${(err as Error).message}; change ha.orderLink.port (client gateways cannot reach this primary)`);
    }
    logger.info({ epoch }, `${node} is the primary, epoch ${epoch}, continuing after inbound sequence ${journal.writtenThrough}`);
    for (const l of promotedListeners) l(epoch);
  };
  election.start();
  return {
    feed,
    node,
    role: () => role,
    epoch: () => (role === 'primary' ? election.epoch : replicator.epoch),
    promotedAtMs: () => promotedAt,
    committedSeq: () => journal.durableSeq,
    figures: () => ({
      node,
      role,
      epoch: role === 'primary' ? election.epoch : replicator.epoch,
      committedSeq: journal.durableSeq,
      writtenSeq: journal.writtenThrough,
      replication: server?.figures() ?? replicator.figures(),
      orderLink: link?.figures ?? null,
      feed: {
        gated: live.feedGated,
        nextSequence: feed.service.publisher.nextSequence,
        heldEvents: live.reader.available(),
        heldBackTicks: live.heldBackTicks,
        ordersSkipped: live.ordersSkipped,
        gateOverruns: live.feedGateOverruns,
      },
      staleJournal,
      takeoverResend,
      election: { state: election.state, renewals: election.renewals, notSyncStandby: election.notSyncStandby, refused: election.errors.toJSON() },
    }),
    onFenced: (l) => void fencedListeners.push(l),
    onPromoted: (l) => void promotedListeners.push(l),
    close: async () => {
      replicator.stop();
      if (role !== 'primary') live.stop(false); // a standby or a fenced node journals nothing more
      const wasPrimary = role === 'primary';
      await feed.endDay();
      // The next session's primary opens from this journal, through its last record that
      // moves a balance (staleOpening): a standby that missed only the closing statement may.
      if (wasPrimary) {
        try {
          if (!(await election.recordClosedSession(path.basename(journal.path), live.balancesThroughSeq))) log(HaError.Etcd, `the closed session was not recorded in ${election.closedKey}: the lease was lost`);
        } catch (err) {
          log(HaError.Etcd, `recording the closed session in ${election.closedKey}: ${(err as Error).message}`);
        }
      }
      await link?.close();
      await server?.close();
      await election.close();
    },
  };
}
