// An OUCH 4.2 client over SoupBinTCP 3.0: what our tests and bench:order-entry use, and a
// small example for a firm writing its own. Login, Enter/Replace/Cancel Order as Unsequenced
// Data, client heartbeats, and every Sequenced Data message kept in order with its sequence
// number (the Login Accepted's number counts up from there).
import * as net from 'node:net';
import {
  decodeOuchOutbound,
  encodeOuchCancelOrder,
  encodeOuchEnterOrder,
  encodeOuchReplaceOrder,
  encodeSoupEmpty,
  encodeSoupLoginRequest,
  encodeSoupUnsequencedData,
  OUCH_MAX_MESSAGE,
  SoupBinHandlerBase,
  SoupBinStreamDecoder,
  SoupFrameSize,
  SoupType,
  type OuchEnterOrderFields,
  type OuchOutbound,
  type OuchReplaceOrderFields,
} from '../protocol';

export interface OuchClientOptions {
  host: string;
  port: number;
  /** Client heartbeat interval (SoupBinTCP: 1 s); 0 sends none. */
  heartbeatMs?: number;
  /** Keep decoded messages in `messages` (default true; a bench turns it off and uses onSequenced). */
  keepMessages?: boolean;
  /** Each Sequenced Data payload as it arrives (bytes valid only during the call). */
  onSequenced?: (bytes: Uint8Array, offset: number, length: number, sequence: number) => void;
}

export interface OuchLogin {
  session: string;
  /** The sequence number of the next Sequenced Data message. */
  sequence: number;
}

export interface ReceivedOuch {
  sequence: number;
  message: OuchOutbound;
}

type Waiter = { match: (m: ReceivedOuch) => boolean; from: number; resolve: (m: ReceivedOuch) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

export class OuchClient extends SoupBinHandlerBase {
  readonly messages: ReceivedOuch[] = [];
  /** Sequence number of the next Sequenced Data message. */
  nextSequence = 0;
  heartbeats = 0;
  endOfSession = false;
  private readonly socket: net.Socket;
  private readonly decoder = new SoupBinStreamDecoder(this);
  private readonly out = new Uint8Array(3 + OUCH_MAX_MESSAGE + 64);
  private readonly msg = new Uint8Array(OUCH_MAX_MESSAGE);
  private readonly keep: boolean;
  private readonly onSeq: OuchClientOptions['onSequenced'];
  /** Frames encoded while corked, written at uncork as one buffer (grows, never shrinks). */
  private batch = new Uint8Array(0);
  private batchUsed = 0;
  private corked = false;
  private login: { resolve: (l: OuchLogin) => void; reject: (e: Error) => void } | null = null;
  private waiters: Waiter[] = [];
  private heartbeatTimer: NodeJS.Timeout | null = null;
  /** Resolves when the connection is closed (by either side). */
  readonly closed: Promise<void>;

  private constructor(socket: net.Socket, o: OuchClientOptions) {
    super();
    this.socket = socket;
    this.keep = o.keepMessages ?? true;
    this.onSeq = o.onSequenced;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.decoder.push(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
        this.login?.reject(new Error('connection closed before Login Accepted'));
        this.login = null;
        for (const w of this.waiters) {
          clearTimeout(w.timer);
          w.reject(new Error('connection closed'));
        }
        this.waiters = [];
        resolve();
      }),
    );
    const hb = o.heartbeatMs ?? 1000;
    if (hb > 0) {
      this.heartbeatTimer = setInterval(() => this.sendEmpty(SoupType.ClientHeartbeat), hb);
      this.heartbeatTimer.unref();
    }
  }

  static connect(o: OuchClientOptions): Promise<OuchClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: o.host, port: o.port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new OuchClient(socket, o));
      });
    });
  }

  get connected(): boolean {
    return !this.socket.destroyed;
  }

  /** Login Request; resolves with Login Accepted, rejects with the Login Rejected reason ('A' or 'S') in the message. */
  logIn(username: string, password: string, sequence = 1, session = ''): Promise<OuchLogin> {
    return new Promise((resolve, reject) => {
      this.login = { resolve, reject };
      const b = new Uint8Array(SoupFrameSize.LoginRequest);
      encodeSoupLoginRequest(b, 0, username, password, session, sequence);
      this.socket.write(b);
    });
  }

  enterOrder(f: OuchEnterOrderFields): void {
    this.sendMessage(encodeOuchEnterOrder(this.msg, 0, f));
  }

  replaceOrder(f: OuchReplaceOrderFields): void {
    this.sendMessage(encodeOuchReplaceOrder(this.msg, 0, f));
  }

  cancelOrder(token: string, shares = 0): void {
    this.sendMessage(encodeOuchCancelOrder(this.msg, 0, token, shares));
  }

  /** Any bytes as an Unsequenced Data payload (tests of malformed input). */
  sendPayload(payload: Uint8Array): void {
    const b = new Uint8Array(3 + payload.length);
    encodeSoupUnsequencedData(b, 0, payload, 0, payload.length);
    this.flushBatch();
    this.socket.write(b);
  }

  /** Raw bytes on the socket. */
  sendRaw(bytes: Uint8Array): void {
    this.flushBatch();
    this.socket.write(bytes);
  }

  /**
   * Holds the messages sent from now until uncork() and writes them then as one buffer: a
   * program sending many orders in one turn (a pacing tick) pays one socket write for them,
   * not one each (a write per order was ~39% of bench:ouch-order-entry's client).
   */
  cork(): void {
    this.corked = true;
  }

  /** Writes what was held since cork() in one socket write. */
  uncork(): void {
    this.corked = false;
    this.flushBatch();
  }

  /** What was held goes out before any other frame, so frames keep their order. */
  private flushBatch(): void {
    if (this.batchUsed === 0) return;
    // A copy: the socket keeps the buffer until the kernel has it, and the batch is reused.
    if (!this.socket.destroyed) this.socket.write(this.batch.slice(0, this.batchUsed));
    this.batchUsed = 0;
  }

  logout(): void {
    this.sendEmpty(SoupType.LogoutRequest);
  }

  close(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }

  /** The first message (received from index `from` on) that matches, waiting up to `timeoutMs`. */
  waitFor(match: (m: ReceivedOuch) => boolean, timeoutMs = 5000, from = 0): Promise<ReceivedOuch> {
    for (let i = from; i < this.messages.length; i++) if (match(this.messages[i])) return Promise.resolve(this.messages[i]);
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        match,
        from,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          reject(new Error(`no matching OUCH message in ${timeoutMs} ms; got ${JSON.stringify(this.messages.map((m) => [m.sequence, m.message.type, 'token' in m.message ? m.message.token : '']))}`));
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  // ---- SoupBinTCP ---------------------------------------------------------------------------

  override onLoginAccepted(session: string, sequence: number): void {
    this.nextSequence = sequence;
    this.login?.resolve({ session, sequence });
    this.login = null;
  }

  override onLoginRejected(reason: number): void {
    const e = new Error(`Login Rejected '${String.fromCharCode(reason)}'`) as Error & { reason: string };
    e.reason = String.fromCharCode(reason);
    this.login?.reject(e);
    this.login = null;
  }

  override onSequencedData(bytes: Uint8Array, offset: number, length: number): void {
    const sequence = this.nextSequence++;
    if (this.onSeq !== undefined) this.onSeq(bytes, offset, length, sequence);
    if (!this.keep) return;
    const message = decodeOuchOutbound(bytes, offset, length);
    if (message === null) return;
    const r = { sequence, message };
    this.messages.push(r);
    const index = this.messages.length - 1;
    for (const w of this.waiters) {
      if (index >= w.from && w.match(r)) {
        clearTimeout(w.timer);
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(r);
        break;
      }
    }
  }

  override onServerHeartbeat(): void {
    this.heartbeats++;
  }

  override onEndOfSession(): void {
    this.endOfSession = true;
  }

  private sendMessage(length: number): void {
    if (this.corked) {
      const need = this.batchUsed + 3 + length;
      if (need > this.batch.length) {
        const next = new Uint8Array(Math.max(need, this.batch.length * 2, 16_384));
        next.set(this.batch.subarray(0, this.batchUsed));
        this.batch = next;
      }
      this.batchUsed = encodeSoupUnsequencedData(this.batch, this.batchUsed, this.msg, 0, length);
      return;
    }
    const end = encodeSoupUnsequencedData(this.out, 0, this.msg, 0, length);
    this.socket.write(this.out.slice(0, end));
  }

  private sendEmpty(type: number): void {
    if (this.socket.destroyed) return;
    const b = new Uint8Array(SoupFrameSize.Empty);
    encodeSoupEmpty(b, 0, type);
    this.flushBatch();
    this.socket.write(b);
  }
}
