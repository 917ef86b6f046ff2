// LagHistogram against exact percentiles of a seeded sample: within its bucket width.
import { LagHistogram } from './lag-histogram';

describe('LagHistogram', () => {
  test('percentiles within 1/16 of the exact value, weights counted, max kept', () => {
    const h = new LagHistogram();
    let x = 12345;
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      const us = 1 + (x % 2_000_000) * ((x >>> 20) % 2 === 0 ? 1 : 0.001);
      values.push(Math.floor(us));
      h.record(us, 1);
    }
    values.sort((a, b) => a - b);
    for (const p of [50, 90, 99, 99.9]) {
      const exact = values[Math.ceil((p / 100) * values.length) - 1];
      const got = h.percentile(p);
      expect(got).toBeGreaterThanOrEqual(exact);
      expect(got).toBeLessThanOrEqual(exact * (1 + 1 / 16) + 1);
    }
    expect(h.maxUs).toBe(values[values.length - 1]);
    expect(h.percentile(100)).toBe(values[values.length - 1]);
  });

  test('weights: one sample of weight 99 and one of weight 1', () => {
    const h = new LagHistogram();
    h.record(1000, 99);
    h.record(500_000, 1);
    expect(h.total).toBe(100);
    expect(h.percentile(50)).toBeLessThanOrEqual(1063);
    expect(h.percentile(99)).toBeLessThanOrEqual(1063);
    expect(h.percentile(99.5)).toBe(500_000);
    h.reset();
    expect(h.percentile(99)).toBe(0);
  });
});
