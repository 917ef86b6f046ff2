// An open-addressing hash index from a key to a slot of a struct-of-arrays table, in one
// Int32Array: no object per entry, so a day of orders costs the garbage collector nothing
// (a Map of a second of orders made scavenges copy every entry; STYLE.md: an Int32Array
// table also beats Map about 2x). The index holds slots only; the table that owns the slots
// says what a slot's key is (`hashOfSlot`, and the caller's own comparison on lookup), so
// one index serves any key. Linear probing, deletion by backward shift (no tombstones).

export class SlotIndex {
  /** slot + 1 per cell; 0 is empty. */
  private cells: Int32Array;
  private mask: number;
  size = 0;

  constructor(
    /** The hash of the key the table keeps at `slot` (called on delete and growth). */
    private readonly hashOfSlot: (slot: number) => number,
    initialCells = 1024,
  ) {
    let n = 16;
    while (n < initialCells) n *= 2;
    this.cells = new Int32Array(n);
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
    return this.cells[cell] - 1;
  }

  /** Adds `slot` under `hash` (the caller has checked it is not there). */
  insert(hash: number, slot: number): void {
    if ((this.size + 1) * 2 > this.cells.length) this.grow();
    let c = hash & this.mask;
    while (this.cells[c] !== 0) c = (c + 1) & this.mask;
    this.cells[c] = slot + 1;
    this.size++;
  }

  /** Removes `slot` (found by its key's hash); false when it was not there. */
  remove(slot: number): boolean {
    const cells = this.cells;
    const mask = this.mask;
    let c = this.hashOfSlot(slot) & mask;
    for (;;) {
      const v = cells[c];
      if (v === 0) return false;
      if (v === slot + 1) break;
      c = (c + 1) & mask;
    }
    // Backward shift: move later entries of the run into the hole when their home allows it.
    let hole = c;
    let j = c;
    for (;;) {
      j = (j + 1) & mask;
      const v = cells[j];
      if (v === 0) break;
      const home = this.hashOfSlot(v - 1) & mask;
      // The entry at j may move to the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (stays) continue;
      cells[hole] = v;
      hole = j;
    }
    cells[hole] = 0;
    this.size--;
    return true;
  }

  private grow(): void {
    const old = this.cells;
    const cells = new Int32Array(old.length * 2);
    const mask = cells.length - 1;
    for (let i = 0; i < old.length; i++) {
      const v = old[i];
      if (v === 0) continue;
      let c = this.hashOfSlot(v - 1) & mask;
      while (cells[c] !== 0) c = (c + 1) & mask;
      cells[c] = v;
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
