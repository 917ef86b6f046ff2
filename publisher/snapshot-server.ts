// The snapshot server: SoupBinTCP 4.0 for late joiners (FEED.md, "Snapshot (SoupBinTCP 4.0,
// for late joiners)").
//
// A client logs in ('L': username 6, password 10, session 10, sequence 20). Wrong
// credentials get Login Rejected 'J' reason 'A', another session 'J' reason 'S'; then the
// connection closes. A good login gets Login Accepted 'A' (session, the snapshot's next
// sequence), then Sequenced Data 'S' frames of one ITCH message each: the day's System
// Events so far, an R per listed symbol, an H per symbol with its trading state, an A for
// every resting order in book priority, and last End of Snapshot 'G' naming the first live
// MoldUDP64 sequence to apply. Then server heartbeats 'H' until the client logs out ('O') or
// closes, and End of Session 'Z' once the publisher's session is over.
//
// Consistency at one sequence: the whole snapshot (the 'A' frame included) is encoded in
// one synchronous pass over the publisher's books, on the publisher's thread between engine
// drains, so it is exactly the state after message nextSequence - 1. It is then written out
// from that buffer in chunks of `chunkBytes`, waiting for 'drain' when the socket is full and
// yielding to the event loop between chunks, so a large snapshot or a slow client never
// stalls the live feed.
//
// Memory bound: one snapshot buffer per client being sent a snapshot (at most maxClients),
// reused from a pool and sized exactly before encoding: 33 (Login Accepted) + 15 per S +
// 42 per R + 28 per H + 39 per resting order + 34 (G) bytes. At the sim's ~32,000 resting
// orders and 100 symbols that is ~1.3 MB a client; at 2^20 resting orders ~41 MB.

import * as net from 'node:net';
import type { ListedSymbol, TickwireConfig } from '../config';
import * as protocol from '../protocol';
import { readAlpha, readU16, readU48, SoupFrameSize, SoupRejectReason, SoupType } from '../protocol';
import type { MarketBooks, OrderVisitor } from '../book';
import { PublisherError, SNAPSHOT_REFUSAL_KINDS, SnapshotRefusal, snapshotRefusalName } from './errors';
import type { MessageStore } from './message-store';
import { DEFAULT_DIRECTORY_FIELDS } from './symbol-directory';

// Module-level bindings: CommonJS re-exports through protocol/index are getters.
const encodeSystemEvent = protocol.encodeSystemEvent;
const encodeStockDirectory = protocol.encodeStockDirectory;
const encodeStockTradingAction = protocol.encodeStockTradingAction;
const encodeAddOrder = protocol.encodeAddOrder;
const encodeEndOfSnapshot = protocol.encodeEndOfSnapshot;
const encodeSoupSequencedHeader = protocol.encodeSoupSequencedHeader;
const encodeSoupLoginAccepted = protocol.encodeSoupLoginAccepted;
const encodeSoupLoginRejected = protocol.encodeSoupLoginRejected;
const encodeSoupEmpty = protocol.encodeSoupEmpty;

const LEN_S = protocol.ItchLength.SystemEvent;
const LEN_R = protocol.ItchLength.StockDirectory;
const LEN_H = protocol.ItchLength.StockTradingAction;
const LEN_A = protocol.ItchLength.AddOrder;
const LEN_G = protocol.ItchLength.EndOfSnapshot;
/** A Sequenced Data frame adds a u16 length and the type byte to its message. */
const FRAME = 3;

/** System Event codes in the order a day sends them (FEED.md, type S): the day so far is a prefix. */
const SYSTEM_DAY = [0x4f, 0x53, 0x51, 0x4d, 0x45, 0x43]; // O S Q M E C

export const DEFAULT_SNAPSHOT_PORT = 30004;
export const DEFAULT_SNAPSHOT_USERNAME = 'tw';
export const DEFAULT_SNAPSHOT_PASSWORD = 'tickwire';
export const DEFAULT_SNAPSHOT_MAX_CLIENTS = 16;
export const DEFAULT_LOGIN_TIMEOUT_MS = 5000;
export const DEFAULT_SNAPSHOT_HEARTBEAT_MS = 1000;
/** Bytes handed to socket.write at a time: big enough for few syscalls, small enough to yield often. */
export const DEFAULT_SNAPSHOT_CHUNK_BYTES = 64 * 1024;

/** What a snapshot is taken from; FeedPublisher is one. */
export interface SnapshotSource {
  /** The MoldUDP64 session (the feed's); Login Accepted names it. */
  readonly session: string;
  /** Books built from exactly the messages sent, up to nextSequence - 1. */
  readonly books: MarketBooks;
  /** The symbol directory, by locate. */
  readonly symbols: readonly ListedSymbol[];
  /** Sequence number the next message gets: the first live one a snapshot client applies. */
  readonly nextSequence: number;
  /** Sent messages (the last one's timestamp stamps the snapshot's S, R, H and G). */
  readonly store: MessageStore;
  /** The Stock Directory went out (after S S): only then does a snapshot carry R. */
  readonly directorySent: boolean;
  /** End of Messages went out: clients get End of Session 'Z' after their snapshot. */
  readonly ended: boolean;
}

export interface SnapshotServerOptions {
  source: SnapshotSource;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** TCP port (default 30004; 0: any free port). */
  port?: number;
  username?: string;
  password?: string;
  /** Connections at once; more are refused (TW_ERR_SNAPSHOT_TOO_MANY_CLIENTS). */
  maxClients?: number;
  /** A connection without a Login Request after this long is closed (TW_ERR_SNAPSHOT_LOGIN_TIMEOUT). */
  loginTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  chunkBytes?: number;
}

/** SnapshotServerOptions from the `publisher.snapshot` config section. */
export function snapshotServerOptions(config: TickwireConfig, source: SnapshotSource): SnapshotServerOptions {
  const s = config.publisher.snapshot;
  return {
    source,
    host: s.host,
    port: s.port,
    username: s.username,
    password: s.password,
    maxClients: s.maxClients,
    loginTimeoutMs: s.loginTimeoutMs,
  };
}

/** The snapshot server's figures, for logs and metrics. */
export interface SnapshotServerFigures {
  connections: number;
  clients: number;
  loginsAccepted: number;
  loginsRejected: number;
  snapshotsSent: number;
  ordersSent: number;
  framesSent: number;
  bytesSent: number;
  heartbeats: number;
  socketErrors: number;
  refused: number;
  /** Refused or closed connections by TW_ERR_SNAPSHOT_ code (only non-zero ones). */
  refusedBy: Record<string, number>;
}

/** One reusable buffer of encoded SoupBinTCP frames (Login Accepted, then the snapshot). */
export class SnapshotFrames {
  bytes = new Uint8Array(0);
  length = 0;
  /** ITCH messages (Sequenced Data frames) encoded. */
  messages = 0;

  ensure(size: number): void {
    if (this.bytes.length >= size) return;
    let n = 1 << 16;
    while (n < size) n *= 2;
    this.bytes = new Uint8Array(n);
  }
}

const AwaitingLogin = 0;
const Sending = 1;
const Live = 2;
const Closed = 3;

/** One client connection's state. */
class SnapshotClient {
  readonly socket: net.Socket;
  state = AwaitingLogin;
  /** The Login Request being assembled (SoupBinTCP frames may arrive split). */
  readonly login = new Uint8Array(SoupFrameSize.LoginRequest);
  loginLength = 0;
  /** After login: the current client frame's header bytes seen, its type, payload bytes still to skip. */
  headerSeen = 0;
  frameLength = 0;
  skip = 0;
  frames: SnapshotFrames | null = null;
  /** Add Orders and frames in the snapshot being sent (counted once it is written). */
  orders = 0;
  frameCount = 0;
  writeOffset = 0;
  timer: NodeJS.Timeout | null = null;

  constructor(socket: net.Socket) {
    this.socket = socket;
  }
}

function checkInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new PublisherError('TW_ERR_PUB_BAD_CONFIG', `snapshot ${name} must be an integer in ${min}..${max}, got ${value}; set publisher.snapshot.${name}`);
  }
  return value;
}

export class SnapshotServer implements OrderVisitor {
  readonly source: SnapshotSource;
  readonly host: string;
  readonly maxClients: number;
  readonly loginTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly chunkBytes: number;
  /** Refused or closed connections by SnapshotRefusal code. */
  readonly refused = new Float64Array(SNAPSHOT_REFUSAL_KINDS);
  connections = 0;
  loginsAccepted = 0;
  loginsRejected = 0;
  snapshotsSent = 0;
  ordersSent = 0;
  framesSent = 0;
  bytesSent = 0;
  heartbeats = 0;
  socketErrors = 0;
  lastError: Error | null = null;

  private readonly username: string;
  private readonly password: string;
  private readonly requestedPort: number;
  private readonly clients = new Set<SnapshotClient>();
  private readonly pool: SnapshotFrames[] = [];
  private readonly heartbeatFrame = new Uint8Array(SoupFrameSize.Empty);
  private readonly endOfSessionFrame = new Uint8Array(SoupFrameSize.Empty);
  private server: net.Server | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private boundPort = 0;
  // The order visitor's target while a snapshot is encoded (no closure per book).
  private out: Uint8Array = new Uint8Array(0);
  private outAt = 0;
  private visitLocate = 0;
  private visitTicker = '';

  constructor(options: SnapshotServerOptions) {
    this.source = options.source;
    this.host = options.host ?? '127.0.0.1';
    this.requestedPort = checkInt('port', options.port ?? DEFAULT_SNAPSHOT_PORT, 0, 65535);
    this.username = options.username ?? DEFAULT_SNAPSHOT_USERNAME;
    this.password = options.password ?? DEFAULT_SNAPSHOT_PASSWORD;
    // SoupBinTCP 4.0 login fields: username 6, password 10 (FEED.md).
    if (this.username.length > 6 || this.password.length > 10) {
      throw new PublisherError('TW_ERR_PUB_BAD_CONFIG', 'snapshot username is at most 6 characters and password at most 10 (SoupBinTCP Login Request); set publisher.snapshot.username/password');
    }
    this.maxClients = checkInt('maxClients', options.maxClients ?? DEFAULT_SNAPSHOT_MAX_CLIENTS, 1, 65536);
    this.loginTimeoutMs = checkInt('loginTimeoutMs', options.loginTimeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS, 1, 3_600_000);
    this.heartbeatIntervalMs = checkInt('heartbeatIntervalMs', options.heartbeatIntervalMs ?? DEFAULT_SNAPSHOT_HEARTBEAT_MS, 1, 3_600_000);
    this.chunkBytes = checkInt('chunkBytes', options.chunkBytes ?? DEFAULT_SNAPSHOT_CHUNK_BYTES, 64, 1 << 24);
    encodeSoupEmpty(this.heartbeatFrame, 0, SoupType.ServerHeartbeat);
    encodeSoupEmpty(this.endOfSessionFrame, 0, SoupType.EndOfSession);
  }

  /** Listens; resolves with the bound port (useful with port 0). A bind failure is TW_ERR_PUB_BIND. */
  start(): Promise<number> {
    if (this.server !== null) return Promise.resolve(this.boundPort);
    const server = net.createServer((socket) => this.onConnection(socket));
    this.server = server;
    return new Promise<number>((resolve, reject) => {
      const onBindError = (error: Error): void => {
        this.server = null;
        server.close();
        reject(new PublisherError('TW_ERR_PUB_BIND', `the snapshot server cannot listen on tcp ${this.host}:${this.requestedPort}: ${error.message}; set publisher.snapshot.host/port`));
      };
      server.once('error', onBindError);
      server.listen(this.requestedPort, this.host, () => {
        server.off('error', onBindError);
        server.on('error', (error: Error) => {
          this.socketErrors++;
          this.lastError = error;
        });
        const address = server.address();
        this.boundPort = address !== null && typeof address === 'object' ? address.port : this.requestedPort;
        this.ticker = setInterval(() => this.tick(), this.heartbeatIntervalMs);
        this.ticker.unref();
        resolve(this.boundPort);
      });
    });
  }

  /** The bound port (0 before start). */
  get port(): number {
    return this.boundPort;
  }

  /** Clients connected now. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Stops listening and closes every client connection. */
  close(): Promise<void> {
    const server = this.server;
    if (server === null) return Promise.resolve();
    this.server = null;
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
    for (const c of this.clients) c.socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  }

  figures(): SnapshotServerFigures {
    const refusedBy: Record<string, number> = {};
    let refused = 0;
    for (let i = 1; i < this.refused.length; i++) {
      if (this.refused[i] !== 0) refusedBy[snapshotRefusalName(i)] = this.refused[i];
      refused += this.refused[i];
    }
    return {
      connections: this.connections,
      clients: this.clients.size,
      loginsAccepted: this.loginsAccepted,
      loginsRejected: this.loginsRejected,
      snapshotsSent: this.snapshotsSent,
      ordersSent: this.ordersSent,
      framesSent: this.framesSent,
      bytesSent: this.bytesSent,
      heartbeats: this.heartbeats,
      socketErrors: this.socketErrors,
      refused,
      refusedBy,
    };
  }

  /**
   * Encodes Login Accepted and the whole snapshot into `frames` in one synchronous pass, so it
   * is consistent at sequence nextSequence - 1. Returns the number of Add Orders (the
   * snapshot holds that many + `frames.messages - orders` other messages). Public for tests
   * and tools; the server calls it at login.
   */
  encodeSnapshot(frames: SnapshotFrames): number {
    const src = this.source;
    const books = src.books;
    const symbols = src.symbols;
    const next = src.nextSequence;
    let systemCount = 0;
    const lastCode = books.systemEvent;
    if (lastCode !== 0) {
      const i = SYSTEM_DAY.indexOf(lastCode);
      systemCount = i < 0 ? 0 : i + 1;
    }
    let states = 0;
    for (const s of symbols) {
      const book = books.book(s.locate);
      if (book !== null && book.tradingState !== 0) states++;
    }
    const directory = src.directorySent ? symbols.length : 0;
    frames.ensure(
      SoupFrameSize.LoginAccepted + systemCount * (FRAME + LEN_S) + directory * (FRAME + LEN_R) + states * (FRAME + LEN_H) + books.liveOrders * (FRAME + LEN_A) + FRAME + LEN_G,
    );
    const b = frames.bytes;
    // S, R, H and G carry the time of the last message published: the snapshot's moment.
    const store = src.store;
    const last = next - 1;
    const ts = last >= 1 && last >= store.oldestSequence ? readU48(store.bytes, store.offsetOf(last) + 5) : 0;
    let o = encodeSoupLoginAccepted(b, 0, src.session, next);
    for (let i = 0; i < systemCount; i++) o = encodeSystemEvent(b, encodeSoupSequencedHeader(b, o, LEN_S), 0, ts, SYSTEM_DAY[i]);
    if (directory > 0) {
      for (const s of symbols) o = encodeStockDirectory(b, encodeSoupSequencedHeader(b, o, LEN_R), s.locate, 0, ts, s.ticker, DEFAULT_DIRECTORY_FIELDS);
    }
    for (const s of symbols) {
      const book = books.book(s.locate);
      if (book !== null && book.tradingState !== 0) {
        o = encodeStockTradingAction(b, encodeSoupSequencedHeader(b, o, LEN_H), s.locate, 0, ts, s.ticker, book.tradingState, '');
      }
    }
    // Book priority per symbol: bids best first, then asks best first, FIFO within a level.
    this.out = b;
    this.outAt = o;
    const before = o;
    for (const s of symbols) {
      const book = books.book(s.locate);
      if (book === null) continue;
      this.visitLocate = s.locate;
      this.visitTicker = s.ticker;
      book.forEachOrder(0x42, this);
      book.forEachOrder(0x53, this);
    }
    o = this.outAt;
    this.out = new Uint8Array(0);
    const orders = (o - before) / (FRAME + LEN_A);
    // FEED.md G: the first MoldUDP64 sequence the client applies from the live feed.
    o = encodeEndOfSnapshot(b, encodeSoupSequencedHeader(b, o, LEN_G), 0, ts, next);
    frames.length = o;
    frames.messages = systemCount + directory + states + orders + 1;
    return orders;
  }

  /** OrderVisitor: one Add Order frame per resting order, in the order the book visits them. */
  onOrder(ref: number, side: number, shares: number, price: number, timestampNs: number): void {
    const b = this.out;
    this.outAt = encodeAddOrder(b, encodeSoupSequencedHeader(b, this.outAt, LEN_A), this.visitLocate, 0, timestampNs, ref, side, shares, this.visitTicker, price);
  }

  private onConnection(socket: net.Socket): void {
    this.connections++;
    socket.on('error', (error: Error) => {
      this.socketErrors++;
      this.lastError = error;
    });
    if (this.clients.size >= this.maxClients || this.server === null) {
      this.refused[SnapshotRefusal.TooManyClients]++;
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const c = new SnapshotClient(socket);
    this.clients.add(c);
    c.timer = setTimeout(() => {
      c.timer = null;
      if (c.state === AwaitingLogin) this.drop(c, SnapshotRefusal.LoginTimeout);
    }, this.loginTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(c, chunk));
    socket.on('close', () => this.onClose(c));
  }

  private onData(c: SnapshotClient, chunk: Uint8Array): void {
    const n = chunk.length;
    let p = 0;
    while (p < n && c.state !== Closed) {
      if (c.state === AwaitingLogin) {
        const buf = c.login;
        while (c.loginLength < 3 && p < n) buf[c.loginLength++] = chunk[p++];
        if (c.loginLength >= 2) {
          const length = readU16(buf, 0);
          // Before login the only frame allowed is a Login Request of exactly 49 bytes (FEED.md).
          if (length + 2 > SoupFrameSize.LoginRequest) return this.drop(c, SnapshotRefusal.OversizedFrame);
          if (length === 0) return this.drop(c, SnapshotRefusal.BadFrame);
        }
        if (c.loginLength < 3) return;
        if (buf[2] !== SoupType.LoginRequest) return this.drop(c, SnapshotRefusal.NotLogin);
        if (readU16(buf, 0) + 2 !== SoupFrameSize.LoginRequest) return this.drop(c, SnapshotRefusal.BadFrame);
        const take = Math.min(SoupFrameSize.LoginRequest - c.loginLength, n - p);
        for (let i = 0; i < take; i++) buf[c.loginLength + i] = chunk[p + i];
        c.loginLength += take;
        p += take;
        if (c.loginLength === SoupFrameSize.LoginRequest) this.onLogin(c);
      } else {
        // Logged in: only the frame types matter ('O' logs out); payloads are skipped unread.
        if (c.skip > 0) {
          const k = Math.min(c.skip, n - p);
          c.skip -= k;
          p += k;
          continue;
        }
        const byte = chunk[p++];
        if (c.headerSeen === 0) {
          c.frameLength = byte << 8;
          c.headerSeen = 1;
        } else if (c.headerSeen === 1) {
          c.frameLength |= byte;
          c.headerSeen = 2;
          if (c.frameLength === 0) c.headerSeen = 0;
        } else {
          c.headerSeen = 0;
          c.skip = c.frameLength - 1;
          if (byte === SoupType.LogoutRequest) {
            this.endClient(c);
            return;
          }
        }
      }
    }
  }

  private onLogin(c: SnapshotClient): void {
    if (c.timer !== null) clearTimeout(c.timer);
    c.timer = null;
    const b = c.login;
    const reply = new Uint8Array(SoupFrameSize.LoginRejected);
    if (readAlpha(b, 3, 6) !== this.username || readAlpha(b, 9, 10) !== this.password) {
      this.loginsRejected++;
      this.refused[SnapshotRefusal.NotAuthorized]++;
      encodeSoupLoginRejected(reply, 0, SoupRejectReason.NotAuthorized);
      return this.reject(c, reply);
    }
    const session = readAlpha(b, 19, 10);
    if (session !== '' && session !== this.source.session.trim()) {
      this.loginsRejected++;
      this.refused[SnapshotRefusal.SessionUnavailable]++;
      encodeSoupLoginRejected(reply, 0, SoupRejectReason.SessionUnavailable);
      return this.reject(c, reply);
    }
    // The requested sequence is not used: a snapshot always starts from the current state.
    this.loginsAccepted++;
    const frames = this.pool.pop() ?? new SnapshotFrames();
    c.orders = this.encodeSnapshot(frames);
    c.frameCount = frames.messages;
    c.frames = frames;
    c.writeOffset = 0;
    c.state = Sending;
    this.pump(c);
  }

  private reject(c: SnapshotClient, reply: Uint8Array): void {
    c.state = Closed;
    this.bytesSent += reply.length;
    this.endThenDestroy(c, reply);
  }

  /** Writes the next chunk of the snapshot; waits for 'drain' when the socket is full, else yields a turn. */
  private pump(c: SnapshotClient): void {
    const frames = c.frames;
    if (c.state !== Sending || frames === null) return;
    const start = c.writeOffset;
    const end = Math.min(start + this.chunkBytes, frames.length);
    c.writeOffset = end;
    this.bytesSent += end - start;
    const lastChunk = end === frames.length;
    const ok = c.socket.write(frames.bytes.subarray(start, end), lastChunk ? () => this.onSnapshotWritten(c) : undefined);
    if (lastChunk) return;
    if (ok) setImmediate(() => this.pump(c));
    else c.socket.once('drain', () => this.pump(c));
  }

  /** The whole snapshot is handed to the kernel: its buffer can be reused. */
  private onSnapshotWritten(c: SnapshotClient): void {
    this.release(c);
    if (c.state !== Sending) return;
    c.state = Live;
    this.snapshotsSent++;
    this.ordersSent += c.orders;
    this.framesSent += c.frameCount;
    if (this.source.ended) this.endOfSession(c);
  }

  private endOfSession(c: SnapshotClient): void {
    c.state = Closed;
    this.bytesSent += this.endOfSessionFrame.length;
    this.endThenDestroy(c, this.endOfSessionFrame);
  }

  /** Sends a last frame, then closes even if the client never closes its side. */
  private endThenDestroy(c: SnapshotClient, last: Uint8Array): void {
    const socket = c.socket;
    socket.end(last, () => socket.destroy());
  }

  /** Heartbeats to clients past their snapshot (skipping any whose socket is still backed up); Z once the session ended. */
  private tick(): void {
    for (const c of this.clients) {
      if (c.state !== Live) continue;
      if (this.source.ended) {
        this.endOfSession(c);
      } else if (c.socket.writableLength === 0) {
        this.heartbeats++;
        this.bytesSent += this.heartbeatFrame.length;
        c.socket.write(this.heartbeatFrame);
      }
    }
  }

  private drop(c: SnapshotClient, reason: number): void {
    this.refused[reason]++;
    this.endClient(c);
  }

  private endClient(c: SnapshotClient): void {
    c.state = Closed;
    c.socket.destroy();
  }

  private release(c: SnapshotClient): void {
    if (c.frames !== null) {
      this.pool.push(c.frames);
      c.frames = null;
    }
  }

  private onClose(c: SnapshotClient): void {
    if (c.timer !== null) clearTimeout(c.timer);
    c.timer = null;
    c.state = Closed;
    this.release(c);
    this.clients.delete(c);
  }
}

