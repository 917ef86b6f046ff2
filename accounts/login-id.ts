// Login ids: 6 characters of [A-Z0-9], the username of the binary protocols (OUCH and
// SoupBinTCP carry Username as Alpha(6)). Random from the OS's CSPRNG rather than derived
// from the account id, so an id does not tell how many accounts there are, nor the next one.
import { randomBytes } from 'node:crypto';

export const LOGIN_ID_LENGTH = 6;
export const LOGIN_ID_PATTERN = /^[A-Z0-9]{6}$/;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** The largest multiple of 36 below 256: bytes at or above it are redrawn, so no letter is likelier. */
const UNBIASED_LIMIT = 252;

/** A source of random bytes (node:crypto's randomBytes; a test passes a seeded one). */
export type RandomBytes = (size: number) => Uint8Array;

export function randomLoginId(random: RandomBytes = randomBytes): string {
  let id = '';
  while (id.length < LOGIN_ID_LENGTH) {
    const bytes = random(16);
    for (let i = 0; i < bytes.length && id.length < LOGIN_ID_LENGTH; i++) {
      if (bytes[i] < UNBIASED_LIMIT) id += ALPHABET[bytes[i] % 36];
    }
  }
  return id;
}
