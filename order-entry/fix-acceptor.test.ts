// The FIX 4.4 acceptor over real TCP, with jspurefix's own initiator as the client, over
// the real exchange core (sim/'s LiveSim with a journal) and the real accounts/ classes.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { AbnormalTrafficDetector, AccountStore, AccountsDb, IpRules, SessionStore } from '../accounts';
import { listing, loadConfig } from '../config';
import { LiveSim } from '../sim';
import { connectFixClient, openFixClient, type FixClientOptions, type FixTestClient, type Received } from '../test/support/fix-client';
import { FixAcceptor } from './fix-acceptor';
import { OrderEntry } from './order-entry-server';

const NO_EVENTS = { onEngineEvent: (): void => undefined };
const ADMIN = 'fix-test-admin-token-0123456';

interface Rig {
  dir: string;
  config: ReturnType<typeof loadConfig>;
  sim: LiveSim;
  oe: OrderEntry;
  fix: FixAcceptor;
  accounts: AccountStore;
  db: AccountsDb;
  clients: FixTestClient[];
}

let rig: Rig;

async function admin(method: string, route: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${rig.oe.address.url}${route}`, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${route}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** A KYC-approved account with a password, cash (dollars) and optionally shares of AAPL. */
async function trader(name: string, cash: string, aapl = 0): Promise<{ id: number; apiKey: string; password: string }> {
  const password = `pw-${name}-secret`;
  const a = await admin('POST', '/admin/v1/accounts', { name, password, kyc: 'approved', cash, actor: 'test' });
  if (aapl > 0) await admin('POST', `/admin/v1/accounts/${a.id}/fund`, { symbol: 'AAPL', shares: aapl, actor: 'test' });
  return { id: a.id as number, apiKey: a.apiKey as string, password };
}

async function client(o: Omit<FixClientOptions, 'port'>): Promise<FixTestClient> {
  const c = await connectFixClient({ port: rig.fix.port, ...o });
  rig.clients.push(c);
  return c;
}

function newOrder(clOrdId: string, side: '1' | '2', qty: number, price: string | null, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ClOrdID: clOrdId,
    Instrument: { Symbol: 'AAPL' },
    Side: side,
    TransactTime: new Date(),
    OrderQtyData: { OrderQty: qty },
    OrdType: price === null ? '1' : '2',
    ...(price === null ? {} : { Price: price }),
    TimeInForce: '0',
    ...extra,
  };
}

const er = (clOrdId: string, execType: string) => (m: Received) => m.msgType === '8' && m.get(11) === clOrdId && m.get(150) === execType;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-fix-'));
  const config = loadConfig({ flags: { 'sim.ordersPerSec': 0, 'sim.symbols': 5, 'journal.fsync': false, 'orderEntry.port': 0, 'orderEntry.fix.port': 0, 'orderEntry.fix.storePath': path.join(dir, 'fix') } });
  const db = new AccountsDb(path.join(dir, 'accounts.sqlite'));
  const accounts = new AccountStore(db, { scrypt: { N: 16, r: 1, p: 1 } });
  const sim = new LiveSim(config, path.join(dir, 'day.journal'), NO_EVENTS);
  const oe = new OrderEntry({
    config,
    trading: sim,
    accounts,
    sessions: new SessionStore(db),
    traffic: new AbnormalTrafficDetector({ minRatePerSec: 1_000_000, rejectBurst: 10_000 }),
    ipAccess: new IpRules(),
    adminToken: ADMIN,
    symbols: listing(5),
  });
  const fix = new FixAcceptor({ config: config.orderEntry.fix, engine: config.engine, gateway: oe, accounts, symbols: listing(5) });
  sim.start();
  await oe.start();
  await fix.start();
  rig = { dir, config, sim, oe, fix, accounts, db, clients: [] };
});

afterAll(async () => {
  for (const c of rig.clients) c.requestStop('test over');
  await rig.fix.close();
  await rig.oe.close();
  rig.sim.stop(false);
  rig.db.close();
});

describe('FIX 4.4 acceptor over the real exchange core', () => {
  test('logs on with the password or an API key; a bad password gets Logout with Text(58), counted', async () => {
    const t = await trader('fix-logon', '1000');
    const a = await client({ senderCompId: 'LOGON-A', user: 'fix-logon', password: t.password });
    const b = await client({ senderCompId: 'LOGON-B', user: 'fix-logon', password: t.apiKey });
    expect(a.received[0]).toMatchObject({ msgType: 'A' });
    expect(b.received[0].get(49)).toBe('TICKWIRE');
    const before = rig.oe.errors.get('TW_ERR_OE_FIX_LOGON_REFUSED');
    await expect(client({ senderCompId: 'LOGON-C', user: 'fix-logon', password: 'wrong-password' })).rejects.toThrow();
    const refused = rig.clients.length;
    expect(refused).toBeGreaterThan(0);
    expect(rig.oe.errors.get('TW_ERR_OE_FIX_LOGON_REFUSED')).toBe(before + 1);
    expect(rig.fix.figures.logonsRefused).toBeGreaterThanOrEqual(1);
    await a.logoutAndWait();
    await b.logoutAndWait();
  });

  test('a bad logon is told why: Logout carries TW_ERR_OE_FIX_LOGON_REFUSED in Text(58)', async () => {
    const c = await openFixClient({ port: rig.fix.port, senderCompId: 'LOGON-D', user: 'nobody', password: 'nothing-here' });
    const logout = await c.waitFor((m) => m.msgType === '5');
    expect(logout.get(58)).toMatch(/TW_ERR_OE_FIX_LOGON_REFUSED wrong Username\(553\) or Password\(554\)/);
    await c.stopped;
  });

  test('an order gets New; a crossing order from another account fills both, each told by ExecutionReport', async () => {
    const s = await trader('fix-seller', '1000', 100);
    const b = await trader('fix-buyer', '100000');
    const seller = await client({ senderCompId: 'SELLER', user: 'fix-seller', password: s.password });
    const buyer = await client({ senderCompId: 'BUYER', user: 'fix-buyer', password: b.password });
    seller.sendMsg('D', newOrder('s-1', '2', 40, '190.00'));
    const ack = await seller.waitFor(er('s-1', '0'));
    expect(Object.fromEntries(ack.tags)).toMatchObject({ 39: '0', 14: '0', 151: '40', 54: '2', 55: 'AAPL', 44: '190' });
    const orderId = ack.get(37);
    expect(Number(orderId)).toBeGreaterThan(0);

    buyer.sendMsg('D', newOrder('b-1', '1', 100, '190.00'));
    const bNew = await buyer.waitFor(er('b-1', '0'));
    const bFill = await buyer.waitFor(er('b-1', 'F'));
    expect(buyer.ofType('8').indexOf(bNew)).toBeLessThan(buyer.ofType('8').indexOf(bFill));
    expect(Object.fromEntries(bFill.tags)).toMatchObject({ 39: '1', 32: '40', 31: '190', 14: '40', 151: '60', 6: '190' });
    const sFill = await seller.waitFor(er('s-1', 'F'));
    expect(Object.fromEntries(sFill.tags)).toMatchObject({ 39: '2', 32: '40', 31: '190', 14: '40', 151: '0', 37: orderId });
    expect(sFill.get(17)).not.toBe(bFill.get(17));
    await seller.logoutAndWait();
    await buyer.logoutAndWait();
  });

  test('a replace answers Replaced with OrigClOrdID; a cancel answers Canceled; an unknown one OrderCancelReject', async () => {
    const t = await trader('fix-replacer', '100000');
    const c = await client({ senderCompId: 'REPLACER', user: 'fix-replacer', password: t.password });
    c.sendMsg('D', newOrder('r-1', '1', 10, '185.00'));
    await c.waitFor(er('r-1', '0'));
    c.sendMsg('G', { OrigClOrdID: 'r-1', ClOrdID: 'r-2', Instrument: { Symbol: 'AAPL' }, Side: '1', TransactTime: new Date(), OrderQtyData: { OrderQty: 20 }, OrdType: '2', Price: '186.00' });
    const replaced = await c.waitFor(er('r-2', '5'));
    expect(Object.fromEntries(replaced.tags)).toMatchObject({ 41: 'r-1', 39: '0', 38: '20', 151: '20', 44: '186' });
    expect(rig.oe.mirror.order(t.id, Number(replaced.get(37)))).toMatchObject({ price: 1_860_000, remainingShares: 20, status: 'new' });

    c.sendMsg('F', { OrigClOrdID: 'r-2', ClOrdID: 'r-3', Instrument: { Symbol: 'AAPL' }, Side: '1', TransactTime: new Date(), OrderQtyData: { OrderQty: 20 } });
    const cancelled = await c.waitFor(er('r-3', '4'));
    expect(Object.fromEntries(cancelled.tags)).toMatchObject({ 41: 'r-2', 39: '4', 151: '0' });

    c.sendMsg('F', { OrigClOrdID: 'nope', ClOrdID: 'r-4', Instrument: { Symbol: 'AAPL' }, Side: '1', TransactTime: new Date(), OrderQtyData: { OrderQty: 1 } });
    const rejected = await c.waitFor((m) => m.msgType === '9' && m.get(11) === 'r-4');
    expect(Object.fromEntries(rejected.tags)).toMatchObject({ 434: '1', 102: '1', 41: 'nope' });
    await c.logoutAndWait();
  });

  test('reconnecting across a gap gets the executions made while away, resent with PossDupFlag', async () => {
    const s = await trader('fix-away', '1000', 50);
    const b = await trader('fix-taker', '100000');
    const storeDir = path.join(rig.dir, 'client-away');
    const away = await client({ senderCompId: 'AWAY', user: 'fix-away', password: s.password, storeDir });
    // A gap from the client's side: the acceptor asks for the missing messages and carries on.
    away.nextSeqNum += 3;
    away.sendMsg('D', newOrder('a-1', '2', 30, '191.00'));
    await away.waitFor(er('a-1', '0'));
    await away.waitFor((m) => m.msgType === '2');
    await away.logoutAndWait();
    await new Promise((r) => setTimeout(r, 100));

    const taker = await client({ senderCompId: 'TAKER', user: 'fix-taker', password: b.password });
    taker.sendMsg('D', newOrder('t-1', '1', 30, '191.00'));
    await taker.waitFor(er('t-1', 'F'));
    expect(rig.fix.figures.storedWhileAway).toBeGreaterThan(0);

    const back = await client({ senderCompId: 'AWAY', user: 'fix-away', password: s.password, storeDir });
    const resent = await back.waitFor(er('a-1', 'F'));
    expect(Object.fromEntries(resent.tags)).toMatchObject({ 43: 'Y', 39: '2', 32: '30', 14: '30' });
    expect(resent.get(122)).toBeDefined();
    // The session goes on: a new order gets its New on the same session.
    back.sendMsg('D', newOrder('a-2', '2', 5, '195.00'));
    await back.waitFor(er('a-2', '0'));
    await back.logoutAndWait();
    await taker.logoutAndWait();
  });

  test('malformed messages get a session Reject or a BusinessMessageReject and the session stays up', async () => {
    const t = await trader('fix-sloppy', '100000');
    const c = await client({ senderCompId: 'SLOPPY', user: 'fix-sloppy', password: t.password });
    const rejectsBefore = rig.oe.errors.get('TW_ERR_OE_FIX_SESSION_REJECT');
    c.sendMsg('D', newOrder('m-1', '1', 10, '185.00', { Side: 'Z' }));
    const reject = await c.waitFor((m) => m.msgType === '3');
    expect(Object.fromEntries(reject.tags)).toMatchObject({ 373: '5', 371: '54', 372: 'D' });
    expect(rig.oe.errors.get('TW_ERR_OE_FIX_SESSION_REJECT')).toBe(rejectsBefore + 1);

    c.sendMsg('H', { ClOrdID: 'm-2', Instrument: { Symbol: 'AAPL' }, Side: '1' });
    const bmr = await c.waitFor((m) => m.msgType === 'j');
    expect(Object.fromEntries(bmr.tags)).toMatchObject({ 372: 'H', 380: '3' });

    c.sendMsg('D', newOrder('m-3', '1', 10, '185.001'));
    const offTick = await c.waitFor(er('m-3', '8'));
    expect(offTick.get(58)).toMatch(/TW_ERR_OE_BAD_PRICE|TW_ERR_OE_OFF_TICK/);

    c.sendMsg('D', newOrder('m-4', '1', 10, '185.00'));
    await c.waitFor(er('m-4', '0'));
    await c.logoutAndWait();
  });

  test('a stream of garbage is disconnected and counted', async () => {
    const before = rig.oe.errors.get('TW_ERR_OE_FIX_GARBAGE');
    const socket = net.connect(rig.fix.port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((r) => socket.once('connect', r));
    const closed = new Promise((r) => socket.once('close', r));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\x01\x02 not fix at all');
    await closed;
    expect(rig.oe.errors.get('TW_ERR_OE_FIX_GARBAGE')).toBe(before + 1);
  });

  test('cancel-on-disconnect: an opted-in account loses its open orders when its session drops', async () => {
    const t = await trader('fix-cod', '100000');
    rig.accounts.setCancelOnDisconnect(t.id, true, 'test');
    const c = await client({ senderCompId: 'COD', user: 'fix-cod', password: t.password });
    c.sendMsg('D', newOrder('c-1', '1', 10, '185.00'));
    const ack = await c.waitFor(er('c-1', '0'));
    await c.logoutAndWait();
    const orderId = Number(ack.get(37));
    for (let i = 0; i < 50 && rig.oe.mirror.order(t.id, orderId)?.status !== 'cancelled'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(rig.oe.mirror.order(t.id, orderId)).toMatchObject({ status: 'cancelled' });
    expect(rig.fix.figures.cancelOnDisconnect).toBe(1);
  });
});
