// The gateway benchmark's client side, in its own process (forked through bash so it can
// raise its file-descriptor limit): N websocket clients spread over the symbols and tiers,
// each from one of many loopback addresses (127.0.1.x, so the gateway's per-address limit
// holds), measuring frames and the delivery lag of each frame: its `ts` (the ITCH timestamp
// of the last engine event it reflects, ns since New York midnight) to receipt. Also runs
// autocannon against the candles endpoint. Reports over IPC.
import * as http from 'node:http';
import * as hdr from 'hdr-histogram-js';
import WebSocket from 'ws';

// autocannon ships no types: the part of its API used here.
interface AutocannonResult {
  requests: { total: number; average: number };
  latency: { p50: number; p99: number; max: number };
  non2xx: number;
}
type Autocannon = (opts: { url: string; connections: number; overallRate: number; duration: number; headers: Record<string, string> }) => Promise<AutocannonResult>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as Autocannon;

export interface ClientsStart {
  kind: 'clients';
  url: string;
  clients: number;
  symbols: string[];
  /** Fractions of free, pro, premium (the rest free). */
  pro: number;
  premium: number;
  proKey: string;
  premiumKey: string;
  midnightMs: number;
  addresses: number;
  seed: number;
  warmupMs: number;
  measureMs: number;
}

export interface CandlesStart {
  /** `candles`: autocannon; `paced`: the open-loop generator below. */
  kind: 'candles' | 'paced';
  url: string;
  ratePerSec: number;
  seconds: number;
  connections: number;
}

export interface ClientsReport {
  kind: 'clients';
  connected: number;
  refused: number;
  tiers: Record<string, number>;
  subscriptions: number;
  frames: number;
  bytes: number;
  framesPerSec: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  lagP99MsByTier: Record<string, number>;
  errors: number;
  closedByServer: Record<string, number>;
  connectMs: number;
  /** This process's CPU over the measured window, % of one core. */
  clientCpuPct: number;
}

export interface CandlesReport {
  kind: 'candles' | 'paced';
  requests: number;
  requestsPerSec: number;
  non2xx: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const TS = Buffer.from('"ts":');

async function runClients(s: ClientsStart): Promise<ClientsReport> {
  const rand = xorshift(s.seed);
  const lag = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 }); // us
  const lagByTier: Record<string, hdr.Histogram> = {};
  for (const t of ['free', 'pro', 'premium']) lagByTier[t] = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  let measuring = false;
  let frames = 0;
  let bytes = 0;
  let errors = 0;
  let connected = 0;
  let refused = 0;
  let subscriptions = 0;
  const tiers: Record<string, number> = { free: 0, pro: 0, premium: 0 };
  const closed: Record<string, number> = {};
  const started = Date.now();
  const url = new URL(s.url);
  const sockets: WebSocket[] = [];
  const onFrame = (data: Buffer, start: number, end: number, hist: hdr.Histogram): void => {
    if (!measuring) return;
    frames++;
    bytes += end - start;
    const at = data.indexOf(TS, start);
    if (at < 0 || at >= end) {
      const e = data.indexOf('"error"', start);
      if (e >= 0 && e < end) errors++;
      return;
    }
    let ts = 0;
    for (let k = at + 5; k < end; k++) {
      const c = data[k];
      if (c < 0x30 || c > 0x39) break;
      ts = ts * 10 + (c - 0x30);
    }
    const nowNs = (performance.timeOrigin + performance.now() - s.midnightMs) * 1e6;
    const us = Math.max(1, Math.round((nowNs - ts) / 1000));
    lag.recordValue(us);
    hist.recordValue(us);
  };
  const subscriptionsFor = (i: number, tier: string, symbol: string): string[] => {
    const out = [JSON.stringify({ op: 'subscribe', channel: 'book', symbol, depth: tier === 'free' ? 5 : 10 })];
    if (i % 4 === 0) out.push(JSON.stringify({ op: 'subscribe', channel: 'trades', symbol }));
    if (i % 10 === 1) out.push(JSON.stringify({ op: 'subscribe', channel: 'l1', symbol }));
    if (tier === 'premium' && i % 2 === 0) out.push(JSON.stringify({ op: 'subscribe', channel: 'orders', symbol }));
    return out;
  };
  const openOne = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const u = rand();
      const tier = u < s.premium ? 'premium' : u < s.premium + s.pro ? 'pro' : 'free';
      const symbol = s.symbols[i % s.symbols.length];
      const headers: Record<string, string> = tier === 'pro' ? { Authorization: `Bearer ${s.proKey}` } : tier === 'premium' ? { Authorization: `Bearer ${s.premiumKey}` } : {};
      const localAddress = `127.0.1.${1 + (i % s.addresses)}`;
      const hist = lagByTier[tier];
      let done = false;
      const opened = (send: (text: string) => void): void => {
        connected++;
        tiers[tier]++;
        for (const m of subscriptionsFor(i, tier, symbol)) {
          send(m);
          subscriptions++;
        }
        done = true;
        resolve();
      };
      const failed = (): void => {
        if (!done) {
          refused++;
          done = true;
          resolve();
        }
      };
      const ws = new WebSocket(s.url, { headers, localAddress, perMessageDeflate: false });
      sockets.push(ws);
      ws.on('open', () => opened((text) => ws.send(text)));
      ws.on('message', (data: Buffer) => onFrame(data, 0, data.length, hist));
      ws.on('close', (code) => {
        closed[code] = (closed[code] ?? 0) + 1;
      });
      ws.on('error', failed);
    });
  // Connect in waves so the listen backlog is never overrun.
  const WAVE = 250;
  for (let i = 0; i < s.clients; i += WAVE) {
    const wave: Promise<void>[] = [];
    for (let k = i; k < Math.min(s.clients, i + WAVE); k++) wave.push(openOne(k));
    await Promise.all(wave);
  }
  const connectMs = Date.now() - started;
  await new Promise((r) => setTimeout(r, s.warmupMs));
  measuring = true;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, s.measureMs));
  measuring = false;
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - t0) / 1000;
  for (const ws of sockets) ws.terminate();
  const ms = (h: hdr.Histogram, p: number): number => Math.round(h.getValueAtPercentile(p) / 10) / 100;
  return {
    kind: 'clients',
    connected,
    refused,
    tiers,
    subscriptions,
    frames,
    bytes,
    framesPerSec: Math.round(frames / seconds),
    lagP50Ms: ms(lag, 50),
    lagP99Ms: ms(lag, 99),
    lagMaxMs: Math.round(lag.maxValue / 10) / 100,
    lagP99MsByTier: Object.fromEntries(Object.entries(lagByTier).map(([t, h]) => [t, ms(h, 99)])),
    errors,
    closedByServer: closed,
    connectMs,
    clientCpuPct: Math.round((cpu.user + cpu.system) / seconds / 1e3) / 10,
  };
}

async function runCandles(s: CandlesStart): Promise<CandlesReport> {
  // As browsers and curl --compressed do: the server keeps the gzipped body with the cached one.
  const result = await autocannon({ url: s.url, connections: s.connections, overallRate: s.ratePerSec, duration: s.seconds, headers: { 'accept-encoding': 'gzip' } });
  return {
    kind: 'candles',
    requests: result.requests.total,
    requestsPerSec: Math.round(result.requests.average),
    non2xx: result.non2xx,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
  };
}

// autocannon's rate limit is a per-second quota: each connection sends back to back until
// its share of the second is used, then waits for the next second, so "500 requests/s" is
// a burst of 500 at full speed over 10 connections each second, and its latencies are
// "corrected" for coordinated omission with an expected interval of ceil(1 / rate) = 1 ms
// (seconds taken as milliseconds), which adds synthetic samples to every response over
// 1 ms. This one is open loop, as wrk2 is: request i is due at start + i / rate, goes out
// on a free keep-alive connection (or waits for one, which counts), and its latency runs
// from when it was due to the last byte of the response. Bodies are counted, not inflated.
async function runPaced(s: CandlesStart): Promise<CandlesReport> {
  const url = new URL(s.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: s.connections });
  const latency = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 }); // us
  const total = Math.round(s.ratePerSec * s.seconds);
  const intervalMs = 1000 / s.ratePerSec;
  let sent = 0;
  let done = 0;
  let non2xx = 0;
  let errors = 0;
  const t0 = performance.now() + 5;
  await new Promise<void>((resolve) => {
    const issue = (due: number): void => {
      const req = http.get({ host: url.hostname, port: url.port, path: url.pathname + url.search, agent, headers: { 'accept-encoding': 'gzip' } }, (res) => {
        if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode > 299) non2xx++;
        res.on('data', () => undefined);
        res.on('end', () => {
          latency.recordValue(Math.max(1, Math.round((performance.now() - due) * 1000)));
          if (++done === total) resolve();
        });
      });
      req.on('error', () => {
        errors++;
        if (++done === total) resolve();
      });
    };
    const tick = (): void => {
      const now = performance.now();
      while (sent < total && t0 + sent * intervalMs <= now) issue(t0 + intervalMs * sent++);
      if (sent < total) setTimeout(tick, Math.max(0, t0 + sent * intervalMs - performance.now()));
    };
    setTimeout(tick, 5);
  });
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  const ms = (p: number): number => Math.round(latency.getValueAtPercentile(p) / 10) / 100;
  return {
    kind: 'paced',
    requests: done - errors,
    requestsPerSec: Math.round((done - errors) / seconds),
    non2xx: non2xx + errors,
    p50Ms: ms(50),
    p99Ms: ms(99),
    maxMs: Math.round(latency.maxValue / 10) / 100,
  };
}

process.on('message', (msg: ClientsStart | CandlesStart) => {
  const run = msg.kind === 'clients' ? runClients(msg) : msg.kind === 'paced' ? runPaced(msg) : runCandles(msg);
  void run.then((report) => process.send?.(report, () => undefined));
});
process.on('disconnect', () => process.exit(0));
