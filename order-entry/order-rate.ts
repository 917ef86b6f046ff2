// Orders per second per account (orderEntry.ordersPerSecondPerAccount; a burst of twice
// that): protocol's TokenBucket, one slot per account seen. Slots are handed out as
// accounts first send, and a slot whose bucket has refilled is taken back when none is
// free, so `slots` bounds the memory (16 bytes a slot) while every account trading at once
// up to it has its own bucket. Cancels count too: both are commands the core journals.
import { TokenBucket } from '../protocol';

export class AccountOrderRate {
  readonly ratePerSec: number;
  private readonly bucket: TokenBucket;
  private readonly slotOf = new Map<number, number>();
  private readonly accountOf: Int32Array;
  private readonly free: number[] = [];

  constructor(ratePerSec: number, nowMs: () => number, slots = 65_536) {
    this.ratePerSec = ratePerSec;
    this.bucket = new TokenBucket({ slots, ratePerSec, burst: ratePerSec * 2, nowMs });
    this.accountOf = new Int32Array(slots).fill(-1);
    for (let i = slots - 1; i >= 0; i--) this.free.push(i);
  }

  /** Takes one order from the account's bucket; false when it is over the rate. */
  take(account: number): boolean {
    let slot = this.slotOf.get(account);
    if (slot === undefined) {
      slot = this.claim();
      if (slot < 0) return false;
      this.slotOf.set(account, slot);
      this.accountOf[slot] = account;
      this.bucket.fill(slot);
    }
    return this.bucket.take(slot);
  }

  /** Seconds until the account may send again (Retry-After), at least 1. */
  retryAfterS(account: number): number {
    const slot = this.slotOf.get(account);
    return slot === undefined ? 1 : Math.max(1, Math.ceil(this.bucket.waitMs(slot) / 1000));
  }

  /** A free slot, or one whose account's bucket is full again (it remembers nothing); -1 if none. */
  private claim(): number {
    const free = this.free.pop();
    if (free !== undefined) return free;
    for (const [account, slot] of this.slotOf) {
      if (!this.bucket.full(slot)) continue;
      this.slotOf.delete(account);
      return slot;
    }
    return -1;
  }
}
