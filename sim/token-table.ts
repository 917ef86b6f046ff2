// The day's client order ids, per wallet slot, for duplicate refusal: an open-addressing
// set keyed by (wallet slot, token) with the token as the 'C' record carries it (its first
// 16 bytes, then bytes 32..47: see `CommandBuffer.tokenKey`), so no string is made per
// order. A Set of strings kept every id of the day alive as an object: under OUCH order
// rates they reached the old generation and lengthened every young-generation collection.
// Here an entry is 10 u32 words in typed arrays: no per-entry objects.
//
// Linear probing over an index of (hash, entry); entries are never deleted (an id stays
// used all day), so no tombstones. Exact: a probe compares the whole key, the stored hash
// only skips unequal keys fast.

/** u32 words of a token key (32 bytes: 'C', length, 30 token bytes zero-padded). */
export const TOKEN_KEY_WORDS = 8;
/** An entry: its hash, its owner, its key. */
const STRIDE = TOKEN_KEY_WORDS + 2;
/** Entries are appended to chunks of 2^CHUNK_BITS (2.5 MiB each) that are never copied. */
const CHUNK_BITS = 16;
const CHUNK_MASK = (1 << CHUNK_BITS) - 1;
/**
 * Old index slots moved per insert while the index doubles: the old index has twice as many
 * slots as inserts until the next doubling, so 4 finish it with room to spare.
 */
const MIGRATE_PER_ADD = 4;

export class TokenTable {
  /**
   * The probe index: per slot [hash, entry + 1] (0: empty). Entries stay where they are;
   * only the index doubles, and it is rebuilt a few slots per insert (see `migrate`): a
   * one-go rebuild at a million ids was a pause of ~160 ms on this VM (fresh pages and a
   * random write per id), a one-go copy of the keys ~0.6 s.
   */
  private index: Int32Array;
  private mask: number;
  private limit: number;
  /** The index before the last doubling while its slots are still being moved (else null): lookups probe both. */
  private old: Int32Array | null = null;
  private oldMask = 0;
  /** Old index slots below this are moved. */
  private moved = 0;
  /** Entries in insertion order, STRIDE words each. */
  private readonly chunks: Uint32Array[] = [];
  private count = 0;

  constructor(expected: number) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.index = new Int32Array(cap * 2);
    this.mask = cap - 1;
    this.limit = cap >>> 1;
  }

  get size(): number {
    return this.count;
  }

  /** Index slots (for tests: grows by doubling). */
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
    const entry = this.count;
    const chunk = entry >>> CHUNK_BITS;
    if (chunk === this.chunks.length) this.chunks.push(new Uint32Array((CHUNK_MASK + 1) * STRIDE));
    const words = this.chunks[chunk];
    const e = (entry & CHUNK_MASK) * STRIDE;
    words[e] = h;
    words[e + 1] = owner;
    for (let w = 0; w < TOKEN_KEY_WORDS; w++) words[e + 2 + w] = key[at + w];
    const i = -1 - found;
    this.index[i * 2] = h;
    this.index[i * 2 + 1] = entry + 1;
    this.count = entry + 1;
    if (this.old !== null) this.migrate(MIGRATE_PER_ADD);
    if (this.count > this.limit) this.grow();
    return true;
  }

  /** Calls `fn` for every entry in insertion order (not on the hot path): the key's words at `keys[at..at+7]`. */
  forEach(fn: (owner: number, keys: Uint32Array, at: number) => void): void {
    for (let entry = 0; entry < this.count; entry++) {
      const words = this.chunks[entry >>> CHUNK_BITS];
      const e = (entry & CHUNK_MASK) * STRIDE;
      fn(words[e + 1], words, e + 2);
    }
  }

  /**
   * Slot of the entry in the current index (or 0 when only the old index holds it yet), or
   * -1 - (the current index's empty slot where it would go).
   */
  private find(owner: number, key: Uint32Array, at: number, h: number): number {
    const index = this.index;
    const mask = this.mask;
    let i = h & mask;
    for (;;) {
      const entry = index[i * 2 + 1];
      if (entry === 0) break;
      if (index[i * 2] === h && this.isEntry(entry - 1, owner, key, at)) return i;
      i = (i + 1) & mask;
    }
    // The old index is left as it was (moved slots are copied, not cleared), so its probe
    // chains are whole: every entry is in one index or the other.
    const old = this.old;
    if (old !== null) {
      const oldMask = this.oldMask;
      let j = h & oldMask;
      for (;;) {
        const entry = old[j * 2 + 1];
        if (entry === 0) break;
        if (old[j * 2] === h && this.isEntry(entry - 1, owner, key, at)) return 0;
        j = (j + 1) & oldMask;
      }
    }
    return -1 - i;
  }

  private isEntry(entry: number, owner: number, key: Uint32Array, at: number): boolean {
    return sameKey(this.chunks[entry >>> CHUNK_BITS], (entry & CHUNK_MASK) * STRIDE + 1, owner, key, at);
  }

  /** Doubles the index; the old one's slots move over as entries are added. */
  private grow(): void {
    if (this.old !== null) this.migrate(this.oldMask + 1);
    const cap = (this.mask + 1) * 2;
    this.old = this.index;
    this.oldMask = this.mask;
    this.moved = 0;
    this.index = new Int32Array(cap * 2);
    this.mask = cap - 1;
    this.limit = cap >>> 1;
  }

  /** Moves up to `slots` slots of the old index into the current one. */
  private migrate(slots: number): void {
    const old = this.old as Int32Array;
    const end = Math.min(this.oldMask + 1, this.moved + slots);
    const index = this.index;
    const mask = this.mask;
    for (let j = this.moved; j < end; j++) {
      const entry = old[j * 2 + 1];
      if (entry === 0) continue;
      const h = old[j * 2];
      let i = h & mask;
      while (index[i * 2 + 1] !== 0) i = (i + 1) & mask;
      index[i * 2] = h;
      index[i * 2 + 1] = entry;
    }
    this.moved = end;
    if (end === this.oldMask + 1) this.old = null;
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
