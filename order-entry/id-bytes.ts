// Client order ids kept as bytes, one fixed-width cell per slot of a struct-of-arrays table,
// instead of one string per order kept alive for the day (a string per order is an object
// the garbage collector copies and promotes). Ids are printable ASCII of at most
// CLIENT_ORDER_ID_MAX characters (protocol); anything else (never expected) is kept as
// its string in a side map, so nothing is lost. A string is made only when read.
import { CLIENT_ORDER_ID_MAX } from '../protocol';

const W = CLIENT_ORDER_ID_MAX;

export class IdBytes {
  private bytes: Uint8Array;
  private lengths: Uint8Array;
  /** Ids that do not fit a cell (longer, or a character past 0xff), by slot. */
  private readonly odd = new Map<number, string>();

  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity * W);
    this.lengths = new Uint8Array(capacity);
  }

  /** Room for `capacity` slots (the contents kept). */
  grow(capacity: number): void {
    const bytes = new Uint8Array(capacity * W);
    bytes.set(this.bytes);
    const lengths = new Uint8Array(capacity);
    lengths.set(this.lengths);
    this.bytes = bytes;
    this.lengths = lengths;
  }

  set(slot: number, id: string): void {
    if (this.odd.size > 0) this.odd.delete(slot);
    const n = id.length;
    if (n > W) return this.setOdd(slot, id);
    const o = slot * W;
    for (let i = 0; i < n; i++) {
      const c = id.charCodeAt(i);
      if (c > 0xff) return this.setOdd(slot, id);
      this.bytes[o + i] = c;
    }
    this.lengths[slot] = n;
  }

  get(slot: number): string {
    const n = this.lengths[slot];
    if (n === 0xff) return this.odd.get(slot) ?? '';
    const o = slot * W;
    return String.fromCharCode.apply(null, this.bytes.subarray(o, o + n) as unknown as number[]);
  }

  equals(slot: number, id: string): boolean {
    const n = this.lengths[slot];
    if (n === 0xff) return this.odd.get(slot) === id;
    if (n !== id.length) return false;
    const o = slot * W;
    for (let i = 0; i < n; i++) if (this.bytes[o + i] !== id.charCodeAt(i)) return false;
    return true;
  }

  /** The hash of the id at `slot` under `seed`, equal to hashString(seed, get(slot)). */
  hashAt(seed: number, slot: number): number {
    const n = this.lengths[slot];
    if (n === 0xff) return hashString(seed, this.odd.get(slot) ?? '');
    const o = slot * W;
    let h = (seed ^ 0x811c9dc5) >>> 0;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ this.bytes[o + i], 0x01000193);
    return h >>> 0;
  }

  private setOdd(slot: number, id: string): void {
    this.lengths[slot] = 0xff;
    this.odd.set(slot, id);
  }
}

/** FNV-1a over the id's character codes, seeded (an account). */
export function hashString(seed: number, id: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
