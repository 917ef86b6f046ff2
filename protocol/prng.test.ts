import { Prng } from './prng';

describe('Prng (xoshiro128** seeded through splitmix32)', () => {
  test('its stream is pinned: seeded sim days and their digests depend on every bit of it', () => {
    // Values taken from sim/prng.ts before the class moved here.
    const r = new Prng(1);
    const u32: number[] = [];
    for (let i = 0; i < 6; i++) u32.push(r.nextU32());
    expect(u32).toEqual([2442144158, 3238099751, 3819917871, 2104621829, 2021136066, 4223536128]);
    const s = new Prng(0xdeadbeef);
    expect([s.nextInt(1000), s.nextInt(1000), s.nextInt(1000), s.geometric(0.25), s.next()]).toEqual([537, 599, 291, 3, 0.5400512255728245]);
  });

  test('next() is in [0, 1) and nextInt(n) in [0, n)', () => {
    const r = new Prng(42);
    for (let i = 0; i < 10_000; i++) {
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
      const k = r.nextInt(7);
      expect(Number.isInteger(k) && k >= 0 && k < 7).toBe(true);
    }
  });
});
