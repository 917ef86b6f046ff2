// The order-entry (client gateway) HTTP API as the page uses it: a session token from
// POST /v1/session, then `Authorization: Bearer <token>` on every call (no cookies, so the
// cross-origin requests carry no ambient credentials). Errors come back as TradeApiError
// with the server's stable code (TW_ERR_* / TW_REJECT_*) and message, shown as they are.

export type Side = 'buy' | 'sell';
export type OrderType = 'limit' | 'market';
export type TimeInForce = 'day' | 'ioc';

export interface OrderRequest {
  symbol: string;
  side: Side;
  orderType: OrderType;
  quantity: number;
  /** Decimal string, limit orders only. */
  price?: string;
  timeInForce?: TimeInForce;
  clientOrderId?: string;
}

/** The fields the page reads; anything may be missing, so every reader is defensive. */
export interface OrderView {
  id?: number | string;
  clientOrderId?: string;
  symbol?: string;
  locate?: number;
  side?: string;
  orderType?: string;
  timeInForce?: string;
  price?: string | number | null;
  quantity?: number;
  filledQuantity?: number;
  remainingQuantity?: number;
  status?: string;
  reason?: string;
  creationTime?: string | number;
}

export interface ExecutionView {
  id?: number | string;
  orderId?: number | string;
  symbol?: string;
  locate?: number;
  side?: string;
  price?: string | number;
  orderType?: string;
  quantity?: number;
  time?: string | number;
}

export interface PositionView {
  symbol?: string;
  locate?: number;
  shares?: number | string;
  sharesReserved?: number | string;
}

export interface BalancesView {
  account?: number | string;
  cash?: string | number;
  cashReserved?: string | number;
  positions?: PositionView[];
}

/** A refusal from the server (4xx/5xx with {code, message}), or the page's own when the server cannot be reached. */
export class TradeApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The order-entry base URL: `?orderEntry=http://host:port`, else this page's host on port 8081. */
export function orderEntryUrl(loc: { search: string; protocol: string; hostname: string }): string {
  const given = new URLSearchParams(loc.search).get('orderEntry');
  if (given !== null && given !== '') return given.replace(/\/+$/, '');
  return `${loc.protocol === 'https:' ? 'https:' : 'http:'}//${loc.hostname}:8081`;
}

export class TradeApi {
  token: string | null = null;

  constructor(readonly baseUrl: string) {}

  async login(name: string, password: string): Promise<{ sessionToken: string; expiresAt?: string | number }> {
    const body = await this.call<{ sessionToken: string; expiresAt?: string | number }>('POST', '/v1/session', { name, password }, false);
    if (typeof body.sessionToken !== 'string' || body.sessionToken === '') {
      throw new TradeApiError(0, 'TW_ERR_WEB_BAD_ANSWER', 'the login answer carried no sessionToken');
    }
    this.token = body.sessionToken;
    return body;
  }

  /** Ends the session on the server; the token is dropped here whatever the answer. */
  async logout(): Promise<void> {
    if (this.token === null) return;
    try {
      await this.call('DELETE', '/v1/session');
    } finally {
      this.token = null;
    }
  }

  placeOrder(order: OrderRequest): Promise<OrderView> {
    return this.call<OrderView>('POST', '/v1/order', order);
  }

  cancelOrder(id: string): Promise<OrderView> {
    return this.call<OrderView>('DELETE', `/v1/order/${encodeURIComponent(id)}`);
  }

  async openOrders(): Promise<OrderView[]> {
    const body = await this.call<OrderView[] | { orders?: OrderView[] }>('GET', '/v1/orders?status=open');
    return Array.isArray(body) ? body : (body.orders ?? []);
  }

  async executions(): Promise<ExecutionView[]> {
    const body = await this.call<ExecutionView[] | { executions?: ExecutionView[] }>('GET', '/v1/execution');
    return Array.isArray(body) ? body : (body.executions ?? []);
  }

  balances(): Promise<BalancesView> {
    return this.call<BalancesView>('GET', '/v1/balances');
  }

  /** The private stream of this session's order updates and executions. */
  streamUrl(): string {
    const ws = this.baseUrl.replace(/^http/, 'ws');
    return `${ws}/v1/stream?token=${encodeURIComponent(this.token ?? '')}`;
  }

  private async call<T>(method: string, route: string, json?: unknown, auth = true): Promise<T> {
    const headers: Record<string, string> = {};
    if (json !== undefined) headers['content-type'] = 'application/json';
    if (auth) {
      if (this.token === null) throw new TradeApiError(401, 'TW_ERR_WEB_NOT_LOGGED_IN', 'log in first');
      headers.authorization = `Bearer ${this.token}`;
    }
    let res: Response;
    try {
      res = await fetch(this.baseUrl + route, { method, headers, body: json === undefined ? undefined : JSON.stringify(json), credentials: 'omit', cache: 'no-store' });
    } catch {
      throw new TradeApiError(0, 'TW_ERR_WEB_UNREACHABLE', `order entry at ${this.baseUrl} cannot be reached (is it running? set ?orderEntry=http://host:port)`);
    }
    const text = await res.text();
    let body: unknown = null;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
    }
    if (!res.ok) {
      const e = (body ?? {}) as { code?: unknown; message?: unknown };
      const code = typeof e.code === 'string' ? e.code : `HTTP_${res.status}`;
      const message = typeof e.message === 'string' ? e.message : text.slice(0, 200) || res.statusText;
      throw new TradeApiError(res.status, code, message);
    }
    return body as T;
  }
}
