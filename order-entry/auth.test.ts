import { AccountStore, AccountsDb, SessionStore } from '../accounts';
import { Authenticator, bearerToken } from './auth';

describe('Authenticator', () => {
  test('bearerToken takes "Bearer TOKEN" only', () => {
    expect(bearerToken('Bearer twk_abc')).toBe('twk_abc');
    expect(bearerToken('bearer   tws_x ')).toBe('tws_x');
    for (const bad of [undefined, '', 'Bearer', 'Basic abc', 'Bearer a b', 'Bearertwk_abc']) expect(bearerToken(bad)).toBeNull();
  });

  test('API keys and session tokens name their account; unknown ones nobody; a hit is cached until the account changes', async () => {
    const db = new AccountsDb(':memory:');
    const accounts = new AccountStore(db, { scrypt: { N: 16, r: 1, p: 1 } });
    const sessions = new SessionStore(db);
    let now = 0;
    const auth = new Authenticator(accounts, sessions, () => now, 1000);
    const { account, apiKey } = await accounts.create('auth-al', { password: 'long-enough-pw', kyc: 'approved' });
    const byKey = await auth.resolve(apiKey.key);
    expect(byKey).toMatchObject({ account: { id: account.id }, session: null, keyId: apiKey.id, trafficKey: -apiKey.id });
    const { token, session } = sessions.login(account.id, { ip: '127.0.0.1' });
    expect(await auth.resolve(token)).toMatchObject({ account: { id: account.id }, keyId: null, trafficKey: session.id });
    expect(await auth.resolve('twk_unknown')).toBeNull();
    expect(await auth.resolve('tws_unknown')).toBeNull();
    accounts.setKyc(account.id, 'rejected', 'test');
    expect((await auth.resolve(apiKey.key))?.account.kyc).toBe('approved'); // cached
    auth.forgetAccount(account.id);
    expect((await auth.resolve(apiKey.key))?.account.kyc).toBe('rejected');
    sessions.logout(token);
    now += 1001;
    expect(await auth.resolve(token)).toBeNull();
    db.close();
  });
});
