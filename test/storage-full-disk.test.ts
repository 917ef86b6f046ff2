// A full disk under a live store: the DuckDB file on a tmpfs small enough to fill during
// the day. The publisher publishes the whole day regardless, the writer reports
// TW_ERR_STORAGE_WRITE and retries, and once the disk has room again (the tmpfs grown) it
// catches up to the last published sequence with no duplicate and no hole. Needs root to
// mount a tmpfs (as CI has); says why it is skipped otherwise.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { dayConfig, storeSeededDay } from './support/storage-day';
import { waitUntil } from './support/feed';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-full-disk-'));
const disk = path.join(dir, 'disk');
fs.mkdirSync(disk);
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk], { encoding: 'utf8' });
const why = mounted.error?.message ?? (mounted.status === 0 ? '' : (mounted.stderr.trim() || `mount exited ${mounted.status}`));
const describeFullDisk = why === '' ? describe : describe.skip;

afterAll(() => {
  if (why === '') spawnSync('umount', [disk]);
  fs.rmSync(dir, { recursive: true, force: true });
});

if (why !== '') {
  test.skip(`full-disk test skipped: cannot mount a tmpfs here (${why}); it needs root, as CI has`, () => {});
}

describeFullDisk('storage on a full disk', () => {
  test('a clear error, the publisher goes on, the writer retries and catches up once there is room', async () => {
    const db = path.join(disk, 'store.duckdb');
    const errors: string[] = [];
    const day = await storeSeededDay(dayConfig(db), path.join(dir, 'day.journal'), 40_000, {
      onEvent: (e) => {
        if (e.type === 'error') errors.push(`${e.code} ${e.message}`);
      },
    });
    const published = day.publisher.sequence;
    expect(published).toBeGreaterThan(40_000); // the whole day went out
    await waitUntil('a write error', () => errors.some((e) => e.startsWith('TW_ERR_STORAGE_WRITE')), 60_000);
    const first = errors.find((e) => e.startsWith('TW_ERR_STORAGE_WRITE')) as string;
    expect(first).toMatch(/store\.duckdb.*No space left on device/); // names the file and the cause
    // Room again: the same records are retried and the rest catches up.
    const grown = spawnSync('mount', ['-o', 'remount,size=256m', disk], { encoding: 'utf8' });
    expect(grown.status).toBe(0);
    expect(await day.service.flush(published, 120_000)).toBe(true);
    await day.service.close();
    const instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
    const c = await instance.connect();
    try {
      const r = (await c.runAndReadAll('SELECT count(*), count(DISTINCT sequence), min(sequence), max(sequence) FROM feed_messages')).getRows()[0].map(Number);
      expect(r).toEqual([published, published, 1, published]);
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  }, 180_000);
});
