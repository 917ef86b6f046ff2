// What the writer stores through: DuckDB (duckdb-store.ts) or QuestDB (questdb-store.ts).
import type { LiveOrder, LocateSymbol, RecordDecoder } from './record-decoder';

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
   * Stores the decoded rows and the session's last sequence so that a crash leaves either
   * both or neither visible (DuckDB: one transaction; QuestDB: rows are idempotent upserts
   * and the sequence is written after them). TW_ERR_STORAGE_WRITE.
   */
  write(batch: RecordDecoder, lastSequence: number): Promise<void>;
  close(): Promise<void>;
}
