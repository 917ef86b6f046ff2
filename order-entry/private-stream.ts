// The private websocket (/v1/stream): each connection belongs to one account and gets that
// account's order updates and executions, as JSON text messages, as the exchange core
// reports them ({"type":"order","order":{...}}, {"type":"execution","execution":{...}}),
// every connection of the account the same frame, serialized once. Nothing of another
// account ever reaches it. The only client message is {"op":"ping"} (answered
// {"type":"pong"}); anything else gets an error message, and the connection stays.
//
// Slow consumers, as gateway/ does: a client with more than `hardBufferedBytes` queued is
// closed with 4001 (its updates are not worth more memory; it reconnects and reads GET
// /v1/orders). The server pings every `pingIntervalMs` and terminates a client that did not
// answer the previous ping. A closing client that does not finish the close handshake in
// CLOSE_GRACE_MS is cut. A session that logs out or is suspended loses its connections (4002).
import type { WebSocket } from 'ws';
import { CloseCode, type OrderEntryErrorCode, type OrderEntryErrorCounts } from './errors';
import type { OrderEntryLogger } from './directories';
import type { OrderFormatter } from './order-json';
import type { MirroredOrder } from './order-mirror';
import type { ExecutionReport } from '../protocol';
import type { ReportSink } from './report-router';
import { parseInput, wsClientMessageSchema } from './schemas';
import { OrderEntryError } from './errors';

/** How long a closing client has to finish the close handshake before its socket is cut. */
const CLOSE_GRACE_MS = 2000;

export interface PrivateStreamOptions {
  formatter: OrderFormatter;
  errors: OrderEntryErrorCounts;
  log: OrderEntryLogger;
  /** Past this many bytes queued to a client, it is closed with 4001. */
  hardBufferedBytes: number;
  pingIntervalMs: number;
}

export interface PrivateStreamFigures {
  connections: number;
  connectionsTotal: number;
  messagesSent: number;
  slowClosed: number;
}

class Connection {
  alive = true;
  closed = false;
  constructor(
    readonly ws: WebSocket,
    readonly account: number,
    /** The session it was opened with, or null (an API key). */
    readonly sessionId: number | null,
  ) {}
}

export class PrivateStream implements ReportSink {
  readonly figures: PrivateStreamFigures = { connections: 0, connectionsTotal: 0, messagesSent: 0, slowClosed: 0 };
  private readonly byAccount = new Map<number, Set<Connection>>();
  private pingTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: PrivateStreamOptions) {}

  start(): void {
    if (this.pingTimer !== null) return;
    this.pingTimer = setInterval(() => this.pingAll(), this.options.pingIntervalMs);
    this.pingTimer.unref();
  }

  /** Connections the account has open. */
  connectionsOf(account: number): number {
    return this.byAccount.get(account)?.size ?? 0;
  }

  accept(ws: WebSocket, account: number, sessionId: number | null): void {
    const c = new Connection(ws, account, sessionId);
    let set = this.byAccount.get(account);
    if (set === undefined) this.byAccount.set(account, (set = new Set()));
    set.add(c);
    this.figures.connections++;
    this.figures.connectionsTotal++;
    ws.on('message', (data, isBinary) => this.onMessage(c, data as Buffer, isBinary));
    ws.on('pong', () => {
      c.alive = true;
    });
    ws.on('error', () => {
      // A protocol error or a reset; 'close' follows.
    });
    ws.on('close', () => {
      c.closed = true;
      if (set.delete(c)) this.figures.connections--;
      if (set.size === 0 && this.byAccount.get(account) === set) this.byAccount.delete(account);
    });
    this.send(c, JSON.stringify({ type: 'hello', account }));
  }

  order(o: MirroredOrder): void {
    const set = this.byAccount.get(o.account);
    if (set === undefined) return;
    this.broadcast(set, JSON.stringify({ type: 'order', order: this.options.formatter.order(o) }));
  }

  execution(e: ExecutionReport): void {
    const set = this.byAccount.get(e.account);
    if (set === undefined) return;
    this.broadcast(set, JSON.stringify({ type: 'execution', execution: this.options.formatter.execution(e) }));
  }

  /** Closes the connections opened with a session (it logged out or was suspended). */
  closeSession(sessionId: number, reason: string): void {
    for (const set of this.byAccount.values()) for (const c of set) if (c.sessionId === sessionId) this.end(c, CloseCode.LoggedOut, reason);
  }

  /** Closes every connection of an account opened with a session (logout everywhere). */
  closeAccountSessions(account: number, reason: string): void {
    for (const c of this.byAccount.get(account) ?? []) if (c.sessionId !== null) this.end(c, CloseCode.LoggedOut, reason);
  }

  close(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    for (const set of this.byAccount.values()) {
      for (const c of set) {
        this.end(c, CloseCode.GoingAway, 'server shutting down');
        c.ws.terminate();
      }
    }
  }

  private broadcast(set: Set<Connection>, text: string): void {
    for (const c of set) this.send(c, text);
  }

  private send(c: Connection, text: string): void {
    if (c.closed) return;
    if (c.ws.bufferedAmount > this.options.hardBufferedBytes) {
      this.figures.slowClosed++;
      this.refuse('TW_ERR_OE_SLOW_CONSUMER', c, `more than ${this.options.hardBufferedBytes} bytes queued`);
      this.end(c, CloseCode.SlowConsumer, 'TW_ERR_OE_SLOW_CONSUMER');
      return;
    }
    this.figures.messagesSent++;
    c.ws.send(text);
  }

  private onMessage(c: Connection, data: Buffer, isBinary: boolean): void {
    let code: OrderEntryErrorCode = 'TW_ERR_OE_BAD_MESSAGE';
    let message = 'the only client message is {"op":"ping"}';
    if (!isBinary) {
      try {
        parseInput(wsClientMessageSchema, JSON.parse(data.toString('utf8')), 'body');
        this.send(c, '{"type":"pong"}');
        return;
      } catch (error) {
        if (error instanceof OrderEntryError) message = `${error.message}; ${message}`;
        else code = 'TW_ERR_OE_BAD_JSON';
      }
    }
    this.options.errors.count(code);
    this.send(c, JSON.stringify({ type: 'error', code, message }));
  }

  /** Closes with `code`; cuts the socket if the close handshake does not finish in CLOSE_GRACE_MS (a client that stopped reading). */
  private end(c: Connection, code: number, reason: string): void {
    if (c.closed) return;
    c.closed = true;
    c.ws.close(code, reason);
    const ws = c.ws;
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  private refuse(code: OrderEntryErrorCode, c: Connection, detail: string): void {
    this.options.errors.count(code);
    this.options.log.info({ code, account: c.account, session: c.sessionId }, `private websocket closed: ${detail}`);
  }

  private pingAll(): void {
    for (const set of this.byAccount.values()) {
      for (const c of set) {
        if (!c.alive) {
          this.refuse('TW_ERR_OE_PING_TIMEOUT', c, 'no answer to the last ping');
          c.closed = true;
          c.ws.terminate();
          continue;
        }
        c.alive = false;
        c.ws.ping();
      }
    }
  }
}
