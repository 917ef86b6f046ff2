import fc from 'fast-check';
import { propertyOptions } from '../test/support/property';
import { RefTable } from './ref-table';

describe('RefTable', () => {
  test('agrees with Map over random sets, gets and deletes (property test)', () => {
    // Keys beyond 2^32 (one in four) exercise the high-half mixing.
    const key = fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(2 ** 40) })).map(([k, high]) => k + high);
    const op = fc.record({ op: fc.constantFrom('set', 'delete', 'get'), key });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 4000, size: 'max' }), (ops) => {
        const table = new RefTable(8);
        const model = new Map<number, number>();
        ops.forEach(({ op, key }, i) => {
          if (op === 'set') {
            table.set(key, i);
            model.set(key, i);
          } else if (op === 'delete') {
            const want = model.has(key) ? (model.get(key) as number) : -1;
            const got = table.delete(key);
            if (got !== want) throw new Error(`step ${i}: delete(${key}) gave ${got}, want ${want}`);
            model.delete(key);
          } else {
            const want = model.has(key) ? (model.get(key) as number) : -1;
            const got = table.get(key);
            if (got !== want) throw new Error(`step ${i}: get(${key}) gave ${got}, want ${want}`);
          }
        });
        expect(table.size).toBe(model.size);
        for (const [k, v] of model) expect(table.get(k)).toBe(v);
      }),
      propertyOptions(100),
    );
  });
});
