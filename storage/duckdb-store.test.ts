// The DuckDB file and its schema: created, reopened, and files of another schema refused
// with what to do; a file that is no database refused at open.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbSink } from './duckdb-store';
import { SCHEMA_VERSION } from './tables';

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-duckdb-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function sql(file: string, statements: string[]): Promise<void> {
  const db = await DuckDBInstance.create(file);
  const c = await db.connect();
  for (const s of statements) await c.run(s);
  c.closeSync();
  db.closeSync();
}

describe('DuckDbSink schema', () => {
  test('a new file gets the tables and the schema version; reopening it is fine and keeps the last sequence', async () => {
    const file = path.join(dir, 'sub', 'new.duckdb');
    const sink = new DuckDbSink(file);
    await sink.open();
    expect(await sink.lastSequence('TW20250314')).toBe(0);
    await sink.close();
    await sql(file, ["INSERT INTO tw_streams VALUES ('TW20250314', DATE '2025-03-14', 42, now()::TIMESTAMP)"]);
    const again = new DuckDbSink(file);
    await again.open();
    expect(await again.lastSequence('TW20250314')).toBe(42);
    await again.close();
  });

  test('an older schema version is refused clearly (no migration exists from it)', async () => {
    const file = path.join(dir, 'old.duckdb');
    await new DuckDbSink(file).open().then(() => undefined);
    // (a fresh sink above left the file closed only when closed: use a separate file for the doctored version)
    const doctored = path.join(dir, 'v0.duckdb');
    await sql(doctored, ['CREATE TABLE tw_meta (key VARCHAR PRIMARY KEY, value VARCHAR)', "INSERT INTO tw_meta VALUES ('schema_version', '0')", 'CREATE TABLE trades (sequence BIGINT)']);
    await expect(new DuckDbSink(doctored).open()).rejects.toThrow(new RegExp(`TW_ERR_STORAGE_SCHEMA: .*v0\\.duckdb has schema version 0 .*version ${SCHEMA_VERSION}.*move the file aside`));
  });

  test('a file from before schema versions, a newer version, or a table missing columns is refused clearly', async () => {
    const unversioned = path.join(dir, 'unversioned.duckdb');
    await sql(unversioned, ['CREATE TABLE feed_messages (sequence BIGINT)']);
    await expect(new DuckDbSink(unversioned).open()).rejects.toThrow(/TW_ERR_STORAGE_SCHEMA: .*feed_messages.*no schema version/);
    const newer = path.join(dir, 'newer.duckdb');
    await sql(newer, ['CREATE TABLE tw_meta (key VARCHAR PRIMARY KEY, value VARCHAR)', "INSERT INTO tw_meta VALUES ('schema_version', '99')"]);
    await expect(new DuckDbSink(newer).open()).rejects.toThrow(/TW_ERR_STORAGE_SCHEMA: .*version 99, newer than this build/);
    const damaged = path.join(dir, 'damaged.duckdb');
    const sink = new DuckDbSink(damaged);
    await sink.open();
    await sink.close();
    await sql(damaged, ['ALTER TABLE trades DROP COLUMN match_number']);
    await expect(new DuckDbSink(damaged).open()).rejects.toThrow(/TW_ERR_STORAGE_SCHEMA: .*trades lacks columns match_number/);
  });

  test('a file that is not a database, or an unwritable place, is TW_ERR_STORAGE_OPEN naming the path', async () => {
    const junk = path.join(dir, 'junk.duckdb');
    fs.writeFileSync(junk, Buffer.alloc(8192, 7));
    await expect(new DuckDbSink(junk).open()).rejects.toThrow(/TW_ERR_STORAGE_OPEN: cannot open the DuckDB database .*junk\.duckdb/);
    const blocker = path.join(dir, 'a-file');
    fs.writeFileSync(blocker, '');
    await expect(new DuckDbSink(path.join(blocker, 'x.duckdb')).open()).rejects.toThrow(/TW_ERR_STORAGE_OPEN: .*a-file.*storage\.path/);
  });
});
