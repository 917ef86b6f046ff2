import { listing } from '../config';
import { OrderEntryError } from './errors';
import { orderFingerprint, parseNewOrder, type OrderRules } from './order-request';

const rules: OrderRules = { symbols: new Map(listing(3).map((s) => [s.ticker, s])), tickSize: 100, maxShares: 1_000_000 };

function codeOf(body: unknown): string {
  try {
    parseNewOrder(body, rules);
  } catch (e) {
    if (e instanceof OrderEntryError) return e.code;
    throw e;
  }
  return 'ok';
}

describe('parseNewOrder', () => {
  const good = { symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '192.34', quantity: 100 };

  test('a limit day order becomes L with Price(4) and the locate', () => {
    expect(parseNewOrder(good, rules)).toEqual({ symbol: 'AAPL', locate: 1, side: 'B', orderType: 'L', price: 1_923_400, shares: 100, clientOrderId: null });
  });

  test('ioc limit is I, market is M with price 0', () => {
    expect(parseNewOrder({ ...good, timeInForce: 'ioc', clientOrderId: 'abc-1' }, rules)).toMatchObject({ orderType: 'I', clientOrderId: 'abc-1' });
    expect(parseNewOrder({ symbol: 'MSFT', side: 'sell', orderType: 'market', quantity: 5 }, rules)).toMatchObject({ locate: 2, side: 'S', orderType: 'M', price: 0 });
  });

  test('each bad input has its own code', () => {
    expect(codeOf({ ...good, extra: 1 })).toBe('TW_ERR_OE_UNKNOWN_FIELD');
    expect(codeOf(null)).toBe('TW_ERR_OE_BAD_JSON');
    expect(codeOf([1, 2])).toBe('TW_ERR_OE_BAD_JSON');
    expect(codeOf({ ...good, side: 'short' })).toBe('TW_ERR_OE_BAD_FIELD');
    expect(codeOf({ ...good, price: 'abc' })).toBe('TW_ERR_OE_BAD_PRICE');
    expect(codeOf({ ...good, price: 192.34 })).toBe('TW_ERR_OE_BAD_PRICE');
    expect(codeOf({ ...good, price: '192.34567' })).toBe('TW_ERR_OE_BAD_PRICE');
    expect(codeOf({ ...good, price: '0' })).toBe('TW_ERR_OE_BAD_PRICE');
    expect(codeOf({ ...good, price: '999999' })).toBe('TW_ERR_OE_BAD_PRICE');
    expect(codeOf({ ...good, price: '192.345' })).toBe('TW_ERR_OE_OFF_TICK');
    expect(codeOf({ ...good, quantity: 0 })).toBe('TW_ERR_OE_BAD_QUANTITY');
    expect(codeOf({ ...good, quantity: 1.5 })).toBe('TW_ERR_OE_BAD_QUANTITY');
    expect(codeOf({ ...good, quantity: 1e12 })).toBe('TW_ERR_OE_BAD_QUANTITY');
    expect(codeOf({ ...good, quantity: '100' })).toBe('TW_ERR_OE_BAD_QUANTITY');
    expect(codeOf({ ...good, symbol: 'ZZZZ' })).toBe('TW_ERR_OE_UNKNOWN_SYMBOL');
    expect(codeOf({ ...good, clientOrderId: '' })).toBe('TW_ERR_OE_BAD_CLIENT_ORDER_ID');
    expect(codeOf({ ...good, clientOrderId: 'x'.repeat(31) })).toBe('TW_ERR_OE_BAD_CLIENT_ORDER_ID');
    expect(codeOf({ ...good, clientOrderId: 'has space' })).toBe('TW_ERR_OE_BAD_CLIENT_ORDER_ID');
    expect(codeOf({ symbol: 'AAPL', side: 'buy', orderType: 'market', price: '1.00', quantity: 1 })).toBe('TW_ERR_OE_BAD_PRICE');
    expect(codeOf({ symbol: 'AAPL', side: 'buy', orderType: 'limit', quantity: 1 })).toBe('TW_ERR_OE_BAD_PRICE');
  });

  test('the fingerprint tells apart every field the core sees', () => {
    const a = parseNewOrder(good, rules);
    expect(orderFingerprint(a)).toBe(orderFingerprint(parseNewOrder({ ...good, price: '192.3400' }, rules)));
    expect(orderFingerprint(a)).not.toBe(orderFingerprint(parseNewOrder({ ...good, quantity: 101 }, rules)));
    expect(orderFingerprint(a)).not.toBe(orderFingerprint(parseNewOrder({ ...good, timeInForce: 'ioc' }, rules)));
  });
});
