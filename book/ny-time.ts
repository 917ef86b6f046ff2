// Candle anchors in New York time. The calendar arithmetic itself is protocol/'s
// (ny-time.ts); the names stay exported here for book/'s users.
import { nyMidnightUtcMs, type SessionDate } from '../protocol';

export { nyMidnightUtcMs, nyOffsetMs, parseSessionDate, type SessionDate } from '../protocol';

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
