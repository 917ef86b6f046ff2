// Token buckets in typed arrays: `slots` buckets, each holding up to `burst` tokens and
// refilling at `ratePerSec`; a check takes one. State lives in two Float64Arrays indexed
// by slot, so a check allocates nothing and a table of many buckets (one per requester)
// is no object per bucket. The clock is injected (`nowMs`), so tests drive time by hand.
// Refills only when the clock moved forward: a clock that steps back gives nothing back.

export interface TokenBucketOptions {
  /** How many buckets (slots 0..slots-1). */
  slots: number;
  /** Tokens a second each bucket regains. */
  ratePerSec: number;
  /** Most tokens a bucket holds (a fresh bucket is full). */
  burst: number;
  /** Milliseconds on any monotonic scale (performance.now, Date.now, a test's counter). */
  nowMs: () => number;
}

export class TokenBucket {
  readonly slots: number;
  readonly ratePerSec: number;
  readonly burst: number;
  private readonly nowMs: () => number;
  private readonly tokens: Float64Array;
  private readonly lastMs: Float64Array;

  constructor(options: TokenBucketOptions) {
    const { slots, ratePerSec, burst, nowMs } = options;
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`token bucket slots must be an integer from 1, got ${slots}`);
    if (!(ratePerSec > 0)) throw new RangeError(`token bucket rate must be above 0 a second, got ${ratePerSec}`);
    if (!(burst >= 1)) throw new RangeError(`token bucket burst must be at least 1, got ${burst}`);
    this.slots = slots;
    this.ratePerSec = ratePerSec;
    this.burst = burst;
    this.nowMs = nowMs;
    this.tokens = new Float64Array(slots).fill(burst);
    this.lastMs = new Float64Array(slots).fill(nowMs());
  }

  /** Makes `slot` a fresh, full bucket as of now (a new connection or requester in it). */
  fill(slot: number): void {
    this.tokens[slot] = this.burst;
    this.lastMs[slot] = this.nowMs();
  }

  /** Takes one token from `slot` if it has one. */
  take(slot: number): boolean {
    const t = this.refill(slot, this.nowMs());
    if (t < 1) return false;
    this.tokens[slot] = t - 1;
    return true;
  }

  /** Milliseconds until `slot` has a token (0: it has one now). */
  waitMs(slot: number): number {
    const t = this.refill(slot, this.nowMs());
    return t >= 1 ? 0 : Math.ceil(((1 - t) * 1000) / this.ratePerSec);
  }

  /** True when `slot` has refilled completely: it has nothing left to remember. */
  full(slot: number): boolean {
    return this.refill(slot, this.nowMs()) >= this.burst;
  }

  /** Tokens in `slot` now (fractional). */
  level(slot: number): number {
    return this.refill(slot, this.nowMs());
  }

  private refill(slot: number, now: number): number {
    let t = this.tokens[slot];
    const elapsed = now - this.lastMs[slot];
    if (elapsed <= 0) return t;
    // Multiplied before divided: whole ms at a whole rate give whole tokens, exactly.
    t += (elapsed * this.ratePerSec) / 1000;
    if (t > this.burst) t = this.burst;
    this.tokens[slot] = t;
    this.lastMs[slot] = now;
    return t;
  }
}
