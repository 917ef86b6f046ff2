// The MoldUDP64 session name (FEED.md, "MoldUDP64 downstream packet": 10 ASCII bytes). One
// session per trading day, so by default it is derived from the session date.

import { SessionNameError } from './errors';

/** "TW" + YYYYMMDD: exactly 10 characters, unique per trading day. */
export function sessionNameForDate(sessionDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(sessionDate);
  if (m === null) throw new SessionNameError('TW_ERR_BAD_SESSION_DATE', `session date must be YYYY-MM-DD, got "${sessionDate}"`);
  return `TW${m[1]}${m[2]}${m[3]}`;
}

/** A configured session name, or the date's when `configured` is ''. Throws SessionNameError if it cannot go on the wire. */
export function resolveSessionName(configured: string, sessionDate: string): string {
  const session = configured === '' ? sessionNameForDate(sessionDate) : configured;
  if (session.length > 10 || !/^[\x20-\x7e]+$/.test(session)) {
    throw new SessionNameError('TW_ERR_BAD_SESSION', `MoldUDP64 session "${session}" must be 1 to 10 printable ASCII characters (FEED.md)`);
  }
  return session;
}
