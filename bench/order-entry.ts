// Order entry benchmark (issue 18). REST order round trips, paced open loop at
// TW_BENCH_OE_RATE (5,000) orders/s over TW_BENCH_OE_CONNECTIONS (16) keep-alive
// connections, against two servers in alternating slices of one run (TW_BENCH_OE_SLICE_S,
// 2 s each, the first TW_BENCH_OE_SLICE_WARMUP_MS (250) of each unmeasured):
// - ours: `tickwire run --rate 0` in a child process (client gateway, order manager, risk
//   checks, wallet, sequencer, journal with group-commit fsync, matching engine, publisher
//   on bench multicast lines, market-data gateway off), orders from 16 funded accounts;
// - raw (bench/order-entry-raw.ts, another child): parses the same body, appends the same
//   bytes with the same group-commit fsync, and answers.
// A request's round trip runs from the instant it was due (open loop: a late send counts
// against the server that made it late) to the last byte of its answer. The orders rest
// around each symbol's reference price, one in ten crossing (an immediate fill).
// Prints orderRoundTripP50Ms/P99Ms, rawRoundTripP50Ms/P99Ms and p99OverRaw (floor <= 1.5).
// The drift-free engine figure (engineOrdersPerSecRiskWalletOverOff) is bench:engine-risk's.
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { listing } from '../config';
import { Prng } from '../protocol';
import { nextMessage } from './child-messages';
import { adminPost, startExchangeChild } from './exchange-child';
import { percentile } from './stats';

const RATE = Number(process.env.TW_BENCH_OE_RATE ?? 5_000);
const CONNECTIONS = Number(process.env.TW_BENCH_OE_CONNECTIONS ?? 16);
const SECONDS = Number(process.env.TW_BENCH_OE_SECONDS ?? 40);
const SLICE_S = Number(process.env.TW_BENCH_OE_SLICE_S ?? 2);
const SLICE_WARMUP_MS = Number(process.env.TW_BENCH_OE_SLICE_WARMUP_MS ?? 250);
const WARMUP_S = Number(process.env.TW_BENCH_OE_WARMUP_S ?? 3);
const SEED = Number(process.env.TW_SEED ?? 1);
const ACCOUNTS = 16;
const SYMBOLS = 20;
const LISTED = listing(SYMBOLS);

interface Target {
  name: 'ours' | 'raw';
  port: number;
  keys: string[];
  agent: http.Agent;
}

interface Sample {
  target: 'ours' | 'raw';
  ms: number;
}


/** `tickwire run --rate 0` in a temp dir, with funded accounts' keys. */
async function startOurs(dir: string): Promise<{ child: ChildProcess; port: number; keys: string[] }> {
  const ex = await startExchangeChild(dir, ['239.192.78.1', '239.192.78.2'], RATE);
  const keys: string[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const created = await adminPost(ex, '/admin/v1/accounts', { name: `bench${i}`, password: 'bench-password', kyc: 'approved', riskClass: 'institutional', cash: '1000000000', actor: 'bench' });
    keys.push(String(created.apiKey));
    for (let s = 0; s < SYMBOLS; s++) {
      await adminPost(ex, `/admin/v1/accounts/${Number(created.id)}/fund`, { symbol: LISTED[s].ticker, shares: 10_000_000, actor: 'bench' });
    }
  }
  return { child: ex.child, port: Number(new URL(ex.url).port), keys };
}

async function startRaw(dir: string): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(path.join(__dirname, 'order-entry-raw.js'), [path.join(dir, 'raw.journal')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const m = await nextMessage<{ type: 'listening'; port: number }>(child, 'listening', 10_000, 'raw server');
  return { child, port: m.port };
}

/** One order's JSON body: resting around the reference, one in ten crossing it. */
function orderBody(rng: Prng, n: number): string {
  const sym = LISTED[n % SYMBOLS];
  const buy = (n & 1) === 0;
  const cross = rng.next() < 0.1;
  const ticks = 1 + Math.floor(rng.next() * 20);
  const ref = sym.referencePrice / 10_000;
  const price = buy ? ref + (cross ? 0.05 : -0.01 * ticks) : ref - (cross ? 0.05 : -0.01 * ticks);
  return JSON.stringify({ symbol: sym.ticker, side: buy ? 'buy' : 'sell', price: price.toFixed(2), orderType: 'limit', quantity: 100, clientOrderId: `b${n}` });
}

function send(target: Target, body: string, n: number, dueMs: number, samples: Sample[], measured: boolean, errors: { n: number; last: string }): void {
  const req = http.request({
    host: '127.0.0.1', port: target.port, method: 'POST', path: '/v1/order', agent: target.agent,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${target.keys[n % target.keys.length]}` },
  }, (res) => {
    res.on('data', () => undefined);
    res.on('end', () => {
      if ((res.statusCode ?? 500) >= 300) {
        errors.n++;
        errors.last = `${res.statusCode}`;
      } else if (measured) samples.push({ target: target.name, ms: performance.now() - dueMs });
    });
  });
  req.on('error', (err) => {
    errors.n++;
    errors.last = err.message;
  });
  req.end(body);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-bench-oe-'));
  const ours = await startOurs(dir);
  const raw = await startRaw(dir);
  const agent = (): http.Agent => new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS, maxFreeSockets: CONNECTIONS });
  const targets: Target[] = [
    { name: 'ours', port: ours.port, keys: ours.keys, agent: agent() },
    { name: 'raw', port: raw.port, keys: ['raw'], agent: agent() },
  ];
  const rng = new Prng(SEED);
  const samples: Sample[] = [];
  const errors = { n: 0, last: '' };
  const start = performance.now();
  const totalMs = (WARMUP_S + SECONDS) * 1000;
  let n = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      const due = Math.floor(((now - start) / 1000) * RATE);
      while (n < due) {
        const dueMs = start + (n / RATE) * 1000;
        const t = dueMs - start;
        const slice = Math.floor(t / (SLICE_S * 1000));
        const target = targets[slice & 1];
        const inSlice = t - slice * SLICE_S * 1000;
        const measured = t >= WARMUP_S * 1000 && inSlice >= SLICE_WARMUP_MS;
        send(target, orderBody(rng, n), n, dueMs, samples, measured, errors);
        n++;
      }
      if (now - start >= totalMs) {
        clearInterval(timer);
        setTimeout(resolve, 2000); // the last answers
      }
    }, 1);
  });
  const of = (name: 'ours' | 'raw'): number[] => samples.filter((s) => s.target === name).map((s) => s.ms);
  const o = of('ours');
  const r = of('raw');
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  const p99 = percentile(o, 99);
  const rawP99 = percentile(r, 99);
  ours.child.kill('SIGTERM');
  raw.child.kill('SIGTERM');
  process.stdout.write(JSON.stringify({
    bench: 'order-entry',
    ratePerSec: RATE,
    connections: CONNECTIONS,
    seconds: SECONDS,
    sliceSeconds: SLICE_S,
    orders: n,
    ordersMeasured: o.length,
    rawMeasured: r.length,
    errors: errors.n,
    lastError: errors.last,
    orderRoundTripP50Ms: round(percentile(o, 50)),
    orderRoundTripP99Ms: round(p99),
    orderRoundTripP999Ms: round(percentile(o, 99.9)),
    rawRoundTripP50Ms: round(percentile(r, 50)),
    rawRoundTripP99Ms: round(rawP99),
    rawRoundTripP999Ms: round(percentile(r, 99.9)),
    p99OverRaw: round(p99 / rawP99),
    p50OverRaw: round(percentile(o, 50) / percentile(r, 50)),
    fsync: 'group commit (one fsync in flight; both sides)',
    seed: SEED,
    cpu: os.cpus()[0]?.model.split(' ').slice(0, 2).join(' ') ?? '',
    node: process.version,
  }) + '\n');
  setTimeout(() => process.exit(0), 500);
}

void main().catch((err: unknown) => {
  process.stderr.write(`bench:order-entry failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
