// Who is calling: `Authorization: Bearer TOKEN`, the token an API key (programs) or a
// session token (POST /v1/session; browsers). Both are looked up in the account database
// (hashed there); a hit is cached for `cacheMs` (default 1 s) so an order does not cost a
// hash and a query, and the cache entries of an account are dropped at once when this
// gateway changes it (logout, suspension, KYC, kill switch). A change made by another
// process is seen within cacheMs.
import { fromDirectoryError } from './errors';
import type { AccountDirectory, AccountView, SessionDirectory, SessionView } from './directories';

export interface Principal {
  readonly account: AccountView;
  /** The session the token names, or null for an API key. */
  readonly session: SessionView | null;
  /** The API key's id, or null for a session. */
  readonly keyId: number | null;
  /** What abnormal traffic is counted against: "s:<sessionId>" or "k:<keyId>". */
  readonly trafficKey: string;
}

/** The token of "Bearer TOKEN" (case-insensitive scheme), or null. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const m = /^Bearer +([\x21-\x7e]{1,512})\s*$/i.exec(header);
  return m === null ? null : m[1];
}

const CACHE_ENTRIES = 16_384;

export class Authenticator {
  private readonly cache = new Map<string, { principal: Principal; untilMs: number }>();

  constructor(
    private readonly accounts: AccountDirectory,
    private readonly sessions: SessionDirectory,
    private readonly now: () => number,
    private readonly cacheMs = 1000,
  ) {}

  /** The caller a token names, or null (unknown, revoked, logged out, expired). Directory failures throw TW_ERR_OE_ACCOUNTS_FAILED. */
  async resolve(token: string): Promise<Principal | null> {
    const now = this.now();
    const hit = this.cache.get(token);
    if (hit !== undefined && hit.untilMs > now) return hit.principal;
    this.cache.delete(token);
    let principal: Principal | null = null;
    try {
      const byKey = await this.accounts.authenticateKey(token, now);
      if (byKey !== null) {
        principal = { account: byKey.account, session: null, keyId: byKey.keyId, trafficKey: `k:${byKey.keyId}` };
      } else {
        const session = await this.sessions.resolve(token, now);
        const account = session === null ? null : await this.accounts.get(session.account);
        if (session !== null && account !== null) principal = { account, session, keyId: null, trafficKey: `s:${session.id}` };
      }
    } catch (error) {
      const e = fromDirectoryError(error);
      // A token the directory refuses outright (unknown, expired) is no caller, not a failure.
      if (e.code === 'TW_ERR_OE_BAD_TOKEN') return null;
      throw e;
    }
    if (principal === null) return null;
    if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(token, { principal, untilMs: now + this.cacheMs });
    return principal;
  }

  /** Drops the cached callers of an account (after a change to it or its sessions). */
  forgetAccount(account: number): void {
    for (const [token, e] of this.cache) if (e.principal.account.id === account) this.cache.delete(token);
  }

  /** Drops every cached caller (a change whose account is not known here, e.g. a lifted suspension). */
  clear(): void {
    this.cache.clear();
  }
}
