// The DuckDB sink: one database file, the four tables, and tw_streams (the last stored
// sequence of each session), written in one transaction per batch: rows through
// appenders fed whole data chunks (each column one copy of the RowBatch's typed array,
// already in the vector's layout; no value object per cell), then the session's last
// sequence, then COMMIT. A crash before
// COMMIT leaves neither, so a restarted writer resumes exactly after the last commit.
//
// Each table is a view over `<table>_rows`, which holds the session as `session_id`
// (tw_sessions) instead of its name: a VARCHAR on every row cost DuckDB's appender and
// commit about a third of their time (storage/README.md), for a value constant per batch.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as DuckDbBindings from '@duckdb/node-bindings';
import { BIGINT, DATE, DOUBLE, type DuckDBAppender, DuckDBConnection, DuckDBDataChunk, DuckDBInstance, ENUM, INTEGER, TIMESTAMP, VARCHAR, type DuckDBType } from '@duckdb/node-api';
import { StorageError, StorageErrorCode, messageOf } from './errors';
import type { LiveOrder, LocateSymbol, RecordDecoder, StorageSession } from './record-decoder';
import type { TableBatch } from './row-batch';
import { CHAR_VALUES, DUCKDB_TYPES, SCHEMA_VERSION, TABLES, type ColumnDef, type ColumnKind, type TableDef } from './tables';
import type { StorageSink } from './storage-sink';

// A plain require: the native addon's functions are not own enumerable properties, so a
// transpiler's `import * as` namespace copy (Jest's swc) would miss them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bindings = require('@duckdb/node-bindings') as typeof DuckDbBindings;

/** DuckDB's vector size: a data chunk holds at most this many rows. */
const CHUNK_ROWS = 2048;

const TYPES: Record<ColumnKind, DuckDBType> = { int: INTEGER, long: BIGINT, double: DOUBLE, timestamp: TIMESTAMP, date: DATE, text: VARCHAR, char: ENUM(CHAR_VALUES as string[]) };
const BYTES: Record<ColumnKind, number> = { int: 4, long: 8, double: 8, timestamp: 8, date: 4, text: 16, char: 1 };

const sqlText = (v: string): string => `'${v.replace(/'/g, "''")}'`;

/** The table that holds a view's rows (schema version 3). */
export const rowsTable = (t: TableDef): string => `${t.name}_rows`;
/** A column's name in `<table>_rows`: the session is held as its id in tw_sessions. */
const storedName = (c: ColumnDef): string => (c.name === 'session' ? 'session_id' : c.name);
/** A stored column's name and type, for CREATE TABLE. */
const storedColumn = (c: ColumnDef): string => `${storedName(c)} ${c.name === 'session' ? 'INTEGER' : DUCKDB_TYPES[c.kind]}`;
const SESSIONS_DDL = 'CREATE TABLE IF NOT EXISTS tw_sessions (session_id INTEGER PRIMARY KEY, session VARCHAR UNIQUE NOT NULL, session_date DATE)';
/**
 * The view with the table's columns in order, the session's name joined back (a LEFT JOIN:
 * a row never disappears). IF NOT EXISTS: opening a current file writes nothing (on a full
 * disk a write at open would fail the open).
 */
const viewDdl = (t: TableDef): string =>
  `CREATE VIEW IF NOT EXISTS ${t.name} AS SELECT ${t.columns.map((c) => (c.name === 'session' ? 's.session' : `r.${c.name}`)).join(', ')} FROM ${rowsTable(t)} r LEFT JOIN tw_sessions s ON s.session_id = r.session_id`;

/** The ENUM of 'char' columns (tables.ts CHAR_VALUES, in index order). */
const CHAR_TYPE_DDL = `CREATE TYPE IF NOT EXISTS tw_char AS ENUM (${CHAR_VALUES.map(sqlText).join(', ')})`;

/**
 * Schema migrations: MIGRATIONS[v] takes a file from version v to v + 1, in one
 * transaction each. Version 1 is the first released layout; a file of an unknown older
 * version is refused with what to do.
 */
const MIGRATIONS: Record<number, readonly string[]> = {
  // 1 -> 2: one-character VARCHAR columns become the tw_char ENUM (the same values read back).
  1: [
    CHAR_TYPE_DDL,
    'ALTER TABLE feed_messages ALTER type TYPE tw_char',
    'ALTER TABLE feed_messages ALTER side TYPE tw_char',
    'ALTER TABLE feed_messages ALTER code TYPE tw_char',
    'ALTER TABLE trades ALTER side TYPE tw_char',
  ],
  // 2 -> 3: the session name on every row becomes session_id (tw_sessions, numbered by first
  // day then name); each table's rows move to <table>_rows and the table becomes a view
  // with the same columns.
  2: [
    SESSIONS_DDL,
    `INSERT INTO tw_sessions SELECT row_number() OVER (ORDER BY min(session_date), session)::INTEGER, session, min(session_date)
     FROM (${[...TABLES.map((t) => `SELECT session, session_date FROM ${t.name}`), 'SELECT session, session_date FROM tw_streams'].join(' UNION ALL ')})
     GROUP BY session`,
    ...TABLES.flatMap((t) => [
      `CREATE TABLE ${rowsTable(t)} (${t.columns.map(storedColumn).join(', ')})`,
      `INSERT INTO ${rowsTable(t)} SELECT ${t.columns.map((c) => (c.name === 'session' ? 's.session_id' : `o.${c.name}`)).join(', ')} FROM ${t.name} o LEFT JOIN tw_sessions s ON s.session = o.session`,
      `DROP TABLE ${t.name}`,
      viewDdl(t),
    ]),
  ],
};

export function duckdbDdl(): string[] {
  const out = [
    'CREATE TABLE IF NOT EXISTS tw_meta (key VARCHAR PRIMARY KEY, value VARCHAR)',
    'CREATE TABLE IF NOT EXISTS tw_streams (session VARCHAR PRIMARY KEY, session_date DATE, last_sequence BIGINT, updated_at TIMESTAMP)',
    CHAR_TYPE_DDL,
    SESSIONS_DDL,
  ];
  for (const t of TABLES) out.push(`CREATE TABLE IF NOT EXISTS ${rowsTable(t)} (${t.columns.map(storedColumn).join(', ')})`, viewDdl(t));
  return out;
}

/** Opens (creating its directory) or fails with TW_ERR_STORAGE_OPEN naming the path. */
export async function openDuckDb(file: string, readOnly = false, threads = 0): Promise<DuckDBInstance> {
  try {
    if (!readOnly) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    if (readOnly && !fs.existsSync(file)) throw new Error('no such file');
    const options: Record<string, string> = readOnly ? { access_mode: 'READ_ONLY' } : {};
    // DuckDB's own worker threads (default: one per core) would compete with the publisher.
    if (threads > 0) options.threads = String(threads);
    return await DuckDBInstance.create(file, options);
  } catch (err) {
    throw new StorageError(
      StorageErrorCode.Open,
      `cannot open the DuckDB database ${file}: ${messageOf(err)}. Check the directory exists and is writable and that no other tickwire process has it open (storage.path)`,
    );
  }
}

/** Creates the schema in a new file, checks (or migrates) an existing one. */
export async function ensureSchema(con: DuckDBConnection, file: string, readOnly = false): Promise<void> {
  const tables = new Set((await con.runAndReadAll('SELECT table_name FROM information_schema.tables')).getRows().map((r) => String(r[0])));
  const ours = TABLES.filter((t) => tables.has(t.name)).map((t) => t.name);
  if (!tables.has('tw_meta')) {
    if (ours.length > 0) {
      throw new StorageError(
        StorageErrorCode.Schema,
        `${file} has tables (${ours.join(', ')}) but no schema version: it was written by a Tickwire before versioned storage (schema version 0). This build writes version ${SCHEMA_VERSION} and cannot migrate it; move the file aside (or export what you need from it) and start again`,
      );
    }
    if (readOnly) throw new StorageError(StorageErrorCode.Schema, `${file} is not a Tickwire store (no tw_meta table): check storage.path`);
    for (const ddl of duckdbDdl()) await con.run(ddl);
    await con.run(`INSERT INTO tw_meta VALUES ('schema_version', '${SCHEMA_VERSION}')`);
    return;
  }
  const rows = (await con.runAndReadAll("SELECT value FROM tw_meta WHERE key = 'schema_version'")).getRows();
  let version = rows.length > 0 ? Number(rows[0][0]) : 0;
  if (!Number.isInteger(version)) version = 0;
  if (version > SCHEMA_VERSION) {
    throw new StorageError(
      StorageErrorCode.Schema,
      `${file} has schema version ${version}, newer than this build's ${SCHEMA_VERSION}: run a newer Tickwire, or point storage.path at another file`,
    );
  }
  while (version < SCHEMA_VERSION) {
    const steps = MIGRATIONS[version];
    if (readOnly) {
      throw new StorageError(
        StorageErrorCode.Schema,
        `${file} has schema version ${version}; this build reads version ${SCHEMA_VERSION}: open it once with a writing tickwire (tickwire run with this storage.path) to migrate it`,
      );
    }
    if (steps === undefined) {
      throw new StorageError(
        StorageErrorCode.Schema,
        `${file} has schema version ${version} and this build (version ${SCHEMA_VERSION}) has no migration from it: move the file aside (or export what you need from it) and start again`,
      );
    }
    await con.run('BEGIN TRANSACTION');
    for (const s of steps) await con.run(s);
    await con.run(`UPDATE tw_meta SET value = '${version + 1}' WHERE key = 'schema_version'`);
    await con.run('COMMIT');
    version++;
  }
  // The appenders write by position: each stored table must have exactly its columns, in order.
  for (const t of TABLES) {
    const name = rowsTable(t);
    const sql = `SELECT column_name FROM information_schema.columns WHERE table_name = '${name}' ORDER BY ordinal_position`;
    const have = (await con.runAndReadAll(sql)).getRows().map((r) => String(r[0]));
    if (have.length === 0 && !readOnly) continue; // a table added in this version: created below
    const want = t.columns.map(storedName);
    const missing = want.filter((c) => !have.includes(c));
    if (missing.length > 0) {
      throw new StorageError(StorageErrorCode.Schema, `${file}: table ${name} lacks columns ${missing.join(', ')} of schema version ${SCHEMA_VERSION}; the file is damaged or from another program: move it aside`);
    }
    if (have.join() !== want.join()) {
      throw new StorageError(StorageErrorCode.Schema, `${file}: table ${name} has columns (${have.join(', ')}) where schema version ${SCHEMA_VERSION} has (${want.join(', ')}); the file is damaged or from another program: move it aside`);
    }
  }
  if (!readOnly) for (const ddl of duckdbDdl()) await con.run(ddl); // tables added in this version
}

/** Copies TableBatches into DuckDB data chunks and appends them to the table's `_rows`, within a transaction. */
class ChunkAppender {
  private readonly table: TableDef;
  private readonly chunk: DuckDBDataChunk;
  /** The batch's text `session` column is not stored: this vector of its id is, instead. */
  private readonly sessionColumn: number;
  private readonly sessionIds = new Int32Array(CHUNK_ROWS);
  private appender: DuckDBAppender | null = null;

  constructor(table: TableDef) {
    this.table = table;
    this.sessionColumn = table.columns.findIndex((c) => c.name === 'session');
    this.chunk = DuckDBDataChunk.create(table.columns.map((c, i) => (i === this.sessionColumn ? INTEGER : TYPES[c.kind])));
  }

  async open(con: DuckDBConnection, sessionId: number): Promise<void> {
    if (this.sessionIds[0] !== sessionId) this.sessionIds.fill(sessionId);
    this.appender = await con.createAppender(rowsTable(this.table));
  }

  /** Appends the batch's rows (synchronous: DuckDB copies the vectors). */
  append(batch: TableBatch): void {
    const appender = this.appender;
    if (appender === null || batch.rows === 0) return;
    const raw = this.chunk.chunk;
    const cols = this.table.columns;
    const ids = this.sessionIds;
    for (let from = 0; from < batch.rows; from += CHUNK_ROWS) {
      const n = Math.min(CHUNK_ROWS, batch.rows - from);
      bindings.data_chunk_reset(raw);
      bindings.data_chunk_set_size(raw, n);
      for (let i = 0; i < cols.length; i++) {
        const vector = bindings.data_chunk_get_vector(raw, i);
        if (i === this.sessionColumn) {
          bindings.copy_data_to_vector(vector, 0, ids.buffer as ArrayBuffer, 0, n * 4);
          continue;
        }
        const width = BYTES[cols[i].kind];
        const col = batch.columns[i];
        bindings.copy_data_to_vector(vector, 0, col.buffer as ArrayBuffer, col.byteOffset + from * width, n * width);
      }
      appender.appendDataChunk(this.chunk);
    }
  }

  /** Hands what was appended to the transaction. */
  close(): void {
    const appender = this.appender;
    this.appender = null;
    if (appender === null) return;
    try {
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  /** Drops the appender after a failure (its rows go with the rolled-back transaction). */
  abort(): void {
    const appender = this.appender;
    this.appender = null;
    try {
      appender?.closeSync();
    } catch {
      // an appender whose flush failed may fail to close too
    }
  }
}

export interface DuckDbSinkOptions {
  /** Test seam: awaited after the rows are appended and before COMMIT (a crash test kills the process here). */
  beforeCommit?: (() => Promise<void>) | null;
  /** DuckDB worker threads (0: DuckDB's default, one per core). */
  threads?: number;
}

export class DuckDbSink implements StorageSink {
  readonly engine = 'duckdb';
  readonly file: string;
  private instance: DuckDBInstance | null = null;
  private con: DuckDBConnection | null = null;
  private readonly appenders = TABLES.map((t) => new ChunkAppender(t));
  /** Session name to its tw_sessions id, once read or given. */
  private readonly sessionIds = new Map<string, number>();
  /** The batch begun (null between batches), its rows so far, and whether BEGIN ran. */
  private batch: StorageSession | null = null;
  private batchRows = 0;
  private inTransaction = false;
  private readonly beforeCommit: (() => Promise<void>) | null;
  private readonly threads: number;

  constructor(file: string, options: DuckDbSinkOptions = {}) {
    this.file = file;
    this.beforeCommit = options.beforeCommit ?? null;
    this.threads = options.threads ?? 0;
  }

  /** The open database (for queries and the export on other connections). */
  get database(): DuckDBInstance | null {
    return this.instance;
  }

  async open(): Promise<void> {
    if (this.con !== null) return;
    const instance = await openDuckDb(this.file, false, this.threads);
    try {
      const con = await instance.connect();
      await ensureSchema(con, this.file);
      this.instance = instance;
      this.con = con;
    } catch (err) {
      instance.closeSync();
      throw err instanceof StorageError ? err : new StorageError(StorageErrorCode.Open, `${this.file}: ${messageOf(err)}`);
    }
  }

  async lastSequence(session: string): Promise<number> {
    const rows = (await this.connection().runAndReadAll('SELECT last_sequence FROM tw_streams WHERE session = $1', [session])).getRows();
    return rows.length > 0 ? Number(rows[0][0]) : 0;
  }

  async liveOrders(session: string, through: number): Promise<LiveOrder[]> {
    // Orders added (A, F, or U's new ref), less what E, C and X took, not deleted or replaced,
    // as of `through` (the sink contract; DuckDB holds nothing past it, its commit is atomic).
    const sql = `
      WITH m AS (SELECT * FROM feed_messages WHERE session = $1 AND sequence <= $2),
      adds AS (
        SELECT order_ref AS ref, side, shares, price FROM m WHERE type IN ('A', 'F')
        UNION ALL SELECT new_ref, side, shares, price FROM m WHERE type = 'U'),
      taken AS (SELECT order_ref AS ref, sum(shares) AS shares FROM m WHERE type IN ('E', 'C', 'X') GROUP BY 1),
      gone AS (SELECT order_ref AS ref FROM m WHERE type IN ('D', 'U'))
      SELECT a.ref, a.side, a.shares - coalesce(t.shares, 0) AS left, a.price
      FROM adds a LEFT JOIN taken t USING (ref) ANTI JOIN gone g USING (ref)
      WHERE a.shares - coalesce(t.shares, 0) > 0`;
    const rows = (await this.connection().runAndReadAll(sql, [session, through])).getRows();
    return rows.map((r) => ({ ref: Number(r[0]), side: String(r[1]).charCodeAt(0), shares: Number(r[2]), price: Number(r[3]) }));
  }

  async symbols(session: string, through: number): Promise<LocateSymbol[]> {
    const sql = `SELECT locate, arg_max(symbol, sequence) FROM feed_messages WHERE session = $1 AND sequence <= $2 AND type IN ('R', 'A', 'F', 'H', 'P') GROUP BY locate`;
    const rows = (await this.connection().runAndReadAll(sql, [session, through])).getRows();
    return rows.map((r) => ({ locate: Number(r[0]), symbol: String(r[1]) }));
  }

  async begin(session: StorageSession): Promise<void> {
    const con = this.connection();
    this.batch = session;
    this.batchRows = 0;
    try {
      await con.run('BEGIN TRANSACTION');
      this.inTransaction = true;
      const id = await this.sessionId(con, session.session, session.sessionDate);
      for (const a of this.appenders) await a.open(con, id);
    } catch (err) {
      throw this.writeError('starting a batch', err);
    }
  }

  append(rows: RecordDecoder): void {
    try {
      this.appenders[0].append(rows.messages);
      this.appenders[1].append(rows.trades);
      this.appenders[2].append(rows.candles);
      this.appenders[3].append(rows.snapshots);
      this.batchRows += rows.rows;
    } catch (err) {
      throw this.writeError(`appending ${rows.rows} rows`, err);
    }
  }

  async commit(lastSequence: number): Promise<void> {
    const con = this.connection();
    const s = this.batch;
    if (s === null) throw new StorageError(StorageErrorCode.Write, `commit through sequence ${lastSequence} without a batch begun`);
    try {
      for (const a of this.appenders) a.close();
      await con.run('INSERT OR REPLACE INTO tw_streams VALUES ($1, $2::DATE, $3, now()::TIMESTAMP)', [s.session, s.sessionDate, lastSequence]);
      if (this.beforeCommit !== null) await this.beforeCommit();
      await con.run('COMMIT');
      this.inTransaction = false;
      this.batch = null;
    } catch (err) {
      throw this.writeError(`writing ${this.batchRows} rows through sequence ${lastSequence}`, err);
    }
  }

  async rollback(): Promise<void> {
    for (const a of this.appenders) a.abort();
    this.sessionIds.clear(); // an id given in this transaction is gone with it
    this.batch = null;
    if (!this.inTransaction || this.con === null) return;
    this.inTransaction = false;
    try {
      await this.con.run('ROLLBACK');
    } catch {
      // the transaction may already be aborted
    }
  }

  private writeError(what: string, err: unknown): StorageError {
    return err instanceof StorageError ? err : new StorageError(StorageErrorCode.Write, `${what} to ${this.file}: ${messageOf(err)}`);
  }

  /** The session's id in tw_sessions, given the next one (inside the caller's transaction) if it has none. */
  private async sessionId(con: DuckDBConnection, session: string, sessionDate: string): Promise<number> {
    const known = this.sessionIds.get(session);
    if (known !== undefined) return known;
    let rows = (await con.runAndReadAll('SELECT session_id FROM tw_sessions WHERE session = $1', [session])).getRows();
    if (rows.length === 0) {
      const sql = 'INSERT INTO tw_sessions SELECT coalesce(max(session_id), 0) + 1, $1, $2::DATE FROM tw_sessions RETURNING session_id';
      rows = (await con.runAndReadAll(sql, [session, sessionDate])).getRows();
    }
    const id = Number(rows[0][0]);
    this.sessionIds.set(session, id);
    return id;
  }

  async close(): Promise<void> {
    for (const a of this.appenders) a.abort();
    this.inTransaction = false;
    this.batch = null;
    this.sessionIds.clear();
    if (this.con !== null) this.con.closeSync();
    if (this.instance !== null) this.instance.closeSync();
    this.con = null;
    this.instance = null;
  }

  private connection(): DuckDBConnection {
    if (this.con === null) throw new StorageError(StorageErrorCode.Unavailable, `${this.file} is not open`);
    return this.con;
  }
}
