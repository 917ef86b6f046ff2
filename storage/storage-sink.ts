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
  /** Opens the database and creates (or checks, or migrates) the schema. TW_ERR_STORAGE_OPEN / _SCHEMA. */
  open(): Promise<void>;
  /** The last sequence stored for a session (0: none). */
  lastSequence(session: string): Promise<number>;
  /** The session's resting orders as of its last stored sequence (the writer follows their sides). */
  liveOrders(session: string): Promise<LiveOrder[]>;
  /** Each locate's symbol as of the session's last stored sequence (E, C, X, D and U do not carry it). */
  symbols(session: string): Promise<LocateSymbol[]>;
  /**
   * A batch: begin, append (any number of times; the caller clears the decoder after each),
   * commit with the session's last sequence. The rows and that sequence become visible
   * together or not at all (DuckDB: one transaction; QuestDB: rows are idempotent upserts
   * and the sequence is written after them). Any failure: TW_ERR_STORAGE_WRITE, and the
   * caller calls rollback() (or close()).
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
