import { CandleClock, CandleRing, CandleSeries } from './candles';
import { nyMidnightUtcMs, sessionAnchors, parseSessionDate } from './ny-time';

const iso = (ms: number) => new Date(ms).toISOString();
const NS = (h: number, m: number) => (h * 3600 + m * 60) * 1e9;

describe('America/New_York alignment', () => {
  test('midnight is 05:00Z in winter and 04:00Z in summer, switching on the DST Sundays', () => {
    expect(iso(nyMidnightUtcMs(2024, 3, 8))).toBe('2024-03-08T05:00:00.000Z');
    expect(iso(nyMidnightUtcMs(2024, 3, 10))).toBe('2024-03-10T05:00:00.000Z'); // DST starts at 02:00 that day
    expect(iso(nyMidnightUtcMs(2024, 3, 11))).toBe('2024-03-11T04:00:00.000Z');
    expect(iso(nyMidnightUtcMs(2024, 11, 3))).toBe('2024-11-03T04:00:00.000Z'); // DST ends at 02:00 that day
    expect(iso(nyMidnightUtcMs(2024, 11, 4))).toBe('2024-11-04T05:00:00.000Z');
  });

  test('weeks start on Monday and months on the 1st, each at its own New York midnight', () => {
    // Wednesday 2024-11-06 (EST): its week began Monday Nov 4 (EST), its month on Nov 1 (still EDT).
    const a = sessionAnchors(parseSessionDate('2024-11-06'));
    expect(iso(a.midnightMs)).toBe('2024-11-06T05:00:00.000Z');
    expect(iso(a.weekStartMs)).toBe('2024-11-04T05:00:00.000Z');
    expect(iso(a.monthStartMs)).toBe('2024-11-01T04:00:00.000Z');
    // A Monday is its own week start; a Sunday belongs to the week that began six days before.
    expect(iso(sessionAnchors(parseSessionDate('2024-03-11')).weekStartMs)).toBe('2024-03-11T04:00:00.000Z');
    expect(iso(sessionAnchors(parseSessionDate('2024-03-10')).weekStartMs)).toBe('2024-03-04T05:00:00.000Z');
    expect(() => parseSessionDate('2024-02-30')).toThrow(RangeError);
  });

  test('a 09:30 trade lands in the 13:30Z minute after DST began and 14:30Z before', () => {
    for (const [date, expected] of [['2024-03-08', '2024-03-08T14:30:00.000Z'], ['2024-03-11', '2024-03-11T13:30:00.000Z']]) {
      const s = new CandleSeries(new CandleClock(date));
      s.trade(NS(9, 30) + 59_999_999_999, 1_000_000, 1);
      expect(iso(s.m1.get(0)?.startMs ?? 0)).toBe(expected);
    }
  });
});

describe('candle rings', () => {
  test('each candle covers [start, end): a trade on the boundary opens the next one', () => {
    const s = new CandleSeries(new CandleClock('2024-03-08'));
    s.trade(NS(9, 34) + 59_999_999_999, 100, 1);
    s.trade(NS(9, 35), 200, 1);
    expect(s.m5.toArray().map((c) => [iso(c.startMs), c.open, c.close])).toEqual([
      ['2024-03-08T14:30:00.000Z', 100, 100],
      ['2024-03-08T14:35:00.000Z', 200, 200],
    ]);
    expect(s.h1.size).toBe(1);
    expect(s.d1.size).toBe(1);
    expect(iso(s.w1.get(0)?.startMs ?? 0)).toBe('2024-03-04T05:00:00.000Z');
    expect(iso(s.mo1.get(0)?.startMs ?? 0)).toBe('2024-03-01T05:00:00.000Z');
  });

  test('an interval without trades has no candle', () => {
    const s = new CandleSeries(new CandleClock('2024-03-08'));
    s.trade(NS(10, 0), 100, 1);
    s.trade(NS(10, 7), 100, 1);
    expect(s.m1.toArray().map((c) => iso(c.startMs))).toEqual(['2024-03-08T15:00:00.000Z', '2024-03-08T15:07:00.000Z']);
  });

  test('OHLC, volume, trade count and VWAP', () => {
    const r = new CandleRing('1m', 10);
    r.add(0, 100, 10);
    r.add(0, 120, 30);
    r.add(0, 90, 10);
    r.add(0, 110, 50);
    expect(r.get(0)).toEqual({ interval: '1m', startMs: 0, open: 100, high: 120, low: 90, close: 110, volume: 100, trades: 4, vwap: (1000 + 3600 + 900 + 5500) / 100, incomplete: false });
  });

  test('a full ring overwrites its oldest candle; late trades are counted, not folded in', () => {
    const r = new CandleRing('1m', 40);
    for (let i = 0; i < 100; i++) r.add(i * 60_000, 100 + i, 1);
    expect(r.size).toBe(40);
    expect(r.get(0)?.open).toBe(199);
    expect(r.get(39)?.open).toBe(160);
    expect(r.toArray()[0].startMs).toBe(60 * 60_000);
    r.add(0, 1, 1);
    expect(r.lateTrades).toBe(1);
  });

  test('a new session date carries the day, week and month candles forward correctly', () => {
    const clock = new CandleClock('2024-03-08');
    const s = new CandleSeries(clock);
    s.trade(NS(10, 0), 100, 1);
    clock.setSessionDate('2024-03-11');
    s.trade(NS(10, 0), 100, 1);
    expect(s.d1.size).toBe(2);
    expect(s.w1.size).toBe(2);
    expect(s.mo1.size).toBe(1);
    expect(s.mo1.get(0)?.trades).toBe(2);
  });
});

describe('incomplete candles', () => {
  const date = '2024-03-08';
  const minutes = (s: CandleSeries) => s.m1.toArray().map((c) => `${iso(c.startMs).slice(11, 16)}${c.incomplete ? ' incomplete' : ''}`);

  test('a skipped range marks every held candle of every interval it overlaps, and the candles opened later inside it', () => {
    const s = new CandleSeries(new CandleClock(date));
    s.trade(NS(9, 30), 100, 1);
    s.trade(NS(9, 31), 100, 1);
    s.trade(NS(9, 32) + 5e9, 100, 1); // the last print before the skipped range
    // Prints of 09:32:05 to 09:36:30 may be missing; the next print seen is at 09:36:40.
    s.markIncomplete(NS(9, 32) + 5e9, NS(9, 36) + 30e9);
    s.trade(NS(9, 36) + 40e9, 100, 1);
    s.trade(NS(9, 37), 100, 1);
    expect(minutes(s)).toEqual(['14:30', '14:31', '14:32 incomplete', '14:36 incomplete', '14:37']);
    expect(s.m5.toArray().map((c) => c.incomplete)).toEqual([true, true]); // 09:30 and 09:35 both overlap
    for (const ring of [s.h1, s.d1, s.w1, s.mo1]) expect(ring.toArray().map((c) => c.incomplete)).toEqual([true]);
    expect(s.m1.isIncomplete(0)).toBe(false);
    expect(s.m1.isIncomplete(1)).toBe(true);
  });

  test('a late join (skipped from midnight) marks what it never saw; the flags survive the ring growing and wrapping', () => {
    const s = new CandleSeries(new CandleClock(date));
    s.markIncomplete(0, NS(10, 0) + 15e9);
    for (let m = 0; m < 40; m++) s.trade(NS(10, m), 100, 1);
    const m1 = s.m1.toArray();
    expect(m1.filter((c) => c.incomplete).map((c) => iso(c.startMs))).toEqual(['2024-03-08T15:00:00.000Z']);
    expect(s.d1.get(0)?.incomplete).toBe(true);
    const r = new CandleRing('1m', 40);
    r.add(0, 1, 1);
    r.markIncomplete(0, 0);
    for (let i = 1; i < 39; i++) r.add(i * 60_000, 1, 1);
    expect(r.get(38)?.incomplete).toBe(true);
    r.add(39 * 60_000, 1, 1);
    r.add(40 * 60_000, 1, 1); // overwrites the incomplete oldest
    expect(r.toArray().some((c) => c.incomplete)).toBe(false);
  });
});
