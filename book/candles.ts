// Candles per symbol for 1m, 5m, 1h, 1d, 1w and 1M in ring buffers of typed arrays.
// Semantics (book/README.md): a candle covers [start, end) of the America/New_York
// calendar and carries its start; it exists only if a printable trade fell in it; trades
// come from E (at the resting order's price), printable C (at the execution price) and P.

import { sessionAnchors, parseSessionDate, type SessionAnchors } from './ny-time';

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

/** One finished or current candle (built on demand, off the hot path). */
export interface Candle {
  interval: CandleInterval;
  /** Start of [start, end), UTC ms. */
  startMs: number;
  /** Price(4) integers; vwap is fractional Price(4). */
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades: number;
  vwap: number;
}

/** One interval's candles, oldest overwritten first once full. */
export class CandleRing {
  readonly interval: CandleInterval;
  readonly capacity: number;
  startMs: Float64Array;
  open: Int32Array;
  high: Int32Array;
  low: Int32Array;
  close: Int32Array;
  volume: Float64Array;
  trades: Float64Array;
  /** Sum of price x shares, for VWAP. */
  notional: Float64Array;
  /** Slot of the newest candle. */
  head = -1;
  size = 0;
  /** Trades older than the newest candle (out of time order): counted, not folded in. */
  lateTrades = 0;

  constructor(interval: CandleInterval, capacity: number) {
    this.interval = interval;
    this.capacity = capacity;
    const n = Math.min(capacity, INITIAL_SLOTS);
    this.startMs = new Float64Array(n);
    this.open = new Int32Array(n);
    this.high = new Int32Array(n);
    this.low = new Int32Array(n);
    this.close = new Int32Array(n);
    this.volume = new Float64Array(n);
    this.trades = new Float64Array(n);
    this.notional = new Float64Array(n);
  }

  /** Adds a trade to the candle starting at `startMs`. */
  add(startMs: number, price: number, shares: number): void {
    let h = this.head;
    if (h >= 0 && this.startMs[h] === startMs) {
      if (price > this.high[h]) this.high[h] = price;
      if (price < this.low[h]) this.low[h] = price;
      this.close[h] = price;
      this.volume[h] += shares;
      this.trades[h]++;
      this.notional[h] += price * shares;
      return;
    }
    if (h >= 0 && startMs < this.startMs[h]) {
      this.lateTrades++;
      return;
    }
    if (this.size === this.startMs.length && this.size < this.capacity) this.grow();
    h = h + 1 === this.startMs.length ? 0 : h + 1;
    this.head = h;
    if (this.size < this.startMs.length) this.size++;
    this.startMs[h] = startMs;
    this.open[h] = price;
    this.high[h] = price;
    this.low[h] = price;
    this.close[h] = price;
    this.volume[h] = shares;
    this.trades[h] = 1;
    this.notional[h] = price * shares;
  }

  /** The k-th newest candle (0 = current), or null. */
  get(k: number): Candle | null {
    if (k < 0 || k >= this.size) return null;
    const n = this.startMs.length;
    const i = (this.head - k + n) % n;
    return {
      interval: this.interval,
      startMs: this.startMs[i],
      open: this.open[i],
      high: this.high[i],
      low: this.low[i],
      close: this.close[i],
      volume: this.volume[i],
      trades: this.trades[i],
      vwap: this.volume[i] > 0 ? this.notional[i] / this.volume[i] : 0,
    };
  }

  /** All held candles, oldest first (allocates). */
  toArray(): Candle[] {
    const out: Candle[] = [];
    for (let k = this.size - 1; k >= 0; k--) out.push(this.get(k) as Candle);
    return out;
  }

  private grow(): void {
    // Only while not yet wrapped (size === length and head === length - 1), so order is kept.
    const n = Math.min(this.capacity, this.startMs.length * 2);
    const copy = <T extends Float64Array | Int32Array>(a: T, b: T): T => {
      b.set(a as never);
      return b;
    };
    this.startMs = copy(this.startMs, new Float64Array(n));
    this.open = copy(this.open, new Int32Array(n));
    this.high = copy(this.high, new Int32Array(n));
    this.low = copy(this.low, new Int32Array(n));
    this.close = copy(this.close, new Int32Array(n));
    this.volume = copy(this.volume, new Float64Array(n));
    this.trades = copy(this.trades, new Float64Array(n));
    this.notional = copy(this.notional, new Float64Array(n));
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
   * so they fall on wall-clock minute, 5-minute and hour boundaries.
   */
  trade(timestampNs: number, price: number, shares: number): void {
    const a = this.clock.anchors;
    const base = a.midnightMs;
    this.m1.add(base + (timestampNs - (timestampNs % MINUTE_NS)) / NS_PER_MS, price, shares);
    this.m5.add(base + (timestampNs - (timestampNs % (5 * MINUTE_NS))) / NS_PER_MS, price, shares);
    this.h1.add(base + (timestampNs - (timestampNs % (60 * MINUTE_NS))) / NS_PER_MS, price, shares);
    this.d1.add(base, price, shares);
    this.w1.add(a.weekStartMs, price, shares);
    this.mo1.add(a.monthStartMs, price, shares);
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
