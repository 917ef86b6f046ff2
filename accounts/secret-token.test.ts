import { API_KEY_PREFIX, hashSecret, isWellFormedSecret, newSecret, SESSION_TOKEN_PREFIX } from './secret-token';

describe('secret tokens', () => {
  test('a new secret is its prefix and 43 base64url characters (32 random bytes), different every time', () => {
    const a = newSecret(API_KEY_PREFIX);
    const b = newSecret(API_KEY_PREFIX);
    expect(a).toMatch(/^twk_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(Buffer.from(a.slice(4), 'base64url')).toHaveLength(32);
    expect(isWellFormedSecret(a, API_KEY_PREFIX)).toBe(true);
    expect(isWellFormedSecret(a, SESSION_TOKEN_PREFIX)).toBe(false);
    expect(isWellFormedSecret(`${a}x`, API_KEY_PREFIX)).toBe(false);
    expect(isWellFormedSecret(`${a.slice(0, -1)}=`, API_KEY_PREFIX)).toBe(false);
    expect(isWellFormedSecret(42, API_KEY_PREFIX)).toBe(false);
  });

  test('the stored form is the SHA-256 in hex', () => {
    expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
