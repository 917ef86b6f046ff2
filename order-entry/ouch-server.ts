// OUCH 4.2 over SoupBinTCP 3.0: the binary order entry of the client gateway (orderEntry.ouch,
// default 127.0.0.1:30005), for firms that want no JSON on their path. A client logs in with
// the account's 6-character loginId and its password (at most 10 characters), then sends
// Enter Order, Replace Order and Cancel Order as Unsequenced Data; every answer is a
// Sequenced Data message of the account's stream for the day (ouch-stream.ts), stored
// (ouch-store.ts) before it is sent, so a client that logs in again at sequence number N gets
// everything from N, across reconnects and restarts.
//
// Orders take the REST path's checks: the same OrderDesk (who may trade, validation,
// duplicate tokens, the per-account order rate, the abnormal-traffic watch), an Enter Order
// through its typed entry (OrderDesk.enter: no JSON body, no promise; ouch-entry.ts), the
// same ReportRouter into the exchange core's TradingPort (risk checks, wallet, matching), the
// same account database. The streams hear every report, registered in the constructor:
// through LiveSim.onReportsWritten when the core is in this process (the stores then sync
// after each journal sync, or beside it: storeSync; a message leaves once both are durable), else through
// ReportRouter.addListener. Create the server right after the OrderEntry, before the
// journal's replay, then start() it.
//
// Bad input never throws out of here: a SoupBinTCP frame the decoder refuses, an unknown
// OUCH type or a wrong length is counted (TW_ERR_OE_OUCH_*), and past `maxBadFrames` in a
// session the client is disconnected; a field outside OUCH 4.2's values is answered with a
// Rejected. Cancel-on-disconnect is opt-in per account (cancelOnDisconnect).
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { EngineConfig, ListedSymbol, OrderEntryConfig } from '../config';
import {
  decodeOuchInbound,
  encodeSoupEmpty,
  encodeSoupLoginAccepted,
  encodeSoupLoginRejected,
  nsSinceMidnight,
  nySessionDate,
  nySessionMidnightMs,
  OuchDecode,
  OuchEventCode,
  OuchInbound,
  OuchPrice,
  OuchRejectReason,
  OuchTimeInForce,
  OuchType,
  readU16,
  SoupBinHandlerBase,
  SoupBinStreamDecoder,
  SoupFrameSize,
  SoupRejectReason,
  SoupType,
  type OrderEntryReport,
  type OrderReport,
} from '../protocol';
import type { Principal } from './auth';
import { silentLogger, type AccountView, type Awaitable, type OrderEntryLogger } from './directories';
import { OrderEntryError, type OrderEntryErrorCode } from './errors';
import { listenTcp } from './listen-tcp';
import type { OrderEntry } from './order-entry-server';
import { OuchEntry, type OuchEntryOwner } from './ouch-entry';
import { ouchGatewayReason } from './ouch-reasons';
import { GroupCommitter, OuchMessageStore } from './ouch-store';
import { extrasWith, isOuchToken, OuchStream, type OuchOrderExtras } from './ouch-stream';

/** An account as the OUCH server sees it: accounts/'s Account has these fields. */
export type OuchAccountView = AccountView & {
  /** Cancel the account's open orders when its OUCH session ends (logout or lost connection). */
  readonly cancelOnDisconnect?: boolean;
};

/** accounts/'s AccountStore, the part the OUCH server uses. */
export interface OuchAccountDirectory {
  /** SoupBinTCP login: the 6-character login id and a password of at most 10 (both space-padded). Throws TW_ERR_AUTH_BAD_CREDENTIALS. */
  authenticateBinary(username: string, password: string): Awaitable<OuchAccountView>;
  get(id: number): Awaitable<OuchAccountView | undefined>;
}

/**
 * The exchange core in this process (sim/'s LiveSim): reports as soon as their command is
 * written to the journal, and the journal's durable sequence. With it, the OUCH stores write
 * and sync their messages while the journal syncs (one sync's wait instead of two in a row),
 * and release each message once both are durable.
 */
export interface WrittenReportSource {
  onReportsWritten(listener: (reports: readonly OrderEntryReport[], from: number, to: number) => void): void;
  /** The last inbound sequence number durable in the journal. */
  readonly durableSeq: number;
  onDurableSeq(listener: (seq: number) => void): void;
  /** The journal's last sequence number when it was recovered (null before start, or without a journal). */
  readonly recoveredSeq: number | null;
}

export interface OuchServerDeps {
  /** orderEntry.ouch (host, port, storePath) and the engine's tick and largest order. */
  config: { orderEntry: Pick<OrderEntryConfig, 'ouch'>; engine: Pick<EngineConfig, 'tickSize' | 'maxOrderShares'> };
  /** The client gateway whose desk, router and mirror the OUCH sessions share. */
  orderEntry: OrderEntry;
  accounts: OuchAccountDirectory;
  /** The listing (config's listing(n)): tickers and locates. */
  symbols: readonly ListedSymbol[];
  logger?: OrderEntryLogger;
  /** Wall clock, UTC ms; default Date.now. */
  now?: () => number;
  /** The trading day (YYYY-MM-DD, New York): names the stores' folder and the session; default today's. */
  sessionDate?: string;
  /** fdatasync each batch of stored messages before sending it (default true). */
  fsync?: boolean;
  /**
   * The core in this process, to overlap the stores' syncs with the journal's (see
   * WrittenReportSource); default: the gateway's TradingPort when it is one (LiveSim).
   * Without it the streams hear the router's reports, which are durable already, and the
   * stores sync after the journal.
   */
  written?: WrittenReportSource;
  /**
   * With `written`: 'overlapped' (default) commits the stores' messages as soon as the core's
   * batch is written, both syncs at once; 'afterJournal' commits them when the journal's commit
   * moves (one store group after each journal sync, not beside it: no better on this VM,
   * README Figures).
   */
  storeSync?: 'afterJournal' | 'overlapped';
  /** A server heartbeat after this long without sending (SoupBinTCP: 1 s). */
  heartbeatMs?: number;
  /** A client silent this long is disconnected (SoupBinTCP: 15 s). */
  idleTimeoutMs?: number;
  /** A connection that has not logged in after this long is disconnected. */
  loginTimeoutMs?: number;
  /** Bad frames or messages a session may send before it is disconnected. */
  maxBadFrames?: number;
  /** Bytes queued to a client before it is disconnected as too slow. */
  maxQueuedBytes?: number;
}

export interface OuchServerFigures {
  connections: number;
  logins: number;
  loginsRejected: number;
  inbound: number;
  enterOrders: number;
  replaceOrders: number;
  cancelOrders: number;
  localRejects: number;
  disconnects: number;
  cancelOnDisconnect: number;
}

/** The largest frame a client sends: Login Request (49 with its length) or Enter Order (52); Debug text gets some room. */
const MAX_CLIENT_FRAME = 256;
const SPACE = 0x20;
const BUY = 0x42;
/** Answered entries kept for reuse (~4 MB at most; a backlog with more in flight allocates the rest anew). */
const MAX_FREE_ENTRIES = 16_384;

const State = {
  New: 0,
  Authenticating: 1,
  LoggedIn: 2,
  Closed: 3,
} as const;
type State = (typeof State)[keyof typeof State];

/** One TCP connection and, once logged in, its account's stream. */
class OuchConnection extends SoupBinHandlerBase {
  state: State = State.New;
  readonly decoder: SoupBinStreamDecoder;
  readonly connectedMs: number;
  lastReceivedMs: number;
  lastSentMs: number;
  stream: OuchStream | null = null;
  principal: Principal | null = null;
  cancelOnDisconnect = false;
  /** Messages up to this number have been sent (or were not asked for). */
  sentUpTo = 0;
  badFrames = 0;

  constructor(
    readonly server: OuchServer,
    readonly socket: net.Socket,
    nowMs: number,
  ) {
    super();
    this.decoder = new SoupBinStreamDecoder(this, MAX_CLIENT_FRAME);
    this.connectedMs = nowMs;
    this.lastReceivedMs = nowMs;
    this.lastSentMs = nowMs;
  }

  override onLoginRequest(username: string, password: string, session: string, sequence: number): void {
    if (this.state !== State.New) return this.server.drop(this, 'TW_ERR_OE_OUCH_NOT_LOGGED_IN', 'a second Login Request');
    this.state = State.Authenticating;
    this.server.login(this, username, password, session, sequence).catch((error) => this.server.internal(this, error));
  }

  override onUnsequencedData(bytes: Uint8Array, offset: number, length: number): void {
    if (this.state !== State.LoggedIn) return this.server.drop(this, 'TW_ERR_OE_OUCH_NOT_LOGGED_IN', 'Unsequenced Data before Login Accepted');
    this.server.inbound(this, bytes, offset, length);
  }

  override onLogout(): void {
    this.server.logout(this);
  }

  override onClientHeartbeat(): void {}

  override onSequencedData(): void {
    this.wrongDirection();
  }
  override onServerHeartbeat(): void {
    this.wrongDirection();
  }
  override onEndOfSession(): void {
    this.wrongDirection();
  }
  override onLoginAccepted(): void {
    this.wrongDirection();
  }
  override onLoginRejected(): void {
    this.wrongDirection();
  }

  override onFault(_fault: number, _streamOffset: number): void {
    this.server.badFrame(this, 'TW_ERR_OE_OUCH_BAD_FRAME');
  }

  private wrongDirection(): void {
    this.server.badFrame(this, 'TW_ERR_OE_OUCH_BAD_FRAME');
  }
}

export interface OuchServerAddress {
  host: string;
  port: number;
}

export class OuchServer implements OuchEntryOwner {
  readonly figures: OuchServerFigures = {
    connections: 0,
    logins: 0,
    loginsRejected: 0,
    inbound: 0,
    enterOrders: 0,
    replaceOrders: 0,
    cancelOrders: 0,
    localRejects: 0,
    disconnects: 0,
    cancelOnDisconnect: 0,
  };
  /** The SoupBinTCP session name: "OU" and the trading day's YYYYMMDD. */
  readonly sessionName: string;
  readonly sessionDate: string;
  readonly storeDir: string;
  private readonly oe: OrderEntry;
  private readonly deps: OuchServerDeps;
  private readonly log: OrderEntryLogger;
  private readonly now: () => number;
  private readonly midnightMs: number;
  private readonly committer: GroupCommitter;
  /** The stores commit when the journal's commit moves (storeSync 'afterJournal'). */
  private readonly followJournal: boolean;
  /** The highest command sequence number heard written (followJournal: what the stores wait for). */
  private writtenSeq = 0;
  private readonly streams = new Map<number, OuchStream>();
  /** The logged-in connection of each account (one at a time). */
  private readonly sessions = new Map<number, OuchConnection>();
  private readonly connections = new Set<OuchConnection>();
  private readonly tickers: string[] = [];
  /** Locate by ticker. */
  private readonly byTicker = new Map<string, number>();
  private readonly msg = new OuchInbound();
  private readonly heartbeatFrame = new Uint8Array(SoupFrameSize.Empty);
  private readonly heartbeatMs: number;
  private readonly idleTimeoutMs: number;
  private readonly loginTimeoutMs: number;
  private readonly maxBadFrames: number;
  private readonly maxQueuedBytes: number;
  private server: net.Server | null = null;
  private timer: NodeJS.Timeout | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private addr: OuchServerAddress | null = null;
  private closing: Promise<void> | null = null;
  /** Core timeouts since the last warning, and when it was logged (ms): at most one line a second. */
  private timeoutsUnlogged = 0;
  private timeoutLoggedMs = 0;
  /** The overlapped path's source. */
  private readonly written: WrittenReportSource | null;
  /** The stores were cut to the journal's recovered sequence (once, when it is known). */
  private cut = false;
  private readonly gate: () => number;
  /**
   * Answered Enter Orders' objects, reused for the next ones: the desk and the router let go
   * of an entry before it is answered, so one object of ~30 fields per order in flight is
   * enough (allocating and initialising one per order was a measurable part of the path).
   */
  private readonly freeEntries: OuchEntry[] = [];

  constructor(deps: OuchServerDeps) {
    this.deps = deps;
    this.oe = deps.orderEntry;
    this.log = deps.logger ?? silentLogger;
    this.now = deps.now ?? Date.now;
    this.sessionDate = deps.sessionDate ?? nySessionDate(this.now());
    this.midnightMs = nySessionMidnightMs(this.sessionDate);
    this.sessionName = `OU${this.sessionDate.replace(/-/g, '')}`;
    this.storeDir = path.join(deps.config.orderEntry.ouch.storePath, this.sessionDate);
    this.heartbeatMs = deps.heartbeatMs ?? 1000;
    this.idleTimeoutMs = deps.idleTimeoutMs ?? 15_000;
    this.loginTimeoutMs = deps.loginTimeoutMs ?? 10_000;
    this.maxBadFrames = deps.maxBadFrames ?? 10;
    this.maxQueuedBytes = deps.maxQueuedBytes ?? 16 << 20;
    encodeSoupEmpty(this.heartbeatFrame, 0, SoupType.ServerHeartbeat);
    for (const s of deps.symbols) {
      this.tickers[s.locate] = s.ticker;
      this.byTicker.set(s.ticker, s.locate);
    }
    this.written = deps.written ?? writtenSourceOf(this.oe.trading);
    const written = this.written;
    this.followJournal = written !== null && deps.storeSync === 'afterJournal';
    this.committer = new GroupCommitter(deps.fsync ?? true, this.followJournal);
    this.gate = written === null ? () => Number.MAX_SAFE_INTEGER : () => written.durableSeq;
    // Streams that exist today (a restart), before the journal's replay reaches the listener.
    if (fs.existsSync(this.storeDir)) {
      for (const name of fs.readdirSync(this.storeDir)) {
        const m = /^account-(\d+)\.ouch$/.exec(name);
        if (m !== null) this.openStream(Number(m[1]));
      }
    }
    if (written === null) {
      this.oe.router.addListener((r) => this.onReport(r));
    } else {
      this.cutToJournal();
      written.onReportsWritten((reports, from, to) => this.onWritten(reports, from, to));
      written.onDurableSeq((seq) => this.onJournalDurable(seq));
    }
  }

  /** Where it listens (after start). */
  get address(): OuchServerAddress {
    if (this.addr === null) throw new Error('the OUCH server has not started');
    return this.addr;
  }

  /** Listens on orderEntry.ouch.host:port (0: any free port). Throws TW_ERR_OE_BIND. */
  async start(): Promise<OuchServerAddress> {
    if (this.addr !== null) return this.addr;
    this.cutToJournal();
    const c = this.deps.config.orderEntry.ouch;
    const server = net.createServer((socket) => this.onConnection(socket));
    this.server = server;
    this.addr = { host: c.host, port: await listenTcp(server, c.host, c.port, 'OUCH', 'orderEntry.ouch', this.oe.errors, this.log) };
    this.timer = setInterval(() => this.tick(), Math.max(10, Math.min(250, this.heartbeatMs >> 2)));
    this.timer.unref();
    this.refreshTimer = setInterval(() => this.refreshAccounts(), 1000);
    this.refreshTimer.unref();
    return this.addr;
  }

  /** Appends End of Day to every stream (a clean end of the trading day), then End of Session to connected clients once stored. */
  endOfDay(): void {
    const ts = this.timestampNs();
    for (const s of this.streams.values()) s.systemEvent(ts, OuchEventCode.EndOfDay);
  }

  /** Stops listening, disconnects every client (no cancel-on-disconnect: the gateway is going), waits for the stores. Idempotent. */
  close(): Promise<void> {
    if (this.closing === null) {
      this.closing = (async () => {
        if (this.timer !== null) clearInterval(this.timer);
        if (this.refreshTimer !== null) clearInterval(this.refreshTimer);
        for (const c of this.connections) {
          c.state = State.Closed;
          c.socket.destroy();
        }
        if (this.server !== null) await new Promise<void>((resolve) => (this.server as net.Server).close(() => resolve()));
        this.committer.kick();
        for (let i = 0; i < 1000 && !this.committer.idle; i++) await new Promise((r) => setTimeout(r, 2));
        for (const s of this.streams.values()) s.store.close();
      })();
    }
    return this.closing;
  }

  /**
   * How the stores' syncs meet the journal's: 'overlapped' (the core in this process, the
   * default: both at once), 'afterJournal' (one store group per journal commit), 'durableReports'
   * (the core elsewhere: the streams hear reports already durable).
   */
  get storeSync(): 'afterJournal' | 'overlapped' | 'durableReports' {
    if (this.written === null) return 'durableReports';
    return this.followJournal ? 'afterJournal' : 'overlapped';
  }

  /** The account's stream, if it has one today. */
  streamOf(account: number): OuchStream | undefined {
    return this.streams.get(account);
  }

  // ---- connections ------------------------------------------------------------------------

  private onConnection(socket: net.Socket): void {
    const c = new OuchConnection(this, socket, this.now());
    this.connections.add(c);
    this.figures.connections++;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      c.lastReceivedMs = this.now();
      try {
        c.decoder.push(chunk);
      } catch (error) {
        this.internal(c, error);
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onClose(c));
  }

  /** @internal Login Request: authenticate, then Login Accepted and the messages from the requested number. */
  async login(c: OuchConnection, username: string, password: string, session: string, sequence: number): Promise<void> {
    let account: OuchAccountView;
    try {
      account = await this.deps.accounts.authenticateBinary(username, password);
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (code !== '' && !code.startsWith('TW_ERR_AUTH') && !code.startsWith('TW_ERR_ACCOUNT')) this.log.error({ code: 'TW_ERR_OE_ACCOUNTS_FAILED', err: error }, 'OUCH login: the account database failed');
      return this.refuseLogin(c, SoupRejectReason.NotAuthorized, 'TW_ERR_OE_OUCH_LOGIN_REJECTED', `login id ${JSON.stringify(username)}: ${(error as Error).message}`);
    }
    if (c.state !== State.Authenticating) return;
    if (session !== '' && session !== this.sessionName) {
      return this.refuseLogin(c, SoupRejectReason.SessionUnavailable, 'TW_ERR_OE_OUCH_SESSION_UNAVAILABLE', `session ${JSON.stringify(session)} is not today's ${this.sessionName}`);
    }
    if (this.sessions.has(account.id)) {
      return this.refuseLogin(c, SoupRejectReason.SessionUnavailable, 'TW_ERR_OE_OUCH_SESSION_UNAVAILABLE', `account ${account.id} is already logged in over OUCH`);
    }
    let stream: OuchStream;
    try {
      stream = this.streams.get(account.id) ?? this.newStream(account.id);
    } catch (error) {
      this.log.error({ code: 'TW_ERR_OE_OUCH_STORE_FAILED', err: error, account: account.id }, 'OUCH store could not be opened');
      return this.refuseLogin(c, SoupRejectReason.SessionUnavailable, 'TW_ERR_OE_OUCH_STORE_FAILED', 'the message store could not be opened');
    }
    const store = stream.store;
    const next = sequence === 0 ? store.count + 1 : Math.min(sequence, store.count + 1);
    c.state = State.LoggedIn;
    c.stream = stream;
    c.principal = { account, session: null, keyId: null, trafficKey: trafficKeyOf(account.id) };
    c.cancelOnDisconnect = account.cancelOnDisconnect === true;
    this.sessions.set(account.id, c);
    this.figures.logins++;
    const accepted = new Uint8Array(SoupFrameSize.LoginAccepted);
    encodeSoupLoginAccepted(accepted, 0, this.sessionName, next);
    this.send(c, accepted);
    c.sentUpTo = next - 1;
    if (next <= store.releasedCount) {
      try {
        this.send(c, store.readFrames(next));
      } catch (error) {
        this.log.error({ code: 'TW_ERR_OE_OUCH_STORE_FAILED', err: error, account: account.id }, 'OUCH store could not be read');
        return this.drop(c, 'TW_ERR_OE_OUCH_STORE_FAILED', 'the message store could not be read');
      }
      c.sentUpTo = store.releasedCount;
    }
    this.log.info({ account: account.id, next, stored: store.count }, 'OUCH login');
  }

  /** @internal Logout Request: the session ends (cancel-on-disconnect applies). */
  logout(c: OuchConnection): void {
    c.decoder.halt();
    c.socket.end();
    this.endSession(c);
  }

  /** @internal A frame the decoder refused, or one that goes the other way: counted; too many, or one the framing cannot survive, disconnects. */
  badFrame(c: OuchConnection, code: OrderEntryErrorCode): void {
    this.oe.errors.count(code);
    if (++c.badFrames > this.maxBadFrames || c.decoder.halted) this.drop(c, 'TW_ERR_OE_OUCH_GARBAGE', `${c.badFrames} bad frames or messages`);
  }

  /** @internal Disconnects a client for a reason (counted, logged). */
  drop(c: OuchConnection, code: OrderEntryErrorCode, why: string): void {
    if (c.state === State.Closed) return;
    this.oe.errors.count(code);
    this.log.warn({ code, account: c.principal?.account.id ?? null }, `OUCH client disconnected: ${why}`);
    c.decoder.halt();
    this.endSession(c);
    c.socket.destroy();
  }

  /** @internal A bug: logged, the client disconnected, the process carries on. */
  internal(c: OuchConnection, error: unknown): void {
    this.log.error({ code: 'TW_ERR_OE_INTERNAL', err: error }, 'OUCH session failed');
    this.drop(c, 'TW_ERR_OE_INTERNAL', String((error as Error)?.message ?? error));
  }

  private refuseLogin(c: OuchConnection, reason: number, code: OrderEntryErrorCode, why: string): void {
    this.figures.loginsRejected++;
    this.oe.errors.count(code);
    this.log.info({ code }, `OUCH login refused: ${why}`);
    c.state = State.Closed;
    c.decoder.halt();
    const reply = new Uint8Array(SoupFrameSize.LoginRejected);
    encodeSoupLoginRejected(reply, 0, reason);
    c.socket.end(reply);
  }

  private onClose(c: OuchConnection): void {
    this.connections.delete(c);
    this.figures.disconnects++;
    this.endSession(c);
    c.state = State.Closed;
  }

  /** The logged-in session ends: the account may log in again; cancel-on-disconnect if it asked for it. */
  private endSession(c: OuchConnection): void {
    const p = c.principal;
    if (p === null || this.sessions.get(p.account.id) !== c) {
      c.state = State.Closed;
      return;
    }
    this.sessions.delete(p.account.id);
    c.state = State.Closed;
    if (c.cancelOnDisconnect && this.closing === null) this.cancelAll(c).catch((error) => this.log.error({ code: 'TW_ERR_OE_INTERNAL', err: error }, 'cancel on disconnect failed'));
  }

  private async cancelAll(c: OuchConnection): Promise<void> {
    const stream = c.stream as OuchStream;
    const account = (c.principal as Principal).account.id;
    // Orders still on their way are cancelled once they are in.
    await Promise.all(this.entriesOf(c).map((e) => e.settled()));
    const orders = stream.liveOrders();
    this.figures.cancelOnDisconnect += orders.length;
    await Promise.all(
      orders.map((orderId) =>
        this.oe.router.request({ kind: 'cancel', account, orderId, shares: 0 }).catch((error) => {
          if (error instanceof OrderEntryError) this.oe.errors.count(error.code);
        }),
      ),
    );
  }

  private tick(): void {
    const now = this.now();
    for (const c of this.connections) {
      if (c.state === State.LoggedIn) {
        if (now - c.lastReceivedMs > this.idleTimeoutMs) this.drop(c, 'TW_ERR_OE_OUCH_IDLE_TIMEOUT', `nothing received for ${this.idleTimeoutMs} ms`);
        else if (now - c.lastSentMs >= this.heartbeatMs) this.send(c, this.heartbeatFrame);
      } else if (c.state !== State.Closed && now - c.connectedMs > this.loginTimeoutMs) {
        this.drop(c, 'TW_ERR_OE_OUCH_NOT_LOGGED_IN', `no login in ${this.loginTimeoutMs} ms`);
      }
    }
  }

  /** The logged-in accounts as the database has them now (suspension, KYC, kill switch, cancel-on-disconnect). */
  private refreshAccounts(): void {
    for (const c of this.sessions.values()) {
      const p = c.principal as Principal;
      Promise.resolve(this.deps.accounts.get(p.account.id))
        .then((a) => {
          if (a === undefined || c.state !== State.LoggedIn) return;
          c.principal = { ...p, account: a };
          c.cancelOnDisconnect = a.cancelOnDisconnect === true;
        })
        .catch(() => undefined);
    }
  }

  private send(c: OuchConnection, bytes: Uint8Array): void {
    if (c.state === State.Closed || c.socket.destroyed) return;
    c.socket.write(bytes);
    c.lastSentMs = this.now();
    if (c.socket.writableLength > this.maxQueuedBytes) this.drop(c, 'TW_ERR_OE_SLOW_CONSUMER', `over ${this.maxQueuedBytes} bytes queued`);
  }

  // ---- streams ----------------------------------------------------------------------------

  private onReport(r: OrderEntryReport): void {
    if (r.kind === 'account') return;
    const s = this.streams.get(r.account);
    if (s !== undefined) s.onReport(r);
  }

  /** The overlapped path: reports whose command is written to the journal, not yet durable. */
  private onWritten(reports: readonly OrderEntryReport[], from: number, to: number): void {
    if (!this.cut) this.cutToJournal();
    for (let i = from; i < to; i++) {
      const r = reports[i];
      if (r.kind !== 'account' && r.seq > this.writtenSeq) this.writtenSeq = r.seq;
      this.onReport(r);
    }
    if (this.followJournal) {
      // Their commands durable already (a restart's replay): nothing to wait for.
      if (this.gate() >= this.writtenSeq) this.committer.kick();
      return;
    }
    // The core's batch is in: its messages are written and synced now, while the journal
    // syncs, not a turn of the loop later (a setImmediate from inside one runs in the next).
    this.committer.flushNow();
  }

  /**
   * The journal's commit moved: stores holding durable messages behind it release them, and
   * (followJournal) the messages stored meanwhile are committed, one group for all stores.
   */
  private onJournalDurable(_seq: number): void {
    this.releaseHeld();
    if (this.followJournal) this.committer.kick();
  }

  /**
   * After a crash of the machine, a store may hold messages of commands the journal lost
   * (both were syncing at once; those messages were never sent): cut them off once the
   * journal's recovered sequence is known, before anything new is stored.
   */
  private cutToJournal(): void {
    const written = this.written;
    if (this.cut || written === null) return;
    const seq = written.recoveredSeq;
    if (seq === null) return;
    this.cut = true;
    for (const s of this.streams.values()) {
      const n = s.store.cutAfter(seq);
      if (n > 0) this.log.warn({ code: 'TW_ERR_OE_OUCH_STORE_FAILED', account: s.account, dropped: n, journalSeq: seq }, 'OUCH store: messages of commands the journal does not hold were dropped (never sent)');
    }
  }

  /** The journal's commit moved: stores holding durable messages behind it release them. */
  private releaseHeld(): void {
    for (const s of this.streams.values()) if (s.store.held) s.store.release();
  }

  private openStream(account: number): OuchStream {
    const file = path.join(this.storeDir, `account-${account}.ouch`);
    const store = new OuchMessageStore(
      file,
      this.committer,
      (frames, first, n) => this.onDurable(account, frames, first, n),
      (error) => this.onStoreError(account, error),
      this.gate,
    );
    const stream = new OuchStream(
      account,
      store,
      (locate) => this.tickers[locate] ?? '',
      (token) => {
        const o = this.oe.desk.inFlightOrder(account, token);
        return o instanceof OuchEntry ? o : undefined;
      },
    );
    this.streams.set(account, stream);
    return stream;
  }

  private newStream(account: number): OuchStream {
    const s = this.openStream(account);
    if (s.store.count === 0) s.systemEvent(this.timestampNs(), OuchEventCode.StartOfDay);
    return s;
  }

  /** Stored messages `first .. first + n - 1` are released: to the account's client, what it has not had. */
  private onDurable(account: number, frames: Buffer, first: number, n: number): void {
    const c = this.sessions.get(account);
    if (c === undefined || c.state !== State.LoggedIn) return;
    const last = first + n - 1;
    if (last <= c.sentUpTo) return;
    let o = 0;
    for (let k = first; k <= c.sentUpTo; k++) o += 2 + readU16(frames, o);
    this.send(c, o === 0 ? frames : frames.subarray(o));
    c.sentUpTo = last;
  }

  private onStoreError(account: number, error: Error): void {
    this.oe.errors.count('TW_ERR_OE_OUCH_STORE_FAILED');
    this.log.error({ code: 'TW_ERR_OE_OUCH_STORE_FAILED', err: error, account }, 'OUCH store write failed');
    const c = this.sessions.get(account);
    if (c !== undefined) this.drop(c, 'TW_ERR_OE_OUCH_STORE_FAILED', 'the message store could not be written');
  }

  private timestampNs(): number {
    return nsSinceMidnight(this.now(), this.midnightMs);
  }

  // ---- inbound OUCH -----------------------------------------------------------------------

  /** @internal An Unsequenced Data payload from a logged-in client. */
  inbound(c: OuchConnection, b: Uint8Array, o: number, n: number): void {
    this.figures.inbound++;
    const m = this.msg;
    const r = decodeOuchInbound(b, o, n, m);
    if (r === OuchDecode.UnknownType) return this.badFrame(c, 'TW_ERR_OE_OUCH_UNKNOWN_MESSAGE');
    if (r === OuchDecode.BadLength) return this.badFrame(c, 'TW_ERR_OE_OUCH_BAD_LENGTH');
    if (m.type === OuchType.EnterOrder) this.enterOrder(c, m);
    else if (m.type === OuchType.ReplaceOrder) this.replaceOrder(c, m);
    else this.cancelOrder(c, m.token, m.shares);
  }

  private enterOrder(c: OuchConnection, m: OuchInbound): void {
    this.figures.enterOrders++;
    const stream = c.stream as OuchStream;
    const p = c.principal as Principal;
    const token = m.token;
    if (!isOuchToken(token)) return this.rejectField(c, token, OuchRejectReason.Other, 'Order Token');
    if (stream.tokenInUse(token) || this.oe.desk.hasInFlight(p.account.id, token) || this.oe.mirror.hasClientOrderId(p.account.id, token)) {
      this.oe.errors.count('TW_ERR_OE_OUCH_DUPLICATE_TOKEN');
      return;
    }
    const side = m.side;
    if (side !== BUY && side !== 0x53 && side !== 0x54 && side !== 0x45) return this.rejectField(c, token, OuchRejectReason.Other, 'Buy/Sell Indicator');
    const problem = this.orderFieldProblem(m, true);
    if (problem !== 0) return this.rejectField(c, token, problem, 'Enter Order');
    const locate = m.stock === '' ? undefined : this.byTicker.get(m.stock);
    if (locate === undefined) return this.rejectField(c, token, OuchRejectReason.InvalidStock, 'Stock');
    const market = m.price === OuchPrice.Market || m.price === OuchPrice.MarketCross;
    // The desk's typed entry: the REST checks and codes, no body, no promise (ouch-entry.ts);
    // the same object keeps what Accepted echoes.
    const free = this.freeEntries.pop();
    const e = free ?? new OuchEntry(this, c);
    if (free !== undefined) free.reuse(c);
    e.buySell = side;
    e.ouchPrice = m.price;
    e.timeInForce = m.timeInForce;
    e.firm = m.firm;
    e.display = m.display;
    e.capacity = m.capacity;
    e.intermarketSweep = m.intermarketSweep;
    e.minimumQuantity = m.minimumQuantity;
    e.crossType = m.crossType;
    e.principal = p;
    e.clientOrderId = token;
    e.locate = locate;
    e.side = side === BUY ? 'B' : 'S';
    e.orderType = market ? 'M' : m.timeInForce === OuchTimeInForce.ImmediateOrCancel ? 'I' : 'L';
    e.price = market ? 0 : m.price;
    e.shares = m.shares;
    let submitted: boolean;
    try {
      submitted = this.oe.desk.enter(e, true);
    } catch (error) {
      this.entryAnswered(e, null, error instanceof OrderEntryError ? error : new OrderEntryError('TW_ERR_OE_INTERNAL', String(error)));
      return;
    }
    if (!submitted) {
      // A retry of an order the desk already has (a REST order with this id): nothing new.
      this.oe.errors.count('TW_ERR_OE_OUCH_DUPLICATE_TOKEN');
      this.finishEntry(e);
    }
  }

  /** The entry is answered: its queued work runs, and its object serves a later Enter Order. */
  private finishEntry(e: OuchEntry): void {
    if (e.finish() && this.freeEntries.length < MAX_FREE_ENTRIES) this.freeEntries.push(e);
  }

  /** @internal An Enter Order is answered: by the core (`order`), or refused on the way (`error`). */
  entryAnswered(e: OuchEntry, _order: OrderReport | null, error: OrderEntryError | null): void {
    const c = e.connection as OuchConnection;
    const token = e.clientOrderId;
    if (error !== null) {
      const stream = c.stream as OuchStream;
      this.oe.errors.count(error.code);
      if (error.code === 'TW_ERR_OE_DUPLICATE_CLIENT_ORDER_ID') this.oe.errors.count('TW_ERR_OE_OUCH_DUPLICATE_TOKEN');
      else if (error.code === 'TW_ERR_OE_CORE_TIMEOUT') this.warnTimeout((e.principal as Principal).account.id, token);
      else this.rejectLocal(c, stream, token, ouchGatewayReason(error.code));
    }
    // The core's answer itself reaches the stream as a report (onReport).
    this.finishEntry(e);
  }

  /** The connection's Enter Order in flight under `token` (the order desk holds it until answered), or null. */
  private entryOf(c: OuchConnection, token: string): OuchEntry | null {
    const p = c.principal;
    if (p === null) return null;
    const o = this.oe.desk.inFlightOrder(p.account.id, token);
    return o instanceof OuchEntry && o.connection === c ? o : null;
  }

  /** The connection's Enter Orders in flight. */
  private entriesOf(c: OuchConnection): OuchEntry[] {
    const p = c.principal;
    if (p === null) return [];
    const out: OuchEntry[] = [];
    for (const o of this.oe.desk.inFlightOrders(p.account.id)) if (o instanceof OuchEntry && o.connection === c) out.push(o);
    return out;
  }

  /**
   * An Enter Order the core has not answered in time: counted always (errors), logged at most
   * once a second with how many came since; an overloaded core times out thousands a second,
   * and a line for each (as before) made the overload worse.
   */
  private warnTimeout(account: number, token: string): void {
    this.timeoutsUnlogged++;
    const now = this.now();
    if (now - this.timeoutLoggedMs < 1000) return;
    this.log.warn({ code: 'TW_ERR_OE_CORE_TIMEOUT', account, token, timeouts: this.timeoutsUnlogged }, 'OUCH Enter Order: no answer from the core yet (timeouts: Enter Orders since the last such line)');
    this.timeoutsUnlogged = 0;
    this.timeoutLoggedMs = now;
  }

  private replaceOrder(c: OuchConnection, m: OuchInbound): void {
    this.figures.replaceOrders++;
    // Copy what the reused message holds: the work may wait for an Enter Order in flight.
    const existing = m.existingToken;
    const replacement = m.token;
    const shares = m.shares;
    const price = m.price;
    const fields = { timeInForce: m.timeInForce, display: m.display, intermarketSweep: m.intermarketSweep, minimumQuantity: m.minimumQuantity };
    const problem = this.orderFieldProblem(m, false);
    const wait = this.entryOf(c, existing);
    const run = (): void => {
      this.replace(c, existing, replacement, shares, price, fields, problem).catch((error) => this.internal(c, error));
    };
    if (wait === null) run();
    else wait.after(run);
  }

  private async replace(
    c: OuchConnection,
    existing: string,
    replacement: string,
    shares: number,
    price: number,
    fields: { timeInForce: number; display: number; intermarketSweep: number; minimumQuantity: number },
    problem: number,
  ): Promise<void> {
    if (c.state !== State.LoggedIn) return;
    const stream = c.stream as OuchStream;
    const p = c.principal as Principal;
    const account = p.account.id;
    const orderId = stream.orderOf(existing);
    if (orderId === undefined) {
      this.oe.errors.count('TW_ERR_OE_OUCH_UNKNOWN_TOKEN');
      return;
    }
    if (!isOuchToken(replacement)) return this.rejectField(c, replacement, OuchRejectReason.Other, 'Replacement Order Token');
    if (replacement !== existing && (stream.tokenInUse(replacement) || this.oe.desk.hasInFlight(account, replacement) || this.oe.mirror.hasClientOrderId(account, replacement))) {
      this.oe.errors.count('TW_ERR_OE_OUCH_DUPLICATE_TOKEN');
      return;
    }
    if (problem !== 0) return this.rejectField(c, replacement, problem, 'Replace Order');
    const e = this.deps.config.engine;
    if (price === OuchPrice.Market || price === OuchPrice.MarketCross || price % e.tickSize !== 0) return this.rejectField(c, replacement, OuchRejectReason.InvalidPrice, 'Price');
    const extras: OuchOrderExtras = { ...extrasWith(stream.extrasOf(orderId) as OuchOrderExtras, price), ...fields };
    try {
      this.oe.desk.assertMayTrade(p);
      await this.oe.desk.admit(p);
    } catch (error) {
      const code = error instanceof OrderEntryError ? error.code : 'TW_ERR_OE_INTERNAL';
      this.oe.errors.count(code);
      return this.rejectLocal(c, stream, replacement, ouchGatewayReason(code));
    }
    stream.replacingOrder(orderId, replacement, extras);
    try {
      const reports = await this.oe.router.request({ kind: 'replace', account, orderId, clientOrderId: replacement === existing ? '' : replacement, price, shares });
      if (reports.some((r) => r.kind !== 'execution' && r.reject !== '' && r.reject !== 'TW_REJECT_SELF_MATCH')) await this.oe.desk.rejected(p);
    } catch (error) {
      if (error instanceof OrderEntryError) this.oe.errors.count(error.code);
    } finally {
      stream.replaceDone(orderId, replacement);
    }
  }

  private cancelOrder(c: OuchConnection, token: string, intended: number): void {
    this.figures.cancelOrders++;
    const wait = this.entryOf(c, token);
    const run = (): void => {
      this.cancel(c, token, intended).catch((error) => this.internal(c, error));
    };
    if (wait === null) run();
    else wait.after(run);
  }

  private async cancel(c: OuchConnection, token: string, intended: number): Promise<void> {
    if (c.state !== State.LoggedIn) return;
    const stream = c.stream as OuchStream;
    const p = c.principal as Principal;
    const orderId = stream.orderOf(token);
    if (orderId === undefined) {
      this.oe.errors.count('TW_ERR_OE_OUCH_UNKNOWN_TOKEN');
      return;
    }
    const remaining = stream.remainingOf(orderId);
    // OUCH 4.2 Cancel Order: Shares is the new intended size; at or above what is open, nothing to do.
    if (intended >= remaining) return;
    try {
      await this.oe.desk.admit(p);
    } catch (error) {
      if (error instanceof OrderEntryError) this.oe.errors.count(error.code);
      return;
    }
    this.oe.desk.figures.cancels++;
    stream.cancellingOrder(orderId, true);
    try {
      const reports = await this.oe.router.request({ kind: 'cancel', account: p.account.id, orderId, shares: intended === 0 ? 0 : remaining - intended });
      if (reports.some((r) => r.kind !== 'execution' && r.reject !== '')) await this.oe.desk.rejected(p);
    } catch (error) {
      if (error instanceof OrderEntryError) this.oe.errors.count(error.code);
    } finally {
      stream.cancellingOrder(orderId, false);
    }
  }

  /**
   * The first field of an Enter (`enter`) or Replace Order outside what OUCH 4.2 and this
   * exchange allow, as a Rejected reason; 0 when all are fine. Tickwire has one continuous
   * displayed book: Display 'Y' or 'A', no intermarket sweep, no minimum quantity, no cross.
   */
  private orderFieldProblem(m: OuchInbound, enter: boolean): number {
    const e = this.deps.config.engine;
    if (m.shares < 1) return OuchRejectReason.Other;
    if (m.shares > e.maxOrderShares) return OuchRejectReason.SharesOverSafetyThreshold;
    const market = m.price === OuchPrice.Market || m.price === OuchPrice.MarketCross;
    if (!market && (m.price < 1 || m.price > OuchPrice.MaxLimit)) return OuchRejectReason.InvalidPrice;
    const tif = m.timeInForce;
    if (tif !== OuchTimeInForce.ImmediateOrCancel && tif !== OuchTimeInForce.MarketHours && tif !== OuchTimeInForce.SystemHours) return OuchRejectReason.Other;
    if (m.display !== 0x59 && m.display !== 0x41) return OuchRejectReason.InvalidDisplayType;
    if (m.intermarketSweep === 0x59) return OuchRejectReason.IsoRestriction;
    if (m.intermarketSweep !== 0x4e) return OuchRejectReason.Other;
    if (m.minimumQuantity !== 0) return OuchRejectReason.InvalidMinimumQuantity;
    if (!enter) return 0;
    const cap = m.capacity;
    if (cap !== 0x41 && cap !== 0x4f && cap !== 0x50 && cap !== 0x52) return OuchRejectReason.Other;
    const cross = m.crossType;
    if (cross === 0x4f || cross === 0x43 || cross === 0x48 || cross === 0x53 || cross === 0x52 || cross === 0x49) return OuchRejectReason.NotAllowedInCross;
    if (cross !== 0x4e) return OuchRejectReason.Other;
    const ct = m.customerType;
    if (ct !== 0x52 && ct !== 0x4e && ct !== SPACE) return OuchRejectReason.Other;
    return 0;
  }

  /** A field outside the spec: counted, answered with Rejected. */
  private rejectField(c: OuchConnection, token: string, reason: number, field: string): void {
    this.oe.errors.count('TW_ERR_OE_OUCH_BAD_FIELD');
    this.log.debug({ code: 'TW_ERR_OE_OUCH_BAD_FIELD', account: c.principal?.account.id ?? null, field, reason: String.fromCharCode(reason) }, 'OUCH order refused');
    this.rejectLocal(c, c.stream as OuchStream, token, reason);
  }

  private rejectLocal(_c: OuchConnection, stream: OuchStream, token: string, reason: number): void {
    this.figures.localRejects++;
    stream.rejectLocally(this.timestampNs(), token, reason);
  }
}

/** The core's port when it is a WrittenReportSource too (sim/'s LiveSim in this process), else null. */
function writtenSourceOf(port: object): WrittenReportSource | null {
  const p = port as Partial<WrittenReportSource>;
  return typeof p.onReportsWritten === 'function' && typeof p.onDurableSeq === 'function' ? (port as WrittenReportSource) : null;
}

/** The traffic watch's key of an OUCH login: apart from session ids (positive) and API key ids (negated). */
function trafficKeyOf(account: number): number {
  return -(2 ** 40) - account;
}

/** Creates the OUCH server (its report listener at once) and listens. */
export async function startOuchServer(deps: OuchServerDeps): Promise<OuchServer> {
  const s = new OuchServer(deps);
  await s.start();
  return s;
}
