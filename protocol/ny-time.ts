// America/New_York calendar arithmetic, in one place. ITCH timestamps are nanoseconds since
// midnight New York time (FEED.md), so a session date plus a timestamp gives an instant.
// The UTC offset comes from Intl (the tz database, so DST rules are right for any year);
// callers compute a midnight once per session date or clock, never per message.

export const NEW_YORK_TIME_ZONE = 'America/New_York';

const DAY_MS = 86_400_000;

// One formatter for the process: building an Intl.DateTimeFormat costs far more than using one.
const formatter = new Intl.DateTimeFormat('en-US', {
  timeZone: NEW_YORK_TIME_ZONE,
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

/** The instant of New York midnight whose wall-clock reading, taken as UTC, is `wallMs`. */
function midnightFromWall(wallMs: number): number {
  const first = wallMs - nyOffsetMs(wallMs);
  // The offset at the true instant may differ from the guess when DST changed in between.
  return wallMs - nyOffsetMs(first);
}

/** The instant (UTC ms) of midnight in New York on the given calendar day (month 1-12). */
export function nyMidnightUtcMs(year: number, month: number, day: number): number {
  return midnightFromWall(Date.UTC(year, month - 1, day));
}

/** The instant (UTC ms) of the New York midnight that starts the New York day holding `epochMs`. */
export function nyMidnightBeforeMs(epochMs: number): number {
  const local = epochMs + nyOffsetMs(epochMs);
  return midnightFromWall(local - (((local % DAY_MS) + DAY_MS) % DAY_MS));
}

/** The New York calendar date (the session date) of an instant, YYYY-MM-DD. */
export function nySessionDate(epochMs: number): string {
  return new Date(epochMs + nyOffsetMs(epochMs)).toISOString().slice(0, 10);
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

/** New York midnight of a YYYY-MM-DD session date, UTC ms; a RangeError for anything else. */
export function nySessionMidnightMs(sessionDate: string): number {
  const d = parseSessionDate(sessionDate);
  return nyMidnightUtcMs(d.year, d.month, d.day);
}

/** ITCH nanoseconds since New York midnight `midnightMs` at instant `epochMs` (no allocation: fit for a hot path). */
export function nsSinceMidnight(epochMs: number, midnightMs: number): number {
  return Math.round((epochMs - midnightMs) * 1e6);
}
