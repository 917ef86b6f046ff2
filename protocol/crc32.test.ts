import { crc32, crc32Ascii, crc32View } from './crc32';

describe('crc32', () => {
  test('matches the IEEE check value for "123456789"', () => {
    expect(crc32(Buffer.from('123456789', 'ascii'))).toBe(0xcbf43926);
    expect(crc32Ascii('123456789')).toBe(0xcbf43926);
  });

  test('a range gives the same value as a copy of that range', () => {
    const bytes = Buffer.from('xx123456789yy', 'ascii');
    expect(crc32(bytes, 2, 11)).toBe(0xcbf43926);
  });

  test('chaining two halves equals one pass', () => {
    const bytes = Buffer.from('hello, tickwire', 'ascii');
    expect(crc32(bytes, 5, bytes.length, crc32(bytes, 0, 5))).toBe(crc32(bytes));
  });

  test('matches zlib where Node has it', () => {
    const zlib = require('node:zlib') as { crc32?: (d: Uint8Array) => number };
    if (!zlib.crc32) return;
    const bytes = new Uint8Array(1000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
    expect(crc32(bytes)).toBe(zlib.crc32(bytes));
  });
});

describe('crc32 slicing-by-8', () => {
  test('agrees with the bytewise definition at every length and alignment', () => {
    const table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
    const bytewise = (b: Uint8Array, s: number, e: number): number => {
      let c = ~0;
      for (let i = s; i < e; i++) c = table[(c ^ b[i]) & 0xff] ^ (c >>> 8);
      return ~c >>> 0;
    };
    const bytes = new Uint8Array(300);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff;
    for (let start = 0; start < 9; start++) {
      for (let len = 0; len < 90; len++) expect(crc32(bytes, start, start + len)).toBe(bytewise(bytes, start, start + len));
    }
  });
});

describe('crc32View', () => {
  test('equals crc32 at every length and alignment, and chains', () => {
    const bytes = new Uint8Array(300);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff;
    const view = new DataView(bytes.buffer);
    for (let start = 0; start < 9; start++) {
      for (let len = 0; len < 90; len++) expect(crc32View(view, start, start + len)).toBe(crc32(bytes, start, start + len));
    }
    expect(crc32View(view, 100, 300, crc32View(view, 0, 100))).toBe(crc32(bytes));
  });
});
