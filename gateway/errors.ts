// The gateway's error catalogue: every refusal a websocket or HTTP client can get, with a
// stable TW_ERR_GW_ code, counted by code (the gateway_errors_total metric). Websocket
// errors are a message and the connection stays, except where a close code is listed.

export const GatewayErrorCodes = [
  /** A client message that is not JSON. */
  'TW_ERR_GW_BAD_JSON',
  /** JSON that does not match the message schema (protocol/gateway-messages.ts); `field` names the path. */
  'TW_ERR_GW_BAD_MESSAGE',
  /** An op other than subscribe, unsubscribe, ping. */
  'TW_ERR_GW_UNKNOWN_OP',
  /** A symbol not in the symbol directory. */
  'TW_ERR_GW_UNKNOWN_SYMBOL',
  /** A channel or depth beyond the client's tier (websocket), or an endpoint needing a higher tier (HTTP 403). */
  'TW_ERR_GW_TIER',
  /** No API key where one is needed (HTTP 401). */
  'TW_ERR_GW_UNAUTHORIZED',
  /** An Authorization header that is not "Bearer KEY" with a known key (HTTP 401, also on the upgrade). */
  'TW_ERR_GW_BAD_KEY',
  /** Over the per-connection message rate (websocket) or the per-IP request rate (HTTP 429). */
  'TW_ERR_GW_RATE_LIMITED',
  /** Too many rate-limited messages in a row: closed with 1008. */
  'TW_ERR_GW_ABUSE',
  /** Over the subscriptions allowed per connection. */
  'TW_ERR_GW_TOO_MANY_SUBSCRIPTIONS',
  /** Over the connections allowed per IP or in total (HTTP 429 on the upgrade). */
  'TW_ERR_GW_TOO_MANY_CONNECTIONS',
  /** A subscribe for something already subscribed. */
  'TW_ERR_GW_ALREADY_SUBSCRIBED',
  /** An unsubscribe for something not subscribed. */
  'TW_ERR_GW_NOT_SUBSCRIBED',
  /** A binary frame (the protocol is JSON text). */
  'TW_ERR_GW_BINARY',
  /** A bad HTTP query parameter (400, with `field`). */
  'TW_ERR_GW_BAD_PARAM',
  /** An unknown HTTP path (404). */
  'TW_ERR_GW_NOT_FOUND',
  /** History asked for, and no storage is configured (503). */
  'TW_ERR_GW_NO_STORAGE',
  /** The storage query failed (502). */
  'TW_ERR_GW_STORAGE_FAILED',
  /** The books are not valid right now (a feed handler filling a gap; 503). */
  'TW_ERR_GW_STALE',
  /** A client past the hard bufferedAmount limit: closed with 4001. */
  'TW_ERR_GW_SLOW_CONSUMER',
  /** A client that did not answer the last ping: terminated. */
  'TW_ERR_GW_PING_TIMEOUT',
  /** A websocket upgrade on a path other than /v1/ws (404). */
  'TW_ERR_GW_BAD_PATH',
  /** The server could not listen (address in use, permission). */
  'TW_ERR_GW_BIND',
  /** The keys file cannot be read or is malformed. */
  'TW_ERR_GW_BAD_KEYS_FILE',
] as const;
export type GatewayErrorCode = (typeof GatewayErrorCodes)[number];

/** Websocket close codes the gateway uses (RFC 6455 section 7.4; 4000-4999 are ours). */
export const CloseCode = {
  /** Server shutting down. */
  GoingAway: 1001,
  /** Abuse: too many rate-limited messages (TW_ERR_GW_ABUSE). */
  PolicyViolation: 1008,
  /** A message over gateway.maxPayloadBytes (ws closes it). */
  MessageTooBig: 1009,
  /** Past gateway.hardBufferedBytes queued (TW_ERR_GW_SLOW_CONSUMER). */
  SlowConsumer: 4001,
} as const;

/** Counts by code (a metric), kept as plain numbers. */
export class GatewayErrorCounts {
  private readonly counts = new Map<GatewayErrorCode, number>();
  total = 0;

  count(code: GatewayErrorCode): void {
    this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
    this.total++;
  }

  get(code: GatewayErrorCode): number {
    return this.counts.get(code) ?? 0;
  }

  /** Codes seen and their counts. */
  entries(): Array<[GatewayErrorCode, number]> {
    return [...this.counts.entries()];
  }
}

/** Thrown off the hot path (start-up, the keys file, bad options). */
export class GatewayError extends Error {
  readonly code: GatewayErrorCode;

  constructor(code: GatewayErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'GatewayError';
    this.code = code;
  }
}
