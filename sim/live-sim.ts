// The exchange core at a live pace: orders generated against the wall clock at the
// configured average rate, shaped by the intraday U curve, journaled and matched in
// small batches from a timer. Used by `tickwire run`.
//
// It is also the in-thread TradingPort: client requests `submit()`ted between ticks go at
// the front of the next batch as command records ('C' + 'N', 'X', 'C' + 'R', 'T', 'A'),
// so they are journaled and matched like everything else. The tick runs even when the
// generator's rate is 0. Reports wait until their command is durable in the journal
// (group commit), then go to the `onReports` listener in sequence order; reports made
// before a listener is set (a restart's replay, say) are kept for the first listener.
//
// The feed's commit gate (ha/, issue 20: "the feed publishes only committed events"). With a
// replica attached to the journal (an HA primary), events leave the ring for the publisher
// only through the committed inbound sequence (`JournalWriter.durableSeq`: fdatasync'd here
// and acknowledged by the standby); `onDurable` drains the rest as the commit moves. The seam
// is the ring drain rather than the lines' send queue because everything downstream of the
// drain is built from what the publisher has seen: the MoldUDP64 sequence numbers, the
// message store the rewinder answers from, the books the snapshot server and the gateway
// serve, the storage tap. Gating there keeps all of them committed with one comparison per
// event (`EngineEventRingReader.drainThrough`, no allocation), and an uncommitted event has
// no feed sequence number yet, so a new primary cannot give one a different content. The
// ring holds the uncommitted events meanwhile: new batches wait while it is more than half
// full (sync replication makes no progress without the standby anyway). Without a replica
// (one machine, a standby) the drain is as before.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TickwireConfig } from '../config';
import {
  CLIENT_ORDER_ID_MAX,
  EngineEventRingReader,
  type BalanceView,
  type EngineEventHandler,
  type EngineEventRing,
  type OrderEntryReport,
  type OrderEntryRequest,
  type RingFullPolicy,
  type TradingPort,
  type CarryState,
} from '../protocol';
import { SystemClock } from './clock';
import { statementLines, writeStatement } from './closing-statement';
import { COMMAND_SIZE, CommandBuffer, CommandType, OrderType, TransferCode } from './command';
import { REJECT_CODES, RejectReason } from './errors';
import { ExchangeCore } from './exchange-core';
import { JOURNAL_RECORD_SIZE, type JournalRecovery, type JournalWriter } from './journal';
import { OrderFlowGenerator } from './order-flow-generator';
import { RecentReports } from './recent-reports';
import { riskLimitsOf } from './risk-checks';
import { journalPathFor } from './sim-runner';

export interface LiveSimStatus {
  orders: number;
  events: number;
  executions: number;
  restingOrders: number;
  rejects: number;
  ordersPerSec: number;
  journalPath: string;
  recovered: JournalRecovery | null;
}

/**
 * The journal for today's session: the template's path, or, when that session already
 * ended (a clean shutdown sends end of messages), the next free `-N` suffix.
 */
export function sessionJournalPath(template: string, date: string, ended: (p: string) => boolean): string {
  const first = journalPathFor(template, date);
  if (first === '') return '';
  const ext = path.extname(first);
  const stem = first.slice(0, first.length - ext.length);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? first : `${stem}-${n}${ext}`;
    if (!fs.existsSync(candidate) || !ended(candidate)) return candidate;
  }
}

/** The publisher as LiveSim drives it: engine events, then the end of each batch's hand-off (it sends what it holds). */
export interface HandOffHandler extends EngineEventHandler {
  endOfBatch?(): void;
}

/** Fewest house orders in a batch of a tick (a smaller batch costs more per order than it saves). */
const HAND_OFF_MIN_ORDERS = 16;
/** Most batches a tick's house orders are split into. */
const HAND_OFFS_PER_TICK = 4;

/**
 * House orders per sequencer batch in a tick with `due` orders: a quarter of them, at least 16.
 * A batch's commands share (about) one stamp and its events leave together once the whole
 * batch is matched and published, so the first order of a batch waits for the last: one batch
 * of a tick's ~43 orders at 43,000 orders/s held them ~100-150 us before the first packet left
 * (bench:e2e, sendSideP50Us), batches of 16 ~50 us. Four hand-offs at most, so the packets
 * of a busy tick (215 orders at 215,000/s) still fill: ~8 packets a tick instead of ~6.
 */
export function handOffBatchSize(due: number): number {
  return Math.max(HAND_OFF_MIN_ORDERS, Math.ceil(due / HAND_OFFS_PER_TICK));
}

const TOKEN_TEXT = /^[\x21-\x7e]+$/;
/** Events handed to the publisher per gated drain; more wait for the next turn of the loop. */
const GATED_DRAIN_SLICE = 2048;

export class LiveSim implements TradingPort {
  readonly core: ExchangeCore;
  readonly generator: OrderFlowGenerator;
  readonly reader: EngineEventRingReader;
  private readonly config: TickwireConfig;
  private readonly cmds: CommandBuffer;
  /** Null: the consumer is another thread reading `ring` (events are committed, not drained). */
  private readonly handler: HandOffHandler | null;
  private timer: NodeJS.Timeout | null = null;
  private due = 0;
  private lastTickMs = 0;
  private readonly clock = new SystemClock();
  /** The journal, kept after `stop()` closes it: a standby's late acknowledgements still move its commit. */
  private journal: JournalWriter | null = null;
  /**
   * After `stop(true)`: the last inbound sequence number before the closing statement (every
   * record that moves a balance is at or before it); 0 before, or without a journal.
   */
  balancesThroughSeq = 0;
  /** `stop(true)` ended the day: its closing events are still to be published once committed. */
  private endedDay = false;
  /** Batches not submitted because the ring was over half full of uncommitted events (the standby is behind). */
  heldBackTicks = 0;
  /** House orders not generated because the loop fell more than 100 ms behind the rate. */
  ordersSkipped = 0;
  /**
   * Events handed to the publisher before their command was committed, because one batch
   * filled the ring with uncommitted events and the engine cannot wait in its own thread
   * (the alternative is a hang). Expected 0: batches wait while the ring is half full.
   */
  feedGateOverruns = 0;
  orders = 0;
  events = 0;
  private rateWindow: number[] = [];
  /** Client requests waiting for the next batch. */
  private requests: OrderEntryRequest[] = [];
  /** The first request in `requests` not yet written. */
  private requestsHead = 0;
  /** Reports waiting for their command to be durable, in sequence order. */
  private waiting: OrderEntryReport[] = [];
  /** Durable reports made before any listener was set. */
  private undelivered: OrderEntryReport[] = [];
  private reportListener: ((reports: readonly OrderEntryReport[]) => void) | null = null;
  /** Hears reports once their command is written to the journal, before it is durable (onReportsWritten). */
  private writtenListener: ((reports: readonly OrderEntryReport[], from: number, to: number) => void) | null = null;
  /** Reports in `waiting` before this index have gone to the written listener. */
  private writtenHead = 0;
  private readonly durableListeners: Array<(seq: number) => void> = [];
  /** The last reports made (an HA node's order link answers a gateway's catch-up from it); null unless `keepRecentReports`. */
  recentReports: RecentReports | null = null;
  /** Client requests taken. */
  requestsSubmitted = 0;
  private stopped = false;

  /**
   * `handler` receives every engine event in this loop (the publisher); events are released
   * after it. With `handler` null, `ring` is shared with a consumer thread: events are
   * committed to it, and a full ring waits for that thread.
   */
  constructor(config: TickwireConfig, journalPath: string, handler: HandOffHandler | null, ring?: EngineEventRing) {
    this.config = config;
    this.handler = handler;
    const drainPolicy: RingFullPolicy = { onRingFull: () => this.drainForRoom() };
    this.core = new ExchangeCore({
      symbols: config.sim.symbols,
      engine: config.engine,
      journal: { ...config.journal, path: journalPath },
      clock: this.clock,
      ring,
      ringFullPolicy: handler === null ? null : drainPolicy,
    });
    this.reader = new EngineEventRingReader(this.core.ring);
    this.generator = OrderFlowGenerator.fromConfig(config, this.core.engine);
    this.cmds = new CommandBuffer(Math.max(256, config.sim.batchSize));
    this.core.trading.orders.sink = (r) => this.waiting.push(r);
  }

  // ---- TradingPort ------------------------------------------------------------------------

  /** Queues a client request for the next batch (refused at once, unjournaled, when it cannot be a command). */
  submit(request: OrderEntryRequest): void {
    const account = request.account;
    // The house's one request: the marker of a session opening with no balance to carry.
    const carryMarker = request.kind === 'deposit' && request.carried === 0 && account === 0;
    if (!carryMarker && !(Number.isInteger(account) && account >= 1 && account <= 0xffffffff)) {
      this.refuseNow(request, RejectReason.UnknownAccount);
      return;
    }
    if ((request.kind === 'new' || (request.kind === 'replace' && request.clientOrderId !== '')) && !validToken(request.clientOrderId)) {
      this.refuseNow(request, RejectReason.BadClientOrderId);
      return;
    }
    this.requests.push(request);
    this.requestsSubmitted++;
    // A client waits for its batch: run one as soon as this turn of the loop ends rather
    // than at the next 1 ms tick (requests arriving in the same turn share it: group commit).
    if (!this.batchSoon && this.timer !== null) {
      this.batchSoon = true;
      setImmediate(this.runSoon);
    }
  }

  private batchSoon = false;
  private readonly runSoon = (): void => {
    this.batchSoon = false;
    if (this.timer !== null) this.tick();
  };

  onReports(listener: (reports: readonly OrderEntryReport[]) => void): void {
    this.reportListener = listener;
    // The held reports (a restart's replay) go out once the caller's synchronous set-up is
    // done, so everything it wires to the listener in the same turn (FIX and OUCH sessions)
    // hears them too; a timer's batch cannot come first.
    if (this.undelivered.length > 0) {
      queueMicrotask(() => {
        const held = this.undelivered;
        this.undelivered = [];
        if (held.length > 0) listener(held);
      });
    }
  }

  /**
   * Hears every report as soon as its command is written to the journal, before its
   * fdatasync returns (the reports of `onReports` wait for that): a protocol session can then
   * store and sync its own messages while the journal syncs, and send them once both are
   * durable (`durableSeq`). Reports made before a listener is set and still held for the
   * first `onReports` listener (a restart's replay) are handed at once. The listener must not
   * keep `reports` (it is reused): it reads `reports[from..to)`.
   */
  onReportsWritten(listener: (reports: readonly OrderEntryReport[], from: number, to: number) => void): void {
    this.writtenListener = listener;
    if (this.undelivered.length > 0) listener(this.undelivered, 0, this.undelivered.length);
    this.writtenHead = 0;
    this.releaseWritten();
  }

  /** The last inbound sequence number durable in the journal (every one without a journal). */
  get durableSeq(): number {
    const journal = this.journal;
    return journal === null ? Number.MAX_SAFE_INTEGER : journal.durableSeq;
  }

  /** Calls `listener(durableSeq)` whenever the journal's commit moves (after the reports it releases). */
  onDurableSeq(listener: (seq: number) => void): void {
    this.durableListeners.push(listener);
  }

  /**
   * The journal's last sequence number when it was recovered: null before start, without a
   * journal, or when it was empty (a new session's journal: what a protocol store holds from
   * before belongs to an earlier session of the day, not to a crash of this one).
   */
  get recoveredSeq(): number | null {
    const r = this.core.recovery;
    return this.core.journal === null || r === null || r.records === 0 ? null : r.lastSeq;
  }

  balances(account: number): Promise<BalanceView> {
    return Promise.resolve(this.core.trading.wallet.view(account));
  }

  /** Every account's balances (end of day: what the next session opens with). */
  allBalances(): BalanceView[] {
    return this.core.trading.wallet.all();
  }

  private refuseNow(request: OrderEntryRequest, reason: RejectReason): void {
    const code = REJECT_CODES[reason];
    if (request.kind !== 'new' && request.kind !== 'cancel' && request.kind !== 'replace') {
      this.deliverNow([{ kind: 'account', requestId: request.requestId, account: request.account, reject: code, seq: 0 }]);
      return;
    }
    const isNew = request.kind === 'new';
    this.deliverNow([{
      kind: 'order',
      requestId: request.requestId,
      account: request.account,
      orderId: isNew ? 0 : request.orderId,
      ref: 0,
      clientOrderId: request.kind === 'cancel' ? '' : String(request.clientOrderId).slice(0, 64),
      locate: isNew ? request.locate : 0,
      side: isNew ? request.side : 'B',
      orderType: isNew ? request.orderType : 'L',
      price: request.kind === 'cancel' ? 0 : request.price,
      shares: request.shares,
      filledShares: 0,
      remainingShares: 0,
      status: 'rejected',
      reject: code,
      filledNotional: 0,
      creationNs: 0,
      updateNs: 0,
      seq: 0,
    }]);
  }

  /** A refusal that never reaches the journal: to the written listener, then delivered. */
  private deliverNow(reports: OrderEntryReport[]): void {
    if (this.writtenListener !== null) this.writtenListener(reports, 0, reports.length);
    this.deliver(reports);
  }

  /** Hands the reports whose commands are written to the journal to the written listener. */
  private releaseWritten(): void {
    const listener = this.writtenListener;
    if (listener === null) return;
    const w = this.waiting;
    const journal = this.journal;
    const through = journal === null ? Number.MAX_SAFE_INTEGER : journal.writtenThrough;
    const from = this.writtenHead;
    let n = from;
    while (n < w.length && w[n].seq <= through) n++;
    if (n === from) return;
    this.writtenHead = n;
    listener(w, from, n);
  }

  private deliver(reports: OrderEntryReport[]): void {
    if (reports.length === 0) return;
    const recent = this.recentReports;
    if (recent !== null) for (let i = 0; i < reports.length; i++) recent.push(reports[i]);
    if (this.reportListener !== null) this.reportListener(reports);
    else for (const r of reports) this.undelivered.push(r);
  }

  /** Hands over the reports whose commands are durable (all of them without a journal). */
  private releaseReports(): void {
    if (this.waiting.length === 0) return;
    // Durable implies written: the written listener hears a report first.
    this.releaseWritten();
    const journal = this.journal;
    const durable = journal === null ? Infinity : journal.durableSeq;
    const w = this.waiting;
    let n = 0;
    while (n < w.length && w[n].seq <= durable) n++;
    if (n === 0) return;
    this.writtenHead = this.writtenHead > n ? this.writtenHead - n : 0;
    this.deliver(n === w.length ? w : w.slice(0, n));
    this.waiting = n === w.length ? [] : w.slice(n);
  }

  /** Writes queued client requests at the front of `cmds`; returns the records written. */
  private writeRequests(firstSeq: number): number {
    const cmds = this.cmds;
    const orders = this.core.trading.orders;
    let k = 0;
    const reqs = this.requests;
    let taken = this.requestsHead;
    while (taken < reqs.length && k + 2 <= cmds.capacity) {
      const r = reqs[taken++];
      const base = (i: number): number => i * COMMAND_SIZE;
      switch (r.kind) {
        case 'new':
          cmds.writeToken(base(k++), r.clientOrderId);
          cmds.write(base(k), CommandType.NewOrder, sideByte(r.side), typeByte(r.orderType), 0, u16(r.locate), u32(r.shares), u32(r.price), 0);
          break;
        case 'cancel':
          cmds.write(base(k), CommandType.Cancel, 0, 0, 0, 0, u32(r.shares), 0, safeId(r.orderId));
          break;
        case 'replace':
          if (r.clientOrderId !== '') cmds.writeToken(base(k++), r.clientOrderId);
          cmds.write(base(k), CommandType.Replace, 0, 0, 0, 0, u32(r.shares), u32(r.price), safeId(r.orderId));
          break;
        case 'deposit':
        case 'withdraw':
          if (r.kind === 'deposit' && r.carried !== undefined) cmds.writeTransfer(base(k), TransferCode.Carry, 0, u16(r.locate), Number(r.amount), u32(r.carried));
          else cmds.writeTransfer(base(k), r.kind === 'deposit' ? TransferCode.Deposit : TransferCode.Withdraw, 0, u16(r.locate), Number(r.amount));
          break;
        case 'settings': {
          const cls = this.config.orderEntry.riskClasses[r.riskClass];
          cmds.writeSettings(base(k), 0, u8(r.riskClass), r.allowShort === true, r.killSwitch === true, riskLimitsOf(cls));
          break;
        }
        default:
          this.refuseNow(r, RejectReason.BadCommand);
          continue;
      }
      cmds.setAccount(base(k), r.account);
      orders.requestIds.set(firstSeq + k, r.requestId);
      k++;
    }
    // A head index, not a slice of the rest: a backlog of requests is taken in batches of
    // half the command buffer, and copying what remains each time was quadratic (14% of an
    // OUCH server that fell behind at 43,000 orders/s).
    if (taken === reqs.length) {
      reqs.length = 0;
      this.requestsHead = 0;
    } else if (taken > 4096 && taken * 2 > reqs.length) {
      this.requests = reqs.slice(taken);
      this.requestsHead = 0;
    } else this.requestsHead = taken;
    return k;
  }

  /**
   * Recovers the journal, opens the day if it is new, and starts generating (unless
   * `paused`: then `resume()` starts it, after the consumer has taken the replay).
   */
  start(paused = false): JournalRecovery {
    const recovery = this.core.start();
    this.journal = this.core.journal;
    // Reports of a group commit reach the listener as soon as their fdatasync finishes.
    this.journal?.onDurable(this.onCommitted);
    this.releaseReports();
    const engine = this.core.engine;
    this.drainEvents();
    if (recovery.records === 0) {
      this.submitSession(this.generator.openingCommands());
    } else {
      // The generator cancels and replaces only the house's own orders.
      engine.forEachRestingOrder((o) => {
        if (o.account === 0) this.generator.remember(o.ref, o.locate, o.side === 'B' ? 0x42 : 0x53);
      });
    }
    if (!paused) this.resume();
    return recovery;
  }

  /**
   * A hot standby (ha/): recovers the journal like `start`, but neither opens the day nor
   * generates: the primary's commands arrive by replication (`applyReplicated`) until
   * `promote()`.
   */
  startFollower(): JournalRecovery {
    // Clients are the primary's: a standby delivers no reports until it is promoted (it may
    // keep the last ones for the gateways that will reconnect to it: keepRecentReports).
    this.core.trading.orders.sink = null;
    const recovery = this.core.start();
    this.journal = this.core.journal;
    this.journal?.onDurable(this.onCommitted);
    this.drainEvents();
    return recovery;
  }

  /** The commit moved: reports go out, and with the feed gated the events it covers. */
  private readonly onCommitted = (): void => {
    this.releaseReports();
    if (this.feedGated) this.drainEvents();
    const ls = this.durableListeners;
    if (ls.length > 0) {
      const seq = this.durableSeq;
      for (let i = 0; i < ls.length; i++) ls[i](seq);
    }
  };

  private drainSoon = false;
  private readonly drainMore = (): void => {
    this.drainSoon = false;
    this.drainEvents();
  };

  /** Events are published only once their command is committed (a replica is attached: an HA primary). */
  get feedGated(): boolean {
    return this.handler !== null && this.journal?.replicated === true;
  }

  /** Applies `count` replicated journal records (56 bytes each: length, CRC, command) already in the journal. */
  applyReplicated(records: Uint8Array, count: number): void {
    const cmds = this.cmds;
    const trading = this.core.trading;
    const dst = cmds.i32;
    const aligned = records.byteOffset % 4 === 0 ? records : records.slice(0, count * JOURNAL_RECORD_SIZE);
    const src = new Int32Array(aligned.buffer, aligned.byteOffset, (count * JOURNAL_RECORD_SIZE) >> 2);
    let k = 0;
    for (let i = 0; i < count; i++) {
      const w = (i * JOURNAL_RECORD_SIZE) >> 2;
      const d = (k * COMMAND_SIZE) >> 2;
      for (let j = 0; j < COMMAND_SIZE >> 2; j++) dst[d + j] = src[w + 2 + j];
      trading.apply(cmds, k * COMMAND_SIZE);
      if (++k === cmds.capacity || i === count - 1) {
        trading.publish();
        this.drainEvents();
        k = 0;
      }
    }
  }

  /**
   * The standby becomes the primary: the sequencer continues after the last replicated
   * record, the generator takes over the house's resting orders, and generation starts.
   */
  promote(): void {
    this.core.trading.orders.sink = (r) => this.waiting.push(r);
    this.core.resequence();
    this.core.engine.forEachRestingOrder((o) => {
      if (o.account === 0) this.generator.remember(o.ref, o.locate, o.side === 'B' ? 0x42 : 0x53);
    });
    this.releaseReports();
    this.resume();
  }

  /**
   * Keeps the last `capacity` reports from now on (RecentReports): a standby's, made as it
   * applies the primary's commands, and once it leads, every report it delivers. Reports
   * of commands already in the journal are not held (a gateway that missed them has a gap).
   */
  keepRecentReports(capacity: number): void {
    if (this.recentReports !== null) return;
    const recent = new RecentReports(capacity, this.core.journal?.writtenThrough ?? 0);
    this.recentReports = recent;
    const orders = this.core.trading.orders;
    if (orders.sink === null) orders.sink = (r) => recent.push(r);
  }

  /**
   * Client accounts with settings journaled this session (0: a fresh session, whose opening
   * a client gateway completes). Not the wallet's accounts: the house is always one, and a
   * session's carried balances make wallet accounts before any settings.
   */
  get accountsKnown(): number {
    const t = this.core.trading;
    const known = t.risk.known;
    let n = 0;
    for (let slot = 1; slot < t.wallet.accounts && slot < known.length; slot++) if (known[slot] !== 0) n++;
    return n;
  }

  /** The carry transfers this session has journaled, and how many its opening carries (runtime/wallet-carry.ts). */
  get carryState(): CarryState {
    const orders = this.core.trading.orders;
    return { records: orders.carryRecords, total: orders.carryTotal };
  }

  /** Starts generating orders at the configured pace. */
  resume(): void {
    if (this.timer !== null) return;
    this.lastTickMs = performance.now();
    this.timer = setInterval(() => this.tick(), 1);
  }

  private submitSession(list: Array<{ type: number; code: number; locate: number }>): void {
    const sequencer = this.core.sequencer as NonNullable<ExchangeCore['sequencer']>;
    list.forEach((c, i) => this.cmds.write(i * COMMAND_SIZE, c.type, 0, 0, c.code, c.locate, 0, 0, 0));
    sequencer.submitBatch(this.cmds, 0, list.length);
    this.drainEvents();
  }

  /** The closing statement: every client balance now, in batches of the command buffer's size. */
  private submitStatement(): void {
    const sequencer = this.core.sequencer as NonNullable<ExchangeCore['sequencer']>;
    const lines = statementLines(this.core.trading.wallet);
    let from = 0;
    do {
      const n = writeStatement(this.cmds, lines, from, this.cmds.capacity);
      sequencer.submitBatch(this.cmds, 0, n);
      this.drainEvents();
      from += n;
    } while (from < lines.length);
  }

  private tick(): void {
    const now = performance.now();
    const rate = this.config.sim.ordersPerSec * this.generator.intensity(this.clock.nowNs());
    this.due += ((now - this.lastTickMs) / 1000) * rate;
    this.lastTickMs = now;
    // After a stall (a GC, a starved core, a standby's catch-up) the house's missed orders are
    // not made up at once: a backlog of seconds generated in one turn stalled the loop again
    // (55,000-59,000 orders/s right after a stall at 43,000), long enough for an HA primary's
    // lease watchdog to give up. At most 100 ms of the rate per tick; the rest is skipped.
    const cap = Math.max(this.cmds.capacity, rate / 10);
    if (this.due > cap) {
      this.ordersSkipped += Math.floor(this.due - cap);
      this.due = cap;
    }
    const sequencer = this.core.sequencer as NonNullable<ExchangeCore['sequencer']>;
    const limit = this.config.sim.orders;
    // Gated: uncommitted events wait in the ring; a batch must not fill it (see the top).
    const heldBack = this.feedGated && this.reader.available() > this.core.ring.capacity >> 1;
    if (heldBack) {
      this.heldBackTicks++;
      if (this.due > this.cmds.capacity) this.due = this.cmds.capacity;
    }
    const handOff = handOffBatchSize(this.due);
    while (!heldBack && (this.requests.length > this.requestsHead || this.due >= 1)) {
      const firstSeq = sequencer.nextSeq;
      // Client requests first, then the house's generated orders.
      const k = this.requests.length > this.requestsHead ? this.writeRequests(firstSeq) : 0;
      let n = Math.min(Math.floor(this.due), handOff, this.cmds.capacity - k);
      if (limit > 0) n = Math.min(n, limit - this.orders);
      if (n < 0) n = 0;
      if (k + n === 0) break;
      for (let i = 0; i < n; i++) this.generator.next(this.cmds, k + i, firstSeq + k + i);
      sequencer.submitBatch(this.cmds, 0, k + n);
      this.due -= n;
      this.orders += n;
      this.drainEvents();
      // The batch's events are handed over: the publisher sends them now, before the next
      // batch is matched (not after the loop's poll phase, its setImmediate).
      this.handler?.endOfBatch?.();
      if (n === 0 && this.requests.length === this.requestsHead) break;
    }
    if (limit > 0 && this.orders >= limit) this.due = 0;
    // Under the 'interval' policy, records buffered in a quiet spell still go out on time.
    this.core.journal?.endBatch();
    this.releaseWritten();
    this.releaseReports();
  }

  private drainEvents(): void {
    const handler = this.handler;
    if (handler !== null) {
      const journal = this.journal;
      if (journal?.replicated === true) {
        // In slices: a commit that covers a long backlog (a standby joining a primary that
        // traded alone) must not stall the loop that renews the lease.
        const n = this.reader.drainThrough(handler, journal.durableSeq, GATED_DRAIN_SLICE);
        this.events += n;
        if (n === GATED_DRAIN_SLICE && !this.drainSoon) {
          this.drainSoon = true;
          setImmediate(this.drainMore);
        }
      } else {
        // Journal before publish: a record still in this process's buffer when it is killed
        // is lost, and its events must not have gone out on the lines under a sequence number
        // the restart would give to other content. (Gated, the commit comes after the write.)
        journal?.write();
        this.events += this.reader.drain(handler);
      }
    } else {
      // The consumer thread publishes what is committed to the ring: journal first here too.
      this.journal?.write();
      this.core.writer.commit();
      this.events = this.core.engine.lastEventSeq;
    }
  }

  /**
   * The ring is full (the engine is mid-batch and cannot wait in its own thread). Gated,
   * what is committed goes first; if that frees nothing, a little goes out uncommitted and
   * is counted (`feedGateOverruns`): the alternative is a hang.
   */
  private drainForRoom(): void {
    const before = this.events;
    this.drainEvents();
    if (this.events === before && this.handler !== null) {
      const n = this.reader.drain(this.handler, 256);
      this.events += n;
      this.feedGateOverruns += n;
    }
  }

  /**
   * Resolves true once every event in the ring has gone to the publisher (at once unless
   * the feed is gated and the day was ended by `stop(true)`: its closing events wait for the
   * standby's acknowledgement), false after `timeoutMs` (they stay unpublished: not committed).
   */
  async whenPublished(timeoutMs: number): Promise<boolean> {
    const end = performance.now() + timeoutMs;
    while (this.endedDay && this.reader.available() > 0) {
      if (performance.now() >= end) return false;
      await new Promise((r) => setTimeout(r, 2));
    }
    return true;
  }

  /** Orders per second over the last few samples (call once a second). */
  sampleRate(): number {
    this.rateWindow.push(this.orders);
    if (this.rateWindow.length > 6) this.rateWindow.shift();
    const w = this.rateWindow;
    return w.length < 2 ? 0 : (w[w.length - 1] - w[0]) / (w.length - 1);
  }

  status(ordersPerSec: number): LiveSimStatus {
    const engine = this.core.engine;
    let rejects = 0;
    engine.rejects.forEach((n) => (rejects += n));
    return {
      orders: this.orders,
      events: this.events,
      executions: engine.executions,
      restingOrders: engine.restingOrders,
      rejects,
      ordersPerSec,
      journalPath: this.core.journal?.path ?? '',
      recovered: this.core.recovery,
    };
  }

  /** Ends the day (end of market hours, of system hours, of messages) and closes the journal. */
  stop(endOfDay: boolean): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (endOfDay) {
      // The balances the day ends with, journaled before its closing events: the next
      // session carries from them without replaying the day (closing-statement.ts).
      this.balancesThroughSeq = this.core.journal?.writtenThrough ?? 0;
      if (this.core.journal !== null) this.submitStatement();
      this.submitSession(this.generator.closingCommands());
    }
    this.endedDay = endOfDay && this.feedGated;
    this.drainEvents();
    this.core.close();
    this.releaseReports();
  }
}

function validToken(token: unknown): token is string {
  return typeof token === 'string' && token.length >= 1 && token.length <= CLIENT_ORDER_ID_MAX && TOKEN_TEXT.test(token);
}

// Out-of-range fields become 0, which the core refuses with a stable code (never a wrap-around).
function u8(n: unknown): number {
  return Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xff ? (n as number) : 0xff;
}

function u16(n: unknown): number {
  return Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xffff ? (n as number) : 0;
}

function u32(n: unknown): number {
  return Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xffffffff ? (n as number) : 0;
}

function safeId(n: unknown): number {
  return Number.isSafeInteger(n) && (n as number) >= 1 ? (n as number) : 0;
}

function sideByte(side: unknown): number {
  return side === 'B' ? 0x42 : side === 'S' ? 0x53 : 0;
}

function typeByte(type: unknown): number {
  return type === 'L' ? OrderType.Limit : type === 'I' ? OrderType.ImmediateOrCancel : type === 'M' ? OrderType.Market : 0;
}
