// The writer on this thread, with a real DuckDB file: a batch handed over in parts
// (begin, append every APPEND_ROWS messages, commit), a failure in the middle of one
// (rolled back, the store reopened, the same ring records stored again), and every
// sequence stored exactly once in the end.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { configSchema } from '../config';
import { StorageRecordRing } from '../protocol';
import { FeedPublisher, feedPublisherOptions, StorageTap } from '../publisher';
import { SeededDay } from '../sim';
import { DuckDbSink } from './duckdb-store';
import type { RecordDecoder } from './record-decoder';
import { APPEND_ROWS } from './storage-sink';
import { StorageWriter, type WriterEvent } from './storage-writer';

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
