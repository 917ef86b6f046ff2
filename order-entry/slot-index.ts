// An open-addressing hash index from a key to a slot of a struct-of-arrays table, in one
// Int32Array: no object per entry, so a day of orders costs the garbage collector nothing
// (a Map of a second of orders made scavenges copy every entry; STYLE.md: an Int32Array
// table also beats Map about 2x). The index holds slots and their keys' hashes; the table that
// owns the slots says what a slot's key is (`hashOfSlot`, and the caller's own comparison on
// lookup, made only where the hash matches), so one index serves any key. Linear probing, deletion by backward shift (no tombstones).

export class SlotIndex {
  /**
   * Two Int32s per cell: slot + 1 (0 is empty) and the key's hash. With the hash in the cell a
   * probe passes other keys without reading their slots, and a removal's backward shift and a
   * growth move entries without asking the table (each such read was a cache miss in a table
   * of a day's orders).
   */
  private cells: Int32Array;
  private mask: number;
  size = 0;

  constructor(
    /** The hash of the key the table keeps at `slot` (called once per removal, to find it). */
    private readonly hashOfSlot: (slot: number) => number,
    initialCells = 1024,
  ) {
    let n = 16;
    while (n < initialCells) n *= 2;
    this.cells = new Int32Array(n * 2);
    this.mask = n - 1;
  }

  /** The first cell to probe for a key of this hash. */
  start(hash: number): number {
    return hash & this.mask;
  }

  /** The cell after `cell` in probe order. */
  next(cell: number): number {
    return (cell + 1) & this.mask;
  }

  /** The slot in `cell`, or -1 (empty: the probe ends here). */
  at(cell: number): number {
    return this.cells[cell << 1] - 1;
  }

  /** The hash (as a signed 32-bit integer: `hash | 0`) of the key in `cell`. */
  hashAt(cell: number): number {
    return this.cells[(cell << 1) + 1];
  }

  /** Adds `slot` under `hash` (the caller has checked it is not there). */
  insert(hash: number, slot: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const cells = this.cells;
    let c = hash & this.mask;
    while (cells[c << 1] !== 0) c = (c + 1) & this.mask;
    cells[c << 1] = slot + 1;
    cells[(c << 1) + 1] = hash | 0;
    this.size++;
  }

  /** Removes `slot` (found by its key's hash); false when it was not there. */
  remove(slot: number): boolean {
    const cells = this.cells;
    const mask = this.mask;
    let c = this.hashOfSlot(slot) & mask;
    for (;;) {
      const v = cells[c << 1];
      if (v === 0) return false;
      if (v === slot + 1) break;
      c = (c + 1) & mask;
    }
    // Backward shift: move later entries of the run into the hole when their home allows it.
    let hole = c;
    let j = c;
    for (;;) {
      j = (j + 1) & mask;
      const v = cells[j << 1];
      if (v === 0) break;
      const home = cells[(j << 1) + 1] & mask;
      // The entry at j may move to the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (stays) continue;
      cells[hole << 1] = v;
      cells[(hole << 1) + 1] = cells[(j << 1) + 1];
      hole = j;
    }
    cells[hole << 1] = 0;
    cells[(hole << 1) + 1] = 0;
    this.size--;
    return true;
  }

  private grow(): void {
    const old = this.cells;
    const n = (this.mask + 1) * 2;
    const cells = new Int32Array(n * 2);
    const mask = n - 1;
    for (let i = 0; i < old.length; i += 2) {
      const v = old[i];
      if (v === 0) continue;
      const h = old[i + 1];
      let c = h & mask;
      while (cells[c << 1] !== 0) c = (c + 1) & mask;
      cells[c << 1] = v;
      cells[(c << 1) + 1] = h;
    }
    this.cells = cells;
    this.mask = mask;
  }
}

/** A 32-bit mix of a number that may pass 2^32 (an order id, an account) into a seed. */
export function hashNumber(seed: number, x: number): number {
  const lo = x >>> 0;
  const hi = Math.floor(x / 4294967296) >>> 0;
  let h = Math.imul(seed ^ lo, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15) ^ hi, 0x85ebca77);
  return (h ^ (h >>> 13)) >>> 0;
}

/** Finalizes a hash so the low bits (the cell) depend on every input bit. */
export function finishHash(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}
