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
// Part 2 also asks /healthz in turn with the candles, request by request, at the same rate:
// candlesP99OverHealthzP99 (floor <= 2) reads the candles' p99 against the server's floor.
//
// The raw server (issue 17; TW_BENCH_GATEWAY_RAW, on by default, off for the 10,000-client
// run): a plain `ws` WebSocketServer in this process (where ours runs), to which every client
// also connects. The measured window alternates slices of TW_BENCH_SLICE_S (2) s, the first
// TW_BENCH_SLICE_WARMUP_MS (500) of each unmeasured: `ours` (the gateway attached to the
// publisher), `raw` (the gateway detached; the raw server replays ours' last slice: as many
// broadcasts a second, each a frame of the same size built once and `ws.send` to as many
// sockets, taken in turn), `idle` (the gateway detached, raw silent). The sim trades in all
// three, so `idle` is the cost of the feed alone: serverCpuUsPerFrame = (CPU in ours - CPU in
// idle) / frames written, rawServerCpuUsPerFrame likewise for raw, cpuPerFrameOverRaw their
// ratio (floor <= 1.0). Lag of ours (lagP99Ms, floor 100 ms at 1,000 clients) and of raw
// (rawLagP99Ms: its send to receipt) in their own slices. Detaching stops the gateway's
// updates mid-book; this bench does not check the clients' books.
// slices.ordersPerSec{Ours,Raw,Idle}: the sim's rate in each kind of slice (the feed's work the
// idle slices subtract must be the same in all three); server.socketWrites: the gateway's
// socket writes (one per client per flush), beside sends (frames). TW_BENCH_GATEWAY_PROFILE=DIR
// writes a V8 CPU profile of each measured slice (PHASE-ROUND.cpuprofile, sampled every 200
// us; the profiler's own thread adds ~15-20% of a core to every slice, so read the profiles'
// shares, not that run's ratio).
// Floors: 10,000 clients with RSS <= 1.5 GB (TW_BENCH_CLIENTS=10000 TW_BENCH_GATEWAY_RAW=0);
// 1,000 clients: lag p99 <= 100 ms, cpuPerFrameOverRaw <= 1.0; candlesP99OverHealthzP99 <= 2.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Session as InspectorSession } from 'node:inspector/promises';
import { MarketBooks, BUY, sessionAnchors, parseSessionDate, type MarketDataSource } from '../book';
import { configSchema, listing } from '../config';
import { Gateway, KeyStore, wsFramePayloadLength } from '../gateway';
import { startLiveFeed } from '../runtime';
import { WebSocket, WebSocketServer } from 'ws';
import { MonotonicNs } from './mono-clock';
import type { CandlesReport, CandlesStart, ClientsReport, ClientsStart, Phase, PhaseMessage } from './gateway-clients';

const RAW = process.env.TW_BENCH_GATEWAY_RAW !== '0';
const CLIENTS = Number(process.env.TW_BENCH_CLIENTS ?? (RAW ? 1_000 : 10_000));
const SLICE_S = Number(process.env.TW_BENCH_SLICE_S ?? 2);
const SLICE_WARMUP_MS = Number(process.env.TW_BENCH_SLICE_WARMUP_MS ?? 500);
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
/** A folder: each measured slice's CPU profile (sampled every 200 us) is written there (PHASE-ROUND.cpuprofile). */
const PROFILE_DIR = process.env.TW_BENCH_GATEWAY_PROFILE ?? '';

function clientProcess(): ChildProcess {
  const script = path.join(__dirname, 'gateway-clients.js');
  // The limit is raised in the child's shell; exec keeps the IPC channel (fd 3) for node.
  // TW_BENCH_CLIENT_NODE_ARGS: node flags for the client process (e.g. --cpu-prof).
  const nodeArgs = process.env.TW_BENCH_CLIENT_NODE_ARGS ?? '';
  return spawn('bash', ['-c', `ulimit -n $(ulimit -Hn) 2>/dev/null; exec "${process.execPath}" ${nodeArgs} "${script}"`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** Sends `msg` (if any) and resolves with the child's next message of `kind`. */
function ask<T>(child: ChildProcess, msg: ClientsStart | CandlesStart | { kind: 'end' } | null, kind: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown): void => {
      if ((m as { kind: string }).kind !== kind) return;
      child.off('message', onMessage);
      resolve(m as T);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`client process exited (${code})`)));
    if (msg !== null) child.send(msg);
  });
}

/** The raw broadcast server: plain ws, replaying ours' broadcasts (sizes, fan-out, rate). */
class RawBroadcast {
  readonly server: WebSocketServer;
  readonly sockets: WebSocket[] = [];
  frames = 0;
  private timer: NodeJS.Timeout | null = null;
  private cursor = 0;
  private seq = 0;
  private readonly pad = 'x'.repeat(1 << 16);
  private readonly mono = new MonotonicNs();

  constructor() {
    this.server = new WebSocketServer({ port: 0, host: '0.0.0.0', perMessageDeflate: false, backlog: 4096 });
    this.server.on('connection', (ws) => {
      this.sockets.push(ws);
      ws.on('close', () => {
        const i = this.sockets.indexOf(ws);
        if (i >= 0) this.sockets.splice(i, 1);
      });
      ws.on('error', () => undefined);
    });
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** Replays `sizes[i]`-byte payloads to `fanouts[i]` sockets, `perSec` broadcasts a second, in 1-ms ticks. */
  start(perSec: number, sizes: Uint32Array, fanouts: Uint32Array, n: number): void {
    this.stop();
    if (n === 0 || perSec <= 0) return;
    let due = 0;
    let last = performance.now();
    let next = 0;
    this.timer = setInterval(() => {
      const now = performance.now();
      due = Math.min(due + ((now - last) / 1000) * perSec, perSec / 100);
      last = now;
      const socks = this.sockets;
      if (socks.length === 0) return;
      while (due >= 1) {
        due--;
        const size = sizes[next];
        const k = fanouts[next];
        next = (next + 1) % n;
        // The frame built once, as a broadcast with ws does; `ts` is CLOCK_MONOTONIC ns (mono-clock.ts), exact across processes.
        const ts = Math.round(this.mono.now());
        const head = `{"channel":"book","type":"update","symbol":"RAW","seq":${++this.seq},"ts":${ts},"p":"`;
        const data = Buffer.from(head + this.pad.slice(0, Math.max(0, size - head.length - 2)) + '"}');
        for (let i = 0; i < k; i++) {
          const ws = socks[this.cursor++ % socks.length];
          if (ws.readyState === WebSocket.OPEN) {
            ws.send(data);
            this.frames++;
          }
        }
      }
    }, 1);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  close(): Promise<void> {
    this.stop();
    for (const ws of this.sockets) ws.terminate();
    return new Promise((r) => this.server.close(() => r()));
  }
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

interface SliceFigures {
  serverCpuUsPerFrame: number;
  rawServerCpuUsPerFrame: number;
  /** This process's CPU a second (% of a core) in each kind of slice, measured parts only. */
  cpuPctOurs: number;
  cpuPctRaw: number;
  cpuPctIdle: number;
  framesPerSecOurs: number;
  framesPerSecRaw: number;
  /** Broadcasts (one frame built, written to its subscribers) a second, ours; raw replays them. */
  broadcastsPerSec: number;
  meanFanout: number;
  meanFrameBytes: number;
  /** The sim's orders a second in each kind of slice (the feed's work, which `idle` subtracts). */
  ordersPerSecOurs: number;
  ordersPerSecRaw: number;
  ordersPerSecIdle: number;
  rounds: number;
}

/**
 * Ours, raw, idle, in turn, for SECONDS: see the header. The gateway is detached from the
 * publisher outside its own slices (the publisher's listener list emptied and restored).
 */
async function runSlices(child: ChildProcess, gateway: Gateway, feed: Awaited<ReturnType<typeof startLiveFeed>>, raw: RawBroadcast): Promise<SliceFigures> {
  await ask<{ kind: 'connected' }>(child, null, 'connected');
  const publisher = feed.service.publisher as unknown as { listeners: unknown[]; listenerCount: number };
  const attached = { listeners: publisher.listeners, count: publisher.listenerCount };
  const attach = (on: boolean): void => {
    publisher.listeners = on ? attached.listeners : [];
    publisher.listenerCount = on ? attached.count : 0;
  };
  // Ours' broadcasts while sampling: payload size and subscribers of each FanOut.sendFrame
  // (every broadcast's one way out: send and sendText build the frame and call it).
  const fan = (gateway as unknown as { fan: { sendFrame: (subs: unknown[], wire: Buffer, resyncable: boolean) => void; figures: { sends: number } } }).fan;
  const sendFrame = fan.sendFrame.bind(fan);
  const sample = { on: false, n: 0, sizes: new Uint32Array(1 << 20), fanouts: new Uint32Array(1 << 20) };
  fan.sendFrame = (subs, wire, resyncable): void => {
    if (sample.on && sample.n < sample.sizes.length) {
      sample.sizes[sample.n] = wsFramePayloadLength(wire);
      sample.fanouts[sample.n++] = subs.length;
    }
    sendFrame(subs, wire, resyncable);
  };
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const profiler = PROFILE_DIR !== '' ? new InspectorSession() : null;
  if (profiler !== null) {
    fs.mkdirSync(PROFILE_DIR, { recursive: true });
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
  }
  const total: Record<Phase, { cpuUs: number; ms: number; frames: number; orders: number }> = { ours: { cpuUs: 0, ms: 0, frames: 0, orders: 0 }, raw: { cpuUs: 0, ms: 0, frames: 0, orders: 0 }, idle: { cpuUs: 0, ms: 0, frames: 0, orders: 0 } };
  let broadcastsPerSec = 0;
  let rounds = 0;
  let fanoutSum = 0;
  let sizeSum = 0;
  let broadcasts = 0;
  const slice = async (phase: Phase): Promise<void> => {
    attach(phase === 'ours');
    if (phase === 'raw') raw.start(broadcastsPerSec, sample.sizes, sample.fanouts, sample.n);
    const msg: PhaseMessage = { kind: 'phase', phase, warmupMs: SLICE_WARMUP_MS };
    child.send(msg);
    await sleep(SLICE_WARMUP_MS);
    const frames0 = phase === 'raw' ? raw.frames : fan.figures.sends;
    if (phase === 'ours') {
      sample.n = 0;
      sample.on = true;
    }
    const profiling = profiler !== null;
    if (profiling) await profiler.post('Profiler.start');
    const cpu0 = process.cpuUsage();
    const orders0 = feed.sim.orders;
    const t0 = performance.now();
    await sleep(Math.max(0, SLICE_S * 1000 - SLICE_WARMUP_MS));
    const cpu = process.cpuUsage(cpu0);
    if (profiling) {
      const { profile } = await profiler.post('Profiler.stop');
      fs.writeFileSync(path.join(PROFILE_DIR, `${phase}-${rounds}.cpuprofile`), JSON.stringify(profile));
    }
    const ms = performance.now() - t0;
    sample.on = false;
    raw.stop();
    const t = total[phase];
    t.cpuUs += cpu.user + cpu.system;
    t.ms += ms;
    t.orders += feed.sim.orders - orders0;
    t.frames += (phase === 'raw' ? raw.frames : fan.figures.sends) - frames0;
    if (phase === 'ours') {
      broadcastsPerSec = (sample.n * 1000) / ms;
      broadcasts += sample.n;
      for (let i = 0; i < sample.n; i++) {
        fanoutSum += sample.fanouts[i];
        sizeSum += sample.sizes[i];
      }
    }
  };
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    await slice('ours');
    await slice('raw');
    await slice('idle');
    rounds++;
  }
  attach(true);
  fan.sendFrame = sendFrame;
  const perSec = (p: Phase): number => total[p].cpuUs / Math.max(1e-9, total[p].ms / 1000);
  const idle = perSec('idle');
  const perFrame = (p: Phase): number => {
    const framesPerSec = total[p].frames / Math.max(1e-9, total[p].ms / 1000);
    return framesPerSec > 0 ? Math.round(((perSec(p) - idle) / framesPerSec) * 1000) / 1000 : 0;
  };
  return {
    serverCpuUsPerFrame: perFrame('ours'),
    rawServerCpuUsPerFrame: perFrame('raw'),
    cpuPctOurs: Math.round(perSec('ours') / 1000) / 10,
    cpuPctRaw: Math.round(perSec('raw') / 1000) / 10,
    cpuPctIdle: Math.round(idle / 1000) / 10,
    framesPerSecOurs: Math.round(total.ours.frames / (total.ours.ms / 1000)),
    framesPerSecRaw: Math.round(total.raw.frames / (total.raw.ms / 1000)),
    broadcastsPerSec: Math.round(broadcasts / (total.ours.ms / 1000)),
    meanFanout: Math.round((fanoutSum / Math.max(1, broadcasts)) * 10) / 10,
    meanFrameBytes: Math.round(sizeSum / Math.max(1, broadcasts)),
    ordersPerSecOurs: Math.round(total.ours.orders / (total.ours.ms / 1000)),
    ordersPerSecRaw: Math.round(total.raw.orders / (total.raw.ms / 1000)),
    ordersPerSecIdle: Math.round(total.idle.orders / (total.idle.ms / 1000)),
    rounds,
  };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-bench-gw-'));
  const keysFile = path.join(dir, 'keys.json');
  const keys = new KeyStore(keysFile);
  const proKey = keys.create('pro', 'bench-pro').key;
  const premiumKey = keys.create('premium', 'bench-premium').key;
  const config = configSchema.parse({
    // Flat intensity: the live sim follows the wall clock's time of day, and at midday the U shape
    // gave 0.7-0.86 of the rate asked (30-37k of 43k orders/s; 0.5 at its trough), so a run's load
    // depended on its hour.
    sim: { seed: SEED, symbols: 100, ordersPerSec: RATE, intradayPeakRatio: 1 },
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
  const raw = RAW ? new RawBroadcast() : null;
  if (raw !== null) await new Promise((r) => raw.server.once('listening', r));
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
    serverWallMinusMonoMs: performance.timeOrigin - new MonotonicNs().originNs / 1e6,
    ...(raw !== null ? { rawUrl: `ws://127.0.0.1:${raw.port}/` } : {}),
  }, 'clients');

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
  const slices = raw !== null ? await runSlices(child, gateway, feed, raw) : null;
  if (slices !== null) child.send({ kind: 'end' });
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
  const candles = await ask<CandlesReport>(child, { kind: 'paced', url: candlesUrl, baselineUrl: `http://127.0.0.1:${port}/healthz`, ratePerSec: 500, seconds: CANDLES_S, connections: 10 }, 'paced');
  const candlesAutocannon = await ask<CandlesReport>(child, { kind: 'candles', url: candlesUrl, ratePerSec: 500, seconds: CANDLES_S, connections: 10 }, 'candles');
  await candleGateway.close();
  if (raw !== null) await raw.close();
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
    rawLagP50Ms: report.rawLagP50Ms ?? null,
    rawLagP99Ms: report.rawLagP99Ms ?? null,
    lagP99MsByTier: report.lagP99MsByTier,
    serverCpuUsPerFrame: slices?.serverCpuUsPerFrame ?? null,
    rawServerCpuUsPerFrame: slices?.rawServerCpuUsPerFrame ?? null,
    cpuPerFrameOverRaw: slices !== null && slices.rawServerCpuUsPerFrame > 0 ? Math.round((slices.serverCpuUsPerFrame / slices.rawServerCpuUsPerFrame) * 1000) / 1000 : null,
    candlesP99OverHealthzP99: candles.baselineP99Ms !== undefined && candles.baselineP99Ms > 0 ? Math.round((candles.p99Ms / candles.baselineP99Ms) * 100) / 100 : null,
    slices: slices === null ? null : { ...slices, sliceSeconds: SLICE_S, sliceWarmupMs: SLICE_WARMUP_MS, rawFramesReceived: report.rawFrames, rawConnected: report.rawConnected },
    serverRssMaxMB: Math.round(rssMax / 1048576),
    serverCpuPct,
    clientCpuPct: report.clientCpuPct,
    server: { framesSerialized: g.frames, sends: g.sends, socketWrites: g.writes, skippedUpdates: g.skipped, resyncs: g.resyncs, slowClosed: g.slowClosed, topics: g.topics },
    // Engine event to the frame written to the sockets, from all connected + warm-up to the end.
    serverWriteLagP50Ms: Math.round(g.deliveryLagP50Us / 10) / 100,
    serverWriteLagP99Ms: Math.round(g.deliveryLagP99Us / 10) / 100,
    serverWriteLagMaxMs: Math.round(g.deliveryLagMaxUs / 10) / 100,
    closedByServer: report.closedByServer,
    connectMs: report.connectMs,
    candles: { candlesPerResponse: sanity.candles.length, load: 'paced, open loop, /healthz in turn at the same rate', requestsPerSec: candles.requestsPerSec, requests: candles.requests, non2xx: candles.non2xx, p50Ms: candles.p50Ms, p99Ms: candles.p99Ms, maxMs: candles.maxMs, healthzP50Ms: candles.baselineP50Ms, healthzP99Ms: candles.baselineP99Ms, healthzMaxMs: candles.baselineMaxMs },
    candlesAutocannon: { load: 'autocannon -c 10 -R 500', requestsPerSec: candlesAutocannon.requestsPerSec, requests: candlesAutocannon.requests, non2xx: candlesAutocannon.non2xx, p50Ms: candlesAutocannon.p50Ms, p99Ms: candlesAutocannon.p99Ms, maxMs: candlesAutocannon.maxMs },
    floors: { clients: 10_000, lagP99MsAt1000Clients: 100, serverRssMB: 1536, cpuPerFrameOverRaw: 1.0, candlesP99OverHealthzP99: 2 },
    raw: RAW,
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
