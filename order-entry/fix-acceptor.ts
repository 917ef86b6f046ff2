// The FIX 4.4 acceptor of the client gateway (orderEntry.fix, default 127.0.0.1:9878),
// for institutions' FIX engines. jspurefix does the session layer (FixOrderSession); this
// class listens, authenticates each Logon against the account database (Username(553)
// the account's name or login id, Password(554) its password or an API key), and turns
// NewOrderSingle (D), OrderCancelRequest (F) and OrderCancelReplaceRequest (G) into the
// same requests, checks and rate limits the REST API uses (OrderDesk, ReportRouter).
// Every report of the account reaches its FIX sessions as ExecutionReports (FixOrderTracker);
// a session that is logged out has them stored under its next sequence numbers (one store
// per counterparty per trading day, under storePath/DATE), so a client logging on again
// gets them through its ResendRequest. Opt-in per account: cancel-on-disconnect.
//
// Create it before the runtime replays the journal (its report listener rebuilds the FIX
// view of the day's orders), then start(); startFixAcceptor does both at once.
import 'reflect-metadata';
import * as net from 'node:net';
import * as path from 'node:path';
import { DITokens, type IFixSessionStore, type IJsFixConfig, type IJsFixLogger, type ISessionDescription, JsFixLoggerFactory, MemorySessionStore, MsgTransport, type MsgView, SessionContainer, SessionId, TcpDuplex } from 'jspurefix';
import { makeSessionScope } from 'jspurefix/dist/runtime/session-scope';
import { API_KEY_PREFIX } from '../accounts';
import type { EngineConfig, ListedSymbol, OrderEntryConfig } from '../config';
import { CLIENT_ORDER_ID_MAX, nySessionDate, nySessionMidnightMs, type OrderEntryReport } from '../protocol';
import type { Principal } from './auth';
import { silentLogger, type AccountDirectory, type AccountView, type OrderEntryLogger } from './directories';
import { listenTcp } from './listen-tcp';
import { OrderEntryError, fromDirectoryError, type OrderEntryErrorCode, type OrderEntryErrorCounts } from './errors';
import { FixCodec } from './fix-codec';
import { FixCompIds } from './fix-comp-ids';
import {
  BusinessRejectReason,
  CxlRejReason,
  ExecType,
  FIX_ORD_TYPES,
  FIX_SIDES,
  FIX_TIME_IN_FORCE,
  FixMsgType,
  OrdStatus,
  SessionRejectReason,
  Tag,
  cancelReject,
  executionReport,
  ordRejReason,
  ordStatusOf,
} from './fix-messages';
import { FixOrderTracker, type TrackedOrder } from './fix-order-tracker';
import { FixOrderSession, type FixSessionHost } from './fix-session';
import { FixSessionStore } from './fix-store';
import type { OrderDesk } from './order-desk';
import { isOpen, type OrderMirror } from './order-mirror';
import { MAX_PRICE4, parseDecimal4 } from './prices';
import type { ReportRouter } from './report-router';
import { CLIENT_ORDER_ID } from './schemas';

/** The pieces of the running OrderEntry the acceptor trades through (OrderEntry has them all). */
export interface FixGatewayPieces {
  readonly router: ReportRouter;
  readonly desk: OrderDesk;
  readonly mirror: OrderMirror;
  readonly errors: OrderEntryErrorCounts;
}

export interface FixLimits {
  /** Our HeartBtInt(108) on the Logon answer, seconds. */
  heartBtIntS: number;
  /** A connection that has not logged on after this long is closed. */
  logonTimeoutMs: number;
  /** Connections at once (beyond: closed on accept). */
  maxConnections: number;
  /** A session's account (status, KYC, kill switch) is read again after this long. */
  accountRefreshMs: number;
}

export const DEFAULT_FIX_LIMITS: FixLimits = { heartBtIntS: 30, logonTimeoutMs: 10_000, maxConnections: 2_000, accountRefreshMs: 1_000 };

export interface FixAcceptorDeps {
  /** orderEntry.fix: host, port (0: any free), senderCompId, storePath. */
  config: OrderEntryConfig['fix'];
  /** engine.tickSize and engine.maxOrderShares. */
  engine: Pick<EngineConfig, 'tickSize' | 'maxOrderShares'>;
  gateway: FixGatewayPieces;
  accounts: AccountDirectory;
  symbols: readonly ListedSymbol[];
  logger?: OrderEntryLogger;
  now?: () => number;
  /** The trading day (YYYY-MM-DD, New York) of the engine's ns timestamps and of the stores; default today's. */
  sessionDate?: string;
  limits?: Partial<FixLimits>;
}

export interface FixAcceptorFigures {
  connections: number;
  sessions: number;
  logons: number;
  logonsRefused: number;
  garbageDisconnects: number;
  sessionRejects: number;
  businessRejects: number;
  orders: number;
  cancels: number;
  replaces: number;
  ordersRefused: number;
  /** Messages stored for a logged-out session (resent when it logs on again). */
  storedWhileAway: number;
  cancelOnDisconnect: number;
}

const COMP_ID = /^[A-Za-z0-9_.-]{1,32}$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;
const BEGIN_STRING = '8=FIX.4.4\x01';

interface Binding {
  readonly session: FixOrderSession;
  readonly pending: Array<[string, Record<string, unknown>]>;
}

/** jspurefix logs a great deal at info; ours gets its warnings at debug. */
class QuietLogFactory extends JsFixLoggerFactory {
  constructor(private readonly log: OrderEntryLogger) {
    super();
  }

  logger(type: string): IJsFixLogger {
    const log = this.log;
    return {
      info() {},
      debug() {},
      warning(message: string) {
        log.debug({ code: 'TW_FIX_ENGINE', component: type }, message);
      },
      error(e: Error) {
        log.debug({ code: 'TW_FIX_ENGINE', component: type, err: e.message }, 'FIX engine error');
      },
    };
  }

  plain(): IJsFixLogger {
    return this.logger('plain');
  }
}

export class FixAcceptor implements FixSessionHost {
  readonly figures: FixAcceptorFigures = {
    connections: 0,
    sessions: 0,
    logons: 0,
    logonsRefused: 0,
    garbageDisconnects: 0,
    sessionRejects: 0,
    businessRejects: 0,
    orders: 0,
    cancels: 0,
    replaces: 0,
    ordersRefused: 0,
    storedWhileAway: 0,
    cancelOnDisconnect: 0,
  };
  readonly tracker: FixOrderTracker;
  readonly limits: FixLimits;
  readonly sessionDate: string;
  private readonly log: OrderEntryLogger;
  private readonly now: () => number;
  private readonly directory: string;
  private readonly compIds: FixCompIds;
  private readonly stores = new Map<string, FixSessionStore>();
  private readonly live = new Map<string, FixOrderSession>();
  private readonly binding = new Map<string, Binding>();
  private readonly sockets = new Set<net.Socket>();
  private readonly accountViews = new Map<number, { view: AccountView; atMs: number }>();
  private root: IJsFixConfig | null = null;
  private fixCodec: FixCodec | null = null;
  private server: net.Server | null = null;
  private boundPort = 0;
  private nextTransportId = 1;
  private nextExecId = 1;
  private readonly execIdPrefix: string;
  private closing: Promise<void> | null = null;

  constructor(private readonly deps: FixAcceptorDeps) {
    this.log = deps.logger ?? silentLogger;
    this.now = deps.now ?? Date.now;
    this.limits = { ...DEFAULT_FIX_LIMITS, ...deps.limits };
    this.sessionDate = deps.sessionDate ?? nySessionDate(this.now());
    this.directory = path.join(deps.config.storePath, this.sessionDate);
    this.compIds = new FixCompIds(this.directory);
    this.execIdPrefix = `G${this.now().toString(36)}.`;
    this.tracker = new FixOrderTracker(
      deps.symbols,
      deps.gateway.mirror,
      (account) => this.compIds.has(account),
      (account, msgType, body) => this.deliver(account, msgType, body),
      nySessionMidnightMs(this.sessionDate),
    );
    // Before anything awaits: the journal's replay rebuilds the tracker (no messages until start).
    deps.gateway.router.addListener((r: OrderEntryReport) => this.tracker.apply(r));
  }

  get codec(): FixCodec {
    if (this.fixCodec === null) throw new Error('the FIX acceptor has not started');
    return this.fixCodec;
  }

  /** The port it listens on (after start). */
  get port(): number {
    return this.boundPort;
  }

  /** Loads the FIX 4.4 dictionary and listens. Throws TW_ERR_OE_BIND. */
  async start(): Promise<{ host: string; port: number }> {
    const c = this.deps.config;
    const container = new SessionContainer();
    container.registerGlobal(new QuietLogFactory(this.log));
    const description = {
      application: { type: 'acceptor', name: 'tickwire-fix', protocol: 'ascii', dictionary: 'qf44', tcp: { host: c.host, port: c.port } },
      BeginString: 'FIX.4.4',
      SenderCompId: c.senderCompId,
      // Any counterparty: its SenderCompID becomes our target, its own store and sequence numbers.
      TargetCompID: '*',
      HeartBtInt: this.limits.heartBtIntS,
      ResetSeqNumFlag: false,
    } as unknown as ISessionDescription;
    const scope = await container.makeSystem(description);
    const root = scope.resolve<IJsFixConfig>(DITokens.IJsFixConfig);
    // Messages are encoded with SOH, as on the wire, so a stored one parses back as it was sent.
    root.logDelimiter = 1;
    root.sessionStoreFactory = { create: (id: SessionId) => this.storeFor(id) };
    this.root = root;
    this.fixCodec = new FixCodec(root);
    const server = net.createServer((socket) => this.accept(socket));
    server.maxConnections = this.limits.maxConnections;
    this.boundPort = await listenTcp(server, c.host, c.port, 'the FIX acceptor', 'orderEntry.fix', this.deps.gateway.errors, this.log);
    this.server = server;
    this.tracker.live = true;
    this.log.info({ code: 'TW_OE_FIX_LISTENING', host: c.host, port: this.boundPort, senderCompId: c.senderCompId, store: this.directory }, `FIX 4.4 acceptor on ${c.host}:${this.boundPort}`);
    return { host: c.host, port: this.boundPort };
  }

  /** Logs every session out, stops listening, flushes the stores. Idempotent. */
  close(): Promise<void> {
    if (this.closing === null) {
      this.closing = (async () => {
        this.tracker.live = false;
        for (const s of this.live.values()) s.logout('the exchange is shutting down');
        await new Promise((r) => setTimeout(r, 50));
        for (const socket of this.sockets) socket.destroy();
        if (this.server !== null) await new Promise<void>((resolve) => (this.server as net.Server).close(() => resolve()));
        await Promise.all([...this.stores.values()].map((s) => s.dispose().catch(() => undefined)));
      })();
    }
    return this.closing;
  }

  // ---- connections and the session layer ------------------------------------------------

  private accept(socket: net.Socket): void {
    if (this.closing !== null || this.root === null) {
      socket.destroy();
      return;
    }
    this.figures.connections++;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on('error', () => undefined);
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    // A FIX stream starts "8=FIX": anything else is not worth the parser's patience (it skips to the next digit).
    let head = '';
    const sniff = (data: Buffer | string): void => {
      head += typeof data === 'string' ? data.slice(0, 16) : data.subarray(0, 16).toString('latin1');
      const want = BEGIN_STRING.slice(0, Math.min(head.length, BEGIN_STRING.length));
      if (head.slice(0, want.length) !== want) {
        socket.off('data', sniff);
        this.figures.garbageDisconnects++;
        this.deps.gateway.errors.count('TW_ERR_OE_FIX_GARBAGE');
        this.log.warn({ code: 'TW_ERR_OE_FIX_GARBAGE', remote }, 'not FIX 4.4 (the stream does not start with 8=FIX.4.4): disconnected');
        socket.destroy();
      } else if (head.length >= BEGIN_STRING.length) {
        socket.off('data', sniff);
      }
    };
    socket.on('data', sniff);
    const scoped = makeSessionScope(this.root);
    const transport = new MsgTransport(this.nextTransportId++, scoped, new TcpDuplex(socket));
    const session = new FixOrderSession(scoped, this, remote);
    session.storeBeforeSend(transport.transmitter);
    transport.receiver.on('error', (e: Error & { code?: string }) => {
      // A socket error (reset) has a code; a parser error means the bytes are not FIX.
      if (e.code === undefined) this.garbage(session, e.message);
    });
    const timer = setTimeout(() => {
      if (!session.loggedOn) {
        this.log.info({ code: 'TW_OE_FIX_LOGON_TIMEOUT', remote }, `no FIX Logon in ${this.limits.logonTimeoutMs} ms: closed`);
        socket.destroy();
      }
    }, this.limits.logonTimeoutMs);
    timer.unref();
    socket.on('close', () => {
      clearTimeout(timer);
      this.sockets.delete(socket);
    });
    session.run(transport).catch((e: Error) => {
      if (/expects Logon as the first message|Logon has no SenderCompID/.test(e.message)) this.garbage(session, e.message);
    });
  }

  private garbage(session: FixOrderSession, why: string): void {
    this.figures.garbageDisconnects++;
    this.deps.gateway.errors.count('TW_ERR_OE_FIX_GARBAGE');
    this.log.warn({ code: 'TW_ERR_OE_FIX_GARBAGE', remote: session.remote }, `not FIX 4.4 (${why}): disconnected`);
  }

  /** The store of one counterparty for the day (one instance, shared with the offline path). */
  private storeFor(id: SessionId): IFixSessionStore {
    const compId = id.targetCompID;
    // A CompID that could not be a file name never gets a file (its Logon is refused).
    if (!COMP_ID.test(compId)) return new MemorySessionStore(id);
    let s = this.stores.get(compId);
    if (s === undefined) {
      s = new FixSessionStore(id, this.directory, (error) => {
        this.deps.gateway.errors.count('TW_ERR_OE_FIX_STORE');
        this.log.error({ code: 'TW_ERR_OE_FIX_STORE', compId, err: error }, `FIX session store write failed: ${error.message}`);
      });
      this.stores.set(compId, s);
    }
    return s;
  }

  async logon(session: FixOrderSession, view: MsgView, user: string, password: string): Promise<boolean> {
    const compId = view.getString(Tag.SenderCompID) ?? '';
    try {
      if (!COMP_ID.test(compId)) throw new OrderEntryError('TW_ERR_OE_FIX_LOGON_REFUSED', "SenderCompID(49) must be 1..32 letters, digits, '-', '_' or '.'");
      // Hold this counterparty's executions while the Logon is decided (they go out after the Logon answer).
      session.peerCompId = compId;
      const before = this.binding.get(compId);
      this.binding.set(compId, { session, pending: before?.pending ?? [] });
      const target = view.getString(Tag.TargetCompID);
      if (target !== this.deps.config.senderCompId) throw new OrderEntryError('TW_ERR_OE_FIX_LOGON_REFUSED', `TargetCompID(56) must be ${this.deps.config.senderCompId}`);
      if (typeof user !== 'string' || user === '' || typeof password !== 'string' || password === '') {
        throw new OrderEntryError('TW_ERR_OE_FIX_LOGON_REFUSED', "Username(553) (the account's name or login id) and Password(554) (its password or an API key) are required");
      }
      let account: AccountView;
      try {
        if (password.startsWith(API_KEY_PREFIX)) {
          account = (await this.deps.accounts.authenticateApiKey(password)).account;
          if (account.name !== user && account.loginId !== user) throw new OrderEntryError('TW_ERR_OE_BAD_CREDENTIALS', 'the API key is not of this Username');
        } else {
          account = await this.deps.accounts.authenticatePassword(user, password);
        }
      } catch (error) {
        const e = fromDirectoryError(error);
        throw new OrderEntryError('TW_ERR_OE_FIX_LOGON_REFUSED', e.code === 'TW_ERR_OE_ACCOUNT_SUSPENDED' ? 'the account is suspended' : 'wrong Username(553) or Password(554)');
      }
      if (account.status !== 'active') throw new OrderEntryError('TW_ERR_OE_FIX_LOGON_REFUSED', 'the account is suspended');
      session.account = account.id;
      this.accountViews.set(account.id, { view: account, atMs: this.now() });
      this.compIds.record(compId, account.id);
      // Executions stored while it was away are all written before its sequence numbers are read.
      const store = session.messageStore;
      await store.initialize();
      const tx = (session as unknown as { transport: MsgTransport | null }).transport?.transmitter as unknown as { msgSeqNum: number } | undefined;
      if (tx !== undefined && store.senderSeqNum > tx.msgSeqNum) tx.msgSeqNum = store.senderSeqNum;
      this.figures.logons++;
      this.log.info({ code: 'TW_OE_FIX_LOGON', account: account.id, compId, remote: session.remote }, `FIX logon ${compId} as account ${account.id}`);
      return true;
    } catch (error) {
      const message = error instanceof OrderEntryError ? error.message : `logon failed: ${(error as Error).message}`;
      this.figures.logonsRefused++;
      this.deps.gateway.errors.count('TW_ERR_OE_FIX_LOGON_REFUSED');
      this.log.warn({ code: 'TW_ERR_OE_FIX_LOGON_REFUSED', compId, user, remote: session.remote }, `FIX logon refused: ${message}`);
      // jspurefix sends it as Logout Text(58) "onLogon failed: ...".
      throw new Error(`TW_ERR_OE_FIX_LOGON_REFUSED ${message}`);
    }
  }

  ready(session: FixOrderSession): void {
    this.figures.sessions++;
    const compId = session.peerCompId;
    this.live.set(compId, session);
    const b = this.binding.get(compId);
    if (b !== undefined && b.session === session) {
      this.binding.delete(compId);
      for (const [msgType, body] of b.pending) session.sendMessage(msgType, body);
    }
  }

  stopped(session: FixOrderSession, _error: Error | undefined): void {
    const compId = session.peerCompId;
    if (compId === '') return;
    const b = this.binding.get(compId);
    if (b !== undefined && b.session === session) {
      this.binding.delete(compId);
      for (const [msgType, body] of b.pending) this.storeWhileAway(compId, msgType, body);
    }
    if (this.live.get(compId) !== session) return;
    this.live.delete(compId);
    this.figures.sessions--;
    const account = session.account;
    this.log.info({ code: 'TW_OE_FIX_LOGOUT', account, compId }, `FIX session ${compId} ended`);
    if (account > 0 && this.closing === null) this.cancelOnDisconnect(account).catch((e: Error) => this.log.error({ code: 'TW_ERR_OE_INTERNAL', err: e }, 'cancel-on-disconnect failed'));
  }

  private async cancelOnDisconnect(account: number): Promise<void> {
    for (const s of this.live.values()) if (s.account === account) return;
    const a = await this.deps.accounts.get(account);
    if (a?.cancelOnDisconnect !== true) return;
    const open = this.deps.gateway.mirror.orders(account, 'open');
    this.figures.cancelOnDisconnect += open.length;
    this.log.info({ code: 'TW_OE_FIX_CANCEL_ON_DISCONNECT', account, orders: open.length }, `cancel-on-disconnect: ${open.length} open orders of account ${account}`);
    await Promise.all(open.map((o) => this.deps.gateway.router.request({ kind: 'cancel', account, orderId: o.orderId, shares: 0 }).catch(() => undefined)));
  }

  /** A message for the account: to each of its counterparties, live or stored for its return. */
  private deliver(account: number, msgType: string, body: Record<string, unknown>): void {
    for (const compId of this.compIds.of(account)) {
      const b = this.binding.get(compId);
      if (b !== undefined) {
        b.pending.push([msgType, body]);
        continue;
      }
      const s = this.live.get(compId);
      if (s !== undefined) s.sendMessage(msgType, body);
      else this.storeWhileAway(compId, msgType, body);
    }
  }

  private storeWhileAway(compId: string, msgType: string, body: Record<string, unknown>): void {
    if (this.root === null || this.closing !== null) return;
    const store = this.storeFor(new SessionId('FIX.4.4', this.deps.config.senderCompId, compId));
    if (!(store instanceof FixSessionStore)) return;
    this.figures.storedWhileAway++;
    store.append(msgType, (seq) => this.codec.encode(compId, seq, msgType, body)).catch(() => undefined);
  }

  // ---- application messages ---------------------------------------------------------------

  message(session: FixOrderSession, msgType: string, view: MsgView): void {
    if (!session.loggedOn || session.account === 0) return;
    const seq = Number(view.getString(Tag.MsgSeqNum));
    let work: Promise<void>;
    switch (msgType) {
      case FixMsgType.NewOrderSingle:
        work = this.newOrder(session, view, seq);
        break;
      case FixMsgType.OrderCancelRequest:
        work = this.cancel(session, view, seq);
        break;
      case FixMsgType.OrderCancelReplaceRequest:
        work = this.replace(session, view, seq);
        break;
      default:
        this.businessReject(session, seq, msgType, BusinessRejectReason.UnsupportedMessageType, '', `MsgType ${msgType} is not supported: this acceptor takes NewOrderSingle (D), OrderCancelRequest (F) and OrderCancelReplaceRequest (G)`);
        return;
    }
    work.catch((e: Error) => this.log.error({ code: 'TW_ERR_OE_INTERNAL', err: e, msgType }, 'FIX message handling failed'));
  }

  private async newOrder(s: FixOrderSession, view: MsgView, seq: number): Promise<void> {
    const clOrdId = view.getString(Tag.ClOrdID) ?? '';
    const symbol = view.getString(Tag.Symbol) ?? '';
    const side = view.getString(Tag.Side) ?? '';
    const ordType = view.getString(Tag.OrdType) ?? '';
    const tif = view.getString(Tag.TimeInForce);
    const qtyText = view.getString(Tag.OrderQty);
    const priceText = view.getString(Tag.Price);
    if (!this.checkCommon(s, seq, FixMsgType.NewOrderSingle, side, ordType, tif, qtyText, priceText)) return;
    this.figures.orders++;
    const qty = Number(qtyText);
    const refuse = (code: string, text: string): void => {
      this.figures.ordersRefused++;
      this.deps.gateway.errors.count('TW_ERR_OE_FIX_ORDER_REFUSED');
      s.sendMessage(
        FixMsgType.ExecutionReport,
        executionReport(
          { orderId: 0, symbol, side: side === '1' ? 'B' : 'S', orderType: ordType === '1' ? 'M' : 'L', price: 0, qty: Number.isSafeInteger(qty) ? qty : 0, cum: 0, leaves: 0, notional: 0 },
          { execType: ExecType.Rejected, ordStatus: OrdStatus.Rejected, execId: this.gatewayExecId(), clOrdId, ordRejReason: ordRejReason(code), text: `${code}: ${text}`, transactTime: new Date(this.now()) },
        ),
      );
    };
    if (side !== '1' && side !== '2') return refuse('TW_ERR_OE_FIX_UNSUPPORTED', `Side(54) ${side} is not supported: 1 buy or 2 sell`);
    if (ordType !== '1' && ordType !== '2') return refuse('TW_ERR_OE_FIX_UNSUPPORTED', `OrdType(40) ${ordType} is not supported: 1 market or 2 limit`);
    if (tif !== null && tif !== '0' && tif !== '3') return refuse('TW_ERR_OE_FIX_UNSUPPORTED', `TimeInForce(59) ${tif} is not supported: 0 day or 3 immediate-or-cancel`);
    if (ordType === '2' && priceText === null) {
      this.businessReject(s, seq, FixMsgType.NewOrderSingle, BusinessRejectReason.ConditionallyRequiredFieldMissing, clOrdId, 'Price(44) is required for a limit order (OrdType(40)=2)');
      return;
    }
    const body: Record<string, unknown> = { symbol, side: side === '1' ? 'buy' : 'sell', orderType: ordType === '1' ? 'market' : 'limit', quantity: qty, clientOrderId: clOrdId };
    // A market order is immediate-or-cancel whatever its TimeInForce; its Price, if any, is ignored.
    if (ordType === '2') {
      body.price = trimDecimal(priceText as string);
      body.timeInForce = tif === '3' ? 'ioc' : 'day';
    }
    const possResend = view.getString(Tag.PossResend) === 'Y' || view.getString(Tag.PossDupFlag) === 'Y';
    let p: Principal;
    try {
      p = await this.principal(s);
      const outcome = await this.deps.gateway.desk.newOrder(p, body);
      if (outcome.retry) {
        // FIX 4.4 Vol 4: a PossResend of an order already taken gets its status; a plain reuse of the ClOrdID is a duplicate.
        const o = this.tracker.find(s.account, clOrdId);
        if (possResend && o !== null) this.statusReport(s, o);
        else refuse('TW_ERR_OE_DUPLICATE_CLIENT_ORDER_ID', `ClOrdID(11) ${clOrdId} was already used today`);
      }
    } catch (error) {
      const e = error instanceof OrderEntryError ? error : fromDirectoryError(error);
      refuse(e.code, e.message);
    }
  }

  private async cancel(s: FixOrderSession, view: MsgView, _seq: number): Promise<void> {
    const clOrdId = view.getString(Tag.ClOrdID) ?? '';
    const orig = view.getString(Tag.OrigClOrdID) ?? '';
    this.figures.cancels++;
    const o = this.tracker.find(s.account, orig, Number(view.getString(Tag.OrderID)) || 0);
    const change = { clOrdId, origClOrdId: orig };
    if (o === null) return this.refuseChange(s, null, change, '1', CxlRejReason.UnknownOrder, 'TW_ERR_OE_UNKNOWN_ORDER', `no open order of this account has ClOrdID ${orig}`);
    if (!isOpen(o.status)) return this.refuseChange(s, o, change, '1', CxlRejReason.TooLateToCancel, 'TW_ERR_OE_ORDER_CLOSED', `order ${o.orderId} is already ${o.status}`);
    this.tracker.expectCancel(o.orderId, { clOrdId, origClOrdId: o.clOrdId });
    try {
      const p = await this.principal(s);
      await this.deps.gateway.desk.cancel(p, o.orderId);
    } catch (error) {
      const e = error instanceof OrderEntryError ? error : fromDirectoryError(error);
      if (this.tracker.settle(o.orderId, 'cancel')) this.refuseChange(s, o, { clOrdId, origClOrdId: o.clOrdId }, '1', cxlReason(e.code), e.code, e.message);
    }
  }

  private async replace(s: FixOrderSession, view: MsgView, seq: number): Promise<void> {
    const clOrdId = view.getString(Tag.ClOrdID) ?? '';
    const orig = view.getString(Tag.OrigClOrdID) ?? '';
    const symbol = view.getString(Tag.Symbol) ?? '';
    const side = view.getString(Tag.Side) ?? '';
    const ordType = view.getString(Tag.OrdType) ?? '';
    const tif = view.getString(Tag.TimeInForce);
    const qtyText = view.getString(Tag.OrderQty);
    const priceText = view.getString(Tag.Price);
    if (!this.checkCommon(s, seq, FixMsgType.OrderCancelReplaceRequest, side, ordType, tif, qtyText, priceText)) return;
    this.figures.replaces++;
    const o = this.tracker.find(s.account, orig, Number(view.getString(Tag.OrderID)) || 0);
    const change = { clOrdId, origClOrdId: o?.clOrdId ?? orig };
    if (o === null) return this.refuseChange(s, null, change, '2', CxlRejReason.UnknownOrder, 'TW_ERR_OE_UNKNOWN_ORDER', `no open order of this account has ClOrdID ${orig}`);
    if (!isOpen(o.status)) return this.refuseChange(s, o, change, '2', CxlRejReason.TooLateToCancel, 'TW_ERR_OE_ORDER_CLOSED', `order ${o.orderId} is already ${o.status}`);
    const other = (text: string): void => this.refuseChange(s, o, change, '2', CxlRejReason.Other, 'TW_ERR_OE_BAD_FIELD', text);
    if (symbol !== this.tracker.symbolOf(o.locate) || side !== (o.side === 'B' ? '1' : '2')) return other('Symbol(55) and Side(54) must be the order\'s: a replace changes only price and quantity');
    if (ordType !== '2' || o.orderType !== 'L' || (tif !== null && tif !== '0')) return other('only a day limit order is replaced, as a day limit order (OrdType(40)=2, TimeInForce(59)=0)');
    if (priceText === null) return other('Price(44) is required');
    const price = parseDecimal4(trimDecimal(priceText));
    if (price === null || price <= 0 || price > MAX_PRICE4) return other(`Price(44) ${priceText} is not a price above 0 with at most 4 decimal places`);
    if (price % this.deps.engine.tickSize !== 0) return other(`Price(44) ${priceText} is not on the tick of ${this.deps.engine.tickSize / 10_000}`);
    const qty = Number(qtyText);
    if (!Number.isSafeInteger(qty) || qty < 1 || qty - o.cum > this.deps.engine.maxOrderShares) return other(`OrderQty(38) must be a whole number of shares, at most ${this.deps.engine.maxOrderShares} open`);
    if (qty <= o.cum) return other(`OrderQty(38) ${qty} must be above the ${o.cum} shares already filled (CumQty); cancel the order instead`);
    if (clOrdId.length > CLIENT_ORDER_ID_MAX || !CLIENT_ORDER_ID.test(clOrdId)) return other(`ClOrdID(11) must be 1..${CLIENT_ORDER_ID_MAX} printable ASCII characters without spaces`);
    if (this.tracker.knows(s.account, clOrdId)) return this.refuseChange(s, o, change, '2', CxlRejReason.DuplicateClOrdId, 'TW_ERR_OE_DUPLICATE_CLIENT_ORDER_ID', `ClOrdID(11) ${clOrdId} was already used today`);
    this.tracker.expectReplace(o.orderId, { clOrdId, origClOrdId: o.clOrdId });
    try {
      const p = await this.principal(s);
      await this.deps.gateway.desk.replace(p, o.orderId, clOrdId, price, qty - o.cum);
    } catch (error) {
      const e = error instanceof OrderEntryError ? error : fromDirectoryError(error);
      if (this.tracker.settle(o.orderId, 'replace')) this.refuseChange(s, o, change, '2', cxlReason(e.code), e.code, e.message);
    }
  }

  /**
   * The checks a FIX engine makes of D and G before the application looks: values outside
   * the FIX 4.4 dictionary and numbers that are not numbers get a session Reject(3).
   */
  private checkCommon(s: FixOrderSession, seq: number, msgType: string, side: string, ordType: string, tif: string | null, qtyText: string | null, priceText: string | null): boolean {
    const reject = (reason: number, tag: number, text: string): false => {
      this.sessionReject(s, seq, msgType, reason, tag, text);
      return false;
    };
    if (side.length !== 1 || !FIX_SIDES.includes(side)) return reject(SessionRejectReason.ValueIsIncorrect, Tag.Side, `Side(54) ${side} is not a FIX 4.4 value`);
    if (!FIX_ORD_TYPES.has(ordType)) return reject(SessionRejectReason.ValueIsIncorrect, Tag.OrdType, `OrdType(40) ${ordType} is not a FIX 4.4 value`);
    if (tif !== null && (tif.length !== 1 || !FIX_TIME_IN_FORCE.includes(tif))) return reject(SessionRejectReason.ValueIsIncorrect, Tag.TimeInForce, `TimeInForce(59) ${tif} is not a FIX 4.4 value`);
    if (qtyText === null) return reject(SessionRejectReason.RequiredTagMissing, Tag.OrderQty, 'OrderQty(38) is required');
    if (!DECIMAL.test(qtyText)) return reject(SessionRejectReason.IncorrectDataFormat, Tag.OrderQty, `OrderQty(38) ${qtyText} is not a number`);
    if (priceText !== null && !DECIMAL.test(priceText)) return reject(SessionRejectReason.IncorrectDataFormat, Tag.Price, `Price(44) ${priceText} is not a number`);
    return true;
  }

  private sessionReject(s: FixOrderSession, seq: number, msgType: string, reason: number, tag: number, text: string): void {
    this.figures.sessionRejects++;
    this.deps.gateway.errors.count('TW_ERR_OE_FIX_SESSION_REJECT');
    s.rejectMessage(seq, msgType, reason, text, tag);
  }

  private businessReject(s: FixOrderSession, seq: number, msgType: string, reason: number, refId: string, text: string): void {
    this.figures.businessRejects++;
    this.deps.gateway.errors.count('TW_ERR_OE_FIX_BUSINESS_REJECT');
    const body: Record<string, unknown> = { RefSeqNum: seq, RefMsgType: msgType, BusinessRejectReason: reason, Text: text.slice(0, 200) };
    if (refId !== '') body.BusinessRejectRefID = refId;
    s.sendMessage(FixMsgType.BusinessMessageReject, body);
  }

  /** OrderCancelReject(9) to the session that asked. */
  private refuseChange(s: FixOrderSession, o: TrackedOrder | null, change: { clOrdId: string; origClOrdId: string }, responseTo: '1' | '2', reason: string, code: string, text: string): void {
    this.figures.ordersRefused++;
    this.deps.gateway.errors.count('TW_ERR_OE_FIX_ORDER_REFUSED');
    s.sendMessage(
      FixMsgType.OrderCancelReject,
      cancelReject({
        orderId: o?.orderId ?? 0,
        clOrdId: change.clOrdId,
        origClOrdId: change.origClOrdId,
        ordStatus: o === null ? OrdStatus.Rejected : ordStatusOf(o.status),
        responseTo,
        reason,
        text: `${code}: ${text}`,
        transactTime: new Date(this.now()),
      }),
    );
  }

  /** ExecutionReport ExecType I (Order Status). */
  private statusReport(s: FixOrderSession, o: TrackedOrder): void {
    s.sendMessage(
      FixMsgType.ExecutionReport,
      executionReport(
        { ...o, symbol: this.tracker.symbolOf(o.locate) },
        { execType: ExecType.OrderStatus, ordStatus: ordStatusOf(o.status), execId: this.gatewayExecId(), clOrdId: o.clOrdId, origClOrdId: o.origClOrdId, transactTime: new Date(this.now()) },
      ),
    );
  }

  /** Unique per day and process start: ExecIDs of answers made here, not by the core. */
  private gatewayExecId(): string {
    return `${this.execIdPrefix}${this.nextExecId++}`;
  }

  /** The session's caller, with its account read again at most every accountRefreshMs. */
  private async principal(s: FixOrderSession): Promise<Principal> {
    const now = this.now();
    let cached = this.accountViews.get(s.account);
    if (cached === undefined || now - cached.atMs > this.limits.accountRefreshMs) {
      const view = await this.deps.accounts.get(s.account);
      if (view === undefined) throw new OrderEntryError('TW_ERR_OE_ACCOUNT_SUSPENDED', `account ${s.account} no longer exists`);
      cached = { view, atMs: now };
      this.accountViews.set(s.account, cached);
    }
    // The traffic watch's key for FIX: apart from session ids (positive) and API keys (small negatives).
    return { account: cached.view, session: null, keyId: null, trafficKey: -(2 ** 40) - s.account };
  }
}

/** "190.500000" -> "190.5": FIX prices may carry more zeros than Price(4) has places. */
function trimDecimal(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

function cxlReason(code: OrderEntryErrorCode | string): string {
  if (code === 'TW_ERR_OE_UNKNOWN_ORDER') return CxlRejReason.UnknownOrder;
  if (code === 'TW_ERR_OE_ORDER_CLOSED') return CxlRejReason.TooLateToCancel;
  return CxlRejReason.Broker;
}

/** Creates the acceptor (its report listener at once) and listens. */
export async function startFixAcceptor(deps: FixAcceptorDeps): Promise<FixAcceptor> {
  const a = new FixAcceptor(deps);
  await a.start();
  return a;
}
