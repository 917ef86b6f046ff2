// The rewinder over real UDP sockets on loopback (port 0 for the server and each client),
// answering from a FeedPublisher that the real exchange core (sim/) drove through a seeded
// day into an in-memory sink. Answers are compared byte for byte with the live packets.
// Clocks for the rate limits are manual, so no assertion depends on timing; every wait is
// bounded and generous (a loaded 2-core CI machine).
import * as dgram from 'node:dgram';
import { configSchema } from '../config';
import { encodeRetransmissionRequest, MoldPacketKind, MoldUdp64Packet, moldSessionBytes, writeU64 } from '../protocol';
import { SeededDay } from '../sim';
import { RewindRefusal, rewindRefusalName } from './errors';
import { FeedPublisher, feedPublisherOptions, type FeedPublisherOptions } from './feed-publisher';
import { MemoryPacketSink } from './packet-sink';
import { AnswerPacket, Rewinder, rewinderOptions, type OlderMessageSource, type RewinderClock, type RewinderOptions, type RewindSource } from './rewinder';
import { RequesterLimiter, TABLE_FULL, TAKEN, RATE_LIMITED } from './requester-limiter';
import { liveMessages, waitUntil as waitUntilWithin } from '../test/support/feed';

const SESSION_DATE = '2024-03-08';
const SEED = Number(process.env.TW_SEED ?? 11);
const WAIT_MS = 20_000;
const waitUntil = (what: string, done: () => boolean): Promise<void> => waitUntilWithin(what, done, WAIT_MS);

/** A seeded day (opening, `orders` orders, closing) published into a memory sink. */
function publishSeededDay(orders: number, extra: Partial<FeedPublisherOptions> = {}): { publisher: FeedPublisher; sink: MemoryPacketSink } {
  const config = configSchema.parse({ sim: { seed: SEED, symbols: 4 } });
  const sink = new MemoryPacketSink();
  const publisher = new FeedPublisher({ ...feedPublisherOptions(config, SESSION_DATE, sink), ...extra });
  const day = new SeededDay(config, publisher);
  day.open();
  publisher.flush();
  for (let done = 0; done < orders; ) {
    done += day.batch(Math.min(256, orders - done));
    publisher.flush();
  }
  day.close();
  publisher.flush();
  return { publisher, sink };
}



/** A requester: its own UDP socket on loopback, keeping a copy of every answer. */
class Client {
  readonly socket = dgram.createSocket('udp4');
  readonly answers: Uint8Array[] = [];
  private readonly request = new Uint8Array(20);

  async open(): Promise<this> {
    this.socket.on('message', (msg: Buffer) => this.answers.push(new Uint8Array(msg)));
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', () => resolve()));
    return this;
  }

  send(bytes: Uint8Array, port: number): Promise<void> {
    return new Promise<void>((resolve, reject) => this.socket.send(bytes, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  }

  ask(port: number, session: string, first: number, count: number): Promise<void> {
    encodeRetransmissionRequest(this.request, 0, moldSessionBytes(session), first, count);
    return this.send(this.request.slice(), port);
  }

  close(): Promise<void> {
    return new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

/** A clock that moves only when the test moves it. */
class ManualClock implements RewinderClock {
  ms = 1_000_000;
  nowMs(): number {
    return this.ms;
  }
}

interface Parsed {
  kind: number;
  sequence: number;
  count: number;
  length: number;
  messages: Uint8Array[];
}

function parseAnswer(bytes: Uint8Array, session: string): Parsed {
  const p = new MoldUdp64Packet();
  const fault = p.parse(bytes, 0, bytes.length, moldSessionBytes(session));
  expect(fault).toBe(0);
  const messages: Uint8Array[] = [];
  for (let at = p.nextMessage(); at >= 0; at = p.nextMessage()) messages.push(bytes.slice(at, at + p.messageLength));
  return { kind: p.kind, sequence: p.sequence, count: p.count, length: bytes.length, messages };
}

describe(`rewinder over loopback UDP (seed ${SEED})`, () => {
  let publisher: FeedPublisher;
  let live: Map<number, Uint8Array>;
  const opened: Array<Rewinder | Client> = [];

  async function rewinder(options: Partial<RewinderOptions> = {}): Promise<Rewinder> {
    const r = new Rewinder({ source: publisher, host: '127.0.0.1', port: 0, ...options });
    opened.push(r);
    await r.start();
    return r;
  }

  async function client(): Promise<Client> {
    const c = new Client();
    opened.push(c);
    return c.open();
  }

  /** Sends a probe for a range that is not published yet and waits for its empty answer: everything sent before it has been handled. */
  async function settle(r: Rewinder, c: Client): Promise<void> {
    const before = c.answers.length;
    const handled = r.requests;
    await c.ask(r.port, publisher.session, publisher.nextSequence + 1000, 1);
    await waitUntil('the probe answer', () => r.requests > handled && c.answers.length > before);
  }

  beforeAll(() => {
    const day = publishSeededDay(3000);
    publisher = day.publisher;
    live = liveMessages(day.sink);
    expect(live.size).toBe(publisher.messages);
    expect(publisher.pendingCount).toBe(0);
  });

  afterEach(async () => {
    while (opened.length > 0) await (opened.pop() as Rewinder | Client).close();
  });

  test('answers exactly the requested messages: one packet, same session, sequence of the first message, bytes of the live feed', async () => {
    const r = await rewinder();
    const c = await client();
    await c.ask(r.port, publisher.session, 100, 10);
    await waitUntil('the answer', () => c.answers.length === 1);
    const a = parseAnswer(c.answers[0], publisher.session);
    expect([a.kind, a.sequence, a.count]).toEqual([MoldPacketKind.Data, 100, 10]);
    const stored = publisher.store.copyRange(100, 10);
    for (let i = 0; i < 10; i++) {
      expect(Buffer.compare(a.messages[i], live.get(100 + i) as Uint8Array)).toBe(0);
      expect(Buffer.compare(a.messages[i], stored[i])).toBe(0);
    }
    expect(r.figures()).toMatchObject({ requests: 1, answered: 1, messagesSent: 10, refused: 0, shortened: 0 });
  });

  test('every message of the day comes back identical when asked for packet by packet', async () => {
    const r = await rewinder({ maxRequestsPerSecond: 1_000_000, maxAnswersPerSecond: 1_000_000 });
    const c = await client();
    const end = publisher.nextSequence;
    let next = 1;
    let mismatches = 0;
    while (next < end) {
      const before = c.answers.length;
      await c.ask(r.port, publisher.session, next, 1000);
      await waitUntil(`the answer from ${next}`, () => c.answers.length > before);
      const a = parseAnswer(c.answers[before], publisher.session);
      expect(a.sequence).toBe(next);
      expect(a.count).toBeGreaterThan(0);
      for (let i = 0; i < a.count; i++) if (Buffer.compare(a.messages[i], live.get(next + i) as Uint8Array) !== 0) mismatches++;
      next += a.count;
    }
    expect(next).toBe(end);
    expect(mismatches).toBe(0);
  });

  test('a request for more than one packet holds gets the whole messages that fit in ONE packet of at most maxPayloadBytes', async () => {
    const r = await rewinder();
    const c = await client();
    await c.ask(r.port, publisher.session, 50, 1000);
    await settle(r, c);
    // The answer, then the probe's empty answer: one packet for the request, never more.
    expect(c.answers.length).toBe(2);
    const a = parseAnswer(c.answers[0], publisher.session);
    expect(a.length).toBeLessThanOrEqual(publisher.maxPayloadBytes);
    // As many as fit: the next message would not have.
    let used = 20;
    let fit = 0;
    while (used + 2 + publisher.store.lengthOf(50 + fit) <= publisher.maxPayloadBytes) used += 2 + publisher.store.lengthOf(50 + fit++);
    expect([a.sequence, a.count, a.length]).toEqual([50, fit, used]);
    for (let i = 0; i < a.count; i++) expect(Buffer.compare(a.messages[i], live.get(50 + i) as Uint8Array)).toBe(0);
    expect(parseAnswer(c.answers[1], publisher.session).kind).toBe(MoldPacketKind.Heartbeat);
    expect(r.shortened).toBe(1);
  });

  test('the count is capped at maxMessagesPerRequest', async () => {
    const r = await rewinder({ maxMessagesPerRequest: 5 });
    const c = await client();
    await c.ask(r.port, publisher.session, 7, 20);
    await waitUntil('the answer', () => c.answers.length === 1);
    const a = parseAnswer(c.answers[0], publisher.session);
    expect([a.sequence, a.count]).toEqual([7, 5]);
    expect(r.figures()).toMatchObject({ answered: 1, messagesSent: 5, shortened: 1 });
  });

  test('a request reaching past the latest sequence gets what exists; one starting past it gets count 0 and the next expected sequence', async () => {
    const r = await rewinder();
    const c = await client();
    const next = publisher.nextSequence;
    await c.ask(r.port, publisher.session, next - 3, 10);
    await waitUntil('the first answer', () => c.answers.length === 1);
    await c.ask(r.port, publisher.session, next + 5, 10);
    await waitUntil('the second answer', () => c.answers.length === 2);
    const a = parseAnswer(c.answers[0], publisher.session);
    expect([a.sequence, a.count]).toEqual([next - 3, 3]);
    for (let i = 0; i < 3; i++) expect(Buffer.compare(a.messages[i], live.get(next - 3 + i) as Uint8Array)).toBe(0);
    const empty = parseAnswer(c.answers[1], publisher.session);
    expect([empty.kind, empty.sequence, empty.count, empty.length]).toEqual([MoldPacketKind.Heartbeat, next, 0, 20]);
    expect(r.emptyAnswers).toBe(1);
  });

  test('messages still in the part-filled live packet are not answered before the lines send them', async () => {
    const store = publisher.store;
    const source: RewindSource = { session: publisher.session, store, nextSequence: publisher.nextSequence, pendingCount: 4, maxPayloadBytes: 1472 };
    const r = await rewinder({ source });
    const c = await client();
    await c.ask(r.port, publisher.session, publisher.nextSequence - 6, 10);
    await waitUntil('the answer', () => c.answers.length === 1);
    const a = parseAnswer(c.answers[0], publisher.session);
    expect([a.sequence, a.count]).toEqual([publisher.nextSequence - 6, 2]);
  });

  test('a burst over the per-requester rate is refused and counted; another requester is unaffected; the bucket refills', async () => {
    const clock = new ManualClock();
    const r = await rewinder({ clock, maxRequestsPerSecond: 5 });
    const a = await client();
    const b = await client();
    for (let i = 0; i < 12; i++) await a.ask(r.port, publisher.session, 1 + i, 1);
    await waitUntil('the burst handled', () => r.requests === 12);
    for (let i = 0; i < 3; i++) await b.ask(r.port, publisher.session, 1 + i, 1);
    await waitUntil('b answered', () => b.answers.length === 3);
    expect(r.refused[RewindRefusal.RateLimited]).toBe(7);
    expect(r.answered).toBe(8);
    expect(r.figures().refusedBy).toEqual({ TW_ERR_REWIND_RATE_LIMITED: 7 });
    await waitUntil('a answered', () => a.answers.length === 5);
    // One second later a has five tokens again.
    clock.ms += 1000;
    for (let i = 0; i < 6; i++) await a.ask(r.port, publisher.session, 1, 1);
    await waitUntil('the second burst handled', () => r.requests === 21);
    await waitUntil('a answered again', () => a.answers.length === 10);
    expect(r.refused[RewindRefusal.RateLimited]).toBe(8);
  });

  test('all requesters together are capped by maxAnswersPerSecond', async () => {
    const clock = new ManualClock();
    const r = await rewinder({ clock, maxRequestsPerSecond: 100, maxAnswersPerSecond: 3 });
    const a = await client();
    const b = await client();
    await a.ask(r.port, publisher.session, 1, 1);
    await a.ask(r.port, publisher.session, 1, 1);
    await b.ask(r.port, publisher.session, 1, 1);
    await b.ask(r.port, publisher.session, 1, 1);
    await waitUntil('four requests handled', () => r.requests === 4);
    expect(r.answered).toBe(3);
    expect(r.refused[RewindRefusal.Overloaded]).toBe(1);
  });

  test('a new requester is refused while the requester table is full of active ones, and admitted once an idle one is forgotten', async () => {
    const clock = new ManualClock();
    const r = await rewinder({ clock, maxRequesters: 1, maxRequestsPerSecond: 5 });
    const a = await client();
    const b = await client();
    await a.ask(r.port, publisher.session, 1, 1);
    await waitUntil('a answered', () => a.answers.length === 1);
    await b.ask(r.port, publisher.session, 1, 1);
    await waitUntil('b handled', () => r.requests === 2);
    expect(r.refused[RewindRefusal.TooManyRequesters]).toBe(1);
    clock.ms += 1000; // a's bucket is full again: it has nothing left to remember
    await b.ask(r.port, publisher.session, 1, 1);
    await waitUntil('b answered', () => b.answers.length === 1);
    expect(r.figures()).toMatchObject({ requesters: 1, requestersForgotten: 1 });
  });

  test('a request for another session is refused, counted and not answered', async () => {
    const r = await rewinder();
    const c = await client();
    await c.ask(r.port, 'OTHER', 1, 10);
    await settle(r, c);
    expect(c.answers.length).toBe(1); // the probe's answer only
    expect(r.refused[RewindRefusal.WrongSession]).toBe(1);
  });

  test('malformed requests are counted by reason, get no answer and do not stop the server', async () => {
    const r = await rewinder();
    const c = await client();
    const session = moldSessionBytes(publisher.session);
    const good = new Uint8Array(20);
    encodeRetransmissionRequest(good, 0, session, 1, 1);
    const tooLarge = good.slice();
    tooLarge[10] = 1; // 2^56
    const zeroCount = new Uint8Array(20);
    encodeRetransmissionRequest(zeroCount, 0, session, 5, 0);
    const zeroSequence = new Uint8Array(20);
    encodeRetransmissionRequest(zeroSequence, 0, session, 0, 5);
    const maxSafe = good.slice();
    writeU64(maxSafe, 10, 2 ** 53 - 1); // well-formed, far past the end: an empty answer
    await c.send(good.subarray(0, 19), r.port);
    await c.send(new Uint8Array(21), r.port);
    await c.send(new Uint8Array(0), r.port);
    await c.send(new Uint8Array(1500), r.port);
    await c.send(tooLarge, r.port);
    await c.send(zeroCount, r.port);
    await c.send(zeroSequence, r.port);
    await c.send(maxSafe, r.port);
    await settle(r, c);
    expect(c.answers.length).toBe(2); // maxSafe's empty answer and the probe's
    expect(r.figures().refusedBy).toEqual({
      [rewindRefusalName(RewindRefusal.BadLength)]: 4,
      [rewindRefusalName(RewindRefusal.SequenceTooLarge)]: 1,
      [rewindRefusalName(RewindRefusal.ZeroCount)]: 1,
      [rewindRefusalName(RewindRefusal.ZeroSequence)]: 1,
    });
    await c.ask(r.port, publisher.session, 1, 1);
    await waitUntil('a normal answer after them', () => c.answers.length === 3);
    expect(parseAnswer(c.answers[2], publisher.session).count).toBe(1);
  });

  test('a range that aged out of the store is refused and counted; an OlderMessageSource is the seam for the journal', async () => {
    const smallDay = publishSeededDay(3000, { storeCapacity: 256 });
    const small = smallDay.publisher;
    expect(small.store.oldestSequence).toBeGreaterThan(1);
    const oldest = small.store.oldestSequence;
    const r = new Rewinder({ source: small, host: '127.0.0.1', port: 0 });
    opened.push(r);
    await r.start();
    const c = await client();
    await c.ask(r.port, small.session, 1, 1);
    await c.ask(r.port, small.session, oldest - 1, 5); // straddles the oldest message
    await c.ask(r.port, small.session, oldest, 1);
    await waitUntil('the held range answered', () => c.answers.length === 1 && r.requests === 3);
    expect(r.refused[RewindRefusal.AgedOut]).toBe(2);
    expect(parseAnswer(c.answers[0], small.session).sequence).toBe(oldest);

    // An older source that can answer (here from a copy of the live feed) is used for them.
    const smallLive = liveMessages(smallDay.sink);
    const older: OlderMessageSource = {
      appendOlder(first: number, maxCount: number, answer: AnswerPacket): boolean {
        for (let s = first; s < first + maxCount && s < oldest; s++) {
          const m = smallLive.get(s) as Uint8Array;
          if (!answer.append(m, 0, m.length)) break;
        }
        return true;
      },
    };
    const r2 = new Rewinder({ source: small, host: '127.0.0.1', port: 0, older });
    opened.push(r2);
    await r2.start();
    await c.ask(r2.port, small.session, 3, 4);
    await waitUntil('the older answer', () => c.answers.length === 2);
    const a = parseAnswer(c.answers[1], small.session);
    expect([a.sequence, a.count]).toEqual([3, 4]);
    for (let i = 0; i < 4; i++) expect(Buffer.compare(a.messages[i], smallLive.get(3 + i) as Uint8Array)).toBe(0);
  });

  test('rewinderOptions reads the publisher.rewinder config section', () => {
    const config = configSchema.parse({ publisher: { rewinder: { port: 0, maxRequestsPerSecond: 7 } } });
    const o = rewinderOptions(config, publisher);
    expect(o).toMatchObject({ host: '127.0.0.1', port: 0, maxMessagesPerRequest: 1000, maxRequestsPerSecond: 7, maxRequesters: 4096, maxAnswersPerSecond: 5000 });
    expect(configSchema.parse({}).publisher.rewinder.port).toBe(30003);
  });
});

describe('requester limiter', () => {
  test('a bucket allows a burst of perSecond, then refills at perSecond', () => {
    let now = 0;
    const l = new RequesterLimiter(4, 10, () => now);
    let taken = 0;
    for (let i = 0; i < 15; i++) if (l.take('a') === TAKEN) taken++;
    expect(taken).toBe(10);
    now = 100;
    expect(l.take('a')).toBe(TAKEN); // 0.1 s: one token back
    expect(l.take('a')).toBe(RATE_LIMITED);
  });

  test('the table forgets only idle requesters and refuses new ones while full of active ones', () => {
    let now = 0;
    const l = new RequesterLimiter(2, 10, () => now);
    expect(l.take('a')).toBe(TAKEN);
    expect(l.take('b')).toBe(TAKEN);
    now = 50;
    expect(l.take('c')).toBe(TABLE_FULL); // a and b still refilling
    now = 1000;
    expect(l.take('c')).toBe(TAKEN); // both idle: forgotten
    expect(l.forgotten).toBe(2);
    expect(l.size).toBe(1);
  });
});
