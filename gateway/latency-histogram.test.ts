import * as hdr from 'hdr-histogram-js';
import { mulberry32 } from '../protocol/prng';
import { LatencyHistogram } from './latency-histogram';

describe('LatencyHistogram', () => {
  test('percentiles agree with HdrHistogram (3 significant digits) on a long-tailed sample', () => {
    const seed = 7;
    const rand = mulberry32(seed);
    const ours = new LatencyHistogram(60_000_000);
    const theirs = hdr.build({ bitBucketSize: 32, lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
    for (let i = 0; i < 200_000; i++) {
      // Mostly hundreds of us, a tail to tens of ms, a few up to ~1 s.
      const u = rand();
      const v = Math.floor(u < 0.98 ? 100 + rand() * 900 : u < 0.999 ? 1_000 + rand() * 50_000 : rand() * 1_000_000);
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
    expect(Math.abs(ours.mean - theirs.mean)).toBeLessThan(theirs.mean * 0.001);
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
    const rand = mulberry32(11);
    const a = new LatencyHistogram(60_000_000, 8);
    const b = new LatencyHistogram(60_000_000, 8);
    const all = new LatencyHistogram(60_000_000, 8);
    for (let i = 0; i < 10_000; i++) {
      const v = Math.floor(rand() * (i % 2 === 0 ? 2_000 : 200_000));
      (i % 3 === 0 ? a : b).record(v);
      all.record(v);
    }
    a.add(b);
    expect(Array.from(a.counts)).toEqual(Array.from(all.counts));
    expect({ n: a.totalCount, max: a.maxValue, mean: a.mean, p99: a.valueAtPercentile(99) }).toEqual({ n: all.totalCount, max: all.maxValue, mean: all.mean, p99: all.valueAtPercentile(99) });
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
