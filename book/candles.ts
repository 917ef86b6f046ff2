// Candles per symbol for 1m, 5m, 1h, 1d, 1w and 1M in ring buffers of typed arrays.
// Semantics (book/README.md): a candle covers [start, end) of the America/New_York
// calendar and carries its start; it exists only if a printable trade fell in it; trades
// come from E (at the resting order's price), printable C (at the execution price) and P.

import { sessionAnchors, parseSessionDate, type SessionAnchors } from './ny-time';
import type { Candle as CandleRecord } from '../protocol';

export const CANDLE_INTERVALS = ['1m', '5m', '1h', '1d', '1w', '1M'] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];

/** Ring capacities: a full 24-hour day of 1m candles, and proportionate others. */
export const DEFAULT_CANDLE_CAPACITY: Readonly<Record<CandleInterval, number>> = {
  '1m': 1440,
  '5m': 288,
  '1h': 168,
  '1d': 366,
  '1w': 106,
  '1M': 24,
};

/** Rings start this small and double up to their capacity, so quiet symbols stay cheap. */
const INITIAL_SLOTS = 32;

const NS_PER_MS = 1e6;
const MINUTE_NS = 60e9;

/**
 * One finished or current candle (built on demand, off the hot path): protocol's Candle
 * record, the one storage and the gateway serve, with its interval and the incomplete flag
 * always set. `incomplete`: prints of this candle's time range may be missing, because the
 * feed handler skipped part of the feed (a snapshot recovery or a late join) in a time
 * range this candle overlaps.
 */
export interface Candle extends CandleRecord {
  readonly interval: CandleInterval;
  readonly incomplete: boolean;
}

/** Candle flags (one byte per slot, beside the candle's line). */
export const CANDLE_INCOMPLETE = 1;

// One candle is 8 float64 slots side by side (one cache line): a trade updates one line
// per interval, not one per field.
const C_START = 0;
const C_OPEN = 1;
const C_HIGH = 2;
const C_LOW = 3;
const C_CLOSE = 4;
const C_VOLUME = 5;
const C_TRADES = 6;
/** Sum of price x shares, for VWAP. */
const C_NOTIONAL = 7;
const STRIDE = 8;

const INTRADAY_MS: Readonly<Record<CandleInterval, number>> = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000, '1d': 0, '1w': 0, '1M': 0 };

/** One interval's candles, oldest overwritten first once full. */
export class CandleRing {
  readonly interval: CandleInterval;
  readonly capacity: number;
  private data: Float64Array;
  /** CANDLE_INCOMPLETE etc. by slot: a column of its own, so the trade path's cache line is untouched. */
  private flags: Uint8Array;
  private slots: number;
  /** Slot of the newest candle. */
  head = -1;
  size = 0;
  /** Trades older than the newest candle (out of time order): counted, not folded in. */
  lateTrades = 0;
  /** A candle opened at or before this start (UTC ms) overlaps a skipped range: it opens incomplete. */
  incompleteUntilMs = -Infinity;

  constructor(interval: CandleInterval, capacity: number) {
    this.interval = interval;
    this.capacity = capacity;
    this.slots = Math.min(capacity, INITIAL_SLOTS);
    this.data = new Float64Array(this.slots * STRIDE);
    this.flags = new Uint8Array(this.slots);
  }

  /** Adds a trade to the candle starting at `startMs`. */
  add(startMs: number, price: number, shares: number): void {
    const d = this.data;
    let h = this.head;
    if (h >= 0) {
      const at = h * STRIDE;
      const start = d[at + C_START];
      if (start === startMs) {
        if (price > d[at + C_HIGH]) d[at + C_HIGH] = price;
        if (price < d[at + C_LOW]) d[at + C_LOW] = price;
        d[at + C_CLOSE] = price;
        d[at + C_VOLUME] += shares;
        d[at + C_TRADES]++;
        d[at + C_NOTIONAL] += price * shares;
        return;
      }
      if (startMs < start) {
        this.lateTrades++;
        return;
      }
    }
    if (this.size === this.slots && this.size < this.capacity) this.grow();
    h = h + 1 === this.slots ? 0 : h + 1;
    this.head = h;
    if (this.size < this.slots) this.size++;
    const at = h * STRIDE;
    const e = this.data;
    e[at + C_START] = startMs;
    e[at + C_OPEN] = price;
    e[at + C_HIGH] = price;
    e[at + C_LOW] = price;
    e[at + C_CLOSE] = price;
    e[at + C_VOLUME] = shares;
    e[at + C_TRADES] = 1;
    e[at + C_NOTIONAL] = price * shares;
    this.flags[h] = startMs <= this.incompleteUntilMs ? CANDLE_INCOMPLETE : 0;
  }

  /**
   * Marks incomplete every held candle starting in [fromStartMs, toMs] (the caller passes the
   * start of the bucket holding the skipped range's first instant), and every candle opened
   * later that starts at or before `toMs`. Off the hot path: once per recovery.
   */
  markIncomplete(fromStartMs: number, toMs: number): void {
    if (toMs > this.incompleteUntilMs) this.incompleteUntilMs = toMs;
    const d = this.data;
    for (let k = 0; k < this.size; k++) {
      const slot = (this.head - k + this.slots) % this.slots;
      const start = d[slot * STRIDE + C_START];
      if (start < fromStartMs) break; // older candles are older still
      if (start <= toMs) this.flags[slot] |= CANDLE_INCOMPLETE;
    }
  }

  /** Whether the k-th newest candle (0 = current) is marked incomplete. */
  isIncomplete(k: number): boolean {
    if (k < 0 || k >= this.size) return false;
    return (this.flags[(this.head - k + this.slots) % this.slots] & CANDLE_INCOMPLETE) !== 0;
  }

  /** The k-th newest candle (0 = current), or null. */
  get(k: number): Candle | null {
    if (k < 0 || k >= this.size) return null;
    const slot = (this.head - k + this.slots) % this.slots;
    const at = slot * STRIDE;
    const d = this.data;
    const volume = d[at + C_VOLUME];
    return {
      interval: this.interval,
      startMs: d[at + C_START],
      open: d[at + C_OPEN],
      high: d[at + C_HIGH],
      low: d[at + C_LOW],
      close: d[at + C_CLOSE],
      volume,
      trades: d[at + C_TRADES],
      vwap: volume > 0 ? d[at + C_NOTIONAL] / volume : 0,
      incomplete: (this.flags[slot] & CANDLE_INCOMPLETE) !== 0,
    };
  }

  /** All held candles, oldest first (allocates). */
  toArray(): Candle[] {
    const out: Candle[] = [];
    for (let k = this.size - 1; k >= 0; k--) out.push(this.get(k) as Candle);
    return out;
  }

  private grow(): void {
    // Only while not yet wrapped (size === slots, head === slots - 1), so order is kept.
    this.slots = Math.min(this.capacity, this.slots * 2);
    const next = new Float64Array(this.slots * STRIDE);
    next.set(this.data);
    this.data = next;
    const flags = new Uint8Array(this.slots);
    flags.set(this.flags);
    this.flags = flags;
  }
}

/** The session's time anchors, shared by every symbol's candles; set once per session date. */
export class CandleClock {
  anchors: SessionAnchors;
  sessionDate: string;

  constructor(sessionDate: string) {
    this.sessionDate = sessionDate;
    this.anchors = sessionAnchors(parseSessionDate(sessionDate));
  }

  /** Moves to a new session date (a replay of several days); candles continue across it. */
  setSessionDate(sessionDate: string): void {
    this.sessionDate = sessionDate;
    this.anchors = sessionAnchors(parseSessionDate(sessionDate));
  }
}

/** A symbol's six rings. */
export class CandleSeries {
  readonly m1: CandleRing;
  readonly m5: CandleRing;
  readonly h1: CandleRing;
  readonly d1: CandleRing;
  readonly w1: CandleRing;
  readonly mo1: CandleRing;
  private readonly clock: CandleClock;
  // Cached bucket starts for the current minute (see trade).
  private anchorsSeen: SessionAnchors | null = null;
  private minuteStartNs = 0;
  private minuteEndNs = -1;
  private m1StartMs = 0;
  private m5StartMs = 0;
  private h1StartMs = 0;

  constructor(clock: CandleClock, capacity: Readonly<Record<CandleInterval, number>> = DEFAULT_CANDLE_CAPACITY) {
    this.clock = clock;
    this.m1 = new CandleRing('1m', capacity['1m']);
    this.m5 = new CandleRing('5m', capacity['5m']);
    this.h1 = new CandleRing('1h', capacity['1h']);
    this.d1 = new CandleRing('1d', capacity['1d']);
    this.w1 = new CandleRing('1w', capacity['1w']);
    this.mo1 = new CandleRing('1M', capacity['1M']);
  }

  /**
   * A printable trade at `timestampNs` since New York midnight of the session date.
   * Intraday buckets are cut on the elapsed nanoseconds; New York's offset is whole hours,
   * so they fall on wall-clock minute, 5-minute and hour boundaries. The current minute's
   * bounds are cached, so most trades do no division at all.
   */
  trade(timestampNs: number, price: number, shares: number): void {
    const a = this.clock.anchors;
    if (timestampNs >= this.minuteEndNs || timestampNs < this.minuteStartNs || a !== this.anchorsSeen) {
      this.anchorsSeen = a;
      const base = a.midnightMs;
      const m1 = Math.floor(timestampNs / MINUTE_NS) * MINUTE_NS;
      this.minuteStartNs = m1;
      this.minuteEndNs = m1 + MINUTE_NS;
      this.m1StartMs = base + m1 / NS_PER_MS;
      this.m5StartMs = base + (Math.floor(timestampNs / (5 * MINUTE_NS)) * 5 * MINUTE_NS) / NS_PER_MS;
      this.h1StartMs = base + (Math.floor(timestampNs / (60 * MINUTE_NS)) * 60 * MINUTE_NS) / NS_PER_MS;
    }
    this.m1.add(this.m1StartMs, price, shares);
    this.m5.add(this.m5StartMs, price, shares);
    this.h1.add(this.h1StartMs, price, shares);
    this.d1.add(a.midnightMs, price, shares);
    this.w1.add(a.weekStartMs, price, shares);
    this.mo1.add(a.monthStartMs, price, shares);
  }

  /**
   * Prints between `fromNs` and `toNs` (ns since New York midnight of the session date) may be
   * missing: marks every candle of every interval whose range overlaps [fromNs, toNs], held
   * now or opened later (book/README.md, "Candles").
   */
  markIncomplete(fromNs: number, toNs: number): void {
    const a = this.clock.anchors;
    const base = a.midnightMs;
    const toMs = base + toNs / NS_PER_MS;
    for (const ring of [this.m1, this.m5, this.h1]) {
      const lengthMs = INTRADAY_MS[ring.interval];
      ring.markIncomplete(base + Math.floor(fromNs / (lengthMs * NS_PER_MS)) * lengthMs, toMs);
    }
    // The session day lies in one day, week and month bucket each.
    this.d1.markIncomplete(a.midnightMs, toMs);
    this.w1.markIncomplete(a.weekStartMs, toMs);
    this.mo1.markIncomplete(a.monthStartMs, toMs);
  }

  ring(interval: CandleInterval): CandleRing {
    switch (interval) {
      case '1m': return this.m1;
      case '5m': return this.m5;
      case '1h': return this.h1;
      case '1d': return this.d1;
      case '1w': return this.w1;
      case '1M': return this.mo1;
    }
  }
}
