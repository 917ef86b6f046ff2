import { checkLimit, checkRange, checkSymbol, newYorkMidnightMs, resolutionKind } from './history';
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
});
