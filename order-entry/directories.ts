// What the client gateway needs of the account database and the other outside services,
// as small interfaces (passed in, nats.js style): accounts/ implements them over SQLite,
// tests over memory. Each method may answer directly or with a promise (node:sqlite is
// synchronous; another store need not be). A refusal is thrown as an error whose `code` is
// one of accounts/'s (TW_ERR_SESSION_LIMIT...): errors.ts maps those to TW_ERR_OE_ codes.

export type Awaitable<T> = T | Promise<T>;

export type KycState = 'pending' | 'approved' | 'rejected';
export type AccountStatus = 'active' | 'suspended';

/** One account as the gateway sees it. */
export interface AccountView {
  /** 1..2^31-1 (0 is the house account, never a client). */
  readonly id: number;
  readonly name: string;
  /** 6 characters: the username for binary protocols (OUCH, SoupBinTCP). */
  readonly loginId: string;
  readonly kyc: KycState;
  readonly status: AccountStatus;
  /** One of config orderEntry.riskClasses' names. */
  readonly riskClass: string;
  readonly allowShort: boolean;
  readonly killSwitch: boolean;
  readonly createdMs: number;
}

export interface NewAccount {
  name: string;
  /** None: the account logs in only with its API key. */
  password?: string;
  riskClass?: string;
  allowShort?: boolean;
  /** Default 'pending'. */
  kyc?: KycState;
  /** Who made it (recorded in the KYC audit). */
  actor: string;
}

export interface AccountDirectory {
  /** Creates an account and its first API key (shown here once, stored hashed). */
  create(input: NewAccount, nowMs: number): Awaitable<{ account: AccountView; apiKey: string }>;
  get(id: number): Awaitable<AccountView | null>;
  list(): Awaitable<readonly AccountView[]>;
  /** The account of a live API key, and the key's id; null for a malformed, unknown or revoked key. */
  authenticateKey(apiKey: string, nowMs: number): Awaitable<{ account: AccountView; keyId: number } | null>;
  /** The account of a name (or login id) and its password; null when either is wrong. */
  authenticatePassword(name: string, password: string, nowMs: number): Awaitable<AccountView | null>;
  /** KYC decision, recorded with who made it and when. */
  setKyc(id: number, kyc: KycState, actor: string, nowMs: number): Awaitable<AccountView>;
  setStatus(id: number, status: AccountStatus, actor: string, nowMs: number): Awaitable<AccountView>;
  setKillSwitch(id: number, on: boolean, actor: string, nowMs: number): Awaitable<AccountView>;
}

/** One server-side session (never the token itself, which only its holder has). */
export interface SessionView {
  readonly id: number;
  readonly account: number;
  readonly createdMs: number;
  readonly lastSeenMs: number;
  /** When it expires if unused (idle) or at the latest (orderEntry.sessionMaxHours), whichever is first. */
  readonly expiresMs: number;
  readonly ip: string;
  readonly userAgent: string;
  readonly suspended: boolean;
  /** '' or why it was suspended (TW_ERR_SESSION_ABNORMAL_RATE...). */
  readonly suspendReason: string;
}

export interface SessionDirectory {
  /** Logs in: a new session and its token. Throws TW_ERR_SESSION_LIMIT past orderEntry.maxSessionsPerAccount. */
  open(account: number, ip: string, userAgent: string, nowMs: number): Awaitable<{ token: string; session: SessionView }>;
  /** The live session of a token (touching its last use), or null: unknown, logged out or expired. */
  resolve(token: string, nowMs: number): Awaitable<SessionView | null>;
  /** Logs one session out; false if it was not live. */
  close(sessionId: number, nowMs: number): Awaitable<boolean>;
  /** Logs every session of the account out; how many. */
  closeAll(account: number, nowMs: number): Awaitable<number>;
  /** The account's live sessions. */
  list(account: number, nowMs: number): Awaitable<readonly SessionView[]>;
  /** Suspends a session (abnormal traffic): recorded, and it stays suspended until `lift`. */
  suspend(sessionId: number, reason: string, detail: string, nowMs: number): Awaitable<void>;
  /** Lifts a suspension (admin); false if the session was not suspended. */
  lift(sessionId: number, actor: string, nowMs: number): Awaitable<boolean>;
  /** Every suspended session (admin). */
  suspended(nowMs: number): Awaitable<readonly SessionView[]>;
}

/** Why a session should be suspended. */
export interface TrafficVerdict {
  /** A stable code (TW_ERR_SESSION_ABNORMAL_RATE, TW_ERR_SESSION_REJECT_BURST). */
  readonly reason: string;
  /** For the log and the suspension record: the rate and norm seen, the rejects counted. */
  readonly detail: string;
}

/**
 * Abnormal-traffic detection (orderEntry.abnormal*, rejectBurst*). `key` is the session
 * ("s:<sessionId>") or the API key ("k:<keyId>") the traffic came through. A verdict
 * suspends it; the gateway does the suspending, counting and logging.
 */
export interface TrafficWatch {
  /** An order or cancel submitted. */
  order(key: string, account: number, nowMs: number): TrafficVerdict | null;
  /** An order refused (by the gateway's checks or the exchange core). */
  reject(key: string, account: number, nowMs: number): TrafficVerdict | null;
}

/** IP allow/deny lists (by address or CIDR; deny wins; an empty allow list allows all). */
export interface IpAccess {
  allows(ip: string): boolean;
}

/** The pino methods the gateway logs with (each line an object carrying `code`, and a message). */
export interface OrderEntryLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: OrderEntryLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
