import { LiveOrderTable } from './live-order-table';

describe('LiveOrderTable', () => {
  test('agrees with a Map through random adds, finds and removes (seeded), across growth', () => {
    const seed = 12345;
    let x = seed;
    const rand = (n: number): number => {
      x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
      return (x >>> 0) % n;
    };
    const table = new LiveOrderTable(16);
    const model = new Map<number, [number, number, number]>();
    const refs: number[] = [];
    const mismatches: string[] = [];
    for (let step = 0; step < 100_000; step++) {
      const op = rand(10);
      if (op < 5 || refs.length === 0) {
        // sequential refs (as an exchange gives them) and some large ones past 2^32
        const ref = rand(4) === 0 ? 2 ** 40 + step * 977 : step + 1;
        const v: [number, number, number] = [rand(2) === 0 ? 0x42 : 0x53, 1 + rand(1000), rand(2_000_000)];
        table.set(ref, v[0], v[1], v[2]);
        if (!model.has(ref)) refs.push(ref);
        model.set(ref, v);
      } else {
        const i = rand(refs.length);
        const ref = refs[i];
        const slot = table.find(ref);
        const want = model.get(ref) as [number, number, number];
        if (slot < 0 || table.side[slot] !== want[0] || table.shares[slot] !== want[1] || table.price[slot] !== want[2]) mismatches.push(`step ${step}: ref ${ref}`);
        if (op < 8 && slot >= 0) {
          table.removeAt(slot);
          model.delete(ref);
          refs[i] = refs[refs.length - 1];
          refs.pop();
          if (table.find(ref) !== -1) mismatches.push(`step ${step}: ref ${ref} still found`);
        }
      }
      if (table.size !== model.size) mismatches.push(`step ${step}: size ${table.size} vs ${model.size}`);
    }
    expect(mismatches.slice(0, 5)).toEqual([]); // seed 12345
    for (const [ref, v] of model) {
      const slot = table.find(ref);
      expect([table.side[slot], table.shares[slot], table.price[slot]]).toEqual(v);
    }
  });
});
