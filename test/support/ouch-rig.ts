// A day of the exchange for OUCH tests: the real exchange core (sim/'s LiveSim with a
// journal), the real accounts/ classes, the REST gateway and the OUCH server, opened in the
// runtime's order (listeners before the journal's replay), with helpers for traders and
// logged-in OuchClients.
import * as path from 'node:path';
import { AbnormalTrafficDetector, AccountStore, AccountsDb, IpRules, SessionStore } from '../../accounts';
import { listing, loadConfig } from '../../config';
import { OrderEntry, OuchClient, OuchServer, type ReceivedOuch } from '../../order-entry';
import { LiveSim } from '../../sim';

export const NO_EVENTS = { onEngineEvent: (): void => undefined };
const ADMIN = 'ouch-live-admin-token-0123';
/** OUCH Time in Force 99999: system hours, the day. */
export const DAY = 99_999;

export interface Trader {
  id: number;
  loginId: string;
  password: string;
}

async function admin(url: string, method: string, route: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${route}`, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${route}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export class OuchExchange {
  sim!: LiveSim;
  oe!: OrderEntry;
  ouch!: OuchServer;
  readonly accounts: AccountStore;
  readonly db: AccountsDb;
  readonly config: ReturnType<typeof loadConfig>;
  readonly journal: string;

  constructor(readonly dir: string) {
    this.journal = path.join(dir, 'day.journal');
    this.config = loadConfig({
      flags: { 'sim.ordersPerSec': 0, 'sim.symbols': 5, 'journal.fsync': false, 'orderEntry.port': 0, 'orderEntry.ouch.port': 0, 'orderEntry.ouch.storePath': path.join(dir, 'ouch') },
    });
    this.db = new AccountsDb(path.join(dir, 'accounts.sqlite'));
    this.accounts = new AccountStore(this.db, { scrypt: { N: 16, r: 1, p: 1 } });
  }

  /** The runtime's order: core, gateway, OUCH server (listeners before the replay), replay, listen. */
  async open(): Promise<void> {
    this.sim = new LiveSim(this.config, this.journal, NO_EVENTS);
    this.oe = new OrderEntry({
      config: this.config,
      trading: this.sim,
      accounts: this.accounts,
      sessions: new SessionStore(this.db),
      traffic: new AbnormalTrafficDetector(),
      ipAccess: new IpRules(),
      adminToken: ADMIN,
      symbols: listing(5),
    });
    this.ouch = new OuchServer({ config: this.config, orderEntry: this.oe, accounts: this.accounts, symbols: listing(5), heartbeatMs: 200 });
    this.sim.start();
    await this.oe.start();
    await this.ouch.start();
  }

  async stop(): Promise<void> {
    await this.ouch.close();
    await this.oe.close();
    this.sim.stop(false);
  }

  async trader(name: string, cash: string, shares = 0): Promise<Trader> {
    const password = 'pw-secret1';
    const a = await admin(this.oe.address.url, 'POST', '/admin/v1/accounts', { name, password, kyc: 'approved', cash, actor: 'test' });
    if (shares > 0) await admin(this.oe.address.url, 'POST', `/admin/v1/accounts/${a.id}/fund`, { symbol: 'AAPL', shares, actor: 'test' });
    return { id: a.id as number, loginId: a.loginId as string, password };
  }

  async client(t: Trader, sequence = 1): Promise<OuchClient> {
    const c = await OuchClient.connect({ host: '127.0.0.1', port: this.ouch.address.port, heartbeatMs: 200 });
    await c.logIn(t.loginId, t.password, sequence);
    return c;
  }
}

/** Matches a received message by type letter and (optionally) order token. */
export const ofType =
  (type: string, token?: string) =>
  (m: ReceivedOuch): boolean =>
    m.message.type === type && (token === undefined || ('token' in m.message && m.message.token === token));

