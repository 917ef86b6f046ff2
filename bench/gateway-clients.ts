// The gateway benchmark's client side, in its own process (forked through bash so it can
// raise its file-descriptor limit): N websocket clients spread over the symbols and tiers,
// each from one of many loopback addresses (127.0.1.x, so the gateway's per-address limit
// holds), measuring frames and the delivery lag of each frame: its `ts` (the ITCH timestamp
// of the last engine event it reflects, ns since New York midnight) to receipt. Also runs
// autocannon against the candles endpoint. Reports over IPC.
//
// With `rawUrl` (issue 17), each client also opens a socket to the raw ws broadcast server
// (bench/gateway.ts), and the parent drives the phases: { kind: 'phase', phase: 'ours' |
// 'raw' | 'idle', warmupMs } (frames of ours, of raw, or of neither are expected; lag is
// recorded for the phase's own server past its warm-up), then { kind: 'end' } for the report.
// The client process sends { kind: 'connected' } when all are connected and warm.
import * as http from 'node:http';
import * as hdr from 'hdr-histogram-js';
import WebSocket from 'ws';
import { MonotonicNs } from './mono-clock';

const mono = new MonotonicNs();

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
  /**
   * The server's performance.timeOrigin minus its CLOCK_MONOTONIC origin, ms: frames' `ts` come
   * from the server's wall clock (timeOrigin + now), so this process reads the same scale
   * through CLOCK_MONOTONIC rather than its own timeOrigin (which differs by up to ~1 ms).
   */
  serverWallMinusMonoMs?: number;
  /** The raw broadcast server's URL: phases driven by the parent (see the header). */
  rawUrl?: string;
}

export type Phase = 'ours' | 'raw' | 'idle';
export interface PhaseMessage {
  kind: 'phase';
  phase: Phase;
  warmupMs: number;
}

export interface CandlesStart {
  /** `candles`: autocannon; `paced`: the open-loop generator below. */
  kind: 'candles' | 'paced';
  url: string;
  /** Paced only: a second URL (/healthz) taking turns with `url`, request by request, at the same rate. */
  baselineUrl?: string;
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
  /** With the raw server: its frames' lag (send to receipt) and count in its phases. */
  rawLagP50Ms?: number;
  rawLagP99Ms?: number;
  rawLagMaxMs?: number;
  rawFrames?: number;
  rawBytes?: number;
  rawConnected?: number;
  /** Seconds measured in each phase (ours, raw), past each slice's warm-up. */
  oursSeconds?: number;
  rawSeconds?: number;
}

export interface CandlesReport {
  kind: 'candles' | 'paced';
  requests: number;
  requestsPerSec: number;
  non2xx: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Paced with `baselineUrl`: its figures, from the same load. */
  baselineRequests?: number;
  baselineP50Ms?: number;
  baselineP99Ms?: number;
  baselineMaxMs?: number;
}

/** The phase the parent set last, and when (performance.now()); 'ours' for a run without the raw server. */
const phaseState = { phase: 'idle' as Phase | 'off', since: 0, warmupMs: 0 };
let onEnd: (() => void) | null = null;

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
  const wallFixMs = s.serverWallMinusMonoMs !== undefined ? s.serverWallMinusMonoMs - (performance.timeOrigin - mono.originNs / 1e6) : 0;
  const sockets: WebSocket[] = [];
  const rawLag = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 }); // us
  let rawFrames = 0;
  let rawBytes = 0;
  let rawConnected = 0;
  const phased = s.rawUrl !== undefined;
  /** With phases: is this frame (ours or raw) in its own phase, past the phase's warm-up? */
  const inPhase = (phase: Phase): boolean => phaseState.phase === phase && performance.now() - phaseState.since >= phaseState.warmupMs;
  const onFrame = (data: Buffer, start: number, end: number, hist: hdr.Histogram): void => {
    if (phased ? !inPhase('ours') : !measuring) return;
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
    const nowNs = (performance.timeOrigin + wallFixMs + performance.now() - s.midnightMs) * 1e6;
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
      if (s.rawUrl !== undefined) {
        // The raw server's socket for the same client: no subscriptions, it broadcasts to all.
        const raw = new WebSocket(s.rawUrl, { localAddress, perMessageDeflate: false });
        sockets.push(raw);
        raw.on('open', () => rawConnected++);
        raw.on('message', (data: Buffer) => {
          if (!inPhase('raw')) return;
          rawFrames++;
          rawBytes += data.length;
          const at = data.indexOf(TS);
          if (at < 0) return;
          let ts = 0;
          for (let k = at + 5; k < data.length; k++) {
            const c = data[k];
            if (c < 0x30 || c > 0x39) break;
            ts = ts * 10 + (c - 0x30);
          }
          const nowNs = mono.now(); // the raw server's `ts` is CLOCK_MONOTONIC
          rawLag.recordValue(Math.max(1, Math.round((nowNs - ts) / 1000)));
        });
        raw.on('error', () => undefined);
      }
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
  if (phased) {
    // The parent alternates the servers' slices; it says when the run is over.
    process.send?.({ kind: 'connected', connected, rawConnected });
    await new Promise<void>((r) => {
      onEnd = r;
    });
  } else await new Promise((r) => setTimeout(r, s.measureMs));
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
    ...(phased
      ? { rawLagP50Ms: ms(rawLag, 50), rawLagP99Ms: ms(rawLag, 99), rawLagMaxMs: Math.round(rawLag.maxValue / 10) / 100, rawFrames, rawBytes, rawConnected }
      : {}),
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
  const baseline = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 }); // us
  // With a baseline URL the two take turns, request by request, each at the rate asked.
  const ways = s.baselineUrl !== undefined ? 2 : 1;
  const baseUrl = s.baselineUrl !== undefined ? new URL(s.baselineUrl) : url;
  const total = Math.round(s.ratePerSec * s.seconds) * ways;
  const intervalMs = 1000 / (s.ratePerSec * ways);
  let sent = 0;
  let done = 0;
  let non2xx = 0;
  let errors = 0;
  const t0 = performance.now() + 5;
  await new Promise<void>((resolve) => {
    const issue = (due: number, i: number): void => {
      const u = ways === 2 && i % 2 === 1 ? baseUrl : url;
      const hist = u === url ? latency : baseline;
      const req = http.get({ host: u.hostname, port: u.port, path: u.pathname + u.search, agent, headers: { 'accept-encoding': 'gzip' } }, (res) => {
        if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode > 299) non2xx++;
        res.on('data', () => undefined);
        res.on('end', () => {
          hist.recordValue(Math.max(1, Math.round((performance.now() - due) * 1000)));
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
      while (sent < total && t0 + sent * intervalMs <= now) {
        issue(t0 + intervalMs * sent, sent);
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, t0 + sent * intervalMs - performance.now()));
    };
    setTimeout(tick, 5);
  });
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  const ms = (p: number): number => Math.round(latency.getValueAtPercentile(p) / 10) / 100;
  return {
    kind: 'paced',
    requests: latency.totalCount,
    requestsPerSec: Math.round(latency.totalCount / seconds),
    non2xx: non2xx + errors,
    p50Ms: ms(50),
    p99Ms: ms(99),
    maxMs: Math.round(latency.maxValue / 10) / 100,
    ...(ways === 2
      ? {
          baselineRequests: baseline.totalCount,
          baselineP50Ms: Math.round(baseline.getValueAtPercentile(50) / 10) / 100,
          baselineP99Ms: Math.round(baseline.getValueAtPercentile(99) / 10) / 100,
          baselineMaxMs: Math.round(baseline.maxValue / 10) / 100,
        }
      : {}),
  };
}

process.on('message', (msg: ClientsStart | CandlesStart | PhaseMessage | { kind: 'end' }) => {
  if (msg.kind === 'phase') {
    phaseState.phase = msg.phase;
    phaseState.since = performance.now();
    phaseState.warmupMs = msg.warmupMs;
    return;
  }
  if (msg.kind === 'end') {
    onEnd?.();
    return;
  }
  const run = msg.kind === 'clients' ? runClients(msg) : msg.kind === 'paced' ? runPaced(msg) : runCandles(msg);
  void run.then((report) => process.send?.(report, () => undefined));
});
process.on('disconnect', () => process.exit(0));
