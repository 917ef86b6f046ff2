// The report router's requests waiting for the core, by requestId, in a ring of slots (one
// plain array kept for the process's life) rather than a Map. Why: a Map that is set and
// deleted once per order rehashes into a new table every few hundred orders, and V8 keeps
// each obsolete table pointing at its successor and at the entries it held (for iterators).
// Once one table of the chain sits in the old generation, every scavenge treats it as a root:
// every table since and every request they held is copied and then promoted (ours copied and
// promoted about 7 MB per scavenge at 43,000 orders/s; its young collections took 20-40 ms).
// A slot set to null keeps nothing, so here an answered request is garbage at once.
//
// requestIds are handed out in order (1, 2, ... MAX_REQUEST_ID, then 1 again), so the ones
// waiting lie between `head` (the oldest that may still wait) and `tail` (the next to come):
// slot = requestId & mask; the ring doubles when that window would not fit. MAX_REQUEST_ID + 1
// is a power of two, so the wrap only skips slot 0 (one cell of slack).
import type { PendingRequest } from './report-router';

export class PendingRequests {
  private slots: Array<PendingRequest | null>;
  private mask: number;
  /** The oldest requestId that may still wait (every one before it is answered). */
  private head = 0;
  /** The requestId after the last one added. */
  private tail = 0;
  size = 0;

  constructor(
    /** The largest requestId; the next is 1. */
    private readonly maxRequestId: number,
    initialSlots = 4096,
  ) {
    if (maxRequestId < 1 || (maxRequestId & (maxRequestId + 1)) !== 0) throw new RangeError(`maxRequestId + 1 must be a power of two, got ${maxRequestId}`);
    let n = 16;
    while (n < initialSlots) n *= 2;
    this.slots = new Array<PendingRequest | null>(n).fill(null);
    this.mask = n - 1;
  }

  /** Adds `p` under `p.requestId`, which must follow the last one added (or be the first). */
  add(p: PendingRequest): void {
    const id = p.requestId;
    if (this.size === 0) {
      this.head = id;
      this.tail = id;
    }
    // The window up to `id`, plus slot 0 that the wrap skips.
    if (this.distance(this.head, id) + 2 > this.slots.length) this.grow(id);
    this.slots[id & this.mask] = p;
    this.tail = this.after(id);
    this.size++;
  }

  /** The request waiting under `requestId`, or null. */
  get(requestId: number): PendingRequest | null {
    if (this.size === 0 || !this.waiting(requestId)) return null;
    const p = this.slots[requestId & this.mask];
    return p !== null && p.requestId === requestId ? p : null;
  }

  /** Removes `p` (no longer waiting); false when it was not there. */
  remove(p: PendingRequest): boolean {
    const id = p.requestId;
    if (this.size === 0 || !this.waiting(id)) return false;
    const i = id & this.mask;
    if (this.slots[i] !== p) return false;
    this.slots[i] = null;
    this.size--;
    if (this.size === 0) {
      this.head = this.tail;
      return true;
    }
    // The head moves past answered requests, so `oldest` and the window stay short.
    if (id === this.head) {
      let h = this.after(id);
      while (this.slots[h & this.mask] === null) h = this.after(h);
      this.head = h;
    }
    return true;
  }

  /** The oldest request still waiting (the first to time out), or null. */
  oldest(): PendingRequest | null {
    return this.size === 0 ? null : this.slots[this.head & this.mask];
  }

  /** Takes every waiting request out, oldest first. */
  takeAll(): PendingRequest[] {
    const out: PendingRequest[] = [];
    for (let id = this.head; out.length < this.size; id = this.after(id)) {
      const p = this.slots[id & this.mask];
      if (p !== null) {
        out.push(p);
        this.slots[id & this.mask] = null;
      }
    }
    this.size = 0;
    this.head = this.tail;
    return out;
  }

  /** True when `id` lies in the window [head, tail). */
  private waiting(id: number): boolean {
    return this.distance(this.head, id) < this.distance(this.head, this.tail);
  }

  /** How many requestIds from `from` to `to` (wrapping after maxRequestId to 1). */
  private distance(from: number, to: number): number {
    return to >= from ? to - from : this.maxRequestId - from + to;
  }

  private after(id: number): number {
    return id === this.maxRequestId ? 1 : id + 1;
  }

  /** Doubles the ring until the window up to `id` fits; the waiting requests move to their new slots. */
  private grow(id: number): void {
    let n = this.slots.length * 2;
    while (this.distance(this.head, id) + 2 > n) n *= 2;
    const old = this.slots;
    const oldMask = this.mask;
    const slots = new Array<PendingRequest | null>(n).fill(null);
    const mask = n - 1;
    for (let r = this.head; r !== this.tail; r = this.after(r)) {
      const p = old[r & oldMask];
      if (p !== null) {
        slots[r & mask] = p;
        old[r & oldMask] = null;
      }
    }
    this.slots = slots;
    this.mask = mask;
  }
}
