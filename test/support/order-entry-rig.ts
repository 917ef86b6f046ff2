// An order-entry gateway on port 0 over the ToyTradingPort test double and the real
// accounts/ classes (an in-memory SQLite database, a cheap scrypt), with small HTTP helpers
// (real fetch) for order-entry/'s tests.
import { listing, orderEntrySchema, type OrderEntryConfig } from '../../config';
import { OrderEntry, type IpAccess, type OrderEntryLimits, type TrafficWatch } from '../../order-entry';
import { AbnormalTrafficDetector, AccountStore, AccountsDb, IpRules, SessionStore } from '../../accounts';
import { ToyTradingPort } from './toy-trading-port';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface RigOptions {
  orderEntry?: Partial<OrderEntryConfig>;
  limits?: Partial<OrderEntryLimits>;
  traffic?: TrafficWatch;
  ipAccess?: IpAccess;
  corsOrigins?: string[];
  /** Called with the port once the gateway exists, before it listens (a replay). */
  beforeStart?: (port: ToyTradingPort) => void;
}

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely and assert on them
  body: any;
  headers: Headers;
}

export class OrderEntryRig {
  readonly port = new ToyTradingPort();
  readonly db = new AccountsDb(':memory:');
  readonly accounts = new AccountStore(this.db, { scrypt: { N: 16, r: 1, p: 1 } });
  readonly sessions: SessionStore;
  oe!: OrderEntry;
  url = '';

  constructor(readonly config: OrderEntryConfig) {
    this.sessions = new SessionStore(this.db, {
      maxSessionsPerAccount: config.maxSessionsPerAccount,
      idleTimeoutMs: config.sessionIdleMinutes * 60_000,
      absoluteTimeoutMs: config.sessionMaxHours * 3_600_000,
    });
  }

  static async start(o: RigOptions = {}): Promise<OrderEntryRig> {
    const config = orderEntrySchema.parse({ port: 0, ...o.orderEntry });
    const rig = new OrderEntryRig(config);
    rig.oe = new OrderEntry({
      config: { orderEntry: config, engine: { tickSize: 100, maxOrderShares: 1_000_000 } },
      trading: rig.port,
      accounts: rig.accounts,
      sessions: rig.sessions,
      traffic: o.traffic ?? new AbnormalTrafficDetector({ minRatePerSec: 1_000_000, rejectBurst: 1_000_000 }),
      ipAccess: o.ipAccess ?? new IpRules({ allow: config.allow, deny: config.deny }),
      corsOrigins: o.corsOrigins,
      adminToken: ADMIN_TOKEN,
      symbols: listing(10),
      limits: o.limits,
    });
    o.beforeStart?.(rig.port);
    await rig.oe.start();
    rig.url = rig.oe.address.url;
    return rig;
  }

  async close(): Promise<void> {
    await this.oe.close();
    this.db.close();
  }

  /** Any request; a string body is sent as it is, anything else as JSON. */
  async call(method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const h: Record<string, string> = { ...headers };
    if (token !== null) h.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.url + path, { method, headers: h, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Prometheus text and the like.
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  admin(method: string, path: string, body?: unknown): Promise<Answer> {
    return this.call(method, path, ADMIN_TOKEN, body);
  }

  /** A KYC-approved account with cash (dollars) and a password, through the admin routes. */
  async trader(name: string, cash = '1000000', kyc: 'approved' | 'pending' = 'approved'): Promise<{ id: number; apiKey: string }> {
    const r = await this.admin('POST', '/admin/v1/accounts', { name, password: `pw-${name}-secret`, kyc, cash, actor: 'test' });
    if (r.status !== 200) throw new Error(`create ${name}: ${r.status} ${JSON.stringify(r.body)}`);
    return { id: r.body.id, apiKey: r.body.apiKey };
  }

  order(token: string, body: Record<string, unknown>): Promise<Answer> {
    return this.call('POST', '/v1/order', token, body);
  }

  /** The value of a counter line on /metrics (0 when absent). */
  async metric(line: string): Promise<number> {
    const text = (await this.call('GET', '/metrics', null)).body as string;
    const row = text.split('\n').find((l) => l.startsWith(`${line} `));
    return row === undefined ? 0 : Number(row.slice(line.length + 1));
  }
}
