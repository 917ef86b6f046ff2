import { mulberry32 } from '../protocol';
import { RequestIds } from './request-ids';

describe('RequestIds', () => {
  const seed = Number(process.env.TW_SEED ?? 11);
  test(`takes back exactly what was set, once, as a Map would, through growth and sequence numbers past 2^32 (seed ${seed}, TW_SEED)`, () => {
    const next = mulberry32(seed);
    const rnd = (n: number): number => Math.floor(next() * n);
    const ids = new RequestIds(16);
    const model = new Map<number, number>();
    let seq = 2 ** 32 - 5_000; // the low bits wrap during the run
    let wrong = 0;
    for (let batch = 0; batch < 2_000; batch++) {
      // A batch: some sequence numbers get an id (others are 'C' records or the house's), then
      // every one is applied in order and takes its id.
      const first = seq;
      const n = 1 + rnd(600);
      for (let k = 0; k < n; k++, seq++) {
        if (rnd(3) === 0) continue;
        const id = 1 + rnd(0x7fffffff);
        ids.set(seq, id);
        model.set(seq, id);
      }
      if (ids.size !== model.size) wrong++;
      for (let s = first; s < seq; s++) {
        if (ids.take(s) !== (model.get(s) ?? 0)) wrong++;
        model.delete(s);
      }
      if (ids.size !== 0 || ids.take(first) !== 0) wrong++; // each taken once
    }
    expect(wrong).toBe(0);
    expect(seq).toBeGreaterThan(2 ** 32); // the run crossed 2^32
  });

  test('ids left over from a batch (never taken) stay findable when the ring grows past them', () => {
    const ids = new RequestIds(16);
    ids.set(5, 500);
    ids.set(5 + 16, 2100); // the same slot at 16: the ring doubles
    ids.set(5 + 32, 3700); // the same slot at 32 for 5 and 37: doubles again
    expect([ids.take(5), ids.take(21), ids.take(37), ids.take(53)]).toEqual([500, 2100, 3700, 0]);
    expect(ids.size).toBe(0);
  });
});
