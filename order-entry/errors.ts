// The client gateway's error catalogue: every refusal an order-entry client (REST or the
// private websocket) can get, with a stable TW_ERR_OE_ code and its HTTP status, counted by
// code (tickwire_order_entry_errors_total). Orders the exchange core refuses are not errors
// here: they answer 200 with status "rejected" and the core's TW_REJECT_* reason.
import { accountErrorName } from '../accounts';

/** Each code and the HTTP status it answers with (0: not an HTTP answer). */
const CATALOGUE = {
  /** A body that is not JSON (or JSON with __proto__), or not an object. */
  TW_ERR_OE_BAD_JSON: 400,
  /** A body field the route does not know (bodies are strict); `field` names it. */
  TW_ERR_OE_UNKNOWN_FIELD: 400,
  /** A missing field or one of the wrong type or value; `field` names it. */
  TW_ERR_OE_BAD_FIELD: 400,
  /** A price that is not a positive decimal string with at most 4 decimal places, or is out of range. */
  TW_ERR_OE_BAD_PRICE: 400,
  /** A price that is not a multiple of the engine's tick (engine.tickSize). */
  TW_ERR_OE_OFF_TICK: 400,
  /** A quantity that is not a whole number of shares from 1 to engine.maxOrderShares. */
  TW_ERR_OE_BAD_QUANTITY: 400,
  /** A symbol that is not listed. */
  TW_ERR_OE_UNKNOWN_SYMBOL: 400,
  /** A clientOrderId that is not 1..30 printable ASCII characters. */
  TW_ERR_OE_BAD_CLIENT_ORDER_ID: 400,
  /** A bad query or path parameter; `field` names it. */
  TW_ERR_OE_BAD_PARAM: 400,
  /** DELETE /v1/session with an API key (only a session logs out). */
  TW_ERR_OE_NO_SESSION: 400,
  /** A body over orderEntry.maxBodyBytes. */
  TW_ERR_OE_BODY_TOO_LARGE: 413,
  /** A body that is not application/json. */
  TW_ERR_OE_BAD_MEDIA_TYPE: 415,
  /** No Authorization header (or ?token= on the websocket). */
  TW_ERR_OE_UNAUTHORIZED: 401,
  /** An Authorization that is not "Bearer TOKEN" with a known API key or live session token. */
  TW_ERR_OE_BAD_TOKEN: 401,
  /** Login with an unknown name or a wrong password (not told apart). */
  TW_ERR_OE_BAD_CREDENTIALS: 401,
  /** The account's KYC is not approved: it may log in and read, not trade. */
  TW_ERR_OE_KYC_NOT_APPROVED: 403,
  /** The account is suspended by an admin (or by abnormal traffic on an API key). */
  TW_ERR_OE_ACCOUNT_SUSPENDED: 403,
  /** The account's kill switch is on: no new orders until an admin turns it off. */
  TW_ERR_OE_KILL_SWITCH: 403,
  /** The session is suspended for abnormal traffic; only an admin lifts it. */
  TW_ERR_OE_SESSION_SUSPENDED: 403,
  /** The client address is on the deny list, or not on a non-empty allow list. */
  TW_ERR_OE_IP_DENIED: 403,
  /** An admin route from an address other than loopback, or without the admin token. */
  TW_ERR_OE_FORBIDDEN: 403,
  /** An unknown route or account (404). */
  TW_ERR_OE_NOT_FOUND: 404,
  /** No order of this account has that id (other accounts' orders are not told apart from none). */
  TW_ERR_OE_UNKNOWN_ORDER: 404,
  /** Login past orderEntry.maxSessionsPerAccount. */
  TW_ERR_OE_TOO_MANY_SESSIONS: 409,
  /** A clientOrderId this account already used, with a different order. */
  TW_ERR_OE_DUPLICATE_CLIENT_ORDER_ID: 409,
  /** A cancel of an order that is already filled, cancelled or rejected. */
  TW_ERR_OE_ORDER_CLOSED: 409,
  /** A cancel the exchange core refused (`reason` is its TW_REJECT_* code). */
  TW_ERR_OE_CANCEL_REJECTED: 409,
  /** A deposit, withdrawal or settings change the exchange core refused (`reason`). */
  TW_ERR_OE_ACCOUNT_REJECTED: 409,
  /** An account name already taken (admin create). */
  TW_ERR_OE_DUPLICATE_NAME: 409,
  /** Over the per-account order rate or the per-IP request rate; see Retry-After. */
  TW_ERR_OE_RATE_LIMITED: 429,
  /** The account database failed. */
  TW_ERR_OE_ACCOUNTS_FAILED: 503,
  /** The exchange core could not take the request (shutting down). */
  TW_ERR_OE_CORE_UNAVAILABLE: 503,
  /** No report from the exchange core in time; the request may still happen: retry with the same clientOrderId. */
  TW_ERR_OE_CORE_TIMEOUT: 504,
  /** A bug: the request failed inside the gateway (logged). */
  TW_ERR_OE_INTERNAL: 500,
  // OUCH 4.2 over SoupBinTCP (ouch-server.ts): not HTTP answers. A field problem is answered
  // with an OUCH Rejected; framing problems are counted and, past a few, disconnected.
  /** OUCH Login Request with an unknown login id or a wrong password (Login Rejected 'A'). */
  TW_ERR_OE_OUCH_LOGIN_REJECTED: 0,
  /** OUCH Login Request for another session name, or for an account already logged in (Login Rejected 'S'). */
  TW_ERR_OE_OUCH_SESSION_UNAVAILABLE: 0,
  /** A SoupBinTCP frame other than Login Request before login (disconnected), or no login in time. */
  TW_ERR_OE_OUCH_NOT_LOGGED_IN: 0,
  /** A SoupBinTCP frame the decoder refused (bad length, unknown type, over the frame limit). */
  TW_ERR_OE_OUCH_BAD_FRAME: 0,
  /** An Unsequenced Data payload that is not Enter Order, Replace Order or Cancel Order. */
  TW_ERR_OE_OUCH_UNKNOWN_MESSAGE: 0,
  /** An OUCH message whose length is wrong for its type. */
  TW_ERR_OE_OUCH_BAD_LENGTH: 0,
  /** An OUCH field outside the values OUCH 4.2 (or Tickwire) allows: answered with Rejected. */
  TW_ERR_OE_OUCH_BAD_FIELD: 0,
  /** An Enter Order whose token this account already used today: ignored, as OUCH 4.2 says. */
  TW_ERR_OE_OUCH_DUPLICATE_TOKEN: 0,
  /** A Replace or Cancel Order naming a token of no open order: ignored, as OUCH 4.2 says. */
  TW_ERR_OE_OUCH_UNKNOWN_TOKEN: 0,
  /** Too many bad frames or messages in a session: disconnected. */
  TW_ERR_OE_OUCH_GARBAGE: 0,
  /** Nothing from the client (not even a heartbeat) for the idle timeout: disconnected. */
  TW_ERR_OE_OUCH_IDLE_TIMEOUT: 0,
  /** The session's message store could not be written or read: the session is disconnected. */
  TW_ERR_OE_OUCH_STORE_FAILED: 0,
  /** A session or API key suspended for abnormal traffic (counted and logged, not an answer). */
  TW_ERR_OE_ABNORMAL_TRAFFIC: 0,
  /** A websocket upgrade on a path other than /v1/stream (404). */
  TW_ERR_OE_BAD_PATH: 404,
  /** Too many private websocket connections for one account (429 on the upgrade). */
  TW_ERR_OE_TOO_MANY_CONNECTIONS: 429,
  /** A websocket client message that is not {"op":"ping"}. */
  TW_ERR_OE_BAD_MESSAGE: 0,
  /** A websocket client past the hard bufferedAmount limit: closed with 4001. */
  TW_ERR_OE_SLOW_CONSUMER: 0,
  /** A websocket client that did not answer the last ping: terminated. */
  TW_ERR_OE_PING_TIMEOUT: 0,
  /** The server could not listen (address in use, permission). */
  TW_ERR_OE_BIND: 0,
  /** FIX: a Logon refused (unknown user, wrong password or API key, suspended account, bad CompID); answered with Logout(5) Text(58), then disconnected. */
  TW_ERR_OE_FIX_LOGON_REFUSED: 0,
  /** FIX: bytes that are not FIX (or anything but a Logon first): disconnected. */
  TW_ERR_OE_FIX_GARBAGE: 0,
  /** FIX: a message refused at the session level with Reject(3) (bad tag, value or format); the session stays up. */
  TW_ERR_OE_FIX_SESSION_REJECT: 0,
  /** FIX: an application message refused with BusinessMessageReject(j) (unsupported type, conditionally required field missing). */
  TW_ERR_OE_FIX_BUSINESS_REJECT: 0,
  /** FIX: an order, cancel or replace refused by the gateway (ExecutionReport Rejected or OrderCancelReject). */
  TW_ERR_OE_FIX_ORDER_REFUSED: 0,
  /** FIX: the session store could not be written (sequence numbers or messages for resend). */
  TW_ERR_OE_FIX_STORE: 0,
} as const;

export type OrderEntryErrorCode = keyof typeof CATALOGUE;
export const OrderEntryErrorCodes = Object.keys(CATALOGUE) as readonly OrderEntryErrorCode[];

/** The HTTP status a code answers with. */
export function httpStatus(code: OrderEntryErrorCode): number {
  return CATALOGUE[code] || 500;
}

/** Websocket close codes of the private stream (RFC 6455 section 7.4; 4000-4999 are ours). */
export const CloseCode = {
  /** Server shutting down. */
  GoingAway: 1001,
  /** Past the hard bufferedAmount limit (TW_ERR_OE_SLOW_CONSUMER). */
  SlowConsumer: 4001,
  /** The session logged out (here or everywhere) or was suspended. */
  LoggedOut: 4002,
} as const;

/** Counts by code (a metric), kept as plain numbers. */
export class OrderEntryErrorCounts {
  private readonly counts = new Map<OrderEntryErrorCode, number>();
  total = 0;

  count(code: OrderEntryErrorCode): void {
    this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
    this.total++;
  }

  get(code: OrderEntryErrorCode): number {
    return this.counts.get(code) ?? 0;
  }
}

/**
 * A refusal: thrown by a route or hook and turned by the error handler into
 * `{code, message, field?, reason?}` with the code's status, counted.
 */
export class OrderEntryError extends Error {
  readonly code: OrderEntryErrorCode;
  readonly status: number;
  readonly field: string | undefined;
  /** The exchange core's TW_REJECT_* code, for refusals that carry one. */
  readonly reason: string | undefined;
  readonly retryAfterS: number | undefined;

  constructor(code: OrderEntryErrorCode, message: string, extra: { field?: string; reason?: string; retryAfterS?: number } = {}) {
    super(message);
    this.name = 'OrderEntryError';
    this.code = code;
    this.status = httpStatus(code);
    this.field = extra.field;
    this.reason = extra.reason;
    this.retryAfterS = extra.retryAfterS;
  }

  /** The JSON body a client gets. */
  body(): { code: OrderEntryErrorCode; message: string; field?: string; reason?: string } {
    const b: { code: OrderEntryErrorCode; message: string; field?: string; reason?: string } = { code: this.code, message: this.message };
    if (this.field !== undefined) b.field = this.field;
    if (this.reason !== undefined) b.reason = this.reason;
    return b;
  }
}

/**
 * Codes accounts/ throws (AccountError's `code`) and what a client of this gateway sees for
 * them; anything else from the account database is TW_ERR_OE_ACCOUNTS_FAILED.
 */
const FROM_ACCOUNTS: Record<string, OrderEntryErrorCode> = {
  TW_ERR_ACCOUNT_BAD_NAME: 'TW_ERR_OE_BAD_FIELD',
  TW_ERR_ACCOUNT_BAD_FIELD: 'TW_ERR_OE_BAD_FIELD',
  TW_ERR_ACCOUNT_BAD_ID: 'TW_ERR_OE_BAD_PARAM',
  TW_ERR_ACCOUNT_DUPLICATE_NAME: 'TW_ERR_OE_DUPLICATE_NAME',
  TW_ERR_ACCOUNT_NOT_FOUND: 'TW_ERR_OE_NOT_FOUND',
  TW_ERR_ACCOUNT_SUSPENDED: 'TW_ERR_OE_ACCOUNT_SUSPENDED',
  TW_ERR_ACCOUNT_NOT_APPROVED: 'TW_ERR_OE_KYC_NOT_APPROVED',
  TW_ERR_ACCOUNT_KILL_SWITCH: 'TW_ERR_OE_KILL_SWITCH',
  TW_ERR_AUTH_BAD_CREDENTIALS: 'TW_ERR_OE_BAD_CREDENTIALS',
  TW_ERR_AUTH_NO_PASSWORD: 'TW_ERR_OE_BAD_CREDENTIALS',
  TW_ERR_AUTH_PASSWORD_TOO_LONG: 'TW_ERR_OE_BAD_FIELD',
  TW_ERR_AUTH_BAD_PASSWORD: 'TW_ERR_OE_BAD_FIELD',
  TW_ERR_AUTH_BAD_KEY: 'TW_ERR_OE_BAD_TOKEN',
  TW_ERR_AUTH_IP_DENIED: 'TW_ERR_OE_IP_DENIED',
  TW_ERR_AUTH_BAD_IP: 'TW_ERR_OE_IP_DENIED',
  TW_ERR_SESSION_LIMIT: 'TW_ERR_OE_TOO_MANY_SESSIONS',
  TW_ERR_SESSION_UNKNOWN: 'TW_ERR_OE_BAD_TOKEN',
  TW_ERR_SESSION_EXPIRED: 'TW_ERR_OE_BAD_TOKEN',
  TW_ERR_SESSION_SUSPENDED: 'TW_ERR_OE_SESSION_SUSPENDED',
};

/** An error thrown by an account or session directory, as this gateway's refusal. */
export function fromDirectoryError(error: unknown): OrderEntryError {
  if (error instanceof OrderEntryError) return error;
  const e = error as { code?: unknown; message?: unknown; field?: unknown } | null;
  const theirs = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : String(error);
  const field = typeof e?.field === 'string' && e.field !== '' ? e.field : undefined;
  const ours = FROM_ACCOUNTS[theirs];
  if (ours !== undefined) return new OrderEntryError(ours, message, { field });
  return new OrderEntryError('TW_ERR_OE_ACCOUNTS_FAILED', `the account database failed: ${message}`);
}

/** The name of an abnormal-traffic verdict (accounts/'s AccountErrorKind: AbnormalRate, RejectBurst). */
export function trafficReason(verdict: number): string {
  return accountErrorName(verdict);
}
