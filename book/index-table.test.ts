import { IndexTable } from './index-table';
import { mulberry32, testSeed } from '../protocol/prng';

describe('IndexTable (open addressing, backward-shift deletion)', () => {
  const seed = testSeed();
  test(`agrees with Map through inserts, overwrites, deletes and growth (seed ${seed})`, () => {
    const rnd = mulberry32(seed);
    const t = new IndexTable(16);
    const model = new Map<number, number>();
    // Keys from a small range collide a lot; some near 2^53 exercise the high word.
    const key = () => (rnd() < 0.9 ? Math.floor(rnd() * 5000) : Number.MAX_SAFE_INTEGER - Math.floor(rnd() * 100));
    for (let i = 0; i < 200_000; i++) {
      const k = key();
      const r = rnd();
      if (r < 0.5) {
        t.set(k, i);
        model.set(k, i);
      } else if (r < 0.8) {
        const expected = model.has(k) ? (model.get(k) as number) : -1;
        if (t.delete(k) !== expected) throw new Error(`seed ${seed} step ${i}: delete(${k})`);
        model.delete(k);
      } else if (t.get(k) !== (model.has(k) ? model.get(k) : -1)) {
        throw new Error(`seed ${seed} step ${i}: get(${k})`);
      }
    }
    expect(t.size).toBe(model.size);
    for (const [k, v] of model) expect(t.get(k)).toBe(v);
  });
});
