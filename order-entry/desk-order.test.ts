// The order desk's typed entry (OUCH's): the REST checks with their codes on binary fields,
// and a REST retry of the same client order id while the typed order is in flight gets it.
import type { OrderReport } from '../protocol';
import { OrderEntryRig } from '../test/support/order-entry-rig';
import type { Principal } from './auth';
import { DeskOrder } from './desk-order';
import type { OrderEntryError } from './errors';

class Probe extends DeskOrder {
  answer: OrderReport | null = null;
  error: OrderEntryError | null = null;
  accepted(order: OrderReport): void {
    this.answer = order;
  }
  refused(error: OrderEntryError): void {
    this.error = error;
  }
}

let rig: OrderEntryRig;
afterEach(async () => {
  await rig?.close();
});

async function principal(r: OrderEntryRig, name: string): Promise<{ p: Principal; apiKey: string }> {
  const t = await r.trader(name);
  const account = r.accounts.get(t.id);
  if (account === undefined) throw new Error('no account');
  return { p: { account, session: null, keyId: null, trafficKey: -(2 ** 40) - t.id }, apiKey: t.apiKey };
}

function probe(p: Principal, over: Partial<DeskOrder> = {}): Probe {
  const o = new Probe();
  o.principal = p;
  o.clientOrderId = 'T1';
  o.locate = 1; // AAPL
  o.side = 'B';
  o.orderType = 'L';
  o.price = 1_923_400; // $192.34
  o.shares = 10;
  Object.assign(o, over);
  return o;
}

describe('OrderDesk.enter (a typed order)', () => {
  test('refuses what REST refuses, with the same codes; nothing reaches the core', async () => {
    rig = await OrderEntryRig.start();
    const { p } = await principal(rig, 'typed-refused');
    const desk = rig.oe.desk;
    expect(() => desk.enter(probe(p, { price: 1_923_450 }))).toThrow(expect.objectContaining({ code: 'TW_ERR_OE_OFF_TICK' }));
    expect(() => desk.enter(probe(p, { locate: 999 }))).toThrow(expect.objectContaining({ code: 'TW_ERR_OE_UNKNOWN_SYMBOL' }));
    expect(() => desk.enter(probe(p, { shares: 0 }))).toThrow(expect.objectContaining({ code: 'TW_ERR_OE_BAD_QUANTITY' }));
    expect(() => desk.enter(probe(p, { orderType: 'M', price: 5 }))).toThrow(expect.objectContaining({ code: 'TW_ERR_OE_BAD_PRICE' }));
    expect(() => desk.enter(probe(p, { clientOrderId: 'has space' }))).toThrow(expect.objectContaining({ code: 'TW_ERR_OE_BAD_CLIENT_ORDER_ID' }));
    expect(rig.port.requests.filter((r) => r.kind === 'new')).toHaveLength(0);
  });

  test('a REST retry of the id while the typed order is in flight waits for it and gets the same order; another body is 409', async () => {
    rig = await OrderEntryRig.start();
    const { p, apiKey } = await principal(rig, 'typed-retry');
    rig.port.pause();
    const o = probe(p);
    expect(rig.oe.desk.enter(o)).toBe(true);
    expect(rig.oe.desk.hasInFlight(p.account.id, 'T1')).toBe(true);
    const retry = rig.order(apiKey, { symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '192.34', quantity: 10, clientOrderId: 'T1' });
    const other = await rig.order(apiKey, { symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '192.35', quantity: 10, clientOrderId: 'T1' });
    expect(other).toMatchObject({ status: 409, body: { code: 'TW_ERR_OE_DUPLICATE_CLIENT_ORDER_ID' } });
    rig.port.resume();
    const answered = await retry;
    expect(answered.status).toBe(200);
    expect(o.answer).not.toBeNull();
    expect(answered.body).toMatchObject({ id: o.answer?.orderId, clientOrderId: 'T1', quantity: 10 });
    expect(rig.oe.desk.hasInFlight(p.account.id, 'T1')).toBe(false);
    expect(rig.port.requests.filter((r) => r.kind === 'new')).toHaveLength(1);
    // Known now (the mirror): the same typed order again is a retry, not a second order.
    expect(rig.oe.desk.enter(probe(p))).toBe(false);
  });
});
