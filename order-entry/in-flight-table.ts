// An account's orders in flight by client order id (or any per-order entries by a string key:
// OuchStream's live orders by token), in open addressing over two plain arrays
// kept for the table's life (linear probing, deletion by backward shift: no tombstones).
// Not a Map: a Map set and deleted once per order rehashes into a new table every few
// hundred orders, and V8 keeps each obsolete table pointing at its successor and at the
// entries it held; once one of them is in the old generation, every scavenge copies (then
// promotes) every table since and every order they held (see pending-requests.ts). Here a
// removed entry's cells are emptied, so an answered order is garbage at once.

export class InFlightTable<T> {
  private keys: Array<string | null>;
  private values: Array<T | null>;
  /**
   * Each cell's key hash: a probe compares it before the key, so passing other keys reads no
   * string (each a cache miss once the table holds a backlog's thousands), and a deletion's
   * backward shift and a growth do not hash the keys they move again.
   */
  private hashes: Int32Array;
  private mask: number;
  size = 0;

  constructor(initialCells = 256) {
    let n = 16;
    while (n < initialCells) n *= 2;
    this.keys = new Array<string | null>(n).fill(null);
    this.values = new Array<T | null>(n).fill(null);
    this.hashes = new Int32Array(n);
    this.mask = n - 1;
  }

  get(key: string): T | undefined {
    const keys = this.keys;
    const hashes = this.hashes;
    const h = hashOf(key);
    for (let c = h & this.mask; ; c = (c + 1) & this.mask) {
      const k = keys[c];
      if (k === null) return undefined;
      if (hashes[c] === h && k === key) return this.values[c] as T;
    }
  }

  /** Sets `key` to `value` (replacing what it had). */
  set(key: string, value: T): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    this.put(key, hashOf(key), value);
  }

  /** Removes `key`; false when it was not there. */
  delete(key: string): boolean {
    return this.remove(key, null);
  }

  /** Removes `key` if it holds `value` (one probe, not a get and a delete); false otherwise. */
  deleteValue(key: string, value: T): boolean {
    return this.remove(key, value);
  }

  /** Removes `key` (only while it holds `value`, unless null). */
  private remove(key: string, value: T | null): boolean {
    const keys = this.keys;
    const values = this.values;
    const hashes = this.hashes;
    const mask = this.mask;
    const h = hashOf(key);
    let hole = h & mask;
    for (; ; hole = (hole + 1) & mask) {
      const k = keys[hole];
      if (k === null) return false;
      if (hashes[hole] === h && k === key) break;
    }
    if (value !== null && values[hole] !== value) return false;
    // Backward shift: a later entry of the run moves into the hole when its home cell is not
    // between the hole and it (cyclically), so every entry stays reachable from its home.
    for (let c = (hole + 1) & mask; ; c = (c + 1) & mask) {
      const k = keys[c];
      if (k === null) break;
      const home = hashes[c] & mask;
      if (((c - home) & mask) >= ((c - hole) & mask)) {
        keys[hole] = k;
        values[hole] = values[c];
        hashes[hole] = hashes[c];
        hole = c;
      }
    }
    keys[hole] = null;
    values[hole] = null;
    this.size--;
    return true;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Calls `fn` with each value (in no particular order). */
  forEachValue(fn: (value: T) => void): void {
    const keys = this.keys;
    for (let c = 0; c < keys.length; c++) if (keys[c] !== null) fn(this.values[c] as T);
  }

  /** Sets `key` (of hash `h`) to `value`, in a table with room. */
  private put(key: string, h: number, value: T): void {
    const keys = this.keys;
    let c = h & this.mask;
    for (; ; c = (c + 1) & this.mask) {
      const k = keys[c];
      if (k === null) break;
      if (this.hashes[c] === h && k === key) {
        this.values[c] = value;
        return;
      }
    }
    keys[c] = key;
    this.values[c] = value;
    this.hashes[c] = h;
    this.size++;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const oldHashes = this.hashes;
    const n = oldKeys.length * 2;
    this.keys = new Array<string | null>(n).fill(null);
    this.values = new Array<T | null>(n).fill(null);
    this.hashes = new Int32Array(n);
    this.mask = n - 1;
    this.size = 0;
    for (let c = 0; c < oldKeys.length; c++) {
      const k = oldKeys[c];
      if (k !== null) {
        this.put(k, oldHashes[c], oldValues[c] as T);
        oldKeys[c] = null;
        oldValues[c] = null;
      }
    }
  }
}

/** FNV-1a over the key's UTF-16 code units (client order ids are short ASCII), as a signed 32-bit integer (the Int32Array's). */
function hashOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h | 0;
}
