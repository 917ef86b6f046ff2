// The day's client order ids, per wallet slot, for duplicate refusal: an open-addressing
// set keyed by (wallet slot, token) with the token as the 'C' record carries it (its first
// 16 bytes, then bytes 32..47: see `CommandBuffer.tokenKey`), so no string is made per
// order. A Set of strings kept every id of the day alive as an object: under OUCH order
// rates they reached the old generation and lengthened every young-generation collection.
// Here a key is 9 u32 words in one typed array, the table has no per-entry objects.
//
// Linear probing; entries are never deleted (an id stays used all day), so no tombstones.
// Exact: a probe compares the whole key, the stored hash only skips unequal keys fast.

/** u32 words of a token key (32 bytes: 'C', length, 30 token bytes zero-padded). */
export const TOKEN_KEY_WORDS = 8;
const STRIDE = TOKEN_KEY_WORDS + 1;

export class TokenTable {
  /** Hash per entry; 0 = empty (a key's hash is never 0). */
  private hashes: Int32Array;
  /** STRIDE words per entry: the owner, then the key. */
  private keys: Uint32Array;
  private mask: number;
  private count = 0;
  private limit: number;

  constructor(expected: number) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.hashes = new Int32Array(cap);
    this.keys = new Uint32Array(cap * STRIDE);
    this.mask = cap - 1;
    this.limit = cap >>> 1;
  }

  get size(): number {
    return this.count;
  }

  /** Table slots (for tests: grows by doubling). */
  get capacity(): number {
    return this.mask + 1;
  }

  /** Whether (owner, key) is in the table. */
  has(owner: number, key: Uint32Array, at: number): boolean {
    return this.find(owner, key, at, hashKey(owner, key, at)) >= 0;
  }

  /** Inserts (owner, key); false when it was there already. */
  add(owner: number, key: Uint32Array, at: number): boolean {
    const h = hashKey(owner, key, at);
    const found = this.find(owner, key, at, h);
    if (found >= 0) return false;
    if (this.count >= this.limit) {
      this.grow();
      this.insert(h, owner, key, at, this.emptyFor(h));
    } else {
      this.insert(h, owner, key, at, -1 - found);
    }
    this.count++;
    return true;
  }

  /** Calls `fn` for every entry (not on the hot path): the key's words at `keys[at..at+7]`. */
  forEach(fn: (owner: number, keys: Uint32Array, at: number) => void): void {
    const hashes = this.hashes;
    const keys = this.keys;
    for (let i = 0; i < hashes.length; i++) if (hashes[i] !== 0) fn(keys[i * STRIDE], keys, i * STRIDE + 1);
  }

  /** Index of the entry, or -1 - (the empty index where it would go). */
  private find(owner: number, key: Uint32Array, at: number, h: number): number {
    const hashes = this.hashes;
    const keys = this.keys;
    const mask = this.mask;
    let i = h & mask;
    for (;;) {
      const e = hashes[i];
      if (e === 0) return -1 - i;
      if (e === h && sameKey(keys, i * STRIDE, owner, key, at)) return i;
      i = (i + 1) & mask;
    }
  }

  private emptyFor(h: number): number {
    const hashes = this.hashes;
    const mask = this.mask;
    let i = h & mask;
    while (hashes[i] !== 0) i = (i + 1) & mask;
    return i;
  }

  private insert(h: number, owner: number, key: Uint32Array, at: number, i: number): void {
    this.hashes[i] = h;
    const keys = this.keys;
    const k = i * STRIDE;
    keys[k] = owner;
    for (let w = 0; w < TOKEN_KEY_WORDS; w++) keys[k + 1 + w] = key[at + w];
  }

  private grow(): void {
    const oldHashes = this.hashes;
    const oldKeys = this.keys;
    const cap = oldHashes.length * 2;
    this.hashes = new Int32Array(cap);
    this.keys = new Uint32Array(cap * STRIDE);
    this.mask = cap - 1;
    this.limit = cap >>> 1;
    for (let j = 0; j < oldHashes.length; j++) {
      const h = oldHashes[j];
      if (h === 0) continue;
      const i = this.emptyFor(h);
      this.hashes[i] = h;
      this.keys.set(oldKeys.subarray(j * STRIDE, j * STRIDE + STRIDE), i * STRIDE);
    }
  }
}

function sameKey(keys: Uint32Array, k: number, owner: number, key: Uint32Array, at: number): boolean {
  if (keys[k] !== owner) return false;
  for (let w = 0; w < TOKEN_KEY_WORDS; w++) if (keys[k + 1 + w] !== key[at + w]) return false;
  return true;
}

/** A never-zero 32-bit hash of (owner, key): murmur3's multiply-rotate per word and its finalizer. */
function hashKey(owner: number, key: Uint32Array, at: number): number {
  let h = Math.imul(owner, 0x9e3779b1);
  for (let w = 0; w < TOKEN_KEY_WORDS; w++) {
    let k = Math.imul(key[at + w], 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h === 0 ? 1 : h;
}

/** The token text of a key (reports and digests only: it makes a string). */
export function tokenKeyText(keys: Uint32Array, at: number): string {
  const n = (keys[at] >>> 8) & 0xff;
  let s = '';
  // Token byte i is byte 2 + i of the key.
  for (let i = 0; i < n; i++) {
    const b = i + 2;
    s += String.fromCharCode((keys[at + (b >>> 2)] >>> ((b & 3) * 8)) & 0xff);
  }
  return s;
}
