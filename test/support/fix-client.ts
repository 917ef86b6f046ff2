// A FIX 4.4 client for tests: jspurefix's own initiator session (AsciiSession) over a real
// TCP socket, with its QuickFIX FIX44.xml dictionary and, optionally, a file store so its
// sequence numbers survive a reconnect. It records every message it receives (session
// level too) and waits for the ones a test expects.
import 'reflect-metadata';
import * as net from 'node:net';
import { AsciiSession, DITokens, EmptyLogFactory, type IJsFixConfig, type ISessionDescription, MsgTransport, type MsgView, SessionContainer, TcpDuplex } from 'jspurefix';
import { makeSessionScope } from 'jspurefix/dist/runtime/session-scope';

export interface FixClientOptions {
  port: number;
  host?: string;
  senderCompId: string;
  targetCompId?: string;
  user: string;
  password: string;
  /** A folder for the client's own store: its sequence numbers carry over to the next connect. */
  storeDir?: string;
  heartBtIntS?: number;
  /** Called with every message received (benchmarks: with keep false, nothing is recorded). */
  onMessage?: (m: Received) => void;
  /** Record received messages in `received` (default true). */
  keep?: boolean;
}

/** One received message: its type and tags (tag number -> value; the last of a repeated tag). */
export interface Received {
  readonly msgType: string;
  readonly tags: ReadonlyMap<number, string>;
  get(tag: number): string | undefined;
}

function parseTags(text: string): Received {
  const tags = new Map<number, string>();
  // The wire's delimiter (SOH) or the log's (a pipe).
  for (const field of text.replaceAll('|', '\u0001').split('\u0001')) {
    const eq = field.indexOf('=');
    if (eq > 0) tags.set(Number(field.slice(0, eq)), field.slice(eq + 1));
  }
  return { msgType: tags.get(35) ?? '', tags, get: (tag: number) => tags.get(tag) };
}

export class FixTestClient extends AsciiSession {
  readonly received: Received[] = [];
  private waiters: Array<{ match: (m: Received) => boolean; resolve: (m: Received) => void }> = [];
  private readyResolve: (() => void) | null = null;
  readonly readyPromise: Promise<void>;
  stopError: Error | undefined;
  readonly stopped: Promise<Error | undefined>;
  private stoppedResolve: ((e: Error | undefined) => void) | null = null;
  onMessage: ((m: Received) => void) | null = null;
  keep = true;

  constructor(config: IJsFixConfig) {
    super(config);
    this.readyPromise = new Promise((resolve) => {
      this.readyResolve = resolve;
    });
    this.stopped = new Promise((resolve) => {
      this.stoppedResolve = resolve;
    });
  }

  /** Any message, as an object with the dictionary's field names. */
  sendMsg(msgType: string, body: Record<string, unknown>): void {
    this.send(msgType, body);
  }

  /**
   * Writes this client's sequence numbers to its store once more, after its session ended.
   * jspurefix's file store persists them with one overlapping async write a message, so after
   * a burst the write that finishes last may hold an older number (a loaded full suite saw
   * the buyer's next number come back as 8 instead of 14).
   */
  async persistSequenceNumbers(): Promise<void> {
    const store = this.sessionStore;
    await store.setSenderSeqNum(store.senderSeqNum);
    await store.setTargetSeqNum(store.targetSeqNum);
  }

  /** The next outbound sequence number (skip ahead to make a gap). */
  get nextSeqNum(): number {
    return this.transmitter().msgSeqNum;
  }

  set nextSeqNum(value: number) {
    this.transmitter().msgSeqNum = value;
  }

  private transmitter(): { msgSeqNum: number } {
    if (this.transport === null) throw new Error('not connected');
    return this.transport.transmitter as unknown as { msgSeqNum: number };
  }

  /** Logout and wait for the session to end. */
  async logoutAndWait(timeoutMs = 5000): Promise<void> {
    this.done();
    await Promise.race([this.stopped, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  /** The first message received (already or later) that matches. */
  waitFor(match: (m: Received) => boolean, timeoutMs = 5000, from = 0): Promise<Received> {
    for (let i = from; i < this.received.length; i++) if (match(this.received[i])) return Promise.resolve(this.received[i]);
    return new Promise((resolve, reject) => {
      const w = { match, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`no matching FIX message in ${timeoutMs} ms; received: ${this.received.map((m) => [...m.tags].filter(([t]) => t !== 8 && t !== 9 && t !== 10 && t !== 52 && t !== 49 && t !== 56).map(([t, v]) => `${t}=${v}`).join('|')).join('\n')}`));
      }, timeoutMs).unref();
    });
  }

  /** Received messages of a type (ExecutionReports: '8'). */
  ofType(msgType: string): Received[] {
    return this.received.filter((m) => m.msgType === msgType);
  }

  protected onApplicationMsg(_msgType: string, _view: MsgView): void {}

  protected onDecoded(_msgType: string, txt: string): void {
    const m = parseTags(txt);
    this.onMessage?.(m);
    if (this.keep || m.msgType === 'A' || m.msgType === '5') this.received.push(m);
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.match(m)) w.resolve(m);
      else still.push(w);
    }
    this.waiters = still;
  }

  protected onEncoded(_msgType: string, _txt: string): void {}

  protected onLogon(_view: MsgView, _user: string, _password: string): boolean {
    return true;
  }

  protected onReady(_view: MsgView): void {
    this.readyResolve?.();
  }

  protected onStopped(error?: Error): void {
    this.stopError = error;
    this.stoppedResolve?.(error);
  }
}

let configs: Promise<SessionContainer> | null = null;

/** Connects and logs on; resolves with the client once logged on, or rejects with why it ended. */
export async function connectFixClient(o: FixClientOptions): Promise<FixTestClient> {
  const client = await openFixClient(o);
  const outcome = await Promise.race([client.readyPromise.then(() => null), client.stopped.then((e) => e ?? new Error('session ended before logon'))]);
  if (outcome !== null) throw outcome;
  return client;
}

/** Connects and sends the Logon without waiting for its answer. */
export async function openFixClient(o: FixClientOptions): Promise<FixTestClient> {
  configs ??= Promise.resolve(new SessionContainer());
  const container = await configs;
  container.registerGlobal(new EmptyLogFactory());
  const description = {
    application: { type: 'initiator', name: o.senderCompId, protocol: 'ascii', dictionary: 'qf44', tcp: { host: o.host ?? '127.0.0.1', port: o.port } },
    BeginString: 'FIX.4.4',
    SenderCompId: o.senderCompId,
    TargetCompID: o.targetCompId ?? 'TICKWIRE',
    HeartBtInt: o.heartBtIntS ?? 30,
    ResetSeqNumFlag: false,
    Username: o.user,
    Password: o.password,
    ...(o.storeDir === undefined ? {} : { store: { type: 'file', directory: o.storeDir } }),
  } as unknown as ISessionDescription;
  const scope = await container.makeSystem(description);
  const config = makeSessionScope(scope.resolve<IJsFixConfig>(DITokens.IJsFixConfig));
  const socket = net.connect(o.port, o.host ?? '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const transport = new MsgTransport(1, config, new TcpDuplex(socket));
  const client = new FixTestClient(config);
  client.onMessage = o.onMessage ?? null;
  client.keep = o.keep ?? true;
  client.run(transport).catch(() => undefined);
  return client;
}
