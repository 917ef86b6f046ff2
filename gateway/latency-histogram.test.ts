import fc from 'fast-check';
import * as hdr from 'hdr-histogram-js';
import { propertyOptions } from '../test/support/property';
import { LatencyHistogram } from './latency-histogram';

describe('LatencyHistogram', () => {
  // Mostly hundreds of us, a tail to tens of ms, a few up to ~1 s.
  const latencyUs = fc.oneof(
    { weight: 980, arbitrary: fc.integer({ min: 100, max: 999 }) },
    { weight: 19, arbitrary: fc.integer({ min: 1_000, max: 50_999 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 999_999 }) },
  );

  test('percentiles agree with HdrHistogram (3 significant digits) on long-tailed samples', () => {
    fc.assert(
      fc.property(fc.array(latencyUs, { minLength: 1, maxLength: 4000, size: 'max' }), (values) => {
        const ours = new LatencyHistogram(60_000_000);
        const theirs = hdr.build({ bitBucketSize: 32, lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
        for (const v of values) {
          ours.record(v);
          theirs.recordValue(v);
        }
        expect(ours.totalCount).toBe(theirs.totalCount);
        expect(ours.maxValue).toBe(theirs.maxValue);
        for (const p of [50, 90, 99, 99.9, 99.99]) {
          const a = ours.valueAtPercentile(p);
          const b = theirs.getValueAtPercentile(p);
          // Same bucket layout: the same bucket, reported by its highest value (within 0.1%).
          expect(Math.abs(a - b)).toBeLessThanOrEqual(Math.max(1, b * 0.001));
        }
        expect(Math.abs(ours.mean - theirs.mean)).toBeLessThanOrEqual(theirs.mean * 0.001);
      }),
      propertyOptions(100),
    );
  });

  test('exact below 2^subBits, clamps past the max, and 100th percentile is the max', () => {
    const h = new LatencyHistogram(10_000, 8);
    for (let v = 0; v < 256; v++) h.record(v);
    expect(h.valueAtPercentile(50)).toBe(127);
    h.record(1_000_000);
    expect(h.maxValue).toBe(1_000_000);
    expect(h.valueAtPercentile(100)).toBe(1_000_000);
    expect(h.totalCount).toBe(257);
  });

  test('adding histograms gives the histogram of all their values', () => {
    // Each value goes into histogram a or b; a + b must equal one histogram of them all.
    const value = fc.record({ v: fc.oneof(fc.integer({ min: 0, max: 1_999 }), fc.integer({ min: 0, max: 199_999 })), intoA: fc.boolean() });
    fc.assert(
      fc.property(fc.array(value, { maxLength: 1000, size: 'max' }), (values) => {
        const a = new LatencyHistogram(60_000_000, 8);
        const b = new LatencyHistogram(60_000_000, 8);
        const all = new LatencyHistogram(60_000_000, 8);
        for (const { v, intoA } of values) {
          (intoA ? a : b).record(v);
          all.record(v);
        }
        a.add(b);
        // First differing bucket, not a toEqual of thousands of counts (whose failure diff
        // takes minutes, for every shrinking step).
        const differs = a.counts.findIndex((c, i) => c !== all.counts[i]);
        if (differs >= 0) throw new Error(`bucket ${differs}: ${a.counts[differs]} after add, ${all.counts[differs]} recorded together`);
        expect({ n: a.totalCount, max: a.maxValue, mean: a.mean, p99: a.valueAtPercentile(99) }).toEqual({ n: all.totalCount, max: all.maxValue, mean: all.mean, p99: all.valueAtPercentile(99) });
      }),
      propertyOptions(50),
    );
  });

  test('the nearest rank at a percentile that lands on a whole rank: 99.9 of 1,000 values is the 999th', () => {
    // 99.9 / 100 * 1000 is 999.0000000000001 in floating point: its ceiling was the 1000th.
    for (const n of [1000, 2000, 4000]) {
      const h = new LatencyHistogram(60_000_000);
      h.record(100, n - n / 1000);
      h.record(500_000, n / 1000);
      expect(h.valueAtPercentile(99.9)).toBe(100);
      h.record(500_000);
      expect(h.valueAtPercentile(99.9)).toBeGreaterThan(400_000);
    }
  });

  test('a count per record (a sample per subscriber) and reset', () => {
    const h = new LatencyHistogram(600_000_000, 5);
    h.record(1000, 99);
    h.record(500_000, 1);
    expect(h.totalCount).toBe(100);
    expect(h.valueAtPercentile(99)).toBeLessThanOrEqual(1031);
    expect(h.valueAtPercentile(99.5)).toBe(500_000);
    h.reset();
    expect(h.totalCount).toBe(0);
    expect(h.valueAtPercentile(99)).toBe(0);
  });
});
