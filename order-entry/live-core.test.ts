// The gateway over the real exchange core (sim/'s LiveSim, the in-thread TradingPort, with a
// journal) and the real accounts/ classes: a fill between two clients, pushed to the buyer's
// private websocket, and a restart whose journal replay rebuilds the mirror before the port opens.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import { AbnormalTrafficDetector, AccountStore, AccountsDb, IpRules, SessionStore } from '../accounts';
import { listing, loadConfig } from '../config';
import { LiveSim } from '../sim';
import { OrderEntry } from './order-entry-server';

const NO_EVENTS = { onEngineEvent: (): void => undefined };
const ADMIN = 'live-core-admin-token-0123';

async function json(url: string, method: string, token: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('order entry over the real exchange core', () => {
  test('two clients trade; the buyer sees its fill; a restart replays the day into the mirror', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-oe-live-'));
    const journal = path.join(dir, 'day.journal');
    const config = loadConfig({ flags: { 'sim.ordersPerSec': 0, 'sim.symbols': 5, 'journal.fsync': false, 'orderEntry.port': 0 } });
    const db = new AccountsDb(path.join(dir, 'accounts.sqlite'));
    const accounts = new AccountStore(db, { scrypt: { N: 16, r: 1, p: 1 } });
    const sessions = new SessionStore(db);
    const open = async (sim: LiveSim): Promise<OrderEntry> => {
      const oe = new OrderEntry({
        config,
        trading: sim,
        accounts,
        sessions,
        traffic: new AbnormalTrafficDetector(),
        ipAccess: new IpRules(),
        adminToken: ADMIN,
        symbols: listing(5),
      });
      sim.start(); // the journal's replay reaches the gateway's listener before the port opens
      await oe.start();
      return oe;
    };

    let sim = new LiveSim(config, journal, NO_EVENTS);
    let oe = await open(sim);
    try {
      const url = oe.address.url;
      const create = async (name: string, cash?: string) => {
        const r = await json(`${url}/admin/v1/accounts`, 'POST', ADMIN, { name, kyc: 'approved', cash, actor: 'test' });
        expect(r.status).toBe(200);
        return r.body;
      };
      const seller = await create('live-seller');
      const buyer = await create('live-buyer', '100000');
      expect((await json(`${url}/admin/v1/accounts/${seller.id}/fund`, 'POST', ADMIN, { symbol: 'AAPL', shares: 40, actor: 'test' })).body).toMatchObject({ positions: [{ symbol: 'AAPL', shares: 40 }] });

      const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/stream`, { headers: { authorization: `Bearer ${buyer.apiKey}` } });
      const fill = new Promise<Record<string, unknown>>((resolve) => {
        ws.on('message', (data) => {
          const m = JSON.parse(String(data));
          if (m.type === 'execution') resolve(m.execution);
        });
      });
      await new Promise((r) => ws.once('open', r));

      const sell = await json(`${url}/v1/order`, 'POST', seller.apiKey as string, { symbol: 'AAPL', side: 'sell', orderType: 'limit', price: '190.00', quantity: 40, clientOrderId: 'sell-1' });
      expect(sell.body).toMatchObject({ status: 'new', remainingQuantity: 40 });
      const buy = await json(`${url}/v1/order`, 'POST', buyer.apiKey as string, { symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '190.00', quantity: 100, clientOrderId: 'buy-1' });
      expect(buy).toMatchObject({ status: 200, body: { status: 'partiallyFilled', filledQuantity: 40, remainingQuantity: 60, averagePrice: '190.0000' } });
      expect(await fill).toMatchObject({ orderId: buy.body.id, symbol: 'AAPL', side: 'buy', price: '190.0000', quantity: 40 });
      expect((await json(`${url}/v1/balances`, 'GET', buyer.apiKey as string)).body).toMatchObject({ cash: '92400.0000', cashReserved: '11400.0000', positions: [{ symbol: 'AAPL', shares: 40 }] });
      const refused = await json(`${url}/v1/order`, 'POST', seller.apiKey as string, { symbol: 'AAPL', side: 'sell', orderType: 'limit', price: '191.00', quantity: 1 });
      expect(refused).toMatchObject({ status: 422, body: { status: 'rejected' } });
      expect(String(refused.body.code)).toMatch(/^TW_REJECT_/);
      ws.close();
      await oe.close();
      sim.stop(false);

      // Restart: a new core on the same journal, a new gateway; the mirror comes from the replay.
      sim = new LiveSim(config, journal, NO_EVENTS);
      oe = await open(sim);
      const after = await json(`${oe.address.url}/v1/orders?status=all`, 'GET', buyer.apiKey as string);
      expect(after.body.orders).toEqual([expect.objectContaining({ id: buy.body.id, clientOrderId: 'buy-1', status: 'partiallyFilled', filledQuantity: 40 })]);
      const retry = await json(`${oe.address.url}/v1/order`, 'POST', buyer.apiKey as string, { symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '190.00', quantity: 100, clientOrderId: 'buy-1' });
      expect(retry.body).toMatchObject({ id: buy.body.id });
    } finally {
      await oe.close();
      sim.stop(false);
      db.close();
    }
  });
});
