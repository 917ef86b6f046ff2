// Issue 19: an OUCH session of `tickwire run` (a real process) killed mid-session with
// SIGKILL and restarted on the same files. Every order the client saw Accepted is there, and
// logging in again from sequence 1 gives the same sequenced messages the client had, then more.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OuchClient, type ReceivedOuch } from '../order-entry';
import { ExchangeProcess } from './support/exchange-process';

jest.setTimeout(180_000);

const DAY = 99_999;
const PRICE = 1_900_000; // $190.00
const of = (type: string, token: string) => (m: ReceivedOuch): boolean => m.message.type === type && 'token' in m.message && m.message.token === token;
const summary = (m: ReceivedOuch): string => `${m.sequence}:${m.message.type}:${'token' in m.message ? m.message.token : ''}`;

describe('OUCH across a SIGKILL', () => {
  let ex: ExchangeProcess | null = null;
  const clients: OuchClient[] = [];
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await ex?.kill();
  });

  test('every Accepted order and every sequenced message is there after a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-ouch-kill-'));
    ex = new ExchangeProcess({ dir, rate: 0, groups: ['239.192.93.1', '239.192.93.2'] });
    await ex.start();
    expect(ex.ouchPort).toBeGreaterThan(0);
    const seller = await ex.account('seller', '100000', { symbol: 'AAPL', shares: 10_000 });
    const buyer = await ex.account('buyer', '1000000');
    const connect = async (who: { loginId: string; password: string }, sequence = 1): Promise<OuchClient> => {
      const c = await OuchClient.connect({ host: '127.0.0.1', port: ex!.ouchPort, heartbeatMs: 500 });
      clients.push(c);
      await c.logIn(who.loginId, who.password, sequence);
      return c;
    };
    const s = await connect(seller);
    const b = await connect(buyer);
    const accepted: string[] = [];
    for (let i = 1; i <= 12; i++) {
      s.enterOrder({ token: `S${i}`, side: 'S', shares: 100, stock: 'AAPL', price: PRICE, timeInForce: DAY, firm: 'SELL' });
      await s.waitFor(of('A', `S${i}`), 10_000);
      accepted.push(`S${i}`);
    }
    for (let i = 1; i <= 5; i++) {
      b.enterOrder({ token: `B${i}`, side: 'B', shares: 150, stock: 'AAPL', price: PRICE, timeInForce: 0 });
      await b.waitFor(of('E', `B${i}`), 10_000);
      accepted.push(`B${i}`);
    }
    // In flight at the kill: sent, maybe not answered.
    for (let i = 13; i <= 30; i++) s.enterOrder({ token: `S${i}`, side: 'S', shares: 10, stock: 'AAPL', price: PRICE + 100 * i, timeInForce: DAY });
    await s.waitFor(of('A', 'S14'), 10_000).catch(() => undefined);
    for (let i = 13; i <= 30; i++) if (s.messages.some(of('A', `S${i}`))) accepted.push(`S${i}`);
    const sellerSaw = s.messages.map(summary);
    const buyerSaw = b.messages.map(summary);
    await ex.kill();
    await s.close().catch(() => undefined);
    await b.close().catch(() => undefined);

    await ex.start();
    // The orders, through REST with the same accounts' keys.
    const orders = [
      ...(await ex.request('GET', '/v1/orders?status=all', seller.apiKey)).body.orders,
      ...(await ex.request('GET', '/v1/orders?status=all', buyer.apiKey)).body.orders,
    ] as Array<{ clientOrderId: string; filledQuantity: number }>;
    const have = new Set(orders.map((o) => o.clientOrderId));
    expect(accepted.filter((t) => !have.has(t))).toEqual([]);
    expect(orders.filter((o) => o.clientOrderId.startsWith('B')).reduce((n, o) => n + o.filledQuantity, 0)).toBe(5 * 150);

    // The sequenced streams: the same messages at the same numbers, from 1.
    const s2 = await connect(seller, 1);
    const b2 = await connect(buyer, 1);
    await s2.waitFor((m) => m.sequence >= sellerSaw.length, 10_000);
    await b2.waitFor((m) => m.sequence >= buyerSaw.length, 10_000);
    expect(s2.messages.map(summary).slice(0, sellerSaw.length)).toEqual(sellerSaw);
    expect(b2.messages.map(summary).slice(0, buyerSaw.length)).toEqual(buyerSaw);
  });
});
