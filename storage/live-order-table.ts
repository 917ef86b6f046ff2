// The resting orders the writer follows (side, shares, price by order ref): an
// open-addressing table in typed arrays, linear probing with backward-shift deletion (no
// tombstones). STYLE.md: about twice as fast as a Map for order refs, and the writer looks
// one up for most messages. book/ has its own for the publisher; storage/ may not import it.
//
// Home slots keep consecutive refs together (as book/order-ref-table.ts does): a run of
// GROUP refs shares a group of GROUP slots placed by Fibonacci hashing. Refs are given in
// order, so the orders being added and traded now sit in a few cache lines of each array;
// a plain multiplicative hash scattered them, a cache miss in each of the four arrays per
// lookup (about half the writer's decoding time, bench:storage).

const EMPTY = -1;
const TWO_32 = 4294967296;
/** Consecutive refs share a group of 2^GROUP_BITS slots. */
const GROUP_BITS = 4;
const GROUP = 1 << GROUP_BITS;

export class LiveOrderTable {
  // The arrays, mask and shift are set by allocate() (from the constructor and grow()).
  /** Order ref per slot, EMPTY when free. */
  private keys!: Float64Array;
  shares!: Float64Array;
  price!: Int32Array;
  side!: Uint8Array;
  private mask!: number;
  /** 32 - log2(slots): the hash's top bits pick the group. */
  private shift!: number;
  size = 0;

  constructor(capacity = 1 << 16) {
    let cap = GROUP;
    while (cap < capacity) cap <<= 1;
    this.allocate(cap);
  }

  clear(): void {
    this.keys.fill(EMPTY);
    this.size = 0;
  }

  /** The slot of `ref`, or -1. */
  find(ref: number): number {
    const keys = this.keys;
    let i = this.home(ref);
    for (;;) {
      const k = keys[i];
      if (k === ref) return i;
      if (k === EMPTY) return -1;
      i = (i + 1) & this.mask;
    }
  }

  /** Adds (or overwrites) an order. */
  set(ref: number, side: number, shares: number, price: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const keys = this.keys;
    let i = this.home(ref);
    for (;;) {
      const k = keys[i];
      if (k === ref) break;
      if (k === EMPTY) {
        keys[i] = ref;
        this.size++;
        break;
      }
      i = (i + 1) & this.mask;
    }
    this.side[i] = side;
    this.shares[i] = shares;
    this.price[i] = price;
  }

  /** Removes the order in `slot` (from find), shifting later entries of its probe run back. */
  removeAt(slot: number): void {
    const keys = this.keys;
    const mask = this.mask;
    let i = slot;
    let j = slot;
    for (;;) {
      j = (j + 1) & mask;
      const k = keys[j];
      if (k === EMPTY) break;
      const h = this.home(k);
      // Entry j may move to i only if its home is not cyclically in (i, j].
      if (i <= j ? i < h && h <= j : i < h || h <= j) continue;
      keys[i] = k;
      this.side[i] = this.side[j];
      this.shares[i] = this.shares[j];
      this.price[i] = this.price[j];
      i = j;
    }
    keys[i] = EMPTY;
    this.size--;
  }

  private home(ref: number): number {
    const tag = (ref >>> 0) ^ Math.imul((ref / TWO_32) >>> 0, 0x27d4eb2d);
    const group = Math.imul(tag >>> GROUP_BITS, 0x9e3779b1) >>> this.shift;
    return (group & -GROUP) | (tag & (GROUP - 1));
  }

  private grow(): void {
    const keys = this.keys;
    const shares = this.shares;
    const price = this.price;
    const side = this.side;
    this.allocate((this.mask + 1) * 2);
    this.size = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) this.set(keys[i], side[i], shares[i], price[i]);
  }

  /** Empty arrays of `cap` slots (a power of two, at least GROUP). */
  private allocate(cap: number): void {
    this.keys = new Float64Array(cap).fill(EMPTY);
    this.shares = new Float64Array(cap);
    this.price = new Int32Array(cap);
    this.side = new Uint8Array(cap);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
  }
}
