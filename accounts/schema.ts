// The account database's schema, as numbered migrations. A migration is never edited once
// released: a change is a new entry, so any older file upgrades in order on open. The
// version reached is kept in `schema_version` (one row).

/** Migration N (1-based) takes the schema from version N-1 to N. */
export const MIGRATIONS: readonly string[] = [
  // 1: accounts, their API keys, the audit of admin changes, sessions and suspensions.
  `
  CREATE TABLE accounts (
    -- AUTOINCREMENT: an id is never reused, even after a delete, since the exchange core's
    -- journal and positions refer to accounts by id. 0 (the house account) is never stored.
    id INTEGER PRIMARY KEY AUTOINCREMENT CHECK (id BETWEEN 1 AND 2147483647),
    name TEXT NOT NULL COLLATE NOCASE UNIQUE,
    login_id TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(login_id) = 6),
    password_hash TEXT,
    kyc TEXT NOT NULL CHECK (kyc IN ('pending', 'approved', 'rejected')),
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    risk_class TEXT NOT NULL DEFAULT 'retail',
    allow_short INTEGER NOT NULL CHECK (allow_short IN (0, 1)),
    cancel_on_disconnect INTEGER NOT NULL CHECK (cancel_on_disconnect IN (0, 1)),
    kill_switch INTEGER NOT NULL CHECK (kill_switch IN (0, 1)),
    created_ms INTEGER NOT NULL
  );
  CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    label TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER
  );
  CREATE INDEX api_keys_account ON api_keys(account_id);
  CREATE TABLE account_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    field TEXT NOT NULL,
    from_value TEXT,
    to_value TEXT NOT NULL,
    actor TEXT NOT NULL,
    at_ms INTEGER NOT NULL
  );
  CREATE INDEX account_audit_account ON account_audit(account_id, field);
  CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    suspended INTEGER NOT NULL DEFAULT 0 CHECK (suspended IN (0, 1)),
    suspend_reason TEXT,
    suspension_count INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX sessions_account ON sessions(account_id);
  CREATE TABLE session_suspensions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- No foreign key: the record outlives the session row (logged out after the lift).
    session_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    lifted_ms INTEGER,
    lifted_by TEXT
  );
  CREATE INDEX session_suspensions_account ON session_suspensions(account_id);
  `,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;
