// Issue 18: an order is acknowledged only when its command is on disk in the journal (group
// commit). Real processes: `tickwire run` trading two accounts through the client gateway,
// SIGKILLed, restarted on the same files. What was acknowledged must be there, equal.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExchangeProcess } from './support/exchange-process';

jest.setTimeout(180_000);

interface Order {
  id: number;
  clientOrderId: string;
  status: string;
  filledQuantity: number;
  remainingQuantity: number;
}

const symbol = 'AAPL';
const cents = (c: number): string => (c / 100).toFixed(2);

describe('order entry durability', () => {
  let ex: ExchangeProcess;
  afterEach(async () => ex?.kill());

  test('after SIGKILL and a restart, every acknowledged order, fill and balance is there, equal', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-oe-durable-'));
    ex = new ExchangeProcess({ dir, rate: 0, groups: ['239.192.91.1', '239.192.91.2'] });
    await ex.start();
    const alice = await ex.account('alice', '1000000');
    const bob = await ex.account('bob', '100000', { symbol, shares: 10_000 });

    // Phase 1, quiescent: bob's offers rest, alice lifts some; every answer awaited.
    const acked = new Map<number, { key: string; order: Order }>();
    const place = async (key: string, body: Record<string, unknown>): Promise<Order | null> => {
      const a = await ex.request('POST', '/v1/order', key, body);
      if (a.status !== 200 && a.status !== 422) throw new Error(`${a.status} ${JSON.stringify(a.body)}`);
      const o = a.body as Order;
      acked.set(o.id, { key, order: o });
      return o;
    };
    for (let i = 0; i < 20; i++) {
      await Promise.all([
        place(bob.apiKey, { symbol, side: 'sell', orderType: 'limit', price: cents(19_234 + (i % 5)), quantity: 100, clientOrderId: `s${i}` }),
        place(alice.apiKey, { symbol, side: 'buy', orderType: 'limit', price: cents(19_200 - (i % 7)), quantity: 50, clientOrderId: `r${i}` }),
      ]);
      if (i % 3 === 0) await place(alice.apiKey, { symbol, side: 'buy', orderType: 'limit', price: cents(19_240), quantity: 120, clientOrderId: `x${i}` });
    }
    const before = {
      alice: (await ex.request('GET', '/v1/balances', alice.apiKey)).body,
      bob: (await ex.request('GET', '/v1/balances', bob.apiKey)).body,
      aliceOrders: (await ex.request('GET', '/v1/orders?status=all', alice.apiKey)).body,
      bobOrders: (await ex.request('GET', '/v1/orders?status=all', bob.apiKey)).body,
      aliceFills: (await ex.request('GET', '/v1/execution', alice.apiKey)).body,
    };
    expect(before.aliceFills.executions.length).toBeGreaterThan(0);
    expect(before.alice.positions.length).toBe(1);

    await ex.kill();
    await ex.start();
    expect(ex.output).not.toMatch(/order entry: .*accounts opened/); // a resumed session: nothing re-journaled
    const after = {
      alice: (await ex.request('GET', '/v1/balances', alice.apiKey)).body,
      bob: (await ex.request('GET', '/v1/balances', bob.apiKey)).body,
      aliceOrders: (await ex.request('GET', '/v1/orders?status=all', alice.apiKey)).body,
      bobOrders: (await ex.request('GET', '/v1/orders?status=all', bob.apiKey)).body,
      aliceFills: (await ex.request('GET', '/v1/execution', alice.apiKey)).body,
    };
    expect(after).toEqual(before);

    // Phase 2: orders in flight when the process dies. Every one answered before the kill
    // survives; those not answered either happened whole or not at all (cash and shares
    // across both accounts are conserved, and nothing stays reserved beyond open orders).
    const inFlight: Array<Promise<void>> = [];
    let answered = 0;
    for (let i = 0; i < 200; i++) {
      const sell = (i & 1) === 0;
      const body = sell
        ? { symbol, side: 'sell', orderType: 'limit', price: cents(19_230 + (i % 9)), quantity: 10, clientOrderId: `k${i}` }
        : { symbol, side: 'buy', orderType: 'limit', price: cents(19_236 - (i % 9)), quantity: 10, clientOrderId: `k${i}` };
      const key = sell ? bob.apiKey : alice.apiKey;
      inFlight.push(
        ex.request('POST', '/v1/order', key, body).then(
          (a) => {
            if (a.status === 200 || a.status === 422) {
              acked.set(a.body.id, { key, order: a.body });
              answered++;
            }
          },
          () => undefined,
        ),
      );
      if (i === 120) while (answered < 40) await new Promise((r) => setTimeout(r, 1));
    }
    await ex.kill();
    await Promise.all(inFlight);
    expect(answered).toBeGreaterThanOrEqual(40);
    await ex.start();

    let lost = 0;
    for (const [id, { key, order }] of acked) {
      const a = await ex.request('GET', `/v1/order/${id}`, key);
      if (a.status !== 200) {
        lost++;
        continue;
      }
      expect(a.body.clientOrderId).toBe(order.clientOrderId);
      expect(a.body.filledQuantity).toBeGreaterThanOrEqual(order.filledQuantity);
    }
    expect({ ackedOrdersLost: lost, acked: acked.size }).toEqual({ ackedOrdersLost: 0, acked: acked.size });

    const a2 = (await ex.request('GET', '/v1/balances', alice.apiKey)).body;
    const b2 = (await ex.request('GET', '/v1/balances', bob.apiKey)).body;
    expect(Number(a2.cash) + Number(b2.cash)).toBeCloseTo(1_100_000, 4);
    const shares = (b: { positions: Array<{ symbol: string; shares: number }> }): number => b.positions.filter((p) => p.symbol === symbol).reduce((s, p) => s + p.shares, 0);
    expect(shares(a2) + shares(b2)).toBe(10_000);
    const open = (await ex.request('GET', '/v1/orders?status=open', alice.apiKey)).body.orders as Array<{ price: string; remainingQuantity: number }>;
    const needed = open.reduce((s, o) => s + Number(o.price) * o.remainingQuantity, 0);
    expect(Number(a2.cashReserved)).toBeCloseTo(needed, 4);
  });

  test('the next session carries every closing balance once: after a clean end of day, and again equal after a SIGKILL and restart of the new session', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-oe-carry-'));
    ex = new ExchangeProcess({ dir, rate: 0, groups: ['239.192.91.3', '239.192.91.4'] });
    await ex.start();
    const alice = await ex.account('carry-alice', '50000');
    const bob = await ex.account('carry-bob', '1000', { symbol, shares: 500 });
    const sold = await ex.request('POST', '/v1/order', bob.apiKey, { symbol, side: 'sell', orderType: 'limit', price: cents(19_234), quantity: 200, clientOrderId: 'c-s1' });
    expect(sold.status).toBe(200);
    const bought = await ex.request('POST', '/v1/order', alice.apiKey, { symbol, side: 'buy', orderType: 'limit', price: cents(19_234), quantity: 120, clientOrderId: 'c-b1' });
    expect(bought.body).toMatchObject({ status: 'filled', filledQuantity: 120 });
    const balances = async (): Promise<unknown[]> => [(await ex.request('GET', '/v1/balances', alice.apiKey)).body, (await ex.request('GET', '/v1/balances', bob.apiKey)).body];
    type Balance = { cash: string; cashReserved: string; cashAvailable: string; positions: Array<{ symbol: string; shares: number; sharesReserved: number; sharesAvailable: number }> };
    const [a1, b1] = (await balances()) as Balance[];
    expect(b1.positions.find((p) => p.symbol === symbol)).toMatchObject({ shares: 380, sharesReserved: 80 }); // 80 still offered
    await ex.stop(); // the day ends: bob's open offer ends with it

    await ex.start();
    // From the closing statement the clean end of day journaled, not a replay of the day.
    expect(ex.output).toMatch(/order entry: .*accounts opened, \d+ balances carried from \S+ \(its closing statement, \d+ ms\)/);
    // At the close open orders end, and their reservations with them.
    const closed = (b: Balance): Balance => ({ ...b, cashReserved: '0.0000', cashAvailable: b.cash, positions: b.positions.map((p) => ({ ...p, sharesReserved: 0, sharesAvailable: p.shares })) });
    const carried = (await balances()) as Balance[];
    expect(carried).toEqual([closed(a1), closed(b1)]);
    // The carried balances trade: bob sells what he held over.
    const again = await ex.request('POST', '/v1/order', bob.apiKey, { symbol, side: 'sell', orderType: 'limit', price: cents(19_300), quantity: 380, clientOrderId: 'c-s2' });
    expect(again.body).toMatchObject({ status: 'new', remainingQuantity: 380 });

    await ex.kill();
    await ex.start();
    expect(ex.output).not.toMatch(/balances carried/); // a resumed session whose opening was complete
    const [a3, b3] = (await balances()) as Balance[];
    expect(a3).toEqual(closed(a1));
    expect(b3.cash).toBe(closed(b1).cash);
    expect(b3.positions.find((p) => p.symbol === symbol)).toMatchObject({ shares: 380, sharesReserved: 380 });
  });
});
