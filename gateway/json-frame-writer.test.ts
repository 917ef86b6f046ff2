// JsonFrameWriter writes numbers and prices exactly as the template strings it replaces did.
import { formatPrice4, Prng } from '../protocol';
import { JsonFrameWriter, jsonFragment } from './json-frame-writer';
import { wsFramePayloadLength } from './ws-frame';

const payload = (wire: Buffer): string => String(wire.subarray(wire.length - wsFramePayloadLength(wire)));

describe('JsonFrameWriter', () => {
  test('numbers and Price(4)s read as String and formatPrice4 write them, edge values and a seeded sample', () => {
    const seed = 20261207;
    const rng = new Prng(seed);
    const values = [0, 1, 9, 10, 99, 9999, 10000, 10001, 123456, 2147483647, 2147483648, 4294967295, 4294967296, 86_399_999_999_999, Number.MAX_SAFE_INTEGER, -1, -12345, 0.5, 1e21, 2 ** 60];
    for (let i = 0; i < 2000; i++) values.push(rng.nextInt(1 << 30) * (1 + rng.nextInt(100_000)));
    const w = new JsonFrameWriter(16); // grows as it goes
    for (const v of values) {
      w.begin();
      w.number(v);
      w.byte(0x2c);
      w.price4(v);
      expect([seed, payload(w.finish())]).toEqual([seed, `${v},${formatPrice4(v)}`]);
    }
  });

  test('a frame longer than 125 and 65,535 bytes gets the longer header', () => {
    const w = new JsonFrameWriter(8);
    for (const n of [10, 200, 70_000]) {
      w.begin();
      w.fragment(jsonFragment('x'.repeat(n)));
      const wire = w.finish();
      expect(wsFramePayloadLength(wire)).toBe(n);
      expect(wire.length).toBe(n + (n < 126 ? 2 : n < 65536 ? 4 : 10));
      expect(payload(wire)).toBe('x'.repeat(n));
    }
  });
});
