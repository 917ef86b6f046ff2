// A contract test per HTTP endpoint: responses match protocol/'s schemas and the
// publisher's books; bad parameters get 400 {code, message, field}; keys 401/403; unknown
// symbols and paths 404; the per-address rate 429 with Retry-After; history 503 without storage.
import { pino } from 'pino';
import type { z } from 'zod';
import { BUY, sessionAnchors, parseSessionDate, type OrderBook } from '../book';
import {
  candlesResponseSchema,
  executionsResponseSchema,
  formatPrice4,
  healthResponseSchema,
  httpErrorSchema,
  l2ResponseSchema,
  symbolsResponseSchema,
} from '../protocol';
import type { MarketHistory } from '../gateway';
import { gatewayRig, SESSION_DATE, type GatewayRig } from './support/gateway-rig';

let r: GatewayRig;
afterEach(async () => {
  await r.gateway.close();
});

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${r.http}${path}`, { headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // text (metrics)
  }
  return { status: res.status, body, headers: res.headers };
}

function parsed<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const p = schema.safeParse(body);
  if (!p.success) throw new Error(`response does not match its schema: ${p.error.message}\n${JSON.stringify(body).slice(0, 500)}`);
  return p.data;
}

async function expectError(path: string, status: number, code: string, field?: string, headers: Record<string, string> = {}): Promise<void> {
  const res = await get(path, headers);
  expect([res.status, (res.body as { code?: string }).code]).toEqual([status, code]);
  const e = parsed(httpErrorSchema, res.body);
  if (field !== undefined) expect(e.field).toBe(field);
}

const midnightMs = sessionAnchors(parseSessionDate(SESSION_DATE)).midnightMs;

describe('HTTP API', () => {
  test('GET /v1/marketdata/orderBook/L2: the live book at a depth, tier-limited; bad parameters 400', async () => {
    r = await gatewayRig();
    r.day.trade(3000, 100);
    const aapl = r.publisher.books.bookBySymbol('AAPL') as OrderBook;
    const res = await get('/v1/marketdata/orderBook/L2?symbol=AAPL&depth=5');
    expect(res.status).toBe(200);
    const l2 = parsed(l2ResponseSchema, res.body);
    expect(l2.bids).toEqual(aapl.levels(BUY, 5).map((l) => [formatPrice4(l.price), l.shares, l.orders]));
    expect(l2.checksum).toBe(aapl.checksum(5));
    expect(l2.seq).toBe(r.publisher.sequence);
    const pro = r.keys.create('pro', 'p').key;
    expect(parsed(l2ResponseSchema, (await get('/v1/marketdata/orderBook/L2?symbol=AAPL', { Authorization: `Bearer ${pro}` })).body).asks.length).toBe(10);
    await expectError('/v1/marketdata/orderBook/L2?symbol=AAPL&depth=10', 403, 'TW_ERR_GW_TIER', 'depth');
    await expectError('/v1/marketdata/orderBook/L2?symbol=AAPL&depth=abc', 400, 'TW_ERR_GW_BAD_PARAM', 'depth');
    await expectError('/v1/marketdata/orderBook/L2?depth=5', 400, 'TW_ERR_GW_BAD_PARAM', 'symbol');
    await expectError('/v1/marketdata/orderBook/L2?symbol=AAPL&colour=red', 400, 'TW_ERR_GW_BAD_PARAM', 'colour');
    await expectError('/v1/marketdata/orderBook/L2?symbol=NOPE', 404, 'TW_ERR_GW_UNKNOWN_SYMBOL', 'symbol');
    await expectError('/v1/marketdata/orderBook/L2?symbol=AAPL&time=1', 503, 'TW_ERR_GW_NO_STORAGE', 'time');
    await expectError('/v1/marketdata/orderBook/L2?symbol=AAPL', 401, 'TW_ERR_GW_BAD_KEY', 'Authorization', { Authorization: 'Bearer wrong' });
  });

  test('GET /v1/marketdata/candles: from the candle rings, oldest first, limit and range honoured', async () => {
    // 10 orders/s on average (about 40/s at the open) of simulated time: minutes of candles.
    r = await gatewayRig({}, null, { ordersPerSec: 10 });
    r.day.trade(20_000, 500);
    const ring = r.publisher.books.bookBySymbol('AAPL')?.candles?.ring('1m');
    const all = ring?.toArray() ?? [];
    expect(all.length).toBeGreaterThan(2);
    const res = await get('/v1/marketdata/candles?symbol=AAPL&resolution=60');
    const body = parsed(candlesResponseSchema, res.body);
    expect(body.source).toBe('memory');
    expect(body.candles.map((c) => [c.time, c.open, c.high, c.low, c.close, c.volume, c.trades])).toEqual(
      all.map((c) => [c.startMs, formatPrice4(c.open), formatPrice4(c.high), formatPrice4(c.low), formatPrice4(c.close), c.volume, c.trades]),
    );
    const from = all[1].startMs;
    const ranged = parsed(candlesResponseSchema, (await get(`/v1/marketdata/candles?symbol=AAPL&resolution=60&startTime=${from}&limit=1`)).body);
    expect(ranged.candles.map((c) => c.time)).toEqual([from]);
    const last2 = parsed(candlesResponseSchema, (await get('/v1/marketdata/candles?symbol=AAPL&resolution=60&limit=2')).body);
    expect(last2.candles.map((c) => c.time)).toEqual(all.slice(-2).map((c) => c.startMs));
    const day = parsed(candlesResponseSchema, (await get('/v1/marketdata/candles?symbol=AAPL&resolution=86400')).body);
    expect(day.candles.map((c) => c.time)).toEqual([midnightMs]);
    await expectError('/v1/marketdata/candles?symbol=AAPL&resolution=61', 400, 'TW_ERR_GW_BAD_PARAM', 'resolution');
    await expectError('/v1/marketdata/candles?symbol=AAPL&resolution=60&startTime=5&endTime=4', 400, 'TW_ERR_GW_BAD_PARAM', 'startTime');
    await expectError('/v1/marketdata/candles?symbol=AAPL&resolution=60&limit=0', 400, 'TW_ERR_GW_BAD_PARAM', 'limit');
    await expectError('/v1/marketdata/candles?symbol=AAPL&resolution=60&startTime=-1', 400, 'TW_ERR_GW_BAD_PARAM', 'startTime');
    await expectError('/v1/marketdata/candles?symbol=ZZZ&resolution=60', 404, 'TW_ERR_GW_UNKNOWN_SYMBOL', 'symbol');
  });

  test('GET /v1/marketdata/trades: pro key; recent executions from memory; older ranges 503 without storage, from it with', async () => {
    const calls: unknown[][] = [];
    const history: MarketHistory = {
      candles: async () => [],
      executions: async (...args) => {
        calls.push(args);
        return [{ timeMs: 5, seq: 1, price: 1000000, shares: 10, orderId: 42, matchNumber: 7 }];
      },
      l2At: async () => null,
    };
    r = await gatewayRig();
    r.day.trade(5000, 100);
    const pro = { Authorization: `Bearer ${r.keys.create('pro', 'p').key}` };
    const free = { Authorization: `Bearer ${r.keys.create('free', 'f').key}` };
    await expectError('/v1/marketdata/trades?symbol=AAPL', 401, 'TW_ERR_GW_UNAUTHORIZED', 'Authorization');
    await expectError('/v1/marketdata/trades?symbol=AAPL', 403, 'TW_ERR_GW_TIER', 'Authorization', free);
    const res = await get('/v1/marketdata/trades?symbol=AAPL', pro);
    // Whole ms from memory, as storage answers (not the ns timestamp's fraction): checked before the schema (which says int) parses it.
    const times = (res.body as { executions: Array<{ time: number }> }).executions.map((e) => e.time);
    expect(times.length).toBeGreaterThan(0);
    expect(times.filter((t) => !Number.isInteger(t))).toEqual([]);
    const body = parsed(executionsResponseSchema, res.body);
    const aapl = r.publisher.books.bookBySymbol('AAPL') as OrderBook;
    expect(body.source).toBe('memory');
    expect(body.executions.length).toBe(aapl.trades);
    expect(body.executions.reduce((n, e) => n + e.shares, 0)).toBe(aapl.volume);
    const one = body.executions[0];
    const byOrder = parsed(executionsResponseSchema, (await get(`/v1/marketdata/trades?symbol=AAPL&orderId=${one.orderId}`, pro)).body);
    expect(byOrder.executions.length).toBeGreaterThan(0);
    expect(byOrder.executions.every((e) => e.orderId === one.orderId)).toBe(true);
    await expectError('/v1/marketdata/trades?symbol=AAPL&startTime=0', 503, 'TW_ERR_GW_NO_STORAGE', 'startTime', pro);
    await expectError('/v1/marketdata/trades?symbol=AAPL&orderId=x', 400, 'TW_ERR_GW_BAD_PARAM', 'orderId', pro);
    await r.gateway.close();
    r = await gatewayRig({}, history);
    r.day.trade(1000, 100);
    const pro2 = { Authorization: `Bearer ${r.keys.create('pro', 'p').key}` };
    const hist = parsed(executionsResponseSchema, (await get('/v1/marketdata/trades?symbol=AAPL&startTime=0&endTime=10&orderId=42', pro2)).body);
    expect(hist).toEqual({ symbol: 'AAPL', source: 'history', executions: [{ time: 5, seq: 1, price: '100.0000', shares: 10, orderId: 42, matchNumber: 7 }] });
    expect(calls).toEqual([['AAPL', 42, 0, 10, 1000]]);
  });

  test('a failed storage query: 502 TW_ERR_GW_STORAGE_FAILED, counted, and logged with its code through the logger given', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const history: MarketHistory = {
      candles: async () => [],
      executions: async () => [],
      l2At: async () => {
        throw new Error('disk on fire');
      },
    };
    r = await gatewayRig({}, history, {}, logger);
    await expectError('/v1/marketdata/orderBook/L2?symbol=AAPL&time=5', 502, 'TW_ERR_GW_STORAGE_FAILED');
    expect(r.gateway.errors.get('TW_ERR_GW_STORAGE_FAILED')).toBe(1);
    expect(lines).toContainEqual(expect.objectContaining({ code: 'TW_ERR_GW_STORAGE_FAILED', status: 502, msg: expect.stringContaining('disk on fire') }));
    // fastify's own lines go to the same logger.
    expect(lines).toContainEqual(expect.objectContaining({ msg: expect.stringMatching(/^Server listening at/) }));
  });

  test('GET /v1/symbols, /healthz, /metrics, /v1/openapi.json; unknown paths 404; over the rate 429 with Retry-After', async () => {
    r = await gatewayRig({ httpRequestsPerSecond: 5 });
    r.day.trade(500, 100);
    const symbols = parsed(symbolsResponseSchema, (await get('/v1/symbols')).body);
    expect(symbols.symbols.map((s) => s.symbol)).toEqual(['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL']);
    const health = parsed(healthResponseSchema, (await get('/healthz')).body);
    expect(health).toMatchObject({ status: 'ok', valid: true, seq: r.publisher.sequence, sessionDate: SESSION_DATE });
    const metrics = await get('/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
    expect(String(metrics.body)).toContain(`tickwire_source_sequence ${r.publisher.sequence}`);
    expect(String(metrics.body)).toMatch(/process_cpu_user_seconds_total/);
    const doc = (await get('/v1/openapi.json')).body as { openapi: string; paths: Record<string, { get: { parameters?: Array<{ name: string }> } }> };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/v1/marketdata/candles'].get.parameters?.map((p) => p.name)).toEqual(['symbol', 'resolution', 'startTime', 'endTime', 'limit']);
    // The executions' unit is stated: whole UTC ms.
    expect(JSON.stringify(doc.paths['/v1/marketdata/trades'])).toMatch(/"time":\{"type":"integer"[^}]*"description":"UTC ms, a whole number/);
    // The burst is twice the rate (10 requests; 4 spent above), refilling at 5 a second.
    let limited = await get('/v1/symbols');
    let sent = 5;
    while (limited.status === 200 && sent < 30) {
      limited = await get('/v1/symbols');
      sent++;
    }
    expect(limited.status).toBe(429);
    expect(sent).toBeGreaterThanOrEqual(11);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    parsed(httpErrorSchema, limited.body);
    expect((limited.body as { code: string }).code).toBe('TW_ERR_GW_RATE_LIMITED');
    // Counted where /metrics reads tickwire_gateway_errors_total{code}.
    expect(r.gateway.errors.get('TW_ERR_GW_RATE_LIMITED')).toBe(1);
    await r.gateway.close();
    r = await gatewayRig();
    await expectError('/v1/nothing', 404, 'TW_ERR_GW_NOT_FOUND');
    await expectError('/', 404, 'TW_ERR_GW_NOT_FOUND');
  });
});
