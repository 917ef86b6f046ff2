// Password hashing with scrypt (node:crypto), a memory-hard hash: guessing costs memory as
// well as time, which GPUs and ASICs cannot cheapen much. The stored form carries its own
// parameters and salt, `scrypt$N$r$p$salt$hash` (base64url), so the cost can be raised
// later and old hashes still verify. Hashing runs on libuv's thread pool (the async scrypt),
// so a login never blocks the gateway's loop for the ~100 ms a hash takes.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  /** CPU/memory cost, a power of two. Memory is 128 * N * r bytes. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelism (Node computes the lanes one after another: time grows with p, memory does not). */
  p: number;
}

/**
 * OWASP Password Storage Cheat Sheet's scrypt floor, in its 16 MiB form (N=2^14, r=8, p=5:
 * the same work as N=2^17, r=8, p=1 at an eighth of the memory, so several logins at once
 * do not take a gigabyte).
 */
export const DEFAULT_SCRYPT: ScryptParams = { N: 1 << 14, r: 8, p: 5 };

const SALT_BYTES = 16;
const HASH_BYTES = 32;

function scryptAsync(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const maxmem = 128 * params.N * params.r + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, HASH_BYTES, { N: params.N, r: params.r, p: params.p, maxmem }, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

export class PasswordHasher {
  readonly params: ScryptParams;
  /** A hash of nothing anyone knows, verified against when the user is unknown: same time either way. */
  private decoy: Promise<string> | undefined;

  constructor(params: ScryptParams = DEFAULT_SCRYPT) {
    const { N, r, p } = params;
    if (!Number.isInteger(N) || N < 2 || (N & (N - 1)) !== 0) throw new RangeError(`scrypt N must be a power of two above 1, got ${N}`);
    if (!Number.isInteger(r) || r < 1 || !Number.isInteger(p) || p < 1) throw new RangeError(`scrypt r and p must be integers from 1, got r=${r} p=${p}`);
    this.params = { N, r, p };
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await scryptAsync(password, salt, this.params);
    const { N, r, p } = this.params;
    return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  /** True when `password` matches `stored` (compared in constant time); false for a malformed `stored`. */
  async verify(password: string, stored: string): Promise<boolean> {
    const parts = stored.split('$');
    if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
    const N = Number(parts[1]);
    const r = Number(parts[2]);
    const p = Number(parts[3]);
    const salt = Buffer.from(parts[4], 'base64url');
    const expected = Buffer.from(parts[5], 'base64url');
    // Bounds keep a tampered row from asking for gigabytes.
    if (!(N >= 2 && N <= 1 << 20 && r >= 1 && r <= 32 && p >= 1 && p <= 64) || expected.length !== HASH_BYTES) return false;
    const actual = await scryptAsync(password, salt, { N, r, p });
    return timingSafeEqual(actual, expected);
  }

  /** Spends a verification's time and returns false: for an unknown user, so timing does not tell users apart. */
  async verifyDecoy(password: string): Promise<false> {
    this.decoy ??= this.hash(randomBytes(18).toString('base64url'));
    await this.verify(password, await this.decoy);
    return false;
  }
}
