// Requests per second per client address (orderEntry.requestsPerSecondPerIp), every route
// but the admin ones, through @fastify/rate-limit as gateway/http-rate-limit.ts does:
// fixed windows of WINDOW_MS holding twice the rate, addresses kept in an LRU. The caller
// turns a refusal into 429 TW_ERR_OE_RATE_LIMITED with Retry-After.
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const WINDOW_MS = 2000;
const ADDRESSES = 16_384;

/** Registers the plugin and returns the check for an onRequest hook: null, or seconds until the window ends. */
export function registerIpRateLimit(app: FastifyInstance, requestsPerSecond: number): (req: FastifyRequest) => Promise<number | null> {
  const max = requestsPerSecond * (WINDOW_MS / 1000);
  // ipv6Subnet 128: one IPv6 address is one client, as an IPv4 address is.
  void app.register(fastifyRateLimit, { global: false, max, timeWindow: WINDOW_MS, ipv6Subnet: 128, cache: ADDRESSES });
  let limiter: ReturnType<FastifyInstance['createRateLimit']> | null = null;
  return async (req) => {
    // Created on first use: the plugin's decorators exist once it has loaded (before listen).
    if (limiter === null) limiter = app.createRateLimit();
    const r = await limiter(req);
    return !r.isAllowed && r.isExceeded ? Math.max(1, r.ttlInSeconds) : null;
  };
}
