// The gateway: one fastify server with the HTTP API and the websocket endpoint /v1/ws (ws,
// noServer: upgrades are checked before the handshake). Depends only on a MarketDataSource
// (book/): the publisher in its own process, or a feed handler at the edge. Runs on the
// source's thread: the books are read between event groups, never locked.
//
// Upgrade checks, in order: path (/v1/ws, else 404), key (an Authorization header must be
// "Bearer KEY" with a known key, else 401; none: free tier), connections (per IP and in
// total, else 429). Then pings every pingIntervalMs; a client that did not answer the
// previous ping is terminated.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { GatewayConfig } from '../config';
import type { MarketDataSource, OrderBook } from '../book';
import type { GatewayTier } from '../protocol';
import { GatewayError, GatewayErrorCounts, CloseCode, type GatewayErrorCode } from './errors';
import { FanOut } from './fan-out';
import { bearerKey, registerHttpRoutes } from './http-routes';
import { KeyStore } from './key-store';
import type { MarketHistory } from './market-history';
import { gatewayMetrics, type ExtraGauge } from './metrics';
import { openApiDocument } from './openapi';
import { Session } from './session';
import { SubscriptionRegistry } from './subscription-registry';
import { tierPolicies, type TierPolicy } from './tiers';
import { registerWebPage } from './web-page';

export interface GatewayOptions {
  source: MarketDataSource;
  config: GatewayConfig;
  /** API keys; default: a KeyStore on config.keysFile. */
  keys?: KeyStore | null;
  /** Storage for ranges older than memory; null answers them 503 TW_ERR_GW_NO_STORAGE. */
  history?: MarketHistory | null;
  /** Figures the process wiring adds to /metrics (the publisher's). */
  extraGauges?: readonly ExtraGauge[];
  /** Clock (ms) for rate limits. */
  now?: () => number;
  /** The built web page to serve at `/` (dist/web); null: `/` is a 404. */
  webDir?: string | null;
  /** Structured logs, fastify's and the gateway's (each with `code: 'TW_ERR_GW_...'`); default: a silent pino logger. */
  logger?: Logger;
}

export interface GatewayFigures {
  connections: number;
  connectionsTotal: number;
  refusedUpgrades: number;
  messagesReceived: number;
  frames: number;
  sends: number;
  /** Socket writes of frames: one per client per flush that sent it any. */
  writes: number;
  /** Engine event to the frame written to its clients' sockets, per subscriber: p50, p99, max (us). */
  deliveryLagP50Us: number;
  deliveryLagP99Us: number;
  deliveryLagMaxUs: number;
  bytes: number;
  skipped: number;
  resyncs: number;
  slowClosed: number;
  topics: number;
  shuffleSeed: number;
}

export class Gateway {
  readonly app: FastifyInstance;
  /** The logger fastify was given (or its silent default): the gateway's own lines go here too. */
  readonly log: FastifyBaseLogger;
  readonly registry: SubscriptionRegistry;
  readonly fan: FanOut;
  readonly errors = new GatewayErrorCounts();
  readonly config: GatewayConfig;
  readonly source: MarketDataSource;
  readonly keys: KeyStore | null;
  readonly policies: Record<GatewayTier, TierPolicy>;
  readonly sessions = new Set<Session>();
  host: string;
  port = 0;
  connectionsTotal = 0;
  /** The web page is served at `/` (webDir held a built page). */
  webPage = false;
  refusedUpgrades = 0;
  messagesReceived = 0;
  private readonly wss: WebSocketServer;
  private readonly perIp = new Map<string, number>();
  private readonly now: () => number;
  private pingTimer: NodeJS.Timeout | null = null;
  private nextSessionId = 1;
  private symbols = new Map<string, OrderBook>();
  private symbolsSeen = -1;
  private started = false;
  private closing: Promise<void> | null = null;

  constructor(options: GatewayOptions) {
    const c = options.config;
    this.config = c;
    this.source = options.source;
    this.host = c.host;
    this.now = options.now ?? Date.now;
    this.keys = options.keys !== undefined ? options.keys : new KeyStore(c.keysFile);
    this.policies = tierPolicies(c);
    const seed = c.shuffleSeed !== 0 ? c.shuffleSeed : (Date.now() ^ (process.pid << 16)) >>> 0 || 1;
    this.fan = new FanOut(c.softBufferedBytes, c.hardBufferedBytes, seed);
    this.registry = new SubscriptionRegistry({
      source: options.source,
      fan: this.fan,
      executionsPerSymbol: c.executionsPerSymbol,
      rates: Object.values(this.policies).map((p) => p.updatesPerSecond),
      realtimeIntervalMs: c.realtimeIntervalMs,
      flushTickMs: c.flushTickMs,
      broadcast: (frame) => {
        for (const s of this.sessions) s.send(frame);
      },
    });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: c.maxPayloadBytes, perMessageDeflate: false, clientTracking: false });
    const logging = options.logger !== undefined ? { loggerInstance: options.logger as FastifyBaseLogger } : { logger: { level: 'silent' } };
    this.app = Fastify({ ...logging, logController: new QuietRequestLog(), forceCloseConnections: true });
    this.log = this.app.log;
    const metrics = gatewayMetrics({
      source: options.source,
      registry: this.registry,
      fan: this.fan,
      errors: this.errors,
      connections: () => this.sessions.size,
      connectionsTotal: () => this.connectionsTotal,
      messagesReceived: () => this.messagesReceived,
      httpRequests: () => http.requests(),
      extra: options.extraGauges,
    });
    const http = registerHttpRoutes(this.app, {
      registry: this.registry,
      keys: this.keys,
      policies: this.policies,
      history: options.history ?? null,
      errors: this.errors,
      metrics,
      openapi: () => openApiDocument(`http://${this.host}:${this.port}`),
      lookup: (symbol) => this.lookup(symbol),
      clients: () => this.sessions.size,
      log: this.log,
      requestsPerSecond: c.httpRequestsPerSecond,
      now: this.now,
    });
    if (options.webDir !== undefined && options.webDir !== null) this.webPage = registerWebPage(this.app, options.webDir);
  }

  /** Listens (port 0: any free port) and starts listening to the source. Resolves with the port. */
  async start(): Promise<number> {
    if (this.started) return this.port;
    this.started = true;
    this.app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    try {
      await this.app.listen({ host: this.config.host, port: this.config.port });
    } catch (err) {
      throw new GatewayError('TW_ERR_GW_BIND', `cannot listen on ${this.config.host}:${this.config.port} (${(err as Error).message}); set gateway.host/gateway.port (0: any free port)`);
    }
    const address = this.app.server.address();
    if (address !== null && typeof address === 'object') this.port = address.port;
    this.registry.start();
    this.pingTimer = setInterval(() => this.pingAll(), this.config.pingIntervalMs);
    this.pingTimer.unref();
    return this.port;
  }

  /** Closes every client (1001), stops listening. Idempotent. */
  close(): Promise<void> {
    if (this.closing === null) {
      this.closing = (async () => {
        if (this.pingTimer !== null) clearInterval(this.pingTimer);
        this.registry.stop();
        for (const s of this.sessions) {
          s.closeWith(CloseCode.GoingAway, 'server shutting down');
          s.ws.terminate();
        }
        this.wss.close();
        if (this.started) await this.app.close();
      })();
    }
    return this.closing;
  }

  figures(): GatewayFigures {
    const f = this.fan.figures;
    return {
      connections: this.sessions.size,
      connectionsTotal: this.connectionsTotal,
      refusedUpgrades: this.refusedUpgrades,
      messagesReceived: this.messagesReceived,
      frames: f.frames,
      sends: f.sends,
      writes: f.writes,
      bytes: f.bytes,
      skipped: f.skipped,
      resyncs: f.resyncs,
      slowClosed: f.slowClosed,
      topics: this.registry.figures.topics,
      shuffleSeed: this.fan.seed,
      deliveryLagP50Us: this.registry.deliveryLag.valueAtPercentile(50),
      deliveryLagP99Us: this.registry.deliveryLag.valueAtPercentile(99),
      deliveryLagMaxUs: this.registry.deliveryLag.maxValue,
    };
  }

  /** The book of a listed symbol, or null. */
  lookup(symbol: string): OrderBook | null {
    const all = this.source.books.allBooks();
    if (all.length !== this.symbolsSeen) {
      this.symbolsSeen = all.length;
      this.symbols = new Map(all.map((b) => [b.symbol, b]));
    }
    return this.symbols.get(symbol) ?? null;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/v1/ws') return this.refuse(socket, 404, 'TW_ERR_GW_BAD_PATH', `websocket endpoint is /v1/ws, not ${path}`);
    let tier: GatewayTier = 'free';
    // Browsers cannot set headers on a websocket upgrade: they may pass ?key=KEY instead.
    const queryKey = new URLSearchParams((req.url ?? '').split('?')[1] ?? '').get('key');
    const header = req.headers.authorization ?? (queryKey === null ? undefined : `Bearer ${queryKey}`);
    if (header !== undefined) {
      const key = bearerKey(header);
      const record = key === null || this.keys === null ? null : this.keys.lookup(key, this.now());
      if (record === null) return this.refuse(socket, 401, 'TW_ERR_GW_BAD_KEY', 'Authorization must be "Bearer KEY" with a key from tickwire keys create');
      tier = record.tier;
    }
    const ip = req.socket.remoteAddress ?? '';
    const fromIp = this.perIp.get(ip) ?? 0;
    if (fromIp >= this.config.maxConnectionsPerIp) {
      return this.refuse(socket, 429, 'TW_ERR_GW_TOO_MANY_CONNECTIONS', `at most ${this.config.maxConnectionsPerIp} connections per address`);
    }
    if (this.sessions.size >= this.config.maxConnections) {
      return this.refuse(socket, 429, 'TW_ERR_GW_TOO_MANY_CONNECTIONS', `at most ${this.config.maxConnections} connections in all`);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, ip, tier));
  }

  private refuse(socket: Duplex, status: number, code: GatewayErrorCode, message: string): void {
    this.refusedUpgrades++;
    this.errors.count(code);
    const body = JSON.stringify({ code, message });
    const text = { 401: 'Unauthorized', 404: 'Not Found', 429: 'Too Many Requests' }[status] ?? 'Error';
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n${status === 429 ? 'Retry-After: 1\r\n' : ''}\r\n${body}`,
    );
  }

  private accept(ws: WebSocket, ip: string, tier: GatewayTier): void {
    this.connectionsTotal++;
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    const session = new Session(this.nextSessionId++, ws, ip, this.policies[tier], {
      registry: this.registry,
      policies: this.policies,
      errors: this.errors,
      lookup: (symbol) => this.lookup(symbol),
      messagesPerSecond: this.config.messagesPerSecond,
      abuseStrikes: this.config.abuseStrikes,
      maxSubscriptions: this.config.maxSubscriptions,
      now: this.now,
    });
    this.sessions.add(session);
    ws.on('message', (data, isBinary) => {
      this.messagesReceived++;
      session.onMessage(data, isBinary);
    });
    ws.on('pong', () => {
      session.alive = true;
    });
    ws.on('error', () => {
      // A protocol error (e.g. a message over maxPayload: ws closes with 1009) or a reset; 'close' follows.
    });
    ws.on('close', () => {
      if (!this.sessions.delete(session)) return;
      session.onClose();
      const n = (this.perIp.get(ip) ?? 1) - 1;
      if (n <= 0) this.perIp.delete(ip);
      else this.perIp.set(ip, n);
    });
  }

  private pingAll(): void {
    for (const s of this.sessions) {
      if (!s.alive) {
        this.errors.count('TW_ERR_GW_PING_TIMEOUT');
        this.log.info({ code: 'TW_ERR_GW_PING_TIMEOUT', session: s.id, ip: s.ip }, 'client did not answer the last ping: terminated');
        s.closed = true;
        s.ws.terminate();
        continue;
      }
      s.alive = false;
      s.ws.ping();
    }
  }
}

/**
 * fastify's per-request lines at debug rather than info: hundreds of requests a second would
 * drown the log (and the terminal of tickwire run). Everything else fastify logs is unchanged.
 */
class QuietRequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return;
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (error) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
