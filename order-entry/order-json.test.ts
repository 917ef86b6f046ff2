import { listing } from '../config';
import { nySessionMidnightMs } from '../protocol';
import { OrderFormatter } from './order-json';
import type { MirroredOrder } from './order-mirror';

describe('OrderFormatter', () => {
  const f = new OrderFormatter(listing(2), '2026-03-02');
  const midnight = nySessionMidnightMs('2026-03-02');

  test('an order: ticker, words, decimal strings, UTC ms, the reject as reason', () => {
    const o: MirroredOrder = {
      orderId: 5, account: 1, clientOrderId: 'a', locate: 2, side: 'S', orderType: 'I', firstPrice: 4_151_000, firstShares: 10,
      price: 4_151_000, shares: 10, filledShares: 4, remainingShares: 0, filledNotional: 4 * 4_151_000 + 2 * 100, status: 'cancelled',
      reject: '', creationNs: 34_200_000_000_000, updateNs: 34_200_001_500_000,
    };
    expect(f.order(o)).toEqual({
      id: 5, clientOrderId: 'a', symbol: 'MSFT', side: 'sell', orderType: 'limit', timeInForce: 'ioc', price: '415.1000', quantity: 10,
      filledQuantity: 4, remainingQuantity: 0, averagePrice: '415.1050', status: 'cancelled', creationTime: midnight + 34_200_000, updateTime: midnight + 34_200_001,
    });
    expect(f.order({ ...o, orderType: 'M', status: 'rejected', reject: 'TW_REJECT_X', filledShares: 0 })).toMatchObject({ price: null, orderType: 'market', averagePrice: null, reason: 'TW_REJECT_X' });
  });

  test('balances: available is held minus reserved', () => {
    expect(f.balances({ account: 1, cash: 10_000_000, cashReserved: 2_500_000, positions: [{ locate: 1, shares: 50, sharesReserved: 20 }] })).toEqual({
      cash: '1000.0000', cashReserved: '250.0000', cashAvailable: '750.0000', positions: [{ symbol: 'AAPL', shares: 50, sharesReserved: 20, sharesAvailable: 30 }],
    });
  });

  test('time filters convert back to engine ns', () => {
    expect(f.sinceMidnightNs(f.epochMs(34_200_000_000_000))).toBe(34_200_000_000_000);
  });
});
