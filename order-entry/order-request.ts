// POST /v1/order's body to the exchange core's fields: the listed symbol's locate, side and
// order type codes, the price in Price(4) units on the engine's tick, whole shares in range,
// and the client order id checked (or left for the caller to generate). Each problem is a
// 400 with its own code (errors.ts). The fingerprint of the result is what a retry with the
// same clientOrderId must match to get the first order back.
import type { ListedSymbol } from '../config';
import { CLIENT_ORDER_ID_MAX, type OrderSideCode, type OrderTypeCode } from '../protocol';
import { OrderEntryError } from './errors';
import { MAX_PRICE4, parseDecimal4 } from './prices';
import { CLIENT_ORDER_ID, newOrderBodySchema, parseInput } from './schemas';

export interface OrderRules {
  /** Listed symbols by ticker. */
  symbols: ReadonlyMap<string, ListedSymbol>;
  /** engine.tickSize, Price(4) units. */
  tickSize: number;
  /** engine.maxOrderShares. */
  maxShares: number;
}

export interface NewOrderFields {
  readonly symbol: string;
  readonly locate: number;
  readonly side: OrderSideCode;
  readonly orderType: OrderTypeCode;
  /** Price(4); 0 for a market order. */
  readonly price: number;
  readonly shares: number;
  /** As given, or null: the caller generates one. */
  readonly clientOrderId: string | null;
}

/** Validates a parsed JSON body (throws OrderEntryError, status 400). */
export function parseNewOrder(body: unknown, rules: OrderRules): NewOrderFields {
  const b = parseInput(newOrderBodySchema, body, 'body');
  const listed = rules.symbols.get(b.symbol);
  if (listed === undefined) throw new OrderEntryError('TW_ERR_OE_UNKNOWN_SYMBOL', `unknown symbol ${JSON.stringify(b.symbol)}`, { field: 'symbol' });
  if (!Number.isInteger(b.quantity) || b.quantity < 1 || b.quantity > rules.maxShares) {
    throw new OrderEntryError('TW_ERR_OE_BAD_QUANTITY', `quantity must be a whole number of shares from 1 to ${rules.maxShares}, got ${b.quantity}`, { field: 'quantity' });
  }
  let price = 0;
  let orderType: OrderTypeCode;
  if (b.orderType === 'market') {
    if (b.price !== undefined) throw new OrderEntryError('TW_ERR_OE_BAD_PRICE', 'a market order has no price; leave price out', { field: 'price' });
    if (b.timeInForce === 'day') throw new OrderEntryError('TW_ERR_OE_BAD_FIELD', 'a market order is immediate-or-cancel; leave timeInForce out or set "ioc"', { field: 'timeInForce' });
    orderType = 'M';
  } else {
    if (b.price === undefined) throw new OrderEntryError('TW_ERR_OE_BAD_PRICE', 'a limit order needs a price, a decimal string such as "192.34"', { field: 'price' });
    const p = parseDecimal4(b.price);
    if (p === null || p <= 0 || p > MAX_PRICE4) {
      throw new OrderEntryError('TW_ERR_OE_BAD_PRICE', `price must be a decimal string above 0 and at most 429496.7295 with at most 4 decimal places, got ${JSON.stringify(b.price)}`, { field: 'price' });
    }
    if (p % rules.tickSize !== 0) {
      throw new OrderEntryError('TW_ERR_OE_OFF_TICK', `price ${b.price} is not on the tick of ${rules.tickSize / 10_000} (engine.tickSize)`, { field: 'price' });
    }
    price = p;
    orderType = b.timeInForce === 'ioc' ? 'I' : 'L';
  }
  let clientOrderId: string | null = null;
  if (b.clientOrderId !== undefined) {
    if (b.clientOrderId.length < 1 || b.clientOrderId.length > CLIENT_ORDER_ID_MAX || !CLIENT_ORDER_ID.test(b.clientOrderId)) {
      throw new OrderEntryError('TW_ERR_OE_BAD_CLIENT_ORDER_ID', `clientOrderId must be 1..${CLIENT_ORDER_ID_MAX} printable ASCII characters without spaces`, { field: 'clientOrderId' });
    }
    clientOrderId = b.clientOrderId;
  }
  return { symbol: listed.ticker, locate: listed.locate, side: b.side === 'buy' ? 'B' : 'S', orderType, price, shares: b.quantity, clientOrderId };
}

/** What must be equal for a second POST with the same clientOrderId to be the same order. */
export function orderFingerprint(o: { locate: number; side: OrderSideCode; orderType: OrderTypeCode; price: number; shares: number }): string {
  return `${o.locate}|${o.side}|${o.orderType}|${o.price}|${o.shares}`;
}
