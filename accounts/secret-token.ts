// Bearer secrets: API keys (`twk_`) and session tokens (`tws_`). 32 random bytes from the
// OS's CSPRNG, base64url, behind a prefix that says what the secret is (so a leaked one is
// recognisable by secret scanners and in logs). Only a SHA-256 is stored: with 256 bits of
// entropy no salt or slow hash is needed (nothing to guess), and a lookup by the hash's
// index leaks no timing about the secret itself.
import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'twk_';
export const SESSION_TOKEN_PREFIX = 'tws_';

const SECRET_BYTES = 32;
/** base64url of 32 bytes, unpadded. */
const SECRET_CHARS = 43;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function newSecret(prefix: string): string {
  return prefix + randomBytes(SECRET_BYTES).toString('base64url');
}

/** True when `secret` has the prefix and the shape of one we issue (checked before hashing). */
export function isWellFormedSecret(secret: unknown, prefix: string): secret is string {
  return (
    typeof secret === 'string' &&
    secret.length === prefix.length + SECRET_CHARS &&
    secret.startsWith(prefix) &&
    BASE64URL.test(secret.slice(prefix.length))
  );
}

/** The stored form: SHA-256, hex. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
