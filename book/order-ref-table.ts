// The order ref -> order slot table of a MarketBooks. Open addressing with linear probing
// in one Int32Array of 8-byte slots: a 32-bit tag of the ref and the order's slot in the
// BookStore. The full ref is not kept here: the order record holds it, and every lookup
// goes on to read that record anyway, so a tag match is confirmed there at no extra cache
// miss. Half the bytes of a key/value table of float64s, so the table for the live book
// (about 30,000 orders in the sim's stream) is 512 KB and shares L2 with the order pool
// (STYLE.md, hot paths: random access past a few MB costs ~200 ns). Deletion shifts later
// entries back (Knuth, Algorithm R): no tombstones, so a day of a billion add/delete
// pairs never degrades the probe length.

import { type BookStore, NIL, O_REF } from './book-store';

/** Consecutive refs share a group of 2^GROUP_BITS slots (16 slots: 128 bytes, 2 cache lines). */
const GROUP_BITS = 4;
const GROUP = 1 << GROUP_BITS;

export class OrderRefTable {
  /** Slot i: tag at 2i, order at 2i + 1 (NIL when the slot is empty). */
  private table: Int32Array;
  private mask: number;
  /** 32 - log2(slots): the hash's top bits pick the group. */
  private shift: number;
  private readonly store: BookStore;
  size = 0;

  /** `capacity`: entries expected; the table keeps its load under 3/4 and doubles when needed. */
  constructor(store: BookStore, capacity = 1 << 14) {
    this.store = store;
    let slots = GROUP;
    while (slots * 3 < capacity * 4) slots *= 2;
    this.table = newTable(slots);
    this.mask = slots - 1;
    this.shift = 32 - Math.log2(slots);
  }

  /** Slots allocated. */
  get slots(): number {
    return this.mask + 1;
  }

  /** The order whose ref is `ref`, or NIL. */
  get(ref: number): number {
    const t = this.table;
    const of = this.store.of;
    const mask = this.mask;
    const tag = tagOf(ref);
    let i = homeSlot(tag, this.shift);
    for (;;) {
      const order = t[2 * i + 1];
      if (order === NIL) return NIL;
      if (t[2 * i] === tag && of[order * 4 + O_REF] === ref) return order;
      i = (i + 1) & mask;
    }
  }

  /**
   * Enters `order` for `ref` unless `ref` is already held; returns false (changing nothing)
   * if it was. The order's record need not hold `ref` yet.
   */
  add(ref: number, order: number): boolean {
    if ((this.size + 1) * 4 > (this.mask + 1) * 3) this.grow();
    const t = this.table;
    const of = this.store.of;
    const mask = this.mask;
    const tag = tagOf(ref);
    let i = homeSlot(tag, this.shift);
    for (;;) {
      const held = t[2 * i + 1];
      if (held === NIL) break;
      if (t[2 * i] === tag && of[held * 4 + O_REF] === ref) return false;
      i = (i + 1) & mask;
    }
    t[2 * i] = tag;
    t[2 * i + 1] = order;
    this.size++;
    return true;
  }

  /** Removes `ref` (its order must still hold it); returns its order, or NIL if absent. */
  delete(ref: number): number {
    const t = this.table;
    const of = this.store.of;
    const mask = this.mask;
    const shift = this.shift;
    const tag = tagOf(ref);
    let i = homeSlot(tag, shift);
    let removed: number;
    for (;;) {
      removed = t[2 * i + 1];
      if (removed === NIL) return NIL;
      if (t[2 * i] === tag && of[removed * 4 + O_REF] === ref) break;
      i = (i + 1) & mask;
    }
    // Backward shift: move up any later entry whose home is not cyclically in (hole, j].
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const order = t[2 * j + 1];
      if (order === NIL) break;
      const home = homeSlot(t[2 * j], shift);
      const between = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (!between) {
        t[2 * hole] = t[2 * j];
        t[2 * hole + 1] = order;
        hole = j;
      }
    }
    t[2 * hole + 1] = NIL;
    this.size--;
    return removed;
  }

  private grow(): void {
    const old = this.table;
    const slots = (this.mask + 1) * 2;
    const t = newTable(slots);
    const mask = slots - 1;
    const shift = 32 - Math.log2(slots);
    for (let k = 0; k < old.length; k += 2) {
      if (old[k + 1] === NIL) continue;
      let i = homeSlot(old[k], shift);
      while (t[2 * i + 1] !== NIL) i = (i + 1) & mask;
      t[2 * i] = old[k];
      t[2 * i + 1] = old[k + 1];
    }
    this.table = t;
    this.mask = mask;
    this.shift = shift;
  }
}

function newTable(slots: number): Int32Array {
  const t = new Int32Array(slots * 2);
  for (let i = 1; i < t.length; i += 2) t[i] = NIL;
  return t;
}

/**
 * A ref (below 2^53) as 32 bits: its low word mixed with its high word. For a given high
 * word this is one-to-one, so refs with equal tags differ above 2^32 (rare; the order
 * record's ref tells them apart).
 */
function tagOf(ref: number): number {
  const lo = ref >>> 0;
  const hi = (ref * 2.3283064365386963e-10) | 0; // ref / 2^32: a multiply, cheaper than a divide
  return lo ^ Math.imul(hi, 0x27d4eb2d);
}

/**
 * The home slot of a tag in a table of 2^(32 - shift) slots (at least GROUP). Tags are
 * taken in runs of GROUP: the run is Fibonacci-hashed (multiply by 2^32/phi, keep the top
 * bits) to pick a group of slots, and the tag's low bits pick the slot in the group. So
 * sequential refs (the usual case: exchanges number orders in arrival order) fill
 * neighbouring slots, and adding an order or finding a young one hits a cache line already
 * loaded, where a per-ref hash would miss on nearly every access; strided and random refs
 * still spread evenly across the groups.
 */
function homeSlot(tag: number, shift: number): number {
  const group = Math.imul(tag >>> GROUP_BITS, 0x9e3779b1) >>> shift;
  return (group & -GROUP) | (tag & (GROUP - 1));
}
