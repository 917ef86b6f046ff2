// tickwire gateway: an edge gateway fed by a feed handler from the multicast lines serves
// the same books as the publisher's own gateway. Both run as the user runs them.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { freeTcpPort, freeUdpPort } from './support/ports';

const BIN = path.resolve(__dirname, '../dist/bin/tickwire.js');

function start(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { child, output: () => out, exited };
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms: number, log: () => string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    let v: T | undefined;
    try {
      v = await get();
      if (ok(v)) return v;
    } catch {
      // not up yet
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last ${JSON.stringify(v)}\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface L2 {
  seq: number;
  bids: unknown[];
  asks: unknown[];
}

/** GET on a new connection each time (no keep-alive), so a cluster's primary hands each to the next process. */
function getFresh<T>(url: string): Promise<T> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => {
          try {
            resolve(JSON.parse(body) as T);
          } catch (err) {
            reject(err as Error);
          }
        });
      })
      .on('error', reject);
  });
}

async function feedArgs(dir: string, groupBase: number): Promise<string[]> {
  return [
    '--set', `publisher.lineA.group=239.192.55.${groupBase}`, '--set', `publisher.lineA.port=${await freeUdpPort()}`,
    '--set', `publisher.lineB.group=239.192.55.${groupBase + 1}`, '--set', `publisher.lineB.port=${await freeUdpPort()}`,
    '--set', `publisher.rewinder.port=${await freeUdpPort()}`, '--set', `publisher.snapshot.port=${await freeTcpPort()}`,
    '--set', 'sim.symbols=5', '--set', 'gateway.port=0', '--set', `gateway.keysFile=${path.join(dir, 'keys.json')}`,
  ];
}

describe('tickwire gateway', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  test('an edge gateway on a feed handler serves the publisher\'s books at the same sequence', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-edge-'));
    const feed = await feedArgs(dir, 71);
    const core = start(['run', '--rate', '1500', '--set', 'orderEntry.enabled=false', '--set', 'sim.orders=3000', '--set', `journal.path=${path.join(dir, '{date}.journal')}`, '--set', 'storage.engine=off', '--set', 'publisher.endOfSessionIntervalMs=100', ...feed]);
    children.push(core.child);
    const coreUrl = (await until('the publisher gateway', async () => /API (http:\/\/127\.0\.0\.1:\d+)/.exec(core.output())?.[1] ?? '', (u) => u !== '', 30_000, core.output));
    // The edge joins mid-session: by snapshot, then the lines.
    const edge = start(['gateway', ...feed]);
    children.push(edge.child);
    const edgeUrl = await until('the edge gateway', async () => /API (http:\/\/127\.0\.0\.1:\d+)/.exec(edge.output())?.[1] ?? '', (u) => u !== '', 30_000, edge.output);
    const log = (): string => `publisher:\n${core.output()}\nedge:\n${edge.output()}`;

    const symbols = ((await (await fetch(`${coreUrl}/v1/symbols`)).json()) as { symbols: Array<{ symbol: string }> }).symbols.map((s) => s.symbol);
    expect(symbols.length).toBe(5);
    const l2 = async (url: string, symbol: string): Promise<L2> => (await (await fetch(`${url}/v1/marketdata/orderBook/L2?symbol=${symbol}&depth=5`)).json()) as L2;
    // The sim stops at 3,000 orders: wait for the publisher's sequence to stand still.
    let previous = -1;
    await until('the market to go quiet', async () => {
      const seq = (await l2(coreUrl, symbols[0])).seq;
      const still = seq === previous;
      previous = seq;
      await new Promise((r) => setTimeout(r, 700));
      return still;
    }, (still) => still, 60_000, log);
    const final = (await l2(coreUrl, symbols[0])).seq;
    await until('the edge to reach the same sequence', async () => (await l2(edgeUrl, symbols[0])).seq, (seq) => seq === final, 30_000, log);
    for (const symbol of symbols) {
      const [a, b] = [await l2(coreUrl, symbol), await l2(edgeUrl, symbol)];
      expect({ symbol, seq: b.seq, bids: b.bids, asks: b.asks }).toEqual({ symbol, seq: a.seq, bids: a.bids, asks: a.asks });
      expect(a.bids.length + a.asks.length).toBeGreaterThan(0);
    }
    edge.child.kill('SIGINT');
    expect(await edge.exited).toBe(0);
    core.child.kill('SIGINT');
    expect(await core.exited).toBe(0);
  }, 120_000);

  test('--processes 2: two gateway processes share one port, each serving the publisher\'s books; Ctrl-C stops both', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-edge-cluster-'));
    const feed = await feedArgs(dir, 73);
    const core = start(['run', '--rate', '1500', '--set', 'orderEntry.enabled=false', '--set', 'sim.orders=2000', '--set', `journal.path=${path.join(dir, '{date}.journal')}`, '--set', 'storage.engine=off', '--set', 'publisher.endOfSessionIntervalMs=100', ...feed]);
    children.push(core.child);
    const coreUrl = await until('the publisher gateway', async () => /API (http:\/\/127\.0\.0\.1:\d+)/.exec(core.output())?.[1] ?? '', (u) => u !== '', 30_000, core.output);
    const edge = start(['gateway', '--processes', '2', ...feed]);
    children.push(edge.child);
    const log = (): string => `publisher:\n${core.output()}\nedge:\n${edge.output()}`;
    // Both processes print their banner, with the same port.
    const urls = await until('two gateway processes', async () => [...edge.output().matchAll(/API (http:\/\/127\.0\.0\.1:\d+)/g)].map((m) => m[1]), (u) => u.length >= 2, 30_000, log);
    expect(new Set(urls).size).toBe(1);
    const edgeUrl = urls[0];
    expect(edge.output()).toContain('2 gateway processes on one port');

    const symbols = ((await (await fetch(`${coreUrl}/v1/symbols`)).json()) as { symbols: Array<{ symbol: string }> }).symbols.map((s) => s.symbol);
    let previous = -1;
    await until('the market to go quiet', async () => {
      const seq = ((await (await fetch(`${coreUrl}/v1/marketdata/orderBook/L2?symbol=${symbols[0]}&depth=5`)).json()) as L2).seq;
      const still = seq === previous;
      previous = seq;
      await new Promise((r) => setTimeout(r, 700));
      return still;
    }, (still) => still, 60_000, log);
    const expected = new Map<string, L2>();
    for (const symbol of symbols) expected.set(symbol, (await (await fetch(`${coreUrl}/v1/marketdata/orderBook/L2?symbol=${symbol}&depth=5`)).json()) as L2);
    // New connections go to the processes in turn: both answer, each with the publisher's books.
    const pids = new Set<number>();
    // (On a loaded machine a process can still be catching up: ask until both have answered.)
    for (let i = 0; i < 40 && (i < 8 || pids.size < 2); i++) {
      const health = await until('a synchronized process', () => getFresh<{ pid: number; seq: number }>(`${edgeUrl}/healthz`), (h) => h.seq === (expected.get(symbols[0]) as L2).seq, 30_000, log);
      pids.add(health.pid);
    }
    expect(pids.size).toBe(2);
    for (let i = 0; i < 2 * symbols.length; i++) {
      const symbol = symbols[i % symbols.length];
      const a = expected.get(symbol) as L2;
      const b = await getFresh<L2>(`${edgeUrl}/v1/marketdata/orderBook/L2?symbol=${symbol}&depth=5`);
      expect({ symbol, seq: b.seq, bids: b.bids, asks: b.asks }).toEqual({ symbol, seq: a.seq, bids: a.bids, asks: a.asks });
    }
    edge.child.kill('SIGINT');
    expect(await edge.exited).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow(); // gone
    core.child.kill('SIGINT');
    expect(await core.exited).toBe(0);
  }, 120_000);
});
