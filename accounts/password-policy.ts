// What a password may be. Checked before any hashing, so an over-long input costs nothing.
import { AccountErrorKind } from './errors';

export interface PasswordPolicy {
  /** Fewest characters (UTF-16 code units) a new password may have. */
  minLength: number;
  /** Most characters a password may have (also checked at login: longer is refused unhashed). */
  maxLength: number;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = { minLength: 8, maxLength: 128 };

/**
 * OUCH 5.0 and SoupBinTCP 4.0 carry the password as Alpha(10), space-padded on the right:
 * a password used over a binary protocol is at most 10 characters, and trailing spaces
 * cannot be told from padding (so no password has them).
 */
export const BINARY_PASSWORD_MAX = 10;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The problem with `password` as a new password, or None. */
export function passwordProblem(password: unknown, policy: PasswordPolicy): AccountErrorKind {
  if (typeof password !== 'string') return AccountErrorKind.BadPassword;
  if (password.length > policy.maxLength) return AccountErrorKind.PasswordTooLong;
  if (password.length < policy.minLength || CONTROL.test(password) || password.trim() !== password) return AccountErrorKind.BadPassword;
  return AccountErrorKind.None;
}
