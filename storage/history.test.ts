import { candleFromRow, checkLimit, checkRange, checkSymbol, executionFromRow, l2FromRow, newYorkMidnightMs, resolutionKind } from './history';
import { textAt, textWords } from './row-batch';

describe('history parameters', () => {
  test('resolutions: divisors of an hour, a day, a week, a month; anything else is a clear error', () => {
    for (const r of [60, 120, 300, 900, 1800, 3600]) expect(resolutionKind(r)).toBe('intraday');
    expect(resolutionKind(86_400)).toBe('day');
    expect(resolutionKind(604_800)).toBe('week');
    expect(resolutionKind('1M')).toBe('month');
    for (const r of [0, 30, 61, 7200, 14_400, '5m', -60, 1.5]) expect(() => resolutionKind(r)).toThrow(/TW_ERR_STORAGE_BAD_QUERY: resolution/);
  });

  test('symbols, ranges and limits are checked', () => {
    expect(checkSymbol('AAPL')).toBe('AAPL');
    for (const s of ['', 'NINECHARS', 'A B', 7]) expect(() => checkSymbol(s)).toThrow(/TW_ERR_STORAGE_BAD_QUERY: symbol/);
    expect(() => checkRange(10, 5)).toThrow(/must be after startTime/);
    expect(() => checkRange(-1, 5)).toThrow(/startTime must be epoch ms/);
    expect(checkLimit(undefined, 1000, 10_000)).toBe(1000);
    expect(() => checkLimit(0, 1000, 10_000)).toThrow(/limit must be an integer in 1\.\.10000/);
  });

  test('New York midnight across daylight saving time', () => {
    expect(newYorkMidnightMs('2025-03-14')).toBe(Date.UTC(2025, 2, 14, 4));
    expect(newYorkMidnightMs('2025-01-02')).toBe(Date.UTC(2025, 0, 2, 5));
    expect(newYorkMidnightMs('2025-03-09')).toBe(Date.UTC(2025, 2, 9, 5)); // DST starts at 2:00 that day
    expect(newYorkMidnightMs('2025-11-02')).toBe(Date.UTC(2025, 10, 2, 4)); // and ends at 2:00 that day
  });

  test('inline texts round-trip; longer than 12 characters is refused', () => {
    const col = new Uint32Array(8);
    textWords('TW20250314-2', col, 4);
    expect(textAt(col, 1)).toBe('TW20250314-2');
    textWords('', col, 0);
    expect(textAt(col, 0)).toBe('');
    expect(() => textWords('THIRTEEN-CHAR')).toThrow(RangeError);
  });

  test('rows to results: what QuestDB\'s /exec returns (JSON numbers, text, nulls) maps as DuckDB\'s rows do', () => {
    // A bucket with no volume has a null vwap; a side may come back null.
    expect(candleFromRow(60_000, ['2024-03-08T14:31:00.000000Z', 1000000, 1000100, 999900, 1000050, 300, 4, null])).toEqual({
      startMs: 60_000,
      open: 1000000,
      high: 1000100,
      low: 999900,
      close: 1000050,
      volume: 300,
      trades: 4,
      vwap: 0,
    });
    const e = executionFromRow(5, ['2024-03-08T14:31:00Z', '52260000000000', 'TW20240308', 42, 'AAPL', 7, null, 100, 1923400, 9]);
    expect(e).toEqual({ timeMs: 5, timestampNs: 52260000000000, session: 'TW20240308', sequence: 42, symbol: 'AAPL', orderRef: 7, side: '', shares: 100, price: 1923400, matchNumber: 9 });
    // Two bid levels stored, three asked for: two come back; one ask stored, depth 1.
    const row: Record<string, unknown> = { session: 'TW20240308', sequence: 9, timestamp_ns: 1, bid_levels: 2, ask_levels: 3 };
    for (let i = 1; i <= 10; i++) {
      for (const side of ['bid', 'ask']) {
        row[`${side}_price_${i}`] = i <= 3 ? 100 * i : 0;
        row[`${side}_shares_${i}`] = i <= 3 ? 10 * i : 0;
        row[`${side}_orders_${i}`] = i <= 3 ? i : 0;
      }
    }
    const deep = l2FromRow('AAPL', 3, 77, (c) => row[c]);
    expect(deep.bids).toEqual([{ price: 100, shares: 10, orders: 1 }, { price: 200, shares: 20, orders: 2 }]);
    expect(deep.asks).toHaveLength(3);
    expect(l2FromRow('AAPL', 1, 77, (c) => row[c]).asks).toEqual([{ price: 100, shares: 10, orders: 1 }]);
    expect(deep).toMatchObject({ symbol: 'AAPL', session: 'TW20240308', sequence: 9, timeMs: 77, timestampNs: 1 });
  });
});
