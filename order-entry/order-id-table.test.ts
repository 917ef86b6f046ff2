import { mulberry32 } from '../protocol';
import { OrderIdTable } from './order-id-table';

describe('OrderIdTable', () => {
  const seed = Number(process.env.TW_SEED ?? 7);
  test(`sets, gets and deletes agree with a Map through growth and backward shifts (seed ${seed}, TW_SEED)`, () => {
    const next = mulberry32(seed);
    const rnd = (n: number): number => Math.floor(next() * n);
    const table = new OrderIdTable<number>(16);
    const model = new Map<number, number>();
    // Few distinct keys (some past 2^32), so runs wrap the table and cross each other.
    const keyOf = (q: number): number => (q % 3 === 0 ? 2 ** 33 + q : q + 1);
    for (let step = 0; step < 30_000; step++) {
      const key = keyOf(rnd(700));
      if (rnd(3) === 0) expect(table.delete(key)).toBe(model.delete(key));
      else {
        table.set(key, step);
        model.set(key, step);
      }
      if (step % 1000 === 0) {
        for (let q = 0; q < 700; q++) expect(table.get(keyOf(q))).toBe(model.get(keyOf(q)));
        expect(table.size).toBe(model.size);
        const seen: number[] = [];
        table.forEachValue((v) => seen.push(v));
        expect(seen.sort((a, b) => a - b)).toEqual([...model.values()].sort((a, b) => a - b));
      }
    }
  });
});
