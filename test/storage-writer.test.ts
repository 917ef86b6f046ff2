// The writer on this thread, with a real DuckDB file: a batch handed over in parts
// (begin, append every APPEND_ROWS messages, commit), a failure in the middle of one
// (rolled back, the store reopened, the same ring records stored again), and every
// sequence stored exactly once in the end; and the messages read from the publisher's shared
// message store (StoredMessages records), those it had overwritten filled from the journal.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { configSchema } from '../config';
import { StorageRecordKind, StorageRecordReader, StorageRecordRing } from '../protocol';
import { FeedPublisher, feedPublisherOptions, StorageTap } from '../publisher';
import { SeededDay } from '../sim';
import type { CatchUpSource } from '../storage/catch-up-source';
import { DuckDbSink } from '../storage/duckdb-store';
import type { RecordDecoder } from '../storage/record-decoder';
import { APPEND_ROWS } from '../storage/storage-sink';
import { StorageWriter, type WriterEvent } from '../storage/storage-writer';

const DATE = '2025-03-14';
const SESSION = { session: 'TW20250314', sessionDate: DATE, midnightMs: Date.UTC(2025, 2, 14, 4) };

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-writer-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A DuckDB sink whose `failAt`-th append (counted over its life) throws once. */
class FailingSink extends DuckDbSink {
  appends = 0;
  constructor(
    file: string,
    private readonly failAt: number,
  ) {
    super(file);
  }

  override append(rows: RecordDecoder): void {
    if (++this.appends === this.failAt) throw new Error('injected append failure');
    super.append(rows);
  }
}

test('a batch handed over in parts; a failure mid-batch is rolled back and stored again, every sequence once', async () => {
  const config = configSchema.parse({ sim: { seed: 5, symbols: 6 } });
  const publisher = new FeedPublisher(feedPublisherOptions(config, DATE, { sendPacket: () => {} }));
  const ring = StorageRecordRing.create(1 << 18);
  const tap = new StorageTap(publisher, ring);
  publisher.subscribe(tap);
  const day = new SeededDay(config, publisher);
  day.open();
  day.trade(30_000, 256);
  day.close();
  tap.flush();
  const published = publisher.sequence;
  expect(published).toBeGreaterThan(4 * APPEND_ROWS); // several hand-overs per batch

  const file = path.join(dir, 'writer.duckdb');
  const sink = new FailingSink(file, 3);
  const events: WriterEvent[] = [];
  const writer = new StorageWriter({ sink, ring, session: SESSION, catchUp: null, retryMs: 10, commitIntervalMs: 0, onEvent: (e) => events.push(e) });
  void writer.start();
  writer.requestThrough(published);
  const deadline = Date.now() + 20_000;
  while (writer.storedThrough < published && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await writer.stop();

  expect(writer.storedThrough).toBe(published);
  expect(sink.appends).toBeGreaterThan(3);
  const errors = events.filter((e) => e.type === 'error');
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ code: 'TW_ERR_STORAGE_WRITE' });
  expect((errors[0] as { message: string }).message).toMatch(/injected append failure/);
  expect(events.filter((e) => e.type === 'opened')).toHaveLength(2); // reopened after the failure
  expect(writer.lostSequences).toBe(0);

  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const c = await db.connect();
  try {
    const [count, distinct, min, max] = (await c.runAndReadAll('SELECT count(*), count(DISTINCT sequence), min(sequence), max(sequence) FROM feed_messages')).getRows()[0].map(Number);
    expect([count, distinct, min, max]).toEqual([published, published, 1, published]);
    // The trades are the books' prints, once each.
    let prints = 0;
    for (const b of publisher.books.allBooks()) prints += b.trades;
    expect(Number((await c.runAndReadAll('SELECT count(*) FROM trades')).getRows()[0][0])).toBe(prints);
    expect((await c.runAndReadAll('SELECT last_sequence FROM tw_streams')).getRows().map((r) => Number(r[0]))).toEqual([published]);
  } finally {
    c.closeSync();
    db.closeSync();
  }
});

/** The day of the tests above, published again (seeded: the same events), into `publisher`. */
function publishDay(publisher: FeedPublisher): void {
  const day = new SeededDay(configSchema.parse({ sim: { seed: 5, symbols: 6 } }), publisher);
  day.open();
  day.trade(30_000, 256);
  day.close();
}

/** Rows of feed_messages and trades, hashed: equal files hold the same rows. */
async function digest(file: string): Promise<number[]> {
  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const c = await db.connect();
  try {
    const m = (await c.runAndReadAll('SELECT count(*), sum(hash(sequence, type, symbol, order_ref, new_ref, side, shares, price, match_number) % 1000000007) FROM feed_messages')).getRows()[0];
    const t = (await c.runAndReadAll('SELECT count(*), sum(hash(sequence, order_ref, side, shares, price, match_number) % 1000000007) FROM trades')).getRows()[0];
    return [...m, ...t].map(Number);
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

test('StoredMessages: the writer reads messages from the shared store; ranges it had overwritten come from the journal; the same rows as copied ones', async () => {
  const config = configSchema.parse({ sim: { seed: 5, symbols: 6 } });
  // A store of 4,096 messages, far fewer than the day: the writer starts after the day, so
  // all but the last ranges have been overwritten.
  const publisher = new FeedPublisher({ ...feedPublisherOptions(config, DATE, { sendPacket: () => {} }), storeCapacity: 4096 });
  const ring = StorageRecordRing.create(1 << 16);
  const tap = new StorageTap(publisher, ring, { sharedStore: true });
  publisher.subscribe(tap);
  publishDay(publisher);
  tap.flush();
  const published = publisher.sequence;
  expect(tap.overflows).toBe(0);
  // One slot per block, no message bytes in the ring.
  const kinds = new Set<number>();
  const peek = new StorageRecordReader(ring);
  for (let i = 0, n = peek.available(); i < n; i += peek.view.u8[peek.baseOf(i) + 1]) kinds.add(peek.view.u8[peek.baseOf(i)]);
  expect(kinds.has(StorageRecordKind.StoredMessages)).toBe(true);
  expect(kinds.has(StorageRecordKind.Message)).toBe(false);

  // The journal, as bin/storage-catch-up.ts replays it: the same day through a muted publisher
  // and a copying tap limited to the range.
  const replayed: number[] = [];
  const catchUp: CatchUpSource = {
    replay(from, to, onRecord) {
      replayed.push(from, to);
      const p = new FeedPublisher({ ...feedPublisherOptions(config, DATE, { sendPacket: () => {} }), storeCapacity: 1024 });
      const r = StorageRecordRing.create(1 << 14);
      const reader = new StorageRecordReader(r);
      const drain = (): void => {
        t.flush();
        const n = reader.available();
        for (let i = 0; i < n; i += reader.view.u8[reader.baseOf(i) + 1]) if (reader.view.u8[reader.baseOf(i)] !== StorageRecordKind.Pad) onRecord(reader.view, reader.baseOf(i));
        reader.advance(n);
      };
      const t: StorageTap = new StorageTap(p, r, { emitFrom: from, emitTo: to, onRingFull: drain });
      p.subscribe(t);
      publishDay(p);
      drain();
    },
  };

  const file = path.join(dir, 'shared-store.duckdb');
  const writer = new StorageWriter({
    sink: new DuckDbSink(file),
    ring,
    session: SESSION,
    catchUp,
    store: { bytes: publisher.store.bytes, capacity: publisher.store.capacity },
    retryMs: 10,
    commitIntervalMs: 0,
  });
  void writer.start();
  writer.requestThrough(published);
  const deadline = Date.now() + 30_000;
  while (writer.storedThrough < published && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await writer.stop();

  expect(writer.storedThrough).toBe(published);
  expect(writer.errors).toBe(0);
  expect(writer.storeOverruns).toBeGreaterThan(0);
  expect(replayed.length).toBeGreaterThan(0);
  // Some came from the store: fewer than all were replayed.
  expect(writer.caughtUp).toBeGreaterThan(published - 4096);
  expect(writer.caughtUp).toBeLessThan(published);
  // The first test stored the same day with its messages copied into the ring.
  const copied = await digest(path.join(dir, 'writer.duckdb'));
  expect(copied[0]).toBe(published);
  expect(await digest(file)).toEqual(copied);
});
