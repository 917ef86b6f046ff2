// Fairness benchmark (issue 17): does any subscriber systematically receive market data
// first? TW_BENCH_FAIRNESS_RECEIVERS (8) receivers, each its own process
// (bench/fairness-receiver.ts), stamp every update on arrival with CLOCK_MONOTONIC (one clock
// for all processes, mono-clock.ts). For at least TW_BENCH_FAIRNESS_UPDATES (10,000) updates
// that every receiver got, on each of three paths (TW_BENCH_FAIRNESS_PATHS):
//  1. multicast: the publisher's FeedLines sending MoldUDP64 packets to lines A and B over
//     loopback (bench groups 239.192.90.1:37301, .2:37302); the receivers all join line A.
//     The kernel, not Tickwire, decides who gets each datagram first.
//  2. unicast: the same FeedLines with `unicastDestinations` set to the receivers' ports (a
//     fresh Fisher-Yates order per packet, seeded TW_SEED).
//  3. websocket: `tickwire run`'s wiring (startLiveFeed: the sim at TW_BENCH_FAIRNESS_WS_RATE
//     orders/s, the gateway), each receiver a pro client following the books of
//     TW_BENCH_FAIRNESS_WS_SYMBOLS (20) symbols; the gateway writes each prebuilt frame to
//     its clients in a fresh random order every flush (shuffleSeed TW_SEED; fan-out.ts).
// UDP packets are TW_BENCH_FAIRNESS_PACKET_BYTES (300) long, sent at TW_BENCH_FAIRNESS_RATE
// (2,000) packets/s after 500 unmeasured ones.
// TW_BENCH_FAIRNESS_PIN=1 puts the sender on CPU 0 and every receiver on CPU 1 (taskset), so
// each receiver stands alike to the sender; the default (0) leaves placement to the OS. On 2
// CPUs neither lets the sender's order through: pinned, the 8 receivers are all runnable by
// the time CPU 1 picks one, and the scheduler's pick is as systematic (docs/FAIRNESS.md).
// Per path: firstReceiverCounts (how often each receiver stamped an update first), chiSquareP
// (Pearson's χ² against uniform, bench/stats.ts), spreadP50Us / spreadP99Us (max - min of the
// receivers' stamps per update), and what the sender itself spends on one update
// (sendCallP50Us / P99Us: the FeedLines.sendPacket call, every sendto of it). Floor:
// chiSquareP > 0.01 on the unicast path, and on the websocket path over flushes
// (`perFlush`: the gateway orders its clients once per flush, one corked write each; see
// websocketPath).
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { configSchema, listing } from '../config';
import { type Gateway, KeyStore } from '../gateway';
import { FeedLines } from '../publisher';
import { startLiveFeed } from '../runtime';
import { nextMessage } from './child-messages';
import type { FairnessReport, FairnessStart } from './fairness-receiver';
import { chiSquareUniform, percentile } from './stats';

const RECEIVERS = Number(process.env.TW_BENCH_FAIRNESS_RECEIVERS ?? 8);
const UPDATES = Number(process.env.TW_BENCH_FAIRNESS_UPDATES ?? 10_000);
const RATE = Number(process.env.TW_BENCH_FAIRNESS_RATE ?? 2_000);
const PACKET_BYTES = Number(process.env.TW_BENCH_FAIRNESS_PACKET_BYTES ?? 300);
const WS_RATE = Number(process.env.TW_BENCH_FAIRNESS_WS_RATE ?? 43_000);
const WS_SYMBOLS = Number(process.env.TW_BENCH_FAIRNESS_WS_SYMBOLS ?? 20);
const PATHS = (process.env.TW_BENCH_FAIRNESS_PATHS ?? 'multicast,unicast,websocket').split(',').filter((p) => p !== '');
const SEED = Number(process.env.TW_SEED ?? 1);
/** 1: the sender on CPU 0 and all receivers on CPU 1 (taskset); 0 (default): the OS places them. */
const PIN = process.env.TW_BENCH_FAIRNESS_PIN === '1';
const WARMUP_UPDATES = 500;
const IFACE = '127.0.0.1';
const LINE_A = { group: '239.192.90.1', port: 37301 };
const LINE_B = { group: '239.192.90.2', port: 37302 };

interface PathFigures {
  updates: number;
  firstReceiverCounts: number[];
  chiSquare: number;
  chiSquareP: number;
  spreadP50Us: number;
  spreadP99Us: number;
  spreadMaxUs: number;
  /** Updates some receiver did not get (loss, or the window's edges). */
  incompleteUpdates: number;
  /** Mean rank (0 = first) of each receiver's stamp: a receiver always second shows here, not in the counts. */
  meanRank: number[];
  [extra: string]: unknown;
}

/** taskset -a -p -c CPU PID: every thread of the process on that CPU; false where it cannot be. */
function pin(pid: number | undefined, cpu: number): boolean {
  if (pid === undefined) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Where the processes ran (the JSON's `placement`). */
let placement = 'OS placement';

function receivers(n: number): ChildProcess[] {
  const children = Array.from({ length: n }, () => fork(path.join(__dirname, 'fairness-receiver.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  // Pinned, every receiver is placed alike: on the CPU the sender is not on. Left to the OS,
  // the receivers that share the sender's CPU wait for it to yield and the others do not: a
  // placement that lasts, and shows as a receiver that is systematically first or last.
  if (PIN && os.cpus().length >= 2) {
    const ok = pin(process.pid, 0) && children.every((c) => pin(c.pid, 1));
    placement = ok ? 'sender (and the sim and gateway) on CPU 0, every receiver on CPU 1 (taskset)' : 'OS placement (taskset failed)';
  }
  return children;
}

async function startAll(children: ChildProcess[], start: Omit<FairnessStart, 'type'>): Promise<number[]> {
  const ready = children.map((c, i) => nextMessage<{ type: 'ready'; port: number }>(c, 'ready', 20_000, `fairness receiver ${i}`));
  for (const c of children) c.send({ type: 'start', ...start });
  return (await Promise.all(ready)).map((r) => r.port);
}

/** Resolves when every receiver has recorded at least `n` updates (or after `timeoutMs`). */
function untilCounts(children: ChildProcess[], n: number, timeoutMs: number): Promise<void> {
  const counts = new Array<number>(children.length).fill(0);
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    const listeners = children.map((c, i) => {
      const l = (m: unknown): void => {
        const msg = m as { type: string; n: number };
        if (msg.type !== 'count') return;
        counts[i] = msg.n;
        if (counts.every((k) => k >= n)) done();
      };
      c.on('message', l);
      return l;
    });
    function done(): void {
      clearTimeout(timer);
      children.forEach((c, i) => c.off('message', listeners[i]));
      resolve();
    }
  });
}

async function stopAll(children: ChildProcess[]): Promise<FairnessReport[]> {
  const reports = children.map((c, i) => nextMessage<FairnessReport>(c, 'report', 60_000, `fairness receiver ${i}`));
  for (const c of children) c.send({ type: 'stop' });
  return Promise.all(reports);
}

/**
 * Matches the receivers' stamps per update and reduces them to the path's figures. With
 * `groupOf`, updates whose keys map to one group are one trial: each receiver's earliest
 * stamp among the group's updates stands for the group (see websocketPath: one flush).
 */
export function analyse(reports: FairnessReport[], groupOf?: (key: string) => string): PathFigures {
  const n = reports.length;
  const stamps = new Map<string, Float64Array>();
  reports.forEach((r, i) => {
    for (let k = 0; k < r.keys.length; k++) {
      const key = groupOf === undefined ? r.keys[k] : groupOf(r.keys[k]);
      let row = stamps.get(key);
      if (row === undefined) {
        row = new Float64Array(n).fill(Number.NaN);
        stamps.set(key, row);
      }
      if (Number.isNaN(row[i]) || r.timesNs[k] < row[i]) row[i] = r.timesNs[k];
    }
  });
  const first = new Array<number>(n).fill(0);
  const rankSum = new Array<number>(n).fill(0);
  const spreads: number[] = [];
  let incomplete = 0;
  const order = Array.from({ length: n }, (_, i) => i);
  for (const row of stamps.values()) {
    let min = Infinity;
    let max = -Infinity;
    let who = -1;
    let complete = true;
    for (let i = 0; i < n; i++) {
      const t = row[i];
      if (Number.isNaN(t)) {
        complete = false;
        break;
      }
      if (t < min) {
        min = t;
        who = i;
      }
      if (t > max) max = t;
    }
    if (!complete) {
      incomplete++;
      continue;
    }
    first[who]++;
    order.sort((a, b) => row[a] - row[b]);
    for (let r = 0; r < n; r++) rankSum[order[r]] += r;
    spreads.push((max - min) / 1000);
  }
  const chi = chiSquareUniform(first);
  const updates = spreads.length;
  const maxUs = spreads.reduce((a, b) => Math.max(a, b), 0);
  return {
    updates,
    firstReceiverCounts: first,
    chiSquare: Math.round(chi.statistic * 100) / 100,
    chiSquareP: Number(chi.p.toPrecision(4)),
    spreadP50Us: Math.round(percentile(spreads, 50)),
    spreadP99Us: Math.round(percentile(spreads, 99)),
    spreadMaxUs: Math.round(maxUs),
    incompleteUpdates: incomplete,
    meanRank: rankSum.map((s) => Math.round((s / Math.max(1, updates)) * 100) / 100),
  };
}

/** Paths 1 and 2: FeedLines sending RATE packets/s of PACKET_BYTES, each a MoldUDP64 header and one message. */
async function udpPath(mode: 'multicast' | 'unicast'): Promise<PathFigures> {
  const children = receivers(RECEIVERS);
  const session = `FAIR${String(process.pid % 1_000_000).padStart(6, '0')}`;
  try {
    const ports = await startAll(children, { mode, group: LINE_A.group, port: LINE_A.port, iface: IFACE, session, url: '', key: '', symbols: [], maxUpdates: UPDATES * 3 });
    const lines = new FeedLines({
      lineA: LINE_A,
      lineB: LINE_B,
      interface: IFACE,
      unicastDestinations: mode === 'unicast' ? ports.map((p) => `${IFACE}:${p}`) : [],
      unicastSeed: SEED,
    });
    await lines.open();
    const packet = Buffer.alloc(PACKET_BYTES);
    packet.write(session, 0, 10, 'latin1');
    packet.writeUInt16BE(1, 18); // one message (FEED.md: MoldUDP64 header)
    packet.writeUInt16BE(PACKET_BYTES - 22, 20);
    packet[22] = 0x41; // an Add Order's type byte; the rest is padding the receivers skip
    const sendUs: number[] = [];
    let seq = 1;
    const send = (count: number, measure: boolean): Promise<void> =>
      new Promise((resolve) => {
        let due = 0;
        let last = performance.now();
        let sent = 0;
        const timer = setInterval(() => {
          const now = performance.now();
          due = Math.min(due + ((now - last) / 1000) * RATE, RATE / 100);
          last = now;
          while (due >= 1 && sent < count) {
            packet.writeUInt32BE(Math.floor(seq / 4294967296), 10);
            packet.writeUInt32BE(seq >>> 0, 14);
            const t0 = performance.now();
            lines.sendPacket(packet, PACKET_BYTES);
            if (measure) sendUs.push((performance.now() - t0) * 1000);
            seq++;
            sent++;
            due--;
          }
          if (sent >= count) {
            clearInterval(timer);
            resolve();
          }
        }, 1);
      });
    await send(WARMUP_UPDATES, false);
    await new Promise((r) => setTimeout(r, 200));
    for (const c of children) c.send({ type: 'measure' });
    await new Promise((r) => setTimeout(r, 50));
    const first = seq;
    await send(UPDATES, true);
    await new Promise((r) => setTimeout(r, 300));
    const reports = await stopAll(children);
    await lines.close();
    const figures = analyse(reports);
    return {
      ...figures,
      packetsSent: seq - first,
      packetBytes: PACKET_BYTES,
      packetsPerSec: RATE,
      foreignDatagrams: reports.reduce((a, r) => a + r.foreign, 0),
      // The sender's own part of the spread: one sendPacket call, every sendto in it.
      sendCallP50Us: Math.round(percentile(sendUs, 50) * 10) / 10,
      sendCallP99Us: Math.round(percentile(sendUs, 99) * 10) / 10,
      // Unicast: how often each receiver was sent the packet first (FeedLines' own count).
      // With its χ²: the sender's own order, which the receivers' stamps are read against.
      ...(mode === 'unicast' ? { sentFirstCounts: Array.from(lines.firstReceiverCounts), sentFirstChiSquareP: Number(chiSquareUniform(Array.from(lines.firstReceiverCounts)).p.toPrecision(4)) } : {}),
    };
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill();
  }
}

/** Path 3: the gateway on the live sim; every receiver a pro client of the same books. */
async function websocketPath(): Promise<PathFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-bench-fair-'));
  const keysFile = path.join(dir, 'keys.json');
  const proKey = new KeyStore(keysFile).create('pro', 'bench-fairness').key;
  const config = configSchema.parse({
    sim: { seed: SEED, symbols: 100, ordersPerSec: WS_RATE, intradayPeakRatio: 1 }, // flat: the rate asked at any hour
    journal: { path: '' },
    storage: { engine: 'off' },
    publisher: { lineA: { group: '239.192.91.1', port: 37311 }, lineB: { group: '239.192.91.2', port: 37312 }, rewinder: { port: 0 }, snapshot: { port: 0 }, endOfSessionRepeats: 0 },
    gateway: { port: 0, keysFile, messagesPerSecond: 1000, shuffleSeed: SEED },
  });
  const feed = await startLiveFeed(config);
  const gateway = feed.gateway as Gateway;
  const children = receivers(RECEIVERS);
  try {
    const symbols = listing(100).map((s) => s.ticker).slice(0, WS_SYMBOLS);
    await startAll(children, { mode: 'websocket', group: '', port: 0, iface: IFACE, session: '', url: `ws://127.0.0.1:${gateway.port}/v1/ws`, key: proKey, symbols, maxUpdates: UPDATES * 3 });
    await new Promise((r) => setTimeout(r, 2000)); // subscriptions answered, JIT warm
    for (const c of children) c.send({ type: 'measure' });
    const t0 = performance.now();
    // A little over the target, so the window's ragged edges leave at least UPDATES complete.
    await untilCounts(children, Math.ceil(UPDATES * 1.05) + 50, 300_000);
    const seconds = (performance.now() - t0) / 1000;
    const reports = await stopAll(children);
    const g = gateway.figures();
    const figures = analyse(reports);
    // The trial the gateway decides is the flush, not the update: a flush's updates (one per
    // topic sent, all with the flush's `seq`, the last event-group boundary) go to each
    // client in one corked write, in one random order of the clients (fan-out.ts). The
    // per-update counts above repeat each flush's first receiver once per update in it, so
    // their χ² is not over independent trials (it grows with the updates per flush even when
    // the order is uniform); the χ² over flushes is, and is the one held to the floor.
    const flushes = analyse(reports, (key) => key.slice(key.lastIndexOf('|') + 1));
    return {
      ...figures,
      perFlush: {
        flushes: flushes.updates,
        updatesPerFlush: Math.round((figures.updates / Math.max(1, flushes.updates)) * 100) / 100,
        firstReceiverCounts: flushes.firstReceiverCounts,
        chiSquare: flushes.chiSquare,
        chiSquareP: flushes.chiSquareP,
        spreadP50Us: flushes.spreadP50Us,
        spreadP99Us: flushes.spreadP99Us,
        meanRank: flushes.meanRank,
        incompleteFlushes: flushes.incompleteUpdates,
      },
      seconds: Math.round(seconds * 10) / 10,
      ordersPerSec: WS_RATE,
      symbols: WS_SYMBOLS,
      updatesPerSec: Math.round(figures.updates / seconds),
      serverResyncs: g.resyncs,
      serverSlowClosed: g.slowClosed,
    };
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill();
    await feed.endDay();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const out: Record<string, unknown> = { bench: 'fairness', receivers: RECEIVERS, updatesTarget: UPDATES };
  for (const p of PATHS) {
    process.stderr.write(`fairness: ${p} path, ${RECEIVERS} receivers, ${UPDATES.toLocaleString('en-US')} updates\n`);
    if (p === 'multicast' || p === 'unicast') out[p] = await udpPath(p);
    else if (p === 'websocket') out[p] = await websocketPath();
    else throw new Error(`TW_BENCH_FAIRNESS_PATHS: unknown path "${p}" (multicast, unicast, websocket)`);
  }
  Object.assign(out, {
    floors: { chiSquarePUnicast: '> 0.01', chiSquarePWebsocketPerFlush: '> 0.01' },
    placement,
    loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
    cpus: os.cpus().length,
    seed: SEED,
    cpu: os.cpus()[0]?.model ?? '',
    node: process.version,
  });
  process.stdout.write(JSON.stringify(out) + '\n');
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench:fairness failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
