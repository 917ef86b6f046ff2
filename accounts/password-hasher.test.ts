import { PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher({ N: 1024, r: 8, p: 1 });

  test('hashes carry their parameters and a random salt, and verify only the right password', async () => {
    const a = await hasher.hash('hunter2hunter2');
    const b = await hasher.hash('hunter2hunter2');
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(await hasher.verify('hunter2hunter2', a)).toBe(true);
    expect(await hasher.verify('hunter2hunter3', a)).toBe(false);
    // A hash made at another cost verifies with its own parameters.
    expect(await new PasswordHasher({ N: 2048, r: 8, p: 1 }).verify('hunter2hunter2', a)).toBe(true);
  });

  test('malformed or tampered stored hashes verify as false, never throw', async () => {
    const good = await hasher.hash('password-1');
    for (const bad of ['', 'bcrypt$x', good.replace('$1024$', '$1000000000$'), good.slice(0, -2), 'scrypt$1024$8$1$$']) {
      expect(await hasher.verify('password-1', bad)).toBe(false);
    }
    expect(await hasher.verifyDecoy('anything')).toBe(false);
  });

  test('bad parameters are refused at construction', () => {
    expect(() => new PasswordHasher({ N: 1000, r: 8, p: 1 })).toThrow(RangeError);
    expect(() => new PasswordHasher({ N: 1024, r: 0, p: 1 })).toThrow(RangeError);
  });
});
