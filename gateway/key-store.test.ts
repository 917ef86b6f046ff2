import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hashKey, KeyStore } from './key-store';

const tmp = (): string => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tw-keys-')), 'keys.json');

describe('KeyStore', () => {
  test('a created key is printed once and only its SHA-256 is stored; it looks up to its tier', () => {
    const file = tmp();
    const store = new KeyStore(file);
    const { key, record } = store.create('pro', 'acme');
    expect(key).toMatch(/^tw_[0-9a-f]{8}_[A-Za-z0-9_-]{32}$/);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain(key);
    expect(text).toContain(hashKey(key));
    expect(store.lookup(key)?.tier).toBe('pro');
    // One character changed (never to itself: a random key ends in 'x' one time in 64).
    const tampered = key.slice(0, -1) + (key.endsWith('x') ? 'y' : 'x');
    expect(store.lookup(tampered)).toBeNull();
    // Another process's store (the gateway) sees it, and a revocation.
    const other = new KeyStore(file);
    expect(other.lookup(key)?.id).toBe(record.id);
    expect(store.revoke(record.id)).toBe(true);
    expect(other.lookup(key, Date.now() + 5000)).toBeNull();
    expect(store.revoke('nope')).toBe(false);
  });

  test('no file means no keys; a malformed file is TW_ERR_GW_BAD_KEYS_FILE at start, and kept keys survive a bad reload', () => {
    const file = tmp();
    expect(new KeyStore(file).list()).toEqual([]);
    fs.writeFileSync(file, '{"keys": [{"id": 1}]}');
    expect(() => new KeyStore(file)).toThrow(/TW_ERR_GW_BAD_KEYS_FILE/);
    fs.writeFileSync(file, 'not json');
    expect(() => new KeyStore(file)).toThrow(/TW_ERR_GW_BAD_KEYS_FILE/);
    fs.rmSync(file);
    const store = new KeyStore(file);
    const { key } = store.create('premium', 'x');
    fs.writeFileSync(file, 'garbage');
    fs.utimesSync(file, new Date(), new Date(Date.now() + 10_000));
    expect(store.lookup(key, Date.now() + 5000)?.tier).toBe('premium');
    expect(store.reloadErrors).toBe(1);
  });
});
