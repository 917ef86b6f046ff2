// Server-side sessions (not JWTs): the server can list them, end one, end them all at once,
// cap how many an account holds, and suspend one, none of which a self-contained token
// allows. A login returns an opaque random token (`tws_...`); only its SHA-256 is stored.
//
// Suspension: a suspended session cannot trade but still reads and is listed. It does not
// expire and cannot be logged out, and (by default) the account cannot open another
// session while one is suspended: otherwise logging in again would undo the suspension,
// which only an admin's `liftSuspension` may do.
import type { StatementSync } from 'node:sqlite';
import { isAccountId } from './account';
import type { AccountsDb } from './accounts-db';
import { AccountError, AccountErrorKind, type AccountErrorCode, accountErrorName, newRefusalCounts, type RefusalCounts } from './errors';
import { hashSecret, isWellFormedSecret, newSecret, SESSION_TOKEN_PREFIX } from './secret-token';

export interface SessionStoreOptions {
  /** Most concurrent sessions per account (suspended ones count); at the limit login is refused. Default 5. */
  maxSessionsPerAccount?: number;
  /** A session unused this long ends (ms). Default 30 minutes. */
  idleTimeoutMs?: number;
  /** A session this old ends however busy (ms). Default 12 hours. */
  absoluteTimeoutMs?: number;
  /**
   * Last-seen is written at most this often per session (ms): validating a session on every
   * request must not be a disk write on every request. Idle expiry is this coarse. Default 1000.
   */
  lastSeenWriteMs?: number;
  /** Let an account log in while one of its sessions is suspended. Default false. */
  loginWhileSuspended?: boolean;
  /** Wall-clock milliseconds (a test passes its own). Default Date.now. */
  nowMs?: () => number;
}

export interface LoginContext {
  /** The peer's address, as the socket gives it. */
  ip: string;
  /** The User-Agent header, or a binary protocol's name; cut to 256 characters. */
  userAgent?: string;
}

export interface SessionInfo {
  id: number;
  accountId: number;
  createdMs: number;
  lastSeenMs: number;
  ip: string;
  userAgent: string;
  suspended: boolean;
  /** Why it is suspended (a TW_ERR_SESSION_* code or an admin's word), or null. */
  suspendReason: string | null;
  /** How many times this session has been suspended. */
  suspensionCount: number;
}

export interface NewSession {
  session: SessionInfo;
  /** The bearer token: given to the client once, stored only as a hash. */
  token: string;
}

/** What the caller is about to do with the session: a suspended session may read, not trade. */
export type SessionPurpose = 'read' | 'trade';

export interface SuspensionRecord {
  id: number;
  sessionId: number;
  accountId: number;
  reason: string;
  detail: string;
  atMs: number;
  liftedMs: number | null;
  liftedBy: string | null;
}

/** Session events, counted for /metrics. */
export interface SessionCounts {
  logins: number;
  logouts: number;
  expired: number;
  suspensions: number;
  lifts: number;
}

interface SessionRow {
  id: number;
  account_id: number;
  created_ms: number;
  last_seen_ms: number;
  ip: string;
  user_agent: string;
  suspended: number;
  suspend_reason: string | null;
  suspension_count: number;
}

interface SuspensionRow {
  id: number;
  session_id: number;
  account_id: number;
  reason: string;
  detail: string;
  at_ms: number;
  lifted_ms: number | null;
  lifted_by: string | null;
}

const USER_AGENT_MAX = 256;
const IP_MAX = 64;
const TEXT_MAX = 256;
const SESSION_COLUMNS = 's.id, s.account_id, s.created_ms, s.last_seen_ms, s.ip, s.user_agent, s.suspended, s.suspend_reason, s.suspension_count';

function toSession(row: SessionRow): SessionInfo {
  return {
    id: row.id,
    accountId: row.account_id,
    createdMs: row.created_ms,
    lastSeenMs: row.last_seen_ms,
    ip: row.ip,
    userAgent: row.user_agent,
    suspended: row.suspended === 1,
    suspendReason: row.suspend_reason,
    suspensionCount: row.suspension_count,
  };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`session store ${name} must be above 0, got ${v}`);
  return v;
}

export class SessionStore {
  /** Refusals by code (every code present), and suspensions by their TW_ERR_SESSION_* reason. */
  readonly refused: RefusalCounts = newRefusalCounts();
  readonly counts: SessionCounts = { logins: 0, logouts: 0, expired: 0, suspensions: 0, lifts: 0 };
  readonly maxSessionsPerAccount: number;
  readonly idleTimeoutMs: number;
  readonly absoluteTimeoutMs: number;
  private readonly lastSeenWriteMs: number;
  private readonly loginWhileSuspended: boolean;
  private readonly nowMs: () => number;
  private readonly db: AccountsDb;
  private readonly q: {
    accountStatus: StatementSync;
    purgeAccount: StatementSync;
    purgeAll: StatementSync;
    countLive: StatementSync;
    countSuspended: StatementSync;
    insert: StatementSync;
    byHash: StatementSync;
    byId: StatementSync;
    ofAccount: StatementSync;
    touch: StatementSync;
    remove: StatementSync;
    removeUnsuspended: StatementSync;
    suspend: StatementSync;
    recordSuspension: StatementSync;
    lift: StatementSync;
    recordLift: StatementSync;
    suspensionsOf: StatementSync;
  };

  constructor(db: AccountsDb, options: SessionStoreOptions = {}) {
    this.db = db;
    this.maxSessionsPerAccount = positive(options.maxSessionsPerAccount, 5, 'maxSessionsPerAccount');
    this.idleTimeoutMs = positive(options.idleTimeoutMs, 30 * 60_000, 'idleTimeoutMs');
    this.absoluteTimeoutMs = positive(options.absoluteTimeoutMs, 12 * 3_600_000, 'absoluteTimeoutMs');
    this.lastSeenWriteMs = positive(options.lastSeenWriteMs, 1000, 'lastSeenWriteMs');
    this.loginWhileSuspended = options.loginWhileSuspended ?? false;
    this.nowMs = options.nowMs ?? Date.now;
    const s = db.sqlite;
    // Expired: idle past idleTimeoutMs, or older than absoluteTimeoutMs. Never a suspended session.
    const expired = 's.suspended = 0 AND (s.last_seen_ms < $now - $idle OR s.created_ms < $now - $absolute)';
    this.q = {
      accountStatus: s.prepare('SELECT status FROM accounts WHERE id = ?'),
      purgeAccount: s.prepare(`DELETE FROM sessions AS s WHERE s.account_id = $account AND ${expired}`),
      purgeAll: s.prepare(`DELETE FROM sessions AS s WHERE ${expired}`),
      countLive: s.prepare('SELECT count(*) AS n FROM sessions WHERE account_id = ?'),
      countSuspended: s.prepare('SELECT count(*) AS n FROM sessions WHERE account_id = ? AND suspended = 1'),
      insert: s.prepare('INSERT INTO sessions (account_id, token_hash, created_ms, last_seen_ms, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?)'),
      byHash: s.prepare(`SELECT ${SESSION_COLUMNS}, a.status AS account_status FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = ?`),
      byId: s.prepare(`SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.id = ?`),
      ofAccount: s.prepare(`SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.account_id = ? ORDER BY s.id`),
      touch: s.prepare('UPDATE sessions SET last_seen_ms = ? WHERE id = ?'),
      remove: s.prepare('DELETE FROM sessions WHERE id = ?'),
      removeUnsuspended: s.prepare('DELETE FROM sessions WHERE account_id = ? AND suspended = 0'),
      suspend: s.prepare('UPDATE sessions SET suspended = 1, suspend_reason = ?, suspension_count = suspension_count + 1 WHERE id = ? AND suspended = 0'),
      recordSuspension: s.prepare('INSERT INTO session_suspensions (session_id, account_id, reason, detail, at_ms) VALUES (?, ?, ?, ?, ?)'),
      lift: s.prepare('UPDATE sessions SET suspended = 0, suspend_reason = NULL, last_seen_ms = ? WHERE id = ? AND suspended = 1'),
      recordLift: s.prepare('UPDATE session_suspensions SET lifted_ms = ?, lifted_by = ? WHERE session_id = ? AND lifted_ms IS NULL'),
      suspensionsOf: s.prepare('SELECT * FROM session_suspensions WHERE account_id = ? ORDER BY id'),
    };
  }

  /**
   * Opens a session for an authenticated account. Refused (never by evicting another
   * session) at the limit, while the account is suspended, or while one of its sessions is.
   */
  login(accountId: number, context: LoginContext): NewSession {
    const ip = context?.ip;
    if (typeof ip !== 'string' || ip === '' || ip.length > IP_MAX) throw this.refuse(AccountErrorKind.BadIp, `the peer address ${JSON.stringify(ip)} is not an address`, 'ip');
    const userAgent = typeof context.userAgent === 'string' ? context.userAgent.slice(0, USER_AGENT_MAX) : '';
    this.checkAccountId(accountId);
    this.purge(accountId);
    return this.db.write('opening a session', () => {
      const account = this.q.accountStatus.get(accountId) as { status: string } | undefined;
      if (account === undefined) throw this.refuse(AccountErrorKind.NotFound, `no account ${accountId}`, 'accountId');
      if (account.status !== 'active') throw this.refuse(AccountErrorKind.Suspended, `account ${accountId} is suspended`, 'accountId');
      if (!this.loginWhileSuspended && this.count(this.q.countSuspended, accountId) > 0) {
        throw this.refuse(AccountErrorKind.SessionSuspended, `account ${accountId} has a suspended session; an admin must lift it before a new login`, 'accountId');
      }
      const live = this.count(this.q.countLive, accountId);
      if (live >= this.maxSessionsPerAccount) {
        throw this.refuse(AccountErrorKind.SessionLimit, `account ${accountId} has ${live} sessions, the most allowed (${this.maxSessionsPerAccount})`, 'accountId');
      }
      const token = newSecret(SESSION_TOKEN_PREFIX);
      const now = this.nowMs();
      const id = Number(this.q.insert.run(accountId, hashSecret(token), now, now, ip, userAgent).lastInsertRowid);
      this.counts.logins++;
      return {
        token,
        session: { id, accountId, createdMs: now, lastSeenMs: now, ip, userAgent, suspended: false, suspendReason: null, suspensionCount: 0 },
      };
    });
  }

  /**
   * The session a token names, checked: unknown, expired (then ended), account suspended,
   * or (for 'trade') the session suspended are refused with their code. Marks it seen.
   */
  validate(token: string, purpose: SessionPurpose = 'read'): SessionInfo {
    if (!isWellFormedSecret(token, SESSION_TOKEN_PREFIX)) throw this.refuse(AccountErrorKind.SessionUnknown, 'not a session token (tws_ and 43 base64url characters)', 'token');
    const row = this.db.guard('reading a session', () => this.q.byHash.get(hashSecret(token))) as (SessionRow & { account_status: string }) | undefined;
    if (row === undefined) throw this.refuse(AccountErrorKind.SessionUnknown, 'no such session (logged out, expired or never issued)', 'token');
    const now = this.nowMs();
    if (row.suspended === 0 && this.isExpired(row, now)) {
      this.db.guard('ending an expired session', () => this.q.remove.run(row.id));
      this.counts.expired++;
      throw this.refuse(AccountErrorKind.SessionExpired, `session ${row.id} expired`, 'token');
    }
    if (row.account_status !== 'active') throw this.refuse(AccountErrorKind.Suspended, `account ${row.account_id} is suspended`, 'token');
    if (row.suspended === 1 && purpose === 'trade') {
      throw this.refuse(AccountErrorKind.SessionSuspended, `session ${row.id} is suspended (${row.suspend_reason}); an admin lifts it`, 'token');
    }
    if (now - row.last_seen_ms >= this.lastSeenWriteMs) {
      this.db.guard('marking a session seen', () => this.q.touch.run(now, row.id));
      row.last_seen_ms = now;
    }
    return toSession(row);
  }

  /** Ends the token's session. False when there is none; a suspended session is refused (an admin lifts it first). */
  logout(token: string): boolean {
    if (!isWellFormedSecret(token, SESSION_TOKEN_PREFIX)) return false;
    const row = this.db.guard('reading a session', () => this.q.byHash.get(hashSecret(token))) as SessionRow | undefined;
    return row === undefined ? false : this.end(row);
  }

  /** Ends one of the account's sessions by id (from `list`). False when the account has no such session. */
  logoutSession(accountId: number, sessionId: number): boolean {
    this.checkAccountId(accountId);
    const row = this.db.guard('reading a session', () => this.q.byId.get(sessionId)) as SessionRow | undefined;
    return row === undefined || row.account_id !== accountId ? false : this.end(row);
  }

  /** Log out everywhere: ends every session of the account but suspended ones. Returns how many ended. */
  logoutAll(accountId: number): number {
    this.checkAccountId(accountId);
    const ended = Number(this.db.write('logging out everywhere', () => this.q.removeUnsuspended.run(accountId).changes));
    this.counts.logouts += ended;
    return ended;
  }

  /** The account's sessions (suspended ones included, expired ones ended first), oldest first. */
  list(accountId: number): SessionInfo[] {
    this.checkAccountId(accountId);
    this.purge(accountId);
    const rows = this.db.guard('listing sessions', () => this.q.ofAccount.all(accountId)) as unknown as SessionRow[];
    return rows.map(toSession);
  }

  get(sessionId: number): SessionInfo | undefined {
    const row = this.db.guard('reading a session', () => this.q.byId.get(sessionId)) as SessionRow | undefined;
    return row === undefined ? undefined : toSession(row);
  }

  /**
   * Suspends a session (the abnormal-traffic detector's verdict, or an admin's): it can no
   * longer trade until `liftSuspension`. Counted and recorded. False if there is no such
   * session or it is already suspended.
   */
  suspend(sessionId: number, reason: string, detail = ''): boolean {
    if (typeof reason !== 'string' || reason === '' || reason.length > TEXT_MAX) throw this.refuse(AccountErrorKind.BadField, 'a suspension needs a reason', 'reason');
    const done = this.db.write('suspending a session', () => {
      const row = this.q.byId.get(sessionId) as SessionRow | undefined;
      if (row === undefined || this.q.suspend.run(reason, sessionId).changes === 0) return false;
      this.q.recordSuspension.run(sessionId, row.account_id, reason, String(detail).slice(0, TEXT_MAX), this.nowMs());
      return true;
    });
    if (done) {
      this.counts.suspensions++;
      if (reason in this.refused) this.refused[reason as AccountErrorCode]++;
    }
    return done;
  }

  /** The admin call that lifts a suspension (the only one). Recorded with `actor`. False if it was not suspended. */
  liftSuspension(sessionId: number, actor: string): boolean {
    if (typeof actor !== 'string' || actor.trim() === '' || actor.length > TEXT_MAX) throw this.refuse(AccountErrorKind.BadField, 'lifting a suspension needs the admin who does it', 'actor');
    const done = this.db.write('lifting a suspension', () => {
      const now = this.nowMs();
      // Seen now: the time it sat suspended does not count as idle.
      if (this.q.lift.run(now, sessionId).changes === 0) return false;
      this.q.recordLift.run(now, actor, sessionId);
      return true;
    });
    if (done) this.counts.lifts++;
    return done;
  }

  /** Every suspension of the account's sessions, lifted or not, oldest first. */
  suspensions(accountId: number): SuspensionRecord[] {
    this.checkAccountId(accountId);
    const rows = this.db.guard('listing suspensions', () => this.q.suspensionsOf.all(accountId)) as unknown as SuspensionRow[];
    return rows.map((r) => ({
      id: r.id,
      sessionId: r.session_id,
      accountId: r.account_id,
      reason: r.reason,
      detail: r.detail,
      atMs: r.at_ms,
      liftedMs: r.lifted_ms,
      liftedBy: r.lifted_by,
    }));
  }

  /** Ends every expired session of every account (call now and then; each account's are also ended on its next login or list). */
  purgeExpired(): number {
    const now = this.nowMs();
    const ended = Number(this.db.write('ending expired sessions', () => this.q.purgeAll.run({ now, idle: this.idleTimeoutMs, absolute: this.absoluteTimeoutMs }).changes));
    this.counts.expired += ended;
    return ended;
  }

  private purge(accountId: number): void {
    const now = this.nowMs();
    const ended = Number(
      this.db.write('ending expired sessions', () => this.q.purgeAccount.run({ account: accountId, now, idle: this.idleTimeoutMs, absolute: this.absoluteTimeoutMs }).changes),
    );
    this.counts.expired += ended;
  }

  private end(row: SessionRow): boolean {
    if (row.suspended === 1) throw this.refuse(AccountErrorKind.SessionSuspended, `session ${row.id} is suspended and stays until an admin lifts it`, 'token');
    const ended = this.db.write('logging out', () => this.q.remove.run(row.id).changes) === 1;
    if (ended) this.counts.logouts++;
    return ended;
  }

  private isExpired(row: SessionRow, now: number): boolean {
    return now - row.last_seen_ms > this.idleTimeoutMs || now - row.created_ms > this.absoluteTimeoutMs;
  }

  private count(statement: StatementSync, accountId: number): number {
    return (statement.get(accountId) as { n: number }).n;
  }

  private checkAccountId(accountId: number): void {
    if (!isAccountId(accountId)) throw this.refuse(AccountErrorKind.BadId, `account id ${String(accountId)} is not an integer in 1..2147483647`, 'accountId');
  }

  private refuse(kind: AccountErrorKind, detail: string, field: string): AccountError {
    this.refused[accountErrorName(kind) as AccountErrorCode]++;
    return new AccountError(kind, detail, field);
  }
}
