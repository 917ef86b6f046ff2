// bench:replication (issue 20, "Cost"): what synchronous replication costs the primary.
// Two exchange cores in this process take turns on one seeded flow (the same commands, so
// the same sequence numbers, books and journal bytes):
//   off: matching engine + journal (group-commit fdatasync), as a single machine runs;
//   on:  the same + a real ReplicationServer attached to the journal, streaming every write
//        to a real StandbyReplicator in a forked process (replication-standby.ts: its own
//        journal, fdatasync, acknowledgement, and its engine applying each batch as a hot
//        standby's does), over TCP on loopback. A command is committed only once the
//        standby has acknowledged it (JournalWriter.durableSeq = min(local, standby)).
// (1) Throughput: slices of SLICE_ORDERS commands, BATCH per turn of the event loop as fast
//     as they go, timed from the first submit to the commit of the last (so the tail of the
//     commit pipeline is in it). Slices of the two sides alternate on consecutive stretches of
//     the flow, in pairs ordered on-off, off-on, ... so the machine's drift falls on both.
//     The slice that runs a stretch first is steadily slower than the one that runs it second
//     (1.3-2.5x here, whichever side; an idle gap between slices or reading the stretch's
//     commands beforehand does not remove it), so one pair's ratio is biased up or down by its
//     order. Each on-off pair and the off-on pair after it form a quad (ABBA), whose ratio
//     sqrt(r1 * r2) cancels that bias: replicationOnOverOff = the median over quads.
//     Placement: the issue puts the primary and the standby on separate hosts. On one machine
//     the standby's process (its journal, fdatasync and engine: ~0.8 us an order) otherwise
//     takes CPU from the primary's, which a separate host would not; so the record is measured
//     with the primary's process on CPU 0 and the standby's on CPU 1 (taskset, every thread,
//     both sides of every pair alike: the off slices run on CPU 0 too, CPU 1 then idle), and
//     the same pairs are run again with both processes free on every CPU (`sharedCpus`).
// (2) Round trip: the flow paced at RATE orders/s in 1-ms ticks, slices of RTT_SLICE_S
//     alternating the same way; per order, from its batch's submit to the commit that covers
//     it: the moment LiveSim releases the order's report to the client gateway. In process:
//     no client socket or gateway parsing on either side.
// One JSON line last. The journals of off, on and the standby are compared byte for byte.
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { loadConfig } from '../config';
import { ReplicationServer, type ReplicationFigures } from '../ha';
import { EngineEventRing, EngineEventRingReader, EngineEventRingWriter } from '../protocol';
import { COMMAND_SIZE, CommandBuffer, JOURNAL_HEADER_SIZE, JournalWriter, MatchingEngine, OrderFlowGenerator, Sequencer } from '../sim';
import { nextMessage } from './child-messages';
import type { StandbyCpu, StandbyReport } from './replication-standby';

const CMD_SIZE = COMMAND_SIZE; // a module-local copy: CommonJS re-exports are getters

const SEED = Number(process.env.TW_SEED ?? 20261225);
// Even: pairs go by quads (on-off, off-on).
const PAIRS = Math.max(2, 2 * Math.round(Number(process.env.TW_BENCH_REPL_PAIRS ?? 12) / 2));
const SLICE_ORDERS = Number(process.env.TW_BENCH_REPL_SLICE_ORDERS ?? 200_000);
/** 1 (default where the machine has 2 CPUs or more): the record with the primary on CPU 0 and the standby on CPU 1; 0: OS placement only. */
const PIN = process.env.TW_BENCH_REPL_PIN !== '0' && os.cpus().length >= 2;
const BATCH = Number(process.env.TW_BENCH_REPL_BATCH ?? 256);
const RATE = Number(process.env.TW_BENCH_REPL_RATE ?? 43_000);
const RTT_PAIRS = Number(process.env.TW_BENCH_REPL_RTT_PAIRS ?? 8);
const RTT_SLICE_S = Number(process.env.TW_BENCH_REPL_RTT_SLICE_S ?? 2);
const RTT_WARMUP_MS = Number(process.env.TW_BENCH_REPL_RTT_WARMUP_MS ?? 250);
const STANDBY_ENGINE = process.env.TW_BENCH_REPL_STANDBY_ENGINE !== '0';
const SYMBOLS = 100;
const FLOOR = 0.7;

const config = loadConfig({ flags: { 'sim.seed': SEED, 'sim.symbols': SYMBOLS, 'sim.ordersPerSec': 0 } });
const JOURNAL_OPTIONS = { ...config.journal, flush: 'batch' as const, fsync: true };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** An engine whose events a stand-in consumer drops in place (no publisher: engine and journal only). */
function freshEngine(): { engine: MatchingEngine; release: () => void } {
  const ring = EngineEventRing.create(1 << 12);
  const reader = new EngineEventRingReader(ring);
  const release = (): void => reader.advance(reader.available());
  const engine = new MatchingEngine(
    {
      symbols: SYMBOLS,
      orderCapacity: config.engine.orderCapacity,
      levelCapacity: config.engine.levelCapacity,
      maxOrderShares: config.engine.maxOrderShares,
      tickSize: config.engine.tickSize,
    },
    new EngineEventRingWriter(ring, { onRingFull: release }),
  );
  return { engine, release };
}

/** The seeded flow, generated against a shadow engine before any clock starts (as bench/engine.ts). */
function generateFlow(total: number): CommandBuffer {
  const cmds = new CommandBuffer(total);
  const { engine, release } = freshEngine();
  const generator = OrderFlowGenerator.fromConfig(config, engine);
  let n = 0;
  for (const c of generator.openingCommands()) {
    cmds.write(n * CMD_SIZE, c.type, 0, 0, c.code, c.locate, 0, 0, 0);
    cmds.stamp(n * CMD_SIZE, n + 1, 34_200e9);
    engine.apply(cmds, n * CMD_SIZE);
    n++;
  }
  while (n < total) {
    const m = Math.min(256, total - n);
    for (let i = 0; i < m; i++) {
      generator.next(cmds, n + i, n + i + 1);
      cmds.stamp((n + i) * CMD_SIZE, n + i + 1, cmds.timestampNs((n + i) * CMD_SIZE));
    }
    for (let i = 0; i < m; i++) engine.apply(cmds, (n + i) * CMD_SIZE);
    engine.publish();
    release();
    n += m;
  }
  return cmds;
}

interface Pending {
  seq: number;
  at: number;
  count: number;
  measured: boolean;
}

/** One core: engine + journal (+ replication on the 'on' side), and the commit it waits for. */
class Side {
  readonly engine: MatchingEngine;
  readonly release: () => void;
  readonly journal: JournalWriter;
  readonly sequencer: Sequencer;
  readonly roundTrip = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  server: ReplicationServer | null = null;
  /** Orders and ms of the throughput slices; of which submitting (engine, journal write, frames sent) and this process's CPU. */
  orders = 0;
  ms = 0;
  submitMs = 0;
  cpuUs = 0;
  cpuSystemUs = 0;
  /** Round-trip slices: wall ms and this process's CPU us (the cost at a paced rate, as CPU rather than throughput). */
  rttMs = 0;
  rttCpuUs = 0;
  private readonly pending: Pending[] = [];
  private head = 0;
  private waiter: { seq: number; resolve: () => void } | null = null;

  constructor(
    readonly name: 'on' | 'off',
    readonly file: string,
  ) {
    const { engine, release } = freshEngine();
    this.engine = engine;
    this.release = release;
    this.journal = new JournalWriter(file, JOURNAL_OPTIONS);
    this.journal.markRecovered(0);
    this.sequencer = new Sequencer(engine, null, this.journal);
    this.journal.onDurable((seq) => this.committed(seq));
  }

  /** Commands [first, first + count) of the flow, as one batch. Returns its last sequence number. */
  submit(cmds: CommandBuffer, first: number, count: number): number {
    this.sequencer.submitBatch(cmds, first, count);
    this.release();
    return this.sequencer.nextSeq - 1;
  }

  track(seq: number, at: number, count: number, measured: boolean): void {
    this.pending.push({ seq, at, count, measured });
  }

  /** Resolves once `seq` is committed; fails after 60 s, saying where the commit stopped (a stuck run must not hold the bench lock). */
  untilCommitted(seq: number): Promise<void> {
    if (this.journal.durableSeq >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        const replication = this.server === null ? null : JSON.stringify(this.server.figures());
        reject(new Error(`${this.name}: sequence ${seq} not committed within 60 s: durable ${this.journal.durableSeq}, locally ${this.journal.locallyDurableSeq}, replication ${replication}`));
      }, 60_000);
      this.waiter = {
        seq,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
  }

  private committed(seq: number): void {
    const now = performance.now();
    while (this.head < this.pending.length && this.pending[this.head].seq <= seq) {
      const p = this.pending[this.head++];
      if (p.measured) this.roundTrip.recordValueWithCount(Math.max(1, Math.round((now - p.at) * 1000)), p.count);
    }
    if (this.head === this.pending.length) {
      this.pending.length = 0;
      this.head = 0;
    }
    const w = this.waiter;
    if (w !== null && seq >= w.seq) {
      this.waiter = null;
      w.resolve();
    }
  }
}

/** Throughput slice: as fast as it goes, BATCH commands a turn, until the last is committed. */
async function throughputSlice(side: Side, cmds: CommandBuffer, first: number, count: number): Promise<number> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let last = 0;
  for (let i = first; i < first + count; i += BATCH) {
    last = side.submit(cmds, i, Math.min(BATCH, first + count - i));
    await turn(); // the fdatasync completions and the standby's acknowledgements come in here
  }
  const submitted = performance.now();
  await side.untilCommitted(last);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  side.orders += count;
  side.ms += ms;
  side.submitMs += submitted - t0;
  side.cpuUs += cpu.user + cpu.system;
  side.cpuSystemUs += cpu.system;
  return (count / ms) * 1000;
}

/** Round-trip slice: RATE orders/s in ticks of ~1 ms (what is due by the clock), until the last is committed. */
async function roundTripSlice(side: Side, cmds: CommandBuffer, first: number, count: number): Promise<void> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let sent = 0;
  let last = 0;
  while (sent < count) {
    const now = performance.now();
    const due = Math.min(count, Math.floor(((now - t0) * RATE) / 1000));
    if (due > sent) {
      last = side.submit(cmds, first + sent, due - sent);
      side.track(last, now, due - sent, now - t0 >= RTT_WARMUP_MS);
      sent = due;
    }
    await sleep(1);
  }
  await side.untilCommitted(last);
  const cpu = process.cpuUsage(cpu0);
  side.rttMs += performance.now() - t0;
  side.rttCpuUs += cpu.user + cpu.system;
}

/** taskset -a -p -c CPUS PID: every thread of the process (and the threads it starts later) on those CPUs. */
function setAffinity(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

/** One placement's throughput pairs: the pair and quad ratios, each side's rates and CPU per order, the standby's. */
interface ThroughputFigures {
  ratio: number;
  quadRatios: number[];
  pairRatios: number[];
  onRates: number[];
  offRates: number[];
  on: { orders: number; ms: number; submitMs: number; cpuUs: number; cpuSystemUs: number };
  off: { orders: number; ms: number; submitMs: number; cpuUs: number; cpuSystemUs: number };
  standbyCpuUs: number;
  standbySystemUs: number;
}

/** ABBA: a pair on-off and the pair off-on after it; the geometric mean of their ratios cancels which side ran a stretch first. */
function quads(pairRatios: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < pairRatios.length; i += 2) out.push(Math.sqrt(pairRatios[i] * pairRatios[i + 1]));
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function same(a: string, b: string): boolean {
  const x = fs.readFileSync(a);
  const y = fs.readFileSync(b);
  return x.length === y.length && x.length > JOURNAL_HEADER_SIZE && x.equals(y);
}

async function main(): Promise<void> {
  const rttSliceOrders = Math.round(RATE * RTT_SLICE_S);
  const warm = Math.min(SLICE_ORDERS, 20_000);
  // Each stretch of the flow goes to both sides: the flow is as long as one side's share.
  const total = warm + (PIN ? 2 : 1) * PAIRS * SLICE_ORDERS + RTT_PAIRS * rttSliceOrders + 200;
  console.log(
    `bench:replication: seed ${SEED}, ${PAIRS} pairs of ${SLICE_ORDERS.toLocaleString('en-US')}-order throughput slices (${BATCH} a turn), ` +
      `${RTT_PAIRS} pairs of ${RTT_SLICE_S}-s round-trip slices at ${RATE.toLocaleString('en-US')} orders/s; generating ${total.toLocaleString('en-US')} commands`,
  );
  const cmds = generateFlow(total);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-bench-repl-'));
  let child: ChildProcess | null = null;
  try {
    const off = new Side('off', path.join(dir, 'off.journal'));
    const on = new Side('on', path.join(dir, 'on.journal'));
    const server = new ReplicationServer({ journal: on.journal, epoch: 1, host: '127.0.0.1', port: 0 });
    on.server = server;
    const port = await server.start();
    const standbyFile = path.join(dir, 'standby.journal');
    const standbyProcess = fork(path.join(__dirname, 'replication-standby.js'), ['127.0.0.1', String(port), standbyFile, String(SYMBOLS), STANDBY_ENGINE ? '1' : '0'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child = standbyProcess;
    // The standby dying mid-run would leave the primary waiting for acknowledgements for ever.
    let stopping = false;
    standbyProcess.on('exit', (code, signal) => {
      if (stopping) return;
      console.error(`bench:replication: the standby exited (code ${code}, signal ${signal}) before the end of the run`);
      process.exit(1);
    });
    await nextMessage(standbyProcess, 'ready', 30_000, 'standby');
    const deadline = Date.now() + 10_000;
    while (server.figures().standbys === 0 && Date.now() < deadline) await sleep(5);
    if (server.figures().standbys === 0) throw new Error('the standby did not connect within 10 s');

    let standbySystemUs = 0;
    const standbyCpu = async (): Promise<number> => {
      const reply = nextMessage<StandbyCpu>(standbyProcess, 'cpu', 10_000, 'standby');
      standbyProcess.send('cpu');
      const cpu = await reply;
      standbySystemUs = cpu.systemUs;
      return cpu.cpuUs;
    };
    // Both sides walk the same flow: a slice's commands go to both, one after the other.
    let next = 0;
    for (const side of [on, off]) await throughputSlice(side, cmds, next, warm);
    next += warm;
    const throughputPairs = async (): Promise<ThroughputFigures> => {
      for (const side of [on, off]) side.orders = side.ms = side.submitMs = side.cpuUs = side.cpuSystemUs = 0;
      const cpu0 = await standbyCpu();
      const system0 = standbySystemUs;
      const pairRatios: number[] = [];
      const onRates: number[] = [];
      const offRates: number[] = [];
      for (let p = 0; p < PAIRS; p++) {
        const order = p % 2 === 0 ? [on, off] : [off, on];
        const rates = new Map<Side, number>();
        for (const side of order) rates.set(side, await throughputSlice(side, cmds, next, SLICE_ORDERS));
        next += SLICE_ORDERS;
        onRates.push(rates.get(on) ?? 0);
        offRates.push(rates.get(off) ?? 0);
        pairRatios.push((rates.get(on) ?? 0) / (rates.get(off) ?? 1));
      }
      const cpu1 = await standbyCpu();
      const figures = (s: Side) => ({ orders: s.orders, ms: s.ms, submitMs: s.submitMs, cpuUs: s.cpuUs, cpuSystemUs: s.cpuSystemUs });
      const quadRatios = quads(pairRatios);
      return { ratio: median(quadRatios), quadRatios, pairRatios, onRates, offRates, on: figures(on), off: figures(off), standbyCpuUs: cpu1 - cpu0, standbySystemUs: standbySystemUs - system0 };
    };
    const standbyPid = standbyProcess.pid ?? 0;
    const allCpus = `0-${os.cpus().length - 1}`;
    // OS placement first, then the record's, which the round-trip phase keeps.
    const shared = await throughputPairs();
    let placement = 'OS placement (both processes on every CPU)';
    let record = shared;
    if (PIN) {
      try {
        setAffinity(process.pid, '0');
        setAffinity(standbyPid, '1');
        record = await throughputPairs();
        placement = 'separate hosts: the primary process on CPU 0, the standby process on CPU 1 (taskset, every thread)';
      } catch (err) {
        placement = `OS placement (taskset failed: ${(err as Error).message.split('\n')[0]})`;
        setAffinity(process.pid, allCpus);
      }
    }
    const standbyCpu1 = await standbyCpu();
    for (let p = 0; p < RTT_PAIRS; p++) {
      const order = p % 2 === 0 ? [on, off] : [off, on];
      for (const side of order) await roundTripSlice(side, cmds, next, rttSliceOrders);
      next += rttSliceOrders;
    }
    const standbyCpu2 = await standbyCpu();
    const serverFigures: ReplicationFigures = server.figures();
    const report = nextMessage<StandbyReport>(standbyProcess, 'figures', 30_000, 'standby');
    stopping = true;
    standbyProcess.send('stop');
    const standby = await report;
    await server.close();
    on.journal.close();
    off.journal.close();
    const journalsEqual = same(off.file, on.file) && same(on.file, standbyFile);
    const q = (h: hdr.Histogram, p: number): number => h.getValueAtPercentile(p);
    const ratio = record.ratio;
    const perOrder = (cpuUs: number, orders: number): number => Math.round((cpuUs * 1000) / Math.max(1, orders));
    const r3 = (x: number): number => Math.round(x * 1000) / 1000;
    console.log(
      JSON.stringify({
        bench: 'replication',
        replicationOnOverOff: r3(ratio),
        replicationOnOverOffTotal: r3(record.on.orders / record.on.ms / (record.off.orders / record.off.ms)),
        // The former statistic, the median over pairs: biased by which side ran a stretch first.
        replicationOnOverOffMedianOfPairs: r3(median(record.pairRatios)),
        placement,
        ordersPerSecOn: Math.round((record.on.orders / record.on.ms) * 1000),
        ordersPerSecOff: Math.round((record.off.orders / record.off.ms) * 1000),
        quadRatios: record.quadRatios.map(r3),
        pairRatios: record.pairRatios.map(r3),
        // Where the on side's time goes: submitting the slice (the engine, the journal's write,
        // the frames sent) vs waiting after the last submit for its commit; this process's CPU per order.
        submitShareOn: r3(record.on.submitMs / record.on.ms),
        submitShareOff: r3(record.off.submitMs / record.off.ms),
        primaryCpuNsPerOrderOn: perOrder(record.on.cpuUs, record.on.orders),
        primaryCpuNsPerOrderOff: perOrder(record.off.cpuUs, record.off.orders),
        // The primary's own cost: off CPU per order over on.
        primaryCpuOffOverOn: r3(record.off.cpuUs / record.off.orders / (record.on.cpuUs / record.on.orders)),
        primarySystemCpuNsPerOrderOn: perOrder(record.on.cpuSystemUs, record.on.orders),
        primarySystemCpuNsPerOrderOff: perOrder(record.off.cpuSystemUs, record.off.orders),
        // The standby's CPU over the throughput phase per order (it idles through the off slices), and
        // over the round-trip phase as a share of one CPU during the on slices.
        standbyCpuNsPerOrder: perOrder(record.standbyCpuUs, record.on.orders),
        standbySystemCpuNsPerOrder: perOrder(record.standbySystemUs, record.on.orders),
        ordersPerSecOnBySlice: record.onRates.map(Math.round),
        ordersPerSecOffBySlice: record.offRates.map(Math.round),
        // The same pairs with both processes on every CPU: the standby's CPU then competes with the primary's.
        sharedCpus:
          record === shared
            ? null
            : {
                replicationOnOverOff: r3(shared.ratio),
                replicationOnOverOffMedianOfPairs: r3(median(shared.pairRatios)),
                quadRatios: shared.quadRatios.map(r3),
                pairRatios: shared.pairRatios.map(r3),
                ordersPerSecOn: Math.round((shared.on.orders / shared.on.ms) * 1000),
                ordersPerSecOff: Math.round((shared.off.orders / shared.off.ms) * 1000),
                primaryCpuNsPerOrderOn: perOrder(shared.on.cpuUs, shared.on.orders),
                primaryCpuNsPerOrderOff: perOrder(shared.off.cpuUs, shared.off.orders),
                standbyCpuNsPerOrder: perOrder(shared.standbyCpuUs, shared.on.orders),
              },
        roundTripRate: RATE,
        roundTripOrdersOn: on.roundTrip.totalCount,
        roundTripOrdersOff: off.roundTrip.totalCount,
        roundTripP50UsOn: q(on.roundTrip, 50),
        roundTripP50UsOff: q(off.roundTrip, 50),
        roundTripP99UsOn: q(on.roundTrip, 99),
        roundTripP99UsOff: q(off.roundTrip, 99),
        roundTripP999UsOn: q(on.roundTrip, 99.9),
        roundTripP999UsOff: q(off.roundTrip, 99.9),
        roundTripMaxUsOn: on.roundTrip.maxValue,
        roundTripMaxUsOff: off.roundTrip.maxValue,
        roundTripP99OnOverOff: r3(q(on.roundTrip, 99) / Math.max(1, q(off.roundTrip, 99))),
        roundTripPrimaryCpuPctOn: Math.round((on.rttCpuUs / 10 / Math.max(1, on.rttMs)) * 10) / 10,
        roundTripPrimaryCpuPctOff: Math.round((off.rttCpuUs / 10 / Math.max(1, off.rttMs)) * 10) / 10,
        roundTripStandbyCpuPct: Math.round(((standbyCpu2 - standbyCpu1) / 10 / Math.max(1, on.rttMs)) * 10) / 10,
        journalsEqual,
        commands: next,
        floors: { replicationOnOverOff: FLOOR },
        met: ratio >= FLOOR,
        primary: { journalSyncs: on.journal.syncs, journalWrites: on.journal.writes, replication: serverFigures },
        offJournalSyncs: off.journal.syncs,
        standby: { ...standby.standby, applied: standby.applied, lifeCpuMs: Math.round(standby.cpuUs / 1000) },
        pairs: PAIRS,
        sliceOrders: SLICE_ORDERS,
        batch: BATCH,
        roundTripPairs: RTT_PAIRS,
        roundTripSliceSeconds: RTT_SLICE_S,
        fsync: true,
        standbyEngine: STANDBY_ENGINE,
        journalDir: os.tmpdir(),
        loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
        seed: SEED,
        cpu: os.cpus()[0]?.model ?? 'unknown',
        cpus: os.cpus().length,
        node: process.version,
      }),
    );
  } finally {
    if (child !== null && child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
