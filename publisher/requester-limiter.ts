// The rewinder's requester table: a token bucket per requester (address:port) in a bounded
// table (protocol/'s TokenBucket, one slot each); the rewinder has one more for the whole server. FEED.md ("Retransmission request") asks the rewinder to cap the
// requests per requester per second; the table is bounded so that a flood of source
// addresses cannot grow it without limit.
//
// A bucket holds up to `perSecond` tokens and refills at `perSecond` a second; a request
// takes one. A requester whose bucket has refilled completely has nothing left to remember,
// so it is forgotten when room is needed (a sweep, at most every `sweepIntervalMs`): forgetting
// it cannot give it more than it would have had. An active requester is never forgotten,
// so a new one is refused while the table is full of active ones (forgetting an active one
// would hand it a fresh bucket, a way round the limit).

import { TokenBucket } from '../protocol';

/** take() outcomes. */
export const TAKEN = 1;
export const RATE_LIMITED = 0;
export const TABLE_FULL = -1;

export class RequesterLimiter {
  readonly maxRequesters: number;
  readonly perSecond: number;
  /** Requesters forgotten because they were idle. */
  forgotten = 0;
  private readonly slots = new Map<string, number>();
  // Bucket state by slot in protocol's typed-array buckets: no object per requester.
  private readonly buckets: TokenBucket;
  private readonly free: Int32Array;
  private freeCount: number;
  private readonly nowMs: () => number;
  private readonly sweepIntervalMs: number;
  private lastSweepMs = -Infinity;

  constructor(maxRequesters: number, perSecond: number, nowMs: () => number, sweepIntervalMs = 100) {
    if (!Number.isInteger(maxRequesters) || maxRequesters < 1) throw new RangeError(`maxRequesters must be an integer from 1, got ${maxRequesters}`);
    if (!(perSecond >= 1)) throw new RangeError(`requests per second must be at least 1, got ${perSecond}`);
    this.maxRequesters = maxRequesters;
    this.perSecond = perSecond;
    this.nowMs = nowMs;
    this.sweepIntervalMs = sweepIntervalMs;
    this.buckets = new TokenBucket({ slots: maxRequesters, ratePerSec: perSecond, burst: perSecond, nowMs });
    this.free = new Int32Array(maxRequesters);
    for (let i = 0; i < maxRequesters; i++) this.free[i] = maxRequesters - 1 - i;
    this.freeCount = maxRequesters;
  }

  /** Requesters remembered now. */
  get size(): number {
    return this.slots.size;
  }

  /** A request from `key`: TAKEN, RATE_LIMITED, or TABLE_FULL (a new requester with no room). */
  take(key: string): number {
    let slot = this.slots.get(key);
    if (slot === undefined) {
      if (this.freeCount === 0 && this.nowMs() - this.lastSweepMs >= this.sweepIntervalMs) this.sweep();
      if (this.freeCount === 0) return TABLE_FULL;
      slot = this.free[--this.freeCount];
      this.slots.set(key, slot);
      this.buckets.fill(slot);
    }
    return this.buckets.take(slot) ? TAKEN : RATE_LIMITED;
  }

  /** Forgets every requester whose bucket has refilled completely (it has been idle long enough). */
  sweep(): void {
    this.lastSweepMs = this.nowMs();
    for (const [key, slot] of this.slots) {
      if (this.buckets.full(slot)) {
        this.slots.delete(key);
        this.free[this.freeCount++] = slot;
        this.forgotten++;
      }
    }
  }
}
