// Every request body and query of the client gateway as a zod schema: strict objects, so an
// unknown field is an error, never silently ignored. The same schemas generate the OpenAPI
// document (openapi.ts). `parseInput` turns the first problem into a 400 with a stable code
// naming its field; order-specific checks (price on the tick, listed symbol) are in
// order-request.ts.
import { z } from 'zod';
import { CLIENT_ORDER_ID_MAX } from '../protocol';
import { OrderEntryError, type OrderEntryErrorCode } from './errors';

/** Who made a change (the audit); the holder of the admin token when not named. */
const ACTOR = z.string().min(1).max(64).default('admin');
/** Printable ASCII, as an OUCH order token. */
export const CLIENT_ORDER_ID = /^[\x21-\x7e]+$/;

export const newOrderBodySchema = z.strictObject({
  symbol: z.string().min(1).max(8).describe('Ticker, e.g. AAPL'),
  side: z.enum(['buy', 'sell']),
  orderType: z.enum(['limit', 'market']),
  price: z.string().max(32).optional().describe('Limit price, a decimal string with at most 4 places on the tick ("192.34"); none for a market order'),
  quantity: z.number().describe('Shares, a whole number from 1'),
  clientOrderId: z.string().optional().describe(`1..${CLIENT_ORDER_ID_MAX} printable ASCII characters, unique per account per day; generated when absent`),
  timeInForce: z.enum(['day', 'ioc']).optional().describe('Limit orders: day (default) or ioc; market orders are always ioc'),
});
export type NewOrderBody = z.infer<typeof newOrderBodySchema>;

export const ordersQuerySchema = z.strictObject({
  status: z.enum(['open', 'all']).default('open'),
});

const MS = z.coerce.number().int().min(0).max(8.64e15);
export const executionsQuerySchema = z.strictObject({
  symbol: z.string().min(1).max(8).optional(),
  orderId: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  startTime: MS.optional().describe('UTC ms, inclusive'),
  endTime: MS.optional().describe('UTC ms, inclusive'),
});

export const orderIdParamsSchema = z.strictObject({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });
export const accountIdParamsSchema = z.strictObject({ id: z.coerce.number().int().min(1).max(2_147_483_647) });
export const sessionIdParamsSchema = z.strictObject({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });

export const loginBodySchema = z.strictObject({
  name: z.string().min(1).max(64).describe('Account name or login id'),
  password: z.string().min(1).max(128),
});

export const createAccountBodySchema = z.strictObject({
  name: z.string().min(1).max(64),
  password: z.string().min(1).max(128).optional(),
  riskClass: z.string().min(1).max(32).optional().describe('One of orderEntry.riskClasses (default: the first)'),
  allowShort: z.boolean().optional(),
  kyc: z.enum(['pending', 'approved', 'rejected']).optional(),
  cash: z.string().max(32).optional().describe('Cash to deposit at once, a decimal string'),
  actor: ACTOR,
});

export const kycBodySchema = z.strictObject({ kyc: z.enum(['pending', 'approved', 'rejected']), actor: ACTOR });
export const actorBodySchema = z.strictObject({ actor: ACTOR });
export const killSwitchBodySchema = z.strictObject({ on: z.boolean(), actor: ACTOR });
/** Cash (a decimal string) or shares of one symbol, in or out. */
export const transferBodySchema = z.strictObject({
  cash: z.string().max(32).optional(),
  symbol: z.string().min(1).max(8).optional(),
  shares: z.number().optional(),
  actor: ACTOR,
});

export const wsClientMessageSchema = z.strictObject({ op: z.literal('ping') });

/** The codes for a problem with these fields (anything else: TW_ERR_OE_BAD_FIELD). */
const FIELD_CODES: Record<string, OrderEntryErrorCode> = {
  price: 'TW_ERR_OE_BAD_PRICE',
  quantity: 'TW_ERR_OE_BAD_QUANTITY',
  shares: 'TW_ERR_OE_BAD_QUANTITY',
  clientOrderId: 'TW_ERR_OE_BAD_CLIENT_ORDER_ID',
};

/**
 * Validates a body (`where` 'body') or a query or path (`where` 'query'); the first problem
 * becomes a 400: an unknown field TW_ERR_OE_UNKNOWN_FIELD, a body that is not an object
 * TW_ERR_OE_BAD_JSON, a bad query TW_ERR_OE_BAD_PARAM, else by field (FIELD_CODES).
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, where: 'body' | 'query'): z.infer<T> {
  const r = schema.safeParse(input ?? (where === 'query' ? {} : undefined));
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const keys = (issue as { keys?: string[] }).keys;
  const field = issue.path.length > 0 ? issue.path.join('.') : keys !== undefined ? keys[0] : undefined;
  if (where === 'query') throw new OrderEntryError('TW_ERR_OE_BAD_PARAM', `${field ?? 'query'}: ${issue.message}`, { field });
  if (issue.code === 'unrecognized_keys') {
    throw new OrderEntryError('TW_ERR_OE_UNKNOWN_FIELD', `unknown field ${JSON.stringify(field)}; GET /openapi.json lists the fields`, { field });
  }
  if (field === undefined) throw new OrderEntryError('TW_ERR_OE_BAD_JSON', `the body must be a JSON object: ${issue.message}`);
  throw new OrderEntryError(FIELD_CODES[field] ?? 'TW_ERR_OE_BAD_FIELD', `${field}: ${issue.message}`, { field });
}
