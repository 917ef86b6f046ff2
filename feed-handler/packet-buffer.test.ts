import fc from 'fast-check';
import { propertyOptions } from '../test/support/property';
import { PacketBuffer } from './packet-buffer';

describe('PacketBuffer', () => {
  test('gives packets back in sequence order whatever order they came in, dropping repeats', () => {
    // Up to 100 packets of 5 messages (sequences 1, 6, 11, ...), arriving in any order,
    // then some of them again.
    const arrival = fc.integer({ min: 1, max: 100 }).chain((n) =>
      fc.tuple(
        fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
        fc.array(fc.nat({ max: n - 1 }), { maxLength: 20 }),
      ),
    );
    fc.assert(
      fc.property(arrival, ([order, repeats]) => {
        const n = order.length;
        const packets = Array.from({ length: n }, (_, i) => ({ seq: 1 + i * 5, bytes: new Uint8Array([i]) }));
        const q = new PacketBuffer(256);
        for (const i of order) expect(q.insert(packets[i].bytes, packets[i].seq, 5, packets[i].seq % 3)).toBe(1);
        for (const i of repeats) expect(q.insert(packets[i].bytes, packets[i].seq, 5, 0)).toBe(0);
        expect(q.size).toBe(n);
        expect(q.endSequence).toBe(1 + n * 5);
        const out: number[] = [];
        while (q.size > 0) {
          out.push(q.firstSequence);
          expect(q.peek()[0]).toBe((q.firstSequence - 1) / 5);
          expect(q.peekSource()).toBe(q.firstSequence % 3);
          q.shift();
        }
        expect(out).toEqual(packets.map((p) => p.seq));
      }),
      propertyOptions(200),
    );
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
