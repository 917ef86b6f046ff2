// Candles across a gap on both lines: a publisher on real multicast sockets (in this process,
// simulated time slowed so the day spans many minutes), a relay that drops a burst of
// sequence numbers on both lines, and a FeedHandler on the relay's groups with the
// publisher's rewinder and snapshot server. A gap within the rewinder's limits is filled by
// it and the candles equal the publisher's exactly; a larger one goes to the snapshot, and
// every candle overlapping the skipped time is marked incomplete, none other.
import { booksDigest, FeedHandler, type FeedCandlesIncomplete, type FeedHandlerOptions, type FeedRecovery } from '../feed-handler';
import { CANDLE_INTERVALS, type Candle, type CandleInterval, type MarketBooks } from '../book';
import type { LineFaults } from './support/feed-relay';
import { relayedFeed, type RelayedFeed } from './support/relayed-feed';
import { waitUntil } from './support/feed';

const SEED = Number(process.env.TW_SEED ?? 20240309);
const WAIT_MS = 40_000;
/** Simulated orders a second: a few thousand orders span minutes of candles. */
const SIM_RATE = 20;
const INTRADAY_MS: Partial<Record<CandleInterval, number>> = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000 };

type Rig = RelayedFeed;

/** Publisher -> relay (dropping `burst` on both lines) -> handler, on groups 239.192.56.<base+1..4>. */
async function setUp(base: number, burst: LineFaults, seed: number, extra: Partial<FeedHandlerOptions> = {}): Promise<Rig & { start(): Promise<FeedHandler> }> {
  const rig = await relayedFeed('239.192.56', base, [burst, burst], seed, { symbols: 4, simOrdersPerSec: SIM_RATE });
  return Object.assign(rig, { start: () => rig.startHandler(extra) });
}

async function finish(rig: Rig): Promise<FeedHandler> {
  await rig.feed.endDay();
  const h = rig.handler!;
  await waitUntil(`the handler to reach sequence ${rig.feed.lastSequence} and the end of session (${JSON.stringify(h.figures())})`, () => h.ended && h.sequence === rig.feed.lastSequence, WAIT_MS);
  return h;
}

/** Every symbol's candles of every interval, oldest first. */
function allCandles(books: MarketBooks): Map<string, Candle[]> {
  const out = new Map<string, Candle[]>();
  for (const b of books.allBooks()) for (const i of CANDLE_INTERVALS) out.set(`${b.symbol} ${i}`, b.candles?.ring(i).toArray() ?? []);
  return out;
}

/** Whether a candle's [start, end) overlaps [fromMs, toMs]; day, week and month candles hold the whole session day. */
function overlaps(c: Candle, r: FeedCandlesIncomplete): boolean {
  const length = INTRADAY_MS[c.interval];
  if (length === undefined) return true;
  return c.startMs <= (r.toMs as number) && c.startMs + length > (r.fromMs as number);
}

const sansFlag = ({ incomplete: _i, ...c }: Candle): Omit<Candle, 'incomplete'> => c;

describe(`candles across a gap (seed ${SEED})`, () => {
  test('a gap within the rewinder\'s limits (3,000 messages) is filled by the rewinder: candles equal the publisher\'s exactly, none incomplete', async () => {
    const rig = await setUp(0, { dropFirst: 8_000, dropEnd: 11_000 }, SEED);
    try {
      const h = await rig.start();
      const recoveries: FeedRecovery[] = [];
      h.subscribe({ onRecovery: (r) => void recoveries.push(r) });
      rig.feed.openDay();
      await rig.feed.trade(8_000, 2);
      await finish(rig);
      expect(rig.feed.lastSequence).toBeGreaterThan(12_000);
      expect(rig.relay.counts()[0].dropped).toBeGreaterThan(0);
      const publisher = rig.feed.service.publisher.books;
      expect(booksDigest(h.books)).toBe(booksDigest(publisher));
      expect({ snapshots: h.snapshots, incompleteRanges: h.incompleteRanges }).toEqual({ snapshots: 0, incompleteRanges: [] });
      expect(h.recoveredByRewind).toBeGreaterThanOrEqual(3_000);
      expect(recoveries.some((r) => r.method === 'rewinder' && r.count >= 3_000)).toBe(true);
      const mine = allCandles(h.books);
      const theirs = allCandles(publisher);
      expect(mine.get(`${publisher.allBooks()[0].symbol} 1m`)!.length).toBeGreaterThan(3); // the day spans minutes
      expect(mine).toEqual(theirs);
      for (const list of mine.values()) expect(list.every((c) => c.incomplete === false)).toBe(true);
    } finally {
      await rig.close();
    }
  });

  test('a gap beyond the rewinder\'s limits (12,000 messages) is recovered by snapshot: the candles overlapping the skipped time are incomplete, the others exact', async () => {
    const rig = await setUp(10, { dropFirst: 8_000, dropEnd: 20_000 }, SEED + 1);
    try {
      const h = await rig.start();
      const told: FeedCandlesIncomplete[] = [];
      h.subscribe({ onCandlesIncomplete: (r) => void told.push(r) });
      rig.feed.openDay();
      await rig.feed.trade(8_000, 4);
      await finish(rig);
      expect(rig.feed.lastSequence).toBeGreaterThan(24_000);
      const publisher = rig.feed.service.publisher.books;
      expect(booksDigest(h.books)).toBe(booksDigest(publisher));
      expect(h.snapshots).toBe(1);
      expect(told).toHaveLength(1);
      expect(h.incompleteRanges).toEqual(told);
      expect(h.figures().candlesIncompleteRanges).toBe(1);
      const range = told[0];
      expect(range.first).toBeLessThanOrEqual(8_000);
      expect(range.first + range.count).toBeGreaterThanOrEqual(20_000);
      expect(range.fromNs).toBeGreaterThan(0);
      expect(range.toNs).toBeGreaterThan(range.fromNs);
      const mine = allCandles(h.books);
      const theirs = allCandles(publisher);
      let marked = 0;
      let after = 0;
      let differ = 0;
      for (const [key, list] of mine) {
        const reference = new Map(theirs.get(key)!.map((c) => [c.startMs, c]));
        for (const c of list) {
          const p = reference.get(c.startMs);
          expect(p).toBeDefined();
          if (overlaps(c, range)) {
            expect({ key, startMs: c.startMs, incomplete: c.incomplete }).toEqual({ key, startMs: c.startMs, incomplete: true });
            marked++;
            if (JSON.stringify(sansFlag(c)) !== JSON.stringify(sansFlag(p!))) differ++;
          } else {
            // Before or after the skipped time: exact, and not marked.
            expect({ key, candle: c }).toEqual({ key, candle: p });
            if (c.startMs > (range.toMs as number)) after++;
          }
        }
        // A publisher candle the handler lacks lies inside the skipped time.
        const held = new Set(list.map((c) => c.startMs));
        for (const p of theirs.get(key)!) if (!held.has(p.startMs)) expect({ key, startMs: p.startMs, overlaps: overlaps(p, range) }).toEqual({ key, startMs: p.startMs, overlaps: true });
      }
      expect(marked).toBeGreaterThan(0);
      expect(differ).toBeGreaterThan(0); // prints really were missed: the flag is not decoration
      expect(after).toBeGreaterThan(0); // candles after the gap exist, complete
    } finally {
      await rig.close();
    }
  });

  test('a late join by snapshot marks what it never saw (from midnight to the snapshot); later candles are complete', async () => {
    const rig = await setUp(20, {}, SEED + 2);
    try {
      rig.feed.openDay();
      await rig.feed.trade(8_000, 1.5);
      const h = await rig.start();
      await rig.feed.trade(8_000, 1.5);
      await finish(rig);
      expect(h.snapshots).toBe(1);
      expect(h.incompleteRanges).toHaveLength(1);
      const range = h.incompleteRanges[0];
      expect({ first: range.first, fromNs: range.fromNs }).toEqual({ first: 1, fromNs: 0 });
      const publisher = rig.feed.service.publisher.books;
      const theirs = allCandles(publisher);
      let after = 0;
      for (const [key, list] of allCandles(h.books)) {
        const reference = new Map(theirs.get(key)!.map((c) => [c.startMs, c]));
        for (const c of list) {
          if (overlaps(c, range)) expect(c.incomplete).toBe(true);
          else {
            expect({ key, candle: c }).toEqual({ key, candle: reference.get(c.startMs) });
            after++;
          }
        }
      }
      expect(after).toBeGreaterThan(0);
      for (const b of h.books.allBooks()) expect(b.candles?.d1.get(0)?.incomplete).toBe(true);
    } finally {
      await rig.close();
    }
  });
});
