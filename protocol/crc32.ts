// CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320): the journal's record check and
// the book checksum (Kraken's convention) both use it. Table-driven over a byte range
// so callers never slice a buffer to checksum part of it.

const TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c;
}

/** Continues a CRC-32 over `bytes[start, end)`. Pass the previous result as `crc` to chain. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  let c = ~crc;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-32 of the ASCII characters of a string (the book checksum's input is decimal digits). */
export function crc32Ascii(text: string, crc = 0): number {
  let c = ~crc;
  for (let i = 0; i < text.length; i++) c = TABLE[(c ^ text.charCodeAt(i)) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
