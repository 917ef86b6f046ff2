// End-to-end benchmark (issue 5): the exchange core paced at TW_BENCH_E2E_RATE orders/s
// (215,000) for TW_BENCH_E2E_SECONDS (30), journaling to a temporary file, with the
// PublisherService in its loop multicasting lines A and B over loopback (bench groups
// 239.192.56.1:37201 and 239.192.56.2:37202; rewinder and snapshot server on port 0), and a
// FeedHandler in another process (bench/e2e-handler.ts, forked) rebuilding the books.
//
// One clock: the sim's clock is CLOCK_MONOTONIC (bench/mono-clock.ts) offset to New York time
// of day, so each command's ITCH timestamp - stamped by the sequencer as the command enters
// the engine, and carried by every message it causes - is a monotonic reading that the handler
// process compares with its own monotonic clock after applying the packet. The latency of a
// message is therefore engine event -> applied to the handler's book, across both processes,
// loopback multicast included.
//
// Two busy threads: this process's main loop (order generation, journal, matching engine,
// publisher, sends, the idle rewinder and snapshot server) and the handler process's main loop.
// TW_BENCH_E2E_PIN=1 pins them to CPU 0 and CPU 1 with taskset (default: the OS places them);
// TW_BENCH_E2E_NICE=-10 gives both main threads that nice value (default: unchanged).
// The raw pair (issue 17; TW_BENCH_E2E_RAW=0 leaves it out): bench/e2e-raw.ts, a minimal Node
// sender and receiver in two more processes (placed, pinned and niced as ours are: sender with
// the sim, receiver with the handler), sending our packets' sizes and message counts at our
// packet rate over the same multicast groups and interface (ports + 100), with no ITCH, book or
// journal. The window alternates slices of TW_BENCH_E2E_SLICE_SECONDS (2): ours (the sim
// trading), then raw (the sim paused, the raw sender replaying what our last slice sent), and
// so on; the first TW_BENCH_E2E_SLICE_WARMUP_MS (250) of each slice is not measured. Either
// side's latency therefore meets the same noise of the machine. Printed: p50Us, p99Us, p999Us
// (ours), rawP50Us, rawP99Us, rawP999Us, and p99OverRaw; floor p99OverRaw <= 1.5, goal 1.2.
// TW_BENCH_E2E_SECONDS (60) is the whole window: each side gets half. CPU, run-queue and steal
// figures are over the whole window (both sides' slices).
// Profiles: `node --cpu-prof --cpu-prof-dir=DIR dist/bench/e2e.js` writes one for each process
// (the forked handler inherits the flags).
//
// The rate is flat (the intraday curve is off). TW_BENCH_E2E_WARMUP_SECONDS (3) of trading come
// before the measured window (JIT, first touch of the pools); the window is the next
// TW_BENCH_E2E_SECONDS, every message whose event falls in it (the closing is not counted).
// Orders more than 10 ms behind schedule are not made up (ordersPerSec is what was achieved).
// Prints one JSON line: rate, seconds, messages, p50Us, p99Us, p999Us, p9999Us, maxUs, gaps,
// recovered, booksEqual, then details. This is a shared 2-core VM, so the details say how much
// of the machine we had: the share of its CPU time the hypervisor stole (/proc/stat), in the
// window and per second; each process's CPU use, the share of the window its main thread was
// runnable but waiting for a CPU (/proc/self/schedstat: other processes had both cores) and its
// involuntary context switches; and `quietP99Us`, the p99 of the seconds in which neither
// steal nor the handler's run-queue wait exceeded 5% (`quietSeconds` of them).

import { execFileSync, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { configSchema } from '../config';
import { nextMessage } from './child-messages';
import { booksDigest } from '../feed-handler';
import { EngineEventRingReader, nySessionDate } from '../protocol';
import { publisherServiceFromConfig, Rewinder, rewinderOptions, SnapshotServer, snapshotServerOptions } from '../publisher';
import { COMMAND_SIZE, CommandBuffer, ExchangeCore, handOffBatchSize, OrderFlowGenerator, SystemClock, type SessionCommand } from '../sim';
import type { E2eReport, E2eStart } from './e2e-handler';
import type { RawReport, RawSlice } from './e2e-raw';
import { LatencyHistogram } from '../gateway';
import { gcWatch, mainThreadSchedNs, MonotonicItchClock } from './mono-clock';

const RATE = Number(process.env.TW_BENCH_E2E_RATE ?? 215_000);
const RAW = process.env.TW_BENCH_E2E_RAW !== '0';
/** The measured window, both sides' slices together (each side gets half with the raw pair). */
const SECONDS = Number(process.env.TW_BENCH_E2E_SECONDS ?? (RAW ? 60 : 30));
const SLICE_SECONDS = Number(process.env.TW_BENCH_E2E_SLICE_SECONDS ?? 2);
const SLICE_WARMUP_MS = Number(process.env.TW_BENCH_E2E_SLICE_WARMUP_MS ?? 250);
/** Trading before the measured window (JIT, first touch of the pools, the first GCs). */
const WARMUP_SECONDS = Number(process.env.TW_BENCH_E2E_WARMUP_SECONDS ?? 3);
const SEED = Number(process.env.TW_SEED ?? 1);
const JOURNAL = process.env.TW_BENCH_E2E_JOURNAL !== '0';
const PIN = process.env.TW_BENCH_E2E_PIN === '1';
/** A nice value for both processes' main threads (e.g. -10, as root): other jobs on a shared machine yield to them. Default: unchanged. */
const NICE = process.env.TW_BENCH_E2E_NICE === undefined ? null : Number(process.env.TW_BENCH_E2E_NICE);
/** Most orders per sequencer batch (sim/LiveSim: 256); within it a tick is split as LiveSim splits it (handOffBatchSize: a quarter of the tick, at least 16). A command's stamp waits for the journal write and the matching of its batch. */
const BATCH = Number(process.env.TW_BENCH_E2E_BATCH ?? 256);
/** Young generation of both receivers (the handler and the raw receiver), MB per semi-space, fixed (min = max); 0: V8's default, which shrinks it to ~1 MB at a receiver's allocation rate (a scavenge every ~0.25 s). */
const RECEIVER_SEMI_SPACE_MB = Number(process.env.TW_BENCH_E2E_RECEIVER_SEMI_SPACE_MB ?? 0);
const LINES = [
  { group: '239.192.56.1', port: 37201 },
  { group: '239.192.56.2', port: 37202 },
];
/** The raw pair's lines: the same groups, other ports (neither receiver gets the other's packets). */
const RAW_LINES = LINES.map((l) => ({ group: l.group, port: l.port + 100 }));

/** The machine's CPU jiffies from /proc/stat: total and steal (time the hypervisor ran someone else). */
function cpuJiffies(): { total: number; steal: number; idle: number } {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { total: f.slice(0, 8).reduce((a, b) => a + b, 0), steal: f[7] ?? 0, idle: (f[3] ?? 0) + (f[4] ?? 0) };
  } catch {
    return { total: 0, steal: 0, idle: 0 };
  }
}

function pcts(h: LatencyHistogram): [number, number, number] {
  return [h.valueAtPercentile(50), h.valueAtPercentile(99), h.maxValue];
}

function pin(pid: number, cpu: number): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const sessionDate = nySessionDate(Date.now());
  const config = configSchema.parse({
    sim: { seed: SEED, symbols: 100, ordersPerSec: RATE, intradayPeakRatio: 1 },
    publisher: {
      lineA: LINES[0],
      lineB: LINES[1],
      rewinder: { port: 0 },
      snapshot: { port: 0 },
      endOfSessionRepeats: 2,
      endOfSessionIntervalMs: 200,
    },
  });
  const journalDir = JOURNAL ? fs.mkdtempSync(path.join(os.tmpdir(), 'tw-bench-e2e-')) : '';
  const clock = new MonotonicItchClock(new SystemClock().nowNs());
  const service = publisherServiceFromConfig(config, sessionDate);
  await service.open();
  const rewinder = new Rewinder(rewinderOptions(config, service.publisher));
  const rewinderPort = await rewinder.start();
  const snapshot = new SnapshotServer(snapshotServerOptions(config, service.publisher));
  const snapshotPort = await snapshot.start();

  const receiverArgv = RECEIVER_SEMI_SPACE_MB > 0 ? [...process.execArgv, `--min-semi-space-size=${RECEIVER_SEMI_SPACE_MB}`, `--max-semi-space-size=${RECEIVER_SEMI_SPACE_MB}`] : process.execArgv;
  const child = fork(path.join(__dirname, 'e2e-handler.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: receiverArgv });
  const rawScript = path.join(__dirname, 'e2e-raw.js');
  const rawSender = RAW ? fork(rawScript, ['sender'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }) : null;
  const rawReceiver = RAW ? fork(rawScript, ['receiver'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: receiverArgv }) : null;
  // Same placement as ours: the raw sender where the sim is, the raw receiver where the handler is.
  const pinned = PIN && pin(process.pid, 0) && child.pid !== undefined && pin(child.pid, 1)
    && (rawSender?.pid === undefined || pin(rawSender.pid, 0)) && (rawReceiver?.pid === undefined || pin(rawReceiver.pid, 1));
  let niced: number | null = null;
  if (NICE !== null && child.pid !== undefined) {
    try {
      // setpriority on Linux sets one thread: these are the two main threads (the busy ones).
      os.setPriority(process.pid, NICE);
      os.setPriority(child.pid, NICE);
      if (rawSender?.pid !== undefined) os.setPriority(rawSender.pid, NICE);
      if (rawReceiver?.pid !== undefined) os.setPriority(rawReceiver.pid, NICE);
      niced = NICE;
    } catch (err) {
      process.stderr.write(`bench:e2e: TW_BENCH_E2E_NICE=${NICE} not applied: ${(err as Error).message}\n`);
    }
  }
  try {
    const start: E2eStart = {
      type: 'start',
      session: service.publisher.session,
      sessionDate,
      lines: LINES,
      interface: config.publisher.interface,
      rewinderPort,
      snapshotPort,
      baseMonoNs: clock.baseMonoNs,
      baseItchNs: clock.baseItchNs,
    };
    const ready = nextMessage<{ type: 'ready' }>(child, 'ready', 20_000, 'e2e handler');
    child.send(start);
    await ready;
    for (const raw of [rawSender, rawReceiver]) {
      if (raw === null) continue;
      const rawReady = nextMessage<{ type: 'ready' }>(raw, 'ready', 20_000, 'e2e raw pair');
      raw.send({ type: 'start', lines: RAW_LINES, interface: config.publisher.interface });
      await rawReady;
    }

    // Our packets' lengths and message counts (MoldUDP64 header bytes 18-19) while recording:
    // what the raw sender replays, at the rate they were sent.
    const lines = service.lines;
    const sendPacket = lines.sendPacket.bind(lines);
    const sample = { on: false, measured: false, n: 0, sizes: new Uint16Array(1 << 20), counts: new Uint16Array(1 << 20) };
    // Our side of the latency (measured slices): each message's stamp to its packet handed to
    // the socket (the first message's ITCH timestamp, FEED.md: bytes 5-10 of the message after
    // the 20-byte header and its 2-byte length), once per message; the rest is wire and handler.
    const sendSide = new LatencyHistogram(60_000_000);
    // Where the send side goes, per tick of our measured slices (us): the batch's matching
    // (stamp to the sequencer's return), the journal's write, the drain to the publisher, and
    // the last packet's wait from the end of the tick to its send (setImmediate).
    const stage = {
      match: new LatencyHistogram(60_000_000),
      journal: new LatencyHistogram(60_000_000),
      drain: new LatencyHistogram(60_000_000),
      tickGap: new LatencyHistogram(60_000_000),
      afterTick: new LatencyHistogram(60_000_000),
    };
    /** Set while the tick runs; then when it ended (mono ns), for packets sent after it. */
    const tickState = { inside: false, endedAt: 0 };
    const gc = gcWatch();
    const monoOffsetNs = clock.baseMonoNs - clock.baseItchNs;
    lines.sendPacket = (packet: Uint8Array, length: number): void => {
      if (sample.on && sample.n < sample.sizes.length) {
        sample.sizes[sample.n] = length;
        const count = length >= 20 ? (packet[18] << 8) | packet[19] : 0;
        sample.counts[sample.n++] = count;
        if (sample.measured && count > 0 && count < 0xffff && length >= 33) {
          let ts = 0;
          for (let i = 27; i < 33; i++) ts = ts * 256 + packet[i];
          sendSide.record(Math.max(0, Math.round((clock.mono.now() - (ts + monoOffsetNs)) / 1000)), count);
        }
      }
      sendPacket(packet, length);
      if (sample.measured && !tickState.inside && tickState.endedAt > 0) {
        stage.afterTick.record(Math.round((clock.mono.now() - tickState.endedAt) / 1000));
        tickState.endedAt = 0;
      }
    };

    // The exchange core on the monotonic ITCH clock, paced like sim/LiveSim (1-ms ticks, the
    // orders due since the last tick, split into batches as LiveSim splits them, each handed to
    // the publisher and sent before the next is matched), the publisher in its loop.
    const holder: { reader: EngineEventRingReader | null } = { reader: null };
    const core = new ExchangeCore({
      symbols: config.sim.symbols,
      engine: config.engine,
      journal: { ...config.journal, path: JOURNAL ? path.join(journalDir, `${sessionDate}.journal`) : '' },
      clock,
      ringFullPolicy: { onRingFull: () => holder.reader?.drain(service) },
    });
    const reader = new EngineEventRingReader(core.ring);
    holder.reader = reader;
    core.start();
    const sequencer = core.sequencer as NonNullable<ExchangeCore['sequencer']>;
    const generator = OrderFlowGenerator.fromConfig(config, core.engine);
    const cmds = new CommandBuffer(Math.max(16, BATCH));
    const session = (list: SessionCommand[]): void => {
      list.forEach((c, i) => cmds.write(i * COMMAND_SIZE, c.type, 0, 0, c.code, c.locate, 0, 0, 0));
      sequencer.submitBatch(cmds, 0, list.length);
      reader.drain(service);
    };
    session(generator.openingCommands());
    await new Promise((r) => setTimeout(r, 200));

    let orders = 0;
    let due = 0;
    let last = performance.now();
    /** False while the raw pair has its slice: the sim is paused (no orders, nothing owed). */
    let trading = true;
    let lastTickAt = 0;
    const tick = (): void => {
      if (!trading) return;
      const now = performance.now();
      if (sample.measured && lastTickAt > 0) stage.tickGap.record(Math.round((now - lastTickAt) * 1000));
      lastTickAt = now;
      tickState.inside = true;
      // Behind schedule by more than 10 ms of orders (a starved core, a GC), the rest is not
      // made up: ordersPerSec says what was achieved, and no tick blocks its loop catching up.
      due = Math.min(due + ((now - last) / 1000) * RATE, RATE / 100);
      last = now;
      const handOff = handOffBatchSize(due);
      while (due >= 1) {
        const n = Math.min(Math.floor(due), handOff, cmds.capacity);
        const first = sequencer.nextSeq;
        for (let i = 0; i < n; i++) generator.next(cmds, i, first + i);
        clock.hold(); // the batch's commands share the stamp of its start (mono-clock.ts)
        const m0 = clock.mono.now();
        sequencer.submitBatch(cmds, 0, n);
        clock.release();
        due -= n;
        orders += n;
        const m1 = clock.mono.now();
        core.journal?.write(); // journal before publish, as LiveSim does
        const m2 = clock.mono.now();
        reader.drain(service);
        service.endOfBatch(); // the batch's packets leave now, as LiveSim's tick has it
        if (sample.measured) {
          const m3 = clock.mono.now();
          stage.match.record(Math.round((m1 - m0) / 1000));
          stage.journal.record(Math.round((m2 - m1) / 1000));
          stage.drain.record(Math.round((m3 - m2) / 1000));
        }
      }
      core.journal?.endBatch();
      tickState.inside = false;
      tickState.endedAt = clock.mono.now();
    };
    const timer = setInterval(tick, 1);
    const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    /** Our slice: the sim trades for `seconds`; its packets are sampled past the slice's warm-up; returns the packet rate then. */
    let oursMs = 0;
    let oursOrders = 0;
    const oursSlice = async (seconds: number, measured: boolean): Promise<number> => {
      last = performance.now();
      due = 0;
      trading = true;
      await sleep(SLICE_WARMUP_MS);
      const o0 = orders;
      const t = performance.now();
      if (measured) child.send({ type: 'sliceFrom', fromItchNs: clock.nowNs() });
      sample.n = 0;
      sample.on = true;
      sample.measured = measured;
      await sleep(Math.max(0, seconds * 1000 - SLICE_WARMUP_MS));
      trading = false;
      sample.on = false;
      sample.measured = false;
      if (measured) child.send({ type: 'sliceTo', toItchNs: clock.nowNs() });
      const ms = performance.now() - t;
      if (measured) {
        oursMs += ms;
        oursOrders += orders - o0;
      }
      return (sample.n * 1000) / ms;
    };
    /** The raw pair's slice: our last slice's packets, replayed at its rate for `seconds`. */
    let rawPackets = 0;
    const rawSlice = async (seconds: number, packetsPerSec: number, measured: boolean): Promise<void> => {
      const s = rawSender as NonNullable<typeof rawSender>;
      const slice: RawSlice = {
        type: 'slice',
        packetsPerSec,
        sizes: Array.from(sample.sizes.subarray(0, sample.n)),
        counts: Array.from(sample.counts.subarray(0, sample.n)),
        warmupMs: measured ? SLICE_WARMUP_MS : 1e12,
      };
      s.send(slice);
      await sleep(seconds * 1000);
      const paused = nextMessage<{ type: 'paused'; packets: number }>(s, 'paused', 20_000, 'e2e raw sender');
      s.send({ type: 'pause' });
      rawPackets += (await paused).packets;
    };
    if (RAW) {
      // The last of the warm-up is a slice of each, unmeasured: the raw pair's JIT and sockets warm too.
      await sleep(Math.max(0, WARMUP_SECONDS - 1) * 1000);
      const rate = await oursSlice(1, false);
      await rawSlice(1, rate, false);
      trading = true;
      last = performance.now();
      due = 0;
    } else {
      await sleep(WARMUP_SECONDS * 1000);
    }
    const loadBefore = os.loadavg()[0];
    const jiffies0 = cpuJiffies();
    const fromItchNs = clock.nowNs();
    child.send({ type: 'window', fromItchNs });
    const orders0 = orders;
    const cpu0 = process.cpuUsage();
    const sched0 = mainThreadSchedNs();
    const switches0 = process.resourceUsage().involuntaryContextSwitches;
    const t0 = performance.now();
    let lastOrders = orders;
    // Steal per second of the window, to lay beside the handler's p99 of the same second.
    const stealPerSecond: number[] = [];
    let lastJiffies = jiffies0;
    // Which CPU this process's main thread is on, sampled every 50 ms (/proc/self/stat field 39).
    const publisherCpuSamples = [0, 0, 0, 0];
    const cpuSampler = setInterval(() => {
      try {
        const text = fs.readFileSync('/proc/self/stat', 'utf8');
        const cpu = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[36]);
        if (cpu >= 0 && cpu < publisherCpuSamples.length) publisherCpuSamples[cpu]++;
      } catch {
        // not Linux
      }
    }, 50);
    const progress = setInterval(() => {
      const j = cpuJiffies();
      const total = j.total - lastJiffies.total;
      stealPerSecond.push(total > 0 ? Math.round(((j.steal - lastJiffies.steal) / total) * 100) : 0);
      lastJiffies = j;
      process.stderr.write(`e2e ${Math.round((performance.now() - t0) / 1000)}s: ${(orders - lastOrders).toLocaleString('en-US')} orders/s, sequence ${service.publisher.nextSequence - 1}\n`);
      lastOrders = orders;
    }, 1000);
    if (RAW) {
      // Ours, raw, ours, raw...: a slice each in turn until the window is spent.
      const windowEnd = t0 + SECONDS * 1000;
      while (performance.now() < windowEnd) {
        const rate = await oursSlice(SLICE_SECONDS, true);
        await rawSlice(SLICE_SECONDS, rate, true);
      }
    } else {
      await sleep(SECONDS * 1000);
      oursMs = performance.now() - t0;
      oursOrders = orders - orders0;
    }
    clearInterval(timer);
    clearInterval(progress);
    clearInterval(cpuSampler);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const sched1 = mainThreadSchedNs();
    const switches = process.resourceUsage().involuntaryContextSwitches - switches0;
    const jiffies1 = cpuJiffies();
    const jiffies = jiffies1.total - jiffies0.total;
    const ended = nextMessage<{ type: 'windowEnded' }>(child, 'windowEnded', 20_000, 'e2e handler');
    child.send({ type: 'windowEnd', toItchNs: clock.nowNs() });
    await ended;
    session(generator.closingCommands());
    core.close();
    await service.finish();
    const lastSequence = service.publisher.nextSequence - 1;
    const reportP = nextMessage<E2eReport>(child, 'report', 60_000, 'e2e handler');
    child.send({ type: 'stop', lastSequence, stealPctPerSecond: stealPerSecond });
    const r = await reportP;
    let raw: RawReport | null = null;
    if (rawReceiver !== null) {
      const rawP = nextMessage<RawReport>(rawReceiver, 'report', 20_000, 'e2e raw receiver');
      rawReceiver.send({ type: 'stop' });
      raw = await rawP;
    }
    await rewinder.close();
    await snapshot.close();
    const booksEqual = r.ended && r.sequence === lastSequence && r.digest === booksDigest(service.publisher.books);
    console.log(
      JSON.stringify({
        rate: RATE,
        seconds: Math.round(seconds * 100) / 100,
        messages: r.messages,
        p50Us: r.p50Us,
        p99Us: r.p99Us,
        p999Us: r.p999Us,
        rawP50Us: raw?.p50Us ?? null,
        rawP99Us: raw?.p99Us ?? null,
        rawP999Us: raw?.p999Us ?? null,
        p99OverRaw: raw !== null && raw.p99Us > 0 ? Math.round((r.p99Us / raw.p99Us) * 1000) / 1000 : null,
        p50OverRaw: raw !== null && raw.p50Us > 0 ? Math.round((r.p50Us / raw.p50Us) * 1000) / 1000 : null,
        p999OverRaw: raw !== null && raw.p999Us > 0 ? Math.round((r.p999Us / raw.p999Us) * 1000) / 1000 : null,
        p9999Us: r.p9999Us,
        maxUs: r.maxUs,
        // Ours, split: stamp -> packet handed to the socket, in this process (measured slices).
        sendSideP50Us: RAW ? sendSide.valueAtPercentile(50) : null,
        sendSideP99Us: RAW ? sendSide.valueAtPercentile(99) : null,
        // The send side's stages per batch (p50/p99/max us), the tick interval, and this process's GCs.
        sendStages: RAW ? {
          matchUs: pcts(stage.match),
          journalWriteUs: pcts(stage.journal),
          drainUs: pcts(stage.drain),
          tickIntervalUs: pcts(stage.tickGap),
          afterTickSendUs: pcts(stage.afterTick),
        } : null,
        publisherGc: gc.figures(),
        handlerStages: r.stages,
        publisherCpuSamples,
        gaps: r.gaps,
        recovered: r.recovered,
        booksEqual,
        // Over our slices (the sim pauses in the raw pair's).
        ordersPerSec: Math.round(oursOrders / Math.max(1e-9, oursMs / 1000)),
        oursSeconds: Math.round(oursMs / 10) / 100,
        raw: raw === null ? null : { messages: raw.messages, packets: raw.packets, packetsSent: rawPackets, p9999Us: raw.p9999Us, maxUs: raw.maxUs, meanUs: raw.meanUs, negative: raw.negative, ports: RAW_LINES.map((l) => l.port) },
        sliceSeconds: RAW ? SLICE_SECONDS : null,
        sliceWarmupMs: RAW ? SLICE_WARMUP_MS : null,
        floors: { p99OverRaw: 1.5, p99OverRawGoal: 1.2 },
        warmupSeconds: WARMUP_SECONDS,
        meanUs: r.meanUs,
        p99UsPerSecond: r.p99UsPerSecond,
        // Beside it, per second: % of the machine's CPU time stolen, and % of the handler's
        // main thread's time spent runnable but waiting for a CPU.
        stealPctPerSecond: stealPerSecond,
        handlerRunqueueWaitPctPerSecond: r.runqueueWaitPctPerSecond,
        // Seconds of the window where steal was at most 5% and the handler waited at most 5%
        // for a CPU: the p99 of their own messages (merged histograms), and how many.
        quietSeconds: r.quietSeconds,
        quietP99Us: r.quietP99Us,
        negativeLatencies: r.negative,
        lastSequence,
        recoveredByRewind: r.recoveredByRewind,
        recoveredBySnapshot: r.recoveredBySnapshot,
        lineGaps: r.lineGaps,
        handlerFaults: r.faults,
        publisherCpuPct: Math.round(((cpu.user + cpu.system) / 1e6 / seconds) * 1000) / 10,
        handlerCpuPct: r.cpuPct,
        // Each process's main thread: share of the window it was runnable but waiting for a
        // CPU (another process or thread had it), and involuntary context switches a second.
        publisherRunqueueWaitPct: Math.round(((sched1.waitNs - sched0.waitNs) / 1e9 / seconds) * 1000) / 10,
        handlerRunqueueWaitPct: r.runqueueWaitPct,
        publisherPreemptionsPerSec: Math.round(switches / seconds),
        handlerPreemptionsPerSec: r.preemptionsPerSec,
        packets: service.lines.packetsSent,
        // Of the machine's CPU time in the window: stolen by the hypervisor, and idle.
        stealPct: jiffies > 0 ? Math.round(((jiffies1.steal - jiffies0.steal) / jiffies) * 1000) / 10 : null,
        idlePct: jiffies > 0 ? Math.round(((jiffies1.idle - jiffies0.idle) / jiffies) * 1000) / 10 : null,
        loadAvg1m: [Math.round(loadBefore * 100) / 100, Math.round(os.loadavg()[0] * 100) / 100],
        journal: JOURNAL,
        batch: cmds.capacity,
        nice: niced,
        receiverSemiSpaceMb: RECEIVER_SEMI_SPACE_MB,
          placement: pinned ? 'sim+journal+publisher on CPU 0, handler on CPU 1 (taskset)' : 'sim+journal+publisher in one process, handler in another; OS placement',
        seed: SEED,
        cpu: os.cpus()[0]?.model ?? 'unknown',
        node: process.version,
      }),
    );
    // The child exits by itself after its report; waiting lets `--cpu-prof` (inherited through
    // fork's default execArgv) write its profile before any kill below.
    if (child.exitCode === null) await new Promise((r) => { child.once('exit', r); setTimeout(r, 10_000).unref(); });
  } finally {
    if (child.exitCode === null) child.kill();
    for (const raw of [rawSender, rawReceiver]) if (raw !== null && raw.exitCode === null) raw.kill();
    if (journalDir !== '') fs.rmSync(journalDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:e2e failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
