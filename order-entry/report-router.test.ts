import type { OrderEntryReport, OrderEntryRequest, OrderReport, TradingPort } from '../protocol';
import { OrderEntryError } from './errors';
import { OrderMirror } from './order-mirror';
import { ReportRouter } from './report-router';

/** A port that records requests and lets the test deliver report batches by hand. */
class HandPort implements TradingPort {
  readonly requests: OrderEntryRequest[] = [];
  deliver: (reports: readonly OrderEntryReport[]) => void = () => {};
  submit(r: OrderEntryRequest): void {
    this.requests.push(r);
  }
  onReports(listener: (reports: readonly OrderEntryReport[]) => void): void {
    this.deliver = listener;
  }
  async balances() {
    return { account: 0, cash: 0, cashReserved: 0, positions: [] };
  }
}

const order = (over: Partial<OrderReport>): OrderReport => ({
  kind: 'order', requestId: 0, account: 5, orderId: 9, ref: 9, clientOrderId: 'c', locate: 1, side: 'B', orderType: 'L', price: 100,
  shares: 10, filledShares: 0, remainingShares: 10, status: 'new', reject: '', filledNotional: 0, creationNs: 1, updateNs: 1, seq: 9, ...over,
});

describe('ReportRouter', () => {
  test('a request is settled after the whole batch its report came in, with its own reports', async () => {
    const port = new HandPort();
    const mirror = new OrderMirror();
    const router = new ReportRouter(port, mirror, 1000, () => 0);
    const seen: string[] = [];
    router.setSink({ connectionsOf: () => 1, order: (o) => seen.push(`order ${o.status}`), execution: (e) => seen.push(`exec ${e.shares}`) });
    const answer = router.request({ kind: 'new', account: 5, clientOrderId: 'c', locate: 1, side: 'B', orderType: 'L', price: 100, shares: 10 });
    const id = port.requests[0].requestId;
    port.deliver([
      order({ requestId: id }),
      { kind: 'execution', account: 5, executionId: 3, matchNumber: 1, orderId: 9, clientOrderId: 'c', locate: 1, side: 'B', orderType: 'L', price: 100, shares: 4, liquidity: 'R', timeNs: 2, seq: 9 },
      order({ requestId: id, status: 'partiallyFilled', filledShares: 4, remainingShares: 6 }),
    ]);
    const reports = await answer;
    expect(reports.map((r) => (r.kind === 'order' ? r.status : r.kind))).toEqual(['new', 'partiallyFilled']);
    expect(mirror.order(5, 9)?.filledShares).toBe(4);
    expect(seen).toEqual(['order new', 'exec 4', 'order partiallyFilled']);
  });

  test("a report naming another account does not settle the request; the house's are not mirrored", () => {
    const port = new HandPort();
    const mirror = new OrderMirror();
    const router = new ReportRouter(port, mirror, 1000, () => 0);
    const waiting = router.request({ kind: 'cancel', account: 5, orderId: 9, shares: 0 });
    port.deliver([order({ requestId: port.requests[0].requestId, account: 6 }), order({ account: 0, orderId: 10 })]);
    expect(router.pendingCount).toBe(1);
    expect(router.figures.unmatched).toBe(1);
    expect(mirror.figures.accounts).toBe(1);
    router.close();
    return expect(waiting).rejects.toMatchObject({ code: 'TW_ERR_OE_CORE_UNAVAILABLE' });
  });

  test('an unanswered request times out with TW_ERR_OE_CORE_TIMEOUT; a port that throws is TW_ERR_OE_CORE_UNAVAILABLE', async () => {
    let now = 0;
    const port = new HandPort();
    const router = new ReportRouter(port, new OrderMirror(), 40, () => now);
    router.start();
    const late = router.request({ kind: 'deposit', account: 5, locate: 0, amount: 1 });
    now = 100;
    await expect(late).rejects.toMatchObject({ code: 'TW_ERR_OE_CORE_TIMEOUT' });
    port.submit = () => {
      throw new Error('closed');
    };
    await expect(router.request({ kind: 'deposit', account: 5, locate: 0, amount: 1 })).rejects.toBeInstanceOf(OrderEntryError);
    router.close();
    await expect(router.request({ kind: 'deposit', account: 5, locate: 0, amount: 1 })).rejects.toMatchObject({ code: 'TW_ERR_OE_CORE_UNAVAILABLE' });
  });
});
