import { BookStore, NIL, O_REF } from './book-store';
import { OrderRefTable } from './order-ref-table';
import { mulberry32, testSeed } from '../protocol/prng';

const TWO_32 = 4294967296;

describe('OrderRefTable (tagged open addressing, refs confirmed in the order records)', () => {
  const seed = testSeed();
  test(`agrees with Map through adds, deletes and growth (seed ${seed})`, () => {
    const rnd = mulberry32(seed);
    const store = new BookStore(16, 16);
    const table = new OrderRefTable(store, 16);
    const model = new Map<number, number>();
    // Mostly sequential refs with small gaps (as exchanges number orders), some random,
    // some near 2^53, and pairs that differ above 2^32 but share a 32-bit tag.
    let next = 1;
    const freshRef = (): number => {
      const r = rnd();
      if (r < 0.7) return (next += 1 + Math.floor(rnd() * 3));
      if (r < 0.8) return Math.floor(rnd() * 1e6);
      if (r < 0.9) return Number.MAX_SAFE_INTEGER - Math.floor(rnd() * 1000);
      // Same tag as an existing small ref: lo' = lo ^ imul(hi', 0x27d4eb2d) for hi' != 0.
      const hi = 1 + Math.floor(rnd() * 1000);
      const lo = (Math.floor(rnd() * 5000) ^ Math.imul(hi, 0x27d4eb2d)) >>> 0;
      return hi * TWO_32 + lo;
    };
    const live: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      const r = rnd();
      if (r < 0.5 || live.length === 0) {
        const ref = freshRef();
        const order = store.allocOrder();
        const added = table.add(ref, order);
        if (added !== !model.has(ref)) throw new Error(`seed ${seed} step ${i}: add(${ref})`);
        if (added) {
          store.of[order * 4 + O_REF] = ref;
          model.set(ref, order);
          live.push(ref);
        } else {
          store.freeOrder(order);
        }
      } else if (r < 0.8) {
        const at = Math.floor(rnd() * live.length);
        const ref = live[at];
        live[at] = live[live.length - 1];
        live.pop();
        const order = model.get(ref) as number;
        if (table.delete(ref) !== order) throw new Error(`seed ${seed} step ${i}: delete(${ref})`);
        model.delete(ref);
        store.freeOrder(order);
      } else {
        const ref = rnd() < 0.5 && live.length > 0 ? live[Math.floor(rnd() * live.length)] : freshRef();
        const expected = model.has(ref) ? (model.get(ref) as number) : NIL;
        if (table.get(ref) !== expected) throw new Error(`seed ${seed} step ${i}: get(${ref})`);
      }
    }
    expect(table.size).toBe(model.size);
    for (const [ref, order] of model) expect(table.get(ref)).toBe(order);
    expect(table.delete(123.5)).toBe(NIL);
  });
});
