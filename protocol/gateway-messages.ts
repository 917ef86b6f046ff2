// The websocket gateway's and HTTP API's message formats (gateway/README.md):
// what clients send on /v1/ws, what the server sends back, and the HTTP query parameters.
// Every client message is validated against these schemas; tests validate what the
// server sends against them too. Prices are decimal strings ("192.3400"), shares integers.
import { z } from 'zod';

export const GATEWAY_CHANNELS = ['l1', 'book', 'orders', 'trades', 'candles'] as const;
export type GatewayChannel = (typeof GATEWAY_CHANNELS)[number];
/** Book depths a websocket client may ask for. */
export const GATEWAY_BOOK_DEPTHS = [5, 10] as const;
export type GatewayBookDepth = (typeof GATEWAY_BOOK_DEPTHS)[number];
/** Candle intervals (book/candles.ts CANDLE_INTERVALS). */
export const GATEWAY_INTERVALS = ['1m', '5m', '1h', '1d', '1w', '1M'] as const;
export type GatewayInterval = (typeof GATEWAY_INTERVALS)[number];
export const GATEWAY_OPS = ['subscribe', 'unsubscribe', 'ping'] as const;
export const GATEWAY_TIERS = ['free', 'pro', 'premium'] as const;
export type GatewayTier = (typeof GATEWAY_TIERS)[number];

/** An id the client may attach to a request; the ack or error echoes it. */
const requestId = z.union([z.string().max(64), z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)]);
const symbol = z.string().min(1).max(8).regex(/^[\x21-\x7e]+$/, { message: 'a symbol is 1 to 8 printable ASCII characters' });

/** subscribe / unsubscribe: `depth` is for `book` (default: the tier's deepest), `interval` for `candles` (default 1m). */
export const subscriptionRequestSchema = z
  .strictObject({
    op: z.enum(['subscribe', 'unsubscribe']),
    channel: z.enum(GATEWAY_CHANNELS),
    symbol,
    depth: z.union([z.literal(5), z.literal(10)]).optional(),
    interval: z.enum(GATEWAY_INTERVALS).optional(),
    id: requestId.optional(),
  })
  .refine((m) => m.depth === undefined || m.channel === 'book', { message: 'depth applies to the book channel only', path: ['depth'] })
  .refine((m) => m.interval === undefined || m.channel === 'candles', { message: 'interval applies to the candles channel only', path: ['interval'] });
export type SubscriptionRequest = z.infer<typeof subscriptionRequestSchema>;

export const pingRequestSchema = z.strictObject({ op: z.literal('ping'), id: requestId.optional() });
export type PingRequest = z.infer<typeof pingRequestSchema>;

export const clientMessageSchema = z.union([subscriptionRequestSchema, pingRequestSchema]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

// --- server messages ------------------------------------------------------------------

const price = z.string().regex(/^\d+\.\d{4}$/);
const shares = z.number().int().min(0);
/** One L2 level: [price, shares]; shares 0 in an update removes the level. */
export const levelSchema = z.tuple([price, shares]);

export const ackMessageSchema = z.strictObject({
  type: z.literal('ack'),
  op: z.enum(GATEWAY_OPS),
  channel: z.enum(GATEWAY_CHANNELS).optional(),
  symbol: z.string().optional(),
  depth: z.number().int().optional(),
  interval: z.enum(GATEWAY_INTERVALS).optional(),
  id: requestId.optional(),
});

export const errorMessageSchema = z.strictObject({
  type: z.literal('error'),
  /** A TW_ERR_GW_ code (gateway/errors.ts). */
  code: z.string().regex(/^TW_ERR_GW_[A-Z_]+$/),
  message: z.string(),
  id: requestId.optional(),
});

export const pongMessageSchema = z.strictObject({ type: z.literal('pong'), id: requestId.optional() });

/** Book snapshot (then updates carrying only changed levels, absolute shares). */
export const bookMessageSchema = z.strictObject({
  channel: z.literal('book'),
  type: z.enum(['snapshot', 'update']),
  symbol: z.string(),
  depth: z.number().int(),
  /** The feed sequence number the levels reflect (an event-group boundary). */
  seq: z.number().int().min(0),
  /** ITCH timestamp (ns since New York midnight) of the last message applied. */
  ts: z.number().int().min(0),
  /** Best first. */
  bids: z.array(levelSchema),
  asks: z.array(levelSchema),
  /** book/ CRC-32 over the levels this client holds after applying the message (OrderBook.checksum(depth)). */
  checksum: z.number().int().min(0),
});

export const l1MessageSchema = z.strictObject({
  channel: z.literal('l1'),
  type: z.enum(['snapshot', 'update']),
  symbol: z.string(),
  seq: z.number().int().min(0),
  ts: z.number().int().min(0),
  bid: levelSchema.nullable(),
  ask: levelSchema.nullable(),
  /** Last printed trade: [price, shares], or null before any. */
  last: levelSchema.nullable(),
  volume: z.number().int().min(0),
});

export const tradeSchema = z.strictObject({
  seq: z.number().int(),
  ts: z.number().int(),
  price,
  shares,
  /** The resting order's ref (ITCH E/C name only the resting side). */
  orderRef: z.number().int(),
  matchNumber: z.number().int(),
});

export const tradesMessageSchema = z.strictObject({
  channel: z.literal('trades'),
  type: z.literal('update'),
  symbol: z.string(),
  seq: z.number().int().min(0),
  ts: z.number().int().min(0),
  trades: z.array(tradeSchema),
  /** Trades that fell out of the gateway's ring before they could be sent (a slow flush), if any. */
  missed: z.number().int().optional(),
});

export const candleSchema = z.strictObject({
  /** Start of [start, end), UTC ms. */
  start: z.number().int(),
  open: price,
  high: price,
  low: price,
  close: price,
  volume: z.number().int(),
  trades: z.number().int(),
  vwap: price,
  /** True once a newer candle of the interval has opened. */
  closed: z.boolean(),
  /** True when prints of this candle's range may be missing (its source skipped part of the feed, e.g. a snapshot recovery). */
  incomplete: z.boolean(),
});

export const candleMessageSchema = z.strictObject({
  channel: z.literal('candles'),
  type: z.enum(['snapshot', 'update']),
  symbol: z.string(),
  interval: z.enum(GATEWAY_INTERVALS),
  seq: z.number().int().min(0),
  ts: z.number().int().min(0),
  /** Null in a snapshot before the first trade of the interval. */
  candle: candleSchema.nullable(),
});

export const ORDER_EVENT_KINDS = ['add', 'execute', 'cancel', 'delete', 'replace'] as const;
/** One L3 event; fields beyond seq/kind/ref depend on the kind. */
export const orderEventSchema = z.strictObject({
  seq: z.number().int(),
  kind: z.enum(ORDER_EVENT_KINDS),
  ref: z.number().int(),
  /** add: 'B' or 'S'. */
  side: z.enum(['B', 'S']).optional(),
  /** add, replace: the order's shares; execute, cancel: the shares taken off. */
  shares: shares.optional(),
  /** add, replace: the order's price; execute: the print's price. */
  price: price.optional(),
  /** replace: the new ref. */
  newRef: z.number().int().optional(),
});

export const restingOrderSchema = z.tuple([z.number().int(), z.enum(['B', 'S']), price, shares]);

export const ordersMessageSchema = z.strictObject({
  channel: z.literal('orders'),
  type: z.enum(['snapshot', 'update']),
  symbol: z.string(),
  seq: z.number().int().min(0),
  ts: z.number().int().min(0),
  /** snapshot: every resting order [ref, side, price, shares], bids best first then asks best first, FIFO in a level. */
  orders: z.array(restingOrderSchema).optional(),
  /** update: the events since the last message, in sequence order. */
  events: z.array(orderEventSchema).optional(),
});

/** The source's books became valid or invalid (a feed handler filling a gap); after invalid, snapshots follow. */
export const statusMessageSchema = z.strictObject({
  type: z.literal('status'),
  valid: z.boolean(),
  seq: z.number().int().min(0),
  ended: z.boolean(),
});

export const serverMessageSchema = z.union([
  ackMessageSchema,
  errorMessageSchema,
  pongMessageSchema,
  bookMessageSchema,
  l1MessageSchema,
  tradesMessageSchema,
  candleMessageSchema,
  ordersMessageSchema,
  statusMessageSchema,
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;
export type BookMessage = z.infer<typeof bookMessageSchema>;

// --- HTTP ------------------------------------------------------------------------------

/** Resolutions of GET /v1/marketdata/candles: seconds, or 1M for calendar months. */
export const CANDLE_RESOLUTIONS = ['60', '300', '3600', '86400', '604800', '1M'] as const;
export const RESOLUTION_INTERVAL: Readonly<Record<(typeof CANDLE_RESOLUTIONS)[number], GatewayInterval>> = {
  '60': '1m',
  '300': '5m',
  '3600': '1h',
  '86400': '1d',
  '604800': '1w',
  '1M': '1M',
};

const epochMs = z.coerce.number().int().min(0).max(8.64e15);

export const l2QuerySchema = z.strictObject({
  symbol,
  depth: z.coerce.number().int().min(1).max(1000).optional(),
  /** A past instant (UTC ms): the book then, from storage. */
  time: epochMs.optional(),
});
export type L2Query = z.infer<typeof l2QuerySchema>;

export const candlesQuerySchema = z
  .strictObject({
    symbol,
    resolution: z.enum(CANDLE_RESOLUTIONS),
    startTime: epochMs.optional(),
    endTime: epochMs.optional(),
    limit: z.coerce.number().int().min(1).max(5000).optional(),
  })
  .refine((q) => q.startTime === undefined || q.endTime === undefined || q.startTime <= q.endTime, {
    message: 'startTime must not be after endTime',
    path: ['startTime'],
  });
export type CandlesQuery = z.infer<typeof candlesQuerySchema>;

export const executionQuerySchema = z
  .strictObject({
    symbol,
    orderId: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    startTime: epochMs.optional(),
    endTime: epochMs.optional(),
    limit: z.coerce.number().int().min(1).max(10000).optional(),
  })
  .refine((q) => q.startTime === undefined || q.endTime === undefined || q.startTime <= q.endTime, {
    message: 'startTime must not be after endTime',
    path: ['startTime'],
  });
export type ExecutionQuery = z.infer<typeof executionQuerySchema>;

/** Every HTTP error body: a TW_ERR_GW_ code, a sentence, and the parameter at fault if any. */
export const httpErrorSchema = z.strictObject({
  code: z.string().regex(/^TW_ERR_GW_[A-Z_]+$/),
  message: z.string(),
  field: z.string().optional(),
});

export const l2ResponseSchema = z.strictObject({
  symbol: z.string(),
  seq: z.number().int(),
  ts: z.number().int(),
  depth: z.number().int(),
  /** [price, shares, orders], best first. */
  bids: z.array(z.tuple([price, shares, z.number().int()])),
  asks: z.array(z.tuple([price, shares, z.number().int()])),
  checksum: z.number().int(),
  source: z.enum(['live', 'history']),
});

export const httpCandleSchema = z.strictObject({
  time: z.number().int(),
  open: price,
  high: price,
  low: price,
  close: price,
  volume: z.number().int(),
  trades: z.number().int(),
  vwap: price,
  incomplete: z.boolean().describe('true when prints of this candle may be missing: the serving gateway skipped part of the feed (a snapshot recovery or a late join) in its time range'),
});

export const candlesResponseSchema = z.strictObject({
  symbol: z.string(),
  resolution: z.enum(CANDLE_RESOLUTIONS),
  source: z.enum(['memory', 'history']),
  candles: z.array(httpCandleSchema),
});

export const executionSchema = z.strictObject({
  time: z.number().int().describe('UTC ms, a whole number: the ITCH ns timestamp truncated, from memory and storage alike'),
  seq: z.number().int(),
  price,
  shares,
  orderId: z.number().int(),
  matchNumber: z.number().int(),
});

export const executionsResponseSchema = z.strictObject({
  symbol: z.string(),
  source: z.enum(['memory', 'history']),
  executions: z.array(executionSchema),
});

export const symbolsResponseSchema = z.strictObject({
  symbols: z.array(
    z.strictObject({
      symbol: z.string(),
      locate: z.number().int(),
      tradingState: z.string(),
      last: price.nullable(),
      volume: z.number().int(),
    }),
  ),
});

export const healthResponseSchema = z.strictObject({
  status: z.enum(['ok', 'degraded']),
  valid: z.boolean(),
  ended: z.boolean(),
  seq: z.number().int(),
  session: z.string(),
  sessionDate: z.string(),
  clients: z.number().int(),
  /** The gateway process that answered (`tickwire gateway --processes N` shares one port). */
  pid: z.number().int(),
});
