// Storage benchmark (issue 7), four parts, one JSON line last:
// The day: a seeded sim day of TW_BENCH_EVENTS engine events, 100 symbols, its feed time at
// the design basis's average of 43,000 orders/s (sim.ordersPerSec 0, as bench:engine) with
// the intraday U shape; TW_BENCH_ORDERS_PER_SEC=3000 gives the live demo's sparser day, in
// which each event carries ~14 times the per-second work (L2 snapshots, candles).
//   1. ingest: the day (TW_BENCH_EVENTS engine events, 100 symbols) through a
//      publisher with a storage tap; each time the ring is half full its records are
//      decoded and written to a DuckDB file in one transaction (appender, data chunks).
//      Timed: decode + write only. Floor 500,000 rows/s.
//   2. the publisher pipeline as `tickwire run` wires it (engine events to packets, as
//      bench:publisher part (a), with the websocket gateway's subscription registry listening,
//      as it always is) with storage off, then on (tap + the real writer worker thread storing
//      into DuckDB at the same time, a ring large enough that the tap never overflows),
//      TW_BENCH_RUNS runs each, alternating; the ratio of the medians. Floor 0.9. Each run
//      first publishes WARM_FRACTION of the day untimed and waits for the writer to store it
//      (a writer runs all day: its JIT and DuckDB's buffers are warm), then times the rest.
//      Also: the tap alone (a ring nobody drains), the same without the gateway ("bare"), and
//      the two costs measured drift-free: the tap's, by two publishers, with and without a
//      tap, taking turns on the same chunks of events; the writer thread's, by one publisher
//      timed in chunks while a DuckDB writer load (storage-load-worker.ts) on the other core
//      is paused or running, neighbouring chunks compared.
//   3. export: 10,000,000 trades of one day (100 symbols, generated in SQL) to Parquet with
//      the manifest. Floor 20 s.
//   4. candles history: 1m candles of 100 symbols for 20 trading days, 300 random queries
//      (symbol, resolution 1m/5m/1h/1d, a 1-5 day range); p50 and p99.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { DuckDBInstance } from '@duckdb/node-api';
import { configSchema } from '../config';
import { ENGINE_EVENT_SIZE, EngineEventView, nyMidnightUtcMs, StorageRecordReader, StorageRecordRing, StorageRecordKind, type EngineEventHandler } from '../protocol';
import { FeedPublisher, feedPublisherOptions, StorageTap, type PacketSink } from '../publisher';
import { FanOut, SubscriptionRegistry, tierPolicies } from '../gateway';
import { SeededDay } from '../sim';
import { RUN, STATE, STOP } from './storage-load-worker';
import { APPEND_ROWS, DuckDbHistory, DuckDbSink, RecordDecoder, StorageService, ensureSchema, exportDay } from '../storage';

// A module-local binding: a name imported through protocol/index compiles to a getter call,
// which per event would be timed as if it were the publisher's work.
const EVENT_SIZE = ENGINE_EVENT_SIZE;
const KIND_PAD = StorageRecordKind.Pad;
const HAND_OVER_ROWS = APPEND_ROWS;
const EVENTS = Number(process.env.TW_BENCH_EVENTS ?? 2_000_000);
const RUNS = Number(process.env.TW_BENCH_RUNS ?? 5);
const SEED = Number(process.env.TW_SEED ?? 1);
const EXPORT_TRADES = Number(process.env.TW_BENCH_EXPORT_TRADES ?? 10_000_000);
/** Feed time's pace: 0 is the generator's design-basis average, 43,000 orders/s. */
const ORDERS_PER_SEC = Number(process.env.TW_BENCH_ORDERS_PER_SEC ?? 0);
/** The part of the day each pipeline run publishes untimed first. */
const WARM_FRACTION = 0.1;
/** Events per turn when the two publishers take turns (the interleaved tap figure). */
const TURN_EVENTS = 8192;
/**
 * TW_BENCH_BACKGROUND=1 adds two modes to the separate runs, both storage off: another thread
 * spinning on arithmetic, or streaming through 64 MB, on the other core the whole run. They
 * show what a second busy core alone does to the publisher's separate runs on this machine.
 */
const BACKGROUND = process.env.TW_BENCH_BACKGROUND === '1';
/** Events per chunk when the writer load is paused and running by turns. */
const LOAD_CHUNK_EVENTS = 32768;
/**
 * TW_BENCH_STORAGE_ONLY=drift-free runs only the two drift-free parts (the measure of record)
 * and prints their line: a quick loop while working on the tap or the writer.
 */
const ONLY_DRIFT_FREE = process.env.TW_BENCH_STORAGE_ONLY === 'drift-free' || process.env.TW_BENCH_STORAGE_ONLY === 'tap';
/** TW_BENCH_STORAGE_ONLY=tap: the interleaved tap part alone. */
const ONLY_TAP = process.env.TW_BENCH_STORAGE_ONLY === 'tap';
/** Passes of the interleaved tap part (TW_BENCH_TAP_PASSES, default 3; the median is taken). */
const TAP_PASSES = Number(process.env.TW_BENCH_TAP_PASSES ?? 3);
const DATE = '2024-03-08';
const SESSION = { session: 'TW20240308', sessionDate: DATE, midnightMs: nyMidnightUtcMs(2024, 3, 8) };
const NO_PACKETS: PacketSink = { sendPacket: () => {} };

class EventRecorder implements EngineEventHandler {
  words = new Float64Array(1 << 20);
  count = 0;
  onEngineEvent(view: EngineEventView, base: number): void {
    if ((this.count + 1) * 8 > this.words.length) {
      const grown = new Float64Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
    const from = base >> 3;
    const to = this.count * 8;
    for (let k = 0; k < 8; k++) this.words[to + k] = view.f64[from + k];
    this.count++;
  }
}

function recordDay(target: number): { view: EngineEventView; count: number } {
  const config = configSchema.parse({ sim: { seed: SEED, symbols: 100, ordersPerSec: ORDERS_PER_SEC } });
  const recorder = new EventRecorder();
  const day = new SeededDay(config, recorder);
  day.open();
  while (recorder.count < target) day.batch(config.sim.batchSize);
  day.close();
  return { view: new EngineEventView(recorder.words.buffer, 0, recorder.count * ENGINE_EVENT_SIZE), count: recorder.count };
}

/** A full collection between timed runs: each run's 100+ MB of rings and stores must not be freed during the next. */
const collect: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** A seeded Fisher-Yates shuffle (a copy). */
function seededShuffle(seed: number): <T>(xs: T[]) => T[] {
  let x = seed || 1;
  return <T>(xs: T[]): T[] => {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
      const j = (x >>> 0) % (i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };
}

function ratio(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function ingest(view: EngineEventView, count: number, dir: string): Promise<{ rowsPerSec: number; rows: number; seconds: number }> {
  const config = configSchema.parse({ sim: { symbols: 100 } });
  const publisher = new FeedPublisher(feedPublisherOptions(config, DATE, NO_PACKETS));
  const ring = StorageRecordRing.create(1 << 20);
  const reader = new StorageRecordReader(ring);
  const tap = new StorageTap(publisher, ring);
  publisher.subscribe(tap);
  const sink = new DuckDbSink(path.join(dir, 'ingest.duckdb'));
  await sink.open();
  const decoder = new RecordDecoder(SESSION);
  let rows = 0;
  let seconds = 0;
  let last = 0;
  // As the writer does (storage-writer.ts): one transaction per drain, the rows handed to
  // the sink every APPEND_ROWS messages while the decoder's columns are in cache.
  const drain = async (): Promise<void> => {
    const started = performance.now();
    tap.flush();
    decoder.clear();
    await sink.begin(SESSION);
    const n = reader.available();
    for (let i = 0; i < n; ) {
      const base = reader.baseOf(i);
      const kind = reader.view.u8[base];
      if (kind !== KIND_PAD) {
        decoder.decode(reader.view, base);
        last = reader.view.f64[(base >> 3) + 1];
        if (decoder.messages.rows >= HAND_OVER_ROWS) {
          rows += decoder.rows;
          sink.append(decoder);
          decoder.clear();
        }
      }
      i += reader.view.u8[base + 1];
    }
    rows += decoder.rows;
    sink.append(decoder);
    await sink.commit(last);
    reader.advance(n);
    seconds += (performance.now() - started) / 1000;
  };
  for (let i = 0, base = 0; i < count; i++, base += EVENT_SIZE) {
    publisher.onEngineEvent(view, base);
    if ((i & 4095) === 4095 && reader.available() > ring.capacity / 2) await drain();
  }
  await drain();
  await sink.close();
  return { rowsPerSec: Math.round(rows / seconds), rows, seconds };
}

/** The gateway's subscription registry on the publisher, as `tickwire run` has it (no websocket clients). */
function listenGateway(publisher: FeedPublisher): SubscriptionRegistry {
  const gateway = configSchema.parse({}).gateway;
  const registry = new SubscriptionRegistry({
    source: publisher,
    fan: new FanOut(gateway.softBufferedBytes, gateway.hardBufferedBytes, SEED || 1),
    executionsPerSymbol: gateway.executionsPerSymbol,
    rates: Object.values(tierPolicies(gateway)).map((p) => p.updatesPerSecond),
    realtimeIntervalMs: gateway.realtimeIntervalMs,
    flushTickMs: gateway.flushTickMs,
    broadcast: () => {},
  });
  registry.start();
  return registry;
}

function publishRange(publisher: FeedPublisher, view: EngineEventView, from: number, to: number): void {
  for (let i = from, base = from * EVENT_SIZE; i < to; i++, base += EVENT_SIZE) {
    publisher.onEngineEvent(view, base);
    if ((i & 511) === 511) publisher.flush();
  }
  publisher.flush();
}

type BackgroundLoad = 'alu' | 'stream';

/** A thread busy until told to stop: arithmetic in registers, or a stream through 64 MB. */
const BACKGROUND_THREAD = `
const { workerData, parentPort } = require('node:worker_threads');
const stop = new Int32Array(workerData.stop);
const big = new Float64Array(1 << 23);
let s = 0;
parentPort.postMessage('busy');
while (Atomics.load(stop, 0) === 0) {
  if (workerData.kind === 'alu') for (let i = 0; i < 1e6; i++) s = (Math.imul(s, 1664525) + 1013904223) | 0;
  else for (let k = 0; k < big.length; k += 8) s += big[k]++;
}
parentPort.postMessage(s);
`;

/** Runs `run` with a background thread busy on the other core (none for null). */
async function withBackground<T>(kind: BackgroundLoad | null, run: () => Promise<T>): Promise<T> {
  if (kind === null) return run();
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(BACKGROUND_THREAD, { eval: true, workerData: { stop: stop.buffer, kind } });
  await new Promise((resolve) => worker.once('message', resolve));
  try {
    return await run();
  } finally {
    Atomics.store(stop, 0, 1);
    await new Promise((resolve) => worker.once('message', resolve));
    await worker.terminate();
  }
}

/**
 * One pipeline run. storage: null = off; 'tap' = the tap into a ring nobody drains (its own
 * cost); else a DuckDB file written by the worker meanwhile. gateway: the registry listens.
 */
async function publishOnce(view: EngineEventView, count: number, storage: string | null, gateway: boolean): Promise<{ eventsPerSec: number; overflows: number }> {
  const config = configSchema.parse({ sim: { symbols: 100 }, storage: { path: storage ?? 'unused' } });
  const publisher = new FeedPublisher(feedPublisherOptions(config, DATE, NO_PACKETS));
  const registry = gateway ? listenGateway(publisher) : null;
  let service: StorageService | null = null;
  let tap: StorageTap | null = null;
  if (storage !== null) {
    const ring = StorageRecordRing.create(Math.ceil(count * 1.3) + 4096);
    // Touch every page first: a live ring is reused lap after lap, so the run's first lap of
    // page faults (~40,000 for this size) is not the tap's cost.
    ring.view.u8.fill(0);
    // As bin/live-storage.ts wires it: the writer reads the messages from the publisher's store.
    const store = { sab: publisher.store.bytes.buffer as SharedArrayBuffer, capacity: publisher.store.capacity };
    if (storage !== 'tap') service = await StorageService.start({ storage: config.storage, session: SESSION, ring, store });
    tap = new StorageTap(publisher, ring, { sharedStore: true });
    publisher.subscribe(tap);
  }
  const warm = Math.floor(count * WARM_FRACTION);
  publishRange(publisher, view, 0, warm);
  tap?.flush();
  if (service !== null && !(await service.flush(publisher.sequence, 600_000))) throw new Error('the writer did not store the warm-up');
  const started = performance.now();
  publishRange(publisher, view, warm, count);
  tap?.flush();
  const seconds = (performance.now() - started) / 1000;
  registry?.stop();
  if (service !== null) {
    if (!(await service.flush(publisher.sequence, 600_000))) throw new Error('the writer did not store the day');
    // No catch-up source here: a range the store overwrote before the writer read it is lost, and said.
    if (service.errors > 0) throw new Error(`the writer reported: ${service.lastError}`);
    await service.close();
  }
  return { eventsPerSec: Math.round((count - warm) / seconds), overflows: tap?.overflows ?? 0 };
}

/**
 * The tap's cost on the publisher's thread, free of the VM's drift: two pipelines (both with
 * the gateway listening), one with a tap, take turns publishing the same TURN_EVENTS events,
 * which goes first alternating; the ratio of their summed times.
 */
function tapInterleaved(view: EngineEventView, count: number): number {
  const config = configSchema.parse({ sim: { symbols: 100 } });
  const off = new FeedPublisher(feedPublisherOptions(config, DATE, NO_PACKETS));
  const on = new FeedPublisher(feedPublisherOptions(config, DATE, NO_PACKETS));
  const registries = [listenGateway(off), listenGateway(on)];
  const ring = StorageRecordRing.create(Math.ceil(count * 1.3) + 4096);
  ring.view.u8.fill(0);
  on.subscribe(new StorageTap(on, ring, { sharedStore: true }));
  let offMs = 0;
  let onMs = 0;
  for (let from = 0, turn = 0; from < count; from += TURN_EVENTS, turn++) {
    const to = Math.min(count, from + TURN_EVENTS);
    const first = (turn & 1) === 0 ? off : on;
    const t0 = performance.now();
    publishRange(first, view, from, to);
    const t1 = performance.now();
    publishRange(first === off ? on : off, view, from, to);
    const t2 = performance.now();
    if (first === off) {
      offMs += t1 - t0;
      onMs += t2 - t1;
    } else {
      onMs += t1 - t0;
      offMs += t2 - t1;
    }
  }
  for (const r of registries) r.stop();
  return offMs / onMs;
}

/**
 * The writer thread's cost to the publisher, free of drift: a DuckDB writer load on the other
 * core (storage-load-worker.ts, storing the day's records in batches) is paused and running by
 * turns while one publisher (the gateway listening) publishes the day in chunks. A running
 * chunk starts at a seeded random point of a batch (a commit is half its time); the figure is
 * the median over neighbouring pairs of the paused chunk's time over the running one's.
 */
async function writerInterference(view: EngineEventView, count: number, dir: string): Promise<{ ratio: number; pairs: number }> {
  const config = configSchema.parse({ sim: { symbols: 100 } });
  const ring = StorageRecordRing.create(Math.ceil(count * 1.3) + 4096);
  const source = new FeedPublisher(feedPublisherOptions(config, DATE, NO_PACKETS));
  const tap = new StorageTap(source, ring);
  source.subscribe(tap);
  publishRange(source, view, 0, count);
  tap.flush();
  const control = new Int32Array(new SharedArrayBuffer(16));
  const worker = new Worker(path.join(__dirname, 'storage-load-worker.js'), { workerData: { ring: ring.sab, control: control.buffer, dir, session: SESSION } });
  await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  let x = SEED || 1;
  const rand = (): number => {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    return (x >>> 0) / 4294967296;
  };
  // Spins, never sleeps: an idle core would be timed waking up.
  const spin = (ms: number): void => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };
  const load = (run: number): void => {
    Atomics.store(control, RUN, run);
    Atomics.notify(control, RUN);
    while (Atomics.load(control, STATE) !== run);
    if (run === 1) spin(3 + rand() * 400);
  };
  const ratios: number[] = [];
  for (let pass = 0; pass < 2; pass++) {
    const publisher = new FeedPublisher(feedPublisherOptions(config, DATE, NO_PACKETS));
    const registry = listenGateway(publisher);
    let pausedMs = 0;
    for (let from = 0, chunk = 0; from < count; from += LOAD_CHUNK_EVENTS, chunk++) {
      const running = chunk & 1;
      load(running);
      const started = performance.now();
      publishRange(publisher, view, from, Math.min(count, from + LOAD_CHUNK_EVENTS));
      const ms = performance.now() - started;
      if (running === 0) pausedMs = ms;
      else ratios.push(pausedMs / ms);
    }
    registry.stop();
  }
  load(0);
  Atomics.store(control, STOP, 1);
  Atomics.notify(control, RUN);
  await new Promise((resolve) => worker.once('message', resolve));
  await worker.terminate();
  return { ratio: median(ratios), pairs: ratios.length };
}

async function exportBench(dir: string): Promise<{ seconds: number; bytes: number; files: number; trades: number }> {
  const file = path.join(dir, 'export.duckdb');
  const db = await DuckDBInstance.create(file);
  const con = await db.connect();
  await ensureSchema(con, file);
  // Straight into the stored table (the view `trades` joins the session's name back).
  await con.run(`INSERT INTO tw_sessions VALUES (1, '${SESSION.session}', DATE '${DATE}')`);
  await con.run(`
    INSERT INTO trades_rows SELECT DATE '${DATE}', 1, i + 1, TIMESTAMP '${DATE} 14:30:00' + to_microseconds(i * 2),
      34200000000000 + i * 2000, 'SYM' || (i % 100), (i % 100) + 1, i * 7, CASE WHEN i % 2 = 0 THEN 'B' ELSE 'S' END,
      100 + i % 900, 1000000 + (i % 5000) * 100, i + 1
    FROM range(${EXPORT_TRADES}) t(i)`);
  const started = performance.now();
  const manifest = await exportDay(con, DATE, path.join(dir, 'export'));
  const seconds = (performance.now() - started) / 1000;
  const files = manifest.tables.trades.files;
  con.closeSync();
  db.closeSync();
  return { seconds, bytes: files.reduce((n, f) => n + f.bytes, 0), files: files.length, trades: manifest.tables.trades.rows };
}

async function candlesBench(dir: string): Promise<{ p50Ms: number; p99Ms: number; queries: number; candles: number }> {
  const file = path.join(dir, 'candles.duckdb');
  const db = await DuckDBInstance.create(file);
  const con = await db.connect();
  await ensureSchema(con, file);
  // 20 weekdays from 2024-03-04, 390 minutes each from 09:30 New York (14:30 UTC before DST, 13:30 after).
  await con.run(`INSERT INTO tw_sessions VALUES (1, 'TW', DATE '2024-03-04')`);
  await con.run(`
    INSERT INTO candles_rows
    SELECT d::DATE, 1, 0, 'SYM' || s, s + 1, '1m',
      d + INTERVAL (CASE WHEN d < DATE '2024-03-10' THEN 14 ELSE 13 END) HOUR + INTERVAL 30 MINUTE + to_minutes(m),
      1000000 + m, 1000100 + m, 999900 + m, 1000050 + m, 1000 + m, 10, 1000025.0
    FROM range(100) a(s), (SELECT unnest(generate_series(DATE '2024-03-04', DATE '2024-03-29', INTERVAL 1 DAY)) AS d) days, range(390) b(m)
    WHERE dayofweek(d) BETWEEN 1 AND 5`);
  const candles = Number((await con.runAndReadAll('SELECT count(*) FROM candles')).getRows()[0][0]);
  const history = new DuckDbHistory(con);
  let x = SEED || 1;
  const rand = (n: number): number => {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    return (x >>> 0) % n;
  };
  const resolutions = [60, 300, 3600, 86_400];
  const times: number[] = [];
  const first = Date.UTC(2024, 2, 4);
  for (let q = 0; q < 320; q++) {
    const start = first + rand(20) * 86_400_000;
    const started = performance.now();
    await history.candles({ symbol: `SYM${rand(100)}`, resolution: resolutions[rand(4)], startMs: start, endMs: start + (1 + rand(5)) * 86_400_000, limit: 10_000 });
    if (q >= 20) times.push(performance.now() - started); // the first 20 warm up
  }
  con.closeSync();
  db.closeSync();
  times.sort((a, b) => a - b);
  const pick = (p: number): number => Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))] * 100) / 100;
  return { p50Ms: pick(0.5), p99Ms: pick(0.99), queries: times.length, candles };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-bench-storage-'));
  try {
    const { view, count } = recordDay(EVENTS);
    if (ONLY_DRIFT_FREE) {
      const interleaved: number[] = [];
      for (let r = 0; r < TAP_PASSES; r++) interleaved.push(tapInterleaved(view, count));
      collect();
      const writerLoad = ONLY_TAP ? { ratio: Number.NaN, pairs: 0 } : await writerInterference(view, count, dir);
      const line = {
        bench: 'storage',
        only: 'drift-free',
        events: count,
        tapOnlyOffRatioInterleaved: ratio(median(interleaved)),
        writerLoadPausedOverRunning: ratio(writerLoad.ratio),
        writerLoadPairs: writerLoad.pairs,
        storageOnOffRatioDriftFree: ratio(median(interleaved) * writerLoad.ratio),
        floors: { storageOnOffRatioDriftFree: 0.9 },
        tapInterleavedPasses: interleaved.map(ratio),
        loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
        seed: SEED,
        cpu: os.cpus()[0]?.model ?? 'unknown',
        node: process.version,
      };
      process.stdout.write(JSON.stringify(line) + '\n');
      return;
    }
    const ing = await ingest(view, count, dir);
    const off: number[] = [];
    const on: number[] = [];
    const tapOnly: number[] = [];
    const bareOff: number[] = [];
    const bareOn: number[] = [];
    let overflows = 0;
    // Each round runs the five modes in a seeded random order: no mode always follows another.
    const offAluLoad: number[] = [];
    const offStreamLoad: number[] = [];
    const modes: Array<{ storage: 'off' | 'tap' | 'on'; gateway: boolean; runs: number[]; background?: BackgroundLoad }> = [
      { storage: 'off', gateway: true, runs: off },
      { storage: 'tap', gateway: true, runs: tapOnly },
      { storage: 'on', gateway: true, runs: on },
      { storage: 'off', gateway: false, runs: bareOff },
      { storage: 'on', gateway: false, runs: bareOn },
    ];
    if (BACKGROUND) {
      modes.push({ storage: 'off', gateway: true, runs: offAluLoad, background: 'alu' });
      modes.push({ storage: 'off', gateway: true, runs: offStreamLoad, background: 'stream' });
    }
    const order = seededShuffle(SEED);
    for (let r = 0; r < RUNS; r++) {
      for (const m of order(modes)) {
        collect();
        const storage = m.storage === 'off' ? null : m.storage === 'tap' ? 'tap' : path.join(dir, `${m.gateway ? 'on' : 'bare'}-${r}.duckdb`);
        const run = await withBackground(m.background ?? null, () => publishOnce(view, count, storage, m.gateway));
        m.runs.push(run.eventsPerSec);
        overflows += run.overflows;
      }
    }
    collect();
    const interleaved: number[] = [];
    for (let r = 0; r < TAP_PASSES; r++) interleaved.push(tapInterleaved(view, count));
    collect();
    const writerLoad = await writerInterference(view, count, dir);
    const exp = await exportBench(dir);
    const cq = await candlesBench(dir);
    const figures = {
      bench: 'storage',
      events: count,
      ingestRowsPerSec: ing.rowsPerSec,
      ingestRows: ing.rows,
      publisherEventsPerSecOff: median(off),
      publisherEventsPerSecOn: median(on),
      storageOnOffRatio: ratio(median(on) / median(off)),
      publisherEventsPerSecTapOnly: median(tapOnly),
      tapOnlyOffRatio: ratio(median(tapOnly) / median(off)),
      // The same ratios from runs next to each other (each round: the five modes), the median
      // of the rounds: on a VM whose speed drifts over seconds, a steadier figure.
      storageOnOffRatioPaired: ratio(median(on.map((v, i) => v / off[i]))),
      tapOnlyOffRatioPaired: ratio(median(tapOnly.map((v, i) => v / off[i]))),
      // The tap's cost with the two pipelines taking turns on the same events (3 passes, median).
      tapOnlyOffRatioInterleaved: ratio(median(interleaved)),
      // The writer thread's cost: paused over running, neighbouring chunks (median of the pairs).
      writerLoadPausedOverRunning: ratio(writerLoad.ratio),
      writerLoadPairs: writerLoad.pairs,
      // On over off from the two drift-free parts: the tap's cost on the publisher's thread
      // times the writer thread's on it (taken as independent; what it leaves out is the
      // writer reading ring lines the tap has just written, a cross-core transfer of each).
      storageOnOffRatioDriftFree: ratio(median(interleaved) * writerLoad.ratio),
      // Issue 17: the drift-free ratio is the measure of record (floor 0.9); the separate-run
      // ratios above and below stay for reference, as does bench:hiccups beside the run.
      measureOfRecord: 'storageOnOffRatioDriftFree',
      floors: { storageOnOffRatioDriftFree: 0.9, ingestRowsPerSec: 500_000, exportSeconds10MTrades: 20 },
      // Without the gateway listening: the publisher alone, then with storage.
      bareEventsPerSecOff: median(bareOff),
      bareEventsPerSecOn: median(bareOn),
      bareStorageOnOffRatio: ratio(median(bareOn) / median(bareOff)),
      bareStorageOnOffRatioPaired: ratio(median(bareOn.map((v, i) => v / bareOff[i]))),
      // Every run, in order: on this shared 2-core VM single runs vary by 10-20%.
      publisherRunsOff: off,
      publisherRunsOn: on,
      publisherRunsTapOnly: tapOnly,
      bareRunsOff: bareOff,
      bareRunsOn: bareOn,
      ...(BACKGROUND ? { offRunsAluLoad: offAluLoad, offRunsStreamLoad: offStreamLoad } : {}),
      tapInterleavedPasses: interleaved.map(ratio),
      loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
      tapOverflows: overflows,
      exportTrades: exp.trades,
      exportSeconds: Math.round(exp.seconds * 100) / 100,
      exportParquetBytes: exp.bytes,
      exportFiles: exp.files,
      candlesQueryP50Ms: cq.p50Ms,
      candlesQueryP99Ms: cq.p99Ms,
      candlesQueries: cq.queries,
      candlesStored: cq.candles,
      runs: RUNS,
      seed: SEED,
      ordersPerSec: ORDERS_PER_SEC || 43_000,
      warmFraction: WARM_FRACTION,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
    };
    process.stdout.write(JSON.stringify(figures) + '\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
