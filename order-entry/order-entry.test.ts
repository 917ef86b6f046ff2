// The client gateway end to end: real fastify on port 0, real HTTP (fetch) and a real ws
// client, over the ToyTradingPort test double (test/support/) and the real accounts/ classes.
/* biome-ignore-all lint/suspicious/noExplicitAny: JSON answers and stream messages are read loosely and asserted on */
import WebSocket from 'ws';
import { AbnormalTrafficDetector, IpRules } from '../accounts';
import { HOUSE_ACCOUNT, type ExecutionReport, type OrderReport } from '../protocol';
import { OrderEntryRig } from '../test/support/order-entry-rig';

const AAPL = 1;
const px = (dollars: number) => Math.round(dollars * 10_000);
const limitBuy = (over: Record<string, unknown> = {}) => ({ symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '192.34', quantity: 10, ...over });

let rig: OrderEntryRig;
afterEach(async () => {
  await rig?.close();
});

/** A ws client that keeps every message it gets. */
async function stream(r: OrderEntryRig, token: string, via: 'header' | 'query' = 'header'): Promise<{ ws: WebSocket; messages: any[]; next(pred: (m: any) => boolean): Promise<any> }> {
  const url = `${r.url.replace('http', 'ws')}/v1/stream${via === 'query' ? `?token=${token}` : ''}`;
  const ws = new WebSocket(url, via === 'header' ? { headers: { authorization: `Bearer ${token}` } } : {});
  const messages: any[] = [];
  const waiters: Array<{ pred: (m: any) => boolean; resolve: (m: any) => void }> = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data));
    messages.push(m);
    for (const w of [...waiters]) if (w.pred(m)) waiters.splice(waiters.indexOf(w), 1), w.resolve(m);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = (pred: (m: any) => boolean) => {
    const seen = messages.find(pred);
    return seen !== undefined ? Promise.resolve(seen) : new Promise<any>((resolve) => waiters.push({ pred, resolve }));
  };
  await next((m) => m.type === 'hello');
  return { ws, messages, next };
}

/** The status an upgrade is refused with. */
function refusedUpgrade(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => reject(new Error('upgrade accepted')));
    ws.once('error', () => {});
  });
}

describe('authentication', () => {
  test('no header, an unknown token, and another scheme are 401 with their codes', async () => {
    rig = await OrderEntryRig.start();
    expect((await rig.order('', limitBuy())).status).toBe(401);
    const none = await rig.call('POST', '/v1/order', null, limitBuy());
    expect(none).toMatchObject({ status: 401, body: { code: 'TW_ERR_OE_UNAUTHORIZED' } });
    expect(await rig.call('GET', '/v1/orders', 'twk_nonsense', undefined)).toMatchObject({ status: 401, body: { code: 'TW_ERR_OE_BAD_TOKEN' } });
    expect(await rig.call('GET', '/v1/orders', null, undefined, { authorization: 'Basic dXNlcjpwdw==' })).toMatchObject({ status: 401, body: { code: 'TW_ERR_OE_BAD_TOKEN' } });
    expect(await rig.call('POST', '/v1/session', null, { name: 'nobody', password: 'whatever1' })).toMatchObject({ status: 401, body: { code: 'TW_ERR_OE_BAD_CREDENTIALS' } });
  });

  test('an account whose KYC is not approved reads but does not trade, until an admin approves it', async () => {
    rig = await OrderEntryRig.start();
    const t = await rig.trader('pending-pat', '100000', 'pending');
    expect(await rig.order(t.apiKey, limitBuy())).toMatchObject({ status: 403, body: { code: 'TW_ERR_OE_KYC_NOT_APPROVED' } });
    expect((await rig.call('GET', '/v1/orders', t.apiKey)).status).toBe(200);
    expect((await rig.admin('POST', `/admin/v1/accounts/${t.id}/kyc`, { kyc: 'approved', actor: 'compliance-ann' })).body).toMatchObject({ kyc: 'approved' });
    expect(rig.accounts.kycAudit(t.id).at(-1)).toMatchObject({ toValue: 'approved', actor: 'compliance-ann' });
    expect(await rig.order(t.apiKey, limitBuy())).toMatchObject({ status: 200, body: { status: 'new' } });
  });

  test('a suspended account is refused, and trades again once resumed', async () => {
    rig = await OrderEntryRig.start();
    const t = await rig.trader('sus-sam');
    await rig.admin('POST', `/admin/v1/accounts/${t.id}/suspend`, { actor: 'ops' });
    expect(await rig.order(t.apiKey, limitBuy())).toMatchObject({ status: 403, body: { code: 'TW_ERR_OE_ACCOUNT_SUSPENDED' } });
    await rig.admin('POST', `/admin/v1/accounts/${t.id}/resume`, { actor: 'ops' });
    expect((await rig.order(t.apiKey, limitBuy())).status).toBe(200);
  });
});

describe('bad input', () => {
  test('each class of bad order gets its 4xx code, is counted on /metrics, and the server carries on', async () => {
    rig = await OrderEntryRig.start({ orderEntry: { maxBodyBytes: 512 } });
    const t = await rig.trader('fuzzy-fay');
    const cases: Array<[unknown, number, string]> = [
      ['{"symbol": "AAPL", ', 400, 'TW_ERR_OE_BAD_JSON'],
      ['[1,2,3]', 400, 'TW_ERR_OE_BAD_JSON'],
      ['{"__proto__": {"x": 1}}', 400, 'TW_ERR_OE_BAD_JSON'],
      [limitBuy({ leverage: 100 }), 400, 'TW_ERR_OE_UNKNOWN_FIELD'],
      [limitBuy({ price: 'cheap' }), 400, 'TW_ERR_OE_BAD_PRICE'],
      [limitBuy({ price: 192.34 }), 400, 'TW_ERR_OE_BAD_PRICE'],
      [limitBuy({ price: '-1.00' }), 400, 'TW_ERR_OE_BAD_PRICE'],
      [limitBuy({ price: '192.345' }), 400, 'TW_ERR_OE_OFF_TICK'],
      [limitBuy({ quantity: 0 }), 400, 'TW_ERR_OE_BAD_QUANTITY'],
      [limitBuy({ quantity: 1e15 }), 400, 'TW_ERR_OE_BAD_QUANTITY'],
      [limitBuy({ quantity: 2.5 }), 400, 'TW_ERR_OE_BAD_QUANTITY'],
      [limitBuy({ symbol: 'NOPE' }), 400, 'TW_ERR_OE_UNKNOWN_SYMBOL'],
      [limitBuy({ side: 'hold' }), 400, 'TW_ERR_OE_BAD_FIELD'],
      [limitBuy({ clientOrderId: 'a'.repeat(40) }), 400, 'TW_ERR_OE_BAD_CLIENT_ORDER_ID'],
      [JSON.stringify(limitBuy({ clientOrderId: 'x'.repeat(600) })), 413, 'TW_ERR_OE_BODY_TOO_LARGE'],
    ];
    for (const [body, status, code] of cases) {
      const r = await rig.call('POST', '/v1/order', t.apiKey, body);
      expect({ body, status: r.status, code: r.body.code }).toEqual({ body, status, code });
    }
    const plain = await rig.call('POST', '/v1/order', t.apiKey, 'symbol=AAPL', { 'content-type': 'text/plain' });
    expect(plain).toMatchObject({ status: 415, body: { code: 'TW_ERR_OE_BAD_MEDIA_TYPE' } });
    expect(await rig.call('GET', '/v1/orders?status=maybe', t.apiKey)).toMatchObject({ status: 400, body: { code: 'TW_ERR_OE_BAD_PARAM', field: 'status' } });
    expect(await rig.call('GET', '/v1/order/abc', t.apiKey)).toMatchObject({ status: 400, body: { code: 'TW_ERR_OE_BAD_PARAM' } });
    expect(await rig.call('GET', '/v1/nothing', t.apiKey)).toMatchObject({ status: 404, body: { code: 'TW_ERR_OE_NOT_FOUND' } });
    expect(await rig.metric('tickwire_order_entry_errors_total{code="TW_ERR_OE_OFF_TICK"}')).toBe(1);
    expect(await rig.metric('tickwire_order_entry_errors_total{code="TW_ERR_OE_BAD_JSON"}')).toBe(3);
    expect(await rig.metric('tickwire_order_entry_errors_total{code="TW_ERR_OE_INTERNAL"}')).toBe(0);
    expect(rig.port.requests).toHaveLength(2); // the account's settings and deposit only
    expect((await rig.order(t.apiKey, limitBuy())).status).toBe(200);
  });
});

describe('orders', () => {
  test('an aggressive buy answers with its immediate fill; executions, balances, cancel and the order lists follow', async () => {
    rig = await OrderEntryRig.start();
    const t = await rig.trader('buyer-bo', '100000');
    rig.port.rest(AAPL, 'S', px(192.34), 100);
    const r = await rig.order(t.apiKey, limitBuy({ quantity: 150, clientOrderId: 'bo-1' }));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ clientOrderId: 'bo-1', symbol: 'AAPL', side: 'buy', price: '192.3400', quantity: 150, filledQuantity: 100, remainingQuantity: 50, averagePrice: '192.3400', status: 'partiallyFilled' });
    expect(typeof r.body.creationTime).toBe('number');
    const ex = await rig.call('GET', `/v1/execution?symbol=AAPL&orderId=${r.body.id}`, t.apiKey);
    expect(ex.body.executions).toEqual([expect.objectContaining({ orderId: r.body.id, symbol: 'AAPL', side: 'buy', price: '192.3400', orderType: 'limit', quantity: 100, liquidity: 'removed' })]);
    expect((await rig.call('GET', '/v1/execution?symbol=MSFT', t.apiKey)).body.executions).toEqual([]);
    const bal = await rig.call('GET', '/v1/balances', t.apiKey);
    expect(bal.body).toMatchObject({ cash: '80766.0000', cashReserved: '9617.0000', positions: [{ symbol: 'AAPL', shares: 100, sharesReserved: 0 }] });
    expect((await rig.call('GET', '/v1/orders', t.apiKey)).body.orders.map((o: any) => o.id)).toEqual([r.body.id]);
    const c = await rig.call('DELETE', `/v1/order/${r.body.id}`, t.apiKey);
    expect(c.body).toMatchObject({ id: r.body.id, status: 'cancelled', remainingQuantity: 0, filledQuantity: 100 });
    expect(await rig.call('DELETE', `/v1/order/${r.body.id}`, t.apiKey)).toMatchObject({ status: 409, body: { code: 'TW_ERR_OE_ORDER_CLOSED' } });
    expect((await rig.call('GET', '/v1/orders?status=open', t.apiKey)).body.orders).toEqual([]);
    expect((await rig.call('GET', '/v1/orders?status=all', t.apiKey)).body.orders).toHaveLength(1);
    expect((await rig.call('GET', '/v1/balances', t.apiKey)).body).toMatchObject({ cash: '80766.0000', cashReserved: '0.0000' });
  });

  test("another account's order is unknown, not forbidden", async () => {
    rig = await OrderEntryRig.start();
    const a = await rig.trader('alice');
    const b = await rig.trader('bob');
    const o = await rig.order(a.apiKey, limitBuy());
    expect(await rig.call('GET', `/v1/order/${o.body.id}`, b.apiKey)).toMatchObject({ status: 404, body: { code: 'TW_ERR_OE_UNKNOWN_ORDER' } });
    expect(await rig.call('DELETE', `/v1/order/${o.body.id}`, b.apiKey)).toMatchObject({ status: 404, body: { code: 'TW_ERR_OE_UNKNOWN_ORDER' } });
    expect((await rig.call('GET', `/v1/order/${o.body.id}`, a.apiKey)).body).toMatchObject({ id: o.body.id, status: 'new' });
  });

  test('a rejection by the core is 422 with its TW_REJECT_ code and the rejected order, counted; a retry gets the same', async () => {
    rig = await OrderEntryRig.start();
    const t = await rig.trader('poor-pete', '10');
    const r = await rig.order(t.apiKey, limitBuy({ quantity: 1000, clientOrderId: 'poor-1' }));
    expect(r).toMatchObject({ status: 422, body: { code: 'TW_REJECT_INSUFFICIENT_FUNDS', status: 'rejected', reason: 'TW_REJECT_INSUFFICIENT_FUNDS', filledQuantity: 0, clientOrderId: 'poor-1' } });
    expect(await rig.order(t.apiKey, limitBuy({ quantity: 1000, clientOrderId: 'poor-1' }))).toMatchObject({ status: 422, body: { id: r.body.id } });
    expect(await rig.metric('tickwire_order_entry_rejects_total{reason="TW_REJECT_INSUFFICIENT_FUNDS"}')).toBe(1);
  });

  test('a market order carries no price; without a clientOrderId one is generated', async () => {
    rig = await OrderEntryRig.start();
    const t = await rig.trader('market-mo');
    rig.port.rest(AAPL, 'S', px(193), 5);
    const r = await rig.order(t.apiKey, { symbol: 'AAPL', side: 'buy', orderType: 'market', quantity: 8 });
    expect(r.body).toMatchObject({ orderType: 'market', timeInForce: 'ioc', price: null, filledQuantity: 5, remainingQuantity: 0, status: 'cancelled' });
    expect(r.body.clientOrderId).toMatch(/^oe-[A-Za-z0-9_-]{12}$/);
  });

  test('the same clientOrderId and body again is the first order; a different body is 409', async () => {
    rig = await OrderEntryRig.start();
    const t = await rig.trader('retry-rita');
    const first = await rig.order(t.apiKey, limitBuy({ clientOrderId: 'r-1' }));
    const again = await rig.order(t.apiKey, limitBuy({ clientOrderId: 'r-1', price: '192.3400' }));
    expect(again).toMatchObject({ status: 200, body: { id: first.body.id, clientOrderId: 'r-1' } });
    expect(await rig.order(t.apiKey, limitBuy({ clientOrderId: 'r-1', quantity: 11 }))).toMatchObject({ status: 409, body: { code: 'TW_ERR_OE_DUPLICATE_CLIENT_ORDER_ID', field: 'clientOrderId' } });
    // Retries while the first is still in flight wait for the same answer: one order reaches the core.
    rig.port.pause();
    const flying = [rig.order(t.apiKey, limitBuy({ clientOrderId: 'r-2' })), rig.order(t.apiKey, limitBuy({ clientOrderId: 'r-2' }))];
    await new Promise((r) => setTimeout(r, 50));
    rig.port.resume();
    const [x, y] = await Promise.all(flying);
    expect(x.body.id).toBe(y.body.id);
    expect(rig.port.requests.filter((q) => q.kind === 'new' && q.clientOrderId === 'r-2')).toHaveLength(1);
    expect(await rig.metric('tickwire_order_entry_retries_total')).toBe(2);
  });

  test('no report in time is 504; a retry with the same clientOrderId then finds the order', async () => {
    rig = await OrderEntryRig.start({ limits: { answerTimeoutMs: 150 } });
    const t = await rig.trader('slow-sid');
    rig.port.pause();
    expect(await rig.order(t.apiKey, limitBuy({ clientOrderId: 's-1' }))).toMatchObject({ status: 504, body: { code: 'TW_ERR_OE_CORE_TIMEOUT' } });
    rig.port.resume();
    await new Promise((r) => setTimeout(r, 20));
    expect(await rig.order(t.apiKey, limitBuy({ clientOrderId: 's-1' }))).toMatchObject({ status: 200, body: { clientOrderId: 's-1', status: 'new' } });
    expect(rig.port.requests.filter((q) => q.kind === 'new')).toHaveLength(1);
  });

  test('reports replayed before the port opens fill the mirror', async () => {
    const replayed: OrderReport = {
      kind: 'order', requestId: 7, account: 1, orderId: 42, ref: 42, clientOrderId: 'yesterday-1', locate: AAPL, side: 'B', orderType: 'L', price: px(190),
      shares: 5, filledShares: 0, remainingShares: 5, status: 'new', reject: '', filledNotional: 0, creationNs: 1, updateNs: 1, seq: 42,
    };
    rig = await OrderEntryRig.start({ beforeStart: (port) => port.emit([replayed, { ...replayed, account: HOUSE_ACCOUNT, orderId: 43 }]) });
    const t = await rig.trader('replay-ray');
    expect(t.id).toBe(1);
    expect((await rig.call('GET', '/v1/orders', t.apiKey)).body.orders).toEqual([expect.objectContaining({ id: 42, clientOrderId: 'yesterday-1', price: '190.0000' })]);
    // A retry of the replayed order is recognised as such.
    expect((await rig.order(t.apiKey, limitBuy({ clientOrderId: 'yesterday-1', price: '190', quantity: 5 }))).body.id).toBe(42);
  });
});

describe('limits', () => {
  test('past the per-account order rate: 429 with Retry-After', async () => {
    rig = await OrderEntryRig.start({ orderEntry: { ordersPerSecondPerAccount: 2 } });
    const t = await rig.trader('fast-fred');
    for (let i = 0; i < 4; i++) expect((await rig.order(t.apiKey, limitBuy())).status).toBe(200);
    const r = await rig.order(t.apiKey, limitBuy());
    expect(r).toMatchObject({ status: 429, body: { code: 'TW_ERR_OE_RATE_LIMITED' } });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  test('past the per-IP request rate: 429', async () => {
    rig = await OrderEntryRig.start({ orderEntry: { requestsPerSecondPerIp: 5 } });
    const codes: number[] = [];
    for (let i = 0; i < 14; i++) codes.push((await rig.call('GET', '/healthz', null)).status);
    expect(codes.slice(0, 10).every((c) => c === 200)).toBe(true);
    expect(codes.slice(10)).toContain(429);
  });

  test('a denied address gets 403 on every route and the websocket; admin stays open on loopback', async () => {
    rig = await OrderEntryRig.start({ ipAccess: new IpRules({ deny: ['127.0.0.0/8'] }) });
    expect(await rig.call('GET', '/healthz', null)).toMatchObject({ status: 403, body: { code: 'TW_ERR_OE_IP_DENIED' } });
    const t = await rig.trader('denied-dan');
    expect(await rig.order(t.apiKey, limitBuy())).toMatchObject({ status: 403, body: { code: 'TW_ERR_OE_IP_DENIED' } });
    expect(await refusedUpgrade(`${rig.url.replace('http', 'ws')}/v1/stream`, { authorization: `Bearer ${t.apiKey}` })).toBe(403);
  });

  test('sessions: login, list, the limit, logout, and logout everywhere', async () => {
    rig = await OrderEntryRig.start({ orderEntry: { maxSessionsPerAccount: 2 } });
    const t = await rig.trader('sess-sue');
    const login = () => rig.call('POST', '/v1/session', null, { name: 'sess-sue', password: 'pw-sess-sue-secret' });
    const s1 = await login();
    expect(s1.body).toMatchObject({ account: t.id, kyc: 'approved' });
    expect(s1.body.sessionToken).toMatch(/^tws_/);
    expect(s1.body.expiresAt).toBeGreaterThan(Date.now());
    const s2 = await login();
    expect(await login()).toMatchObject({ status: 409, body: { code: 'TW_ERR_OE_TOO_MANY_SESSIONS' } });
    expect((await rig.order(s1.body.sessionToken, limitBuy())).status).toBe(200);
    const list = await rig.call('GET', '/v1/sessions', s1.body.sessionToken);
    expect(list.body.sessions.map((s: any) => [s.id, s.current])).toEqual([
      [s1.body.sessionId, true],
      [s2.body.sessionId, false],
    ]);
    expect(await rig.call('DELETE', '/v1/session', t.apiKey)).toMatchObject({ status: 400, body: { code: 'TW_ERR_OE_NO_SESSION' } });
    expect((await rig.call('DELETE', '/v1/session', s2.body.sessionToken)).body).toMatchObject({ loggedOut: true });
    expect((await rig.call('GET', '/v1/orders', s2.body.sessionToken)).status).toBe(401);
    const s3 = await login();
    const ws = await stream(rig, s3.body.sessionToken);
    const closed = new Promise<number>((resolve) => ws.ws.once('close', (code) => resolve(code)));
    expect((await rig.call('DELETE', '/v1/sessions', s1.body.sessionToken)).body).toEqual({ closed: 2 });
    expect(await closed).toBe(4002);
    for (const s of [s1, s3]) expect((await rig.call('GET', '/v1/orders', s.body.sessionToken)).status).toBe(401);
    expect((await rig.call('GET', '/v1/orders', t.apiKey)).status).toBe(200);
  });
});

describe('abnormal traffic', () => {
  test('an order rate far above the norm suspends the session; counted, and only an admin lifts it', async () => {
    rig = await OrderEntryRig.start({ traffic: new AbnormalTrafficDetector({ windowMs: 60_000, minRatePerSec: 3 / 60, rejectBurst: 1000 }) });
    const t = await rig.trader('burst-bea');
    const s = (await rig.call('POST', '/v1/session', null, { name: 'burst-bea', password: 'pw-burst-bea-secret' })).body;
    for (let i = 0; i < 3; i++) expect((await rig.order(s.sessionToken, limitBuy())).status).toBe(200);
    expect(await rig.order(s.sessionToken, limitBuy())).toMatchObject({ status: 403, body: { code: 'TW_ERR_OE_SESSION_SUSPENDED' } });
    expect(await rig.order(s.sessionToken, limitBuy())).toMatchObject({ status: 403, body: { code: 'TW_ERR_OE_SESSION_SUSPENDED' } });
    expect(await rig.call('DELETE', '/v1/session', s.sessionToken)).toMatchObject({ status: 403, body: { code: 'TW_ERR_OE_SESSION_SUSPENDED' } });
    expect(await rig.call('POST', '/v1/session', null, { name: 'burst-bea', password: 'pw-burst-bea-secret' })).toMatchObject({ status: 403, body: { code: 'TW_ERR_OE_SESSION_SUSPENDED' } });
    expect(await rig.metric('tickwire_order_entry_suspensions_total')).toBe(1);
    const sus = await rig.admin('GET', `/admin/v1/accounts/${t.id}/suspensions`);
    expect(sus.body.suspensions).toEqual([expect.objectContaining({ sessionId: s.sessionId, reason: 'TW_ERR_SESSION_ABNORMAL_RATE', liftedBy: null })]);
    expect((await rig.admin('POST', `/admin/v1/sessions/${s.sessionId}/lift`, { actor: 'risk-rob' })).body).toMatchObject({ lifted: true });
    expect((await rig.order(s.sessionToken, limitBuy())).status).toBe(200);
    expect((await rig.admin('POST', `/admin/v1/sessions/${s.sessionId}/lift`, { actor: 'risk-rob' })).status).toBe(404);
  });

  test('a burst of rejects suspends too; through an API key it suspends the account', async () => {
    rig = await OrderEntryRig.start({ traffic: new AbnormalTrafficDetector({ minRatePerSec: 1000, rejectBurst: 3, rejectWindowMs: 60_000 }) });
    const t = await rig.trader('reject-ray');
    for (let i = 0; i < 4; i++) expect((await rig.order(t.apiKey, limitBuy({ price: '1.001' }))).status).toBe(400);
    expect(await rig.order(t.apiKey, limitBuy())).toMatchObject({ status: 403, body: { code: 'TW_ERR_OE_ACCOUNT_SUSPENDED' } });
    expect(rig.accounts.auditLog(t.id, 'status').at(-1)).toMatchObject({ toValue: 'suspended', actor: 'abnormal-traffic' });
  });
});

describe('private websocket', () => {
  test("pushes the account's own order updates and fill to each of its connections, and nothing of another account", async () => {
    rig = await OrderEntryRig.start();
    const a = await rig.trader('ws-ann');
    const b = await rig.trader('ws-ben');
    const a1 = await stream(rig, a.apiKey);
    const a2 = await stream(rig, a.apiKey, 'query');
    const b1 = await stream(rig, b.apiKey);
    rig.port.rest(AAPL, 'S', px(192.34), 4);
    const o = await rig.order(a.apiKey, limitBuy({ quantity: 4 }));
    for (const s of [a1, a2]) {
      expect((await s.next((m) => m.type === 'execution')).execution).toMatchObject({ orderId: o.body.id, quantity: 4, price: '192.3400', side: 'buy' });
      expect((await s.next((m) => m.type === 'order' && m.order.status === 'filled')).order).toMatchObject({ id: o.body.id, filledQuantity: 4 });
    }
    // b's own round trip: anything for b was sent before its pong.
    b1.ws.send('{"op":"ping"}');
    await b1.next((m) => m.type === 'pong');
    expect(b1.messages.map((m) => m.type)).toEqual(['hello', 'pong']);
    b1.ws.send('{"op":"subscribe"}');
    expect(await b1.next((m) => m.type === 'error')).toMatchObject({ code: 'TW_ERR_OE_BAD_MESSAGE' });
    for (const s of [a1, a2, b1]) s.ws.close();
  });

  test('upgrades: a wrong path is 404, no token or a bad one 401', async () => {
    rig = await OrderEntryRig.start();
    const base = rig.url.replace('http', 'ws');
    expect(await refusedUpgrade(`${base}/v1/ws`)).toBe(404);
    expect(await refusedUpgrade(`${base}/v1/stream`)).toBe(401);
    expect(await refusedUpgrade(`${base}/v1/stream?token=twk_bad`)).toBe(401);
  });

  test('a slow consumer is closed with 4001', async () => {
    rig = await OrderEntryRig.start({ limits: { hardBufferedBytes: 64 * 1024 } });
    const a = await rig.trader('slow-sal');
    const s = await stream(rig, a.apiKey);
    const closed = new Promise<number>((resolve) => s.ws.once('close', (code) => resolve(code)));
    // One batch of 30,000 executions (~7 MB of messages) written in one turn: past the kernel's buffer they queue in the process.
    const batch: ExecutionReport[] = [];
    for (let i = 0; i < 30_000; i++) {
      batch.push({ kind: 'execution', account: a.id, executionId: i, matchNumber: i, orderId: 1, clientOrderId: 'c', locate: AAPL, side: 'B', orderType: 'L', price: px(1), shares: 1, liquidity: 'A', timeNs: i, seq: i });
    }
    rig.port.emit(batch);
    expect(await closed).toBe(4001);
    expect(await rig.metric('tickwire_order_entry_ws_slow_closed_total')).toBe(1);
    expect(await rig.metric('tickwire_order_entry_mirror_executions')).toBeLessThanOrEqual(12_500);
  });
});

describe('admin', () => {
  test('admin routes need the admin token', async () => {
    rig = await OrderEntryRig.start();
    expect(await rig.call('GET', '/admin/v1/accounts', null)).toMatchObject({ status: 401, body: { code: 'TW_ERR_OE_UNAUTHORIZED' } });
    expect(await rig.call('GET', '/admin/v1/accounts', 'not-the-admin-token')).toMatchObject({ status: 403, body: { code: 'TW_ERR_OE_FORBIDDEN' } });
    const t = await rig.trader('plain-paul');
    expect(await rig.call('GET', '/admin/v1/accounts', t.apiKey)).toMatchObject({ status: 403 });
  });

  test('create, list, fund and withdraw cash and shares through the core, refusals named', async () => {
    rig = await OrderEntryRig.start();
    const created = await rig.admin('POST', '/admin/v1/accounts', { name: 'fund-fiona', actor: 'ops', riskClass: 'institutional', cash: '250.50' });
    expect(created.body).toMatchObject({ name: 'fund-fiona', kyc: 'pending', riskClass: 'institutional' });
    expect(created.body.loginId).toHaveLength(6);
    expect(created.body.apiKey).toMatch(/^twk_/);
    const id = created.body.id;
    expect(rig.port.requests.slice(0, 2)).toEqual([
      { kind: 'settings', account: id, requestId: expect.any(Number), riskClass: 1, allowShort: false, killSwitch: false },
      { kind: 'deposit', account: id, requestId: expect.any(Number), locate: 0, amount: 2_505_000 },
    ]);
    expect((await rig.admin('POST', `/admin/v1/accounts/${id}/fund`, { symbol: 'MSFT', shares: 30 })).body).toMatchObject({ cash: '250.5000', positions: [{ symbol: 'MSFT', shares: 30 }] });
    expect((await rig.admin('POST', `/admin/v1/accounts/${id}/withdraw`, { cash: '50', actor: 'ops' })).body).toMatchObject({ cash: '200.5000' });
    expect(await rig.admin('POST', `/admin/v1/accounts/${id}/withdraw`, { cash: '5000', actor: 'ops' })).toMatchObject({ status: 409, body: { code: 'TW_ERR_OE_ACCOUNT_REJECTED', reason: 'TW_REJECT_INSUFFICIENT_FUNDS' } });
    expect(await rig.admin('POST', `/admin/v1/accounts/${id}/fund`, { cash: '1', symbol: 'MSFT', shares: 1, actor: 'ops' })).toMatchObject({ status: 400 });
    expect(await rig.admin('POST', '/admin/v1/accounts', { name: 'fund-fiona', actor: 'ops' })).toMatchObject({ status: 409, body: { code: 'TW_ERR_OE_DUPLICATE_NAME' } });
    expect(await rig.admin('POST', '/admin/v1/accounts', { name: 'x', actor: 'ops', riskClass: 'yolo' })).toMatchObject({ status: 400, body: { field: 'riskClass' } });
    expect(await rig.admin('GET', '/admin/v1/accounts/999')).toMatchObject({ status: 404 });
    expect((await rig.admin('GET', '/admin/v1/accounts')).body.accounts).toHaveLength(1);
    expect((await rig.admin('GET', `/admin/v1/accounts/${id}`)).body).toMatchObject({ id, balances: { cash: '200.5000' } });
  });

  test('the kill switch cancels open orders through the core and refuses new ones until off', async () => {
    rig = await OrderEntryRig.start();
    const t = await rig.trader('kill-kim');
    const o = await rig.order(t.apiKey, limitBuy());
    expect((await rig.admin('POST', `/admin/v1/accounts/${t.id}/kill-switch`, { on: true, actor: 'risk' })).body).toMatchObject({ killSwitch: true });
    expect((await rig.call('GET', `/v1/order/${o.body.id}`, t.apiKey)).body.status).toBe('cancelled');
    expect(await rig.order(t.apiKey, limitBuy())).toMatchObject({ status: 403, body: { code: 'TW_ERR_OE_KILL_SWITCH' } });
    await rig.admin('POST', `/admin/v1/accounts/${t.id}/kill-switch`, { on: false, actor: 'risk' });
    expect((await rig.order(t.apiKey, limitBuy())).status).toBe(200);
  });
});

describe('browsers', () => {
  test('CORS: an allowed origin gets its headers and a 204 preflight; another origin none', async () => {
    rig = await OrderEntryRig.start({ corsOrigins: ['http://127.0.0.1:8080'] });
    const pre = await rig.call('OPTIONS', '/v1/order', null, undefined, { origin: 'http://127.0.0.1:8080', 'access-control-request-method': 'POST' });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8080');
    expect(pre.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    const t = await rig.trader('cors-cat');
    const r = await rig.call('GET', '/v1/orders', t.apiKey, undefined, { origin: 'http://127.0.0.1:8080' });
    expect(r.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8080');
    const other = await rig.call('GET', '/v1/orders', t.apiKey, undefined, { origin: 'http://evil.example' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('documents', () => {
  test('/openapi.json covers every route; /healthz answers', async () => {
    rig = await OrderEntryRig.start();
    const doc = (await rig.call('GET', '/openapi.json', null)).body;
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) for (const m of Object.keys(ops)) documented.add(`${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`);
    expect(rig.oe.routes.length).toBeGreaterThan(20);
    for (const r of rig.oe.routes) expect(documented).toContain(r);
    expect((await rig.call('GET', '/healthz', null)).body).toMatchObject({ status: 'ok', pendingRequests: 0 });
  });
});
