// Issue 19: FIX 4.4 sessions of `tickwire run` (a real process) killed mid-session with
// SIGKILL, some orders in flight, and restarted on the same files. Every order a client saw
// acknowledged (an ExecutionReport New or Trade) is there through REST with at least the
// fills it was told of; logging on again (the clients keep their own stores) continues both
// sides' sequence numbers, without a reset, and the acceptor takes orders as before.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExchangeProcess } from './support/exchange-process';
import { openFixClient, type FixTestClient, type Received } from './support/fix-client';

jest.setTimeout(240_000);

/** Generous: a loaded 2-core machine, a real child process, and jspurefix on both sides. */
const WAIT_MS = 30_000;

const er = (clOrdId: string, execType: string) => (m: Received): boolean => m.msgType === '8' && m.get(11) === clOrdId && m.get(150) === execType;
const acked = (m: Received): boolean => m.msgType === '8' && (m.get(150) === '0' || m.get(150) === 'F');

function newOrder(clOrdId: string, side: '1' | '2', qty: number, price: string): Record<string, unknown> {
  return { ClOrdID: clOrdId, Instrument: { Symbol: 'AAPL' }, Side: side, TransactTime: new Date(), OrderQtyData: { OrderQty: qty }, OrdType: '2', Price: price, TimeInForce: '0' };
}

/** What one client was told: the orders acknowledged (New or Trade) and the most filled of each (CumQty). */
function seen(c: FixTestClient): Map<string, number> {
  const cum = new Map<string, number>();
  for (const m of c.received) {
    if (!acked(m)) continue;
    const id = m.get(11) ?? '';
    cum.set(id, Math.max(cum.get(id) ?? 0, Number(m.get(14) ?? 0)));
  }
  return cum;
}

const show = (m: Received): string => [...m.tags].filter(([t]) => t !== 8 && t !== 9 && t !== 10).map(([t, v]) => `${t}=${v}`).join('|');

/** The highest MsgSeqNum(34) a client received. */
const lastSeq = (c: FixTestClient): number => c.received.reduce((n, m) => Math.max(n, Number(m.get(34) ?? 0)), 0);

describe('FIX 4.4 across a SIGKILL', () => {
  let ex: ExchangeProcess | null = null;
  const clients: FixTestClient[] = [];
  afterAll(async () => {
    for (const c of clients) c.requestStop('test over');
    await ex?.kill();
  });

  test('every acknowledged order is there after a restart, and the sessions continue their sequence numbers', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-fix-kill-'));
    ex = new ExchangeProcess({ dir, rate: 0, groups: ['239.192.94.1', '239.192.94.2'] });
    await ex.start();
    expect(ex.fixPort).toBeGreaterThan(0);
    const seller = await ex.account('fix-seller', '100000', { symbol: 'AAPL', shares: 10_000 });
    const buyer = await ex.account('fix-buyer', '1000000');
    // Each client keeps its own store (its sequence numbers survive the reconnect).
    const who = {
      seller: { senderCompId: 'SELLER1', user: seller.loginId, password: seller.password, storeDir: path.join(dir, 'client-seller') },
      buyer: { senderCompId: 'BUYER1', user: 'fix-buyer', password: buyer.apiKey, storeDir: path.join(dir, 'client-buyer') },
    };
    const connect = async (o: (typeof who)['seller']): Promise<FixTestClient> => {
      const c = await openFixClient({ port: ex!.fixPort, heartBtIntS: 30, ...o });
      clients.push(c);
      const ended = await Promise.race([c.readyPromise.then(() => null), c.stopped.then((e) => e ?? new Error('session ended before logon'))]);
      if (ended !== null) throw new Error(`${o.senderCompId}: ${ended.message}; received:\n${c.received.map(show).join('\n')}\nexchange:\n${ex!.output.split('\n').filter((l) => /FIX|fix/.test(l)).slice(-20).join('\n')}`);
      return c;
    };
    const s = await connect(who.seller);
    const b = await connect(who.buyer);
    expect(s.received[0]).toMatchObject({ msgType: 'A' });
    expect(s.received[0].get(34)).toBe('1');

    // Resting sells, each acknowledged, then crossing buys: Trade reports to both sides.
    for (let i = 1; i <= 10; i++) {
      s.sendMsg('D', newOrder(`S${i}`, '2', 100, '190.00'));
      await s.waitFor(er(`S${i}`, '0'), WAIT_MS);
    }
    for (let i = 1; i <= 4; i++) {
      b.sendMsg('D', newOrder(`B${i}`, '1', 150, '190.00'));
      await b.waitFor((m) => er(`B${i}`, 'F')(m) && m.get(39) === '2', WAIT_MS);
    }
    // 600 shares: S1..S6 filled, each told by a Trade report.
    for (let i = 1; i <= 6; i++) await s.waitFor((m) => er(`S${i}`, 'F')(m) && m.get(39) === '2', WAIT_MS);

    // In flight at the kill: sent without waiting, some answered, some perhaps not even read.
    for (let i = 11; i <= 40; i++) s.sendMsg('D', newOrder(`S${i}`, '2', 10, (191 + i / 100).toFixed(2)));
    for (let i = 5; i <= 12; i++) b.sendMsg('D', newOrder(`B${i}`, '1', 50, '190.00'));
    await s.waitFor(er('S12', '0'), WAIT_MS);
    const sellerNext = s.nextSeqNum;
    const buyerNext = b.nextSeqNum;
    await ex.kill();
    await Promise.all([s.stopped, b.stopped].map((p) => Promise.race([p, new Promise((r) => setTimeout(r, WAIT_MS).unref())])));
    // Each client's own store ends holding what it sent, as a FIX engine's store would.
    await Promise.all([s, b].map((c) => c.persistSequenceNumbers()));
    const sellerSaw = seen(s);
    const buyerSaw = seen(b);
    const sellerLast = lastSeq(s);
    const buyerLast = lastSeq(b);
    expect(sellerSaw.size).toBeGreaterThanOrEqual(12);
    expect(buyerSaw.size).toBeGreaterThanOrEqual(4);

    await ex.start();
    expect(ex.fixPort).toBeGreaterThan(0);
    // Every acknowledged order, through REST with the same accounts' keys, with at least the fills seen.
    const orders = async (apiKey: string): Promise<Map<string, number>> => {
      const a = await ex!.request('GET', '/v1/orders?status=all', apiKey);
      expect(a.status).toBe(200);
      return new Map((a.body.orders as Array<{ clientOrderId: string; filledQuantity: number }>).map((o) => [o.clientOrderId, o.filledQuantity]));
    };
    const lost = (saw: Map<string, number>, have: Map<string, number>): string[] =>
      [...saw].filter(([id, cum]) => !have.has(id) || (have.get(id) ?? 0) < cum).map(([id, cum]) => `${id} (saw CumQty ${cum}, have ${have.get(id) ?? 'none'})`);
    expect(lost(sellerSaw, await orders(seller.apiKey))).toEqual([]);
    expect(lost(buyerSaw, await orders(buyer.apiKey))).toEqual([]);

    // Logging on again: no reset. The acceptor's Logon continues after what each client
    // received (a gap is asked for and filled), and takes the clients' numbers where they were.
    const s2 = await connect(who.seller);
    const b2 = await connect(who.buyer);
    for (const [c, last, next] of [[s2, sellerLast, sellerNext], [b2, buyerLast, buyerNext]] as const) {
      const logon = c.received[0];
      expect(logon.msgType).toBe('A');
      expect(logon.get(141)).not.toBe('Y');
      expect(Number(logon.get(34))).toBeGreaterThan(last);
      expect(c.nextSeqNum).toBeGreaterThan(next);
    }
    // A heartbeat round (TestRequest) proves the acceptor took our numbers: no Logout, no Reject.
    for (const c of [s2, b2]) {
      c.sendMsg('1', { TestReqID: 'after-restart' });
      await c.waitFor((m) => m.msgType === '0' && m.get(112) === 'after-restart', WAIT_MS);
      expect(c.received.filter((m) => m.msgType === '5' || m.msgType === '3')).toEqual([]);
      expect(c.stopError).toBeUndefined();
    }

    // The acceptor still takes orders, and crossing ones still fill both sides.
    s2.sendMsg('D', newOrder('S-after', '2', 25, '189.00'));
    await s2.waitFor(er('S-after', '0'), WAIT_MS);
    b2.sendMsg('D', newOrder('B-after', '1', 25, '189.00'));
    const fill = await b2.waitFor(er('B-after', 'F'), WAIT_MS);
    expect(Number(fill.get(32))).toBeGreaterThan(0);
    await s2.waitFor(er('S-after', 'F'), WAIT_MS);
    // Orders reused across the restart keep their ClOrdIDs: a new S1 is a duplicate.
    s2.sendMsg('D', newOrder('S1', '2', 1, '195.00'));
    const dup = await s2.waitFor(er('S1', '8'), WAIT_MS);
    expect(dup.get(58)).toMatch(/TW_ERR_OE_DUPLICATE_CLIENT_ORDER_ID/);
    await Promise.all([s2.logoutAndWait(WAIT_MS), b2.logoutAndWait(WAIT_MS)]);
  });
});
