// The main thread's handle on storage: starts the writer's worker thread on a ring the
// storage tap fills, forwards history queries, exports and flushes to it, and closes it.
// Every database call runs in the worker; nothing here blocks the caller's thread.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { StorageConfig } from '../config';
import type { StorageRecordRing } from '../protocol';
import { StorageError, StorageErrorCode, type StorageErrorCode as Code } from './errors';
import type { CandlesQuery, ExecutionRow, ExecutionsQuery, HistoryCandle, HistoryQueries, L2Query, L2SnapshotRow } from './history';
import type { ExportManifest, ExportProgress } from './parquet-export';
import type { StorageSession } from './record-decoder';
import type { StorageWorkerData, WorkerRequest } from './storage-worker';
import type { WriterEvent } from './storage-writer';

export interface StorageServiceOptions {
  storage: StorageConfig;
  session: StorageSession;
  /** The ring the storage tap writes (publisher/storage-tap.ts). */
  ring: StorageRecordRing;
  /**
   * The publisher's message store (its SharedArrayBuffer of 40-byte slots and its capacity)
   * when the tap writes StoredMessages records (sharedStore): the writer copies them out.
   */
  store?: { sab: SharedArrayBuffer; capacity: number } | null;
  /** A module exporting createCatchUpSource(options) (bin/storage-catch-up.js) and its options; null: gaps cannot be filled. */
  catchUp?: { module: string; options: unknown } | null;
  /** Told about the writer: opened, stored, caught up, errors (with their TW_ERR_STORAGE_ code). */
  onEvent?: (event: WriterEvent | { type: 'appended' }) => void;
  /** How long start() waits for the store to open, to learn where it resumes (default 10 s). */
  openTimeoutMs?: number;
  /** Test seam: the worker holds each batch this long before COMMIT. */
  commitDelayMs?: number;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; progress?: ExportProgress };

/** The compiled worker beside this file, or (running from TypeScript sources under Jest) in dist/. */
function workerFile(): string {
  const here = path.join(__dirname, 'storage-worker.js');
  if (fs.existsSync(here)) return here;
  return path.resolve(__dirname, '../dist/storage/storage-worker.js');
}

export class StorageService implements HistoryQueries {
  readonly session: StorageSession;
  /** The last sequence the store held when it opened (0: none, or it has not opened yet). */
  resumeFrom = 0;
  /** The last sequence committed. */
  storedThrough = 0;
  opened = false;
  rowsStored = 0;
  errors = 0;
  lastError = '';
  lastErrorCode = '';
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly onEvent: (event: WriterEvent | { type: 'appended' }) => void;
  private nextId = 1;
  private closed: Promise<void> | null = null;
  private exited = false;
  private readonly openWaiters: Array<() => void> = [];
  private readonly storedWaiters: Array<() => void> = [];

  private constructor(options: StorageServiceOptions) {
    this.session = options.session;
    this.onEvent = options.onEvent ?? (() => {});
    const data: StorageWorkerData = {
      ring: options.ring.sab,
      store: options.store ?? null,
      storage: options.storage,
      session: options.session,
      catchUp: options.catchUp ?? null,
      commitDelayMs: options.commitDelayMs ?? 0,
    };
    this.worker = new Worker(workerFile(), { workerData: data });
    this.worker.on('message', (m: WorkerMessage) => this.message(m));
    this.worker.on('error', (err) => this.failed(StorageErrorCode.Write, `the storage worker failed: ${err.message}`));
    this.worker.on('exit', () => {
      this.exited = true;
      for (const p of this.pending.values()) p.reject(new StorageError(StorageErrorCode.Unavailable, 'the storage worker has stopped'));
      this.pending.clear();
      this.wakeAll();
    });
  }

  /**
   * Starts the worker and waits (up to openTimeoutMs) for the store to open, so the tap
   * can skip what it already holds (`resumeFrom`). A store that does not open in time
   * keeps being retried in the worker; the tap then writes from the start and the writer
   * drops what is stored.
   */
  static async start(options: StorageServiceOptions): Promise<StorageService> {
    const service = new StorageService(options);
    await service.waitFor(() => service.opened || service.exited, options.openTimeoutMs ?? 10_000, service.openWaiters);
    return service;
  }

  /** Waits until everything through `sequence` is stored (caught up from the journal if needed); false on timeout or if the worker stopped first. */
  async flush(sequence: number, timeoutMs: number): Promise<boolean> {
    if (this.storedThrough >= sequence) return true;
    if (this.exited) return false;
    await this.request({ id: 0, op: 'flush', through: sequence });
    await this.waitFor(() => this.storedThrough >= sequence || this.exited, timeoutMs, this.storedWaiters);
    return this.storedThrough >= sequence; // a worker that stopped short has not stored it
  }

  candles(query: CandlesQuery): Promise<HistoryCandle[]> {
    return this.request({ id: 0, op: 'candles', query }) as Promise<HistoryCandle[]>;
  }

  executions(query: ExecutionsQuery): Promise<ExecutionRow[]> {
    return this.request({ id: 0, op: 'executions', query }) as Promise<ExecutionRow[]>;
  }

  l2At(query: L2Query): Promise<L2SnapshotRow | null> {
    return this.request({ id: 0, op: 'l2At', query }) as Promise<L2SnapshotRow | null>;
  }

  /** Exports one day (YYYY-MM-DD) as Parquet into `outDir` (see parquet-export.ts). */
  exportDay(date: string, outDir: string, progress?: ExportProgress): Promise<ExportManifest> {
    return this.request({ id: 0, op: 'export', date, outDir }, progress) as Promise<ExportManifest>;
  }

  /** Stops the writer after its current batch, closes the database and ends the worker. Idempotent. */
  close(): Promise<void> {
    if (this.closed === null) {
      this.closed = (async () => {
        if (!this.exited) {
          try {
            await this.request({ id: 0, op: 'close' });
          } catch {
            // the worker already stopped
          }
        }
        await this.worker.terminate();
      })();
    }
    return this.closed;
  }

  private request(req: WorkerRequest, progress?: ExportProgress): Promise<unknown> {
    if (this.exited || (this.closed !== null && req.op !== 'close')) {
      return Promise.reject(new StorageError(StorageErrorCode.Unavailable, 'storage is closed'));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, progress });
      this.worker.postMessage({ ...req, id });
    });
  }

  private message(m: WorkerMessage): void {
    if ('event' in m) {
      const e = m.event;
      if (e.type === 'opened') {
        this.opened = true;
        this.resumeFrom = e.lastSequence;
        this.storedThrough = Math.max(this.storedThrough, e.lastSequence);
        this.wake(this.openWaiters);
      } else if (e.type === 'stored') {
        this.storedThrough = e.through;
        this.rowsStored += e.rows;
        this.wake(this.storedWaiters);
      } else if (e.type === 'error') {
        this.errors++;
        this.lastError = e.message;
        this.lastErrorCode = e.code;
      }
      this.onEvent(e);
      return;
    }
    if ('progress' in m) {
      this.pending.get(m.progress.id)?.progress?.(m.progress.fraction, m.progress.step);
      return;
    }
    const p = this.pending.get(m.id);
    if (p === undefined) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new StorageError(m.code as Code, m.message.replace(/^TW_ERR_STORAGE_[A-Z_]+: /, '')));
  }

  private failed(code: Code, message: string): void {
    this.errors++;
    this.lastError = message;
    this.lastErrorCode = code;
    this.onEvent({ type: 'error', code, message });
  }

  private wake(list: Array<() => void>): void {
    for (const w of list.splice(0)) w();
  }

  private wakeAll(): void {
    this.wake(this.openWaiters);
    this.wake(this.storedWaiters);
  }

  private async waitFor(done: () => boolean, timeoutMs: number, list: Array<() => void>): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 100));
        list.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return true;
  }
}

type WorkerMessage =
  | { event: WriterEvent | { type: 'appended' } }
  | { progress: { id: number; fraction: number; step: string } }
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; code: string; message: string };
