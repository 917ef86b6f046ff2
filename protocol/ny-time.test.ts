import {
  NEW_YORK_TIME_ZONE,
  nsSinceMidnight,
  nyMidnightBeforeMs,
  nyMidnightUtcMs,
  nyOffsetMs,
  nySessionDate,
  nySessionMidnightMs,
  parseSessionDate,
} from './ny-time';

const H = 3_600_000;
const utc = (text: string) => Date.parse(text);

describe('New York time', () => {
  test('the offset is -5 h in winter and -4 h in summer, changing at 02:00 local on the DST Sundays', () => {
    expect(NEW_YORK_TIME_ZONE).toBe('America/New_York');
    expect(nyOffsetMs(utc('2024-01-15T12:00:00Z'))).toBe(-5 * H);
    expect(nyOffsetMs(utc('2024-07-15T12:00:00Z'))).toBe(-4 * H);
    // Spring forward, 2024-03-10: 02:00 EST (07:00Z) becomes 03:00 EDT.
    expect(nyOffsetMs(utc('2024-03-10T06:59:59Z'))).toBe(-5 * H);
    expect(nyOffsetMs(utc('2024-03-10T07:00:00Z'))).toBe(-4 * H);
    // Fall back, 2024-11-03: 02:00 EDT (06:00Z) becomes 01:00 EST.
    expect(nyOffsetMs(utc('2024-11-03T05:59:59Z'))).toBe(-4 * H);
    expect(nyOffsetMs(utc('2024-11-03T06:00:00Z'))).toBe(-5 * H);
    // Sub-second instants keep the whole-hour offset.
    expect(nyOffsetMs(utc('2024-07-15T12:00:00Z') + 999)).toBe(-4 * H);
  });

  test('midnight of a date: 05:00Z in winter, 04:00Z in summer, the old offset on both DST Sundays', () => {
    expect(nyMidnightUtcMs(2024, 3, 9)).toBe(utc('2024-03-09T05:00:00Z'));
    expect(nyMidnightUtcMs(2024, 3, 10)).toBe(utc('2024-03-10T05:00:00Z')); // spring forward day: midnight still EST
    expect(nyMidnightUtcMs(2024, 3, 11)).toBe(utc('2024-03-11T04:00:00Z'));
    expect(nyMidnightUtcMs(2024, 11, 2)).toBe(utc('2024-11-02T04:00:00Z'));
    expect(nyMidnightUtcMs(2024, 11, 3)).toBe(utc('2024-11-03T04:00:00Z')); // fall back day: midnight still EDT
    expect(nyMidnightUtcMs(2024, 11, 4)).toBe(utc('2024-11-04T05:00:00Z'));
    expect(nyMidnightUtcMs(2025, 1, 1)).toBe(utc('2025-01-01T05:00:00Z'));
    expect(nySessionMidnightMs('2025-03-09')).toBe(utc('2025-03-09T05:00:00Z'));
    expect(nySessionMidnightMs('2025-11-02')).toBe(utc('2025-11-02T04:00:00Z'));
  });

  test('the session date of an instant turns at New York midnight, on each side of it', () => {
    expect(nySessionDate(utc('2024-03-10T04:59:59.999Z'))).toBe('2024-03-09');
    expect(nySessionDate(utc('2024-03-10T05:00:00Z'))).toBe('2024-03-10');
    expect(nySessionDate(utc('2024-03-11T03:59:59.999Z'))).toBe('2024-03-10'); // a 23-hour day
    expect(nySessionDate(utc('2024-03-11T04:00:00Z'))).toBe('2024-03-11');
    expect(nySessionDate(utc('2024-11-03T03:59:59.999Z'))).toBe('2024-11-02');
    expect(nySessionDate(utc('2024-11-03T04:00:00Z'))).toBe('2024-11-03');
    expect(nySessionDate(utc('2024-11-04T04:59:59.999Z'))).toBe('2024-11-03'); // a 25-hour day
    expect(nySessionDate(utc('2024-11-04T05:00:00Z'))).toBe('2024-11-04');
    expect(nySessionDate(utc('2024-12-31T23:00:00Z'))).toBe('2024-12-31');
    expect(nySessionDate(utc('2025-01-01T05:00:00Z'))).toBe('2025-01-01');
  });

  test('the midnight before an instant, and nanoseconds since it, across both DST Sundays', () => {
    const spring = utc('2024-03-10T05:00:00Z');
    expect(nyMidnightBeforeMs(spring)).toBe(spring);
    expect(nyMidnightBeforeMs(spring - 1)).toBe(utc('2024-03-09T05:00:00Z'));
    expect(nyMidnightBeforeMs(utc('2024-03-10T12:00:00Z'))).toBe(spring); // after the change, same day
    expect(nyMidnightBeforeMs(utc('2024-03-11T03:59:59Z'))).toBe(spring);
    expect(nyMidnightBeforeMs(utc('2024-03-11T04:00:00Z'))).toBe(utc('2024-03-11T04:00:00Z'));
    const fall = utc('2024-11-03T04:00:00Z');
    expect(nyMidnightBeforeMs(fall - 1)).toBe(utc('2024-11-02T04:00:00Z'));
    expect(nyMidnightBeforeMs(utc('2024-11-03T06:30:00Z'))).toBe(fall); // the second 01:30
    expect(nyMidnightBeforeMs(utc('2024-11-04T04:59:59Z'))).toBe(fall);
    expect(nyMidnightBeforeMs(utc('2024-11-04T05:00:00Z'))).toBe(utc('2024-11-04T05:00:00Z'));
    // 09:30 New York is 09.5 h after midnight on an ordinary day, 8.5 h of clock time after the spring change.
    const open = utc('2024-03-08T14:30:00Z');
    expect(nsSinceMidnight(open, nyMidnightBeforeMs(open))).toBe(34_200 * 1e9);
    expect(nsSinceMidnight(utc('2024-03-10T13:30:00Z'), spring)).toBe(8.5 * 3600 * 1e9);
    expect(nsSinceMidnight(spring + 0.25, spring)).toBe(250_000); // sub-millisecond, as performance.now() gives
  });

  test('session dates parse as YYYY-MM-DD calendar days, or a RangeError naming the value', () => {
    expect(parseSessionDate('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29 });
    expect(() => parseSessionDate('2023-02-29')).toThrow(/"2023-02-29" is not a calendar day/);
    expect(() => parseSessionDate('2024-3-1')).toThrow(/"2024-3-1" is not YYYY-MM-DD/);
    expect(() => nySessionMidnightMs('yesterday')).toThrow(RangeError);
  });
});
