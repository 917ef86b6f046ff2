// Publisher benchmark, part (a) of issue 4: the publishing pipeline without sockets, engine
// events to MoldUDP64 packets (ITCH encode, message store, packetizer, the publisher's own
// books and candles), on one core.
//   1. untimed: a seeded sim day (opening, TW_BENCH_EVENTS engine events of the default
//      order flow over 100 symbols, closing) recorded into one big buffer of 64-byte records;
//   2. timed, TW_BENCH_RUNS times: a fresh FeedPublisher over every recorded event, packets
//      to a sink that counts them (what a socket send would be handed).
// Floor (issue 4): 1,000,000 events/s.
//
// Part (b), live, after part (a): the exchange core at a live pace (LiveSim, journaling to a
// temporary file as `tickwire publish` does) at TW_BENCH_LIVE_RATE orders/s (215,000) for
// TW_BENCH_LIVE_SECONDS (30), the PublisherService in its loop sending onto both multicast
// lines over loopback (bench groups 239.192.77.1:37101 and 239.192.77.2:37102, rewinder and
// snapshot server on port 0), and a receiver in another process (bench/feed-receiver.ts,
// forked, 4 MiB receive buffers) counting per line packets, messages, gaps, duplicates and
// the messages missing from 1..last. The delay of every packet (first message into the
// empty packet -> packet handed to the lines, which unpaced is the socket send) goes into an
// hdr-histogram through PublisherService's `delayRecorder`. TW_BENCH_LIVE_JOURNAL=0 runs
// without the journal; TW_BENCH_LIVE_SECONDS=0 skips part (b).
//
// Prints one JSON line last (STYLE.md, Benchmarks): part (a)'s best run's rates and the
// median at the top level, part (b) under `live`.

import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import { configSchema } from '../config';
import { nextMessage } from './child-messages';
import { Worker } from 'node:worker_threads';
import { ENGINE_EVENT_SIZE, EngineEventRing, EngineEventRingWriter, EngineEventView, nySessionDate, type EngineEventHandler } from '../protocol';
import { RemoteSim, type SimHandle, InlineSim } from '../sim';
import { LiveSim, SeededDay } from '../sim';
import {
  FeedPublisher,
  feedPublisherOptions,
  publisherServiceFromConfig,
  Rewinder,
  rewinderOptions,
  SnapshotServer,
  snapshotServerOptions,
  type PacketSink,
} from '../publisher';
import type { LineCounts, ReceiverReady, ReceiverReport, ReceiverStart, ReceiverStop } from './feed-receiver';

const EVENTS = Number(process.env.TW_BENCH_EVENTS ?? 3_000_000);
const RUNS = Number(process.env.TW_BENCH_RUNS ?? 3);
const SEED = Number(process.env.TW_SEED ?? 1);
const SESSION_DATE = '2024-03-08';
const LIVE_RATE = Number(process.env.TW_BENCH_LIVE_RATE ?? 215_000);
const LIVE_SECONDS = Number(process.env.TW_BENCH_LIVE_SECONDS ?? 30);
const LIVE_JOURNAL = process.env.TW_BENCH_LIVE_JOURNAL !== '0';
/** publisher.thread settings to measure: 'engine' (publisher in the engine's loop) and 'own'. */
const THREADS = (process.env.TW_BENCH_THREADS ?? 'engine,own').split(',').filter((t) => t === 'engine' || t === 'own') as Array<'engine' | 'own'>;
const LIVE_LINES = [
  { group: '239.192.77.1', port: 37101 },
  { group: '239.192.77.2', port: 37102 },
];
const RECV_BUFFER_BYTES = 4 << 20;

/** Copies engine event records out of the ring into one big buffer (8 float64 words each). */
class EventRecorder implements EngineEventHandler {
  words: Float64Array;
  count = 0;
  constructor(capacity: number) {
    this.words = new Float64Array(capacity * (ENGINE_EVENT_SIZE / 8));
  }
  onEngineEvent(view: EngineEventView, base: number): void {
    if ((this.count + 1) * 8 > this.words.length) {
      const grown = new Float64Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
    const src = view.f64;
    const from = base >> 3;
    const to = this.count * 8;
    for (let k = 0; k < 8; k++) this.words[to + k] = src[from + k];
    this.count++;
  }
}

/** Counts packets and bytes: the socket layer's place. */
class CountingSink implements PacketSink {
  packets = 0;
  bytes = 0;
  sendPacket(_packet: Uint8Array, length: number): void {
    this.packets++;
    this.bytes += length;
  }
}

function recordDay(target: number): { view: EngineEventView; count: number; orders: number } {
  const config = configSchema.parse({ sim: { seed: SEED, symbols: 100 } });
  const recorder = new EventRecorder(target + 4096);
  const day = new SeededDay(config, recorder);
  day.open();
  while (recorder.count < target) day.batch(config.sim.batchSize);
  day.close();
  const orders = day.orders;
  return { view: new EngineEventView(recorder.words.buffer, 0, recorder.count * ENGINE_EVENT_SIZE), count: recorder.count, orders };
}

interface Run {
  seconds: number;
  messages: number;
  packets: number;
  bytes: number;
  faults: number;
  integrityErrors: number;
  restingOrders: number;
}

function publishOnce(view: EngineEventView, count: number): Run {
  const config = configSchema.parse({ sim: { symbols: 100 } });
  const sink = new CountingSink();
  const publisher = new FeedPublisher(feedPublisherOptions(config, SESSION_DATE, sink));
  const started = performance.now();
  // Flush every 512 events, as the caller does after each drain of the engine ring.
  for (let i = 0, base = 0; i < count; i++, base += ENGINE_EVENT_SIZE) {
    publisher.onEngineEvent(view, base);
    if ((i & 511) === 511) publisher.flush();
  }
  publisher.flush();
  const seconds = (performance.now() - started) / 1000;
  let faults = 0;
  for (const n of publisher.faults) faults += n;
  return {
    seconds,
    messages: publisher.messages,
    packets: sink.packets,
    bytes: sink.bytes,
    faults,
    integrityErrors: publisher.books.integrity.total,
    restingOrders: publisher.books.liveOrders,
  };
}

/**
 * Part (a) with the publisher on its own thread: this thread copies the recorded events into
 * an engine event ring (as the engine's writer does, committing every 512), a worker drains
 * it into a FeedPublisher (flushing after each drain). Timed in the worker from the first
 * event of a pass to the flush after its last; the best of `runs` passes.
 */
async function publishAcrossThreads(view: EngineEventView, count: number, runs: number): Promise<{ best: number; median: number; messages: number; packets: number }> {
  const ring = EngineEventRing.create(1 << 16);
  const dist = path.resolve(__dirname, '..');
  const worker = new Worker(
    `
    const { parentPort, workerData } = require('node:worker_threads');
    const path = require('node:path');
    const { configSchema } = require(path.join(workerData.dist, 'config'));
    const { EngineEventRing, EngineEventRingReader } = require(path.join(workerData.dist, 'protocol'));
    const { FeedPublisher, feedPublisherOptions } = require(path.join(workerData.dist, 'publisher'));
    const reader = new EngineEventRingReader(new EngineEventRing(workerData.sab));
    const config = configSchema.parse({ sim: { symbols: 100 } });
    for (let r = 0; r < workerData.runs; r++) {
      let packets = 0;
      const sink = { sendPacket() { packets++; } };
      const publisher = new FeedPublisher(feedPublisherOptions(config, workerData.date, sink));
      let got = 0, t0 = 0;
      while (got < workerData.count) {
        if (!reader.waitForEvents(100)) continue;
        if (got === 0) t0 = performance.now();
        got += reader.drain(publisher);
        publisher.flush();
      }
      parentPort.postMessage({ seconds: (performance.now() - t0) / 1000, messages: publisher.messages, packets });
    }
    `,
    { eval: true, workerData: { sab: ring.sab, dist, runs, count, date: SESSION_DATE } },
  );
  const results: Array<{ seconds: number; messages: number; packets: number }> = [];
  const finished = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: { seconds: number; messages: number; packets: number }) => {
      results.push(m);
      if (results.length === runs) resolve();
    });
    worker.once('error', reject);
  });
  const writer = new EngineEventRingWriter(ring); // a full ring waits for the worker
  const src = view.f64;
  for (let r = 0; r < runs; r++) {
    const before = results.length;
    for (let i = 0; i < count; i++) {
      const base = writer.claim();
      const to = base >> 3;
      const from = i * 8;
      const dst = writer.view.f64;
      for (let k = 0; k < 8; k++) dst[to + k] = src[from + k];
      if ((i & 511) === 511) writer.commit();
    }
    writer.commit();
    // One pass at a time: the next starts when the worker has reported this one.
    while (results.length === before) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await finished;
  await worker.terminate();
  const sorted = [...results].sort((a, b) => a.seconds - b.seconds);
  return {
    best: Math.round(count / sorted[0].seconds),
    median: Math.round(count / sorted[Math.floor((sorted.length - 1) / 2)].seconds),
    messages: sorted[0].messages,
    packets: sorted[0].packets,
  };
}

interface LiveFigures {
  part: string;
  thread: 'engine' | 'own';
  targetOrdersPerSec: number;
  seconds: number;
  ordersPerSec: number;
  orders: number;
  messagesPerSec: number;
  packetsPerSec: number;
  lossMessages: { lineA: number; lineB: number };
  delayP50Us: number;
  delayP99Us: number;
  delayMaxUs: number;
  delayPackets: number;
  lines: { lineA: LineCounts; lineB: LineCounts };
  sent: { messages: number; packets: number; sendErrors: number; poolExhausted: number; timedFlushes: number; lateFlushes: number };
  journal: boolean;
  processCpuPct: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
}

async function live(thread: 'engine' | 'own'): Promise<LiveFigures> {
  const journalDir = LIVE_JOURNAL ? fs.mkdtempSync(path.join(os.tmpdir(), 'tw-bench-')) : '';
  const config = configSchema.parse({
    sim: { seed: SEED, symbols: 100, ordersPerSec: LIVE_RATE, intradayPeakRatio: 1 }, // flat: the rate asked at any hour
    journal: { path: LIVE_JOURNAL ? path.join(journalDir, '{date}.journal') : '' },
    publisher: {
      lineA: LIVE_LINES[0],
      lineB: LIVE_LINES[1],
      rewinder: { port: 0 },
      snapshot: { port: 0 },
      endOfSessionRepeats: 1,
      endOfSessionIntervalMs: 100,
    },
  });
  const receiver = fork(path.join(__dirname, 'feed-receiver.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const start: ReceiverStart = { type: 'start', lines: LIVE_LINES, interface: config.publisher.interface, recvBufferBytes: RECV_BUFFER_BYTES };
    const ready = nextMessage<ReceiverReady>(receiver, 'ready', 10_000, 'feed receiver');
    receiver.send(start);
    const granted = (await ready).recvBufferBytes;
    process.stderr.write(`live: receiver pid ${receiver.pid} joined both lines (receive buffer granted ${granted} bytes)\n`);

    // As runtime/live-feed.ts starts them, with the delay histogram in the publisher service.
    const delays = hdr.build({ bitBucketSize: 32, lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
    const sessionDate = nySessionDate(Date.now());
    const service = publisherServiceFromConfig(config, sessionDate, delays);
    await service.open();
    const rewinder = new Rewinder(rewinderOptions(config, service.publisher));
    await rewinder.start();
    const snapshot = new SnapshotServer(snapshotServerOptions(config, service.publisher));
    await snapshot.start();
    const journalPath = LIVE_JOURNAL ? path.join(journalDir, `${sessionDate}.journal`) : '';
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    let sim: SimHandle;
    if (thread === 'own') {
      sim = (await RemoteSim.start(config, journalPath, service, { beginReplay: () => undefined, endReplay: () => undefined }, false)).sim;
    } else {
      const inline = new LiveSim(config, journalPath, service);
      inline.start();
      sim = new InlineSim(inline);
    }
    delays.reset(); // the window only: the opening's packets are not the load
    loopDelay.enable();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const sent0 = { messages: service.publisher.messages, packets: service.lines.packetsSent };
    let lastOrders = 0;
    const progress = setInterval(() => {
      const s = Math.round((performance.now() - t0) / 1000);
      process.stderr.write(`live ${s}s: ${(sim.orders - lastOrders).toLocaleString('en-US')} orders/s, ${service.lines.packetsSent.toLocaleString('en-US')} packets sent\n`);
      lastOrders = sim.orders;
    }, 1000);
    await new Promise((resolve) => setTimeout(resolve, LIVE_SECONDS * 1000));
    clearInterval(progress);
    const seconds = (performance.now() - t0) / 1000;
    const orders = sim.orders;
    const cpu = process.cpuUsage(cpu0);
    loopDelay.disable();
    const sent = {
      messages: service.publisher.messages - sent0.messages,
      packets: service.lines.packetsSent - sent0.packets,
    };
    const delayP50Us = delays.getValueAtPercentile(50);
    const delayP99Us = delays.getValueAtPercentile(99);
    const delayMaxUs = delays.maxValue;
    const delayPackets = delays.totalCount;

    await sim.stop(true);
    await service.finish();
    await rewinder.close();
    await snapshot.close();
    const lastSequence = service.publisher.nextSequence - 1;
    const reportP = nextMessage<ReceiverReport>(receiver, 'report', 10_000, 'feed receiver');
    const stop: ReceiverStop = { type: 'stop', lastSequence };
    receiver.send(stop);
    const [lineA, lineB] = (await reportP).lines;
    return {
      part: 'b: live sim onto both multicast lines (loopback), receiver in another process',
      thread,
      targetOrdersPerSec: LIVE_RATE,
      seconds: Math.round(seconds * 100) / 100,
      ordersPerSec: Math.round(orders / seconds),
      orders,
      // Per line (both carry the same packets); the whole day's received count over the window.
      messagesPerSec: Math.round(lineA.messages / seconds),
      packetsPerSec: Math.round(lineA.packets / seconds),
      lossMessages: { lineA: lineA.lossMessages, lineB: lineB.lossMessages },
      delayP50Us,
      delayP99Us,
      delayMaxUs,
      delayPackets,
      lines: { lineA, lineB },
      sent: {
        messages: sent.messages,
        packets: sent.packets,
        sendErrors: service.lines.sendErrors,
        poolExhausted: service.lines.poolExhausted,
        timedFlushes: service.timedFlushes,
        lateFlushes: service.lateFlushes,
      },
      journal: LIVE_JOURNAL,
      // This process: the publisher's thread, and with thread 'own' the engine's thread too.
      processCpuPct: Math.round(((cpu.user + cpu.system) / 1e6 / seconds) * 1000) / 10,
      eventLoopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1e4) / 100,
      eventLoopDelayMaxMs: Math.round(loopDelay.max / 1e4) / 100,
    };
  } finally {
    if (receiver.exitCode === null) receiver.kill();
    if (journalDir !== '') fs.rmSync(journalDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  process.stderr.write(`recording a seeded sim day of ${EVENTS.toLocaleString('en-US')} engine events (seed ${SEED})...\n`);
  const day = recordDay(EVENTS);
  const runs: Run[] = [];
  for (let r = 0; r < RUNS; r++) {
    const run = publishOnce(day.view, day.count);
    runs.push(run);
    process.stderr.write(`run ${r + 1}/${RUNS}: ${Math.round(day.count / run.seconds).toLocaleString('en-US')} events/s\n`);
  }
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  const best = sorted[0];
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  const result = {
    bench: 'publisher',
    part: 'a: engine events to packets, no sockets, one core',
    events: day.count,
    orders: day.orders,
    messages: best.messages,
    packets: best.packets,
    eventsPerSec: Math.round(day.count / best.seconds),
    messagesPerSec: Math.round(best.messages / best.seconds),
    packetsPerSec: Math.round(best.packets / best.seconds),
    bytesPerSec: Math.round(best.bytes / best.seconds),
    medianEventsPerSec: Math.round(day.count / median.seconds),
    floorEventsPerSec: 1_000_000,
    runs: RUNS,
    faults: best.faults,
    integrityErrors: best.integrityErrors,
    restingOrders: best.restingOrders,
  };
  let ownThread: Record<string, number | string> | null = null;
  if (THREADS.includes('own')) {
    const own = await publishAcrossThreads(day.view, day.count, RUNS);
    process.stderr.write(`own thread: best ${own.best.toLocaleString('en-US')} events/s, median ${own.median.toLocaleString('en-US')}\n`);
    ownThread = {
      part: 'a, publisher on its own thread: engine events through the SharedArrayBuffer ring to a worker, to packets',
      eventsPerSec: own.best,
      medianEventsPerSec: own.median,
      messages: own.messages,
      packets: own.packets,
      ratioToEngineThread: Math.round((own.best / result.eventsPerSec) * 1000) / 1000,
    };
  }
  const liveFigures: LiveFigures[] = [];
  if (LIVE_SECONDS > 0) for (const thread of THREADS) liveFigures.push(await live(thread));
  console.log(JSON.stringify({ ...result, ownThread, live: liveFigures, seed: SEED, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version }));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:publisher failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
