// The routes of account holders (order-entry/README.md, "Routes"): sessions, orders,
// executions and balances, each authenticated by `Authorization: Bearer TOKEN` (an API key
// or a session token) and answering only about the caller's own account.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TradingPort } from '../protocol';
import { bearerToken, type Authenticator, type Principal } from './auth';
import type { AccountDirectory, SessionDirectory, SessionView } from './directories';
import { clientIp } from './client-ip';
import { OrderEntryError, fromDirectoryError } from './errors';
import type { OrderDesk } from './order-desk';
import type { OrderFormatter } from './order-json';
import type { OrderMirror } from './order-mirror';
import type { OrderRules } from './order-request';
import type { PrivateStream } from './private-stream';
import { executionsQuerySchema, loginBodySchema, orderIdParamsSchema, ordersQuerySchema, parseInput } from './schemas';

export interface TradingRouteDeps {
  auth: Authenticator;
  accounts: AccountDirectory;
  sessions: SessionDirectory;
  desk: OrderDesk;
  mirror: OrderMirror;
  formatter: OrderFormatter;
  rules: OrderRules;
  stream: PrivateStream;
  trading: TradingPort;
  now: () => number;
  /** Observes POST /v1/order's time, seconds. */
  observeOrder: (seconds: number) => void;
}

/** The caller, or 401. */
export async function callerOf(auth: Authenticator, header: string | undefined): Promise<Principal> {
  if (header === undefined) throw new OrderEntryError('TW_ERR_OE_UNAUTHORIZED', 'send Authorization: Bearer TOKEN, an API key or a session token from POST /v1/session', { field: 'Authorization' });
  const token = bearerToken(header);
  const p = token === null ? null : await auth.resolve(token);
  if (p === null) throw new OrderEntryError('TW_ERR_OE_BAD_TOKEN', 'Authorization must be "Bearer TOKEN" with a live API key or session token; log in again with POST /v1/session', { field: 'Authorization' });
  return p;
}

async function directory<T>(call: () => T | Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fromDirectoryError(error);
  }
}

function sessionJson(s: SessionView, sessions: SessionDirectory, current: number | null) {
  return {
    id: s.id,
    createdAt: s.createdMs,
    lastSeenAt: s.lastSeenMs,
    expiresAt: s.suspended ? null : Math.min(s.lastSeenMs + sessions.idleTimeoutMs, s.createdMs + sessions.absoluteTimeoutMs),
    ip: s.ip,
    userAgent: s.userAgent,
    suspended: s.suspended,
    current: s.id === current,
  };
}

export function registerTradingRoutes(app: FastifyInstance, d: TradingRouteDeps): void {
  const caller = (req: FastifyRequest) => callerOf(d.auth, req.headers.authorization);

  app.post('/v1/session', async (req) => {
    const b = parseInput(loginBodySchema, req.body, 'body');
    const account = await directory(() => d.accounts.authenticatePassword(b.name, b.password));
    if (account.status !== 'active') throw new OrderEntryError('TW_ERR_OE_ACCOUNT_SUSPENDED', `account ${account.id} is suspended; an admin resumes it`);
    const userAgent = String(req.headers['user-agent'] ?? '').slice(0, 256);
    const { token, session } = await directory(() => d.sessions.login(account.id, { ip: clientIp(req.socket.remoteAddress), userAgent }));
    return { sessionToken: token, sessionId: session.id, expiresAt: sessionJson(session, d.sessions, null).expiresAt, account: account.id, kyc: account.kyc };
  });

  app.delete('/v1/session', async (req) => {
    const p = await caller(req);
    const session = p.session;
    if (session === null) throw new OrderEntryError('TW_ERR_OE_NO_SESSION', 'this token is an API key, not a session: there is nothing to log out');
    if (session.suspended) throw new OrderEntryError('TW_ERR_OE_SESSION_SUSPENDED', `session ${session.id} is suspended; an admin lifts it before it can log out`);
    const loggedOut = await directory(() => d.sessions.logout(bearerToken(req.headers.authorization) as string));
    d.auth.forgetAccount(p.account.id);
    d.desk.forgetSession(session.id);
    d.stream.closeSession(session.id, 'logged out');
    return { loggedOut, sessionId: session.id };
  });

  app.get('/v1/sessions', async (req) => {
    const p = await caller(req);
    const list = await directory(() => d.sessions.list(p.account.id));
    return { sessions: list.map((s) => sessionJson(s, d.sessions, p.session?.id ?? null)) };
  });

  app.delete('/v1/sessions', async (req) => {
    const p = await caller(req);
    const before = await directory(() => d.sessions.list(p.account.id));
    const closed = await directory(() => d.sessions.logoutAll(p.account.id));
    d.auth.forgetAccount(p.account.id);
    for (const s of before) {
      if (s.suspended) continue;
      d.desk.forgetSession(s.id);
      d.stream.closeSession(s.id, 'logged out everywhere');
    }
    return { closed };
  });

  app.post('/v1/order', async (req, reply) => {
    const started = performance.now();
    const p = await caller(req);
    const { order } = await d.desk.newOrder(p, req.body);
    d.observeOrder((performance.now() - started) / 1000);
    const json = d.formatter.order(order);
    // Refused by the exchange core (no funds, halted, risk): 422 with its TW_REJECT_* code and the order, status rejected.
    if (order.status === 'rejected') return reply.code(422).send({ code: order.reject, message: `the exchange rejected the order: ${order.reject}`, ...json });
    return json;
  });

  app.delete('/v1/order/:id', async (req) => {
    const p = await caller(req);
    const { id } = parseInput(orderIdParamsSchema, req.params, 'query');
    return d.formatter.order(await d.desk.cancel(p, id));
  });

  app.get('/v1/order/:id', async (req) => {
    const p = await caller(req);
    d.desk.assertSessionLive(p);
    const { id } = parseInput(orderIdParamsSchema, req.params, 'query');
    const o = d.mirror.order(p.account.id, id);
    if (o === null) throw new OrderEntryError('TW_ERR_OE_UNKNOWN_ORDER', `no order ${id} of this account (GET /v1/orders lists them)`, { field: 'id' });
    return d.formatter.order(o);
  });

  app.get('/v1/orders', async (req) => {
    const p = await caller(req);
    d.desk.assertSessionLive(p);
    const q = parseInput(ordersQuerySchema, req.query, 'query');
    return { orders: d.mirror.orders(p.account.id, q.status).map((o) => d.formatter.order(o)) };
  });

  app.get('/v1/execution', async (req) => {
    const p = await caller(req);
    d.desk.assertSessionLive(p);
    const q = parseInput(executionsQuerySchema, req.query, 'query');
    let locate: number | undefined;
    if (q.symbol !== undefined) {
      const listed = d.rules.symbols.get(q.symbol);
      if (listed === undefined) throw new OrderEntryError('TW_ERR_OE_UNKNOWN_SYMBOL', `unknown symbol ${JSON.stringify(q.symbol)}`, { field: 'symbol' });
      locate = listed.locate;
    }
    const executions = d.mirror.executions(p.account.id, {
      locate,
      orderId: q.orderId,
      fromNs: q.startTime === undefined ? undefined : d.formatter.sinceMidnightNs(q.startTime),
      toNs: q.endTime === undefined ? undefined : d.formatter.sinceMidnightNs(q.endTime + 1) - 1,
    });
    return { executions: executions.map((e) => d.formatter.execution(e)) };
  });

  app.get('/v1/balances', async (req) => {
    const p = await caller(req);
    d.desk.assertSessionLive(p);
    let view: Awaited<ReturnType<TradingPort['balances']>>;
    try {
      view = await d.trading.balances(p.account.id);
    } catch (error) {
      throw new OrderEntryError('TW_ERR_OE_CORE_UNAVAILABLE', `the exchange core did not answer for balances: ${(error as Error).message}`);
    }
    return { account: p.account.id, ...d.formatter.balances(view) };
  });
}
