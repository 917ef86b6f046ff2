import { mulberry32 } from '../protocol';
import { SlotIndex } from './slot-index';

describe('SlotIndex', () => {
  const seed = Number(process.env.TW_SEED ?? 7);
  test(`inserts and removals under heavy collisions find exactly the slots present (seed ${seed}, TW_SEED)`, () => {
    const next = mulberry32(seed);
    const rnd = (n: number): number => Math.floor(next() * n);
    // Keys with few distinct hashes, so runs wrap around the table and cross each other.
    const keyOf = new Int32Array(4096);
    const hash = (k: number): number => (k % 37) * 97 + 0xfff0;
    const idx = new SlotIndex((s) => hash(keyOf[s]), 16);
    const present = new Map<number, number>(); // key -> slot
    const find = (k: number): number => {
      for (let c = idx.start(hash(k)); ; c = idx.next(c)) {
        const s = idx.at(c);
        if (s < 0 || keyOf[s] === k) return s;
      }
    };
    let nextSlot = 0;
    for (let step = 0; step < 20_000; step++) {
      const k = rnd(600);
      if (present.has(k) && rnd(2) === 0) {
        expect(idx.remove(present.get(k) as number)).toBe(true);
        present.delete(k);
      } else if (!present.has(k) && nextSlot < keyOf.length) {
        const s = nextSlot++;
        keyOf[s] = k;
        idx.insert(hash(k), s);
        present.set(k, s);
      }
      if (step % 500 === 0) {
        for (let q = 0; q < 600; q++) expect(find(q)).toBe(present.get(q) ?? -1);
        expect(idx.size).toBe(present.size);
      }
    }
  });
});
