// TEST DOUBLES of accounts/'s AccountStore, SessionStore, AbnormalTrafficDetector and
// IpRules, in memory, for order-entry/'s tests while accounts/ is on its own branch. They
// keep the real classes' method shapes and refusal codes (TW_ERR_AUTH_BAD_KEY,
// TW_ERR_SESSION_LIMIT...) but none of their care: passwords are kept in clear, tokens are
// not hashed, the traffic watch is a plain window count. Use the real classes once merged.
import { BlockList, isIPv6 } from 'node:net';
import { randomBytes } from 'node:crypto';
import type {
  AccountDirectory,
  AccountView,
  IpAccess,
  KycState,
  NewAccountOptions,
  SessionDirectory,
  SessionView,
  SuspensionView,
  TrafficWatch,
} from '../../order-entry';

export class DirectoryRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field = '',
  ) {
    super(`${code}: ${message}`);
  }
}

const secret = (prefix: string): string => prefix + randomBytes(32).toString('base64url');

interface StoredAccount extends AccountView {
  password: string | null;
}

export class MemoryAccountStore implements AccountDirectory {
  private readonly accounts = new Map<number, StoredAccount>();
  private readonly keys = new Map<string, { id: number; account: number }>();
  private nextId = 1;
  private nextKey = 1;
  /** Every change with its actor (the KYC audit, in short). */
  readonly audit: Array<{ account: number; field: string; to: string; actor: string }> = [];

  constructor(private readonly now: () => number = Date.now) {}

  create(name: string, options: NewAccountOptions) {
    for (const a of this.accounts.values()) if (a.name.toLowerCase() === name.toLowerCase()) throw new DirectoryRefusal('TW_ERR_ACCOUNT_DUPLICATE_NAME', `the name ${name} is taken`, 'name');
    const id = this.nextId++;
    const a: StoredAccount = {
      id,
      name,
      loginId: `L${String(id).padStart(5, '0')}`,
      kyc: options.kyc ?? 'pending',
      status: 'active',
      riskClass: options.riskClass ?? 'retail',
      allowShort: options.allowShort ?? false,
      killSwitch: false,
      createdMs: this.now(),
      password: options.password ?? null,
    };
    this.accounts.set(id, a);
    this.audit.push({ account: id, field: 'kyc', to: a.kyc, actor: options.actor ?? 'system' });
    const key = secret('twk_');
    const keyId = this.nextKey++;
    this.keys.set(key, { id: keyId, account: id });
    return { account: this.view(a), apiKey: { id: keyId, key } };
  }

  get(id: number): AccountView | undefined {
    const a = this.accounts.get(id);
    return a === undefined ? undefined : this.view(a);
  }

  list(): AccountView[] {
    return [...this.accounts.values()].map((a) => this.view(a));
  }

  authenticateApiKey(key: string) {
    const k = key.startsWith('twk_') ? this.keys.get(key) : undefined;
    if (k === undefined) throw new DirectoryRefusal('TW_ERR_AUTH_BAD_KEY', 'no working key matches', 'key');
    const a = this.accounts.get(k.account) as StoredAccount;
    if (a.status !== 'active') throw new DirectoryRefusal('TW_ERR_ACCOUNT_SUSPENDED', `account ${a.id} is suspended`, 'key');
    return { account: this.view(a), keyId: k.id };
  }

  async authenticatePassword(user: string, password: string): Promise<AccountView> {
    const a = [...this.accounts.values()].find((x) => x.name.toLowerCase() === user.toLowerCase() || x.loginId === user.toUpperCase());
    if (a === undefined || a.password === null || a.password !== password) throw new DirectoryRefusal('TW_ERR_AUTH_BAD_CREDENTIALS', 'unknown user or wrong password', 'password');
    if (a.status !== 'active') throw new DirectoryRefusal('TW_ERR_ACCOUNT_SUSPENDED', `account ${a.id} is suspended`);
    return this.view(a);
  }

  setKyc(id: number, state: KycState, actor: string): AccountView {
    return this.change(id, 'kyc', state, actor);
  }

  suspend(id: number, actor: string): AccountView {
    return this.change(id, 'status', 'suspended', actor);
  }

  resume(id: number, actor: string): AccountView {
    return this.change(id, 'status', 'active', actor);
  }

  setKillSwitch(id: number, on: boolean, actor: string): AccountView {
    return this.change(id, 'killSwitch', on, actor);
  }

  private change(id: number, field: 'kyc' | 'status' | 'killSwitch', to: string | boolean, actor: string): AccountView {
    const a = this.accounts.get(id);
    if (a === undefined) throw new DirectoryRefusal('TW_ERR_ACCOUNT_NOT_FOUND', `no account ${id}`, 'id');
    (a as unknown as Record<string, unknown>)[field] = to;
    this.audit.push({ account: id, field, to: String(to), actor });
    return this.view(a);
  }

  private view(a: StoredAccount): AccountView {
    const { password: _password, ...view } = a;
    return { ...view };
  }
}

interface StoredSession {
  id: number;
  accountId: number;
  token: string;
  createdMs: number;
  lastSeenMs: number;
  ip: string;
  userAgent: string;
  suspended: boolean;
  suspendReason: string | null;
}

export class MemorySessionStore implements SessionDirectory {
  readonly idleTimeoutMs: number;
  readonly absoluteTimeoutMs: number;
  private readonly sessions = new Map<number, StoredSession>();
  private readonly records: Array<SuspensionView & { id: number }> = [];
  private nextId = 1;

  constructor(
    private readonly accounts: MemoryAccountStore,
    readonly maxSessionsPerAccount: number,
    private readonly now: () => number = Date.now,
    timeouts: { idleTimeoutMs?: number; absoluteTimeoutMs?: number } = {},
  ) {
    this.idleTimeoutMs = timeouts.idleTimeoutMs ?? 30 * 60_000;
    this.absoluteTimeoutMs = timeouts.absoluteTimeoutMs ?? 12 * 3_600_000;
  }

  login(accountId: number, context: { ip: string; userAgent?: string }) {
    const a = this.accounts.get(accountId);
    if (a === undefined) throw new DirectoryRefusal('TW_ERR_ACCOUNT_NOT_FOUND', `no account ${accountId}`);
    if (a.status !== 'active') throw new DirectoryRefusal('TW_ERR_ACCOUNT_SUSPENDED', `account ${accountId} is suspended`);
    const mine = this.live(accountId);
    if (mine.some((s) => s.suspended)) throw new DirectoryRefusal('TW_ERR_SESSION_SUSPENDED', `account ${accountId} has a suspended session`);
    if (mine.length >= this.maxSessionsPerAccount) throw new DirectoryRefusal('TW_ERR_SESSION_LIMIT', `account ${accountId} has ${mine.length} sessions`);
    const now = this.now();
    const s: StoredSession = { id: this.nextId++, accountId, token: secret('tws_'), createdMs: now, lastSeenMs: now, ip: context.ip, userAgent: context.userAgent ?? '', suspended: false, suspendReason: null };
    this.sessions.set(s.id, s);
    return { token: s.token, session: this.view(s) };
  }

  validate(token: string): SessionView {
    const s = [...this.sessions.values()].find((x) => x.token === token);
    if (s === undefined) throw new DirectoryRefusal('TW_ERR_SESSION_UNKNOWN', 'no such session', 'token');
    if (this.expired(s)) {
      this.sessions.delete(s.id);
      throw new DirectoryRefusal('TW_ERR_SESSION_EXPIRED', `session ${s.id} expired`, 'token');
    }
    if (this.accounts.get(s.accountId)?.status !== 'active') throw new DirectoryRefusal('TW_ERR_ACCOUNT_SUSPENDED', `account ${s.accountId} is suspended`, 'token');
    s.lastSeenMs = this.now();
    return this.view(s);
  }

  logout(token: string): boolean {
    const s = [...this.sessions.values()].find((x) => x.token === token);
    if (s === undefined || s.suspended) return false;
    return this.sessions.delete(s.id);
  }

  logoutAll(accountId: number): number {
    let n = 0;
    for (const s of this.live(accountId)) if (!s.suspended && this.sessions.delete(s.id)) n++;
    return n;
  }

  list(accountId: number): SessionView[] {
    return this.live(accountId).map((s) => this.view(s));
  }

  get(sessionId: number): SessionView | undefined {
    const s = this.sessions.get(sessionId);
    return s === undefined ? undefined : this.view(s);
  }

  suspend(sessionId: number, reason: string, detail = ''): boolean {
    const s = this.sessions.get(sessionId);
    if (s === undefined || s.suspended) return false;
    s.suspended = true;
    s.suspendReason = reason;
    this.records.push({ id: this.records.length + 1, sessionId, accountId: s.accountId, reason, detail, atMs: this.now(), liftedMs: null, liftedBy: null });
    return true;
  }

  liftSuspension(sessionId: number, actor: string): boolean {
    const s = this.sessions.get(sessionId);
    if (s === undefined || !s.suspended) return false;
    s.suspended = false;
    s.suspendReason = null;
    s.lastSeenMs = this.now();
    for (const r of this.records) if (r.sessionId === sessionId && r.liftedMs === null) Object.assign(r, { liftedMs: this.now(), liftedBy: actor });
    return true;
  }

  suspensions(accountId: number): SuspensionView[] {
    return this.records.filter((r) => r.accountId === accountId);
  }

  private live(accountId: number): StoredSession[] {
    return [...this.sessions.values()].filter((s) => s.accountId === accountId && !(this.expired(s) && this.sessions.delete(s.id)));
  }

  private expired(s: StoredSession): boolean {
    const now = this.now();
    return !s.suspended && (now - s.lastSeenMs > this.idleTimeoutMs || now - s.createdMs > this.absoluteTimeoutMs);
  }

  private view(s: StoredSession): SessionView {
    const { token: _token, ...view } = s;
    return { ...view };
  }
}

/**
 * A plain stand-in for AbnormalTrafficDetector: more than `ordersPerWindow` orders in a
 * window of `windowMs` is verdict 24 (AbnormalRate), more than `rejectBurst` rejects in one
 * is 25 (RejectBurst); one verdict per key until `reset`. No account norm.
 */
export class WindowTrafficWatch implements TrafficWatch {
  private readonly keys = new Map<number, { start: number; orders: number; rejects: number[]; flagged: boolean; account: number }>();

  constructor(private readonly o: { windowMs: number; ordersPerWindow: number; rejectBurst: number }) {}

  attach(sessionKey: number, accountKey: number): void {
    this.key(sessionKey).account = accountKey;
  }

  onOrder(sessionKey: number, nowMs: number): number {
    const k = this.key(sessionKey);
    if (k.flagged) return 0;
    if (nowMs - k.start >= this.o.windowMs) (k.start = nowMs), (k.orders = 0);
    if (++k.orders > this.o.ordersPerWindow) return (k.flagged = true), 24;
    return 0;
  }

  onReject(sessionKey: number, nowMs: number): number {
    const k = this.key(sessionKey);
    if (k.flagged) return 0;
    k.rejects = k.rejects.filter((t) => nowMs - t < this.o.windowMs);
    k.rejects.push(nowMs);
    if (k.rejects.length > this.o.rejectBurst) return (k.flagged = true), 25;
    return 0;
  }

  reset(sessionKey: number): void {
    this.keys.delete(sessionKey);
  }

  forget(sessionKey: number): void {
    this.keys.delete(sessionKey);
  }

  describe(sessionKey: number): string {
    const k = this.key(sessionKey);
    return `${k.orders} orders and ${k.rejects.length} rejects in the current ${this.o.windowMs} ms window`;
  }

  private key(sessionKey: number) {
    let k = this.keys.get(sessionKey);
    if (k === undefined) this.keys.set(sessionKey, (k = { start: 0, orders: 0, rejects: [], flagged: false, account: 0 }));
    return k;
  }
}

/** Allow and deny lists over node:net's BlockList (addresses or CIDR), deny winning. */
export class BlockListIpAccess implements IpAccess {
  private readonly allow = new BlockList();
  private readonly deny = new BlockList();
  private readonly anyAllow: boolean;

  constructor(rules: { allow?: string[]; deny?: string[] } = {}) {
    for (const r of rules.allow ?? []) BlockListIpAccess.add(this.allow, r);
    for (const r of rules.deny ?? []) BlockListIpAccess.add(this.deny, r);
    this.anyAllow = (rules.allow ?? []).length > 0;
  }

  allows(ip: string): boolean {
    const family = isIPv6(ip) ? 'ipv6' : 'ipv4';
    if (this.deny.check(ip, family)) return false;
    return !this.anyAllow || this.allow.check(ip, family);
  }

  private static add(list: BlockList, rule: string): void {
    const [address, prefix] = rule.split('/');
    const family = isIPv6(address) ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
}
