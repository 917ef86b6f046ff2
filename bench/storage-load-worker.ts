// bench:storage's writer load (part 2, the writer's interference): a worker thread that stores
// the same ring of storage records into DuckDB again and again, batch after batch, as the
// storage writer does (decode, hand over every APPEND_ROWS messages, commit), while the main
// thread says run, and rests between batches while it says pause. The main thread times
// the publisher in chunks with the load paused and running, and compares neighbours.
import * as path from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { StorageRecordReader, StorageRecordRing, StorageRecordKind } from '../protocol';
import { APPEND_ROWS, DuckDbSink, RecordDecoder, type StorageSession } from '../storage';

export interface LoadWorkerData {
  ring: SharedArrayBuffer;
  /** Int32 words: [RUN] the main thread's wish, [STATE] 1 while a batch may be running, [STOP]. */
  control: SharedArrayBuffer;
  dir: string;
  session: StorageSession;
}

export const RUN = 0;
export const STATE = 1;
export const STOP = 2;
/** Ring slots per batch, the writer's default batchRecords. */
const BATCH_SLOTS = 1 << 18;

async function main(): Promise<void> {
  const data = workerData as LoadWorkerData;
  const control = new Int32Array(data.control);
  const reader = new StorageRecordReader(new StorageRecordRing(data.ring));
  const view = reader.view;
  const total = reader.available();
  const sink = new DuckDbSink(path.join(data.dir, 'load.duckdb'), { threads: 1 });
  await sink.open();
  const decoder = new RecordDecoder(data.session);
  let i = 0;
  let batches = 0;
  parentPort?.postMessage('ready');
  for (;;) {
    Atomics.store(control, STATE, 0);
    while (Atomics.load(control, RUN) === 0 && Atomics.load(control, STOP) === 0) Atomics.wait(control, RUN, 0, 50);
    if (Atomics.load(control, STOP) !== 0) break;
    Atomics.store(control, STATE, 1);
    await sink.begin(data.session);
    decoder.clear();
    const end = Math.min(total, i + BATCH_SLOTS);
    while (i < end) {
      const base = reader.baseOf(i);
      if (view.u8[base] !== StorageRecordKind.Pad) decoder.decode(view, base);
      i += view.u8[base + 1];
      if (decoder.messages.rows >= APPEND_ROWS) {
        sink.append(decoder);
        decoder.clear();
      }
    }
    sink.append(decoder);
    // A sequence that only grows: each lap stores the same rows again.
    await sink.commit(++batches);
    if (i >= total) i = 0;
  }
  await sink.close();
  parentPort?.postMessage(batches);
}

// bench/storage.ts imports the control words above; only the worker runs the load.
if (!isMainThread) void main();
