import { tradingRefusal } from './account';
import { AccountsDb } from './accounts-db';
import { AccountStore } from './account-store';
import { AccountError } from './errors';

/** Cheap scrypt for tests: the cost is a parameter, the code path is the same. */
const FAST = { N: 1024, r: 8, p: 1 };

function open(): { db: AccountsDb; store: AccountStore; clock: { now: number } } {
  const clock = { now: 1_700_000_000_000 };
  const db = new AccountsDb(':memory:');
  return { db, store: new AccountStore(db, { scrypt: FAST, nowMs: () => clock.now }), clock };
}

/** The code of what `fn` throws (and that it is an AccountError, never an untyped error). */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AccountError);
    return (error as AccountError).code;
  }
  throw new Error('expected a throw');
}

async function asyncCodeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AccountError);
    return (error as AccountError).code;
  }
  throw new Error('expected a rejection');
}

describe('AccountStore', () => {
  test('create gives an id from 1, a 6-character login id, pending KYC, and an API key shown once', async () => {
    const { db, store } = open();
    const { account, apiKey } = await store.create('Alice Capital', { password: 'correct horse' });
    expect(account.id).toBe(1);
    expect(account.loginId).toMatch(/^[A-Z0-9]{6}$/);
    expect(account).toMatchObject({ name: 'Alice Capital', kyc: 'pending', status: 'active', riskClass: 'retail', allowShort: false, killSwitch: false, hasPassword: true });
    expect(apiKey.key).toMatch(/^twk_[A-Za-z0-9_-]{43}$/);
    // Neither the key nor the password is stored in the clear.
    const dump = JSON.stringify(db.sqlite.prepare('SELECT * FROM api_keys').all()) + JSON.stringify(db.sqlite.prepare('SELECT * FROM accounts').all());
    expect(dump).not.toContain(apiKey.key);
    expect(dump).not.toContain('correct horse');
    expect(dump).toMatch(/scrypt\$1024\$8\$1\$/);
    const second = await store.create('bob', { kyc: 'approved', riskClass: 'market_maker', allowShort: true });
    expect(second.account.id).toBe(2);
    expect(second.account).toMatchObject({ kyc: 'approved', riskClass: 'market_maker', allowShort: true, hasPassword: false });
    expect(store.getByName('ALICE CAPITAL')?.id).toBe(1);
    expect(store.getByLoginId(account.loginId)?.id).toBe(1);
    expect(store.get(0)).toBeUndefined();
    expect(store.list().map((a) => a.id)).toEqual([1, 2]);
    expect(store.list({ kyc: 'approved' }).map((a) => a.name)).toEqual(['bob']);
    expect(store.list({ afterId: 1, limit: 5 }).map((a) => a.id)).toEqual([2]);
    db.close();
  });

  test('authenticates by name or login id and password; wrong password and unknown user get the same code', async () => {
    const { store } = open();
    const { account } = await store.create('carol', { password: 'pass-word-1' });
    expect((await store.authenticatePassword('carol', 'pass-word-1')).id).toBe(account.id);
    expect((await store.authenticatePassword(account.loginId, 'pass-word-1')).id).toBe(account.id);
    expect(await asyncCodeOf(store.authenticatePassword('carol', 'pass-word-2'))).toBe('TW_ERR_AUTH_BAD_CREDENTIALS');
    expect(await asyncCodeOf(store.authenticatePassword('nobody', 'pass-word-1'))).toBe('TW_ERR_AUTH_BAD_CREDENTIALS');
    expect(await asyncCodeOf(store.authenticatePassword('carol', 'x'.repeat(129)))).toBe('TW_ERR_AUTH_PASSWORD_TOO_LONG');
    expect(store.refused.TW_ERR_AUTH_BAD_CREDENTIALS).toBe(2);
    expect(store.refused.TW_ERR_AUTH_PASSWORD_TOO_LONG).toBe(1);
    // A key-only account has no password to match.
    await store.create('keys-only');
    expect(await asyncCodeOf(store.authenticatePassword('keys-only', 'anything1'))).toBe('TW_ERR_AUTH_BAD_CREDENTIALS');
    // Suspended: refused once the password is right (a wrong one still says bad credentials).
    store.suspend(account.id, 'ops');
    expect(await asyncCodeOf(store.authenticatePassword('carol', 'pass-word-1'))).toBe('TW_ERR_ACCOUNT_SUSPENDED');
    expect(await asyncCodeOf(store.authenticatePassword('carol', 'wrong-pass'))).toBe('TW_ERR_AUTH_BAD_CREDENTIALS');
    store.resume(account.id, 'ops');
    expect((await store.authenticatePassword('carol', 'pass-word-1')).status).toBe('active');
  });

  test('binary-protocol login: the login id and a password of at most 10 characters, space padding removed', async () => {
    const { store } = open();
    const { account } = await store.create('dave', { password: 'ouchpass10' });
    expect((await store.authenticateBinary(account.loginId, 'ouchpass10')).id).toBe(account.id);
    expect((await store.authenticateBinary(`${account.loginId}`, 'ouchpass10'.padEnd(10))).id).toBe(account.id);
    const { account: eve } = await store.create('eve', { password: 'short-pw' });
    expect((await store.authenticateBinary(eve.loginId, 'short-pw  ')).id).toBe(eve.id);
    expect(await asyncCodeOf(store.authenticateBinary(eve.loginId, 'elevenchars'))).toBe('TW_ERR_AUTH_PASSWORD_TOO_LONG');
    // The name is not a binary username.
    expect(await asyncCodeOf(store.authenticateBinary('dave', 'ouchpass10'))).toBe('TW_ERR_AUTH_BAD_CREDENTIALS');
  });

  test('API keys: several per account, each authenticates until revoked; rotation replaces one in a transaction', async () => {
    const { store } = open();
    const { account, apiKey } = await store.create('fund');
    const second = store.createApiKey(account.id, 'algo-2', 'ops');
    expect(store.authenticateApiKey(apiKey.key)).toMatchObject({ account: { id: account.id }, keyId: apiKey.id });
    expect(store.authenticateApiKey(second.key).keyId).toBe(second.id);
    expect(store.listApiKeys(account.id).map((k) => [k.label, k.revokedMs])).toEqual([
      ['default', null],
      ['algo-2', null],
    ]);
    store.revokeApiKey(account.id, apiKey.id, 'ops');
    expect(codeOf(() => store.authenticateApiKey(apiKey.key))).toBe('TW_ERR_AUTH_BAD_KEY');
    expect(store.authenticateApiKey(second.key).keyId).toBe(second.id);
    const rotated = store.rotateApiKey(account.id, second.id);
    expect(rotated.label).toBe('algo-2');
    expect(codeOf(() => store.authenticateApiKey(second.key))).toBe('TW_ERR_AUTH_BAD_KEY');
    expect(store.authenticateApiKey(rotated.key).keyId).toBe(rotated.id);
    // Malformed, unknown, another account's key id.
    expect(codeOf(() => store.authenticateApiKey('Bearer nope'))).toBe('TW_ERR_AUTH_BAD_KEY');
    expect(codeOf(() => store.authenticateApiKey(`twk_${'A'.repeat(43)}`))).toBe('TW_ERR_AUTH_BAD_KEY');
    const other = await store.create('other');
    expect(codeOf(() => store.revokeApiKey(other.account.id, rotated.id))).toBe('TW_ERR_AUTH_KEY_NOT_FOUND');
    expect(store.refused.TW_ERR_AUTH_BAD_KEY).toBe(4);
    // A suspended account's keys stop working until it resumes.
    store.suspend(account.id, 'ops');
    expect(codeOf(() => store.authenticateApiKey(rotated.key))).toBe('TW_ERR_ACCOUNT_SUSPENDED');
    expect(store.auditLog(account.id, 'apiKey').map((e) => e.toValue)).toEqual(['created #2', 'revoked', 'revoked', `rotated to #${rotated.id}`]);
  });

  test('every KYC change is audited with from, to, actor and time; the same state again records nothing', async () => {
    const { store, clock } = open();
    const { account } = await store.create('gina', { actor: 'onboarding' });
    clock.now += 1000;
    store.setKyc(account.id, 'approved', 'compliance@x');
    clock.now += 1000;
    store.setKyc(account.id, 'approved', 'compliance@x');
    store.setKyc(account.id, 'rejected', 'auditor');
    expect(store.kycAudit(account.id).map(({ fromValue, toValue, actor, atMs }) => ({ fromValue, toValue, actor, atMs }))).toEqual([
      { fromValue: null, toValue: 'pending', actor: 'onboarding', atMs: 1_700_000_000_000 },
      { fromValue: 'pending', toValue: 'approved', actor: 'compliance@x', atMs: 1_700_000_001_000 },
      { fromValue: 'approved', toValue: 'rejected', actor: 'auditor', atMs: 1_700_000_002_000 },
    ]);
    expect(codeOf(() => store.setKyc(account.id, 'maybe' as never, 'x'))).toBe('TW_ERR_ACCOUNT_BAD_FIELD');
    expect(codeOf(() => store.setKyc(account.id, 'approved', ''))).toBe('TW_ERR_ACCOUNT_BAD_FIELD');
    expect(codeOf(() => store.setKyc(99, 'approved', 'x'))).toBe('TW_ERR_ACCOUNT_NOT_FOUND');
    expect(codeOf(() => store.setKyc(0, 'approved', 'x'))).toBe('TW_ERR_ACCOUNT_BAD_ID');
  });

  test('settings change and are audited; tradingRefusal says why an account may not trade', async () => {
    const { store } = open();
    const { account } = await store.create('hank');
    expect(tradingRefusal(account)).toBe('TW_ERR_ACCOUNT_NOT_APPROVED');
    const approved = store.setKyc(account.id, 'approved', 'ops');
    expect(tradingRefusal(approved)).toBeNull();
    expect(tradingRefusal(store.setKillSwitch(account.id, true, 'risk'))).toBe('TW_ERR_ACCOUNT_KILL_SWITCH');
    expect(tradingRefusal(store.suspend(account.id, 'ops'))).toBe('TW_ERR_ACCOUNT_SUSPENDED');
    store.resume(account.id, 'ops');
    store.setKillSwitch(account.id, false, 'risk');
    const changed = store.setCancelOnDisconnect(store.setAllowShort(store.setRiskClass(account.id, 'pro', 'ops').id, true, 'ops').id, true, 'ops');
    expect(changed).toMatchObject({ riskClass: 'pro', allowShort: true, cancelOnDisconnect: true, killSwitch: false, status: 'active' });
    expect(store.auditLog(account.id).map((e) => `${e.field}:${e.fromValue}->${e.toValue}`)).toEqual([
      'kyc:null->pending',
      'kyc:pending->approved',
      'killSwitch:false->true',
      'status:active->suspended',
      'status:suspended->active',
      'killSwitch:true->false',
      'riskClass:retail->pro',
      'allowShort:false->true',
      'cancelOnDisconnect:false->true',
    ]);
    expect(codeOf(() => store.setRiskClass(account.id, 'Not A Class', 'ops'))).toBe('TW_ERR_ACCOUNT_BAD_FIELD');
    expect(codeOf(() => store.setAllowShort(account.id, 'yes' as unknown as boolean, 'ops'))).toBe('TW_ERR_ACCOUNT_BAD_FIELD');
  });

  test('bad input gets coded errors: empty, long, odd or duplicate names, bad passwords, bad fields', async () => {
    const { store } = open();
    const { account } = await store.create('Ivan');
    expect(await asyncCodeOf(store.create(''))).toBe('TW_ERR_ACCOUNT_BAD_NAME');
    expect(await asyncCodeOf(store.create(' ivan'))).toBe('TW_ERR_ACCOUNT_BAD_NAME');
    expect(await asyncCodeOf(store.create('x'.repeat(65)))).toBe('TW_ERR_ACCOUNT_BAD_NAME');
    expect(await asyncCodeOf(store.create('semi;colon'))).toBe('TW_ERR_ACCOUNT_BAD_NAME');
    expect(await asyncCodeOf(store.create(42 as unknown as string))).toBe('TW_ERR_ACCOUNT_BAD_NAME');
    expect(await asyncCodeOf(store.create('ivan'))).toBe('TW_ERR_ACCOUNT_DUPLICATE_NAME');
    // A name may not be another account's login id: "name or login id" must mean one account.
    expect(await asyncCodeOf(store.create(account.loginId.toLowerCase()))).toBe('TW_ERR_ACCOUNT_DUPLICATE_NAME');
    expect(await asyncCodeOf(store.create('jill', { password: 'p'.repeat(129) }))).toBe('TW_ERR_AUTH_PASSWORD_TOO_LONG');
    expect(await asyncCodeOf(store.create('jill', { password: 'short' }))).toBe('TW_ERR_AUTH_BAD_PASSWORD');
    expect(await asyncCodeOf(store.create('jill', { password: 'tab\there!' }))).toBe('TW_ERR_AUTH_BAD_PASSWORD');
    expect(await asyncCodeOf(store.create('jill', { password: 'trailing  ' }))).toBe('TW_ERR_AUTH_BAD_PASSWORD');
    expect(await asyncCodeOf(store.create('jill', { kyc: 'unknown' as never }))).toBe('TW_ERR_ACCOUNT_BAD_FIELD');
    expect(await asyncCodeOf(store.create('jill', { riskClass: '' }))).toBe('TW_ERR_ACCOUNT_BAD_FIELD');
    expect(await asyncCodeOf(store.setPassword(account.id, 'p'.repeat(200), 'ops'))).toBe('TW_ERR_AUTH_PASSWORD_TOO_LONG');
    expect(codeOf(() => store.list({ limit: 0 }))).toBe('TW_ERR_ACCOUNT_BAD_FIELD');
    expect(store.refused.TW_ERR_ACCOUNT_BAD_NAME).toBe(5);
    expect(store.refused.TW_ERR_ACCOUNT_DUPLICATE_NAME).toBe(2);
    // Nothing half-made: only Ivan exists.
    expect(store.list().map((a) => a.name)).toEqual(['Ivan']);
  });

  test('setPassword sets and removes a password, audited without the password', async () => {
    const { store } = open();
    const { account } = await store.create('kim');
    await store.setPassword(account.id, 'new-password', 'ops');
    expect((await store.authenticatePassword('kim', 'new-password')).id).toBe(account.id);
    await store.setPassword(account.id, null, 'ops');
    expect(await asyncCodeOf(store.authenticatePassword('kim', 'new-password'))).toBe('TW_ERR_AUTH_BAD_CREDENTIALS');
    expect(store.auditLog(account.id, 'password').map((e) => e.toValue)).toEqual(['set', 'removed']);
  });

  test('login ids come from the random source given: a stuck source still finds a free id or says so', async () => {
    const db = new AccountsDb(':memory:');
    // Bytes 0,1,2,... then repeats: the first two accounts would draw the same id.
    let calls = 0;
    const stuck = (size: number): Uint8Array => {
      calls++;
      return Uint8Array.from({ length: size }, (_, i) => (calls <= 2 ? i : i + calls));
    };
    const store = new AccountStore(db, { scrypt: FAST, random: stuck });
    const a = await store.create('one');
    const b = await store.create('two');
    expect(a.account.loginId).toBe('ABCDEF');
    expect(b.account.loginId).not.toBe('ABCDEF');
    const constant = new AccountStore(db, { scrypt: FAST, random: (size) => new Uint8Array(size) });
    await constant.create('three');
    expect(await asyncCodeOf(constant.create('four'))).toBe('TW_ERR_ACCOUNT_DB');
  });
});
