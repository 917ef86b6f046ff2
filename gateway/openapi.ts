// GET /v1/openapi.json: the HTTP API described in OpenAPI 3.1, its parameters and
// responses generated from the same zod schemas that validate them (protocol/).
import { z } from 'zod';
import {
  candlesQuerySchema,
  candlesResponseSchema,
  executionQuerySchema,
  executionsResponseSchema,
  healthResponseSchema,
  httpErrorSchema,
  l2QuerySchema,
  l2ResponseSchema,
  symbolsResponseSchema,
} from '../protocol';

type JsonSchema = Record<string, unknown>;

function schema(s: z.ZodType, io: 'input' | 'output' = 'output'): JsonSchema {
  const out = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as JsonSchema;
  delete out.$schema;
  return out;
}

function parameters(query: z.ZodType, descriptions: Record<string, string>): unknown[] {
  const js = schema(query, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  const required = new Set(js.required ?? []);
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: required.has(name),
    description: descriptions[name] ?? '',
    schema: s,
  }));
}

const errorRef = { $ref: '#/components/schemas/Error' };
const errors = (codes: number[]): Record<string, unknown> =>
  Object.fromEntries(codes.map((c) => [String(c), { description: ERROR_TEXT[c], content: { 'application/json': { schema: errorRef } } }]));
const ERROR_TEXT: Record<number, string> = {
  400: 'Bad parameter (TW_ERR_GW_BAD_PARAM; field names it)',
  401: 'Missing or unknown key (TW_ERR_GW_UNAUTHORIZED, TW_ERR_GW_BAD_KEY)',
  403: 'Beyond the key tier (TW_ERR_GW_TIER)',
  404: 'Unknown symbol or nothing stored (TW_ERR_GW_UNKNOWN_SYMBOL, TW_ERR_GW_NOT_FOUND)',
  429: 'Over the per-address request rate (TW_ERR_GW_RATE_LIMITED); see Retry-After',
  502: 'Storage query failed (TW_ERR_GW_STORAGE_FAILED)',
  503: 'No storage configured (TW_ERR_GW_NO_STORAGE) or books being rebuilt (TW_ERR_GW_STALE)',
};
const ok = (s: z.ZodType, description: string) => ({ '200': { description, content: { 'application/json': { schema: schema(s) } } } });

export function openApiDocument(serverUrl: string): unknown {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tickwire market-data API',
      version: '1',
      description:
        'L2 books, candles and executions over HTTP; live streams on the websocket /v1/ws (gateway/README.md). Prices are decimal strings ("192.3400"), shares integers, times UTC ms unless named ts (ITCH ns since New York midnight).',
    },
    servers: [{ url: serverUrl }],
    components: {
      schemas: { Error: schema(httpErrorSchema) },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'tickwire keys create --tier pro --name NAME' } },
    },
    paths: {
      '/v1/marketdata/orderBook/L2': {
        get: {
          summary: 'The L2 book now (or at a past time, from storage)',
          security: [{}, { bearer: [] }],
          parameters: parameters(l2QuerySchema, { symbol: 'Ticker, e.g. AAPL', depth: 'Levels a side (default 10, at most the tier: free 5)', time: 'A past instant, UTC ms (needs storage)' }),
          responses: { ...ok(l2ResponseSchema, 'The book: [price, shares, orders] best first, with the book/ CRC-32 checksum at this depth'), ...errors([400, 401, 403, 404, 429, 503]) },
        },
      },
      '/v1/marketdata/candles': {
        get: {
          summary: 'Candles (OHLCV, trades, VWAP), oldest first',
          security: [{}, { bearer: [] }],
          parameters: parameters(candlesQuerySchema, {
            symbol: 'Ticker',
            resolution: 'Seconds (60, 300, 3600, 86400, 604800) or 1M',
            startTime: 'UTC ms; with it the first `limit` candles from there, without it the last `limit`',
            endTime: 'UTC ms (default now)',
            limit: 'At most this many (default 500, at most 5000)',
          }),
          responses: { ...ok(candlesResponseSchema, 'Candles; source says memory or history'), ...errors([400, 401, 404, 429, 502]) },
        },
      },
      '/v1/marketdata/trades': {
        get: {
          summary: 'Executions (prints) of a symbol, optionally of one resting order (pro key)',
          security: [{ bearer: [] }],
          parameters: parameters(executionQuerySchema, {
            symbol: 'Ticker',
            orderId: 'The resting order ref (ITCH E/C name only the resting order)',
            startTime: 'UTC ms (default: the oldest held in memory)',
            endTime: 'UTC ms (default now)',
            limit: 'The latest this many (default 1000)',
          }),
          responses: { ...ok(executionsResponseSchema, 'Executions, oldest first; time in whole UTC ms (truncated), from memory and storage alike'), ...errors([400, 401, 403, 404, 429, 502, 503]) },
        },
      },
      '/v1/symbols': { get: { summary: 'The symbol directory', responses: { ...ok(symbolsResponseSchema, 'Symbols by locate'), ...errors([429]) } } },
      '/healthz': { get: { summary: 'Liveness and book validity', responses: { ...ok(healthResponseSchema, 'Healthy'), '503': { description: 'Books not valid', content: { 'application/json': { schema: schema(healthResponseSchema) } } } } } },
      '/metrics': { get: { summary: 'Prometheus metrics (publisher, gateway, process)', responses: { '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
      '/v1/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
    },
  };
}
