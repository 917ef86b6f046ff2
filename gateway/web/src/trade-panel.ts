// The Trade panel: log in to order entry (the client gateway, its own port), place limit
// and market orders on the page's selected symbol, see and cancel your open orders, your
// fills and your balances, log out. Order updates and executions come over the private
// websocket (/v1/stream) and trigger a refresh; a poll every few seconds covers a lost stream.
// Everything the server sends is put in the page as text (never as HTML).
//
// Element ids (index.html), stable for tests:
//   #trade-panel            the section; data-state="out"|"in", data-stream="off"|"live"
//   #trade-login            login form: #trade-login-name, #trade-login-password, #trade-login-submit
//   #trade-account          "name" once logged in; #trade-logout the log-out button
//   #trade-message          the last outcome or error (role=status); data-kind="ok"|"error",
//                           errors read "CODE: message" with the server's TW_ERR_*/TW_REJECT_* code
//   #trade-ticket           order form: #trade-symbol (read-only, the page's symbol), #trade-side
//                           (buy|sell), #trade-type (limit|market), #trade-qty, #trade-price (limit
//                           only), #trade-tif (day|ioc, limit only), #trade-submit
//   #trade-open-orders      tbody; a row per open order, tr[data-order-id], with a
//                           button[data-cancel="<id>"] (aria-label "cancel order <id>")
//   #trade-fills            tbody; a row per execution, tr[data-execution-id][data-order-id], newest first
//   #trade-balances         the balances block: #trade-cash, #trade-cash-reserved, #trade-cash-available,
//                           and #trade-positions (tbody, tr[data-symbol]: symbol, shares, reserved)
// Clicking a ladder row copies its price into #trade-price.
import { type BalancesView, type ExecutionView, type OrderRequest, type OrderView, type TradeApi, TradeApiError } from './trade-api';
import { fmtDollars, fmtPrice, fmtShares, fmtTime, sideWord, toDollars } from './trade-format';

const SESSION_KEY = 'tickwire.trade.session';
const OPEN_STATUSES = new Set(['new', 'partiallyFilled', 'open', 'pendingNew', 'accepted']);
const MAX_FILLS = 200;
const PRICE_RE = /^\d+(\.\d{1,4})?$/;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

type Cell = string | [string, string] | HTMLElement;

function row(cells: Cell[]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const td = document.createElement('td');
    if (typeof c === 'string') td.textContent = c;
    else if (Array.isArray(c)) {
      td.textContent = c[0];
      td.className = c[1];
    } else td.append(c);
    tr.append(td);
  }
  return tr;
}

function idOf(v: unknown): string {
  return typeof v === 'number' || (typeof v === 'string' && v !== '') ? String(v) : '';
}

function obj(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

export interface TradePanelOptions {
  api: TradeApi;
  /** The fallback refresh while logged in. */
  pollMs?: number;
  /** Where the session token survives a reload (this tab only); null: nowhere. */
  storage?: Storage | null;
}

export class TradePanel {
  symbol = '';
  loggedIn = false;
  name = '';
  /** Counters for tests and for a look in the console. */
  streamMessages = 0;
  refreshes = 0;
  private readonly api: TradeApi;
  private readonly pollMs: number;
  private readonly storage: Storage | null;
  private readonly locates = new Map<number, string>();
  private orders = new Map<string, OrderView>();
  private readonly fills = new Map<string, ExecutionView>();
  private stream: WebSocket | null = null;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private refreshing = false;
  private refreshAgain = false;
  private orderSeq = 0;

  constructor(opts: TradePanelOptions) {
    this.api = opts.api;
    this.pollMs = opts.pollMs ?? 3000;
    this.storage = opts.storage ?? null;
  }

  /** Wires the panel's elements; resumes a session this tab already had. */
  start(): void {
    $('trade-endpoint').textContent = `order entry ${this.api.baseUrl}`;
    $<HTMLFormElement>('trade-login').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.login();
    });
    $('trade-logout').addEventListener('click', () => void this.logout());
    $<HTMLFormElement>('trade-ticket').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.placeOrder();
    });
    $('trade-type').addEventListener('change', () => this.syncTicket());
    $('trade-side').addEventListener('change', () => this.syncTicket());
    $('trade-open-orders').addEventListener('click', (e) => {
      const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-cancel]');
      if (b !== null) void this.cancel(b.dataset.cancel ?? '', b);
    });
    $('ladder')?.addEventListener('click', (e) => {
      const tr = (e.target as HTMLElement).closest<HTMLTableRowElement>('tr[data-price]');
      if (tr === null || tr.dataset.price === undefined) return;
      $<HTMLInputElement>('trade-price').value = tr.dataset.price;
      $<HTMLSelectElement>('trade-type').value = 'limit';
      this.syncTicket();
    });
    this.syncTicket();
    const saved = this.readSaved();
    if (saved !== null) {
      this.api.token = saved.token;
      this.enter(saved.name);
    }
  }

  setSymbol(symbol: string): void {
    this.symbol = symbol;
    $<HTMLInputElement>('trade-symbol').value = symbol;
  }

  /** The market-data gateway's symbol list, to name positions that come with a locate only. */
  setSymbols(symbols: ReadonlyArray<{ symbol: string; locate?: number }>): void {
    for (const s of symbols) if (typeof s.locate === 'number') this.locates.set(s.locate, s.symbol);
  }

  private symbolOf(x: { symbol?: unknown; locate?: unknown }): string {
    if (typeof x.symbol === 'string' && x.symbol !== '') return x.symbol;
    if (typeof x.locate === 'number') return this.locates.get(x.locate) ?? `#${x.locate}`;
    return '-';
  }

  private say(text: string, kind: 'ok' | 'error' | '' = ''): void {
    const m = $('trade-message');
    m.textContent = text;
    m.dataset.kind = kind;
  }

  private sayError(e: unknown, what: string): void {
    if (e instanceof TradeApiError) this.say(`${e.code}: ${e.message}`, 'error');
    else this.say(`${what} failed: ${e instanceof Error ? e.message : String(e)}`, 'error');
  }

  private syncTicket(): void {
    const market = $<HTMLSelectElement>('trade-type').value === 'market';
    $<HTMLInputElement>('trade-price').disabled = market;
    // A market order is immediate-or-cancel by nature (IOC at the collar): no choice to make.
    $<HTMLSelectElement>('trade-tif').disabled = market;
    const side = $<HTMLSelectElement>('trade-side');
    side.dataset.side = side.value;
    $('trade-submit').textContent = `${side.value === 'buy' ? 'Buy' : 'Sell'} ${market ? 'at market' : 'limit'}`;
  }

  // --- session ---

  private async login(): Promise<void> {
    const name = $<HTMLInputElement>('trade-login-name').value.trim();
    const password = $<HTMLInputElement>('trade-login-password');
    if (name === '' || password.value === '') {
      this.say('enter your name and password', 'error');
      return;
    }
    const submit = $<HTMLButtonElement>('trade-login-submit');
    submit.disabled = true;
    this.say('logging in…');
    try {
      const s = await this.api.login(name, password.value);
      password.value = '';
      this.storage?.setItem(SESSION_KEY, JSON.stringify({ token: s.sessionToken, name }));
      this.say(`logged in as ${name}`, 'ok');
      this.enter(name);
    } catch (e) {
      this.sayError(e, 'login');
    } finally {
      submit.disabled = false;
    }
  }

  private async logout(): Promise<void> {
    try {
      await this.api.logout();
      this.say('logged out', 'ok');
    } catch (e) {
      // The session is gone from this page either way; say what the server answered.
      this.sayError(e, 'logout');
    }
    this.leave();
  }

  private enter(name: string): void {
    this.loggedIn = true;
    this.name = name;
    $('trade-panel').dataset.state = 'in';
    $('trade-login').hidden = true;
    $('trade-body').hidden = false;
    $('trade-logout').hidden = false;
    $('trade-account').textContent = name;
    this.connectStream();
    if (this.pollTimer === null) this.pollTimer = setInterval(() => void this.refresh(), this.pollMs);
    void this.refresh();
  }

  /** Back to the login form: the token, stream, poll and every table cleared. */
  private leave(): void {
    this.loggedIn = false;
    this.api.token = null;
    this.storage?.removeItem(SESSION_KEY);
    if (this.pollTimer !== null) clearInterval(this.pollTimer);
    if (this.refreshTimer !== null) clearTimeout(this.refreshTimer);
    this.pollTimer = this.refreshTimer = null;
    const s = this.stream;
    this.stream = null;
    s?.close(1000);
    this.orders.clear();
    this.fills.clear();
    $('trade-panel').dataset.state = 'out';
    $('trade-panel').dataset.stream = 'off';
    $('trade-login').hidden = false;
    $('trade-body').hidden = true;
    $('trade-logout').hidden = true;
    $('trade-account').textContent = '';
    this.renderOrders();
    this.renderFills();
    this.renderBalances(null);
  }

  private readSaved(): { token: string; name: string } | null {
    try {
      const v = obj(JSON.parse(this.storage?.getItem(SESSION_KEY) ?? 'null'));
      return v !== null && typeof v.token === 'string' && typeof v.name === 'string' ? { token: v.token, name: v.name } : null;
    } catch {
      return null;
    }
  }

  /** A 401 means the session is over (expired, logged out elsewhere, suspended): back to login. */
  private endedBy(e: unknown): boolean {
    if (!(e instanceof TradeApiError) || e.status !== 401 || !this.loggedIn) return false;
    this.leave();
    this.say(`session ended: ${e.code}: ${e.message}`, 'error');
    return true;
  }

  // --- the private stream ---

  private connectStream(): void {
    if (!this.loggedIn || this.stream !== null) return;
    const token = this.api.token;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.api.streamUrl());
    } catch {
      return; // a bad ?orderEntry URL: the poll still works, the login already said if it could not
    }
    this.stream = ws;
    ws.onopen = () => {
      if (this.stream === ws) $('trade-panel').dataset.stream = 'live';
    };
    ws.onmessage = (e) => {
      if (this.stream === ws) this.onStream(String(e.data));
    };
    ws.onclose = () => {
      if (this.stream !== ws) return;
      this.stream = null;
      $('trade-panel').dataset.stream = 'off';
      setTimeout(() => {
        if (this.loggedIn && this.api.token === token) this.connectStream();
      }, 2000);
    };
  }

  private onStream(raw: string): void {
    let m: unknown;
    try {
      m = JSON.parse(raw);
    } catch {
      return;
    }
    this.streamMessages++;
    for (const x of Array.isArray(m) ? m : [m]) {
      const o = obj(x);
      if (o === null) continue;
      for (const e of executionsIn(o)) this.addFill(e);
      for (const u of ordersIn(o)) this.upsertOrder(u);
    }
    this.renderFills();
    this.renderOrders();
    // Balances (and anything a push left out) come from the server.
    this.scheduleRefresh(100);
  }

  // --- data ---

  private scheduleRefresh(ms: number): void {
    if (this.refreshTimer !== null || !this.loggedIn) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      void this.refresh();
    }, ms);
  }

  /** Open orders, fills and balances from the server; one at a time, a request during one runs after it. */
  async refresh(): Promise<void> {
    if (!this.loggedIn) return;
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = true;
    try {
      const [orders, executions, balances] = await Promise.allSettled([this.api.openOrders(), this.api.executions(), this.api.balances()]);
      if (!this.loggedIn) return;
      this.refreshes++;
      for (const r of [orders, executions, balances]) if (r.status === 'rejected' && this.endedBy(r.reason)) return;
      if (orders.status === 'fulfilled') {
        this.orders = new Map();
        for (const o of orders.value) this.upsertOrder(o);
        this.renderOrders();
      }
      if (executions.status === 'fulfilled') {
        for (const e of executions.value) this.addFill(e);
        this.renderFills();
      }
      if (balances.status === 'fulfilled') this.renderBalances(balances.value);
      const failed = [orders, executions, balances].find((r) => r.status === 'rejected');
      if (failed !== undefined) this.sayError(failed.reason, 'refresh');
    } finally {
      this.refreshing = false;
      if (this.refreshAgain) {
        this.refreshAgain = false;
        void this.refresh();
      }
    }
  }

  private upsertOrder(o: OrderView): void {
    const id = idOf(o.id);
    if (id === '') return;
    if (o.status !== undefined && !OPEN_STATUSES.has(o.status)) this.orders.delete(id);
    else this.orders.set(id, { ...this.orders.get(id), ...o });
  }

  private addFill(fill: object): void {
    const raw = fill as Record<string, unknown>;
    const e: ExecutionView = {
      id: (raw.id ?? raw.executionId) as number | string | undefined,
      orderId: raw.orderId as number | string | undefined,
      symbol: this.symbolOf(raw),
      side: sideWord(raw.side),
      price: raw.price as number | string | undefined,
      orderType: raw.orderType as string | undefined,
      quantity: (raw.quantity ?? raw.shares) as number | undefined,
      time: (raw.time ?? raw.timeMs ?? raw.timeNs) as number | string | undefined,
    };
    const key = idOf(e.id) || `${idOf(e.orderId)}/${String(e.time)}/${String(e.price)}/${String(e.quantity)}`;
    this.fills.set(key, e);
  }

  // --- orders ---

  private async placeOrder(): Promise<void> {
    const symbol = this.symbol;
    const side = $<HTMLSelectElement>('trade-side').value === 'sell' ? 'sell' : 'buy';
    const orderType = $<HTMLSelectElement>('trade-type').value === 'market' ? 'market' : 'limit';
    const qtyText = $<HTMLInputElement>('trade-qty').value.trim();
    const priceText = $<HTMLInputElement>('trade-price').value.trim();
    if (symbol === '') return this.say('no symbol selected', 'error');
    if (!/^\d+$/.test(qtyText) || Number(qtyText) < 1) return this.say('quantity: a whole number of shares, at least 1', 'error');
    if (orderType === 'limit' && !PRICE_RE.test(priceText)) return this.say('price: dollars with up to 4 decimals, for example 192.34', 'error');
    const order: OrderRequest = { symbol, side, orderType, quantity: Number(qtyText) };
    if (orderType === 'limit') {
      order.price = priceText;
      order.timeInForce = $<HTMLSelectElement>('trade-tif').value === 'ioc' ? 'ioc' : 'day';
    }
    // Unique per order: a retry of the same body would get the first order back, never a second.
    order.clientOrderId = `web${Date.now().toString(36)}${(this.orderSeq++).toString(36)}`;
    const submit = $<HTMLButtonElement>('trade-submit');
    submit.disabled = true;
    const what = `${side} ${fmtShares(order.quantity)} ${symbol} ${orderType === 'market' ? 'at market' : `@ ${priceText}`}`;
    this.say(`sending ${what}…`);
    try {
      const r = await this.api.placeOrder(order);
      if (r.status === 'rejected') {
        this.say(`order ${idOf(r.id)} rejected: ${r.reason ?? 'no reason given'} (${what})`, 'error');
      } else {
        const filled = typeof r.filledQuantity === 'number' && r.filledQuantity > 0 ? `, filled ${fmtShares(r.filledQuantity)}` : '';
        this.say(`order ${idOf(r.id)} ${r.status ?? 'sent'}: ${what}${filled}`, 'ok');
      }
      this.upsertOrder({ symbol, side, orderType, price: order.price, quantity: order.quantity, timeInForce: order.timeInForce, ...r });
      this.renderOrders();
      this.scheduleRefresh(50);
    } catch (e) {
      if (!this.endedBy(e)) this.sayError(e, 'order');
    } finally {
      submit.disabled = false;
    }
  }

  private async cancel(id: string, button: HTMLButtonElement): Promise<void> {
    if (id === '') return;
    button.disabled = true;
    try {
      const r = await this.api.cancelOrder(id);
      this.say(`order ${id} ${r?.status ?? 'cancelled'}`, 'ok');
      if (r !== null && typeof r === 'object' && r.status !== undefined) this.upsertOrder({ ...r, id: r.id ?? id });
      else this.orders.delete(id);
      this.renderOrders();
      this.scheduleRefresh(50);
    } catch (e) {
      button.disabled = false;
      if (!this.endedBy(e)) this.sayError(e, 'cancel');
    }
  }

  // --- rendering ---

  private renderOrders(): void {
    const rows: HTMLTableRowElement[] = [];
    const list = [...this.orders.entries()].sort((a, b) => Number(b[0]) - Number(a[0]) || (a[0] < b[0] ? 1 : -1));
    for (const [id, o] of list) {
      const side = sideWord(o.side);
      const cancel = document.createElement('button');
      cancel.type = 'button';
      cancel.textContent = 'Cancel';
      cancel.dataset.cancel = id;
      cancel.setAttribute('aria-label', `cancel order ${id}`);
      const qty = o.quantity ?? (o.filledQuantity ?? 0) + (o.remainingQuantity ?? 0);
      const tr = row([
        fmtTime(o.creationTime),
        this.symbolOf(o),
        [side, side],
        o.orderType === 'market' ? 'market' : (o.timeInForce ?? o.orderType ?? '-'),
        o.orderType === 'market' || toDollars(o.price) === null ? 'MKT' : fmtPrice(o.price),
        fmtShares(o.filledQuantity ?? 0),
        fmtShares(qty),
        o.status ?? '-',
        cancel,
      ]);
      tr.dataset.orderId = id;
      tr.title = o.clientOrderId === undefined ? `order ${id}` : `order ${id} · client order id ${o.clientOrderId}`;
      rows.push(tr);
    }
    $('trade-open-orders').replaceChildren(...rows);
  }

  private renderFills(): void {
    const ms = (e: ExecutionView): number => {
      const t = e.time;
      return typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t) || Number(t) || 0 : 0;
    };
    const list = [...this.fills.values()].sort((a, b) => ms(b) - ms(a) || Number(b.id ?? 0) - Number(a.id ?? 0));
    const rows: HTMLTableRowElement[] = [];
    for (const e of list.slice(0, MAX_FILLS)) {
      const side = sideWord(e.side);
      const tr = row([fmtTime(e.time), e.symbol ?? '-', [side, side], fmtShares(e.quantity), fmtPrice(e.price), idOf(e.orderId) || '-']);
      tr.dataset.executionId = idOf(e.id);
      tr.dataset.orderId = idOf(e.orderId);
      rows.push(tr);
    }
    $('trade-fills').replaceChildren(...rows);
  }

  private renderBalances(b: BalancesView | null): void {
    const cash = toDollars(b?.cash);
    const reserved = toDollars(b?.cashReserved);
    $('trade-cash').textContent = fmtDollars(cash);
    $('trade-cash-reserved').textContent = fmtDollars(reserved);
    $('trade-cash-available').textContent = cash === null ? '-' : fmtDollars(Math.round((cash - (reserved ?? 0)) * 10_000) / 10_000);
    const rows: HTMLTableRowElement[] = [];
    for (const p of b?.positions ?? []) {
      const symbol = this.symbolOf(p);
      const tr = row([symbol, fmtShares(p.shares), fmtShares(p.sharesReserved ?? 0)]);
      tr.dataset.symbol = symbol;
      rows.push(tr);
    }
    $('trade-positions').replaceChildren(...rows);
  }
}

/** Executions in one stream message, whatever its envelope: {executions:[..]}, {execution:{..}}, or a message typed as one. */
function executionsIn(m: Record<string, unknown>): Array<Record<string, unknown>> {
  if (Array.isArray(m.executions)) return m.executions as Array<Record<string, unknown>>;
  const one = obj(m.execution) ?? obj(m.fill);
  if (one !== null) return [one];
  const kind = String(m.type ?? m.kind ?? m.channel ?? m.event ?? '');
  if (/exec|fill/i.test(kind)) {
    const d = obj(m.data) ?? m;
    if (d.price !== undefined && (d.quantity !== undefined || d.shares !== undefined)) return [d];
  }
  return [];
}

/** Order updates in one stream message: {orders:[..]}, {order:{..}}, or a message typed as one. */
function ordersIn(m: Record<string, unknown>): OrderView[] {
  if (Array.isArray(m.orders)) return m.orders as OrderView[];
  const one = obj(m.order);
  if (one !== null) return [normalizeOrder(one)];
  const kind = String(m.type ?? m.kind ?? m.channel ?? m.event ?? '');
  if (/order/i.test(kind) && !/exec|fill/i.test(kind)) {
    const d = obj(m.data) ?? m;
    if (d.id !== undefined || d.orderId !== undefined) return [normalizeOrder(d)];
  }
  return [];
}

function normalizeOrder(d: Record<string, unknown>): OrderView {
  const o = { ...d } as OrderView & Record<string, unknown>;
  if (o.id === undefined && d.orderId !== undefined) o.id = d.orderId as number | string;
  if (o.filledQuantity === undefined && typeof d.filledShares === 'number') o.filledQuantity = d.filledShares;
  if (o.remainingQuantity === undefined && typeof d.remainingShares === 'number') o.remainingQuantity = d.remainingShares;
  if (o.quantity === undefined && typeof d.shares === 'number') o.quantity = d.shares;
  return o;
}
