// The snapshot server over real TCP sockets on loopback (port 0), serving a FeedPublisher that
// the real exchange core (sim/) drives through a seeded day into an in-memory sink. A client
// rebuilds an independent MarketBooks from the snapshot, then applies the live messages from
// G's sequence on, and must end with the publisher's books. Every wait is bounded; no
// assertion depends on timing.
import * as net from 'node:net';
import { configSchema } from '../config';
import {
  EngineEventRingReader,
  encodeSoupEmpty,
  encodeSoupLoginRequest,
  SoupBinHandlerBase,
  SoupBinStreamDecoder,
  SoupFrameSize,
  SoupRejectReason,
  SoupType,
} from '../protocol';
import { BUY, MarketBooks, SELL } from '../book';
import { COMMAND_SIZE, CommandBuffer, ExchangeCore, OrderFlowGenerator } from '../sim';
import { SnapshotRefusal } from './errors';
import { FeedPublisher, feedPublisherOptions } from './feed-publisher';
import { MemoryPacketSink } from './packet-sink';
import { SnapshotServer, type SnapshotServerOptions } from './snapshot-server';
import { liveMessages, waitUntil as waitUntilWithin } from '../test/support/feed';

const SESSION_DATE = '2024-03-08';
const SEED = Number(process.env.TW_SEED ?? 5);
const WAIT_MS = 20_000;
const waitUntil = (what: string, done: () => boolean): Promise<void> => waitUntilWithin(what, done, WAIT_MS);
const SYMBOLS = 6;

/** A seeded trading day that advances when the test says so. */
class Day {
  readonly sink = new MemoryPacketSink();
  readonly publisher: FeedPublisher;
  private readonly core: ExchangeCore;
  private readonly reader: EngineEventRingReader;
  private readonly generator: OrderFlowGenerator;
  private readonly cmds = new CommandBuffer(256);

  constructor() {
    const config = configSchema.parse({ sim: { seed: SEED, symbols: SYMBOLS } });
    this.publisher = new FeedPublisher(feedPublisherOptions(config, SESSION_DATE, this.sink));
    let reader: EngineEventRingReader | null = null;
    this.core = new ExchangeCore({
      symbols: SYMBOLS,
      engine: config.engine,
      journal: { ...config.journal, path: '' },
      clock: null,
      ringFullPolicy: { onRingFull: () => reader?.drain(this.publisher) },
    });
    reader = new EngineEventRingReader(this.core.ring);
    this.reader = reader;
    this.core.start();
    this.generator = OrderFlowGenerator.fromConfig(config, this.core.engine);
    this.session(this.generator.openingCommands(), 34_200_000_000_000);
  }

  private get sequencer(): NonNullable<ExchangeCore['sequencer']> {
    return this.core.sequencer as NonNullable<ExchangeCore['sequencer']>;
  }

  private session(list: Array<{ type: number; code: number; locate: number }>, timeNs: number): void {
    list.forEach((c, i) => {
      this.cmds.write(i * COMMAND_SIZE, c.type, 0, 0, c.code, c.locate, 0, 0, 0);
      this.cmds.stamp(i * COMMAND_SIZE, 0, timeNs);
    });
    this.sequencer.submitBatch(this.cmds, 0, list.length);
    this.reader.drain(this.publisher);
    this.publisher.flush();
  }

  orders(count: number): void {
    for (let done = 0; done < count; ) {
      const n = Math.min(256, count - done);
      const firstSeq = this.sequencer.nextSeq;
      for (let i = 0; i < n; i++) this.generator.next(this.cmds, i, firstSeq + i);
      this.sequencer.submitBatch(this.cmds, 0, n);
      this.reader.drain(this.publisher);
      this.publisher.flush();
      done += n;
    }
  }

  close(): void {
    this.session(this.generator.closingCommands(), this.generator.timeNs);
    this.core.close();
    this.reader.drain(this.publisher);
    this.publisher.flush();
  }
}



/** A SoupBinTCP client on a real socket, decoding with protocol/'s stream decoder. */
class Client extends SoupBinHandlerBase {
  readonly socket: net.Socket;
  readonly decoder = new SoupBinStreamDecoder(this);
  readonly messages: Uint8Array[] = [];
  accepted: { session: string; sequence: number } | null = null;
  rejected = 0;
  heartbeats = 0;
  endOfSession = 0;
  closed = false;
  reads = 0;
  private connected = false;

  constructor(port: number) {
    super();
    this.socket = net.connect(port, '127.0.0.1', () => (this.connected = true));
    this.socket.on('data', (chunk: Buffer) => {
      this.reads++;
      this.decoder.push(chunk);
    });
    this.socket.on('error', () => {});
    this.socket.on('close', () => (this.closed = true));
  }

  async ready(): Promise<this> {
    await waitUntil('the connection', () => this.connected || this.closed);
    return this;
  }

  login(username: string, password: string, session = ''): void {
    const b = new Uint8Array(SoupFrameSize.LoginRequest);
    encodeSoupLoginRequest(b, 0, username, password, session, 0);
    this.socket.write(b);
  }

  get gotEndOfSnapshot(): boolean {
    const last = this.messages[this.messages.length - 1];
    return last !== undefined && last[0] === 0x47;
  }

  override onLoginAccepted(session: string, sequence: number): void {
    this.accepted = { session, sequence };
  }
  override onLoginRejected(reason: number): void {
    this.rejected = reason;
  }
  override onSequencedData(bytes: Uint8Array, offset: number, length: number): void {
    this.messages.push(bytes.slice(offset, offset + length));
  }
  override onServerHeartbeat(): void {
    this.heartbeats++;
  }
  override onEndOfSession(): void {
    this.endOfSession++;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The type letters of a snapshot, runs collapsed: "SRHAG". */
function shape(messages: Uint8Array[]): string {
  let out = '';
  for (const m of messages) {
    const t = String.fromCharCode(m[0]);
    if (!out.endsWith(t)) out += t;
  }
  return out;
}

function expectSameBooks(rebuilt: MarketBooks, publisher: FeedPublisher): void {
  for (const s of publisher.symbols) {
    const a = publisher.books.book(s.locate);
    const b = rebuilt.book(s.locate);
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    if (a === null || b === null) return;
    expect(b.symbol).toBe(a.symbol);
    expect(b.tradingState).toBe(a.tradingState);
    expect(b.levels(BUY)).toEqual(a.levels(BUY));
    expect(b.levels(SELL)).toEqual(a.levels(SELL));
    expect(b.orders(BUY)).toEqual(a.orders(BUY));
    expect(b.orders(SELL)).toEqual(a.orders(SELL));
    expect(b.checksum()).toBe(a.checksum());
  }
  expect(rebuilt.liveOrders).toBe(publisher.books.liveOrders);
}

describe('SnapshotServer', () => {
  const servers: SnapshotServer[] = [];
  const clients: Client[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) await s.close();
  });

  async function serve(day: Day, options: Partial<SnapshotServerOptions> = {}): Promise<SnapshotServer> {
    const server = new SnapshotServer({ source: day.publisher, port: 0, ...options });
    servers.push(server);
    await server.start();
    return server;
  }

  async function connect(server: SnapshotServer): Promise<Client> {
    const c = new Client(server.port);
    clients.push(c);
    return c.ready();
  }

  test('a snapshot plus the live feed from G rebuilds the publisher books exactly, frames split across reads', async () => {
    const day = new Day();
    day.orders(4000);
    // Small chunks that are not a multiple of any frame size: frames arrive split.
    const server = await serve(day, { chunkBytes: 997 });
    const c = await connect(server);
    c.login('tw', 'tickwire');
    await waitUntil('Login Accepted', () => c.accepted !== null || c.closed);
    // The live feed keeps flowing while the snapshot is written out.
    day.orders(1500);
    await waitUntil('End of Snapshot', () => c.gotEndOfSnapshot || c.closed);
    day.orders(1500);
    expect(c.accepted?.session).toBe(day.publisher.session.trim());

    expect(shape(c.messages)).toBe('SRHAG');
    expect(c.messages.filter((m) => m[0] === 0x53).map((m) => String.fromCharCode(m[11]))).toEqual(['O', 'S', 'Q']);
    expect(c.messages.filter((m) => m[0] === 0x52).length).toBe(SYMBOLS);
    expect(c.messages.filter((m) => m[0] === 0x48).length).toBe(SYMBOLS);
    const adds = c.messages.filter((m) => m[0] === 0x41).length;
    expect(adds).toBeGreaterThan(0);
    expect(c.reads).toBeGreaterThan(1);
    expect(c.decoder.faults).toBe(0);

    const rebuilt = new MarketBooks({ sessionDate: SESSION_DATE });
    for (const m of c.messages) expect(rebuilt.decodeAndApply(m, 0, m.length, 0)).toBe(0);
    const first = rebuilt.snapshotSequence;
    expect(first).toBe(c.accepted?.sequence);
    expect(first).toBeLessThan(day.publisher.nextSequence);

    const live = liveMessages(day.sink);
    for (let s = first; s < day.publisher.nextSequence; s++) {
      const m = live.get(s);
      if (m === undefined) throw new Error(`live message ${s} missing`);
      rebuilt.decodeAndApply(m, 0, m.length, s);
    }
    expect(rebuilt.integrity.total).toBe(0);
    expect(rebuilt.orphans).toBe(0);
    expectSameBooks(rebuilt, day.publisher);

    await waitUntil('the snapshot counted', () => server.snapshotsSent === 1);
    const f = server.figures();
    expect(f.loginsAccepted).toBe(1);
    expect(f.ordersSent).toBe(adds);
    expect(f.framesSent).toBe(c.messages.length);
    expect(f.refused).toBe(0);
  });

  test('wrong credentials get Login Rejected A, another session S, and the connection closes', async () => {
    const day = new Day();
    day.orders(200);
    const server = await serve(day);
    const bad = await connect(server);
    bad.login('tw', 'wrong');
    await waitUntil('the rejection and close', () => bad.closed);
    expect(bad.rejected).toBe(SoupRejectReason.NotAuthorized);
    expect(bad.accepted).toBeNull();
    expect(bad.messages).toEqual([]);

    const other = await connect(server);
    other.login('tw', 'tickwire', 'TW19990101');
    await waitUntil('the rejection and close', () => other.closed);
    expect(other.rejected).toBe(SoupRejectReason.SessionUnavailable);

    const own = await connect(server);
    own.login('tw', 'tickwire', day.publisher.session);
    await waitUntil('End of Snapshot', () => own.gotEndOfSnapshot || own.closed);
    expect(own.accepted?.sequence).toBe(day.publisher.nextSequence);

    const f = server.figures();
    expect(f.loginsRejected).toBe(2);
    expect(f.loginsAccepted).toBe(1);
    expect(f.refusedBy).toEqual({ TW_ERR_SNAPSHOT_NOT_AUTHORIZED: 1, TW_ERR_SNAPSHOT_SESSION_UNAVAILABLE: 1 });
  });

  test('garbage, a non-login first frame and a login timeout are counted and closed; the server keeps serving', async () => {
    const day = new Day();
    day.orders(200);
    const server = await serve(day);
    const garbage = await connect(server);
    garbage.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitUntil('the close after garbage', () => garbage.closed);

    const heartbeatFirst = await connect(server);
    const frame = new Uint8Array(SoupFrameSize.Empty);
    encodeSoupEmpty(frame, 0, SoupType.ClientHeartbeat);
    heartbeatFirst.socket.write(frame);
    await waitUntil('the close after a non-login frame', () => heartbeatFirst.closed);

    const f = server.figures();
    expect(f.refusedBy).toEqual({ TW_ERR_SNAPSHOT_OVERSIZED_FRAME: 1, TW_ERR_SNAPSHOT_NOT_LOGIN: 1 });
    expect(server.refused[SnapshotRefusal.OversizedFrame]).toBe(1);

    // A login split byte by byte still works after all that.
    const good = await connect(server);
    const b = new Uint8Array(SoupFrameSize.LoginRequest);
    encodeSoupLoginRequest(b, 0, 'tw', 'tickwire', '', 0);
    for (let i = 0; i < b.length; i++) good.socket.write(b.subarray(i, i + 1));
    await waitUntil('End of Snapshot', () => good.gotEndOfSnapshot || good.closed);
    expect(good.accepted).not.toBeNull();
  });

  test('closes a connection that does not log in within loginTimeoutMs', async () => {
    const day = new Day();
    const server = await serve(day, { loginTimeoutMs: 50 });
    const silent = await connect(server);
    await waitUntil('the login timeout', () => silent.closed);
    expect(server.figures().refusedBy).toEqual({ TW_ERR_SNAPSHOT_LOGIN_TIMEOUT: 1 });
    expect(silent.accepted).toBeNull();
  });

  test('refuses clients beyond maxClients', async () => {
    const day = new Day();
    const server = await serve(day, { maxClients: 1, loginTimeoutMs: 600_000 });
    const first = await connect(server);
    await waitUntil('the first client registered', () => server.clientCount === 1);
    const second = await connect(server);
    await waitUntil('the second client closed', () => second.closed);
    expect(server.refused[SnapshotRefusal.TooManyClients]).toBe(1);
    expect(first.closed).toBe(false);
  });

  test('heartbeats after the snapshot, logout closes, and End of Session once the day is over', async () => {
    const day = new Day();
    day.orders(300);
    const server = await serve(day, { heartbeatIntervalMs: 20 });
    const a = await connect(server);
    a.login('tw', 'tickwire');
    await waitUntil('a heartbeat', () => a.heartbeats > 0 || a.closed);
    expect(a.gotEndOfSnapshot).toBe(true);
    const logout = new Uint8Array(SoupFrameSize.Empty);
    encodeSoupEmpty(logout, 0, SoupType.LogoutRequest);
    a.socket.write(logout);
    await waitUntil('the close after logout', () => a.closed);

    const b = await connect(server);
    b.login('tw', 'tickwire');
    await waitUntil('End of Snapshot', () => b.gotEndOfSnapshot || b.closed);
    day.close();
    await waitUntil('End of Session', () => b.closed);
    expect(b.endOfSession).toBe(1);

    // After the close, a late joiner gets the whole day's S events, the snapshot, then Z.
    const late = await connect(server);
    late.login('tw', 'tickwire');
    await waitUntil('End of Session', () => late.closed);
    expect(late.endOfSession).toBe(1);
    expect(late.messages.filter((m) => m[0] === 0x53).map((m) => String.fromCharCode(m[11])).join('')).toBe('OSQMEC');
    expect(late.gotEndOfSnapshot).toBe(true);
  });
});
