// The storage worker thread: runs the StorageWriter on the ring it is given and answers
// the main thread's history queries, exports and flushes (storage-service.ts) on its own
// connections, so no database work ever runs on the publisher's thread.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { DuckDBConnection } from '@duckdb/node-api';
import { StorageRecordRing } from '../protocol';
import type { StorageConfig } from '../config';
import type { CatchUpModule, CatchUpSource } from './catch-up-source';
import { DuckDbHistory } from './duckdb-history';
import { DuckDbSink } from './duckdb-store';
import { StorageError, StorageErrorCode, messageOf } from './errors';
import type { HistoryQueries } from './history';
import { exportDay } from './parquet-export';
import { QuestDbHistory, QuestDbSink } from './questdb-store';
import type { StorageSession } from './record-decoder';
import { StorageWriter } from './storage-writer';

export interface StorageWorkerData {
  ring: SharedArrayBuffer;
  /** The publisher's message store, when the tap writes StoredMessages records (its slots and capacity). */
  store: { sab: SharedArrayBuffer; capacity: number } | null;
  storage: StorageConfig;
  session: StorageSession;
  /** A module exporting createCatchUpSource(options) (bin/storage-catch-up.js), and its options. */
  catchUp: { module: string; options: unknown } | null;
  /** Test seam: hold each batch this long after appending, before COMMIT, and say so ('appended' event). */
  commitDelayMs: number;
}

export type WorkerRequest =
  | { id: number; op: 'flush'; through: number }
  | { id: number; op: 'candles' | 'executions' | 'l2At'; query: unknown }
  | { id: number; op: 'export'; date: string; outDir: string }
  | { id: number; op: 'close' };

/**
 * The writer thread's nice value. Storage is off the critical path: when the cores are
 * contended the publisher's thread should win them, and the writer catch up after (its ring
 * holds, then the journal). On a 2-core machine the writer at nice 0 took up to ~15% of the
 * publisher's throughput (bench:storage, storage/README.md).
 */
const WRITER_NICE = 10;

/** Lowers this thread's priority (Linux: a thread id is a PRIO_PROCESS target); elsewhere nothing. */
function lowerThreadPriority(): void {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, WRITER_NICE);
  } catch {
    // no /proc/thread-self (not Linux): the writer keeps the process's priority
  }
}
lowerThreadPriority();

const data = workerData as StorageWorkerData;
const port = parentPort;
if (port === null) throw new Error('storage-worker.ts runs as a worker thread');

function post(message: unknown): void {
  port?.postMessage(message);
}

let catchUp: CatchUpSource | null = null;
if (data.catchUp !== null) {
  // A path given by bin/ (storage/ may not import it).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(data.catchUp.module) as CatchUpModule;
  catchUp = mod.createCatchUpSource(data.catchUp.options);
}

const delay = data.commitDelayMs;
const beforeCommit =
  delay > 0
    ? async (): Promise<void> => {
        post({ event: { type: 'appended' } });
        await new Promise((r) => setTimeout(r, delay));
      }
    : null;

const duck = data.storage.engine === 'duckdb' ? new DuckDbSink(data.storage.path, { beforeCommit, threads: data.storage.duckdbThreads }) : null;
const sink = duck ?? new QuestDbSink(data.storage.questdb.url, { beforeCommit });
const writer = new StorageWriter({
  sink,
  ring: new StorageRecordRing(data.ring),
  session: data.session,
  catchUp,
  store: data.store === null ? null : { bytes: new Uint8Array(data.store.sab), capacity: data.store.capacity },
  batchRecords: data.storage.batchRecords,
  commitIntervalMs: data.storage.commitIntervalMs,
  retryMs: data.storage.retryMs,
  onEvent: (event) => {
    // The writer closes and reopens the database after an error: queries reconnect after.
    if (event.type === 'error' || event.type === 'opened') dropQueryConnection();
    post({ event });
  },
});
void writer.start();

let queryConnection: DuckDBConnection | null = null;
let history: HistoryQueries | null = null;

function dropQueryConnection(): void {
  queryConnection?.closeSync();
  queryConnection = null;
  if (duck !== null) history = null;
}

async function connection(): Promise<DuckDBConnection> {
  const db = duck?.database ?? null;
  if (db === null) throw new StorageError(StorageErrorCode.Unavailable, `the store ${data.storage.path} is not open yet (see the storage errors logged)`);
  if (queryConnection === null) queryConnection = await db.connect();
  return queryConnection;
}

async function queries(): Promise<HistoryQueries> {
  if (history === null) history = duck !== null ? new DuckDbHistory(await connection()) : new QuestDbHistory(data.storage.questdb.url);
  return history;
}

async function handle(req: WorkerRequest): Promise<unknown> {
  switch (req.op) {
    case 'flush':
      writer.requestThrough(req.through);
      return null;
    case 'candles':
      return (await queries()).candles(req.query as never);
    case 'executions':
      return (await queries()).executions(req.query as never);
    case 'l2At':
      return (await queries()).l2At(req.query as never);
    case 'export': {
      if (duck === null) throw new StorageError(StorageErrorCode.Export, 'the Parquet export reads the DuckDB store; with storage.engine=questdb use QuestDB\'s own export (COPY ... TO)');
      return exportDay(await connection(), req.date, req.outDir, (fraction, step) => post({ progress: { id: req.id, fraction, step } }));
    }
    case 'close':
      dropQueryConnection();
      await writer.stop();
      return { storedThrough: writer.storedThrough, rowsStored: writer.rowsStored };
  }
}

port.on('message', (req: WorkerRequest) => {
  handle(req).then(
    (result) => post({ id: req.id, ok: true, result }),
    (err: unknown) => post({ id: req.id, ok: false, code: err instanceof StorageError ? err.code : StorageErrorCode.Write, message: messageOf(err) }),
  );
});
