// The storage service on its worker thread: flush says true only once the sequence is
// stored, never because the worker went away.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { configSchema } from '../config';
import { StorageRecordRing } from '../protocol';
import { StorageService } from './storage-service';

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-storage-service-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('flush is false when the worker stops before the sequence is stored', async () => {
  const config = configSchema.parse({ storage: { path: path.join(dir, 'store.duckdb') } });
  const session = { session: 'TW20250314', sessionDate: '2025-03-14', midnightMs: Date.UTC(2025, 2, 14, 4) };
  const service = await StorageService.start({ storage: config.storage, session, ring: StorageRecordRing.create(1024) });
  expect(service.storedThrough).toBe(0);
  // Nothing will ever bring sequence 1000 (no tap, no journal); the worker dies meanwhile.
  const flushed = service.flush(1000, 10_000);
  setTimeout(() => void (service as unknown as { worker: Worker }).worker.terminate(), 200);
  expect(await flushed).toBe(false);
  expect(await service.flush(1000, 1000)).toBe(false);
  await service.close();
});
