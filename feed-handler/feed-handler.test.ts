// FeedHandler's arbitration, gap detection, states, listeners, bad input and recording,
// driven in-process through receive() with packets of a small seeded ITCH feed built with
// protocol/'s encoders (the real publisher, rewinder and snapshot server are exercised in
// test/feed-*.test.ts). The reference is a MarketBooks fed every message in order.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MarketBooks } from '../book';
import {
  encodeAddOrder,
  encodeOrderCancel,
  encodeOrderDelete,
  encodeOrderExecuted,
  encodeStockDirectory,
  encodeSystemEvent,
  moldSessionBytes,
  MoldUdp64Packet,
  MoldUdp64Packetizer,
  mulberry32,
  readItchFile,
  writeMoldHeader,
} from '../protocol';
import { booksDigest, diffBooks } from './book-digest';
import { FeedHandler, FeedState, LINE_A, LINE_B, type FeedGap, type FeedNewSession, type FeedRecovery, type FeedStatus } from '.';

const SESSION = 'TWTEST0001';
const SEED = Number(process.env.TW_SEED ?? 7);
const DIRECTORY = {
  marketCategory: 0x51, financialStatus: 0x4e, roundLotSize: 100, roundLotsOnly: 0x4e, issueClassification: 0x43,
  issueSubType: 'Z ', authenticity: 0x50, shortSaleThreshold: 0x4e, ipoFlag: 0x20, luldTier: 0x31, etpFlag: 0x4e,
  etpLeverage: 0, inverse: 0x4e,
};

/** A seeded feed: S O, R per symbol, then adds, executions, cancels and deletes, then S C; packets of a few messages. */
function syntheticFeed(seed: number, orders: number, session = SESSION): { packets: Uint8Array[]; reference: MarketBooks; lastSequence: number } {
  const packets: Uint8Array[] = [];
  const reference = new MarketBooks();
  const packetizer = new MoldUdp64Packetizer({ sendPacket: (p, n) => void packets.push(p.slice(0, n)) }, { session, maxPayloadBytes: 220 });
  const random = mulberry32(seed);
  const symbols = ['AAA', 'BBB', 'CCC'];
  const live: Array<{ ref: number; locate: number; shares: number }> = [];
  let seq = 0;
  let ts = 34_200_000_000_000;
  const scratch = new Uint8Array(64);
  const emit = (length: number): void => {
    const at = packetizer.reserve(length);
    packetizer.buffer.set(scratch.subarray(0, length), at);
    reference.decodeAndApply(scratch, 0, length, ++seq);
    ts += 1000;
  };
  emit(encodeSystemEvent(scratch, 0, 0, ts, 0x4f));
  symbols.forEach((s, i) => emit(encodeStockDirectory(scratch, 0, i + 1, 0, ts, s, DIRECTORY)));
  let ref = 1;
  let match = 1;
  for (let k = 0; k < orders; k++) {
    const r = random();
    if (live.length < 5 || r < 0.5) {
      const locate = 1 + Math.floor(random() * symbols.length);
      const buy = random() < 0.5;
      const price = buy ? 1_000_000 - 100 * Math.floor(random() * 20) : 1_010_000 + 100 * Math.floor(random() * 20);
      const shares = 100 * (1 + Math.floor(random() * 5));
      emit(encodeAddOrder(scratch, 0, locate, 0, ts, ref, buy ? 0x42 : 0x53, shares, symbols[locate - 1], price));
      live.push({ ref: ref++, locate, shares });
    } else {
      const i = Math.floor(random() * live.length);
      const o = live[i];
      if (r < 0.7) {
        emit(encodeOrderExecuted(scratch, 0, o.locate, 0, ts, o.ref, 100, match++));
        o.shares -= 100;
      } else if (r < 0.85) {
        emit(encodeOrderCancel(scratch, 0, o.locate, 0, ts, o.ref, 100));
        o.shares -= 100;
      } else {
        emit(encodeOrderDelete(scratch, 0, o.locate, 0, ts, o.ref));
        o.shares = 0;
      }
      if (o.shares === 0) live.splice(i, 1);
    }
  }
  emit(encodeSystemEvent(scratch, 0, 0, ts, 0x43));
  packetizer.endOfSession();
  return { packets, reference, lastSequence: seq };
}

function heartbeat(next: number): Uint8Array {
  const b = new Uint8Array(20);
  writeMoldHeader(b, 0, moldSessionBytes(SESSION), next, 0);
  return b;
}

describe(`FeedHandler (seed ${SEED})`, () => {
  const handlers: FeedHandler[] = [];
  const make = (extra: Partial<ConstructorParameters<typeof FeedHandler>[0]> = {}): FeedHandler => {
    const h = new FeedHandler({ session: SESSION, ...extra });
    handlers.push(h);
    return h;
  };
  afterEach(async () => {
    await Promise.all(handlers.splice(0).map((h) => h.close()));
  });

  test('applies each message once from two identical lines: the second copy of every packet is a duplicate', () => {
    const { packets, reference, lastSequence } = syntheticFeed(SEED, 2000);
    const h = make();
    for (const p of packets) {
      h.receive(LINE_A, p);
      h.receive(LINE_B, p);
    }
    expect(diffBooks(h.books, reference)).toEqual([]);
    expect(booksDigest(h.books)).toBe(booksDigest(reference));
    expect(h.sequence).toBe(lastSequence);
    expect({ gaps: h.gaps, valid: h.valid, state: h.state, ended: h.ended }).toEqual({ gaps: 0, valid: true, state: FeedState.Synchronized, ended: true });
    expect(h.lines[LINE_A].messages).toBe(lastSequence);
    expect(h.lines[LINE_B].messages).toBe(0);
    expect(h.lines[LINE_B].duplicates).toBe(packets.length - 1); // all but end of session
  });

  test('line A losing and reordering packets, line B late but whole: the books end exact, every gap filled by the lines', () => {
    const { packets, reference, lastSequence } = syntheticFeed(SEED + 1, 3000);
    const random = mulberry32(SEED + 1);
    const h = make();
    const recoveries: FeedRecovery[] = [];
    h.subscribe({ onRecovery: (r) => void recoveries.push(r) });
    // Line A: 20% lost, the rest shuffled within windows of 4; line B: in order, 3 packets behind.
    const a = packets.filter(() => random() >= 0.2);
    for (let i = 0; i + 4 <= a.length; i += 4) a.splice(i, 4, ...a.slice(i, i + 4).sort(() => random() - 0.5));
    let ai = 0;
    for (let bi = 0; bi < packets.length; bi++) {
      for (let k = 0; k < 3 && ai < a.length; k++) h.receive(LINE_A, a[ai++]);
      h.receive(LINE_B, packets[bi]);
    }
    expect(diffBooks(h.books, reference)).toEqual([]);
    expect({ sequence: h.sequence, valid: h.valid, state: h.state }).toEqual({ sequence: lastSequence, valid: true, state: FeedState.Synchronized });
    expect(h.gaps).toBeGreaterThan(0);
    expect(recoveries.length).toBe(h.gaps);
    expect(recoveries.every((r) => r.method === 'lines' && r.durationMs >= 0)).toBe(true);
    expect(h.lines[LINE_A].gaps).toBeGreaterThan(0);
  });

  test('a sequence jump holds later packets and marks the books invalid until the missing packet arrives', () => {
    const { packets, reference } = syntheticFeed(SEED + 2, 500);
    const h = make();
    const statuses: FeedStatus[] = [];
    const gaps: FeedGap[] = [];
    const recoveries: FeedRecovery[] = [];
    h.subscribe({ onStatus: (s) => void statuses.push(s), onGap: (g) => void gaps.push(g), onRecovery: (r) => void recoveries.push(r) });
    for (let i = 0; i < 10; i++) h.receive(LINE_A, packets[i]);
    const before = h.sequence;
    expect(h.valid).toBe(true);
    for (let i = 11; i < 20; i++) h.receive(LINE_A, packets[i]);
    expect({ valid: h.valid, state: h.state, sequence: h.sequence }).toEqual({ valid: false, state: FeedState.FillingGap, sequence: before });
    expect(h.isBookValid(1)).toBe(false);
    expect(gaps).toEqual([{ first: before + 1, count: expect.any(Number) as unknown as number }]);
    expect(gaps[0].count).toBeGreaterThan(0);
    h.receive(LINE_B, packets[10]);
    expect({ valid: h.valid, state: h.state }).toEqual({ valid: true, state: FeedState.Synchronized });
    expect(h.isBookValid(1)).toBe(true);
    expect(recoveries).toHaveLength(1);
    expect(recoveries[0]).toMatchObject({ first: before + 1, method: 'lines' });
    expect(h.recoveryTimes.count).toBe(1);
    expect(statuses.map((s) => `${s.state}/${s.valid}`)).toEqual(['synchronized/true', 'filling-gap/false', 'synchronized/true']);
    for (let i = 20; i < packets.length; i++) h.receive(LINE_A, packets[i]);
    expect(diffBooks(h.books, reference)).toEqual([]);
  });

  test('a heartbeat ahead of what the handler has applied opens a gap', () => {
    const { packets } = syntheticFeed(SEED + 3, 200);
    const h = make();
    for (let i = 0; i < 5; i++) h.receive(LINE_A, packets[i]);
    expect(h.valid).toBe(true);
    h.receive(LINE_A, heartbeat(h.sequence + 1)); // nothing missing
    expect(h.valid).toBe(true);
    h.receive(LINE_B, heartbeat(h.sequence + 6));
    expect({ valid: h.valid, state: h.state, gaps: h.gaps, known: h.knownSequence }).toEqual({ valid: false, state: FeedState.FillingGap, gaps: 1, known: h.sequence + 6 });
    expect(h.lines[LINE_B].heartbeats).toBe(1);
  });

  test('malformed datagrams are counted by kind and never touch the books', () => {
    const { packets, reference } = syntheticFeed(SEED + 4, 800);
    const h = make();
    const random = mulberry32(SEED + 4);
    const faults: string[] = [];
    h.subscribe({ onFault: (code) => void faults.push(code) });
    let bad = 0;
    for (let i = 0; i < packets.length; i++) {
      const p = packets[i];
      // Random bytes, a truncated copy, an impossible block length, another session, a bad message type.
      const junk = new Uint8Array(1 + Math.floor(random() * 200)).map(() => Math.floor(random() * 256));
      h.receive(LINE_A, junk);
      h.receive(LINE_A, p.slice(0, Math.max(0, p.length - 1 - Math.floor(random() * 10))));
      if (p.length > 22) {
        const impossible = p.slice();
        impossible[20] = 0xff;
        impossible[21] = 0xff;
        h.receive(LINE_B, impossible);
        const badType = p.slice();
        badType[22] = 0x21; // '!': no ITCH 5.0 type
        h.receive(LINE_B, badType);
        bad += 2;
      }
      const other = p.slice();
      other[0] = 0x58;
      h.receive(LINE_B, other);
      h.receive(LINE_A, p);
      bad += 3;
    }
    expect(diffBooks(h.books, reference)).toEqual([]);
    const f = h.figures();
    // Random bytes mostly fail the session check first (it comes before the framing check).
    expect(f.faults.TW_ERR_FEED_WRONG_SESSION).toBeGreaterThanOrEqual(packets.length);
    expect(f.faults.TW_ERR_FEED_MALFORMED_PACKET).toBeGreaterThanOrEqual(packets.length);
    expect(f.faults.TW_ERR_FEED_BAD_MESSAGE).toBeGreaterThan(0);
    expect((f.faults.TW_ERR_FEED_MALFORMED_PACKET ?? 0) + (f.faults.TW_ERR_FEED_BAD_MESSAGE ?? 0) + f.faults.TW_ERR_FEED_WRONG_SESSION).toBe(bad);
    const [a, b] = [h.lines[LINE_A], h.lines[LINE_B]];
    expect(a.malformed + a.wrongSession + b.malformed + b.wrongSession).toBe(bad);
    expect(faults).toEqual([]); // bad input is counted, not reported one by one
    expect(h.valid).toBe(true);
  });

  test('a bad message after good ones drops its packet whole; a packet overlapping what is applied applies only the rest', () => {
    const { packets, reference, lastSequence } = syntheticFeed(SEED + 7, 1000);
    const h = make();
    let messages = 0;
    let lastSeq = 0;
    let ordered = true;
    h.subscribe({
      onMessage: (s) => {
        if (s !== lastSeq + 1) ordered = false;
        lastSeq = s;
        messages++;
      },
    });
    const parsed = new MoldUdp64Packet();
    /** Offsets of a data packet's messages. */
    const offsets = (p: Uint8Array): number[] => {
      parsed.parse(p, 0, p.length, null);
      const at: number[] = [];
      for (let o = parsed.nextMessage(); o >= 0; o = parsed.nextMessage()) at.push(o);
      return at;
    };
    let corrupted = 0;
    let merged = 0;
    for (let i = 0; i < packets.length; i++) {
      const p = packets[i];
      const at = offsets(p);
      // (One wholly applied already, by the merged packet before it, is a duplicate: not checked.)
      if (at.length >= 2 && i % 3 === 0 && parsed.sequence > h.sequence) {
        // The last message's type byte made impossible: nothing of the packet may apply.
        const bad = p.slice();
        bad[at[at.length - 1]] = 0x21;
        const before = { sequence: h.sequence, messages };
        h.receive(LINE_A, bad);
        expect({ sequence: h.sequence, messages }).toEqual(before);
        corrupted++;
      }
      const next = packets[i + 1];
      if (i % 5 === 1 && next !== undefined && offsets(next).length > 0) {
        // This packet applied, then one carrying its messages and the next one's: only the next one's apply.
        h.receive(LINE_A, p);
        const both = new Uint8Array(p.length + next.length - 20);
        both.set(p, 0);
        both.set(next.subarray(20), p.length);
        new DataView(both.buffer).setUint16(18, offsets(p).length + offsets(next).length);
        h.receive(LINE_B, both);
        merged++;
        continue;
      }
      h.receive(LINE_B, p);
    }
    expect(corrupted).toBeGreaterThan(10);
    expect(merged).toBeGreaterThan(10);
    expect(h.figures().faults.TW_ERR_FEED_BAD_MESSAGE).toBe(corrupted);
    expect({ messages, ordered, sequence: h.sequence, gaps: h.gaps }).toEqual({ messages: lastSequence, ordered: true, sequence: lastSequence, gaps: 0 });
    expect(diffBooks(h.books, reference)).toEqual([]);
  });

  test('tells listeners every message, each packet boundary, changed books, trades and the end of the session', () => {
    const { packets, reference, lastSequence } = syntheticFeed(SEED + 5, 1000);
    const h = make();
    let messages = 0;
    let lastSeq = 0;
    let ordered = true;
    let boundaries = 0;
    let bookUpdates = 0;
    let trades = 0;
    const ends: number[] = [];
    h.subscribe({
      onMessage: (s) => {
        if (s !== lastSeq + 1) ordered = false;
        lastSeq = s;
        messages++;
      },
      onBoundary: () => void boundaries++,
      onBookUpdate: () => void bookUpdates++,
      onTrade: (book) => {
        if (book.lastTradeShares !== 100) ordered = false;
        trades++;
      },
      onEndOfSession: (s) => void ends.push(s),
    });
    for (const p of packets) h.receive(LINE_A, p);
    for (const p of packets) h.receive(LINE_B, p); // repeats change nothing
    expect({ messages, ordered, ends }).toEqual({ messages: lastSequence, ordered: true, ends: [lastSequence] });
    expect(boundaries).toBe(packets.length - 1);
    expect(bookUpdates).toBeGreaterThanOrEqual(boundaries - 2);
    let referenceTrades = 0;
    for (const b of reference.allBooks()) referenceTrades += b.trades;
    expect(trades).toBe(referenceTrades);
    expect(h.ended).toBe(true);
  });

  test('--record writes every applied message; reading the file back builds the same books', async () => {
    const { packets, reference } = syntheticFeed(SEED + 6, 1500);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tw-feed-record-')), 'feed.itch');
    const h = make({ record: file });
    for (let i = packets.length - 1; i >= 0; i--) h.receive(i % 2 === 0 ? LINE_A : LINE_B, packets[i]); // backwards: all held, then applied
    await h.close();
    const replayed = new MarketBooks();
    let seq = 0;
    const reader = readItchFile(new Uint8Array(fs.readFileSync(file)), {
      onMessage: (b, o, n) => void replayed.decodeAndApply(b, o, n, ++seq),
      onFault: () => {
        throw new Error('the record file does not frame');
      },
    });
    expect(reader.messages).toBe(h.sequence);
    expect(h.recorder!.messages).toBe(h.sequence);
    expect(booksDigest(replayed)).toBe(booksDigest(reference));
    expect(booksDigest(h.books)).toBe(booksDigest(reference));
  });

  test('a later session of the naming rule starts a new day of books: reset, counted, told; other and earlier sessions are ignored', () => {
    const day1 = syntheticFeed(SEED + 20, 500, 'TW20240308');
    const day2 = syntheticFeed(SEED + 21, 500, 'T220240308');
    const h = make({ session: 'TW20240308', sessionDate: '2024-03-08' });
    const told: FeedNewSession[] = [];
    const ends: number[] = [];
    h.subscribe({ onNewSession: (s) => void told.push(s), onEndOfSession: (s) => void ends.push(s) });
    for (const p of day1.packets) h.receive(LINE_A, p);
    expect(diffBooks(h.books, day1.reference)).toEqual([]);
    const first = h.books;
    for (const p of day2.packets) {
      h.receive(LINE_A, p);
      h.receive(LINE_B, p);
    }
    expect(h.books).not.toBe(first);
    expect(diffBooks(h.books, day2.reference)).toEqual([]);
    expect({ session: h.session, sequence: h.sequence, gaps: h.gaps, newSessions: h.newSessions, ended: h.ended, valid: h.valid }).toEqual({
      session: 'T220240308', sequence: day2.lastSequence, gaps: 0, newSessions: 1, ended: true, valid: true,
    });
    expect(told).toEqual([{ session: 'T220240308', previous: 'TW20240308', sessionDate: '2024-03-08', previousSequence: day1.lastSequence }]);
    expect(ends).toEqual([day1.lastSequence, day2.lastSequence]);
    // The first session's late copies, another feed's packets: counted, not followed.
    const wrong = h.lines[LINE_A].wrongSession;
    h.receive(LINE_A, day1.packets[3]);
    const other = day2.packets[3].slice();
    other.set(moldSessionBytes('SOMEOTHER1'), 0);
    h.receive(LINE_A, other);
    expect(h.lines[LINE_A].wrongSession).toBe(wrong + 2);
    expect(h.session).toBe('T220240308');
    expect(h.figures()).toMatchObject({ session: 'T220240308', newSessions: 1 });
  });

  test('with followSessions false a later session is another feed: counted and ignored', () => {
    const day2 = syntheticFeed(SEED + 21, 100, 'T220240308');
    const h = make({ session: 'TW20240308', followSessions: false });
    for (const p of day2.packets) h.receive(LINE_A, p);
    expect({ session: h.session, sequence: h.sequence, newSessions: h.newSessions }).toEqual({ session: 'TW20240308', sequence: 0, newSessions: 0 });
    expect(h.lines[LINE_A].wrongSession).toBe(day2.packets.length);
  });

  test('bad options are refused with TW_ERR_FEED_BAD_OPTIONS', () => {
    expect(() => new FeedHandler({ session: 'MUCH-TOO-LONG-SESSION' })).toThrow(/TW_ERR_FEED_BAD_OPTIONS/);
    expect(() => new FeedHandler({ session: SESSION, rewindTimeoutMs: 0 })).toThrow(/TW_ERR_FEED_BAD_OPTIONS: rewindTimeoutMs/);
    expect(() => new FeedHandler({ session: SESSION, join: 'snapshot' })).toThrow(/needs a snapshot server/);
    expect(() => new FeedHandler({ session: SESSION, record: '/nonexistent-dir/x.itch' })).toThrow(/TW_ERR_FEED_RECORD_FAILED/);
  });
});
