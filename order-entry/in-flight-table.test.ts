import { mulberry32 } from '../protocol';
import { InFlightTable } from './in-flight-table';

describe('InFlightTable', () => {
  const seed = Number(process.env.TW_SEED ?? 7);
  test(`sets, gets and deletes agree with a Map through growth and backward shifts (seed ${seed}, TW_SEED)`, () => {
    const next = mulberry32(seed);
    const rnd = (n: number): number => Math.floor(next() * n);
    const table = new InFlightTable<number>(16);
    const model = new Map<string, number>();
    for (let step = 0; step < 30_000; step++) {
      // Few distinct keys, so runs wrap the table and cross each other.
      const key = `T${rnd(700).toString(36)}`;
      const r = rnd(6);
      if (r < 2) expect(table.delete(key)).toBe(model.delete(key));
      else if (r === 2) {
        // Only while it holds that value: half the time the one it holds, half another.
        const value = rnd(2) === 0 ? (model.get(key) ?? -1) : -2;
        const held = model.get(key) === value;
        expect(table.deleteValue(key, value)).toBe(held);
        if (held) model.delete(key);
      } else {
        table.set(key, step);
        model.set(key, step);
      }
      if (step % 1000 === 0) {
        for (let q = 0; q < 700; q++) expect(table.get(`T${q.toString(36)}`)).toBe(model.get(`T${q.toString(36)}`));
        expect(table.size).toBe(model.size);
        const seen: number[] = [];
        table.forEachValue((v) => seen.push(v));
        expect(seen.sort((a, b) => a - b)).toEqual([...model.values()].sort((a, b) => a - b));
      }
    }
  });
});
