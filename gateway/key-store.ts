// API keys: `tickwire keys create --tier pro --name NAME` prints a key once; the file keeps
// only its SHA-256 (a stolen file gives no usable key), with an id, a name and a tier. A key
// reads "tw_<id>_<secret>": the id names it for listing and revoking. The gateway reloads
// the file when it changes (checked at most once a second), so keys work without a restart.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GATEWAY_TIERS, type GatewayTier } from '../protocol';
import { GatewayError } from './errors';

export interface ApiKeyRecord {
  id: string;
  name: string;
  tier: GatewayTier;
  /** SHA-256 of the whole key, hex. */
  sha256: string;
  createdAt: string;
}

interface KeysFile {
  version: 1;
  keys: ApiKeyRecord[];
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export class KeyStore {
  readonly file: string;
  private byHash = new Map<string, ApiKeyRecord>();
  private records: ApiKeyRecord[] = [];
  private mtimeMs = -1;
  private checkedMs = -Infinity;
  /** Reloads that failed (a malformed file keeps the keys loaded before). */
  reloadErrors = 0;
  lastReloadError = '';

  /** Reads `file` now (absent: no keys); a malformed file throws TW_ERR_GW_BAD_KEYS_FILE. */
  constructor(file: string) {
    this.file = file;
    this.load(true);
  }

  /** The record for a presented key, or null. */
  lookup(key: string, nowMs = Date.now()): ApiKeyRecord | null {
    if (nowMs - this.checkedMs >= 1000) {
      this.checkedMs = nowMs;
      this.load(false);
    }
    return this.byHash.get(hashKey(key)) ?? null;
  }

  list(): readonly ApiKeyRecord[] {
    return this.records;
  }

  /** A new key of `tier`: returned once, only its hash written. */
  create(tier: GatewayTier, name: string): { key: string; record: ApiKeyRecord } {
    if (!GATEWAY_TIERS.includes(tier)) throw new GatewayError('TW_ERR_GW_BAD_KEYS_FILE', `tier must be one of ${GATEWAY_TIERS.join(', ')}, got "${tier}"`);
    if (name.trim() === '' || name.length > 100) throw new GatewayError('TW_ERR_GW_BAD_KEYS_FILE', 'a key name is 1 to 100 characters');
    this.load(true);
    const id = randomBytes(4).toString('hex');
    const key = `tw_${id}_${randomBytes(24).toString('base64url')}`;
    const record: ApiKeyRecord = { id, name, tier, sha256: hashKey(key), createdAt: new Date().toISOString() };
    this.write([...this.records, record]);
    return { key, record };
  }

  /** Removes the key with `id`; false if there is none. */
  revoke(id: string): boolean {
    this.load(true);
    const kept = this.records.filter((r) => r.id !== id);
    if (kept.length === this.records.length) return false;
    this.write(kept);
    return true;
  }

  private write(records: ApiKeyRecord[]): void {
    const body: KeysFile = { version: 1, keys: records };
    fs.mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(body, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, this.file);
    this.mtimeMs = -1;
    this.load(true);
  }

  private load(strict: boolean): void {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.file);
    } catch {
      this.set([]);
      this.mtimeMs = -1;
      return;
    }
    if (stat.mtimeMs === this.mtimeMs) return;
    try {
      this.set(parseKeysFile(fs.readFileSync(this.file, 'utf8'), this.file));
      this.mtimeMs = stat.mtimeMs;
    } catch (err) {
      if (strict) throw err;
      this.reloadErrors++;
      this.lastReloadError = (err as Error).message;
      this.mtimeMs = stat.mtimeMs; // do not retry until it changes again
    }
  }

  private set(records: ApiKeyRecord[]): void {
    this.records = records;
    this.byHash = new Map(records.map((r) => [r.sha256, r]));
  }
}

function parseKeysFile(text: string, file: string): ApiKeyRecord[] {
  const bad = (why: string): GatewayError => new GatewayError('TW_ERR_GW_BAD_KEYS_FILE', `${file}: ${why}; fix or remove the file (tickwire keys create writes it)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw bad(`not JSON (${(err as Error).message})`);
  }
  const keys = (parsed as Partial<KeysFile> | null)?.keys;
  if (!Array.isArray(keys)) throw bad('expected {"version":1,"keys":[...]}');
  keys.forEach((k: Partial<ApiKeyRecord>, i) => {
    if (typeof k?.id !== 'string' || typeof k.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(k.sha256) || !GATEWAY_TIERS.includes(k.tier as GatewayTier)) {
      throw bad(`keys[${i}] needs id, a 64-hex sha256 and a tier of ${GATEWAY_TIERS.join('/')}`);
    }
  });
  return keys as ApiKeyRecord[];
}
