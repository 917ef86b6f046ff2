import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AccountsDb } from './accounts-db';
import { AccountStore } from './account-store';
import { AccountError } from './errors';
import { SCHEMA_VERSION } from './schema';
import { SessionStore } from './session-store';

const FAST = { N: 1024, r: 8, p: 1 };
const tmpFile = (): string => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tw-accounts-')), 'accounts.sqlite');

describe('AccountsDb', () => {
  test('a file database is in WAL mode at the current schema version, and keeps everything across close and reopen', async () => {
    const file = tmpFile();
    const db = new AccountsDb(file);
    expect(db.journalMode()).toBe('wal');
    expect(db.schemaVersion()).toBe(SCHEMA_VERSION);
    const accounts = new AccountStore(db, { scrypt: FAST });
    const sessions = new SessionStore(db);
    const { account, apiKey } = await accounts.create('persistent', { password: 'durable-pass', kyc: 'approved' });
    const revoked = accounts.createApiKey(account.id, 'old');
    accounts.revokeApiKey(account.id, revoked.id, 'ops');
    accounts.setKillSwitch(account.id, true, 'risk');
    const { token, session } = sessions.login(account.id, { ip: '::1', userAgent: 'cli' });
    sessions.suspend(session.id, 'TW_ERR_SESSION_REJECT_BURST', '21 rejects in 3 s');
    db.close();

    const again = new AccountsDb(file);
    expect(again.schemaVersion()).toBe(SCHEMA_VERSION);
    const accounts2 = new AccountStore(again, { scrypt: FAST });
    const sessions2 = new SessionStore(again);
    expect(accounts2.get(account.id)).toEqual({ ...account, killSwitch: true });
    expect((await accounts2.authenticatePassword(account.loginId, 'durable-pass')).id).toBe(account.id);
    expect(accounts2.authenticateApiKey(apiKey.key).account.id).toBe(account.id);
    expect(() => accounts2.authenticateApiKey(revoked.key)).toThrow(/TW_ERR_AUTH_BAD_KEY/);
    expect(accounts2.kycAudit(account.id).map((e) => e.toValue)).toEqual(['approved']);
    expect(sessions2.validate(token, 'read')).toMatchObject({ id: session.id, suspended: true, suspendReason: 'TW_ERR_SESSION_REJECT_BURST' });
    expect(sessions2.suspensions(account.id)).toHaveLength(1);
    // Ids continue after a reopen: never reused.
    expect((await accounts2.create('next')).account.id).toBe(account.id + 1);
    again.close();
    again.close();
  });

  test('a file from a newer Tickwire is refused with TW_ERR_ACCOUNT_SCHEMA; an unopenable path with TW_ERR_ACCOUNT_DB', () => {
    const file = tmpFile();
    new AccountsDb(file).close();
    const raw = new AccountsDb(file);
    raw.sqlite.exec(`UPDATE schema_version SET version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => new AccountsDb(file)).toThrow(expect.objectContaining({ code: 'TW_ERR_ACCOUNT_SCHEMA' }));
    const missing = path.join(path.dirname(file), 'no', 'such', 'folder', 'accounts.sqlite');
    expect(() => new AccountsDb(missing)).toThrow(AccountError);
    expect(() => new AccountsDb(missing)).toThrow(expect.objectContaining({ code: 'TW_ERR_ACCOUNT_DB' }));
  });

  test('a failure inside a write rolls the whole write back and leaves as TW_ERR_ACCOUNT_DB', () => {
    const db = new AccountsDb(':memory:');
    db.sqlite.exec('CREATE TABLE t (x INTEGER NOT NULL)');
    expect(() =>
      db.write('two inserts', () => {
        db.sqlite.exec('INSERT INTO t VALUES (1)');
        db.sqlite.exec('INSERT INTO t VALUES (NULL)');
      }),
    ).toThrow(expect.objectContaining({ code: 'TW_ERR_ACCOUNT_DB' }));
    expect(db.sqlite.prepare('SELECT count(*) AS n FROM t').get()).toEqual(expect.objectContaining({ n: 0 }));
    expect(db.sqlite.isTransaction).toBe(false);
    db.close();
    expect(() => db.guard('after close', () => db.sqlite.prepare('SELECT 1').get())).toThrow(expect.objectContaining({ code: 'TW_ERR_ACCOUNT_DB' }));
  });
});
