// The HTTP market-data API (gateway/README.md, "HTTP API"). Every query is validated with
// its zod schema (protocol/gateway-messages.ts); errors are {code, message, field}: 400 bad
// parameter, 401 missing or unknown key, 403 tier, 404 unknown symbol or path, 429 with
// Retry-After (http-rate-limit.ts), 503 no storage or stale books. Candles and executions come from memory when
// the range lies within what memory holds, from the MarketHistory otherwise.
import { gzipSync } from 'node:zlib';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import { BUY, SELL, sessionAnchors, parseSessionDate, type Candle, type OrderBook } from '../book';
import {
  candlesQuerySchema,
  executionQuerySchema,
  formatPrice4,
  l2QuerySchema,
  RESOLUTION_INTERVAL,
  type GatewayTier,
} from '../protocol';
import type { GatewayErrorCode, GatewayErrorCounts } from './errors';
import type { KeyStore } from './key-store';
import type { MarketHistory } from './market-history';
import { CandleJsonCache, httpCandleJson } from './candle-json-cache';
import { registerHttpRateLimit } from './http-rate-limit';
import type { SubscriptionRegistry } from './subscription-registry';
import { tierAtLeast, type TierPolicy } from './tiers';

export interface HttpDeps {
  registry: SubscriptionRegistry;
  keys: KeyStore | null;
  policies: Record<GatewayTier, TierPolicy>;
  history: MarketHistory | null;
  errors: GatewayErrorCounts;
  metrics: Registry;
  openapi: () => unknown;
  lookup(symbol: string): OrderBook | null;
  clients(): number;
  /** Where failures on the server's side (storage, internal) are logged, with their code. */
  log: FastifyBaseLogger;
  requestsPerSecond: number;
  now(): number;
}

export class HttpError extends Error {
  readonly status: number;
  readonly code: GatewayErrorCode;
  readonly field: string | undefined;
  readonly retryAfterS: number | undefined;

  constructor(status: number, code: GatewayErrorCode, message: string, field?: string, retryAfterS?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfterS = retryAfterS;
  }
}

const DEFAULT_CANDLE_LIMIT = 500;
const DEFAULT_EXECUTION_LIMIT = 1000;
/** Candle responses kept (oldest evicted first). */
const RESPONSE_CACHE_ENTRIES = 256;
const JSON_TYPE = 'application/json; charset=utf-8';

/** Validates a query; the first problem becomes a 400 naming its field. */
function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  const r = schema.safeParse(query ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const keys = (issue as { keys?: string[] }).keys;
  const field = issue.path.length > 0 ? issue.path.join('.') : keys !== undefined ? keys[0] : undefined;
  throw new HttpError(400, 'TW_ERR_GW_BAD_PARAM', `${field ?? 'query'}: ${issue.message}`, field);
}

export function registerHttpRoutes(app: FastifyInstance, deps: HttpDeps): { requests: () => number } {
  const candleCache = new CandleJsonCache();
  const responseCache = new Map<string, CachedResponse>();
  let requests = 0;
  const source = deps.registry.source;
  const anchors = sessionAnchors(parseSessionDate(source.sessionDate));
  /** ITCH ns since New York midnight of the session date -> UTC ms, whole (truncated, as storage answers). */
  const toEpochMs = (ns: number): number => anchors.midnightMs + Math.floor(ns / 1e6);

  /** The caller's tier: free without a key; 401 for a header that is not a known Bearer key. */
  const tierOf = (req: FastifyRequest): GatewayTier => {
    const header = req.headers.authorization;
    if (header === undefined) return 'free';
    const key = bearerKey(header);
    const record = key === null || deps.keys === null ? null : deps.keys.lookup(key, deps.now());
    if (record === null) throw new HttpError(401, 'TW_ERR_GW_BAD_KEY', 'Authorization must be "Bearer KEY" with a key from tickwire keys create', 'Authorization');
    return record.tier;
  };

  const book = (symbol: string): OrderBook => {
    const b = deps.lookup(symbol);
    if (b === null) throw new HttpError(404, 'TW_ERR_GW_UNKNOWN_SYMBOL', `unknown symbol ${JSON.stringify(symbol)}; GET /v1/symbols lists them`, 'symbol');
    return b;
  };

  /** The id of the request's key if it is a known one (an unknown one is refused later, by tierOf). */
  const keyId = (req: FastifyRequest): string | null => {
    const header = req.headers.authorization;
    const key = header === undefined || deps.keys === null ? null : bearerKey(header);
    return key === null ? null : (deps.keys?.lookup(key, deps.now())?.id ?? null);
  };
  const rateLimit = registerHttpRateLimit(app, { requestsPerSecond: deps.requestsPerSecond, keyId });

  app.addHook('onRequest', async (req) => {
    requests++;
    const refused = await rateLimit(req);
    if (refused !== null) {
      const per = refused.by === 'address' ? 'address' : 'API key';
      // Thrown to the error handler: counted, in the {code, message} shape, with Retry-After.
      throw new HttpError(429, 'TW_ERR_GW_RATE_LIMITED', `at most ${deps.requestsPerSecond} requests per second per ${per}; retry after ${refused.retryAfterS} s`, undefined, refused.retryAfterS);
    }
  });

  app.setErrorHandler((err: unknown, req, reply) => {
    if (err instanceof HttpError) {
      deps.errors.count(err.code);
      // A failed storage query is the server's problem; 503s (no storage, stale books) are states a client is told about.
      if (err.code === 'TW_ERR_GW_STORAGE_FAILED') deps.log.warn({ code: err.code, status: err.status, url: req.url }, err.message);
      if (err.retryAfterS !== undefined) reply.header('Retry-After', String(err.retryAfterS));
      return reply.code(err.status).send(err.field === undefined ? { code: err.code, message: err.message } : { code: err.code, message: err.message, field: err.field });
    }
    const e = err as { statusCode?: number; message?: string };
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      deps.errors.count('TW_ERR_GW_BAD_PARAM');
      return reply.code(e.statusCode).send({ code: 'TW_ERR_GW_BAD_PARAM', message: e.message ?? 'bad request' });
    }
    deps.errors.count('TW_ERR_GW_STORAGE_FAILED');
    deps.log.error({ code: 'TW_ERR_GW_STORAGE_FAILED', status: 500, url: req.url, err }, 'internal error');
    return reply.code(500).send({ code: 'TW_ERR_GW_STORAGE_FAILED', message: `internal error: ${e.message ?? String(err)}` });
  });

  app.setNotFoundHandler((req, reply) => {
    deps.errors.count('TW_ERR_GW_NOT_FOUND');
    return reply.code(404).send({ code: 'TW_ERR_GW_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}; GET /v1/openapi.json lists them` });
  });

  app.get('/healthz', async (_req, reply) => {
    const r = deps.registry;
    const body = {
      status: r.valid ? 'ok' : 'degraded',
      valid: r.valid,
      ended: r.ended,
      seq: r.lastBoundary,
      session: source.session,
      sessionDate: source.sessionDate,
      clients: deps.clients(),
      // Which process answered (several gateway processes can share a port).
      pid: process.pid,
    };
    return reply.code(r.valid ? 200 : 503).send(body);
  });

  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.metrics();
    return reply.header('Content-Type', deps.metrics.contentType).send(text);
  });

  app.get('/v1/openapi.json', async () => deps.openapi());

  app.get('/v1/symbols', async () => ({
    symbols: source.books.allBooks().map((b) => ({
      symbol: b.symbol,
      locate: b.locate,
      tradingState: b.tradingState === 0 ? '' : String.fromCharCode(b.tradingState),
      last: b.trades > 0 ? formatPrice4(b.lastTradePrice) : null,
      volume: b.volume,
    })),
  }));

  app.get('/v1/marketdata/orderBook/L2', async (req) => {
    const q = parseQuery(l2QuerySchema, req.query);
    const tier = deps.policies[tierOf(req)];
    const b = book(q.symbol);
    const depth = q.depth ?? Math.min(10, tier.maxDepth);
    if (depth > tier.maxDepth) throw new HttpError(403, 'TW_ERR_GW_TIER', `depth ${depth} is beyond the ${tier.name} tier (at most ${tier.maxDepth})`, 'depth');
    if (q.time !== undefined) {
      if (deps.history === null) throw new HttpError(503, 'TW_ERR_GW_NO_STORAGE', 'a past book (time) needs storage, and none is configured', 'time');
      const h = await fromHistory(() => (deps.history as MarketHistory).l2At(b.symbol, q.time as number, depth));
      if (h === null) throw new HttpError(404, 'TW_ERR_GW_NOT_FOUND', `storage has no book of ${b.symbol} at ${q.time}`, 'time');
      const lv = (l: { price: number; shares: number; orders: number }) => [formatPrice4(l.price), l.shares, l.orders];
      return { symbol: b.symbol, seq: h.seq, ts: 0, depth, bids: h.bids.map(lv), asks: h.asks.map(lv), checksum: 0, source: 'history' };
    }
    if (!deps.registry.valid) throw new HttpError(503, 'TW_ERR_GW_STALE', 'the books are being rebuilt (a gap in the feed); retry shortly');
    const lv = (l: { price: number; shares: number; orders: number }) => [formatPrice4(l.price), l.shares, l.orders];
    return {
      symbol: b.symbol,
      seq: deps.registry.lastBoundary,
      ts: deps.registry.lastTs,
      depth,
      bids: b.levels(BUY, depth).map(lv),
      asks: b.levels(SELL, depth).map(lv),
      checksum: b.checksum(depth),
      source: 'live',
    };
  });

  app.get('/v1/marketdata/candles', async (req, reply) => {
    const q = parseQuery(candlesQuerySchema, req.query);
    tierOf(req);
    const b = book(q.symbol);
    const interval = RESOLUTION_INTERVAL[q.resolution];
    const limit = q.limit ?? DEFAULT_CANDLE_LIMIT;
    const end = q.endTime ?? deps.now();
    const start = q.startTime ?? 0;
    const ring = b.candles?.ring(interval) ?? null;
    // Memory covers the session from midnight until its ring wraps, then from its oldest candle.
    const oldest = ring === null || ring.size === 0 ? null : (ring.get(ring.size - 1) as Candle);
    const coverFrom = ring !== null && ring.size === ring.capacity && oldest !== null ? oldest.startMs : anchors.midnightMs;
    if (q.startTime !== undefined && q.startTime < coverFrom && deps.history !== null) {
      const hist = await fromHistory(() => (deps.history as MarketHistory).candles(b.symbol, interval, start, end, limit));
      return { symbol: b.symbol, resolution: q.resolution, source: 'history', candles: hist.map((c) => JSON.parse(httpCandleJson(c)) as unknown) };
    }
    // The same query on an unchanged ring (no print since) gets the same bytes: kept per
    // query, keyed by the book's print count (an omitted endTime means "up to now", which no
    // candle start can pass, so it keys as omitted).
    const cacheKey = `${b.locate}|${q.resolution}|${q.startTime ?? ''}|${q.endTime ?? ''}|${limit}`;
    const gzip = acceptsGzip(req.headers['accept-encoding']);
    const cached = responseCache.get(cacheKey);
    if (cached !== undefined && cached.version === b.trades) return sendCached(reply, cached, gzip);
    const json = ring === null ? [] : candleCache.range(ring, start, q.endTime ?? Infinity, limit, q.startTime !== undefined);
    // Written by hand from cached fragments (see candle-json-cache.ts).
    const body = Buffer.from(`{"symbol":${JSON.stringify(b.symbol)},"resolution":"${q.resolution}","source":"memory","candles":[${json.join(',')}]}`);
    if (responseCache.size >= RESPONSE_CACHE_ENTRIES) responseCache.delete(responseCache.keys().next().value as string);
    const entry: CachedResponse = { version: b.trades, body, gzipped: null };
    responseCache.set(cacheKey, entry);
    return sendCached(reply, entry, gzip);
  });

  app.get('/v1/marketdata/trades', async (req) => {
    const q = parseQuery(executionQuerySchema, req.query);
    if (req.headers.authorization === undefined) {
      throw new HttpError(401, 'TW_ERR_GW_UNAUTHORIZED', 'executions need a pro key: send Authorization: Bearer KEY (tickwire keys create --tier pro)', 'Authorization');
    }
    const tier = tierOf(req);
    if (!tierAtLeast(tier, 'pro')) throw new HttpError(403, 'TW_ERR_GW_TIER', `executions need the pro tier; this key is ${tier}`, 'Authorization');
    const b = book(q.symbol);
    const limit = q.limit ?? DEFAULT_EXECUTION_LIMIT;
    const end = q.endTime ?? deps.now();
    const log = deps.registry.executions;
    const locate = b.locate;
    const first = log.oldest(locate);
    const count = log.counts[locate];
    const firstNs = log.wrapped(locate) ? log.timestampAt(locate, first) : log.firstTimestampNs;
    const coverFrom = firstNs < 0 ? deps.now() : toEpochMs(firstNs);
    const start = q.startTime ?? coverFrom;
    if (start < coverFrom) {
      if (deps.history === null) {
        throw new HttpError(503, 'TW_ERR_GW_NO_STORAGE', `memory holds ${b.symbol}'s executions from ${new Date(coverFrom).toISOString()}; older ones need storage, and none is configured`, 'startTime');
      }
      const hist = await fromHistory(() => (deps.history as MarketHistory).executions(b.symbol, q.orderId, start, end, limit));
      return { symbol: b.symbol, source: 'history', executions: hist.map((e) => ({ time: e.timeMs, seq: e.seq, price: formatPrice4(e.price), shares: e.shares, orderId: e.orderId, matchNumber: e.matchNumber })) };
    }
    const executions: Array<{ time: number; seq: number; price: string; shares: number; orderId: number; matchNumber: number }> = [];
    for (let i = first; i < count; i++) {
      const t = toEpochMs(log.timestampAt(locate, i));
      if (t < start || t > end) continue;
      if (q.orderId !== undefined && log.refAt(locate, i) !== q.orderId) continue;
      executions.push({ time: t, seq: log.seqAt(locate, i), price: formatPrice4(log.priceAt(locate, i)), shares: log.sharesAt(locate, i), orderId: log.refAt(locate, i), matchNumber: log.matchAt(locate, i) });
    }
    return { symbol: b.symbol, source: 'memory', executions: executions.slice(Math.max(0, executions.length - limit)) };
  });

  return { requests: () => requests };
}

interface CachedResponse {
  version: number;
  body: Buffer;
  /** The body gzipped once, on the first request that accepts gzip. */
  gzipped: Buffer | null;
}

function acceptsGzip(header: string | string[] | undefined): boolean {
  return typeof header === 'string' && /\bgzip\b/.test(header);
}

/** A cached JSON body, gzipped (level 1: a day of 1m candles, ~200 KB, shrinks ~6x in ~2 ms, once) when the client accepts it. */
function sendCached(reply: FastifyReply, entry: CachedResponse, gzip: boolean): FastifyReply {
  reply.header('Content-Type', JSON_TYPE).header('Vary', 'Accept-Encoding');
  if (!gzip || entry.body.length < 1024) return reply.send(entry.body);
  if (entry.gzipped === null) entry.gzipped = gzipSync(entry.body, { level: 1 });
  return reply.header('Content-Encoding', 'gzip').send(entry.gzipped);
}

async function fromHistory<T>(query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (err) {
    throw new HttpError(502, 'TW_ERR_GW_STORAGE_FAILED', `storage query failed: ${(err as Error).message}`);
  }
}

/** "Bearer KEY" -> KEY, or null. */
export function bearerKey(header: string): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m === null ? null : m[1];
}

