// HTTP rate limits through @fastify/rate-limit: per client address, and per API key as well
// for a request carrying a known key, both at gateway.httpRequestsPerSecond. Counted over
// fixed windows of WINDOW_MS holding twice the rate (the burst of twice the rate the
// gateway has always allowed). The websocket message path keeps its own token buckets
// (rate-limit.ts). The caller turns a refusal into 429 TW_ERR_GW_RATE_LIMITED.
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Each window holds 2 x the rate, so a burst of twice the rate passes. */
const WINDOW_MS = 2000;
/** Addresses (and keys) remembered, least recently seen forgotten first. */
const DEFAULT_ENTRIES = 16_384;

export interface HttpRateLimitOptions {
  requestsPerSecond: number;
  /** The id of the request's API key if it carries a known one, else null (no per-key limit). */
  keyId(req: FastifyRequest): string | null;
  /** Addresses and keys remembered (LRU); default 16,384. */
  entries?: number;
}

export interface HttpRateLimitRefusal {
  /** 'address' or 'key': which limit refused. */
  by: 'address' | 'key';
  /** Seconds until the window ends (Retry-After), at least 1. */
  retryAfterS: number;
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/**
 * Registers the plugin (no route hooks of its own) and returns the check to call from an
 * onRequest hook: null if the request may go on, else which limit refused it and for how long.
 */
export function registerHttpRateLimit(app: FastifyInstance, options: HttpRateLimitOptions): (req: FastifyRequest) => Promise<HttpRateLimitRefusal | null> {
  const max = options.requestsPerSecond * (WINDOW_MS / 1000);
  // ipv6Subnet 128: one IPv6 address is one client, as an IPv4 address is.
  void app.register(fastifyRateLimit, { global: false, max, timeWindow: WINDOW_MS, ipv6Subnet: 128, cache: options.entries ?? DEFAULT_ENTRIES });
  let byAddress: Limiter | null = null;
  let byKey: Limiter | null = null;
  /** The key id found for a request, for the per-key limiter's key generator. */
  const keyIds = new WeakMap<FastifyRequest, string>();
  return async (req) => {
    // Created on first use: the plugin's decorators exist once it has loaded (before listen).
    if (byAddress === null || byKey === null) {
      byAddress = app.createRateLimit();
      byKey = app.createRateLimit({ keyGenerator: (r) => `key:${keyIds.get(r) ?? ''}` });
    }
    const a = await byAddress(req);
    if (!a.isAllowed && a.isExceeded) return { by: 'address', retryAfterS: Math.max(1, a.ttlInSeconds) };
    const id = options.keyId(req);
    if (id === null) return null;
    keyIds.set(req, id);
    const k = await byKey(req);
    if (!k.isAllowed && k.isExceeded) return { by: 'key', retryAfterS: Math.max(1, k.ttlInSeconds) };
    return null;
  };
}
