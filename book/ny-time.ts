// America/New_York calendar arithmetic for candle alignment. ITCH timestamps are
// nanoseconds since midnight New York time (FEED.md), so a session date plus a timestamp
// gives an instant. The UTC offset comes from Intl (the tz database, so DST rules are
// right for any year) and is computed once per session date, never per message.

const formatter = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

/** New York's offset from UTC at instant `utcMs`, in ms (e.g. -4 h in summer, -5 h in winter). */
export function nyOffsetMs(utcMs: number): number {
  const parts = formatter.formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return local - Math.floor(utcMs / 1000) * 1000;
}

/** The instant (UTC ms) of midnight in New York on the given calendar day (month 1-12). */
export function nyMidnightUtcMs(year: number, month: number, day: number): number {
  const wall = Date.UTC(year, month - 1, day);
  const first = wall - nyOffsetMs(wall);
  // The offset at the true instant may differ from the guess when DST changed in between.
  const offset = nyOffsetMs(first);
  return wall - offset;
}

export interface SessionDate {
  year: number;
  month: number;
  day: number;
}

/** Parses "YYYY-MM-DD"; throws a RangeError naming the value otherwise. */
export function parseSessionDate(text: string): SessionDate {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m === null) throw new RangeError(`session date "${text}" is not YYYY-MM-DD`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new RangeError(`session date "${text}" is not a calendar day`);
  }
  return { year, month, day };
}

/** Instants that anchor a session's candles: its midnight, its week's Monday midnight, its month's first midnight. */
export interface SessionAnchors {
  midnightMs: number;
  weekStartMs: number;
  monthStartMs: number;
}

export function sessionAnchors(date: SessionDate): SessionAnchors {
  const { year, month, day } = date;
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay(); // 0 Sunday
  const back = (weekday + 6) % 7; // days since Monday
  const monday = new Date(Date.UTC(year, month - 1, day - back));
  return {
    midnightMs: nyMidnightUtcMs(year, month, day),
    weekStartMs: nyMidnightUtcMs(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate()),
    monthStartMs: nyMidnightUtcMs(year, month, 1),
  };
}
