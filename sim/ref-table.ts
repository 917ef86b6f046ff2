// Open-addressing hash table from a positive integer key (< 2^53, held as a double) to
// an int32 slot: order ref -> order slot, and (book side, price) -> price level.
// Linear probing with backward-shift deletion, so no tombstones build up over a day of
// adds and cancels. About 2x faster than Map for this (STYLE.md, measured on Node 20).

const EMPTY = 0;

export class RefTable {
  private keys: Float64Array;
  private values: Int32Array;
  private mask: number;
  private shift: number;
  private count = 0;
  private limit: number;
  // Where the last successful get found its key: a cancel looks an order up, then
  // deletes it, and the delete starts there instead of probing again.
  private lastIndex = 0;

  constructor(expected: number) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.keys = new Float64Array(cap);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
    this.limit = cap >>> 1;
  }

  get size(): number {
    return this.count;
  }

  private slotOf(key: number): number {
    // Mix both 32-bit halves (keys may exceed 2^32), then Fibonacci hashing.
    const lo = key >>> 0;
    const hi = (key / 4294967296) >>> 0;
    return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> this.shift;
  }

  /** The value stored for key, or -1. */
  get(key: number): number {
    const keys = this.keys;
    const mask = this.mask;
    let i = this.slotOf(key);
    for (;;) {
      const k = keys[i];
      if (k === key) {
        this.lastIndex = i;
        return this.values[i];
      }
      if (k === EMPTY) return -1;
      i = (i + 1) & mask;
    }
  }

  /** Inserts or overwrites. Keys must be positive integers below 2^53. */
  set(key: number, value: number): void {
    if (this.count >= this.limit) this.grow();
    const keys = this.keys;
    const mask = this.mask;
    let i = this.slotOf(key);
    for (;;) {
      const k = keys[i];
      if (k === EMPTY) {
        keys[i] = key;
        this.values[i] = value;
        this.count++;
        return;
      }
      if (k === key) {
        this.values[i] = value;
        return;
      }
      i = (i + 1) & mask;
    }
  }

  /** Removes key; returns its value or -1. */
  delete(key: number): number {
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    let i = this.lastIndex;
    if (keys[i] !== key) {
      i = this.slotOf(key);
      for (;;) {
        const k = keys[i];
        if (k === EMPTY) return -1;
        if (k === key) break;
        i = (i + 1) & mask;
      }
    }
    const removed = values[i];
    // Backward-shift: pull later entries of the probe run into the hole.
    let hole = i;
    let j = (i + 1) & mask;
    for (;;) {
      const k = keys[j];
      if (k === EMPTY) break;
      const home = this.slotOf(k);
      // Move k into the hole if its home is not in the cyclic range (hole, j].
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        keys[hole] = k;
        values[hole] = values[j];
        hole = j;
      }
      j = (j + 1) & mask;
    }
    keys[hole] = EMPTY;
    this.count--;
    return removed;
  }

  clear(): void {
    this.keys.fill(0);
    this.count = 0;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const cap = oldKeys.length * 2;
    this.keys = new Float64Array(cap);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
    this.limit = cap >>> 1;
    this.count = 0;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== EMPTY) this.set(oldKeys[i], oldValues[i]);
  }
}
