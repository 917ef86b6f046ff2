// The client gateway: one fastify server on its own port (orderEntry.host:port, default
// 127.0.0.1:8081), apart from the public market-data gateway, with the REST order and
// session routes, the admin routes, /healthz, /metrics, /openapi.json and the private
// websocket /v1/stream (ws, noServer: the upgrade is checked before the handshake).
//
// Every request, in order: admin routes only from loopback with the admin token; others
// the IP allow/deny lists (403), then the per-IP request rate (429); then the route
// authenticates the caller (401) and checks it may do what it asks (403).
//
// The report listener is registered in the constructor, before anything awaits: reports
// the runtime delivers before the port opens (the journal's replay) build the mirror.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { WebSocketServer } from 'ws';
import type { EngineConfig, ListedSymbol, OrderEntryConfig } from '../config';
import { nySessionDate, type TradingPort } from '../protocol';
import { registerAdminRoutes } from './admin-routes';
import { Authenticator, bearerToken, type Principal } from './auth';
import { silentLogger, type AccountDirectory, type IpAccess, type OrderEntryLogger, type SessionDirectory, type TrafficWatch } from './directories';
import { OrderEntryError, OrderEntryErrorCounts, fromDirectoryError, httpStatus, type OrderEntryErrorCode } from './errors';
import { registerIpRateLimit } from './ip-rate-limit';
import { orderEntryMetrics } from './metrics';
import { openApiDocument } from './openapi';
import { OrderDesk } from './order-desk';
import { OrderFormatter } from './order-json';
import { DEFAULT_MIRROR_BOUNDS, OrderMirror, type MirrorBounds } from './order-mirror';
import { AccountOrderRate } from './order-rate';
import type { OrderRules } from './order-request';
import { PrivateStream } from './private-stream';
import { ReportRouter } from './report-router';
import { callerOf, registerTradingRoutes } from './trading-routes';
import { clientIp, isLoopback } from './client-ip';

/** Sizes and times with defaults (order-entry/README.md, "Sizes"). */
export interface OrderEntryLimits {
  mirror: MirrorBounds;
  /** A request the exchange core has not answered after this long fails with 504 TW_ERR_OE_CORE_TIMEOUT. */
  answerTimeoutMs: number;
  /** A cached caller is trusted this long before the directories are asked again. */
  authCacheMs: number;
  /** Private websocket: bytes queued before a client is closed as slow (4001). */
  hardBufferedBytes: number;
  pingIntervalMs: number;
  /** Private websocket connections per account. */
  maxStreamsPerAccount: number;
}

export const DEFAULT_LIMITS: OrderEntryLimits = {
  mirror: DEFAULT_MIRROR_BOUNDS,
  answerTimeoutMs: 10_000,
  authCacheMs: 1000,
  hardBufferedBytes: 4 << 20,
  pingIntervalMs: 20_000,
  maxStreamsPerAccount: 16,
};

export interface OrderEntryDeps {
  /** The orderEntry section, and the engine's tick and largest order. */
  config: { orderEntry: OrderEntryConfig; engine: Pick<EngineConfig, 'tickSize' | 'maxOrderShares'> };
  /** The exchange core. */
  trading: TradingPort;
  accounts: AccountDirectory;
  sessions: SessionDirectory;
  traffic: TrafficWatch;
  ipAccess: IpAccess;
  /** The admin routes' bearer token (the runtime writes it to a file of mode 0600 for the CLI). */
  adminToken: string;
  /** The listing: tickers, locates, reference prices (config's listing(n)). */
  symbols: readonly ListedSymbol[];
  /** pino or anything with its four methods; default silent. */
  logger?: OrderEntryLogger;
  /** Wall clock, UTC ms; default Date.now. */
  now?: () => number;
  /** The trading day of the engine's ns timestamps (YYYY-MM-DD, New York); default today's. */
  sessionDate?: string;
  limits?: Partial<OrderEntryLimits>;
  /**
   * Origins whose pages may call this gateway from a browser (CORS), e.g. the market-data
   * gateway's page "http://127.0.0.1:8080". Bearer tokens only, never cookies, so a page
   * has no ambient credential to misuse. Default none.
   */
  corsOrigins?: readonly string[];
}

export interface OrderEntryAddress {
  host: string;
  port: number;
  /** http://host:port */
  url: string;
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

export class OrderEntry {
  readonly app: FastifyInstance;
  readonly errors = new OrderEntryErrorCounts();
  readonly mirror: OrderMirror;
  readonly router: ReportRouter;
  readonly desk: OrderDesk;
  /** The exchange core's port this gateway submits to. */
  readonly trading: TradingPort;
  readonly stream: PrivateStream;
  readonly limits: OrderEntryLimits;
  private readonly deps: OrderEntryDeps;
  private readonly log: OrderEntryLogger;
  private readonly now: () => number;
  private readonly auth: Authenticator;
  private readonly wss: WebSocketServer;
  private readonly adminDigest: Buffer;
  /** Every HTTP route registered, "METHOD /path" (openapi.test.ts checks the document covers them). */
  readonly routes: string[] = [];
  private addr: OrderEntryAddress | null = null;
  private httpRequests = 0;
  private started = false;
  private closing: Promise<void> | null = null;

  constructor(deps: OrderEntryDeps) {
    this.deps = deps;
    const c = deps.config.orderEntry;
    if (deps.adminToken.length < 16) throw new RangeError('the admin token must be at least 16 characters');
    this.adminDigest = sha256(deps.adminToken);
    this.limits = { ...DEFAULT_LIMITS, ...deps.limits };
    this.log = deps.logger ?? silentLogger;
    this.now = deps.now ?? Date.now;
    this.mirror = new OrderMirror(this.limits.mirror);
    // First, before anything awaits: replayed reports arrive through this listener.
    this.trading = deps.trading;
    this.router = new ReportRouter(deps.trading, this.mirror, this.limits.answerTimeoutMs, this.now);
    const formatter = new OrderFormatter(deps.symbols, deps.sessionDate ?? nySessionDate(this.now()));
    this.stream = new PrivateStream({ formatter, errors: this.errors, log: this.log, hardBufferedBytes: this.limits.hardBufferedBytes, pingIntervalMs: this.limits.pingIntervalMs });
    this.router.setSink(this.stream);
    this.auth = new Authenticator(deps.accounts, deps.sessions, this.now, this.limits.authCacheMs);
    const rules: OrderRules = { symbols: new Map(deps.symbols.map((s) => [s.ticker, s])), tickSize: deps.config.engine.tickSize, maxShares: deps.config.engine.maxOrderShares };
    this.desk = new OrderDesk({
      router: this.router,
      mirror: this.mirror,
      rules,
      orderRate: new AccountOrderRate(c.ordersPerSecondPerAccount, this.now),
      traffic: deps.traffic,
      accounts: deps.accounts,
      sessions: deps.sessions,
      auth: this.auth,
      stream: this.stream,
      errors: this.errors,
      log: this.log,
      now: this.now,
    });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 1024, perMessageDeflate: false, clientTracking: false });
    this.app = Fastify({ logger: false, bodyLimit: c.maxBodyBytes, forceCloseConnections: true, onConstructorPoisoning: 'error', onProtoPoisoning: 'error' });
    // JSON bodies only: anything else is 415 TW_ERR_OE_BAD_MEDIA_TYPE.
    this.app.removeContentTypeParser('text/plain');
    const metrics = orderEntryMetrics({
      errors: this.errors,
      desk: this.desk.figures,
      router: this.router,
      mirror: this.mirror.figures,
      stream: this.stream.figures,
      httpRequests: () => this.httpRequests,
    });
    this.app.addHook('onRoute', (r) => {
      for (const m of Array.isArray(r.method) ? r.method : [r.method]) if (m !== 'HEAD' && m !== 'OPTIONS') this.routes.push(`${m} ${r.url}`);
    });
    this.registerHooks();
    registerTradingRoutes(this.app, {
      auth: this.auth,
      accounts: deps.accounts,
      sessions: deps.sessions,
      desk: this.desk,
      mirror: this.mirror,
      formatter,
      rules,
      stream: this.stream,
      trading: deps.trading,
      now: this.now,
      observeOrder: (s) => metrics.orderSeconds.observe(s),
    });
    registerAdminRoutes(this.app, {
      accounts: deps.accounts,
      sessions: deps.sessions,
      auth: this.auth,
      desk: this.desk,
      router: this.router,
      formatter,
      rules,
      riskClasses: c.riskClasses,
      stream: this.stream,
      trading: deps.trading,
      log: this.log,
      now: this.now,
    });
    this.app.get('/healthz', async () => ({
      status: 'ok',
      pendingRequests: this.router.pendingCount,
      mirror: this.mirror.figures,
      streams: this.stream.figures.connections,
      pid: process.pid,
    }));
    this.app.get('/metrics', async (_req, reply) => reply.header('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics()));
    this.app.get('/openapi.json', async () => openApiDocument(this.addr?.url ?? `http://${c.host}:${c.port}`));
  }

  /** Where it listens (after start). */
  get address(): OrderEntryAddress {
    if (this.addr === null) throw new Error('the order-entry gateway has not started');
    return this.addr;
  }

  /** Listens (orderEntry.port; 0 any free port). Throws TW_ERR_OE_BIND. */
  async start(): Promise<OrderEntryAddress> {
    if (this.addr !== null) return this.addr;
    if (this.started) throw new Error('the order-entry gateway is already starting');
    this.started = true;
    const c = this.deps.config.orderEntry;
    this.app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.upgrade(req, socket, head).catch((error) => {
        this.log.error({ code: 'TW_ERR_OE_INTERNAL', err: error }, 'websocket upgrade failed');
        socket.destroy();
      });
    });
    try {
      await this.app.listen({ host: c.host, port: c.port });
    } catch (error) {
      this.errors.count('TW_ERR_OE_BIND');
      throw new OrderEntryError('TW_ERR_OE_BIND', `cannot listen on ${c.host}:${c.port} (${(error as Error).message}); set orderEntry.host/orderEntry.port (0: any free port)`);
    }
    const a = this.app.server.address();
    const port = a !== null && typeof a === 'object' ? a.port : c.port;
    const host = c.host.includes(':') ? `[${c.host}]` : c.host;
    this.addr = { host: c.host, port, url: `http://${host}:${port}` };
    this.router.start();
    this.stream.start();
    return this.addr;
  }

  /** Fails waiting requests, closes websockets (1001), stops listening. Idempotent. */
  close(): Promise<void> {
    if (this.closing === null) {
      this.closing = (async () => {
        this.router.close();
        this.stream.close();
        this.wss.close();
        await this.app.close();
      })();
    }
    return this.closing;
  }

  private registerHooks(): void {
    const c = this.deps.config.orderEntry;
    const ipRate = registerIpRateLimit(this.app, c.requestsPerSecondPerIp);
    const origins = new Set(this.deps.corsOrigins ?? []);
    this.app.addHook('onRequest', async (req, reply) => {
      this.httpRequests++;
      const origin = req.headers.origin;
      if (origin !== undefined && origins.has(origin)) {
        reply.header('access-control-allow-origin', origin);
        reply.header('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS');
        reply.header('access-control-allow-headers', 'authorization, content-type');
        reply.header('access-control-max-age', '600');
        reply.header('vary', 'Origin');
      }
      const ip = clientIp(req.socket.remoteAddress);
      if (req.url.startsWith('/admin/')) return this.checkAdmin(req, ip);
      if (!this.deps.ipAccess.allows(ip)) throw new OrderEntryError('TW_ERR_OE_IP_DENIED', `address ${ip} may not use this gateway (orderEntry.allow/deny)`);
      const retryAfterS = await ipRate(req);
      if (retryAfterS !== null) {
        throw new OrderEntryError('TW_ERR_OE_RATE_LIMITED', `at most ${c.requestsPerSecondPerIp} requests per second per address; retry after ${retryAfterS} s`, { retryAfterS });
      }
    });

    this.app.setErrorHandler((err: unknown, req, reply) => {
      let e: OrderEntryError;
      if (err instanceof OrderEntryError) e = err;
      else {
        const f = err as { statusCode?: number; message?: string; code?: string };
        const status = typeof f.statusCode === 'number' ? f.statusCode : 500;
        const code: OrderEntryErrorCode =
          status === 413 ? 'TW_ERR_OE_BODY_TOO_LARGE' : status === 415 ? 'TW_ERR_OE_BAD_MEDIA_TYPE' : status >= 400 && status < 500 ? 'TW_ERR_OE_BAD_JSON' : 'TW_ERR_OE_INTERNAL';
        const message =
          code === 'TW_ERR_OE_BODY_TOO_LARGE'
            ? `the body is over ${c.maxBodyBytes} bytes (orderEntry.maxBodyBytes)`
            : code === 'TW_ERR_OE_BAD_MEDIA_TYPE'
              ? 'send the body as Content-Type: application/json'
              : code === 'TW_ERR_OE_BAD_JSON'
                ? `the body is not valid JSON: ${f.message ?? 'bad request'}`
                : `internal error: ${f.message ?? String(err)}`;
        e = new OrderEntryError(code, message);
        if (code === 'TW_ERR_OE_INTERNAL') this.log.error({ code, url: req.url, err }, 'internal error');
      }
      this.errors.count(e.code);
      if (e.status >= 500 && e.code !== 'TW_ERR_OE_INTERNAL') this.log.warn({ code: e.code, status: e.status, url: req.url }, e.message);
      if (e.retryAfterS !== undefined) reply.header('Retry-After', String(e.retryAfterS));
      return reply.code(e.status).send(e.body());
    });

    // CORS preflights (the headers, if the origin is allowed, come from the hook above).
    this.app.options('*', async (_req, reply) => reply.code(204).send());

    this.app.setNotFoundHandler((req, reply) => {
      this.errors.count('TW_ERR_OE_NOT_FOUND');
      return reply.code(404).send({ code: 'TW_ERR_OE_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}; GET /openapi.json lists them` });
    });
  }

  private checkAdmin(req: FastifyRequest, ip: string): void {
    if (!isLoopback(ip)) throw new OrderEntryError('TW_ERR_OE_FORBIDDEN', 'admin routes answer only from loopback');
    const token = bearerToken(req.headers.authorization);
    if (token === null) throw new OrderEntryError('TW_ERR_OE_UNAUTHORIZED', 'admin routes need Authorization: Bearer ADMIN_TOKEN (the runtime writes it beside the accounts database)', { field: 'Authorization' });
    if (!timingSafeEqual(sha256(token), this.adminDigest)) throw new OrderEntryError('TW_ERR_OE_FORBIDDEN', 'wrong admin token');
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const [path, query] = (req.url ?? '').split('?');
    if (path !== '/v1/stream') return this.refuse(socket, new OrderEntryError('TW_ERR_OE_BAD_PATH', `the private websocket is /v1/stream, not ${path}`));
    const ip = clientIp(req.socket.remoteAddress);
    if (!this.deps.ipAccess.allows(ip)) return this.refuse(socket, new OrderEntryError('TW_ERR_OE_IP_DENIED', `address ${ip} may not use this gateway`));
    // Browsers cannot set headers on a websocket upgrade: they may pass ?token=TOKEN instead.
    const queryToken = new URLSearchParams(query ?? '').get('token');
    const header = req.headers.authorization ?? (queryToken === null ? undefined : `Bearer ${queryToken}`);
    let p: Principal;
    try {
      p = await callerOf(this.auth, header);
      this.desk.assertSessionLive(p);
    } catch (error) {
      return this.refuse(socket, fromDirectoryError(error));
    }
    if (this.stream.connectionsOf(p.account.id) >= this.limits.maxStreamsPerAccount) {
      return this.refuse(socket, new OrderEntryError('TW_ERR_OE_TOO_MANY_CONNECTIONS', `at most ${this.limits.maxStreamsPerAccount} private websockets per account`));
    }
    if (socket.destroyed) return;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.stream.accept(ws, p.account.id, p.session?.id ?? null));
  }

  private refuse(socket: Duplex, e: OrderEntryError): void {
    this.errors.count(e.code);
    if (socket.destroyed) return;
    const status = httpStatus(e.code);
    const body = JSON.stringify(e.body());
    const text = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests' }[status] ?? 'Error';
    socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
}

/** Creates the gateway (its report listener at once) and listens. */
export async function startOrderEntry(deps: OrderEntryDeps): Promise<OrderEntry> {
  const oe = new OrderEntry(deps);
  await oe.start();
  return oe;
}
