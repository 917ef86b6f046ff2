// Who is calling: `Authorization: Bearer TOKEN`, the token an API key (programs) or a
// session token (POST /v1/session; browsers). Both are checked by the account database
// (hashed there); a hit is cached for `cacheMs` (default 1 s) so an order does not cost a
// hash and a query, and the entries of an account are dropped at once when this gateway
// changes it or its sessions (logout, suspension, KYC, kill switch). A change made by
// another process is seen within cacheMs.
import { SESSION_TOKEN_PREFIX } from '../accounts';
import type { AccountDirectory, AccountView, SessionDirectory, SessionView } from './directories';
import { fromDirectoryError } from './errors';

export interface Principal {
  readonly account: AccountView;
  /** The session the token names, or null for an API key. */
  readonly session: SessionView | null;
  /** The API key's id, or null for a session. */
  readonly keyId: number | null;
  /** The traffic watch's key: the session id, or minus the API key's id. */
  readonly trafficKey: number;
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

  /**
   * The caller a token names, or null (unknown, revoked, logged out, expired). Other
   * refusals (a suspended account) and database failures throw, as OrderEntryErrors.
   */
  async resolve(token: string): Promise<Principal | null> {
    const now = this.now();
    const hit = this.cache.get(token);
    if (hit !== undefined && hit.untilMs > now) return hit.principal;
    this.cache.delete(token);
    // Session tokens and API keys carry their own prefixes (accounts/secret-token.ts).
    const principal = token.startsWith(SESSION_TOKEN_PREFIX) ? await this.bySession(token) : await this.byKey(token);
    if (principal === null) return null;
    if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(token, { principal, untilMs: now + this.cacheMs });
    return principal;
  }

  /** Drops the cached callers of an account (after a change to it or its sessions). */
  forgetAccount(account: number): void {
    for (const [token, e] of this.cache) if (e.principal.account.id === account) this.cache.delete(token);
  }

  /** Drops every cached caller. */
  clear(): void {
    this.cache.clear();
  }

  private async byKey(token: string): Promise<Principal | null> {
    try {
      const k = await this.accounts.authenticateApiKey(token);
      return { account: k.account, session: null, keyId: k.keyId, trafficKey: -k.keyId };
    } catch (error) {
      return this.noCaller(error);
    }
  }

  private async bySession(token: string): Promise<Principal | null> {
    try {
      const session = await this.sessions.validate(token);
      const account = await this.accounts.get(session.accountId);
      return account === undefined ? null : { account, session, keyId: null, trafficKey: session.id };
    } catch (error) {
      return this.noCaller(error);
    }
  }

  /** A token the directory does not know is no caller; any other refusal is thrown. */
  private noCaller(error: unknown): null {
    const e = fromDirectoryError(error);
    if (e.code === 'TW_ERR_OE_BAD_TOKEN') return null;
    throw e;
  }
}
