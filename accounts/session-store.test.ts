import { AccountsDb } from './accounts-db';
import { AccountStore } from './account-store';
import { AccountError } from './errors';
import { SessionStore, type SessionStoreOptions } from './session-store';

const FAST = { N: 1024, r: 8, p: 1 };
const WEB = { ip: '127.0.0.1', userAgent: 'jest' };

async function rig(options: SessionStoreOptions = {}) {
  const clock = { now: 1_700_000_000_000 };
  const db = new AccountsDb(':memory:');
  const accounts = new AccountStore(db, { scrypt: FAST, nowMs: () => clock.now });
  const sessions = new SessionStore(db, { nowMs: () => clock.now, ...options });
  const { account } = await accounts.create('trader', { kyc: 'approved' });
  return { db, accounts, sessions, clock, accountId: account.id };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AccountError);
    return (error as AccountError).code;
  }
  throw new Error('expected a throw');
}

describe('SessionStore', () => {
  test('login gives an opaque token stored only hashed; validate finds the session; logout ends it', async () => {
    const { db, sessions, accountId } = await rig();
    const { token, session } = sessions.login(accountId, WEB);
    expect(token).toMatch(/^tws_[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(db.sqlite.prepare('SELECT * FROM sessions').all())).not.toContain(token);
    expect(sessions.validate(token)).toEqual(session);
    expect(session).toMatchObject({ accountId, ip: '127.0.0.1', userAgent: 'jest', suspended: false });
    expect(sessions.logout(token)).toBe(true);
    expect(sessions.logout(token)).toBe(false);
    expect(codeOf(() => sessions.validate(token))).toBe('TW_ERR_SESSION_UNKNOWN');
    expect(codeOf(() => sessions.validate('tws_garbage'))).toBe('TW_ERR_SESSION_UNKNOWN');
    expect(sessions.counts).toMatchObject({ logins: 1, logouts: 1 });
  });

  test('at the concurrent-session limit login is refused with a code, nothing evicted; log out everywhere frees them', async () => {
    const { sessions, accountId } = await rig({ maxSessionsPerAccount: 3 });
    const tokens = [1, 2, 3].map((i) => sessions.login(accountId, { ip: `10.0.0.${i}`, userAgent: `ua${i}` }).token);
    expect(codeOf(() => sessions.login(accountId, WEB))).toBe('TW_ERR_SESSION_LIMIT');
    expect(sessions.refused.TW_ERR_SESSION_LIMIT).toBe(1);
    for (const token of tokens) expect(sessions.validate(token).accountId).toBe(accountId);
    expect(sessions.list(accountId).map((s) => [s.ip, s.userAgent])).toEqual([
      ['10.0.0.1', 'ua1'],
      ['10.0.0.2', 'ua2'],
      ['10.0.0.3', 'ua3'],
    ]);
    // Ending one by id (from the list) frees a slot.
    const second = sessions.list(accountId)[1];
    expect(sessions.logoutSession(accountId, second.id)).toBe(true);
    expect(sessions.logoutSession(accountId + 1, sessions.list(accountId)[0].id)).toBe(false);
    sessions.login(accountId, WEB);
    expect(sessions.logoutAll(accountId)).toBe(3);
    expect(sessions.list(accountId)).toEqual([]);
    for (const token of tokens) expect(codeOf(() => sessions.validate(token))).toBe('TW_ERR_SESSION_UNKNOWN');
  });

  test('idle and absolute expiry, on the injected clock; last-seen is written at most once a second', async () => {
    const { sessions, clock, accountId } = await rig({ idleTimeoutMs: 60_000, absoluteTimeoutMs: 300_000, maxSessionsPerAccount: 1 });
    const idle = sessions.login(accountId, WEB).token;
    clock.now += 500;
    expect(sessions.validate(idle).lastSeenMs).toBe(clock.now - 500);
    clock.now += 500;
    expect(sessions.validate(idle).lastSeenMs).toBe(clock.now);
    clock.now += 60_001;
    expect(codeOf(() => sessions.validate(idle))).toBe('TW_ERR_SESSION_EXPIRED');
    expect(codeOf(() => sessions.validate(idle))).toBe('TW_ERR_SESSION_UNKNOWN');
    // Busy, but past the absolute limit.
    const busy = sessions.login(accountId, WEB).token;
    for (let t = 0; t < 300_000; t += 30_000) {
      clock.now += 30_000;
      sessions.validate(busy);
    }
    clock.now += 1;
    expect(codeOf(() => sessions.validate(busy))).toBe('TW_ERR_SESSION_EXPIRED');
    // An expired session does not hold a slot: the limit of 1 lets a new login in.
    sessions.login(accountId, WEB);
    clock.now += 60_001;
    expect(sessions.list(accountId)).toEqual([]);
    sessions.login(accountId, WEB);
    clock.now += 60_001;
    expect(sessions.purgeExpired()).toBe(1);
    expect(sessions.counts.expired).toBe(4);
  });

  test('a suspended session reads but cannot trade, is listed, cannot log out or expire, blocks new logins; only liftSuspension lifts it', async () => {
    const { sessions, clock, accountId } = await rig({ idleTimeoutMs: 60_000 });
    const { token, session } = sessions.login(accountId, WEB);
    const other = sessions.login(accountId, WEB).token;
    expect(sessions.suspend(session.id, 'TW_ERR_SESSION_ABNORMAL_RATE', '600 orders/s over a norm of 5')).toBe(true);
    expect(sessions.suspend(session.id, 'TW_ERR_SESSION_REJECT_BURST')).toBe(false);
    expect(sessions.validate(token, 'read').suspended).toBe(true);
    expect(codeOf(() => sessions.validate(token, 'trade'))).toBe('TW_ERR_SESSION_SUSPENDED');
    expect(sessions.validate(other, 'trade').suspended).toBe(false);
    expect(sessions.list(accountId).map((s) => [s.id, s.suspended, s.suspendReason])).toEqual([
      [session.id, true, 'TW_ERR_SESSION_ABNORMAL_RATE'],
      [session.id + 1, false, null],
    ]);
    expect(codeOf(() => sessions.logout(token))).toBe('TW_ERR_SESSION_SUSPENDED');
    expect(codeOf(() => sessions.login(accountId, WEB))).toBe('TW_ERR_SESSION_SUSPENDED');
    // Log out everywhere ends the others, not the suspended one; time does not end it either.
    expect(sessions.logoutAll(accountId)).toBe(1);
    clock.now += 10 * 60_000;
    expect(sessions.purgeExpired()).toBe(0);
    expect(sessions.list(accountId).map((s) => s.id)).toEqual([session.id]);
    // The admin lifts it: it trades again, with a fresh idle window.
    expect(() => sessions.liftSuspension(session.id, '')).toThrow(AccountError);
    expect(sessions.liftSuspension(session.id, 'admin@ops')).toBe(true);
    expect(sessions.liftSuspension(session.id, 'admin@ops')).toBe(false);
    expect(sessions.validate(token, 'trade')).toMatchObject({ suspended: false, suspensionCount: 1 });
    expect(sessions.suspensions(accountId)).toEqual([
      expect.objectContaining({ sessionId: session.id, reason: 'TW_ERR_SESSION_ABNORMAL_RATE', detail: '600 orders/s over a norm of 5', liftedBy: 'admin@ops', liftedMs: clock.now }),
    ]);
    expect(sessions.counts).toMatchObject({ suspensions: 1, lifts: 1 });
    expect(sessions.refused.TW_ERR_SESSION_ABNORMAL_RATE).toBe(1);
    expect(sessions.logout(token)).toBe(true);
  });

  test('a suspended account cannot log in, and its open sessions stop working at once', async () => {
    const { accounts, sessions, accountId } = await rig();
    const { token } = sessions.login(accountId, WEB);
    accounts.suspend(accountId, 'ops');
    expect(codeOf(() => sessions.validate(token))).toBe('TW_ERR_ACCOUNT_SUSPENDED');
    expect(codeOf(() => sessions.login(accountId, WEB))).toBe('TW_ERR_ACCOUNT_SUSPENDED');
    accounts.resume(accountId, 'ops');
    expect(sessions.validate(token).accountId).toBe(accountId);
  });

  test('bad input: unknown or bad account ids, a missing address, a missing reason', async () => {
    const { sessions } = await rig();
    expect(codeOf(() => sessions.login(999, WEB))).toBe('TW_ERR_ACCOUNT_NOT_FOUND');
    expect(codeOf(() => sessions.login(0, WEB))).toBe('TW_ERR_ACCOUNT_BAD_ID');
    expect(codeOf(() => sessions.login(1, { ip: '' }))).toBe('TW_ERR_AUTH_BAD_IP');
    expect(codeOf(() => sessions.list(-1))).toBe('TW_ERR_ACCOUNT_BAD_ID');
    expect(codeOf(() => sessions.suspend(1, ''))).toBe('TW_ERR_ACCOUNT_BAD_FIELD');
    expect(sessions.suspend(12345, 'manual')).toBe(false);
    expect(() => new SessionStore(new AccountsDb(':memory:'), { maxSessionsPerAccount: 0 })).toThrow(RangeError);
  });
});
