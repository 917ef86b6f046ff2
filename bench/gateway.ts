// Gateway benchmark (issue 6). Part 1: `tickwire run`'s wiring in this process (startLiveFeed:
// the live sim at TW_BENCH_RATE orders/s (43,000), the publisher on two bench multicast
// lines, rewinder, snapshot, and the gateway; storage off), and TW_BENCH_CLIENTS (10,000) websocket
// clients in another process (bench/gateway-clients.ts, started through bash to raise its
// file-descriptor limit), spread over the 100 symbols and the tiers (TW_BENCH_PRO 0.15,
// TW_BENCH_PREMIUM 0.05, the rest free) from 50 loopback addresses. Each client subscribes
// to its symbol's book (free 5, else 10), every 4th to trades, every 10th to l1, every
// other premium to orders. After all are connected and TW_BENCH_WARMUP_S (5) s, frames and
// the delivery lag of every frame (its `ts`, the last engine event it reflects, to receipt)
// are measured for TW_BENCH_SECONDS (20) s; this process's RSS is sampled throughout.
// Part 2: a gateway over a day of 1m candles (1,440, one symbol), and 500 requests/s for
// TW_BENCH_CANDLES_S (10) s on the whole day's candles from the other process, over 10
// keep-alive connections asking for gzip: first paced evenly, open loop (`candles`, the
// figure held to the floor; see runPaced in gateway-clients.ts for why), then through
// autocannon's rate limit (`candlesAutocannon`: its per-second bursts and its coordinated
// omission correction, kept for comparison).
// Floors: 10,000 clients with lag p99 <= 100 ms and RSS <= 1.5 GB; candles p99 <= 5 ms.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MarketBooks, BUY, sessionAnchors, parseSessionDate, type MarketDataSource } from '../book';
import { configSchema, listing } from '../config';
import { Gateway, KeyStore } from '../gateway';
import { startLiveFeed } from '../runtime';
import type { CandlesReport, CandlesStart, ClientsReport, ClientsStart } from './gateway-clients';

const CLIENTS = Number(process.env.TW_BENCH_CLIENTS ?? 10_000);
const RATE = Number(process.env.TW_BENCH_RATE ?? 43_000);
const PRO = Number(process.env.TW_BENCH_PRO ?? 0.15);
const PREMIUM = Number(process.env.TW_BENCH_PREMIUM ?? 0.05);
const WARMUP_S = Number(process.env.TW_BENCH_WARMUP_S ?? 5);
const SECONDS = Number(process.env.TW_BENCH_SECONDS ?? 20);
const CANDLES_S = Number(process.env.TW_BENCH_CANDLES_S ?? 10);
const SEED = Number(process.env.TW_SEED ?? 1);
/** gateway.flushTickMs (5; 0: each timed group flushes all its symbols at once). */
const FLUSH_TICK_MS = Number(process.env.TW_BENCH_FLUSH_TICK_MS ?? 5);
const ADDRESSES = 50;

function clientProcess(): ChildProcess {
  const script = path.join(__dirname, 'gateway-clients.js');
  // The limit is raised in the child's shell; exec keeps the IPC channel (fd 3) for node.
  // TW_BENCH_CLIENT_NODE_ARGS: node flags for the client process (e.g. --cpu-prof).
  const nodeArgs = process.env.TW_BENCH_CLIENT_NODE_ARGS ?? '';
  return spawn('bash', ['-c', `ulimit -n $(ulimit -Hn) 2>/dev/null; exec "${process.execPath}" ${nodeArgs} "${script}"`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function ask<T>(child: ChildProcess, msg: ClientsStart | CandlesStart): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`client process exited (${code})`)));
    child.send(msg);
  });
}

/** A source holding a day of 1m candles for AAPL: a trade a minute or more, 00:00 to 24:00 New York. */
function dayOfCandles(sessionDate: string): MarketDataSource {
  const books = new MarketBooks({ sessionDate });
  let seq = 1;
  let ref = 1;
  for (let minute = 0; minute < 1440; minute++) {
    for (let k = 0; k < 3; k++) {
      const ts = (minute * 60 + k * 10) * 1e9;
      const price = 1_900_000 + ((minute * 7 + k * 13) % 400) * 100;
      books.addOrder(seq++, 1, ref, BUY, 300, price, ts);
      books.executeOrder(seq++, 0x45, 1, ref, 100 + k * 50, ts + 1000, -1);
      books.deleteOrder(seq++, 1, ref++);
    }
  }
  const book = books.book(1);
  if (book !== null) book.symbol = 'AAPL';
  return { books, session: 'BENCH', sessionDate, sequence: seq - 1, valid: true, subscribe: () => () => undefined };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-bench-gw-'));
  const keysFile = path.join(dir, 'keys.json');
  const keys = new KeyStore(keysFile);
  const proKey = keys.create('pro', 'bench-pro').key;
  const premiumKey = keys.create('premium', 'bench-premium').key;
  const config = configSchema.parse({
    sim: { seed: SEED, symbols: 100, ordersPerSec: RATE },
    journal: { path: '' },
    // Storage has its own benchmark; here its writer thread would take CPU from the gateway
    // on this 2-core machine (and write a DuckDB file into ./data).
    storage: { engine: 'off' },
    publisher: {
      lineA: { group: '239.192.78.1', port: 37201 },
      lineB: { group: '239.192.78.2', port: 37202 },
      rewinder: { port: 0 },
      snapshot: { port: 0 },
      endOfSessionRepeats: 0,
    },
    gateway: { port: 0, keysFile, maxConnections: CLIENTS + 1000, maxConnectionsPerIp: Math.ceil(CLIENTS / ADDRESSES) + 10, shuffleSeed: SEED, flushTickMs: FLUSH_TICK_MS },
  });
  const feed = await startLiveFeed(config);
  const gateway = feed.gateway as Gateway;
  const child = clientProcess();
  let rssMax = 0;
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
  }, 250);
  const midnightMs = sessionAnchors(parseSessionDate(feed.sessionDate)).midnightMs;
  const eventsBefore = { orders: 0, t: 0, cpu: process.cpuUsage() };
  const clients = ask<ClientsReport>(child, {
    kind: 'clients',
    url: `ws://127.0.0.1:${gateway.port}/v1/ws`,
    clients: CLIENTS,
    symbols: listing(100).map((s) => s.ticker),
    pro: PRO,
    premium: PREMIUM,
    proKey,
    premiumKey,
    midnightMs,
    addresses: ADDRESSES,
    seed: SEED,
    warmupMs: WARMUP_S * 1000,
    measureMs: SECONDS * 1000,
  });
  // The sim's rate over the measured window (roughly: from when all are connected).
  const rateProbe = setInterval(() => {
    if (gateway.sessions.size >= CLIENTS * 0.99 && eventsBefore.t === 0) {
      eventsBefore.orders = feed.sim.orders;
      eventsBefore.t = performance.now();
      eventsBefore.cpu = process.cpuUsage();
      // The server's write lag over about the clients' measured window (after their warm-up).
      setTimeout(() => gateway.registry.deliveryLag.reset(), WARMUP_S * 1000);
    }
  }, 100);
  const report = await clients;
  clearInterval(rateProbe);
  const serverCpu = process.cpuUsage(eventsBefore.cpu);
  const serverCpuPct = eventsBefore.t > 0 ? Math.round((serverCpu.user + serverCpu.system) / (performance.now() - eventsBefore.t)) / 10 : 0;
  const ordersPerSec = eventsBefore.t > 0 ? Math.round(((feed.sim.orders - eventsBefore.orders) * 1000) / (performance.now() - eventsBefore.t)) : 0;
  clearInterval(sampler);
  const g = gateway.figures();
  await feed.endDay();
  // Let both processes finish tearing down the clients' connections before timing requests.
  await new Promise((r) => setTimeout(r, Math.min(10_000, 1000 + CLIENTS / 2)));

  // Part 2: candles under 500 requests/s.
  const source = dayOfCandles(feed.sessionDate);
  const candleGateway = new Gateway({ source, config: configSchema.parse({ gateway: { port: 0, keysFile, httpRequestsPerSecond: 1_000_000 } }).gateway });
  const port = await candleGateway.start();
  const sanity = (await (await fetch(`http://127.0.0.1:${port}/v1/marketdata/candles?symbol=AAPL&resolution=60&startTime=${midnightMs}&endTime=${midnightMs + 86_400_000}&limit=1440`)).json()) as { candles: unknown[] };
  const candlesUrl = `http://127.0.0.1:${port}/v1/marketdata/candles?symbol=AAPL&resolution=60&startTime=${midnightMs}&endTime=${midnightMs + 86_400_000}&limit=1440`;
  const candles = await ask<CandlesReport>(child, { kind: 'paced', url: candlesUrl, ratePerSec: 500, seconds: CANDLES_S, connections: 10 });
  const candlesAutocannon = await ask<CandlesReport>(child, { kind: 'candles', url: candlesUrl, ratePerSec: 500, seconds: CANDLES_S, connections: 10 });
  await candleGateway.close();
  child.disconnect();

  const out = {
    bench: 'gateway',
    clients: report.connected,
    refused: report.refused,
    tiers: report.tiers,
    subscriptions: report.subscriptions,
    targetOrdersPerSec: RATE,
    ordersPerSec,
    seconds: SECONDS,
    flushTickMs: FLUSH_TICK_MS,
    framesPerSec: report.framesPerSec,
    bytesPerSec: Math.round(report.bytes / SECONDS),
    lagP50Ms: report.lagP50Ms,
    lagP99Ms: report.lagP99Ms,
    lagMaxMs: report.lagMaxMs,
    lagP99MsByTier: report.lagP99MsByTier,
    serverRssMaxMB: Math.round(rssMax / 1048576),
    serverCpuPct,
    clientCpuPct: report.clientCpuPct,
    server: { framesSerialized: g.frames, sends: g.sends, skippedUpdates: g.skipped, resyncs: g.resyncs, slowClosed: g.slowClosed, topics: g.topics },
    // Engine event to the frame written to the sockets, from all connected + warm-up to the end.
    serverWriteLagP50Ms: Math.round(g.deliveryLagP50Us / 10) / 100,
    serverWriteLagP99Ms: Math.round(g.deliveryLagP99Us / 10) / 100,
    serverWriteLagMaxMs: Math.round(g.deliveryLagMaxUs / 10) / 100,
    closedByServer: report.closedByServer,
    connectMs: report.connectMs,
    candles: { candlesPerResponse: sanity.candles.length, load: 'paced, open loop', requestsPerSec: candles.requestsPerSec, requests: candles.requests, non2xx: candles.non2xx, p50Ms: candles.p50Ms, p99Ms: candles.p99Ms, maxMs: candles.maxMs },
    candlesAutocannon: { load: 'autocannon -c 10 -R 500', requestsPerSec: candlesAutocannon.requestsPerSec, requests: candlesAutocannon.requests, non2xx: candlesAutocannon.non2xx, p50Ms: candlesAutocannon.p50Ms, p99Ms: candlesAutocannon.p99Ms, maxMs: candlesAutocannon.maxMs },
    floors: { clients: 10_000, lagP99Ms: 100, serverRssMB: 1536, candlesP99Ms: 5 },
    seed: SEED,
    cpu: os.cpus()[0]?.model ?? '',
    node: process.version,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
