import { mulberry32 } from '../protocol/prng';
import { PacketBuffer } from './packet-buffer';

const SEED = Number(process.env.TW_SEED ?? 3);

describe(`PacketBuffer (seed ${SEED})`, () => {
  test('gives packets back in sequence order whatever order they came in, dropping repeats', () => {
    const random = mulberry32(SEED);
    const q = new PacketBuffer(256);
    const packets = Array.from({ length: 100 }, (_, i) => ({ seq: 1 + i * 5, bytes: new Uint8Array([i]) }));
    const shuffled = [...packets].sort(() => random() - 0.5);
    for (const p of shuffled) expect(q.insert(p.bytes, p.seq, 5, p.seq % 3)).toBe(1);
    for (const p of shuffled.slice(0, 10)) expect(q.insert(p.bytes, p.seq, 5, 0)).toBe(0);
    expect(q.size).toBe(100);
    expect(q.endSequence).toBe(501);
    const out: number[] = [];
    while (q.size > 0) {
      out.push(q.firstSequence);
      expect(q.peek()[0]).toBe((q.firstSequence - 1) / 5);
      expect(q.peekSource()).toBe(q.firstSequence % 3);
      q.shift();
    }
    expect(out).toEqual(packets.map((p) => p.seq));
  });

  test('a longer packet at the same sequence replaces a shorter one (a rewinder answer over a cut one)', () => {
    const q = new PacketBuffer(4);
    expect(q.insert(new Uint8Array([1]), 10, 2, 0)).toBe(1);
    expect(q.insert(new Uint8Array([2]), 10, 5, 2)).toBe(1);
    expect(q.size).toBe(1);
    expect(q.peek()[0]).toBe(2);
    expect(q.endSequence).toBe(15);
  });

  test('refuses a packet when full, and makes room again as packets leave', () => {
    const q = new PacketBuffer(16);
    for (let i = 0; i < 16; i++) expect(q.insert(new Uint8Array(1), 100 + i, 1, 0)).toBe(1);
    expect(q.insert(new Uint8Array(1), 500, 1, 0)).toBe(-1);
    q.shift();
    q.shift();
    expect(q.insert(new Uint8Array(1), 500, 1, 0)).toBe(1);
    expect(q.insert(new Uint8Array(1), 50, 1, 0)).toBe(1);
    expect(q.firstSequence).toBe(50);
    q.clear();
    expect(q.size).toBe(0);
  });
});
