// What the client gateway needs of the account database and the traffic guards, as small
// interfaces passed in (nats.js style). Each is the part of an accounts/ class the gateway
// uses, with the same method names and shapes, so accounts/'s AccountStore, SessionStore,
// AbnormalTrafficDetector and IpRules satisfy them as they are; tests use in-memory ones.
// A method may answer directly (node:sqlite is synchronous) or with a promise. A refusal is
// thrown as an error whose `code` is one of accounts/'s (TW_ERR_SESSION_LIMIT...);
// errors.ts maps those to TW_ERR_OE_ codes.

export type Awaitable<T> = T | Promise<T>;

export type KycState = 'pending' | 'approved' | 'rejected';
export type AccountStatus = 'active' | 'suspended';

/** One account as the gateway sees it (accounts/'s Account has these fields and more). */
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
  /** FIX and OUCH: cancel the account's open orders when its last session drops (accounts/ has it; absent is off). */
  readonly cancelOnDisconnect?: boolean;
  readonly createdMs: number;
}

export interface NewAccountOptions {
  /** None: the account logs in only with its API key. */
  password?: string;
  kyc?: KycState;
  riskClass?: string;
  allowShort?: boolean;
  /** Who made it (the KYC audit). */
  actor?: string;
}

/** accounts/'s AccountStore, the part the gateway uses. */
export interface AccountDirectory {
  /** Creates an account and its first API key (`apiKey.key` shown this once, stored hashed). Throws TW_ERR_ACCOUNT_DUPLICATE_NAME. */
  create(name: string, options: NewAccountOptions): Awaitable<{ account: AccountView; apiKey: { id: number; key: string } }>;
  get(id: number): Awaitable<AccountView | undefined>;
  list(filter?: { afterId?: number; limit?: number }): Awaitable<readonly AccountView[]>;
  /** The account of a live API key; throws TW_ERR_AUTH_BAD_KEY (malformed, unknown, revoked) or TW_ERR_ACCOUNT_SUSPENDED. */
  authenticateApiKey(key: string): Awaitable<{ account: AccountView; keyId: number }>;
  /** By name or login id; throws TW_ERR_AUTH_BAD_CREDENTIALS (either wrong, not told apart). */
  authenticatePassword(user: string, password: string): Awaitable<AccountView>;
  /** Each change is audited with its actor and time. */
  setKyc(id: number, state: KycState, actor: string): Awaitable<AccountView>;
  suspend(id: number, actor: string): Awaitable<AccountView>;
  resume(id: number, actor: string): Awaitable<AccountView>;
  setKillSwitch(id: number, on: boolean, actor: string): Awaitable<AccountView>;
}

/** One server-side session (never its token, which only its holder has). */
export interface SessionView {
  readonly id: number;
  readonly accountId: number;
  readonly createdMs: number;
  readonly lastSeenMs: number;
  readonly ip: string;
  readonly userAgent: string;
  readonly suspended: boolean;
  /** Why it is suspended (TW_ERR_SESSION_ABNORMAL_RATE...), or null. */
  readonly suspendReason: string | null;
}

export interface SuspensionView {
  readonly sessionId: number;
  readonly accountId: number;
  readonly reason: string;
  readonly detail: string;
  readonly atMs: number;
  readonly liftedMs: number | null;
  readonly liftedBy: string | null;
}

/** accounts/'s SessionStore, the part the gateway uses. */
export interface SessionDirectory {
  readonly idleTimeoutMs: number;
  readonly absoluteTimeoutMs: number;
  /** Logs in. Throws TW_ERR_SESSION_LIMIT at the limit, TW_ERR_SESSION_SUSPENDED while one of the account's sessions is suspended. */
  login(accountId: number, context: { ip: string; userAgent?: string }): Awaitable<{ token: string; session: SessionView }>;
  /** The session of a token, marked seen; throws TW_ERR_SESSION_UNKNOWN, _EXPIRED, TW_ERR_ACCOUNT_SUSPENDED. */
  validate(token: string): Awaitable<SessionView>;
  /** Logs the token's session out; false if there was none (or it is suspended: an admin lifts it first). */
  logout(token: string): Awaitable<boolean>;
  /** Log out everywhere (suspended sessions stay); how many ended. */
  logoutAll(accountId: number): Awaitable<number>;
  list(accountId: number): Awaitable<readonly SessionView[]>;
  get(sessionId: number): Awaitable<SessionView | undefined>;
  /** Suspends a session (recorded, counted); false if there is none or it already is. */
  suspend(sessionId: number, reason: string, detail?: string): Awaitable<boolean>;
  /** The admin's lift (recorded with the actor); false if it was not suspended. */
  liftSuspension(sessionId: number, actor: string): Awaitable<boolean>;
  /** Every suspension of the account's sessions, lifted or not. */
  suspensions(accountId: number): Awaitable<readonly SuspensionView[]>;
}

/**
 * accounts/'s AbnormalTrafficDetector, the part the gateway uses. Keys are numbers: a
 * session's id, or minus an API key's id for traffic through a key. A verdict is 0 (none)
 * or the accounts/ error kind of the reason (errors.ts names them).
 */
export interface TrafficWatch {
  /** Ties a key to its account, whose norm it is judged against. */
  attach(sessionKey: number, accountKey: number): void;
  onOrder(sessionKey: number, nowMs: number): number;
  onReject(sessionKey: number, nowMs: number): number;
  /** After an admin lifts a suspension: a clean start. */
  reset(sessionKey: number): void;
  /** The session ended. */
  forget(sessionKey: number): void;
  /** A sentence for the log and the suspension record. */
  describe(sessionKey: number): string;
}

/** accounts/'s IpRules: allow/deny by address or CIDR (deny wins; an empty allow list allows all). */
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
