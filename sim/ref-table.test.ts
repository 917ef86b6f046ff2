import { Prng } from '../protocol';
import { RefTable } from './ref-table';

describe('RefTable', () => {
  test('agrees with Map over random sets, gets and deletes (property test)', () => {
    const seed = 20261122;
    const rng = new Prng(seed);
    const table = new RefTable(8);
    const model = new Map<number, number>();
    for (let i = 0; i < 200_000; i++) {
      // Keys beyond 2^32 exercise the high-half mixing.
      const key = 1 + rng.nextInt(5000) + (rng.nextInt(4) === 0 ? 2 ** 40 : 0);
      const op = rng.nextInt(3);
      if (op === 0) {
        table.set(key, i);
        model.set(key, i);
      } else if (op === 1) {
        expect(table.delete(key)).toBe(model.has(key) ? model.get(key) : -1);
        model.delete(key);
      } else {
        expect(table.get(key)).toBe(model.has(key) ? model.get(key) : -1);
      }
    }
    expect(table.size).toBe(model.size);
    for (const [k, v] of model) expect(table.get(k)).toBe(v);
  });
});
