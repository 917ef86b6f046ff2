import type { ExecutionReport, OrderReport } from '../protocol';
import { OrderMirror } from './order-mirror';

function report(over: Partial<OrderReport>): OrderReport {
  return {
    kind: 'order', requestId: 0, account: 7, orderId: 1, ref: 1, clientOrderId: 'c1', locate: 1, side: 'B', orderType: 'L',
    price: 1_000_000, shares: 100, filledShares: 0, remainingShares: 100, status: 'new', reject: '', filledNotional: 0,
    creationNs: 1000, updateNs: 1000, seq: 1, ...over,
  };
}

function execution(over: Partial<ExecutionReport>): ExecutionReport {
  return {
    kind: 'execution', account: 7, executionId: 2, matchNumber: 1, orderId: 1, clientOrderId: 'c1', locate: 1, side: 'B',
    orderType: 'L', price: 1_000_000, shares: 10, liquidity: 'A', timeNs: 2000, seq: 2, ...over,
  };
}

describe('OrderMirror', () => {
  test('an order follows its reports and is found by clientOrderId', () => {
    const m = new OrderMirror();
    m.applyOrder(report({}));
    m.applyOrder(report({ status: 'partiallyFilled', filledShares: 10, remainingShares: 90, updateNs: 2000 }));
    expect(m.order(7, 1)).toMatchObject({ status: 'partiallyFilled', filledShares: 10, remainingShares: 90, firstShares: 100 });
    expect(m.byClientOrderId(7, 'c1')?.orderId).toBe(1);
    expect(m.byClientOrderId(8, 'c1')).toBeNull();
    expect(m.orders(7, 'open')).toHaveLength(1);
  });

  test('a refused cancel leaves the order as it was', () => {
    const m = new OrderMirror();
    m.applyOrder(report({}));
    m.applyOrder(report({ status: 'new', reject: 'TW_REJECT_SOMETHING', remainingShares: 0 }));
    m.applyOrder(report({ status: 'rejected', reject: 'TW_REJECT_UNKNOWN_ORDER', locate: 0 }));
    expect(m.order(7, 1)).toMatchObject({ status: 'new', remainingShares: 100, reject: '' });
  });

  test('refusals that name no order of the account are not mirrored', () => {
    const m = new OrderMirror();
    expect(m.applyOrder(report({ orderId: 0, status: 'rejected', reject: 'TW_REJECT_BAD_CLIENT_ORDER_ID', remainingShares: 0 }))).toBe(-1);
    expect(m.applyOrder(report({ orderId: 77, locate: 0, clientOrderId: '', status: 'rejected', reject: 'TW_REJECT_UNKNOWN_ORDER' }))).toBe(-1);
    expect(m.orderAt(m.applyOrder(report({ orderId: 5, status: 'rejected', reject: 'TW_REJECT_INSUFFICIENT_FUNDS', remainingShares: 0 })))).toMatchObject({ status: 'rejected', reject: 'TW_REJECT_INSUFFICIENT_FUNDS' });
    expect(m.orders(7, 'all').map((o) => o.orderId)).toEqual([5]);
  });

  test('the house account is never mirrored', () => {
    const m = new OrderMirror();
    expect(m.applyOrder(report({ account: 0 }))).toBe(-1);
    expect(m.applyExecution(execution({ account: 0 }))).toBe(false);
    expect(m.figures).toMatchObject({ accounts: 0, orders: 0, executions: 0 });
  });

  test('past the bound the order that closed longest ago goes first; with thousands open, forgetting stays cheap', () => {
    const m = new OrderMirror({ ordersPerAccount: 3, executionsPerAccount: 4 });
    m.applyOrder(report({ orderId: 1, clientOrderId: 'a' }));
    m.applyOrder(report({ orderId: 2, clientOrderId: 'b' }));
    m.applyOrder(report({ orderId: 3, clientOrderId: 'c' }));
    m.applyOrder(report({ orderId: 3, clientOrderId: 'c', status: 'cancelled', remainingShares: 0 }));
    m.applyOrder(report({ orderId: 2, clientOrderId: 'b', status: 'filled', filledShares: 100, remainingShares: 0 }));
    m.applyOrder(report({ orderId: 4, clientOrderId: 'd' }));
    expect(m.orders(7, 'all').map((o) => o.orderId)).toEqual([1, 2, 4]); // 3 closed before 2
    expect(m.byClientOrderId(7, 'c')).toBeNull();
    // 20,000 open orders past a bound of 10,000, then closed ones: each new order forgets one at once.
    const big = new OrderMirror({ ordersPerAccount: 10_000, executionsPerAccount: 4 });
    for (let i = 1; i <= 20_000; i++) big.applyOrder(report({ orderId: i, clientOrderId: `o${i}` }));
    expect(big.figures.ordersForgotten).toBe(0);
    for (let i = 20_001; i <= 30_000; i++) big.applyOrder(report({ orderId: i, clientOrderId: `o${i}`, status: 'filled', filledShares: 100, remainingShares: 0 }));
    expect(big.figures.ordersForgotten).toBe(10_000);
    expect(big.orders(7, 'open')).toHaveLength(20_000);
  });

  test('past the bound the oldest closed orders are forgotten, open ones kept', () => {
    const m = new OrderMirror({ ordersPerAccount: 3, executionsPerAccount: 4 });
    m.applyOrder(report({ orderId: 1, clientOrderId: 'open-1' }));
    m.applyOrder(report({ orderId: 2, clientOrderId: 'done-2', status: 'filled', remainingShares: 0, filledShares: 100 }));
    m.applyOrder(report({ orderId: 3, clientOrderId: 'done-3', status: 'cancelled', remainingShares: 0 }));
    m.applyOrder(report({ orderId: 4, clientOrderId: 'open-4' }));
    expect(m.orders(7, 'all').map((o) => o.orderId)).toEqual([1, 3, 4]);
    expect(m.byClientOrderId(7, 'done-2')).toBeNull();
    expect(m.figures).toMatchObject({ orders: 3, ordersForgotten: 1 });
  });

  test('executions are bounded and filtered by symbol, order and time', () => {
    const m = new OrderMirror({ ordersPerAccount: 10, executionsPerAccount: 4 });
    for (let i = 1; i <= 6; i++) m.applyExecution(execution({ executionId: i, timeNs: i * 1000, locate: i % 2 === 0 ? 2 : 1, orderId: i }));
    // 6 > 4 x 1.25: trimmed to the latest 4.
    expect(m.executions(7).map((e) => e.executionId)).toEqual([3, 4, 5, 6]);
    expect(m.executions(7, { locate: 2 }).map((e) => e.executionId)).toEqual([4, 6]);
    expect(m.executions(7, { orderId: 5 }).map((e) => e.executionId)).toEqual([5]);
    expect(m.executions(7, { fromNs: 4000, toNs: 5000 }).map((e) => e.executionId)).toEqual([4, 5]);
    expect(m.executions(99)).toEqual([]);
  });
});
