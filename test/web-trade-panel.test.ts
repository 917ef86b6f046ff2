// The web page's Trade panel in Debian's chromium (playwright-core), against two small
// servers in this test: the page's own (dist/web, /v1/symbols, an empty candles answer and a
// quiet /v1/ws) and a stand-in for order entry on another origin. The stand-in answers the
// order-entry routes the panel uses with their documented shapes, keeps the orders, fills
// and balances consistent, sends CORS headers for the page's origin only, and pushes order
// updates and executions on /v1/stream. It records every request, so the test checks what
// the page sent. The end-to-end test against the real order entry is separate.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { type WebSocket, WebSocketServer } from 'ws';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WEB = path.resolve(__dirname, '../dist/web');
const ARTIFACTS = path.resolve(__dirname, '../test-artifacts');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json' };
const TOKEN = 'tok-alice-1';
const SYMBOLS = [
  { symbol: 'AAPL', locate: 1 },
  { symbol: 'MSFT', locate: 2 },
];

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (d: Buffer) => (s += d.toString()));
    req.on('end', () => resolve(s));
  });
}

/** The page's origin: the built page and the little of the market-data API it needs at start. */
function pageServer(): { server: http.Server; wss: WebSocketServer } {
  const wss = new WebSocketServer({ noServer: true });
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/v1/symbols') return json({ symbols: SYMBOLS.map((s) => ({ ...s, tradingState: 'T', last: null, volume: 0 })) });
    if (url.pathname === '/v1/marketdata/candles') return json({ symbol: url.searchParams.get('symbol'), candles: [] });
    const file = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
    const where = path.join(WEB, path.basename(file));
    if (!fs.existsSync(where)) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(where)] ?? 'application/octet-stream' });
    res.end(fs.readFileSync(where));
  });
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, () => undefined));
  return { server, wss };
}

interface Recorded {
  method: string;
  url: string;
  authorization: string | undefined;
  body: unknown;
}

interface FakeOrder {
  id: number;
  clientOrderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  orderType: 'limit' | 'market';
  timeInForce?: string;
  price?: string;
  quantity: number;
  filledQuantity: number;
  remainingQuantity: number;
  status: string;
  creationTime: number;
}

/** The stand-in for order entry: one account (alice/secret), $100,000 and 25 MSFT to start. */
class FakeOrderEntry {
  readonly requests: Recorded[] = [];
  readonly server: http.Server;
  readonly streams = new Set<WebSocket>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly orders = new Map<number, FakeOrder>();
  private readonly executions: Array<Record<string, unknown>> = [];
  private sessionOpen = false;
  private nextId = 100;
  private nextExecution = 1;
  /** In Price(4) units (1/10,000 of a dollar), as the core keeps it. */
  private cash = 100_000 * 10_000;
  private readonly shares = new Map<string, number>([['MSFT', 25]]);

  constructor(private readonly pageOrigin: () => string) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/v1/stream' || url.searchParams.get('token') !== TOKEN || !this.sessionOpen) {
        socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.streams.add(ws);
        ws.on('close', () => this.streams.delete(ws));
      });
    });
  }

  close(): void {
    for (const ws of this.streams) ws.terminate();
    this.server.close();
  }

  /** A match against one of the account's orders: the order, the cash and the position move, then both are pushed. */
  fill(orderId: number, quantity: number, price: string): void {
    const o = this.orders.get(orderId)!;
    o.filledQuantity += quantity;
    o.remainingQuantity -= quantity;
    o.status = o.remainingQuantity === 0 ? 'filled' : 'partiallyFilled';
    const notional = Math.round(Number(price) * 10_000) * quantity;
    this.cash += o.side === 'buy' ? -notional : notional;
    this.shares.set(o.symbol, (this.shares.get(o.symbol) ?? 0) + (o.side === 'buy' ? quantity : -quantity));
    const e = { id: this.nextExecution++, orderId, symbol: o.symbol, side: o.side, price, orderType: o.orderType, quantity, time: Date.now() };
    this.executions.push(e);
    this.push({ type: 'order', order: { ...o } });
    this.push({ type: 'execution', execution: e });
  }

  private push(m: unknown): void {
    for (const ws of this.streams) ws.send(JSON.stringify(m));
  }

  private cors(req: http.IncomingMessage): Record<string, string> {
    // Only the page's origin is allowed, as the real server is configured to.
    if (req.headers.origin !== this.pageOrigin()) return {};
    return {
      'access-control-allow-origin': this.pageOrigin(),
      'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-max-age': '600',
      vary: 'Origin',
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const cors = this.cors(req);
    const send = (status: number, body?: unknown): void => {
      res.writeHead(status, body === undefined ? cors : { ...cors, 'content-type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (req.method === 'OPTIONS') return send(204);
    const text = await readBody(req);
    let body: unknown = null;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        return send(400, { code: 'TW_ERR_OE_BAD_JSON', message: 'the body is not JSON' });
      }
    }
    const method = req.method ?? '';
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push({ method, url: url.pathname + url.search, authorization: req.headers.authorization, body });

    if (method === 'POST' && url.pathname === '/v1/session') {
      const b = body as { name?: string; password?: string };
      if (b.name !== 'alice' || b.password !== 'secret') return send(401, { code: 'TW_ERR_OE_BAD_LOGIN', message: 'unknown name or wrong password' });
      this.sessionOpen = true;
      return send(200, { sessionToken: TOKEN, expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}` || !this.sessionOpen) {
      return send(401, { code: 'TW_ERR_OE_UNAUTHORIZED', message: 'no session: log in (POST /v1/session)' });
    }
    if (method === 'DELETE' && url.pathname === '/v1/session') {
      this.sessionOpen = false;
      for (const ws of this.streams) ws.close(1000);
      return send(204);
    }
    if (method === 'POST' && url.pathname === '/v1/order') {
      const b = body as Omit<FakeOrder, 'id' | 'filledQuantity' | 'remainingQuantity' | 'status' | 'creationTime'>;
      if (b.quantity > 10_000) return send(400, { code: 'TW_REJECT_MAX_SHARES', message: `quantity ${b.quantity} is above the account's <b>10,000</b> per order` });
      const o: FakeOrder = { ...b, id: this.nextId++, filledQuantity: 0, remainingQuantity: b.quantity, status: 'new', creationTime: Date.now() };
      this.orders.set(o.id, o);
      // A market order meets the resting offer at once (the answer shows the immediate fill).
      if (o.orderType === 'market') this.fill(o.id, o.quantity, '192.30');
      const { id, clientOrderId, creationTime, filledQuantity, remainingQuantity, status } = o;
      return send(200, { id, clientOrderId, creationTime, filledQuantity, remainingQuantity, status });
    }
    const cancel = /^\/v1\/order\/(\d+)$/.exec(url.pathname);
    if (method === 'DELETE' && cancel !== null) {
      const o = this.orders.get(Number(cancel[1]));
      if (o === undefined || (o.status !== 'new' && o.status !== 'partiallyFilled')) return send(404, { code: 'TW_ERR_OE_UNKNOWN_ORDER', message: `no open order ${cancel[1]}` });
      o.status = 'cancelled';
      o.remainingQuantity = 0;
      this.push({ type: 'order', order: { ...o } });
      return send(200, { ...o });
    }
    if (method === 'GET' && url.pathname === '/v1/orders') {
      return send(200, { orders: [...this.orders.values()].filter((o) => o.status === 'new' || o.status === 'partiallyFilled') });
    }
    if (method === 'GET' && url.pathname === '/v1/execution') return send(200, { executions: this.executions });
    if (method === 'GET' && url.pathname === '/v1/balances') {
      let reserved = 0;
      for (const o of this.orders.values()) {
        if (o.side === 'buy' && o.price !== undefined && (o.status === 'new' || o.status === 'partiallyFilled')) reserved += Math.round(Number(o.price) * 10_000) * o.remainingQuantity;
      }
      // Cash as a decimal string, the reservation as a Price(4) integer, MSFT by locate only:
      // the forms the page must read.
      const positions = [...this.shares].map(([symbol, shares]) => (symbol === 'MSFT' ? { locate: 2, shares, sharesReserved: 0 } : { symbol, shares, sharesReserved: 0 }));
      return send(200, { account: 7, cash: (this.cash / 10_000).toFixed(4), cashReserved: reserved, positions });
    }
    return send(404, { code: 'TW_ERR_OE_NOT_FOUND', message: `no route ${method} ${url.pathname}` });
  }
}

describe('the web page trade panel', () => {
  let browser: Browser | null = null;
  const page0 = pageServer();
  let pageUrl = '';
  const oe = new FakeOrderEntry(() => pageUrl);
  afterAll(async () => {
    await browser?.close();
    oe.close();
    for (const ws of page0.wss.clients) ws.terminate();
    page0.server.close();
  });

  const text = async (page: Page, selector: string): Promise<string> => ((await page.textContent(selector)) ?? '').trim();
  const lastRequest = (method: string, route: string): Recorded | undefined => [...oe.requests].reverse().find((r) => r.method === method && r.url.startsWith(route));
  const waitText = (page: Page, selector: string, has: string, timeout = 10_000): Promise<void> => page.locator(selector, { hasText: has }).first().waitFor({ timeout });

  test('logs in, places a limit buy, sees it open, a pushed fill and the balances, cancels it, places a market sell, logs out', async () => {
    expect(fs.existsSync(CHROMIUM)).toBe(true); // .ci/run installs Debian's chromium
    expect(fs.existsSync(path.join(WEB, 'app.js'))).toBe(true); // npm run build makes dist/web
    pageUrl = await listen(page0.server);
    const oeUrl = await listen(oe.server);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${pageUrl}/?orderEntry=${encodeURIComponent(oeUrl)}`);

    // Logged out: the login form, no trading calls yet.
    await page.locator('#trade-login-name').waitFor();
    expect(await page.isVisible('#trade-ticket')).toBe(false);
    expect(oe.requests).toEqual([]);

    // A wrong password: the server's code and message in the panel.
    await page.fill('#trade-login-name', 'alice');
    await page.fill('#trade-login-password', 'wrong');
    await page.click('#trade-login-submit');
    await waitText(page, '#trade-message', 'TW_ERR_OE_BAD_LOGIN');
    expect(await page.getAttribute('#trade-message', 'data-kind')).toBe('error');

    await page.fill('#trade-login-password', 'secret');
    await page.click('#trade-login-submit');
    await page.locator('#trade-panel[data-state="in"]').waitFor();
    await page.locator('#trade-panel[data-stream="live"]').waitFor();
    expect(lastRequest('POST', '/v1/session')!.body).toEqual({ name: 'alice', password: 'secret' });
    expect(await text(page, '#trade-account')).toBe('alice');
    // The ticket takes the page's selected symbol.
    await page.waitForFunction(() => (globalThis as unknown as { __tickwireTrade: { symbol: string } }).__tickwireTrade.symbol === 'AAPL');
    expect(await page.inputValue('#trade-symbol')).toBe('AAPL');

    // Balances: cash from a decimal string, MSFT named from its locate.
    await waitText(page, '#trade-cash', '$100,000.00');
    expect(await text(page, '#trade-cash-reserved')).toBe('$0.00');
    await waitText(page, '#trade-positions tr[data-symbol="MSFT"]', '25');

    // A limit buy: the JSON the API asks for, with the session's bearer token.
    await page.selectOption('#trade-side', 'buy');
    await page.selectOption('#trade-type', 'limit');
    await page.fill('#trade-qty', '100');
    await page.fill('#trade-price', '192.34');
    await page.selectOption('#trade-tif', 'day');
    await page.click('#trade-submit');
    await waitText(page, '#trade-message', 'order 100 new');
    const placed = lastRequest('POST', '/v1/order')!;
    expect(placed.authorization).toBe(`Bearer ${TOKEN}`);
    const { clientOrderId, ...rest } = placed.body as Record<string, unknown>;
    expect(rest).toEqual({ symbol: 'AAPL', side: 'buy', orderType: 'limit', quantity: 100, price: '192.34', timeInForce: 'day' });
    expect(typeof clientOrderId).toBe('string');
    expect((clientOrderId as string).length).toBeLessThanOrEqual(30);

    // It shows as open, and its reservation (a Price(4) integer from the server) in dollars.
    const row = '#trade-open-orders tr[data-order-id="100"]';
    await waitText(page, row, '192.34');
    expect(await text(page, `${row} td:nth-child(3)`)).toBe('buy');
    await waitText(page, '#trade-cash-reserved', '$19,234.00');

    // A fill pushed on the stream shows at once (the fallback poll is 3 s away).
    const messagesBefore = await page.evaluate(() => (globalThis as unknown as { __tickwireTrade: { streamMessages: number } }).__tickwireTrade.streamMessages);
    oe.fill(100, 40, '192.34');
    await waitText(page, '#trade-fills tr[data-order-id="100"]', '40', 2000);
    expect(await text(page, '#trade-fills tr[data-order-id="100"] td:nth-child(5)')).toBe('192.34');
    await waitText(page, `${row} td:nth-child(8)`, 'partiallyFilled', 2000);
    expect(await page.evaluate(() => (globalThis as unknown as { __tickwireTrade: { streamMessages: number } }).__tickwireTrade.streamMessages)).toBeGreaterThan(messagesBefore);
    await waitText(page, '#trade-cash', '$92,306.40');
    await waitText(page, '#trade-positions tr[data-symbol="AAPL"]', '40');
    await waitText(page, '#trade-cash-reserved', '$11,540.40');

    // A refusal: its code in the panel, its message as text (never as markup).
    await page.fill('#trade-qty', '1000000');
    await page.click('#trade-submit');
    await waitText(page, '#trade-message', 'TW_REJECT_MAX_SHARES');
    expect(await text(page, '#trade-message')).toContain('<b>10,000</b>');

    // Cancel: DELETE /v1/order/100, the row goes.
    await page.click('#trade-open-orders button[data-cancel="100"]');
    await page.locator(row).waitFor({ state: 'detached' });
    const cancel = lastRequest('DELETE', '/v1/order/')!;
    expect(cancel.url).toBe('/v1/order/100');
    expect(cancel.authorization).toBe(`Bearer ${TOKEN}`);
    await waitText(page, '#trade-cash-reserved', '$0.00');

    // A market sell: no price and no time in force in the JSON; its immediate fill shows.
    await page.selectOption('#trade-side', 'sell');
    await page.selectOption('#trade-type', 'market');
    expect(await page.isDisabled('#trade-price')).toBe(true);
    expect(await page.isDisabled('#trade-tif')).toBe(true);
    await page.fill('#trade-qty', '10');
    await page.click('#trade-submit');
    await waitText(page, '#trade-message', 'order 101 filled');
    const { clientOrderId: _id, ...market } = lastRequest('POST', '/v1/order')!.body as Record<string, unknown>;
    expect(market).toEqual({ symbol: 'AAPL', side: 'sell', orderType: 'market', quantity: 10 });
    await waitText(page, '#trade-fills tr[data-order-id="101"]', '192.30');
    await waitText(page, '#trade-positions tr[data-symbol="AAPL"]', '30');
    expect(await page.locator('#trade-fills tr').count()).toBe(2);

    // The ticket follows the page's symbol picker; the address keeps ?orderEntry for a reload.
    await page.selectOption('#symbol', 'MSFT');
    await page.waitForFunction(() => (globalThis as unknown as { __tickwireTrade: { symbol: string } }).__tickwireTrade.symbol === 'MSFT');
    expect(await page.inputValue('#trade-symbol')).toBe('MSFT');
    expect(new URL(page.url()).searchParams.get('orderEntry')).toBe(oeUrl);

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-trade-panel.png'), fullPage: true });

    // Log out: DELETE /v1/session, back to the login form with nothing of the account left.
    await page.click('#trade-logout');
    await page.locator('#trade-panel[data-state="out"]').waitFor();
    expect(lastRequest('DELETE', '/v1/session')!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(await page.isVisible('#trade-login-name')).toBe(true);
    expect(await page.locator('#trade-fills tr, #trade-open-orders tr, #trade-positions tr').count()).toBe(0);
    await page.reload();
    await page.locator('#trade-login-name').waitFor();
    expect(await page.getAttribute('#trade-panel', 'data-state')).toBe('out');
    expect(errors).toEqual([]);
  }, 120_000);
});
