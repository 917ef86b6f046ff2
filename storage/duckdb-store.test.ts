// The DuckDB file and its schema: created, reopened, and files of another schema refused
// with what to do; a file that is no database refused at open.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbSink } from './duckdb-store';
import { DUCKDB_TYPES, SCHEMA_VERSION, TABLES } from './tables';

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

  test('a version 1 file (one-character columns as VARCHAR, the session on every row) is migrated to the current version with its rows and values', async () => {
    const file = path.join(dir, 'v1.duckdb');
    // Version 1's DDL, as the first release wrote it.
    const v1 = [
      'CREATE TABLE tw_meta (key VARCHAR PRIMARY KEY, value VARCHAR)',
      "INSERT INTO tw_meta VALUES ('schema_version', '1')",
      'CREATE TABLE tw_streams (session VARCHAR PRIMARY KEY, session_date DATE, last_sequence BIGINT, updated_at TIMESTAMP)',
      "INSERT INTO tw_streams VALUES ('TW20250314', DATE '2025-03-14', 3, now()::TIMESTAMP)",
      ...TABLES.map((t) => `CREATE TABLE ${t.name} (${t.columns.map((c) => `${c.name} ${c.kind === 'char' ? 'VARCHAR' : DUCKDB_TYPES[c.kind]}`).join(', ')})`),
      "INSERT INTO feed_messages VALUES (DATE '2025-03-14', 'TW20250314', 1, TIMESTAMP '2025-03-14 12:00:00', 1, 'S', 0, '', 0, 0, '', 0, 0, 0, 'O')",
      "INSERT INTO feed_messages VALUES (DATE '2025-03-14', 'TW20250314', 2, TIMESTAMP '2025-03-14 14:30:00', 2, 'A', 1, 'AAPL', 7, 0, 'B', 100, 1900000, 0, '')",
      "INSERT INTO feed_messages VALUES (DATE '2025-03-14', 'TW20250314', 3, TIMESTAMP '2025-03-14 14:30:01', 3, 'E', 1, 'AAPL', 7, 0, 'B', 40, 1900000, 9, '')",
      "INSERT INTO trades VALUES (DATE '2025-03-14', 'TW20250314', 3, TIMESTAMP '2025-03-14 14:30:01', 3, 'AAPL', 1, 7, 'B', 40, 1900000, 9)",
    ];
    await sql(file, v1);
    const sink = new DuckDbSink(file);
    await sink.open();
    expect(await sink.lastSequence('TW20250314')).toBe(3);
    expect(await sink.liveOrders('TW20250314', 3)).toEqual([{ ref: 7, side: 0x42, shares: 60, price: 1900000 }]);
    expect(await sink.symbols('TW20250314', 3)).toEqual([{ locate: 1, symbol: 'AAPL' }]);
    // As of an earlier sequence: what was stored after it is ignored.
    expect(await sink.liveOrders('TW20250314', 2)).toEqual([{ ref: 7, side: 0x42, shares: 100, price: 1900000 }]);
    expect(await sink.liveOrders('TW20250314', 1)).toEqual([]);
    await sink.close();
    const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
    const c = await db.connect();
    const rows = (await c.runAndReadAll("SELECT type, side, code, typeof(type) FROM feed_messages ORDER BY sequence")).getRows();
    expect(rows.map((r) => r.slice(0, 3))).toEqual([['S', '', 'O'], ['A', 'B', ''], ['E', 'B', '']]);
    expect(String(rows[0][3])).toMatch(/^ENUM/);
    expect((await c.runAndReadAll("SELECT side FROM trades")).getRows()).toEqual([['B']]);
    // Version 3: the rows hold the session's id, the views its name.
    expect((await c.runAndReadAll('SELECT session_id, session, session_date::VARCHAR FROM tw_sessions')).getRows()).toEqual([[1, 'TW20250314', '2025-03-14']]);
    expect((await c.runAndReadAll('SELECT DISTINCT session_id FROM feed_messages_rows')).getRows()).toEqual([[1]]);
    expect((await c.runAndReadAll('SELECT session, count(*)::INTEGER FROM feed_messages GROUP BY 1')).getRows()).toEqual([['TW20250314', 3]]);
    expect((await c.runAndReadAll("SELECT table_type FROM information_schema.tables WHERE table_name = 'trades'")).getRows()).toEqual([['VIEW']]);
    expect((await c.runAndReadAll("SELECT value FROM tw_meta WHERE key = 'schema_version'")).getRows()).toEqual([[String(SCHEMA_VERSION)]]);
    c.closeSync();
    db.closeSync();
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
    await sql(damaged, ['ALTER TABLE trades_rows DROP COLUMN match_number']);
    await expect(new DuckDbSink(damaged).open()).rejects.toThrow(/TW_ERR_STORAGE_SCHEMA: .*trades_rows lacks columns match_number/);
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
