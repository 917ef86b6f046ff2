// Token buckets for the rewinder: one per requester (address:port) in a bounded table, and
// one for the whole server. FEED.md ("Retransmission request") asks the rewinder to cap the
// requests per requester per second; the table is bounded so that a flood of source
// addresses cannot grow it without limit.
//
// A bucket holds up to `perSecond` tokens and refills at `perSecond` a second; a request
// takes one. A requester whose bucket has refilled completely has nothing left to remember,
// so it is forgotten when room is needed (a sweep, at most every `sweepIntervalMs`): forgetting
// it cannot give it more than it would have had. An active requester is never forgotten,
// so a new one is refused while the table is full of active ones (forgetting an active one
// would hand it a fresh bucket, a way round the limit).

/** take() outcomes. */
export const TAKEN = 1;
export const RATE_LIMITED = 0;
export const TABLE_FULL = -1;

export class TokenBucket {
  private tokens: number;
  private lastMs: number;
  private readonly perMs: number;

  constructor(
    readonly perSecond: number,
    nowMs: number,
  ) {
    this.tokens = perSecond;
    this.lastMs = nowMs;
    this.perMs = perSecond / 1000;
  }

  /** Takes a token if there is one (TAKEN) or not (RATE_LIMITED). */
  take(nowMs: number): number {
    let t = this.tokens + (nowMs - this.lastMs) * this.perMs;
    if (t > this.perSecond) t = this.perSecond;
    this.lastMs = nowMs;
    if (t < 1) {
      this.tokens = t;
      return RATE_LIMITED;
    }
    this.tokens = t - 1;
    return TAKEN;
  }
}

export class RequesterLimiter {
  readonly maxRequesters: number;
  readonly perSecond: number;
  /** Requesters forgotten because they were idle. */
  forgotten = 0;
  private readonly slots = new Map<string, number>();
  // Bucket state in typed arrays, by slot: no object per requester.
  private readonly tokens: Float64Array;
  private readonly lastMs: Float64Array;
  private readonly free: Int32Array;
  private freeCount: number;
  private readonly perMs: number;
  private readonly sweepIntervalMs: number;
  private lastSweepMs = -Infinity;

  constructor(maxRequesters: number, perSecond: number, sweepIntervalMs = 100) {
    if (!Number.isInteger(maxRequesters) || maxRequesters < 1) throw new RangeError(`maxRequesters must be an integer from 1, got ${maxRequesters}`);
    if (!(perSecond >= 1)) throw new RangeError(`requests per second must be at least 1, got ${perSecond}`);
    this.maxRequesters = maxRequesters;
    this.perSecond = perSecond;
    this.perMs = perSecond / 1000;
    this.sweepIntervalMs = sweepIntervalMs;
    this.tokens = new Float64Array(maxRequesters);
    this.lastMs = new Float64Array(maxRequesters);
    this.free = new Int32Array(maxRequesters);
    for (let i = 0; i < maxRequesters; i++) this.free[i] = maxRequesters - 1 - i;
    this.freeCount = maxRequesters;
  }

  /** Requesters remembered now. */
  get size(): number {
    return this.slots.size;
  }

  /** A request from `key`: TAKEN, RATE_LIMITED, or TABLE_FULL (a new requester with no room). */
  take(key: string, nowMs: number): number {
    let slot = this.slots.get(key);
    if (slot === undefined) {
      if (this.freeCount === 0 && nowMs - this.lastSweepMs >= this.sweepIntervalMs) this.sweep(nowMs);
      if (this.freeCount === 0) return TABLE_FULL;
      slot = this.free[--this.freeCount];
      this.slots.set(key, slot);
      this.tokens[slot] = this.perSecond;
      this.lastMs[slot] = nowMs;
    }
    let t = this.tokens[slot] + (nowMs - this.lastMs[slot]) * this.perMs;
    if (t > this.perSecond) t = this.perSecond;
    this.lastMs[slot] = nowMs;
    if (t < 1) {
      this.tokens[slot] = t;
      return RATE_LIMITED;
    }
    this.tokens[slot] = t - 1;
    return TAKEN;
  }

  /** Forgets every requester whose bucket has refilled completely (it has been idle long enough). */
  sweep(nowMs: number): void {
    this.lastSweepMs = nowMs;
    for (const [key, slot] of this.slots) {
      if (this.tokens[slot] + (nowMs - this.lastMs[slot]) * this.perMs >= this.perSecond) {
        this.slots.delete(key);
        this.free[this.freeCount++] = slot;
        this.forgotten++;
      }
    }
  }
}
