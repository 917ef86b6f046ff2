// Storage end to end on real DuckDB files in temp folders: a seeded day through the
// publisher's storage tap into the writer's worker thread; the ring overflowing and the
// journal filling the gap; the writer's process killed mid-batch and resumed with no
// duplicate and no hole; an unwritable directory; history queries; the Parquet export
// read back with read_parquet; `tickwire export` as a user runs it.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { BUY, SELL } from '../book';
import { resumeFromJournal, storeSeededDay, dayConfig, DATE, SESSION } from './support/storage-day';
import { waitUntil } from './support/feed';

const BIN = path.resolve(__dirname, '../dist/bin/tickwire.js');
const CHILD = path.resolve(__dirname, '../dist/test/support/storage-crash-child.js');
const ORDERS = 30_000;

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tw-storage-'));
}

async function withDb<T>(file: string, fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const c = await db.connect();
  try {
    return await fn(c);
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

async function rows(c: DuckDBConnection, sql: string): Promise<unknown[][]> {
  return (await c.runAndReadAll(sql)).getRows();
}

/** Sequence figures of the stored feed: count, distinct, min, max. */
async function sequences(file: string): Promise<number[]> {
  return withDb(file, async (c) => (await rows(c, 'SELECT count(*), count(DISTINCT sequence), min(sequence), max(sequence) FROM feed_messages'))[0].map(Number));
}

/** A digest of every stored table's rows in a fixed order (to compare two stores). */
async function contentHash(file: string): Promise<string[]> {
  return withDb(file, async (c) => {
    const out: string[] = [];
    for (const [t, order] of [
      ['feed_messages', 'sequence'],
      ['trades', 'sequence'],
      ['candles', 'sequence, resolution, symbol'],
      ['l2_snapshots', 'sequence, symbol'],
    ]) {
      const r = await rows(c, `SELECT count(*), md5(string_agg(t::VARCHAR, '|' ORDER BY ${order})) FROM ${t} t`);
      out.push(`${t}:${String(r[0][0])}:${String(r[0][1])}`);
    }
    return out;
  });
}

describe('storage on DuckDB', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a seeded day is stored exactly once, and an overflowing ring filled from the journal stores the same rows', async () => {
    const bigDb = path.join(dir, 'big.duckdb');
    const big = await storeSeededDay(dayConfig(bigDb), path.join(dir, 'big.journal'), ORDERS);
    expect(big.tap.overflows).toBe(0);
    expect(await big.service.flush(big.publisher.sequence, 60_000)).toBe(true);
    await big.service.close();

    // A 1,024-slot ring cannot hold a day generated before the writer starts: the tap records
    // gaps, the writer re-derives them from the journal.
    const smallDb = path.join(dir, 'small.duckdb');
    const small = await storeSeededDay(dayConfig(smallDb), path.join(dir, 'small.journal'), ORDERS, {}, 1024, true);
    expect(small.tap.overflows).toBeGreaterThan(0);
    expect(small.tap.skippedSequences).toBeGreaterThan(0);
    expect(await small.service.flush(small.publisher.sequence, 60_000)).toBe(true);
    await small.service.close();

    const n = big.publisher.sequence;
    expect(small.publisher.sequence).toBe(n);
    expect(await sequences(bigDb)).toEqual([n, n, 1, n]);
    expect(await sequences(smallDb)).toEqual([n, n, 1, n]);
    expect(await contentHash(smallDb)).toEqual(await contentHash(bigDb));

    let trades = 0;
    let volume = 0;
    let candles1m = 0;
    for (const b of big.publisher.books.allBooks()) {
      trades += b.trades;
      volume += b.volume;
      candles1m += b.candles?.m1.size ?? 0;
    }
    await withDb(bigDb, async (c) => {
      expect((await rows(c, 'SELECT count(*), sum(shares) FROM trades'))[0].map(Number)).toEqual([trades, volume]);
      expect(Number((await rows(c, "SELECT count(*) FROM candles WHERE resolution = '1m'"))[0][0])).toBe(candles1m);
      // Every E row's price is the print's; sides are known for every order message.
      expect(Number((await rows(c, "SELECT count(*) FROM feed_messages f JOIN trades t USING (sequence) WHERE f.price <> t.price"))[0][0])).toBe(0);
      expect(Number((await rows(c, "SELECT count(*) FROM feed_messages WHERE type IN ('A', 'E', 'X', 'D', 'U') AND side NOT IN ('B', 'S')"))[0][0])).toBe(0);
      expect((await rows(c, 'SELECT session, last_sequence FROM tw_streams'))).toEqual([[SESSION, BigInt(n)]]);
      // Per symbol, the 1m candles add up to the trades.
      const mismatch = await rows(
        c,
        `SELECT count(*) FROM (SELECT symbol, sum(volume) v FROM candles WHERE resolution = '1m' GROUP BY 1) k
         FULL JOIN (SELECT symbol, sum(shares) v FROM trades GROUP BY 1) t USING (symbol) WHERE k.v IS DISTINCT FROM t.v`,
      );
      expect(Number(mismatch[0][0])).toBe(0);
    });
  });

  test('history: candles at several resolutions, executions, and the L2 book at a past time', async () => {
    const db = path.join(dir, 'hist.duckdb');
    const day = await storeSeededDay(dayConfig(db, 4), path.join(dir, 'hist.journal'), 20_000);
    expect(await day.service.flush(day.publisher.sequence, 60_000)).toBe(true);
    const s = day.service;
    const book = day.publisher.books.allBooks()[0];
    const symbol = book.symbol;
    const from = Date.UTC(2025, 2, 14);
    const to = Date.UTC(2025, 2, 15);

    const m1 = await s.candles({ symbol, resolution: 60, startMs: from, endMs: to });
    const ring = (book.candles?.m1.toArray() ?? []).map((k) => ({ startMs: k.startMs, open: k.open, high: k.high, low: k.low, close: k.close, volume: k.volume, trades: k.trades }));
    expect(m1.map(({ vwap: _v, ...k }) => k)).toEqual(ring);
    const h1 = await s.candles({ symbol, resolution: 3600, startMs: from, endMs: to });
    expect(h1.reduce((n, k) => n + k.volume, 0)).toBe(book.volume);
    const d1 = await s.candles({ symbol, resolution: 86_400, startMs: from, endMs: to });
    expect(d1).toHaveLength(1);
    const day1 = book.candles?.d1.get(0);
    expect(d1[0]).toMatchObject({ startMs: day1?.startMs, open: day1?.open, high: day1?.high, low: day1?.low, close: day1?.close, volume: day1?.volume, trades: day1?.trades });
    expect(await s.candles({ symbol, resolution: '1M', startMs: from - 30 * 86_400_000, endMs: to })).toHaveLength(1);

    const ex = await s.executions({ symbol, startMs: from, endMs: to, limit: 100_000 });
    expect(ex).toHaveLength(book.trades);
    expect(ex.reduce((n, e) => n + e.shares, 0)).toBe(book.volume);
    const one = await s.executions({ symbol, orderRef: ex[0].orderRef, startMs: from, endMs: to });
    expect(one.length).toBeGreaterThan(0);
    expect(one.every((e) => e.orderRef === ex[0].orderRef)).toBe(true);

    // The nearest snapshot at or before the last execution's time: levels sorted best first, not crossed.
    const at = ex[ex.length - 1].timeMs;
    const l2 = await s.l2At({ symbol, timeMs: at, depth: 5 });
    expect(l2).not.toBeNull();
    const snap = l2 as NonNullable<typeof l2>;
    expect(snap.timeMs).toBeLessThanOrEqual(at);
    expect(snap.bids.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < snap.bids.length; i++) expect(snap.bids[i].price).toBeLessThan(snap.bids[i - 1].price);
    for (let i = 1; i < snap.asks.length; i++) expect(snap.asks[i].price).toBeGreaterThan(snap.asks[i - 1].price);
    if (snap.bids.length > 0 && snap.asks.length > 0) expect(snap.bids[0].price).toBeLessThan(snap.asks[0].price);
    expect(await s.l2At({ symbol, timeMs: from })).toBeNull();

    // Bad parameters: a clear code, never a crash.
    await expect(s.candles({ symbol, resolution: 7, startMs: from, endMs: to })).rejects.toThrow(/TW_ERR_STORAGE_BAD_QUERY.*resolution/);
    await expect(s.executions({ symbol: 'TOO-LONG-SYMBOL', startMs: from, endMs: to })).rejects.toThrow(/TW_ERR_STORAGE_BAD_QUERY.*symbol/);
    await expect(s.l2At({ symbol, timeMs: -1 })).rejects.toThrow(/TW_ERR_STORAGE_BAD_QUERY/);
    await s.close();
    // The final book agrees with the publisher's (sanity of the books the tap read).
    expect(book.bidDepth + book.askDepth).toBeGreaterThan(0);
    expect([BUY, SELL]).toHaveLength(2);
  });

  test('the writer killed mid-batch resumes from the stored sequence with no duplicate and no hole', async () => {
    const journal = path.join(dir, 'crash.journal');
    const db = path.join(dir, 'crash.duckdb');
    const child = spawn(process.execPath, [CHILD, 'run', journal, db, String(ORDERS), '400'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The third batch held before COMMIT: two are committed, one is appended but not.
    await waitUntil('a third batch appended', () => (out.match(/appended/g) ?? []).length >= 3 || child.exitCode !== null, 60_000);
    expect(err).toBe('');
    child.kill('SIGKILL');
    await exited;
    const published = Number(/published (\d+)/.exec(out)?.[1]);
    expect(published).toBeGreaterThan(0);
    const [count, distinct, , max] = await sequences(db);
    expect(count).toBe(distinct);
    expect(max).toBe(count); // a prefix 1..k, nothing of the uncommitted batch
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThan(published);

    const again = spawnSync(process.execPath, [CHILD, 'resume', journal, db], { encoding: 'utf8', timeout: 120_000 });
    expect(again.stderr).toBe('');
    expect(again.stdout).toContain(`resumed-from ${count}`);
    expect(again.stdout).toContain(`stored ${published}`);
    expect(await sequences(db)).toEqual([published, published, 1, published]);
    // The resumed half has sides (the writer restored the resting orders from the store).
    await withDb(db, async (c) => {
      expect(Number((await rows(c, "SELECT count(*) FROM feed_messages WHERE type IN ('E', 'X', 'D', 'U') AND side = ''"))[0][0])).toBe(0);
    });
  });

  test('an unwritable directory: a clear error, the publisher goes on, the writer retries and catches up', async () => {
    const blocker = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocker, 'a file where the database directory should be');
    const db = path.join(blocker, 'store.duckdb');
    const events: string[] = [];
    const config = dayConfig(db);
    const day = await storeSeededDay(config, path.join(dir, 'blocked.journal'), 10_000, {
      openTimeoutMs: 300,
      onEvent: (e) => {
        if (e.type === 'error') events.push(`${e.code} ${e.message}`);
      },
    });
    expect(day.service.opened).toBe(false);
    expect(day.publisher.sequence).toBeGreaterThan(10_000); // published regardless
    await waitUntil('an open error', () => events.length > 0, 10_000);
    expect(events[0]).toMatch(/^TW_ERR_STORAGE_OPEN .*not-a-dir.*storage\.path/);
    fs.rmSync(blocker);
    fs.mkdirSync(blocker);
    expect(await day.service.flush(day.publisher.sequence, 60_000)).toBe(true);
    await day.service.close();
    const n = day.publisher.sequence;
    expect(await sequences(db)).toEqual([n, n, 1, n]);
  });

  test('export: Parquet read back with read_parquet has the store\'s counts and sums; a re-export replaces the day', async () => {
    const db = path.join(dir, 'big.duckdb'); // from the first test
    const out = path.join(dir, 'export');
    const r = spawnSync(process.execPath, [BIN, 'export', '--date', DATE, '--out', out, '--set', `storage.path=${db}`], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, `date=${DATE}`, 'manifest.json'), 'utf8')) as {
      tables: Record<string, { rows: number; files: Array<{ path: string; rows: number; sha256: string }> }>;
    };
    await withDb(db, async (c) => {
      const glob = (t: string): string => `read_parquet('${out}/date=*/${t}/*/*.parquet', hive_partitioning = true)`;
      for (const [t, sums] of [
        ['trades', 'count(*), sum(shares), sum(price), sum(sequence)'],
        ['candles', 'count(*), sum(volume), sum(high), sum(trades)'],
        ['feed_messages', 'count(*), sum(shares), sum(price), sum(sequence)'],
      ]) {
        const stored = (await rows(c, `SELECT ${sums} FROM ${t}`))[0].map(Number);
        const exported = (await rows(c, `SELECT ${sums} FROM ${glob(t)}`))[0].map(Number);
        expect(exported).toEqual(stored);
        expect(manifest.tables[t].rows).toBe(stored[0]);
      }
      const perSymbol = await rows(c, `SELECT symbol, count(*) FROM ${glob('trades')} GROUP BY 1 ORDER BY 1`);
      const storedPerSymbol = await rows(c, 'SELECT symbol, count(*) FROM trades GROUP BY 1 ORDER BY 1');
      expect(perSymbol).toEqual(storedPerSymbol);
      const dates = await rows(c, `SELECT DISTINCT date::VARCHAR FROM ${glob('trades')}`);
      expect(dates).toEqual([[DATE]]);
    });
    const f = manifest.tables.trades.files[0];
    const sha = (await import('node:crypto')).createHash('sha256').update(fs.readFileSync(path.join(out, `date=${DATE}`, f.path))).digest('hex');
    expect(sha).toBe(f.sha256);

    // Re-export: the day is replaced whole (no staging left behind, a fresh manifest).
    const stray = path.join(out, `date=${DATE}`, 'trades', 'symbol=STRAY');
    fs.mkdirSync(stray);
    const again = spawnSync(process.execPath, [BIN, 'export', '--date', DATE, '--out', out, '--set', `storage.path=${db}`], { encoding: 'utf8', timeout: 120_000 });
    expect(again.status).toBe(0);
    expect(fs.existsSync(stray)).toBe(false);
    expect(fs.readdirSync(out)).toEqual([`date=${DATE}`]);

    const bad = spawnSync(process.execPath, [BIN, 'export', '--date', '2025-13-45', '--out', out, '--set', `storage.path=${db}`], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/TW_ERR_STORAGE_BAD_QUERY.*YYYY-MM-DD/);
  });

  test('a restart resumes the tap after what is stored (no duplicate) from the journal', async () => {
    const db = path.join(dir, 'restart.duckdb');
    const journal = path.join(dir, 'restart.journal');
    const first = await storeSeededDay(dayConfig(db), journal, 5_000);
    expect(await first.service.flush(first.publisher.sequence, 60_000)).toBe(true);
    await first.service.close();
    const second = await resumeFromJournal(dayConfig(db), journal);
    expect(second.service.resumeFrom).toBe(first.publisher.sequence);
    expect(second.tap.records).toBe(0); // everything was at or below the stored sequence
    expect(await second.service.flush(second.publisher.sequence, 60_000)).toBe(true);
    await second.service.close();
    const n = first.publisher.sequence;
    expect(await sequences(db)).toEqual([n, n, 1, n]);
  });
});
