// The MoldUDP64 session name (FEED.md, "MoldUDP64 downstream packet": 10 ASCII bytes). Each
// session of a trading day has its own name, derived from the date and the session's ordinal
// in the day: "T" + an ordinal character + YYYYMMDD. The first session's character is 'W', so
// it is "TW" + YYYYMMDD; a second session (a clean end of day, then a new start) is "T2...".
// A feed handler still listening can then tell the new session from the old one, which also
// restarts at sequence 1.

import { SessionNameError } from './errors';

/** The ordinal characters: session n of a day uses ORDINALS[n - 1]. */
const ORDINALS = 'W23456789ABCDEFGHIJKLMNOPQRSTUVXYZ';
/** Sessions a day can have with derived names. */
export const MAX_SESSIONS_PER_DAY = ORDINALS.length;

const DERIVED = /^T([W2-9A-Z])(\d{4})(\d{2})(\d{2})$/;

/** "T" + ordinal character + YYYYMMDD: exactly 10 characters, unique per session of a trading day ("TW" + YYYYMMDD for the first). */
export function sessionNameForDate(sessionDate: string, ordinal = 1): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(sessionDate);
  if (m === null) throw new SessionNameError('TW_ERR_BAD_SESSION_DATE', `session date must be YYYY-MM-DD, got "${sessionDate}"`);
  if (!Number.isInteger(ordinal) || ordinal < 1 || ordinal > MAX_SESSIONS_PER_DAY) {
    throw new SessionNameError('TW_ERR_BAD_SESSION', `session ${ordinal} of ${sessionDate}: a day has at most ${MAX_SESSIONS_PER_DAY} sessions with derived names; configure a session name`);
  }
  return `T${ORDINALS[ordinal - 1]}${m[1]}${m[2]}${m[3]}`;
}

/** The date and ordinal of a derived session name, or null for any other name. */
export function parseSessionName(session: string): { sessionDate: string; ordinal: number } | null {
  const m = DERIVED.exec(session);
  if (m === null) return null;
  const ordinal = ORDINALS.indexOf(m[1]) + 1;
  if (ordinal === 0) return null;
  return { sessionDate: `${m[2]}-${m[3]}-${m[4]}`, ordinal };
}

/**
 * Whether `candidate` is a later session than `current` by the derived names: the same day's
 * with a higher ordinal, or a later day's. False when either is not a derived name.
 */
export function isLaterSession(current: string, candidate: string): boolean {
  const a = parseSessionName(current);
  const b = parseSessionName(candidate);
  if (a === null || b === null) return false;
  return b.sessionDate > a.sessionDate || (b.sessionDate === a.sessionDate && b.ordinal > a.ordinal);
}

/**
 * A configured session name, or the derived one of session `ordinal` of the date when
 * `configured` is ''. Throws SessionNameError if it cannot go on the wire.
 */
export function resolveSessionName(configured: string, sessionDate: string, ordinal = 1): string {
  const session = configured === '' ? sessionNameForDate(sessionDate, ordinal) : configured;
  if (session.length > 10 || !/^[\x20-\x7e]+$/.test(session)) {
    throw new SessionNameError('TW_ERR_BAD_SESSION', `MoldUDP64 session "${session}" must be 1 to 10 printable ASCII characters (FEED.md)`);
  }
  return session;
}
