// `tickwire run` as a real child process in a temp dir, for tests that trade through the
// client gateway and kill the exchange: its order-entry URL from the banner, the admin
// token it wrote, and small HTTP helpers (real fetch). Every port is free or 0, the feed
// lines get the caller's multicast groups, storage is off unless asked for.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freeTcpPort, freeUdpPort } from './ports';

const BIN = path.resolve(__dirname, '..', '..', 'dist', 'bin', 'tickwire.js');

export interface ExchangeOptions {
  dir: string;
  /** Generated orders a second (the house account); 0 for none. */
  rate: number;
  groups: [string, string];
  /** Extra --set path=value settings. */
  set?: string[];
  /** The market-data gateway on a free port (off by default). */
  gateway?: boolean;
  /** 'order-gateway': a stateless client gateway in front of an HA primary (no exchange core; `rate` unused). */
  command?: 'run' | 'order-gateway';
}

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely and assert on them
  body: any;
}

export class ExchangeProcess {
  child: ChildProcess | null = null;
  output = '';
  url = '';
  gatewayUrl = '';
  /** OUCH and FIX ports of this start (0 when off). */
  ouchPort = 0;
  fixPort = 0;
  private oePort = 0;
  private gwPort = 0;

  constructor(readonly options: ExchangeOptions) {}

  get adminToken(): string {
    return fs.readFileSync(path.join(this.options.dir, 'admin.token'), 'utf8').trim();
  }

  /** Starts (or restarts on the same ports and files) and resolves once the client gateway answers. */
  async start(): Promise<void> {
    const o = this.options;
    if (this.oePort === 0) this.oePort = await freeTcpPort();
    if (this.gwPort === 0) this.gwPort = await freeTcpPort();
    const [portA, portB] = [await freeUdpPort(), await freeUdpPort()];
    const child = spawn(
      process.execPath,
      [
        BIN, ...(o.command === 'order-gateway' ? ['order-gateway'] : ['run', '--rate', String(o.rate)]),
        '--set', `journal.path=${path.join(o.dir, '{date}.journal')}`,
        '--set', `orderEntry.accountsPath=${path.join(o.dir, 'accounts.sqlite')}`,
        '--set', `orderEntry.adminTokenFile=${path.join(o.dir, 'admin.token')}`,
        '--set', `orderEntry.port=${this.oePort}`,
        '--set', `orderEntry.fix.port=0`, '--set', `orderEntry.ouch.port=0`,
        '--set', `orderEntry.fix.storePath=${path.join(o.dir, 'fix')}`, '--set', `orderEntry.ouch.storePath=${path.join(o.dir, 'ouch')}`,
        '--set', `gateway.enabled=${o.gateway === true}`, '--set', `gateway.port=${this.gwPort}`,
        '--set', `gateway.keysFile=${path.join(o.dir, 'keys.json')}`,
        '--set', 'storage.engine=off', '--set', 'sim.symbols=10',
        '--set', `publisher.lineA.group=${o.groups[0]}`, '--set', `publisher.lineA.port=${portA}`,
        '--set', `publisher.lineB.group=${o.groups[1]}`, '--set', `publisher.lineB.port=${portB}`,
        '--set', 'publisher.rewinder.port=0', '--set', 'publisher.snapshot.port=0',
        '--set', 'log.format=json',
        ...(o.set ?? []).flatMap((s) => ['--set', s]),
      ],
      { cwd: o.dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    this.output = '';
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    const until = Date.now() + 60_000;
    for (;;) {
      const m = /order entry: (http:\/\/[^ ]+) /.exec(this.output);
      if (m) {
        this.url = m[1];
        break;
      }
      if (child.exitCode !== null) throw new Error(`tickwire ${o.command ?? 'run'} exited (${child.exitCode}):\n${this.output}`);
      if (Date.now() > until) throw new Error(`tickwire run did not start its client gateway:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const gw = /web page (http:\/\/[^ ]+\/),/.exec(this.output);
    this.gatewayUrl = gw ? gw[1] : '';
    const ouch = /OUCH 4\.2 over SoupBinTCP on tcp [^:]+:(\d+)/.exec(this.output);
    this.ouchPort = ouch ? Number(ouch[1]) : 0;
    const fix = /FIX 4\.4 on tcp [^:]+:(\d+)/.exec(this.output);
    this.fixPort = fix ? Number(fix[1]) : 0;
  }

  /** SIGKILL: no end of day, no flush beyond what was acknowledged. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  /** SIGTERM: ends the day cleanly. */
  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    // Already gone (an exit code, or killed by a signal): its 'exit' will not come again.
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }

  async request(method: string, route: string, token: string, body?: unknown): Promise<Answer> {
    const res = await fetch(this.url + route, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : JSON.parse(text) };
  }

  admin(method: string, route: string, body?: unknown): Promise<Answer> {
    return this.request(method, route, this.adminToken, body);
  }

  /** Creates an approved account with cash (and shares of `symbol` if given); returns its id and API key. */
  async account(name: string, cash: string, shares?: { symbol: string; shares: number }): Promise<{ id: number; apiKey: string; loginId: string; password: string }> {
    const a = await this.admin('POST', '/admin/v1/accounts', { name, password: 'pw-123456', kyc: 'approved', cash });
    if (a.status !== 200) throw new Error(`create ${name}: ${a.status} ${JSON.stringify(a.body)}`);
    if (shares !== undefined) {
      const f = await this.admin('POST', `/admin/v1/accounts/${a.body.id}/fund`, shares);
      if (f.status !== 200) throw new Error(`fund ${name}: ${f.status} ${JSON.stringify(f.body)}`);
    }
    return { id: a.body.id as number, apiKey: a.body.apiKey as string, loginId: a.body.loginId as string, password: 'pw-123456' };
  }
}
