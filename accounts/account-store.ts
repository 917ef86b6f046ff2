// Accounts, their API keys, their passwords and the audit of every admin change (KYC,
// status, kill switch, risk settings, keys). Reads and writes go to SQLite through
// statements prepared once; writes are one transaction each. Every refusal throws an
// AccountError with a stable code and is counted in `refused`.
import type { StatementSync } from 'node:sqlite';
import {
  type Account,
  type AccountStatus,
  isAccountId,
  KYC_STATES,
  type KycState,
} from './account';
import { type AccountsDb, SQLITE_CONSTRAINT_UNIQUE, sqliteCode } from './accounts-db';
import { AccountError, AccountErrorKind, accountErrorName, type AccountErrorCode, newRefusalCounts, type RefusalCounts } from './errors';
import { LOGIN_ID_PATTERN, type RandomBytes, randomLoginId } from './login-id';
import { DEFAULT_SCRYPT, PasswordHasher, type ScryptParams } from './password-hasher';
import { BINARY_PASSWORD_MAX, DEFAULT_PASSWORD_POLICY, type PasswordPolicy, passwordProblem } from './password-policy';
import { API_KEY_PREFIX, hashSecret, isWellFormedSecret, newSecret } from './secret-token';

export interface AccountStoreOptions {
  /** scrypt cost for new passwords (tests pass a cheap one). Default DEFAULT_SCRYPT. */
  scrypt?: ScryptParams;
  passwordPolicy?: PasswordPolicy;
  /** Wall-clock milliseconds (created and audit times). Default Date.now. */
  nowMs?: () => number;
  /** Random bytes for login ids (a test passes a seeded source). Default node:crypto's. */
  random?: RandomBytes;
}

export interface CreateAccountOptions {
  /** Without one the account authenticates by API key only. */
  password?: string;
  kyc?: KycState;
  riskClass?: string;
  allowShort?: boolean;
  cancelOnDisconnect?: boolean;
  /** Who created it, for the audit. Default 'system'. */
  actor?: string;
  /** The first API key's label. Default 'default'. */
  keyLabel?: string;
}

/** An API key as listed: never the key itself. */
export interface ApiKeyInfo {
  id: number;
  accountId: number;
  label: string;
  createdMs: number;
  /** null while the key works. */
  revokedMs: number | null;
}

/** A key just made: `key` is shown this once and stored only as a hash. */
export interface NewApiKey extends ApiKeyInfo {
  key: string;
}

export interface CreatedAccount {
  account: Account;
  apiKey: NewApiKey;
}

export interface ApiKeyAuth {
  account: Account;
  keyId: number;
}

/** One admin change of an account. `fromValue` is null for the value set at creation. */
export interface AuditEntry {
  id: number;
  accountId: number;
  field: AuditField;
  fromValue: string | null;
  toValue: string;
  actor: string;
  atMs: number;
}

export type AuditField = 'kyc' | 'status' | 'killSwitch' | 'riskClass' | 'allowShort' | 'cancelOnDisconnect' | 'password' | 'apiKey';

export interface AccountListFilter {
  status?: AccountStatus;
  kyc?: KycState;
  /** Accounts with an id above this (paging). Default 0. */
  afterId?: number;
  /** At most this many. Default 1000. */
  limit?: number;
}

const NAME_MAX = 64;
/** Letters, digits, space and . _ - @; starting with a letter or digit. */
const NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} ._@-]*$/u;
const RISK_CLASS_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;
const TEXT_MAX = 64;
const LOGIN_ID_TRIES = 32;

interface AccountRow {
  id: number;
  name: string;
  login_id: string;
  password_hash: string | null;
  kyc: KycState;
  status: AccountStatus;
  risk_class: string;
  allow_short: number;
  cancel_on_disconnect: number;
  kill_switch: number;
  created_ms: number;
}

interface ApiKeyRow {
  id: number;
  account_id: number;
  label: string;
  created_ms: number;
  revoked_ms: number | null;
}

interface AuditRow {
  id: number;
  account_id: number;
  field: AuditField;
  from_value: string | null;
  to_value: string;
  actor: string;
  at_ms: number;
}

/** Account columns whose change is audited, by audit field. */
const COLUMNS = {
  kyc: 'kyc',
  status: 'status',
  killSwitch: 'kill_switch',
  riskClass: 'risk_class',
  allowShort: 'allow_short',
  cancelOnDisconnect: 'cancel_on_disconnect',
} as const;
type SettableField = keyof typeof COLUMNS;

function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    name: row.name,
    loginId: row.login_id,
    kyc: row.kyc,
    status: row.status,
    riskClass: row.risk_class,
    allowShort: row.allow_short === 1,
    cancelOnDisconnect: row.cancel_on_disconnect === 1,
    killSwitch: row.kill_switch === 1,
    hasPassword: row.password_hash !== null,
    createdMs: row.created_ms,
  };
}

function toApiKey(row: ApiKeyRow): ApiKeyInfo {
  return { id: row.id, accountId: row.account_id, label: row.label, createdMs: row.created_ms, revokedMs: row.revoked_ms };
}

export class AccountStore {
  /** Refusals by code (every code present): for the gateway's /metrics. */
  readonly refused: RefusalCounts = newRefusalCounts();
  private readonly db: AccountsDb;
  private readonly hasher: PasswordHasher;
  private readonly policy: PasswordPolicy;
  private readonly nowMs: () => number;
  private readonly random: RandomBytes | undefined;
  private readonly q: {
    byId: StatementSync;
    byName: StatementSync;
    byLoginId: StatementSync;
    byUser: StatementSync;
    nameOrLoginTaken: StatementSync;
    list: StatementSync;
    insert: StatementSync;
    audit: StatementSync;
    auditList: StatementSync;
    auditListField: StatementSync;
    setPassword: StatementSync;
    insertKey: StatementSync;
    keyById: StatementSync;
    keysOf: StatementSync;
    revokeKey: StatementSync;
    byKeyHash: StatementSync;
    setColumn: Record<SettableField, StatementSync>;
  };

  constructor(db: AccountsDb, options: AccountStoreOptions = {}) {
    this.db = db;
    this.hasher = new PasswordHasher(options.scrypt ?? DEFAULT_SCRYPT);
    this.policy = options.passwordPolicy ?? DEFAULT_PASSWORD_POLICY;
    this.nowMs = options.nowMs ?? Date.now;
    this.random = options.random;
    const s = db.sqlite;
    const setColumn = (column: string): StatementSync => s.prepare(`UPDATE accounts SET ${column} = ? WHERE id = ?`);
    this.q = {
      byId: s.prepare('SELECT * FROM accounts WHERE id = ?'),
      byName: s.prepare('SELECT * FROM accounts WHERE name = ?'),
      byLoginId: s.prepare('SELECT * FROM accounts WHERE login_id = ?'),
      byUser: s.prepare('SELECT * FROM accounts WHERE name = $user OR login_id = $user LIMIT 1'),
      nameOrLoginTaken: s.prepare('SELECT 1 AS taken FROM accounts WHERE name = $x OR login_id = $x LIMIT 1'),
      list: s.prepare(
        'SELECT * FROM accounts WHERE ($status IS NULL OR status = $status) AND ($kyc IS NULL OR kyc = $kyc) AND id > $afterId ORDER BY id LIMIT $limit',
      ),
      insert: s.prepare(
        `INSERT INTO accounts (name, login_id, password_hash, kyc, status, risk_class, allow_short, cancel_on_disconnect, kill_switch, created_ms)
         VALUES ($name, $loginId, $passwordHash, $kyc, 'active', $riskClass, $allowShort, $cancelOnDisconnect, 0, $createdMs)`,
      ),
      audit: s.prepare('INSERT INTO account_audit (account_id, field, from_value, to_value, actor, at_ms) VALUES (?, ?, ?, ?, ?, ?)'),
      auditList: s.prepare('SELECT * FROM account_audit WHERE account_id = ? ORDER BY id'),
      auditListField: s.prepare('SELECT * FROM account_audit WHERE account_id = ? AND field = ? ORDER BY id'),
      setPassword: s.prepare('UPDATE accounts SET password_hash = ? WHERE id = ?'),
      insertKey: s.prepare('INSERT INTO api_keys (account_id, label, key_hash, created_ms) VALUES (?, ?, ?, ?)'),
      keyById: s.prepare('SELECT id, account_id, label, created_ms, revoked_ms FROM api_keys WHERE id = ? AND account_id = ?'),
      keysOf: s.prepare('SELECT id, account_id, label, created_ms, revoked_ms FROM api_keys WHERE account_id = ? ORDER BY id'),
      revokeKey: s.prepare('UPDATE api_keys SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL'),
      byKeyHash: s.prepare(
        'SELECT a.*, k.id AS key_id FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.key_hash = ? AND k.revoked_ms IS NULL',
      ),
      setColumn: {
        kyc: setColumn('kyc'),
        status: setColumn('status'),
        killSwitch: setColumn('kill_switch'),
        riskClass: setColumn('risk_class'),
        allowShort: setColumn('allow_short'),
        cancelOnDisconnect: setColumn('cancel_on_disconnect'),
      },
    };
  }

  /**
   * Creates an account, with its first API key (shown once in the result). The name and
   * every login id share one namespace, case-insensitively, so "name or login id" at login
   * always means one account.
   */
  async create(name: string, options: CreateAccountOptions = {}): Promise<CreatedAccount> {
    this.checkName(name);
    const kyc = options.kyc ?? 'pending';
    if (!KYC_STATES.includes(kyc)) throw this.refuse(AccountErrorKind.BadField, `kyc must be one of ${KYC_STATES.join(', ')}, got ${String(kyc)}`, 'kyc');
    const riskClass = options.riskClass ?? 'retail';
    this.checkRiskClass(riskClass);
    const allowShort = this.checkBoolean(options.allowShort ?? false, 'allowShort');
    const cancelOnDisconnect = this.checkBoolean(options.cancelOnDisconnect ?? false, 'cancelOnDisconnect');
    const actor = this.checkText(options.actor ?? 'system', 'actor');
    const keyLabel = this.checkText(options.keyLabel ?? 'default', 'keyLabel');
    if (options.password !== undefined) this.checkNewPassword(options.password);
    // Fail fast before the slow hash; checked again inside the transaction.
    this.checkNameFree(name);
    const passwordHash = options.password === undefined ? null : await this.hasher.hash(options.password);
    return this.db.write('creating an account', () => {
      this.checkNameFree(name);
      const loginId = this.freshLoginId();
      const now = this.nowMs();
      let id: number;
      try {
        id = Number(
          this.q.insert.run({
            name,
            loginId,
            passwordHash,
            kyc,
            riskClass,
            allowShort: allowShort ? 1 : 0,
            cancelOnDisconnect: cancelOnDisconnect ? 1 : 0,
            createdMs: now,
          }).lastInsertRowid,
        );
      } catch (error) {
        if (sqliteCode(error) === SQLITE_CONSTRAINT_UNIQUE) throw this.refuse(AccountErrorKind.DuplicateName, `the name ${JSON.stringify(name)} is taken`, 'name');
        throw error;
      }
      this.q.audit.run(id, 'kyc', null, kyc, actor, now);
      const apiKey = this.insertKey(id, keyLabel, now);
      return { account: this.mustExist(id), apiKey };
    });
  }

  get(id: number): Account | undefined {
    if (!isAccountId(id)) return undefined;
    return this.db.guard('reading an account', () => this.rowToAccount(this.q.byId.get(id)));
  }

  getByName(name: string): Account | undefined {
    if (typeof name !== 'string') return undefined;
    return this.db.guard('reading an account', () => this.rowToAccount(this.q.byName.get(name)));
  }

  getByLoginId(loginId: string): Account | undefined {
    if (typeof loginId !== 'string' || !LOGIN_ID_PATTERN.test(loginId.toUpperCase())) return undefined;
    return this.db.guard('reading an account', () => this.rowToAccount(this.q.byLoginId.get(loginId)));
  }

  list(filter: AccountListFilter = {}): Account[] {
    const limit = filter.limit ?? 1000;
    const afterId = filter.afterId ?? 0;
    if (!Number.isInteger(limit) || limit < 1) throw this.refuse(AccountErrorKind.BadField, `limit must be an integer from 1, got ${limit}`, 'limit');
    if (!Number.isInteger(afterId) || afterId < 0) throw this.refuse(AccountErrorKind.BadField, `afterId must be an integer from 0, got ${afterId}`, 'afterId');
    const rows = this.db.guard('listing accounts', () =>
      this.q.list.all({ status: filter.status ?? null, kyc: filter.kyc ?? null, afterId, limit }),
    ) as unknown as AccountRow[];
    return rows.map(toAccount);
  }

  /** Sets the KYC state; every change is audited (account, from, to, actor, time). Same state: no change, no audit row. */
  setKyc(id: number, state: KycState, actor: string): Account {
    if (!KYC_STATES.includes(state)) throw this.refuse(AccountErrorKind.BadField, `kyc must be one of ${KYC_STATES.join(', ')}, got ${String(state)}`, 'kyc');
    return this.change(id, 'kyc', state, actor);
  }

  suspend(id: number, actor: string): Account {
    return this.change(id, 'status', 'suspended', actor);
  }

  resume(id: number, actor: string): Account {
    return this.change(id, 'status', 'active', actor);
  }

  /** The kill switch refuses new orders; the exchange core cancels the open ones when it goes on. */
  setKillSwitch(id: number, on: boolean, actor: string): Account {
    return this.change(id, 'killSwitch', this.checkBoolean(on, 'killSwitch'), actor);
  }

  setRiskClass(id: number, riskClass: string, actor: string): Account {
    this.checkRiskClass(riskClass);
    return this.change(id, 'riskClass', riskClass, actor);
  }

  setAllowShort(id: number, allow: boolean, actor: string): Account {
    return this.change(id, 'allowShort', this.checkBoolean(allow, 'allowShort'), actor);
  }

  setCancelOnDisconnect(id: number, on: boolean, actor: string): Account {
    return this.change(id, 'cancelOnDisconnect', this.checkBoolean(on, 'cancelOnDisconnect'), actor);
  }

  /** Sets (or with null, removes: API keys only) the password. Audited without the password. */
  async setPassword(id: number, password: string | null, actor: string): Promise<Account> {
    this.mustExist(id);
    this.checkText(actor, 'actor');
    if (password !== null) this.checkNewPassword(password);
    const hash = password === null ? null : await this.hasher.hash(password);
    return this.db.write('setting a password', () => {
      this.mustExist(id);
      this.q.setPassword.run(hash, id);
      this.q.audit.run(id, 'password', null, hash === null ? 'removed' : 'set', actor, this.nowMs());
      return this.mustExist(id);
    });
  }

  /** The account's audit, oldest first; only one field's with `field`. */
  auditLog(id: number, field?: AuditField): AuditEntry[] {
    this.mustExist(id);
    const rows = this.db.guard('reading the audit', () =>
      field === undefined ? this.q.auditList.all(id) : this.q.auditListField.all(id, field),
    ) as unknown as AuditRow[];
    return rows.map((r) => ({ id: r.id, accountId: r.account_id, field: r.field, fromValue: r.from_value, toValue: r.to_value, actor: r.actor, atMs: r.at_ms }));
  }

  /** Every KYC change of the account, the state at creation first. */
  kycAudit(id: number): AuditEntry[] {
    return this.auditLog(id, 'kyc');
  }

  /** A new API key for the account (accounts may hold several, each with its own label). */
  createApiKey(accountId: number, label: string, actor = 'system'): NewApiKey {
    this.checkText(label, 'label');
    this.checkText(actor, 'actor');
    return this.db.write('creating an API key', () => {
      this.mustExist(accountId);
      const now = this.nowMs();
      const key = this.insertKey(accountId, label, now);
      this.q.audit.run(accountId, 'apiKey', null, `created #${key.id}`, actor, now);
      return key;
    });
  }

  listApiKeys(accountId: number): ApiKeyInfo[] {
    this.mustExist(accountId);
    const rows = this.db.guard('listing API keys', () => this.q.keysOf.all(accountId)) as unknown as ApiKeyRow[];
    return rows.map(toApiKey);
  }

  /** Revokes a key: it never authenticates again. Revoking a revoked key changes nothing. */
  revokeApiKey(accountId: number, keyId: number, actor = 'system'): ApiKeyInfo {
    this.checkText(actor, 'actor');
    return this.db.write('revoking an API key', () => this.revokeInside(accountId, keyId, actor));
  }

  /** Revokes `keyId` and makes its replacement (same label unless given), in one transaction. */
  rotateApiKey(accountId: number, keyId: number, label?: string, actor = 'system'): NewApiKey {
    this.checkText(actor, 'actor');
    if (label !== undefined) this.checkText(label, 'label');
    return this.db.write('rotating an API key', () => {
      const old = this.revokeInside(accountId, keyId, actor);
      const now = this.nowMs();
      const key = this.insertKey(accountId, label ?? old.label, now);
      this.q.audit.run(accountId, 'apiKey', `#${old.id}`, `rotated to #${key.id}`, actor, now);
      return key;
    });
  }

  /**
   * Authenticates by name or login id and password. An unknown user costs a hash's time like
   * a known one and gets the same code, so neither timing nor the answer tells which names
   * exist. A suspended account is refused after the password is checked.
   */
  async authenticatePassword(user: string, password: string): Promise<Account> {
    if (typeof password === 'string' && password.length > this.policy.maxLength) {
      throw this.refuse(AccountErrorKind.PasswordTooLong, `the password is ${password.length} characters, over ${this.policy.maxLength}`, 'password');
    }
    if (typeof user !== 'string' || typeof password !== 'string' || user === '' || user.length > NAME_MAX) {
      throw this.refuse(AccountErrorKind.BadCredentials, 'a user (name or login id) and a password are needed', 'user');
    }
    const row = this.db.guard('authenticating', () => this.q.byUser.get({ user })) as AccountRow | undefined;
    return this.verifyPassword(row, password);
  }

  /**
   * Authenticates a binary-protocol login (OUCH, SoupBinTCP Login Request): username is the
   * 6-character login id and password at most 10 characters, both Alpha fields whose right
   * padding of spaces is removed here.
   */
  async authenticateBinary(username: string, password: string): Promise<Account> {
    if (typeof username !== 'string' || typeof password !== 'string') {
      throw this.refuse(AccountErrorKind.BadCredentials, 'a username and a password are needed', 'username');
    }
    const user = username.trimEnd();
    const pass = password.trimEnd();
    if (pass.length > BINARY_PASSWORD_MAX) {
      throw this.refuse(AccountErrorKind.PasswordTooLong, `a binary-protocol password is at most ${BINARY_PASSWORD_MAX} characters, got ${pass.length}`, 'password');
    }
    if (!LOGIN_ID_PATTERN.test(user.toUpperCase())) {
      await this.hasher.verifyDecoy(pass);
      throw this.refuse(AccountErrorKind.BadCredentials, 'the username is not a 6-character login id', 'username');
    }
    const row = this.db.guard('authenticating', () => this.q.byLoginId.get(user)) as AccountRow | undefined;
    return this.verifyPassword(row, pass);
  }

  /** Authenticates an API key (`Authorization: Bearer twk_...`). Revoked and unknown keys are refused alike. */
  authenticateApiKey(key: string): ApiKeyAuth {
    if (!isWellFormedSecret(key, API_KEY_PREFIX)) throw this.refuse(AccountErrorKind.BadKey, 'the key is not a Tickwire API key (twk_ and 43 base64url characters)', 'key');
    const row = this.db.guard('authenticating a key', () => this.q.byKeyHash.get(hashSecret(key))) as (AccountRow & { key_id: number }) | undefined;
    if (row === undefined) throw this.refuse(AccountErrorKind.BadKey, 'no working key matches', 'key');
    if (row.status !== 'active') throw this.refuse(AccountErrorKind.Suspended, `account ${row.id} is suspended`, 'key');
    return { account: toAccount(row), keyId: row.key_id };
  }

  /** Counts a refusal and builds its error. */
  private refuse(kind: AccountErrorKind, detail: string, field = ''): AccountError {
    this.refused[accountErrorName(kind) as AccountErrorCode]++;
    return new AccountError(kind, detail, field);
  }

  private async verifyPassword(row: AccountRow | undefined, password: string): Promise<Account> {
    if (row === undefined || row.password_hash === null) {
      await this.hasher.verifyDecoy(password);
      throw this.refuse(AccountErrorKind.BadCredentials, 'unknown user or wrong password', 'password');
    }
    if (!(await this.hasher.verify(password, row.password_hash))) {
      throw this.refuse(AccountErrorKind.BadCredentials, 'unknown user or wrong password', 'password');
    }
    if (row.status !== 'active') throw this.refuse(AccountErrorKind.Suspended, `account ${row.id} is suspended`, 'user');
    return toAccount(row);
  }

  private change(id: number, field: SettableField, value: string | boolean, actor: string): Account {
    this.checkText(actor, 'actor');
    return this.db.write(`setting ${field}`, () => {
      const before = this.mustExist(id);
      const from = before[field];
      if (from === value) return before;
      this.q.setColumn[field].run(typeof value === 'boolean' ? (value ? 1 : 0) : value, id);
      this.q.audit.run(id, field, String(from), String(value), actor, this.nowMs());
      return this.mustExist(id);
    });
  }

  private revokeInside(accountId: number, keyId: number, actor: string): ApiKeyInfo {
    this.mustExist(accountId);
    const row = Number.isInteger(keyId) ? (this.q.keyById.get(keyId, accountId) as ApiKeyRow | undefined) : undefined;
    if (row === undefined) throw this.refuse(AccountErrorKind.KeyNotFound, `account ${accountId} has no API key #${keyId}`, 'keyId');
    if (row.revoked_ms !== null) return toApiKey(row);
    const now = this.nowMs();
    this.q.revokeKey.run(now, keyId);
    this.q.audit.run(accountId, 'apiKey', `#${keyId}`, 'revoked', actor, now);
    return { ...toApiKey(row), revokedMs: now };
  }

  private insertKey(accountId: number, label: string, now: number): NewApiKey {
    const key = newSecret(API_KEY_PREFIX);
    const id = Number(this.q.insertKey.run(accountId, label, hashSecret(key), now).lastInsertRowid);
    return { id, accountId, label, createdMs: now, revokedMs: null, key };
  }

  /** A login id used by no account as a login id or a name. 36^6 = 2.2 billion ids, so a retry is rare. */
  private freshLoginId(): string {
    for (let i = 0; i < LOGIN_ID_TRIES; i++) {
      const loginId = this.random === undefined ? randomLoginId() : randomLoginId(this.random);
      if (this.q.nameOrLoginTaken.get({ x: loginId }) === undefined) return loginId;
    }
    throw new AccountError(AccountErrorKind.Database, `no free login id after ${LOGIN_ID_TRIES} tries (is the random source stuck?)`);
  }

  private rowToAccount(row: unknown): Account | undefined {
    return row === undefined ? undefined : toAccount(row as AccountRow);
  }

  private mustExist(id: number): Account {
    if (!isAccountId(id)) throw this.refuse(AccountErrorKind.BadId, `account id ${String(id)} is not an integer in 1..2147483647`, 'id');
    const account = this.get(id);
    if (account === undefined) throw this.refuse(AccountErrorKind.NotFound, `no account ${id}`, 'id');
    return account;
  }

  private checkName(name: unknown): void {
    if (typeof name !== 'string' || name === '') throw this.refuse(AccountErrorKind.BadName, 'the name is empty', 'name');
    if (name.length > NAME_MAX) throw this.refuse(AccountErrorKind.BadName, `the name is ${name.length} characters, over ${NAME_MAX}`, 'name');
    if (name.trim() !== name || !NAME_PATTERN.test(name)) throw this.refuse(AccountErrorKind.BadName, `the name ${JSON.stringify(name)} has characters a name may not have`, 'name');
  }

  private checkNameFree(name: string): void {
    const taken = this.db.guard('checking a name', () => this.q.nameOrLoginTaken.get({ x: name }));
    if (taken !== undefined) throw this.refuse(AccountErrorKind.DuplicateName, `the name ${JSON.stringify(name)} is taken (by a name or a login id)`, 'name');
  }

  private checkRiskClass(riskClass: unknown): void {
    if (typeof riskClass !== 'string' || !RISK_CLASS_PATTERN.test(riskClass)) {
      throw this.refuse(AccountErrorKind.BadField, `riskClass must be lower-case letters, digits, _ or - (1-32, a letter first), got ${JSON.stringify(riskClass)}`, 'riskClass');
    }
  }

  private checkBoolean(value: unknown, field: string): boolean {
    if (typeof value !== 'boolean') throw this.refuse(AccountErrorKind.BadField, `${field} must be true or false, got ${JSON.stringify(value)}`, field);
    return value;
  }

  private checkText(value: unknown, field: string): string {
    if (typeof value !== 'string' || value.trim() === '' || value.length > TEXT_MAX) {
      throw this.refuse(AccountErrorKind.BadField, `${field} must be 1-${TEXT_MAX} characters, got ${JSON.stringify(value)}`, field);
    }
    return value;
  }

  private checkNewPassword(password: unknown): void {
    const problem = passwordProblem(password, this.policy);
    if (problem === AccountErrorKind.PasswordTooLong) {
      throw this.refuse(problem, `the password is ${(password as string).length} characters, over ${this.policy.maxLength}`, 'password');
    }
    if (problem !== AccountErrorKind.None) {
      throw this.refuse(problem, `a password is ${this.policy.minLength}-${this.policy.maxLength} characters, without control characters or leading/trailing spaces`, 'password');
    }
  }
}
