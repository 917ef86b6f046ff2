// Per-order entries by a numeric key (an order id), in open addressing over an Int32Array of
// cells and a plain array of values kept for the table's life (linear probing, deletion by
// backward shift: no tombstones). Not a Map, for the reason in-flight-table.ts gives (a Map
// set and deleted per order keeps what its obsolete tables held alive through scavenges); a
// class apart from InFlightTable so that each one's hash sees one kind of key.

export class OrderIdTable<T> {
  /** Keys as float64 (order ids pass 2^31). */
  private keys: Float64Array;
  /** The value per cell; null: empty. */
  private values: Array<T | null>;
  private mask: number;
  size = 0;

  constructor(initialCells = 64) {
    let n = 16;
    while (n < initialCells) n *= 2;
    this.keys = new Float64Array(n);
    this.values = new Array<T | null>(n).fill(null);
    this.mask = n - 1;
  }

  get(key: number): T | undefined {
    const values = this.values;
    for (let c = hashOf(key) & this.mask; ; c = (c + 1) & this.mask) {
      const v = values[c];
      if (v === null) return undefined;
      if (this.keys[c] === key) return v;
    }
  }

  /** Sets `key` to `value` (replacing what it had). */
  set(key: number, value: T): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const values = this.values;
    let c = hashOf(key) & this.mask;
    for (; ; c = (c + 1) & this.mask) {
      if (values[c] === null) break;
      if (this.keys[c] === key) {
        values[c] = value;
        return;
      }
    }
    this.keys[c] = key;
    values[c] = value;
    this.size++;
  }

  /** Removes `key`; false when it was not there. */
  delete(key: number): boolean {
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    let hole = hashOf(key) & mask;
    for (; ; hole = (hole + 1) & mask) {
      if (values[hole] === null) return false;
      if (keys[hole] === key) break;
    }
    // Backward shift, as in InFlightTable.delete.
    for (let c = (hole + 1) & mask; ; c = (c + 1) & mask) {
      if (values[c] === null) break;
      const home = hashOf(keys[c]) & mask;
      if (((c - home) & mask) >= ((c - hole) & mask)) {
        keys[hole] = keys[c];
        values[hole] = values[c];
        hole = c;
      }
    }
    values[hole] = null;
    this.size--;
    return true;
  }

  /** Calls `fn` with each value (in no particular order). */
  forEachValue(fn: (value: T) => void): void {
    const values = this.values;
    for (let c = 0; c < values.length; c++) {
      const v = values[c];
      if (v !== null) fn(v);
    }
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const n = oldKeys.length * 2;
    this.keys = new Float64Array(n);
    this.values = new Array<T | null>(n).fill(null);
    this.mask = n - 1;
    this.size = 0;
    for (let c = 0; c < oldKeys.length; c++) {
      const v = oldValues[c];
      if (v !== null) this.set(oldKeys[c], v);
    }
  }
}

/** A 32-bit mix of an integer below 2^53. */
function hashOf(key: number): number {
  const h = Math.imul((key | 0) ^ ((key / 4294967296) | 0), 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}
