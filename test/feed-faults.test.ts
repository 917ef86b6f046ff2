// The fault matrix of issue 5: a publisher on real multicast sockets (in this process), a
// seeded relay that loses, repeats and reorders packets per line, and a FeedHandler on the
// relay's groups with the publisher's rewinder and snapshot server. Every case ends with the
// handler's books equal to the publisher's: every symbol, every level, every order (ref,
// shares, price, timestamp). Small rates and seconds; bounded waits, no timing assertions.
import * as dgram from 'node:dgram';
import { booksDigest, diffBooks, FeedHandler, FeedState, LINE_A, type FeedRecovery } from '../feed-handler';
import { moldSessionBytes, mulberry32, writeMoldHeader } from '../protocol';
import type { LineFaults } from './support/feed-relay';
import { relayedFeed, type RelayedFeed } from './support/relayed-feed';
import { freeUdpPort } from './support/ports';
import { waitUntil } from './support/feed';

const SEED = Number(process.env.TW_SEED ?? 20240308);
const WAIT_MS = 40_000;
const IFACE = '127.0.0.1';

type Case = RelayedFeed;

/** Publisher -> relay -> handler, on groups 239.192.55.<base+1..4> (this file's groups). */
function setUp(base: number, faults: [LineFaults, LineFaults], seed: number): Promise<Case> {
  return relayedFeed('239.192.55', base, faults, seed, { symbols: 8 });
}

/** Ends the day and waits until the handler has every message and the end of the session. */
async function finish(c: Case): Promise<FeedHandler> {
  await c.feed.endDay();
  const h = c.handler!;
  await waitUntil(`the handler to reach sequence ${c.feed.lastSequence} and the end of session (${JSON.stringify(h.figures())})`, () => h.ended && h.sequence === c.feed.lastSequence, WAIT_MS);
  return h;
}

function expectSameBooks(h: FeedHandler, c: Case): void {
  const publisher = c.feed.service.publisher.books;
  expect(diffBooks(h.books, publisher)).toEqual([]);
  expect(booksDigest(h.books)).toBe(booksDigest(publisher));
  expect(h.books.integrity.total).toBe(0);
  expect(h.books.orphans).toBe(0);
  expect({ valid: h.valid, state: h.state, buffered: h.figures().bufferedPackets }).toEqual({ valid: true, state: FeedState.Synchronized, buffered: 0 });
}

describe(`feed handler under faults (seed ${SEED})`, () => {
  test('1% loss on line A only (with repeats and reordering): line B covers it, no snapshot', async () => {
    const c = await setUp(0, [{ loss: 0.01, lossSeed: SEED, duplicate: 0.01, reorder: 0.02 }, {}], SEED);
    try {
      const h = await c.startHandler();
      c.feed.openDay();
      await c.feed.trade(10_000, 2);
      await finish(c);
      expectSameBooks(h, c);
      const [a] = c.relay.counts();
      expect(a.dropped).toBeGreaterThan(0);
      expect(h.lines[LINE_A].gaps).toBeGreaterThan(0);
      expect(h.snapshots).toBe(0);
      expect(h.recoveredBySnapshot).toBe(0);
    } finally {
      await c.close();
    }
  });

  test('1% loss of the same packets on both lines: the rewinder fills every gap', async () => {
    const c = await setUp(10, [{ loss: 0.01, lossSeed: SEED }, { loss: 0.01, lossSeed: SEED, reorder: 0.02, duplicate: 0.01 }], SEED + 1);
    try {
      const h = await c.startHandler();
      const recoveries: FeedRecovery[] = [];
      h.subscribe({ onRecovery: (r) => void recoveries.push(r) });
      c.feed.openDay();
      await c.feed.trade(10_000, 2);
      await finish(c);
      expectSameBooks(h, c);
      expect(c.relay.counts()[0].dropped).toBeGreaterThan(0);
      expect(h.recoveredByRewind).toBeGreaterThan(0);
      expect(recoveries.some((r) => r.method === 'rewinder')).toBe(true);
      expect(h.snapshots).toBe(0);
      expect(h.recoveryTimes.count).toBe(recoveries.length);
    } finally {
      await c.close();
    }
  });

  test('a burst of 10,000 lost messages on both lines: too many for the rewinder, recovered from the snapshot', async () => {
    const burst = { dropFirst: 15_000, dropEnd: 25_000 };
    const c = await setUp(20, [burst, burst], SEED + 2);
    try {
      const h = await c.startHandler();
      const states: string[] = [];
      h.subscribe({ onStatus: (s) => void states.push(`${s.state}/${s.valid}`) });
      c.feed.openDay();
      await c.feed.trade(20_000, 2);
      await finish(c);
      expect(c.feed.lastSequence).toBeGreaterThan(burst.dropEnd + 1000);
      expectSameBooks(h, c);
      expect(h.snapshots).toBeGreaterThanOrEqual(1);
      expect(h.recoveredBySnapshot).toBeGreaterThanOrEqual(burst.dropEnd - burst.dropFirst - 100);
      expect(states).toContain('loading-snapshot/false');
      expect(states[states.length - 1]).toBe('synchronized/true');
    } finally {
      await c.close();
    }
  });

  test('a rewinder that does not answer: the handler asks again with backoff, then falls back to the snapshot', async () => {
    const c = await setUp(50, [{ loss: 0.01, lossSeed: SEED }, { loss: 0.01, lossSeed: SEED }], SEED + 5);
    try {
      const silent = await freeUdpPort(); // nothing listens there
      const faults: string[] = [];
      const h = await c.startHandler({ rewinder: { host: IFACE, port: silent }, rewindTimeoutMs: 10, maxRewindRetries: 2 });
      h.subscribe({ onFault: (code) => void faults.push(code) });
      c.feed.openDay();
      await c.feed.trade(10_000, 2);
      await finish(c);
      expectSameBooks(h, c);
      expect(h.recoveredByRewind).toBe(0);
      expect(h.snapshots).toBeGreaterThan(0);
      expect(faults).toContain('TW_ERR_FEED_REWIND_TIMEOUT');
      expect(faults).toContain('TW_ERR_FEED_REWIND_GAVE_UP');
    } finally {
      await c.close();
    }
  });

  test('a handler started mid-session joins through the snapshot and keeps up', async () => {
    const c = await setUp(30, [{}, {}], SEED + 3);
    try {
      c.feed.openDay();
      await c.feed.trade(10_000, 1);
      const joinedAt = c.feed.lastSequence;
      const h = await c.startHandler();
      await c.feed.trade(10_000, 1.5);
      await finish(c);
      expectSameBooks(h, c);
      expect(h.snapshots).toBe(1);
      expect(h.recoveredBySnapshot).toBeGreaterThanOrEqual(joinedAt);
      expect(h.messagesApplied).toBeLessThan(c.feed.lastSequence); // it never saw the start of the day
    } finally {
      await c.close();
    }
  });

  test('100,000 malformed datagrams on line A while trading: counted, ignored, the books stay exact', async () => {
    const c = await setUp(40, [{}, {}], SEED + 4);
    const fuzz = dgram.createSocket('udp4');
    try {
      const h = await c.startHandler();
      await new Promise<void>((resolve) => fuzz.bind(0, IFACE, () => resolve()));
      fuzz.setMulticastInterface(IFACE);
      c.feed.openDay();
      const trading = c.feed.trade(5_000, 3);
      const random = mulberry32(SEED + 4);
      const session = moldSessionBytes(c.feed.session);
      const other = moldSessionBytes('SOMEOTHER1');
      const TOTAL = 100_000;
      const line = h.lines[LINE_A];
      const bad = (): number => line.malformed + line.wrongSession;
      let sent = 0;
      // In batches the handler has read before the next (it shares this thread, and a socket
      // buffer holds a few thousand small datagrams): every one of them reaches it.
      while (sent < TOTAL) {
        // 200 fresh datagrams (at the current live sequence) per batch, each sent 10 times:
        // generating bytes is slow under Jest, sending is what is tested.
        const fresh = Array.from({ length: 200 }, (_, k) => Buffer.from(malformed(random, k % 5, session, other, h.sequence + 1)));
        for (let k = 0; k < 2000 && sent < TOTAL; k++, sent++) fuzz.send(fresh[k % 200], c.handlerPorts[0], c.handlerGroups[0]);
        await waitUntil(`the handler to count ${sent} bad datagrams (${bad()} so far)`, () => bad() >= sent, WAIT_MS);
      }
      await trading;
      await finish(c);
      expectSameBooks(h, c);
      expect(line.malformed + line.wrongSession).toBe(TOTAL);
      const f = h.figures().faults;
      expect(f.TW_ERR_FEED_MALFORMED_PACKET).toBeGreaterThan(0);
      expect(f.TW_ERR_FEED_WRONG_SESSION).toBeGreaterThan(0);
      expect(f.TW_ERR_FEED_BAD_MESSAGE).toBeGreaterThan(0);
    } finally {
      fuzz.close();
      await c.close();
    }
  });
});

/**
 * One bad datagram of kind 0..4: random bytes; our session with a truncated block; an
 * impossible block length; another session (well formed); our session, well framed, ahead
 * of the live sequence, holding a message of no ITCH 5.0 type (dropped whole, no gap).
 */
function malformed(random: () => number, kind: number, session: Uint8Array, other: Uint8Array, nextSequence: number): Uint8Array {
  const n = 1 + Math.floor(random() * 300);
  const b = new Uint8Array(Math.max(n, 40)).map(() => Math.floor(random() * 256));
  switch (kind) {
    case 0:
      return b.subarray(0, n);
    case 1: // block length 36 (an Add Order), but only a few bytes of it
      writeMoldHeader(b, 0, session, nextSequence, 1);
      b[20] = 0;
      b[21] = 36;
      return b.subarray(0, 22 + Math.floor(random() * 30));
    case 2: // blocks that cannot add up to the packet
      writeMoldHeader(b, 0, session, nextSequence, 3);
      b[20] = 0xff;
      b[21] = 0xff;
      return b.subarray(0, 40);
    case 3:
      writeMoldHeader(b, 0, other, nextSequence, 0);
      return b.subarray(0, 20);
    default: // well framed, one 19-byte message of type '!', ahead of the feed (a packet wholly
      // before the next expected sequence is a duplicate, dropped unread: it can change nothing)
      writeMoldHeader(b, 0, session, nextSequence + 1_000_000, 1);
      b[20] = 0;
      b[21] = 19;
      b[22] = 0x21;
      return b.subarray(0, 41);
  }
}
