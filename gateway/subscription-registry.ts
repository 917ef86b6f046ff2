// The gateway's view of the market-data source: a MarketDataListener that records what the
// channels need (executions, L3 events of watched symbols) and marks the symbols an event
// group touched, and the topics clients subscribe to, grouped by update rate. Real-time
// topics publish at most every `realtimeIntervalMs` (0: once per event-loop turn that saw
// a boundary, setImmediate), conflated ones at most every 1000 / rate ms (10 per second for
// the free tier), each timed group a slot of its symbols per `flushTickMs` tick; always at a
// boundary: never in the middle of an event group, so a client never sees a transient state.
//
// Hot path (onMessage): a dirty mark per flush group and a few typed-array writes; no
// allocation. Serializing happens at flush, once per topic.
import { parseSessionDate, sessionAnchors, type CandleInterval, type MarketDataListener, type MarketDataSource, type MarketDataStatus, type OrderBook } from '../book';
import type { GatewayChannel, ItchMessage } from '../protocol';
import { BookTopic } from './book-topic';
import { CandleTopic } from './candle-topic';
import { ExecutionLog } from './execution-log';
import { FanOut, Subscription, type Subscriber } from './fan-out';
import { LatencyHistogram } from './latency-histogram';
import { L1Topic } from './l1-topic';
import { OrderEventKind, OrderEventRing } from './order-event-ring';
import { OrdersTopic } from './orders-topic';
import type { Topic } from './topic';
import { TradesTopic } from './trades-topic';

/**
 * Topics that publish together: real time (intervalMs 0, or realtimeIntervalMs) or one
 * conflation rate. A timed group is split into `slots` by locate (locate % slots) and one
 * slot flushes per tick of intervalMs / slots, so each symbol still publishes at most once
 * per interval, but the group's socket writes spread over the interval instead of landing
 * in one burst that holds the event loop (and every client and the feed behind it).
 */
class FlushGroup {
  readonly intervalMs: number;
  readonly slots: number;
  readonly topics: (Topic[] | null)[] = new Array<Topic[] | null>(65536).fill(null);
  readonly dirty = new Uint8Array(65536);
  /** Dirty locates per slot. */
  readonly dirtyLists: Int32Array[] = [];
  readonly dirtyCounts: Int32Array;
  /** Dirty locates over all slots. */
  dirtyCount = 0;
  /** The slot the next tick flushes. */
  nextSlot = 0;
  /** Ticks of intervalMs / slots since the timer started, and how many have been flushed. */
  ticksFlushed = 0;
  startedAt = 0;
  timer: NodeJS.Timeout | null = null;

  constructor(intervalMs: number, slots: number) {
    this.intervalMs = intervalMs;
    this.slots = slots;
    this.dirtyCounts = new Int32Array(slots);
    for (let k = 0; k < slots; k++) this.dirtyLists.push(new Int32Array(Math.ceil(65536 / slots)));
  }

  mark(locate: number): void {
    if (this.dirty[locate] === 0 && this.topics[locate] !== null) {
      this.dirty[locate] = 1;
      const slot = locate % this.slots;
      this.dirtyLists[slot][this.dirtyCounts[slot]++] = locate;
      this.dirtyCount++;
    }
  }
}

/** Slots for a group of `intervalMs`: one per `tickMs` of the interval (1: no spreading). */
export function flushSlots(intervalMs: number, tickMs: number): number {
  if (intervalMs <= 0 || tickMs <= 0) return 1;
  return Math.max(1, Math.min(64, Math.floor(intervalMs / tickMs)));
}

export interface RegistryOptions {
  source: MarketDataSource;
  fan: FanOut;
  /** Executions kept per symbol. */
  executionsPerSymbol: number;
  /** Conflation rates in updates per second (each gets a flush group; 0 is real time). */
  rates: readonly number[];
  /** Sends one frame to every connected client (status changes). */
  broadcast: (frame: Buffer) => void;
  /** How often stale subscriptions are checked for a resync (ms). */
  resyncIntervalMs?: number;
  /** Real-time topics publish at most this often (ms); 0: every event-loop turn after a boundary. */
  realtimeIntervalMs?: number;
  /** Timed groups flush a share of their symbols every this many ms (0: the whole group at once). */
  flushTickMs?: number;
  /** A monotonic clock in ms (performance.now); a seam for tests. */
  now?: () => number;
}

export interface RegistryFigures {
  topics: number;
  flushes: number;
  boundaries: number;
  messages: number;
  deferredFlushes: number;
}

export class SubscriptionRegistry implements MarketDataListener {
  readonly source: MarketDataSource;
  readonly fan: FanOut;
  readonly executions: ExecutionLog;
  readonly orderEvents = new OrderEventRing();
  /** The last boundary's sequence and the last message's ITCH timestamp. */
  lastBoundary: number;
  lastTs = 0;
  /** No event group is half applied (false between a message and its group's boundary). */
  atBoundary = true;
  valid: boolean;
  ended = false;
  readonly figures: RegistryFigures = { topics: 0, flushes: 0, boundaries: 0, messages: 0, deferredFlushes: 0 };

  private readonly groups: FlushGroup[] = [];
  private readonly groupByRate = new Map<number, number>();
  private readonly topics = new Map<string, Topic>();
  /** Orders topics per locate: L3 events are recorded only for watched symbols. */
  private readonly l3Watch = new Uint16Array(65536);
  private readonly broadcast: (frame: Buffer) => void;
  private realtimeScheduled = false;
  private readonly flushRealtimeBound = (): void => this.flushRealtime();
  /**
   * Age of the state in each frame once written to its subscribers' sockets (us, one
   * sample per subscriber; ITCH timestamps are ns since the session's New York midnight).
   */
  readonly deliveryLag = new LatencyHistogram(600_000_000, 5); // us, to 10 minutes, within ~3%
  private readonly midnightEpochMs: number;
  /** Topics that sent a frame in the current flush (reused). */
  private readonly sentTopics: Topic[] = [];
  private resyncTimer: NodeJS.Timeout | null = null;
  private unsubscribeSource: (() => void) | null = null;

  constructor(options: RegistryOptions) {
    this.source = options.source;
    this.fan = options.fan;
    this.executions = new ExecutionLog(options.executionsPerSymbol);
    this.broadcast = options.broadcast;
    this.lastBoundary = options.source.sequence;
    this.valid = options.source.valid;
    this.resyncIntervalMs = options.resyncIntervalMs ?? 50;
    this.realtimeIntervalMs = options.realtimeIntervalMs ?? 0;
    this.now = options.now ?? (() => performance.now());
    this.midnightEpochMs = /^\d{4}-\d{2}-\d{2}$/.test(options.source.sessionDate) ? sessionAnchors(parseSessionDate(options.source.sessionDate)).midnightMs : 0;
    const tickMs = options.flushTickMs ?? 0;
    this.groups.push(new FlushGroup(this.realtimeIntervalMs, flushSlots(this.realtimeIntervalMs, tickMs)));
    this.groupByRate.set(0, 0);
    for (const rate of options.rates) {
      if (rate <= 0 || this.groupByRate.has(rate)) continue;
      this.groupByRate.set(rate, this.groups.length);
      const intervalMs = Math.max(1, Math.round(1000 / rate));
      this.groups.push(new FlushGroup(intervalMs, flushSlots(intervalMs, tickMs)));
    }
  }

  private readonly resyncIntervalMs: number;
  private readonly realtimeIntervalMs: number;
  private readonly now: () => number;

  /** Starts listening to the source and the timers. */
  start(): void {
    if (this.unsubscribeSource !== null) return;
    this.unsubscribeSource = this.source.subscribe(this);
    for (const g of this.groups) {
      if (g.intervalMs === 0) continue;
      g.startedAt = this.now();
      g.ticksFlushed = 0;
      g.timer = setInterval(() => this.flushTimed(g), g.intervalMs / g.slots);
      g.timer.unref();
    }
    this.resyncTimer = setInterval(() => this.resyncStale(), this.resyncIntervalMs);
    this.resyncTimer.unref();
  }

  stop(): void {
    this.unsubscribeSource?.();
    this.unsubscribeSource = null;
    for (const g of this.groups) if (g.timer !== null) clearInterval(g.timer);
    if (this.resyncTimer !== null) clearInterval(this.resyncTimer);
  }

  // --- MarketDataListener (the source's thread, in sequence order) ----------------------

  onMessage(sequence: number, m: ItchMessage): void {
    this.figures.messages++;
    this.atBoundary = false;
    this.lastTs = m.timestampNs;
    if (this.executions.firstTimestampNs < 0) this.executions.firstTimestampNs = m.timestampNs;
    const type = m.type;
    if (type === 0x53) return; // S: no symbol
    const locate = m.locate;
    const groups = this.groups;
    for (let g = 0; g < groups.length; g++) groups[g].mark(locate);
    if (type === 0x45) {
      // E: the book printed at the resting order's price.
      const book = this.source.books.book(locate) as OrderBook;
      this.executions.record(locate, sequence, m.timestampNs, book.lastTradePrice, m.shares, m.orderRef, m.matchNumber);
    } else if (type === 0x43 && m.printable === 0x59) {
      this.executions.record(locate, sequence, m.timestampNs, m.price, m.shares, m.orderRef, m.matchNumber);
    } else if (type === 0x50) {
      this.executions.record(locate, sequence, m.timestampNs, m.price, m.shares, m.orderRef, m.matchNumber);
    }
    if (this.l3Watch[locate] !== 0) this.recordOrderEvent(sequence, m, locate);
  }

  onBoundary(sequence: number): void {
    this.figures.boundaries++;
    this.lastBoundary = sequence;
    this.atBoundary = true;
    // Real time every event-loop turn; a timed real-time group flushes from its ticker.
    if (this.realtimeIntervalMs === 0 && !this.realtimeScheduled && this.groups[0].dirtyCount !== 0) {
      this.realtimeScheduled = true;
      setImmediate(this.flushRealtimeBound);
    }
  }

  onStatus(status: MarketDataStatus): void {
    const wasValid = this.valid;
    this.valid = status.valid;
    this.ended = status.ended;
    this.lastBoundary = status.sequence;
    if (status.valid && !wasValid) {
      // The books were rebuilt: every state subscription restarts from a snapshot.
      this.atBoundary = true;
      for (const topic of this.topics.values()) {
        topic.reset(this.lastBoundary, this.lastTs);
        if (topic.resyncable) for (const sub of topic.subs) this.fan.markStale(sub);
      }
    }
    this.fan.uncorkAll();
    this.broadcast(Buffer.from(`{"type":"status","valid":${status.valid},"seq":${status.sequence},"ended":${status.ended}}`));
  }

  private recordOrderEvent(sequence: number, m: ItchMessage, locate: number): void {
    const r = this.orderEvents;
    switch (m.type) {
      case 0x41: // A
      case 0x46: // F
        r.record(locate, OrderEventKind.Add, sequence, m.orderRef, m.side, m.shares, m.price, 0);
        return;
      case 0x45: // E
        r.record(locate, OrderEventKind.Execute, sequence, m.orderRef, 0, m.shares, (this.source.books.book(locate) as OrderBook).lastTradePrice, 0);
        return;
      case 0x43: // C
        r.record(locate, OrderEventKind.Execute, sequence, m.orderRef, 0, m.shares, m.price, 0);
        return;
      case 0x58: // X
        r.record(locate, OrderEventKind.Cancel, sequence, m.orderRef, 0, m.shares, 0, 0);
        return;
      case 0x44: // D
        r.record(locate, OrderEventKind.Delete, sequence, m.orderRef, 0, 0, 0, 0);
        return;
      case 0x55: // U
        r.record(locate, OrderEventKind.Replace, sequence, m.orderRef, 0, m.shares, m.price, m.newRef);
        return;
    }
  }

  // --- flushing -------------------------------------------------------------------------

  private flushRealtime(): void {
    this.realtimeScheduled = false;
    // Mid-group (a source that yields inside a group): the group's boundary schedules again.
    if (!this.atBoundary) {
      this.figures.deferredFlushes++;
      return;
    }
    const g = this.groups[0];
    for (let slot = 0; slot < g.slots; slot++) this.flushSlot(g, slot);
    this.fan.uncorkAll();
    this.recordLag();
    this.figures.flushes++;
  }

  /**
   * A timed group's tick: the slots due since the last one. A busy event loop runs timers
   * late; the slots still follow the clock, so every symbol keeps its rate.
   */
  private flushTimed(g: FlushGroup): void {
    const due = Math.floor(((this.now() - g.startedAt) * g.slots) / g.intervalMs) - g.ticksFlushed;
    if (due <= 0) return;
    if (g.dirtyCount !== 0 && !this.atBoundary) {
      // Try again at the next tick rather than wait a whole interval.
      this.figures.deferredFlushes++;
      return;
    }
    g.ticksFlushed += due;
    if (g.dirtyCount === 0) {
      g.nextSlot = (g.nextSlot + due) % g.slots;
      return;
    }
    for (let k = Math.min(due, g.slots); k > 0; k--) {
      this.flushSlot(g, g.nextSlot);
      g.nextSlot = (g.nextSlot + 1) % g.slots;
    }
    if (due > g.slots) g.nextSlot = (g.nextSlot + due - g.slots) % g.slots;
    this.fan.uncorkAll();
    this.recordLag();
    this.figures.flushes++;
  }

  private flushSlot(g: FlushGroup, slot: number): void {
    const n = g.dirtyCounts[slot];
    if (n === 0) return;
    const list = g.dirtyLists[slot];
    const publish = this.valid;
    const seq = this.lastBoundary;
    const ts = this.lastTs;
    for (let k = 0; k < n; k++) {
      const locate = list[k];
      g.dirty[locate] = 0;
      const topics = g.topics[locate];
      if (topics === null || !publish) continue;
      for (let t = 0; t < topics.length; t++) if (topics[t].publish(seq, ts)) this.sentTopics.push(topics[t]);
    }
    g.dirtyCounts[slot] = 0;
    g.dirtyCount -= n;
  }

  /** After a flush's writes: each sent topic's state age, once per subscriber. */
  private recordLag(): void {
    const sent = this.sentTopics;
    if (sent.length === 0) return;
    const nowUs = (performance.timeOrigin + performance.now() - this.midnightEpochMs) * 1000;
    for (let i = 0; i < sent.length; i++) {
      const t = sent[i];
      if (t.ts > 0 && t.subs.length > 0) this.deliveryLag.record(nowUs - t.ts / 1000, t.subs.length);
    }
    sent.length = 0;
  }

  private resyncStale(): void {
    if (this.fan.stale.size === 0 || !this.atBoundary || !this.valid) return;
    const seq = this.lastBoundary;
    const ts = this.lastTs;
    this.fan.resyncStale((sub) => {
      (sub.topic as Topic).catchUp(seq, ts);
      return true;
    });
    this.fan.uncorkAll();
  }

  // --- subscriptions ---------------------------------------------------------------------

  /** The group for an update rate (0: real time). */
  groupFor(updatesPerSecond: number): number {
    const g = this.groupByRate.get(updatesPerSecond);
    if (g === undefined) throw new RangeError(`no flush group for ${updatesPerSecond} updates/s; give the rate to the registry`);
    return g;
  }

  /**
   * Subscribes a client; returns the subscription and the snapshot (a whole websocket frame) to send after the
   * ack (null for trades, or when the books are not at a consistent point right now: the
   * snapshot then follows from the resync timer).
   */
  subscribe(
    subscriber: Subscriber,
    channel: GatewayChannel,
    book: OrderBook,
    param: number | CandleInterval,
    updatesPerSecond: number,
  ): { subscription: Subscription; snapshot: Buffer | null } {
    const group = this.groupFor(updatesPerSecond);
    const key = `${channel}:${book.locate}:${param}:${group}`;
    let topic = this.topics.get(key);
    if (topic === undefined) {
      topic = this.createTopic(key, channel, book, param, group);
      this.topics.set(key, topic);
      const g = this.groups[group];
      const list = g.topics[book.locate];
      if (list === null) g.topics[book.locate] = [topic];
      else list.push(topic);
      this.figures.topics = this.topics.size;
      topic.reset(this.lastBoundary, this.lastTs);
    }
    const ready = this.atBoundary && this.valid;
    if (ready) topic.catchUp(this.lastBoundary, this.lastTs); // before the new subscriber joins
    const subscription = new Subscription(subscriber, topic);
    topic.subs.push(subscription);
    if (!topic.resyncable) return { subscription, snapshot: null };
    if (!ready) {
      this.fan.markStale(subscription);
      return { subscription, snapshot: null };
    }
    return { subscription, snapshot: topic.snapshotWire() };
  }

  unsubscribe(subscription: Subscription): void {
    const topic = subscription.topic as Topic;
    this.fan.drop(subscription);
    const at = topic.subs.indexOf(subscription);
    if (at < 0) return;
    topic.subs[at] = topic.subs[topic.subs.length - 1];
    topic.subs.pop();
    if (topic.subs.length > 0) return;
    this.topics.delete(topic.key);
    this.figures.topics = this.topics.size;
    const g = this.groups[topic.group];
    const list = g.topics[topic.locate] as Topic[];
    list.splice(list.indexOf(topic), 1);
    if (list.length === 0) g.topics[topic.locate] = null;
    if (topic.channel === 'orders') this.l3Watch[topic.locate]--;
  }

  /** Subscriptions per channel (a metric). */
  subscriptionCounts(): Record<GatewayChannel, number> {
    const out: Record<GatewayChannel, number> = { l1: 0, book: 0, orders: 0, trades: 0, candles: 0 };
    for (const t of this.topics.values()) out[t.channel] += t.subs.length;
    return out;
  }

  private createTopic(key: string, channel: GatewayChannel, book: OrderBook, param: number | CandleInterval, group: number): Topic {
    const ctx = { fan: this.fan };
    switch (channel) {
      case 'book':
        return new BookTopic(ctx, key, book, param as number, group);
      case 'l1':
        return new L1Topic(ctx, key, book, group);
      case 'trades':
        return new TradesTopic(ctx, key, book, group, this.executions);
      case 'candles':
        return new CandleTopic(ctx, key, book, param as CandleInterval, group);
      case 'orders':
        this.l3Watch[book.locate]++;
        return new OrdersTopic(ctx, key, book, group, this.orderEvents);
    }
  }
}
