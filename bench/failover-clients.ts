// Order-entry clients for bench:failover (issue 20: the faults "under generated flow plus
// order-entry clients"): a real `tickwire order-gateway` process (the stateless client
// gateway, runtime/order-gateway.ts) that finds the primary through etcd, REST brokers that
// place orders through it at a steady rate and retry with the same clientOrderId when an
// answer is unknown (503, 504, a dropped connection), as a real client does, and the check
// made after a fault: a second, fresh gateway rebuilds the orders from the surviving
// primary's catch-up alone, and every order a client had acknowledged must be there, once,
// with the same order id.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { RemoteTradingFigures } from '../runtime';

const BIN = path.join(__dirname, '..', 'bin', 'tickwire.js');

/** The gateway's `link:` figures line. */
export type LinkFigures = RemoteTradingFigures;

export interface GatewayOptions {
  /** Its name on the primary's order link (ha.node). */
  name: string;
  dir: string;
  etcd: readonly string[];
  /** Another gateway's account database (the fresh verifying gateway shares the first one's). */
  accountsPath?: string;
}

export interface Answer {
  status: number;
  body: Record<string, unknown> | null;
}

/**
 * `tickwire order-gateway` in the bench's own (root) namespace: its admin routes answer
 * loopback callers only, and from here it reaches etcd and every node's order link over
 * the control bridge.
 */
export class GatewayProcess {
  readonly child: ChildProcess;
  url = '';
  output = '';
  figures: LinkFigures | null = null;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  constructor(readonly options: GatewayOptions) {
    fs.mkdirSync(options.dir, { recursive: true });
    const d = options.dir;
    const args = [
      BIN, 'order-gateway',
      '--set', `ha.node=${options.name}`, '--set', `ha.etcd.endpoints=${JSON.stringify(options.etcd)}`, '--set', 'ha.etcd.pollMs=20',
      '--set', `journal.path=${path.join(d, '{date}.journal')}`,
      '--set', `orderEntry.accountsPath=${options.accountsPath ?? path.join(d, 'accounts.sqlite')}`,
      '--set', `orderEntry.adminTokenFile=${path.join(d, 'admin.token')}`,
      '--set', 'orderEntry.host=127.0.0.1', '--set', 'orderEntry.port=0',
      '--set', 'orderEntry.fix.enabled=false', '--set', 'orderEntry.ouch.enabled=false',
      // One client address (loopback) and few accounts at a steady pace: the per-IP and
      // per-account limits and the abnormal-traffic guard are not what is measured here.
      '--set', 'orderEntry.requestsPerSecondPerIp=1000000', '--set', 'orderEntry.ordersPerSecondPerAccount=1000000',
      '--set', 'orderEntry.abnormalRateMultiple=1000000', '--set', 'orderEntry.rejectBurst=1000000',
      '--set', 'gateway.enabled=false', '--set', 'storage.engine=off', '--set', 'log.level=warn', '--set', 'log.format=json',
    ];
    this.child = spawn(process.execPath, args, { cwd: d, stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    this.child.stdout?.on('data', (b: Buffer) => {
      const lines = (partial + b.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('link: {')) this.figures = JSON.parse(line.slice(6)) as LinkFigures;
        else this.keep(line);
      }
    });
    this.child.stderr?.on('data', (b: Buffer) => this.keep(b.toString()));
  }

  private keep(text: string): void {
    this.output += `${text}\n`;
    if (this.output.length > 100_000) this.output = this.output.slice(-50_000);
  }

  /** Resolves once REST answers (the banner names its URL). */
  async started(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const m = /order entry: (http:\/\/[^ ]+) /.exec(this.output);
      if (m !== null) {
        this.url = m[1];
        return;
      }
      if (this.child.exitCode !== null) throw new Error(`tickwire order-gateway exited (${this.child.exitCode}): ${this.output.slice(-2000)}`);
      if (Date.now() > until) throw new Error(`tickwire order-gateway did not start: ${this.output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  get adminToken(): string {
    return fs.readFileSync(path.join(this.options.dir, 'admin.token'), 'utf8').trim();
  }

  request(method: string, route: string, token: string, body?: unknown): Promise<Answer> {
    const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        this.url + route,
        {
          method,
          agent: this.agent,
          headers: { authorization: `Bearer ${token}`, ...(payload === null ? {} : { 'content-type': 'application/json', 'content-length': payload.length }) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let parsed: Record<string, unknown> | null = null;
            try {
              parsed = text === '' ? null : (JSON.parse(text) as Record<string, unknown>);
            } catch {
              parsed = { text };
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload ?? undefined);
    });
  }

  /** An approved institutional account with cash (and shares of `symbol`): its id and API key. */
  async account(name: string, cash: string, shares?: { symbol: string; shares: number }): Promise<BrokerAccount> {
    const token = this.adminToken;
    const a = await this.request('POST', '/admin/v1/accounts', token, { name, password: 'pw-123456', kyc: 'approved', cash, riskClass: 'institutional' });
    if (a.status !== 200 || a.body === null) throw new Error(`create ${name}: ${a.status} ${JSON.stringify(a.body)}`);
    const id = Number(a.body.id);
    if (shares !== undefined) {
      const f = await this.request('POST', `/admin/v1/accounts/${id}/fund`, token, shares);
      if (f.status !== 200) throw new Error(`fund ${name}: ${f.status} ${JSON.stringify(f.body)}`);
    }
    return { id, name, apiKey: String(a.body.apiKey), side: shares === undefined ? 'buy' : 'sell' };
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface BrokerAccount {
  id: number;
  name: string;
  apiKey: string;
  side: 'buy' | 'sell';
}

/** An order a client holds an answer for: HTTP 200, or 422 (an exchange reject). */
export interface AckedOrder {
  clientOrderId: string;
  account: number;
  id: number;
  status: string;
  reason: string;
  /** performance.now() of the first attempt and of the answer. */
  sentAt: number;
  at: number;
  /** Requests it took (more than 1: asked again after a 503, 504 or a dropped connection). */
  attempts: number;
}

export interface ClientOptions {
  gateway: GatewayProcess;
  accounts: readonly BrokerAccount[];
  ordersPerSec: number;
  /** Prefix of every clientOrderId (one per fault: ids stay unique across runs). */
  prefix: string;
  /** A request without an answer for this long is given up (`unanswered`). */
  giveUpMs: number;
}

const SYMBOL = 'AAPL';
// AAPL's reference price is 192.34 (config/listing.ts): buys and sells cross around it, so
// clients trade with each other and with the house flow, and stay inside the price collar.
const price = (side: 'buy' | 'sell', i: number): string => ((side === 'buy' ? 19_236 - (i % 9) : 19_230 + (i % 9)) / 100).toFixed(2);

/**
 * REST brokers placing orders at a steady pace (open loop: the schedule does not wait for
 * answers, so a failover piles requests up as it would for real clients), each retried with
 * the same body and clientOrderId until answered.
 */
export class OrderClients {
  readonly acked = new Map<string, AckedOrder>();
  placed = 0;
  /** Retries by the HTTP status that caused them (0: the connection failed). */
  readonly retries: Record<string, number> = {};
  /** Requests still unanswered after giveUpMs. */
  unanswered = 0;
  /** Answers other than 200/422/503/504 (a client error: should be none). */
  readonly otherAnswers: Record<string, number> = {};
  inFlight = 0;
  maxInFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private readonly running = new Set<Promise<void>>();
  private abandoned = false;

  constructor(private readonly o: ClientOptions) {}

  start(): void {
    this.startedAt = performance.now();
    // Every 10 ms, place what the pace says is due (timers slip on a loaded machine: catch up).
    this.timer = setInterval(() => {
      const due = Math.floor(((performance.now() - this.startedAt) / 1000) * this.o.ordersPerSec);
      while (this.placed < due) this.placeOne(this.placed++);
    }, 10);
  }

  /** Stops placing and waits for every request in flight to be answered or given up. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** Stops placing and asking again at once (the run is being torn down); `stop()` then returns promptly. */
  abandon(): void {
    this.abandoned = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private placeOne(i: number): void {
    const account = this.o.accounts[i % this.o.accounts.length];
    const clientOrderId = `${this.o.prefix}${i}`;
    const body = { symbol: SYMBOL, side: account.side, orderType: 'limit', price: price(account.side, i), quantity: 10, clientOrderId };
    const p = this.place(account, body).finally(() => this.running.delete(p));
    this.running.add(p);
  }

  private async place(account: BrokerAccount, body: { clientOrderId: string }): Promise<void> {
    const first = performance.now();
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let attempts = 0;
    try {
      while (performance.now() - first < this.o.giveUpMs && !this.abandoned) {
        attempts++;
        let status = 0;
        let answer: Answer | null = null;
        try {
          answer = await this.o.gateway.request('POST', '/v1/order', account.apiKey, body);
          status = answer.status;
        } catch {
          status = 0;
        }
        if (answer !== null && (status === 200 || status === 422)) {
          const b = answer.body ?? {};
          const at = performance.now();
          this.acked.set(body.clientOrderId, {
            clientOrderId: body.clientOrderId,
            account: account.id,
            id: Number(b.id ?? 0),
            status: String(b.status ?? ''),
            reason: String(b.reason ?? b.code ?? ''),
            sentAt: first,
            at,
            attempts,
          });
          return;
        }
        if (status !== 0 && status !== 503 && status !== 504) {
          this.otherAnswers[status] = (this.otherAnswers[status] ?? 0) + 1;
          return;
        }
        this.retries[status] = (this.retries[status] ?? 0) + 1;
        // What a client does when the answer is unknown: wait a little, ask again with the same clientOrderId.
        await new Promise((r) => setTimeout(r, 100));
      }
      this.unanswered++;
    } finally {
      this.inFlight--;
    }
  }

  /** Longest time, ms, without a single acknowledgement within [from, to] (performance.now()). */
  longestAckGapMs(from: number, to: number): number {
    const times = [...this.acked.values()].map((a) => a.at).filter((t) => t >= from && t <= to).sort((x, y) => x - y);
    let last = from;
    let worst = 0;
    for (const t of times) {
      worst = Math.max(worst, t - last);
      last = t;
    }
    return Math.round(Math.max(worst, to - last));
  }

  /** `faultAt`: answers to orders first sent before it are also summed apart (the steady state). */
  figures(faultAt: number): Record<string, unknown> {
    const all = [...this.acked.values()];
    const ms = (list: AckedOrder[]): number[] => list.map((a) => a.at - a.sentAt).sort((x, y) => x - y);
    const q = (l: number[], p: number): number | null => (l.length === 0 ? null : Math.round(l[Math.min(l.length - 1, Math.floor(p * l.length))]));
    const l = ms(all);
    const before = ms(all.filter((a) => a.sentAt < faultAt && a.at < faultAt));
    const rejected = [...this.acked.values()].filter((a) => a.status === 'rejected');
    const reasons: Record<string, number> = {};
    for (const r of rejected) reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
    return {
      clientOrdersPerSec: this.o.ordersPerSec,
      placed: this.placed,
      acked: this.acked.size,
      retriedOrders: all.filter((a) => a.attempts > 1).length,
      rejected: rejected.length,
      rejectReasons: reasons,
      unanswered: this.unanswered,
      retries: this.retries,
      otherAnswers: this.otherAnswers,
      maxInFlight: this.maxInFlight,
      answerP50Ms: q(l, 0.5),
      answerP99Ms: q(l, 0.99),
      answerMaxMs: l.length === 0 ? null : Math.round(l[l.length - 1]),
      answeredBeforeFault: before.length,
      answerBeforeFaultP50Ms: q(before, 0.5),
      answerBeforeFaultP99Ms: q(before, 0.99),
    };
  }
}

interface ListedOrder {
  id: number;
  clientOrderId: string;
  status: string;
}

/**
 * Every acknowledged order against the orders a fresh gateway rebuilt from the surviving
 * primary's catch-up (the primary's RecentReports: everything it committed, nothing the
 * first gateway remembers). An order rejected by the core is checked too but counted apart:
 * a refusal made before the journal (seq 0) is never on any node.
 */
export async function verifyAcked(fresh: GatewayProcess, accounts: readonly BrokerAccount[], acked: ReadonlyMap<string, AckedOrder>): Promise<Record<string, number>> {
  const onPrimary = new Map<string, ListedOrder>();
  let listed = 0;
  for (const a of accounts) {
    const res = await fresh.request('GET', '/v1/orders?status=all', a.apiKey);
    if (res.status !== 200 || res.body === null) throw new Error(`GET /v1/orders on the fresh gateway: ${res.status} ${JSON.stringify(res.body)}`);
    for (const o of res.body.orders as ListedOrder[]) {
      listed++;
      onPrimary.set(`${a.id}:${o.clientOrderId}`, o);
    }
  }
  let ackedOrdersLost = 0;
  let idsChanged = 0;
  let rejectsAcked = 0;
  let rejectsNotOnPrimary = 0;
  // A client told "rejected" for an order the primary holds live (a retry refused as a
  // duplicate of its own first attempt): the client's answer is wrong.
  let rejectedButLive = 0;
  for (const o of acked.values()) {
    const there = onPrimary.get(`${o.account}:${o.clientOrderId}`);
    if (o.status === 'rejected') {
      rejectsAcked++;
      if (there === undefined) rejectsNotOnPrimary++;
      else if (there.status !== 'rejected') rejectedButLive++;
      continue;
    }
    if (there === undefined) ackedOrdersLost++;
    else if (there.id !== o.id) idsChanged++;
  }
  return { ackedOrdersLost, idsChanged, duplicateClientOrderIds: listed - onPrimary.size, ordersOnPrimary: onPrimary.size, rejectsAcked, rejectsNotOnPrimary, rejectedButLive };
}
