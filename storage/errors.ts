// The storage catalogue of errors: stable TW_ERR_STORAGE_ codes, each saying what was
// wrong, where (a path, a table, a parameter) and what to do.

export const StorageErrorCode = {
  /** The database could not be opened or created (an unwritable directory, a lock, not a database). */
  Open: 'TW_ERR_STORAGE_OPEN',
  /** A batch could not be written (a full disk, an I/O error); the writer retries. */
  Write: 'TW_ERR_STORAGE_WRITE',
  /** The database was written with another schema version, or its tables lack columns. */
  Schema: 'TW_ERR_STORAGE_SCHEMA',
  /** A history query's parameters are invalid (symbol, times, resolution, depth, limit). */
  BadQuery: 'TW_ERR_STORAGE_BAD_QUERY',
  /** The journal could not supply the sequences the writer needs to fill a gap. */
  CatchUp: 'TW_ERR_STORAGE_CATCH_UP',
  /** The end-of-day export failed (nothing replaced: the previous export of the day stays). */
  Export: 'TW_ERR_STORAGE_EXPORT',
  /** A QuestDB request failed. */
  QuestDb: 'TW_ERR_STORAGE_QUESTDB',
  /** The store did not hold every published sequence at close; the next start of the session catches up from the journal. */
  Flush: 'TW_ERR_STORAGE_FLUSH',
  /** Storage is off or closed. */
  Unavailable: 'TW_ERR_STORAGE_UNAVAILABLE',
  /** A bad storage setting (a session name too long, a bad cron expression). */
  BadConfig: 'TW_ERR_STORAGE_BAD_CONFIG',
} as const;
export type StorageErrorCode = (typeof StorageErrorCode)[keyof typeof StorageErrorCode];

export class StorageError extends Error {
  readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'StorageError';
    this.code = code;
  }
}

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
