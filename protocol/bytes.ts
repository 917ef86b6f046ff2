// Big-endian integer access by byte arithmetic on a Uint8Array (FEED.md: "All integers
// are unsigned big-endian"). Works on any Uint8Array or Buffer without building a
// DataView per buffer, and V8 inlines these small functions on hot paths.

const TWO_32 = 4294967296;

export function readU16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export function readU32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** uint48 (ITCH timestamps): exact in a JS number. */
export function readU48(b: Uint8Array, o: number): number {
  return ((b[o] << 8) | b[o + 1]) * TWO_32 + readU32(b, o + 2);
}

/** uint64 as a number: exact below 2^53; callers check `readU32(b, o) > 0x1fffff` for larger. */
export function readU64(b: Uint8Array, o: number): number {
  return readU32(b, o) * TWO_32 + readU32(b, o + 4);
}

export function writeU16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}

export function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

export function writeU48(b: Uint8Array, o: number, v: number): void {
  const hi = Math.floor(v / TWO_32);
  b[o] = hi >>> 8;
  b[o + 1] = hi;
  writeU32(b, o + 2, v >>> 0);
}

/** Writes a non-negative integer below 2^53 as a uint64. */
export function writeU64(b: Uint8Array, o: number, v: number): void {
  writeU32(b, o, Math.floor(v / TWO_32));
  writeU32(b, o + 4, v >>> 0);
}

/** ASCII, left-justified, space-padded to `width` (FEED.md: alpha fields). Extra characters are cut. */
export function writeAlpha(b: Uint8Array, o: number, text: string, width: number): void {
  const n = text.length < width ? text.length : width;
  for (let i = 0; i < n; i++) b[o + i] = text.charCodeAt(i);
  for (let i = n; i < width; i++) b[o + i] = 0x20;
}

/** An alpha field with its padding (spaces on either side) removed. Allocates: not for hot paths. */
export function readAlpha(b: Uint8Array, o: number, width: number): string {
  let start = o;
  let end = o + width;
  while (start < end && b[start] === 0x20) start++;
  while (end > start && b[end - 1] === 0x20) end--;
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** Unsigned decimal, right-justified and left-padded with spaces to `width` (SoupBinTCP numeric fields). */
export function writeNumeric(b: Uint8Array, o: number, value: number, width: number): void {
  let v = value;
  let i = o + width - 1;
  do {
    b[i--] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  } while (v > 0 && i >= o);
  while (i >= o) b[i--] = 0x20;
}

/** Reads an ASCII decimal padded with spaces on either side; -1 if it holds anything else or is blank. */
export function readNumeric(b: Uint8Array, o: number, width: number): number {
  let i = o;
  const end = o + width;
  while (i < end && b[i] === 0x20) i++;
  if (i === end) return -1;
  let v = 0;
  for (; i < end; i++) {
    const c = b[i];
    if (c === 0x20) break;
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + (c - 0x30);
  }
  for (; i < end; i++) if (b[i] !== 0x20) return -1;
  return v;
}
