// GET /openapi.json: every route of the client gateway in OpenAPI 3.1, request bodies and
// queries generated from the zod schemas that validate them (schemas.ts), answers from the
// response shapes below (order-json.ts builds them). openapi.test.ts checks that every
// registered route is here.
import { z } from 'zod';
import { OrderEntryErrorCodes } from './errors';
import {
  accountIdParamsSchema,
  actorBodySchema,
  createAccountBodySchema,
  executionsQuerySchema,
  killSwitchBodySchema,
  kycBodySchema,
  loginBodySchema,
  newOrderBodySchema,
  orderIdParamsSchema,
  ordersQuerySchema,
  sessionIdParamsSchema,
  transferBodySchema,
} from './schemas';

type JsonSchema = Record<string, unknown>;

function schema(s: z.ZodType, io: 'input' | 'output' = 'output'): JsonSchema {
  const out = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as JsonSchema;
  delete out.$schema;
  return out;
}

const decimal = z.string().describe('Decimal string, 4 places ("192.3400")');
const orderSchema = z.object({
  id: z.number().int(),
  clientOrderId: z.string(),
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  orderType: z.enum(['limit', 'market']),
  timeInForce: z.enum(['day', 'ioc']),
  price: decimal.nullable(),
  quantity: z.number().int(),
  filledQuantity: z.number().int(),
  remainingQuantity: z.number().int(),
  averagePrice: decimal.nullable(),
  status: z.enum(['new', 'partiallyFilled', 'filled', 'cancelled', 'rejected']),
  reason: z.string().optional().describe('TW_REJECT_* code of a rejected order'),
  creationTime: z.number().int().describe('UTC ms'),
  updateTime: z.number().int().describe('UTC ms'),
});
const executionSchema = z.object({
  id: z.number().int(),
  orderId: z.number().int(),
  clientOrderId: z.string(),
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  price: decimal,
  orderType: z.enum(['limit', 'market']),
  quantity: z.number().int(),
  liquidity: z.enum(['added', 'removed']),
  time: z.number().int().describe('UTC ms'),
});
const balancesSchema = z.object({
  account: z.number().int(),
  cash: decimal,
  cashReserved: decimal,
  cashAvailable: decimal,
  positions: z.array(z.object({ symbol: z.string(), shares: z.number().int(), sharesReserved: z.number().int(), sharesAvailable: z.number().int() })),
});
const sessionSchema = z.object({
  id: z.number().int(),
  createdAt: z.number().int(),
  lastSeenAt: z.number().int(),
  expiresAt: z.number().int().nullable(),
  ip: z.string(),
  userAgent: z.string(),
  suspended: z.boolean(),
  current: z.boolean(),
});
const accountSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  loginId: z.string(),
  kyc: z.enum(['pending', 'approved', 'rejected']),
  status: z.enum(['active', 'suspended']),
  riskClass: z.string(),
  allowShort: z.boolean(),
  killSwitch: z.boolean(),
  createdAt: z.number().int(),
});
const errorSchema = z.object({
  code: z.enum(OrderEntryErrorCodes as [string, ...string[]]),
  message: z.string(),
  field: z.string().optional(),
  reason: z.string().optional(),
});

const errorRef = { $ref: '#/components/schemas/Error' };
const ERROR_TEXT: Record<number, string> = {
  400: 'Bad input: TW_ERR_OE_BAD_JSON, _UNKNOWN_FIELD, _BAD_FIELD, _BAD_PRICE, _OFF_TICK, _BAD_QUANTITY, _UNKNOWN_SYMBOL, _BAD_CLIENT_ORDER_ID, _BAD_PARAM (field names it)',
  401: 'No or unknown token: TW_ERR_OE_UNAUTHORIZED, _BAD_TOKEN, _BAD_CREDENTIALS',
  403: 'Not allowed: TW_ERR_OE_KYC_NOT_APPROVED, _ACCOUNT_SUSPENDED, _SESSION_SUSPENDED, _IP_DENIED, _FORBIDDEN',
  404: 'TW_ERR_OE_NOT_FOUND, _UNKNOWN_ORDER',
  409: 'TW_ERR_OE_DUPLICATE_CLIENT_ORDER_ID, _ORDER_CLOSED, _CANCEL_REJECTED, _ACCOUNT_REJECTED, _TOO_MANY_SESSIONS, _DUPLICATE_NAME',
  413: 'TW_ERR_OE_BODY_TOO_LARGE',
  429: 'TW_ERR_OE_RATE_LIMITED (per account orders or per address requests); see Retry-After',
  503: 'TW_ERR_OE_CORE_UNAVAILABLE, _ACCOUNTS_FAILED',
  504: 'TW_ERR_OE_CORE_TIMEOUT: retry with the same clientOrderId',
};
const errors = (codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), { description: ERROR_TEXT[c], content: { 'application/json': { schema: errorRef } } }]));
const ok = (s: z.ZodType | null, description: string) => ({
  '200': s === null ? { description } : { description, content: { 'application/json': { schema: schema(s) } } },
});
const body = (s: z.ZodType) => ({ required: true, content: { 'application/json': { schema: schema(s, 'input') } } });

function parameters(s: z.ZodType, where: 'query' | 'path', descriptions: Record<string, string> = {}): unknown[] {
  const js = schema(s, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  const required = new Set(js.required ?? []);
  return Object.entries(js.properties ?? {}).map(([name, p]) => ({ name, in: where, required: where === 'path' || required.has(name), description: descriptions[name] ?? '', schema: p }));
}

const trader = [{ bearer: [] }];
const admin = [{ admin: [] }];
const TRADER_ERRORS = [401, 403, 429];
const ADMIN_ERRORS = [400, 401, 403, 404, 409, 503, 504];

export function openApiDocument(serverUrl: string): unknown {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tickwire order entry',
      version: '1',
      description:
        'Orders, sessions and the private websocket /v1/stream (order-entry/README.md). Prices and cash are decimal strings, quantities whole shares, times UTC ms. An order is answered once the exchange core has it durable in its journal.',
    },
    servers: [{ url: serverUrl }],
    components: {
      schemas: { Error: schema(errorSchema), Order: schema(orderSchema), Execution: schema(executionSchema) },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key (tickwire accounts create) or a session token (POST /v1/session)' },
        admin: { type: 'http', scheme: 'bearer', description: 'The admin token, from loopback only' },
      },
    },
    paths: {
      '/v1/session': {
        post: { summary: 'Log in', requestBody: body(loginBodySchema), responses: { ...ok(z.object({ sessionToken: z.string(), sessionId: z.number(), expiresAt: z.number(), account: z.number(), kyc: z.string() }), 'A new session'), ...errors([400, 401, 403, 409, 429]) } },
        delete: { summary: 'Log this session out', security: trader, responses: { ...ok(z.object({ loggedOut: z.boolean(), sessionId: z.number() }), 'Logged out'), ...errors([400, 401, 429]) } },
      },
      '/v1/sessions': {
        get: { summary: "The account's live sessions", security: trader, responses: { ...ok(z.object({ sessions: z.array(sessionSchema) }), 'Sessions'), ...errors(TRADER_ERRORS) } },
        delete: { summary: 'Log out everywhere', security: trader, responses: { ...ok(z.object({ closed: z.number() }), 'Sessions closed'), ...errors(TRADER_ERRORS) } },
      },
      '/v1/order': {
        post: {
          summary: 'New order; answered when durable, with its immediate fills. A repeated clientOrderId with the same body answers the first order.',
          security: trader,
          requestBody: body(newOrderBodySchema),
          responses: {
            ...ok(orderSchema, 'The order, with its immediate fills'),
            '422': { description: 'Rejected by the exchange core (funds, risk, halted): the order with status rejected, and code = reason = its TW_REJECT_* code', content: { 'application/json': { schema: schema(orderSchema.extend({ code: z.string(), message: z.string() })) } } },
            ...errors([400, 401, 403, 409, 413, 429, 503, 504]),
          },
        },
      },
      '/v1/order/{id}': {
        get: { summary: 'One order of the account', security: trader, parameters: parameters(orderIdParamsSchema, 'path'), responses: { ...ok(orderSchema, 'The order'), ...errors([400, 401, 403, 404, 429]) } },
        delete: { summary: 'Cancel an order', security: trader, parameters: parameters(orderIdParamsSchema, 'path'), responses: { ...ok(orderSchema, 'The cancelled order'), ...errors([400, 401, 403, 404, 409, 429, 503, 504]) } },
      },
      '/v1/orders': {
        get: { summary: "The account's orders, oldest first", security: trader, parameters: parameters(ordersQuerySchema, 'query', { status: 'open (default) or all remembered' }), responses: { ...ok(z.object({ orders: z.array(orderSchema) }), 'Orders'), ...errors([400, ...TRADER_ERRORS]) } },
      },
      '/v1/execution': {
        get: {
          summary: "The account's own executions, oldest first",
          security: trader,
          parameters: parameters(executionsQuerySchema, 'query', { symbol: 'Ticker', orderId: 'One order', startTime: 'UTC ms, inclusive', endTime: 'UTC ms, inclusive' }),
          responses: { ...ok(z.object({ executions: z.array(executionSchema) }), 'Executions'), ...errors([400, ...TRADER_ERRORS]) },
        },
      },
      '/v1/balances': { get: { summary: 'Cash and positions, with what open orders reserve', security: trader, responses: { ...ok(balancesSchema, 'Balances'), ...errors([...TRADER_ERRORS, 503]) } } },
      '/v1/stream': {
        get: {
          summary: 'Private websocket: {"type":"order"|"execution"} messages of the account as they happen. Authorization header, or ?token= from a browser. Client message: {"op":"ping"}.',
          security: trader,
          responses: { '101': { description: 'Switching protocols' }, ...errors([401, 403, 429]) },
        },
      },
      '/admin/v1/accounts': {
        post: { summary: 'Create an account (and its API key, shown once)', security: admin, requestBody: body(createAccountBodySchema), responses: { ...ok(accountSchema.extend({ apiKey: z.string() }), 'The account'), ...errors(ADMIN_ERRORS) } },
        get: { summary: 'List accounts', security: admin, responses: { ...ok(z.object({ accounts: z.array(accountSchema) }), 'Accounts'), ...errors(ADMIN_ERRORS) } },
      },
      '/admin/v1/accounts/{id}': { get: { summary: 'One account and its balances', security: admin, parameters: parameters(accountIdParamsSchema, 'path'), responses: { ...ok(accountSchema.extend({ balances: balancesSchema.omit({ account: true }) }), 'The account'), ...errors(ADMIN_ERRORS) } } },
      '/admin/v1/accounts/{id}/kyc': { post: { summary: 'KYC decision', security: admin, parameters: parameters(accountIdParamsSchema, 'path'), requestBody: body(kycBodySchema), responses: { ...ok(accountSchema, 'The account'), ...errors(ADMIN_ERRORS) } } },
      '/admin/v1/accounts/{id}/suspend': { post: { summary: 'Suspend trading', security: admin, parameters: parameters(accountIdParamsSchema, 'path'), requestBody: body(actorBodySchema), responses: { ...ok(accountSchema, 'The account'), ...errors(ADMIN_ERRORS) } } },
      '/admin/v1/accounts/{id}/resume': { post: { summary: 'Resume trading', security: admin, parameters: parameters(accountIdParamsSchema, 'path'), requestBody: body(actorBodySchema), responses: { ...ok(accountSchema, 'The account'), ...errors(ADMIN_ERRORS) } } },
      '/admin/v1/accounts/{id}/kill-switch': { post: { summary: 'Kill switch on (cancels every open order, refuses new ones) or off', security: admin, parameters: parameters(accountIdParamsSchema, 'path'), requestBody: body(killSwitchBodySchema), responses: { ...ok(accountSchema, 'The account'), ...errors(ADMIN_ERRORS) } } },
      '/admin/v1/accounts/{id}/fund': { post: { summary: 'Deposit cash or shares (journaled)', security: admin, parameters: parameters(accountIdParamsSchema, 'path'), requestBody: body(transferBodySchema), responses: { ...ok(balancesSchema, 'Balances after'), ...errors(ADMIN_ERRORS) } } },
      '/admin/v1/accounts/{id}/withdraw': { post: { summary: 'Withdraw cash or shares (journaled)', security: admin, parameters: parameters(accountIdParamsSchema, 'path'), requestBody: body(transferBodySchema), responses: { ...ok(balancesSchema, 'Balances after'), ...errors(ADMIN_ERRORS) } } },
      '/admin/v1/accounts/{id}/suspensions': { get: { summary: "Suspensions of the account's sessions, lifted or not (the session ids to lift)", security: admin, parameters: parameters(accountIdParamsSchema, 'path'), responses: { ...ok(null, 'Suspensions'), ...errors(ADMIN_ERRORS) } } },
      '/admin/v1/sessions/{id}/lift': { post: { summary: "Lift a session's suspension", security: admin, parameters: parameters(sessionIdParamsSchema, 'path'), requestBody: body(actorBodySchema), responses: { ...ok(null, 'Lifted'), ...errors(ADMIN_ERRORS) } } },
      '/healthz': { get: { summary: 'Liveness', responses: ok(null, 'Alive') } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
      '/openapi.json': { get: { summary: 'This document', responses: ok(null, 'OpenAPI 3.1') } },
    },
  };
}
