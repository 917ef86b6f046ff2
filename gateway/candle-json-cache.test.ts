import { CandleClock, CandleSeries } from '../book';
import { httpCandleSchema } from '../protocol';
import { CandleJsonCache } from './candle-json-cache';

const NS = (h: number, m: number) => (h * 3600 + m * 60) * 1e9;

describe('CandleJsonCache', () => {
  test('a closed candle marked incomplete after it was cached is served incomplete', () => {
    const s = new CandleSeries(new CandleClock('2024-03-08'));
    for (let m = 0; m < 4; m++) s.trade(NS(9, 30 + m) + 1e9, 1_000_000 + m, 100);
    const cache = new CandleJsonCache();
    const all = (): Array<{ time: number; incomplete: boolean }> =>
      cache.range(s.m1, 0, Number.MAX_SAFE_INTEGER, 100, true).map((j) => httpCandleSchema.parse(JSON.parse(j)));
    const before = all();
    expect(before).toHaveLength(4);
    expect(before.map((c) => c.incomplete)).toEqual([false, false, false, false]);
    // A snapshot recovery skipped 09:31:30 to 09:32:30: the 09:31 and 09:32 candles overlap it.
    s.markIncomplete(NS(9, 31) + 30e9, NS(9, 32) + 30e9);
    const after = all();
    expect(after.map((c) => c.incomplete)).toEqual([false, true, true, false]);
    expect(after.map((c) => c.time)).toEqual(before.map((c) => c.time));
  });
});
