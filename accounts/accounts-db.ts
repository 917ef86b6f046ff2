// The account database file: node:sqlite (built into Node 24, no native add-on to build),
// opened in WAL mode so readers (the gateway, the CLI) never wait on a writer, with the
// schema migrated on open. AccountStore and SessionStore share one AccountsDb, since
// sessions refer to accounts. Every SQLite failure leaves here as TW_ERR_ACCOUNT_DB.
import { DatabaseSync } from 'node:sqlite';
import { AccountError, AccountErrorKind } from './errors';
import { MIGRATIONS, SCHEMA_VERSION } from './schema';

export interface AccountsDbOptions {
  /**
   * How long a writer waits for another process's write lock before failing (ms). Two
   * processes (the exchange and the `tickwire accounts` CLI) may write the same file.
   */
  busyTimeoutMs?: number;
}

/** SQLite's extended result code for a UNIQUE constraint (sqlite.org/rescode.html#constraint_unique). */
export const SQLITE_CONSTRAINT_UNIQUE = 2067;

/** The extended SQLite result code of a node:sqlite error, or 0 for any other error. */
export function sqliteCode(error: unknown): number {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  return typeof code === 'number' ? code : 0;
}

export class AccountsDb {
  /** The path given ('' or ':memory:' for a private in-memory database). */
  readonly path: string;
  /** The open connection, for the stores' prepared statements. */
  readonly sqlite: DatabaseSync;

  constructor(path: string, options: AccountsDbOptions = {}) {
    this.path = path;
    try {
      this.sqlite = new DatabaseSync(path, { enableForeignKeyConstraints: true });
    } catch (error) {
      throw new AccountError(AccountErrorKind.Database, `cannot open ${path}: ${(error as Error).message}`, 'path', { cause: error });
    }
    try {
      this.sqlite.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      // WAL: readers and one writer at once. synchronous=FULL: an account, an API key shown
      // to its owner or a KYC audit row is on disk when the call returns (writes are rare,
      // and a session's last-seen time is written at most once a second per session).
      this.sqlite.exec('PRAGMA journal_mode = WAL');
      this.sqlite.exec('PRAGMA synchronous = FULL');
      this.migrate();
    } catch (error) {
      this.sqlite.close();
      if (error instanceof AccountError) throw error;
      throw new AccountError(AccountErrorKind.Database, `cannot prepare ${path}: ${(error as Error).message}`, 'path', { cause: error });
    }
  }

  /** The schema version of the open file (SCHEMA_VERSION after a successful open). */
  schemaVersion(): number {
    const row = this.sqlite.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
    return row?.version ?? 0;
  }

  /** SQLite's journal mode: 'wal' for a file, 'memory' for ':memory:'. */
  journalMode(): string {
    const row = this.sqlite.prepare('PRAGMA journal_mode').get() as { journal_mode: string };
    return row.journal_mode;
  }

  /**
   * Runs `fn` in one write transaction (BEGIN IMMEDIATE: takes the write lock first, so a
   * read-then-write such as "count sessions, then insert one" cannot race another process).
   * An AccountError thrown inside rolls back and passes through; any other error rolls back
   * and becomes TW_ERR_ACCOUNT_DB.
   */
  write<T>(what: string, fn: () => T): T {
    try {
      this.sqlite.exec('BEGIN IMMEDIATE');
    } catch (error) {
      throw this.failed(what, error);
    }
    try {
      const result = fn();
      this.sqlite.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.sqlite.isTransaction) this.sqlite.exec('ROLLBACK');
      throw this.failed(what, error);
    }
  }

  /** Runs `fn` outside a transaction (a read, or one autocommitted statement); an error other than an AccountError becomes TW_ERR_ACCOUNT_DB. */
  guard<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw this.failed(what, error);
    }
  }

  close(): void {
    if (this.sqlite.isOpen) this.sqlite.close();
  }

  private failed(what: string, error: unknown): AccountError {
    if (error instanceof AccountError) return error;
    return new AccountError(AccountErrorKind.Database, `${what} in ${this.path}: ${(error as Error).message}`, '', { cause: error });
  }

  private migrate(): void {
    this.sqlite.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    let version = this.schemaVersion();
    if (version > SCHEMA_VERSION) {
      throw new AccountError(AccountErrorKind.Schema, `${this.path} has schema version ${version}; this code knows up to ${SCHEMA_VERSION}`, 'path');
    }
    while (version < SCHEMA_VERSION) {
      const next = version + 1;
      this.write(`migrating to schema version ${next}`, () => {
        this.sqlite.exec(MIGRATIONS[version]);
        this.sqlite.exec('DELETE FROM schema_version');
        this.sqlite.prepare('INSERT INTO schema_version (version) VALUES (?)').run(next);
      });
      version = next;
    }
  }
}
