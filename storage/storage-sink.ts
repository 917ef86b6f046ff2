// What the writer stores through: DuckDB (duckdb-store.ts) or QuestDB (questdb-store.ts).
import type { LiveOrder, LocateSymbol, RecordDecoder, StorageSession } from './record-decoder';

/**
 * Rows the writer decodes before handing them to the sink: small enough that the decoder's
 * columns stay in cache between decoding and the sink's copy (a batch decoded whole, some
 * 40 MB of columns, cost the decoder ~25% more per row), a few DuckDB vectors' worth.
 */
export const APPEND_ROWS = 4096;

export interface StorageSink {
  readonly engine: 'duckdb' | 'questdb';
  /**
   * Opens the database and creates (or checks, or migrates) the schema; once it resolves,
   * everything the store accepted before is readable (QuestDB: its WAL tables applied).
   * TW_ERR_STORAGE_OPEN / _SCHEMA.
   */
  open(): Promise<void>;
  /** The last sequence stored for a session (0: none). */
  lastSequence(session: string): Promise<number>;
  /**
   * The session's resting orders as of sequence `through` (its last stored sequence; the
   * writer follows their sides). Rows past `through` are ignored: a sink that cannot commit
   * rows and position atomically (QuestDB) may hold some after a crash, and the replay from
   * `through + 1` rewrites them.
   */
  liveOrders(session: string, through: number): Promise<LiveOrder[]>;
  /** Each locate's symbol as of sequence `through` (E, C, X, D and U do not carry it). */
  symbols(session: string, through: number): Promise<LocateSymbol[]>;
  /**
   * A batch: begin, append (any number of times; the caller clears the decoder after each),
   * commit with the session's last sequence. DuckDB makes the rows and that sequence visible
   * together or not at all (one transaction). QuestDB cannot: its rows may be stored past
   * the sequence (each flush its own transaction), so its rows are upserts on their keys and
   * the replay after a restart rewrites them with the same content. Any failure:
   * TW_ERR_STORAGE_WRITE, and the caller calls rollback() (or close()).
   */
  begin(session: StorageSession): Promise<void>;
  append(rows: RecordDecoder): void | Promise<void>;
  commit(lastSequence: number): Promise<void>;
  /** Drops what was appended since begin (never throws). */
  rollback(): Promise<void>;
  close(): Promise<void>;
}

/** One whole batch: begin, append, commit (rollback on failure). */
export async function writeBatch(sink: StorageSink, rows: RecordDecoder, lastSequence: number): Promise<void> {
  try {
    await sink.begin(rows.storageSession);
    await sink.append(rows);
    await sink.commit(lastSequence);
  } catch (err) {
    await sink.rollback();
    throw err;
  }
}
