// The account database's error catalogue: every refusal of accounts/ (accounts, API keys,
// passwords, sessions, IP rules, abnormal traffic), with a stable code. The numeric codes
// index the refusal counters; the names are what clients, logs and /metrics see.
import { errorCatalogue } from '../protocol';

const ENTRIES = {
  None: [0, 'TW_OK'],
  BadName: [1, 'TW_ERR_ACCOUNT_BAD_NAME', 'a name is 1-64 characters of letters, digits, space and . _ - @, without leading or trailing space'],
  DuplicateName: [2, 'TW_ERR_ACCOUNT_DUPLICATE_NAME', 'names (and login ids) are unique, case-insensitively; choose another name'],
  NotFound: [3, 'TW_ERR_ACCOUNT_NOT_FOUND', 'no account has that id, name or login id; `list` shows them'],
  BadId: [4, 'TW_ERR_ACCOUNT_BAD_ID', 'an account id is an integer in 1..2147483647 (0 is the house account, never stored here)'],
  BadField: [5, 'TW_ERR_ACCOUNT_BAD_FIELD', 'the named field has a value outside its allowed set'],
  Suspended: [6, 'TW_ERR_ACCOUNT_SUSPENDED', 'the account is suspended; an admin resumes it'],
  NotApproved: [7, 'TW_ERR_ACCOUNT_NOT_APPROVED', 'only accounts whose KYC is approved trade; an admin approves it'],
  KillSwitch: [8, 'TW_ERR_ACCOUNT_KILL_SWITCH', "the account's kill switch is on: no new orders until an admin turns it off"],
  Database: [9, 'TW_ERR_ACCOUNT_DB', 'the account database failed; check the file, its folder and the disk'],
  Schema: [10, 'TW_ERR_ACCOUNT_SCHEMA', 'the database was written by a newer Tickwire (schema version above this one); upgrade, or use another file'],
  BadCredentials: [11, 'TW_ERR_AUTH_BAD_CREDENTIALS', 'unknown user or wrong password (the two are not told apart, on purpose)'],
  BadKey: [12, 'TW_ERR_AUTH_BAD_KEY', 'the API key is malformed, unknown or revoked; create a new one'],
  KeyNotFound: [13, 'TW_ERR_AUTH_KEY_NOT_FOUND', "no API key with that id belongs to the account; `listApiKeys` shows the account's keys"],
  PasswordTooLong: [14, 'TW_ERR_AUTH_PASSWORD_TOO_LONG', 'the password is over the maximum length (128 by default; 10 for OUCH/SoupBinTCP logins)'],
  BadPassword: [15, 'TW_ERR_AUTH_BAD_PASSWORD', 'a password is at least the minimum length (8 by default), without control characters or leading/trailing spaces'],
  BadIpRule: [16, 'TW_ERR_AUTH_BAD_IP_RULE', 'an IP rule is an IPv4 or IPv6 address, optionally /prefix, with no host bits set past the prefix'],
  BadIp: [17, 'TW_ERR_AUTH_BAD_IP', 'the peer address is not an IPv4 or IPv6 address'],
  IpDenied: [18, 'TW_ERR_AUTH_IP_DENIED', 'the address is on the deny list, or not on a non-empty allow list'],
  SessionLimit: [19, 'TW_ERR_SESSION_LIMIT', 'the account has its maximum of concurrent sessions; log one out (or log out everywhere) first'],
  SessionUnknown: [20, 'TW_ERR_SESSION_UNKNOWN', 'the session token is malformed, unknown or logged out; log in again'],
  SessionExpired: [21, 'TW_ERR_SESSION_EXPIRED', 'the session passed its idle or absolute expiry; log in again'],
  SessionSuspended: [22, 'TW_ERR_SESSION_SUSPENDED', 'the session (or another of the account) is suspended; only an admin lifts it'],
  AbnormalRate: [23, 'TW_ERR_SESSION_ABNORMAL_RATE', "the session's order rate went far above the account's norm; the session is suspended"],
  RejectBurst: [24, 'TW_ERR_SESSION_REJECT_BURST', 'the session had a burst of rejected orders; the session is suspended'],
} as const;
const ACCOUNT_ERRORS = errorCatalogue(ENTRIES);

/** Numeric codes (index the refusal counters); `AccountErrorKind.None` (0) is no refusal. */
export const AccountErrorKind = ACCOUNT_ERRORS.codes;
export type AccountErrorKind = (typeof AccountErrorKind)[keyof typeof AccountErrorKind];

/** Stable names by numeric code. */
export const ACCOUNT_ERROR_CODES: readonly string[] = ACCOUNT_ERRORS.names;

/** The stable `TW_ERR_...` name of a numeric code. */
export const accountErrorName: (kind: number) => string = ACCOUNT_ERRORS.name;

/** A stable code of this catalogue (what a client sees), `TW_OK` aside. */
export type AccountErrorCode = Exclude<(typeof ENTRIES)[keyof typeof ENTRIES][1], 'TW_OK'>;

/** Counts of refusals by code: a plain object, every code present (0 until it happens), for /metrics. */
export type RefusalCounts = Record<AccountErrorCode, number>;

/** A fresh set of counters, every code at 0. */
export function newRefusalCounts(): RefusalCounts {
  const counts: Partial<RefusalCounts> = {};
  for (let kind = 1; kind < ACCOUNT_ERROR_CODES.length; kind++) counts[ACCOUNT_ERROR_CODES[kind] as AccountErrorCode] = 0;
  return counts as RefusalCounts;
}

/** Every refusal of accounts/: `code` is stable, `field` names the bad input where there is one. */
export class AccountError extends Error {
  readonly code: AccountErrorCode;
  readonly kind: AccountErrorKind;
  /** The input field at fault (`name`, `password`, `kyc`, `ip`...), or '' when none is. */
  readonly field: string;

  constructor(kind: AccountErrorKind, detail: string, field = '', options?: { cause?: unknown }) {
    const code = accountErrorName(kind) as AccountErrorCode;
    const hint = ACCOUNT_ERRORS.hints[kind];
    super(`${code}: ${detail}${hint ? ` (${hint})` : ''}`, options);
    this.name = 'AccountError';
    this.code = code;
    this.kind = kind;
    this.field = field;
  }
}

/** True for an AccountError (for callers that catch `unknown`). */
export function isAccountError(error: unknown): error is AccountError {
  return error instanceof AccountError;
}
