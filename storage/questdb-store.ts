// The QuestDB sink and history: ILP over HTTP for writes (@questdb/nodejs-client), the
// HTTP /exec endpoint for DDL and queries. QuestDB cannot commit a batch atomically: each
// ILP flush is its own transaction, and the session's last sequence (tw_streams) is
// written after the rows, so a crash can leave rows stored past it. A restart is still
// exact: open() waits until every WAL table has applied what it accepted (they apply
// independently), the state read back (liveOrders, symbols) is bounded by the stored
// sequence, and the replay from the next one rewrites the rows past it with the same
// content on the same keys (WAL tables with DEDUP UPSERT KEYS): no duplicate, no hole,
// the same rows as DuckDB's transaction gives (test/storage-crash.test.ts).
import type { Sender } from '@questdb/nodejs-client';
import { NEW_YORK_TIME_ZONE } from '../protocol';
import { StorageError, StorageErrorCode, messageOf } from './errors';
import {
  checkDepth,
  checkLimit,
  checkOrderRef,
  checkRange,
  checkSymbol,
  checkTime,
  resolutionKind,
  type CandlesQuery,
  type ExecutionRow,
  type ExecutionsQuery,
  type HistoryCandle,
  type HistoryQueries,
  candleFromRow,
  executionFromRow,
  l2FromRow,
  type L2Query,
  type L2SnapshotRow,
} from './history';
import type { LiveOrder, LocateSymbol, RecordDecoder, StorageSession } from './record-decoder';
import { longAt, textAt, type TableBatch } from './row-batch';
import type { StorageSink } from './storage-sink';
import { CHAR_VALUES, QUESTDB_TYPES, TABLES } from './tables';

export function questdbDdl(): string[] {
  const out = TABLES.map((t) => {
    const cols = t.columns.map((c) => `"${c.name}" ${c.kind === 'date' ? 'SYMBOL' : QUESTDB_TYPES[c.kind]}`).join(', ');
    return `CREATE TABLE IF NOT EXISTS ${t.name} (${cols}) TIMESTAMP(${t.timestamp}) PARTITION BY DAY WAL DEDUP UPSERT KEYS(${t.keys.join(', ')})`;
  });
  out.push('CREATE TABLE IF NOT EXISTS tw_streams (session SYMBOL, session_date SYMBOL, last_sequence LONG, updated_at TIMESTAMP) TIMESTAMP(updated_at) PARTITION BY MONTH WAL');
  return out;
}

/** One /exec call: rows as arrays, or TW_ERR_STORAGE_QUESTDB with QuestDB's message. */
export async function questdbExec(url: string, sql: string): Promise<unknown[][]> {
  let res: Response;
  try {
    res = await fetch(`${url.replace(/\/$/, '')}/exec?query=${encodeURIComponent(sql)}`);
  } catch (err) {
    throw new StorageError(StorageErrorCode.QuestDb, `cannot reach QuestDB at ${url}: ${messageOf(err)} (storage.questdb.url)`);
  }
  const body = (await res.json().catch(() => ({}))) as { dataset?: unknown[][]; error?: string };
  if (!res.ok || body.error !== undefined) throw new StorageError(StorageErrorCode.QuestDb, `QuestDB at ${url} refused "${sql.slice(0, 120)}": ${body.error ?? res.status}`);
  return body.dataset ?? [];
}

const q = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** Our tables (the four of rows, and tw_streams). */
const QUESTDB_TABLES = [...TABLES.map((t) => t.name), 'tw_streams'];

/**
 * Waits until QuestDB has applied to `tables` every WAL transaction they had accepted when
 * called (wal_tables(): writerTxn reaches that sequencerTxn), so that reads see all of it:
 * WAL tables apply independently, and tw_streams could otherwise be read ahead of the rows
 * behind its sequence. A suspended table, or one not applied within `timeoutMs`:
 * TW_ERR_STORAGE_OPEN saying which.
 */
export async function questdbApplied(url: string, tables: readonly string[] = QUESTDB_TABLES, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const target = new Map<string, number>();
  for (;;) {
    const rows = (await questdbExec(url, 'SELECT name, suspended, writerTxn, sequencerTxn FROM wal_tables()')).filter((r) => tables.includes(String(r[0])));
    const suspended = rows.filter((r) => r[1] === true).map((r) => String(r[0]));
    if (suspended.length > 0) {
      throw new StorageError(StorageErrorCode.Open, `QuestDB at ${url}: WAL table(s) ${suspended.join(', ')} suspended (see wal_tables() for the error; fix it, then ALTER TABLE ... RESUME WAL)`);
    }
    // Targets from the first look: another session's writer may keep the sequencer moving.
    for (const r of rows) if (!target.has(String(r[0]))) target.set(String(r[0]), Number(r[3]));
    const behind = rows.filter((r) => Number(r[2]) < (target.get(String(r[0])) ?? 0));
    if (behind.length === 0) return;
    if (Date.now() > deadline) {
      const which = behind.map((r) => `${String(r[0])} ${String(r[2])}/${target.get(String(r[0]))}`).join(', ');
      throw new StorageError(StorageErrorCode.Open, `QuestDB at ${url} has not applied its WAL tables within ${timeoutMs} ms (writer/sequencer txn: ${which}): retrying`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface QuestDbSinkOptions {
  /** Test seam: awaited after the batch's rows are sent and before its last sequence is (a crash test kills the process here). */
  beforeCommit?: (() => Promise<void>) | null;
}

export class QuestDbSink implements StorageSink {
  readonly engine = 'questdb';
  readonly url: string;
  private sender: Sender | null = null;
  private batch: StorageSession | null = null;
  private batchRows = 0;
  private readonly beforeCommit: (() => Promise<void>) | null;

  constructor(url: string, options: QuestDbSinkOptions = {}) {
    this.url = url.replace(/\/$/, '');
    this.beforeCommit = options.beforeCommit ?? null;
  }

  async open(): Promise<void> {
    if (this.sender !== null) return;
    for (const ddl of questdbDdl()) await questdbExec(this.url, ddl);
    await questdbApplied(this.url);
    const u = new URL(this.url);
    try {
      // Loaded here, not at import: with undici under it, ~0.3-0.5 s that a process on the embedded DuckDB store never needs.
      const { Sender: QuestDbSender } = require('@questdb/nodejs-client') as typeof import('@questdb/nodejs-client');
      this.sender = await QuestDbSender.fromConfig(`${u.protocol.replace(':', '')}::addr=${u.host};auto_flush=off;`);
    } catch (err) {
      throw new StorageError(StorageErrorCode.Open, `cannot open an ILP/HTTP sender to ${this.url}: ${messageOf(err)}`);
    }
  }

  async lastSequence(session: string): Promise<number> {
    const rows = await questdbExec(this.url, `SELECT max(last_sequence) FROM tw_streams WHERE session = ${q(session)}`);
    return rows.length > 0 && rows[0][0] !== null ? Number(rows[0][0]) : 0;
  }

  async liveOrders(session: string, through: number): Promise<LiveOrder[]> {
    // Bounded by the stored sequence: rows past it (a crash between flushes) are the replay's to rewrite.
    const s = `session = ${q(session)} AND sequence <= ${Math.floor(through)}`;
    const sql = `
      WITH adds AS (
        SELECT order_ref ref, side, shares, price FROM feed_messages WHERE ${s} AND type IN ('A', 'F')
        UNION ALL SELECT new_ref ref, side, shares, price FROM feed_messages WHERE ${s} AND type = 'U'),
      taken AS (SELECT order_ref ref, sum(shares) shares FROM feed_messages WHERE ${s} AND type IN ('E', 'C', 'X')),
      gone AS (SELECT DISTINCT order_ref ref FROM feed_messages WHERE ${s} AND type IN ('D', 'U'))
      SELECT a.ref, a.side, a.shares - coalesce(t.shares, 0), a.price FROM adds a
      LEFT JOIN taken t ON (a.ref = t.ref) LEFT JOIN gone g ON (a.ref = g.ref)
      WHERE g.ref = NULL AND a.shares - coalesce(t.shares, 0) > 0`;
    const rows = await questdbExec(this.url, sql);
    return rows.map((r) => ({ ref: Number(r[0]), side: String(r[1]).charCodeAt(0), shares: Number(r[2]), price: Number(r[3]) }));
  }

  async symbols(session: string, through: number): Promise<LocateSymbol[]> {
    const sql = `SELECT locate, last(symbol) FROM feed_messages WHERE session = ${q(session)} AND sequence <= ${Math.floor(through)} AND type IN ('R', 'A', 'F', 'H', 'P')`;
    const rows = await questdbExec(this.url, sql);
    return rows.map((r) => ({ locate: Number(r[0]), symbol: String(r[1] ?? '') }));
  }

  async begin(session: StorageSession): Promise<void> {
    if (this.sender === null) throw new StorageError(StorageErrorCode.Unavailable, `QuestDB at ${this.url} is not open`);
    this.batch = session;
    this.batchRows = 0;
  }

  async append(rows: RecordDecoder): Promise<void> {
    const sender = this.sender;
    if (sender === null) throw new StorageError(StorageErrorCode.Unavailable, `QuestDB at ${this.url} is not open`);
    try {
      for (const t of [rows.messages, rows.trades, rows.candles, rows.snapshots]) await this.send(sender, t);
      this.batchRows += rows.rows;
    } catch (err) {
      throw new StorageError(StorageErrorCode.Write, `sending ${rows.rows} rows to QuestDB at ${this.url}: ${messageOf(err)}`);
    }
  }

  async commit(lastSequence: number): Promise<void> {
    const sender = this.sender;
    const s = this.batch;
    if (sender === null || s === null) throw new StorageError(StorageErrorCode.Write, `commit through sequence ${lastSequence} to QuestDB at ${this.url} without a batch begun`);
    try {
      if (this.beforeCommit !== null) await this.beforeCommit();
      // After the rows: a crash before this line leaves rows past the stored sequence, which a
      // restart ignores (bounded reads) and its replay rewrites identically (DEDUP UPSERT KEYS).
      await sender.table('tw_streams').symbol('session', s.session).symbol('session_date', s.sessionDate).intColumn('last_sequence', lastSequence).at(Date.now(), 'ms');
      await sender.flush();
      this.batch = null;
    } catch (err) {
      throw new StorageError(StorageErrorCode.Write, `writing ${this.batchRows} rows through sequence ${lastSequence} to QuestDB at ${this.url}: ${messageOf(err)}`);
    }
  }

  async rollback(): Promise<void> {
    this.batch = null;
    this.sender?.reset();
  }

  private async send(sender: Sender, batch: TableBatch): Promise<void> {
    const cols = batch.table.columns;
    const tsCol = cols.findIndex((c) => c.name === batch.table.timestamp);
    for (let r = 0; r < batch.rows; r++) {
      sender.table(batch.table.name);
      // ILP: symbols first, then the other columns.
      for (let i = 0; i < cols.length; i++) {
        const k = cols[i].kind;
        if (k === 'text') sender.symbol(cols[i].name, textAt(batch.columns[i] as Uint32Array, r));
        else if (k === 'char') sender.symbol(cols[i].name, CHAR_VALUES[(batch.columns[i] as Uint8Array)[r]]);
        else if (k === 'date') sender.symbol(cols[i].name, new Date((batch.columns[i] as Int32Array)[r] * 86_400_000).toISOString().slice(0, 10));
      }
      for (let i = 0; i < cols.length; i++) {
        if (i === tsCol) continue;
        const k = cols[i].kind;
        const col = batch.columns[i];
        if (k === 'int') sender.intColumn(cols[i].name, col[r]);
        else if (k === 'long') sender.intColumn(cols[i].name, longAt(col as Uint32Array, r));
        else if (k === 'double') sender.floatColumn(cols[i].name, col[r]);
        else if (k === 'timestamp') sender.timestampColumn(cols[i].name, BigInt(longAt(col as Uint32Array, r)), 'us');
      }
      await sender.at(BigInt(longAt(batch.columns[tsCol] as Uint32Array, r)), 'us');
      if ((r & 4095) === 4095) await sender.flush();
    }
    await sender.flush();
  }

  async close(): Promise<void> {
    const s = this.sender;
    this.sender = null;
    if (s !== null) await s.close().catch(() => {});
  }
}

/** History over QuestDB's /exec: SAMPLE BY on the 1m candles, in New York's calendar. */
export class QuestDbHistory implements HistoryQueries {
  private readonly url: string;

  constructor(url: string) {
    this.url = url;
  }

  async candles(query: CandlesQuery): Promise<HistoryCandle[]> {
    const symbol = checkSymbol(query.symbol);
    checkRange(query.startMs, query.endMs);
    const limit = checkLimit(query.limit, 1000, 10_000);
    const kind = resolutionKind(query.resolution);
    const every = kind === 'intraday' ? `${(query.resolution as number) / 60}m` : kind === 'day' ? '1d' : kind === 'week' ? '7d' : '1M';
    const sql = `
      SELECT start_ts, first(open), max(high), min(low), last(close), sum(volume), sum(trades), sum(vwap * volume) / sum(volume)
      FROM candles
      WHERE symbol = ${q(symbol)} AND resolution = '1m' AND start_ts >= ${iso(query.startMs)} AND start_ts < ${iso(query.endMs)}
      SAMPLE BY ${every} ALIGN TO CALENDAR TIME ZONE '${NEW_YORK_TIME_ZONE}'`;
    const rows = await questdbExec(this.url, sql);
    const out = rows.map((r) => candleFromRow(Date.parse(String(r[0])), r));
    return out.slice(Math.max(0, out.length - limit));
  }

  async executions(query: ExecutionsQuery): Promise<ExecutionRow[]> {
    const symbol = checkSymbol(query.symbol);
    checkRange(query.startMs, query.endMs);
    const limit = checkLimit(query.limit, 1000, 100_000);
    const ref = checkOrderRef(query.orderRef);
    const sql = `
      SELECT ts, timestamp_ns, session, sequence, symbol, order_ref, side, shares, price, match_number FROM trades
      WHERE symbol = ${q(symbol)} AND ts >= ${iso(query.startMs)} AND ts < ${iso(query.endMs)}${ref === undefined ? '' : ` AND order_ref = ${ref}`}
      ORDER BY ts, session, sequence LIMIT ${limit}`;
    const rows = await questdbExec(this.url, sql);
    return rows.map((r) => executionFromRow(Date.parse(String(r[0])), r));
  }

  async l2At(query: L2Query): Promise<L2SnapshotRow | null> {
    const symbol = checkSymbol(query.symbol);
    const timeMs = checkTime(query.timeMs);
    const depth = checkDepth(query.depth);
    const rows = await questdbExec(this.url, `SELECT * FROM l2_snapshots WHERE symbol = ${q(symbol)} AND ts < ${iso(timeMs + 1)} ORDER BY ts DESC, sequence DESC LIMIT 1`);
    if (rows.length === 0) return null;
    const names = TABLES[3].columns.map((c) => c.name);
    const at = (name: string): unknown => rows[0][names.indexOf(name)];
    return l2FromRow(symbol, depth, Date.parse(String(at('ts'))), at);
  }
}

function iso(ms: number): string {
  return `'${new Date(ms).toISOString()}'`;
}
