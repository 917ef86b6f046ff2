// Publisher benchmark, part (a) of issue 4: the publishing pipeline without sockets, engine
// events to MoldUDP64 packets (ITCH encode, message store, packetizer, the publisher's own
// books and candles), on one core.
//   1. untimed: a seeded sim day (opening, TW_BENCH_EVENTS engine events of the default
//      order flow over 100 symbols, closing) recorded into one big buffer of 64-byte records;
//   2. timed, TW_BENCH_RUNS times: a fresh FeedPublisher over every recorded event, packets
//      to a sink that counts them (what a socket send would be handed).
// Prints one JSON line last (STYLE.md, Benchmarks): the best run's rates and the median.
// Floor (issue 4): 1,000,000 events/s. Part (b), live onto both lines with sockets at
// 215,000 orders/s, belongs to the socket session.

import * as os from 'node:os';
import { configSchema } from '../config';
import { ENGINE_EVENT_SIZE, EngineEventRingReader, EngineEventView, type EngineEventHandler } from '../protocol';
import { COMMAND_SIZE, CommandBuffer, ExchangeCore, OrderFlowGenerator } from '../sim';
import { FeedPublisher, feedPublisherOptions, type PacketSink } from '../publisher';

const EVENTS = Number(process.env.TW_BENCH_EVENTS ?? 3_000_000);
const RUNS = Number(process.env.TW_BENCH_RUNS ?? 3);
const SEED = Number(process.env.TW_SEED ?? 1);
const SESSION_DATE = '2024-03-08';

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
  let reader: EngineEventRingReader | null = null;
  const core = new ExchangeCore({
    symbols: config.sim.symbols,
    engine: config.engine,
    journal: { ...config.journal, path: '' },
    clock: null,
    ringFullPolicy: { onRingFull: () => reader?.drain(recorder) },
  });
  reader = new EngineEventRingReader(core.ring);
  core.start();
  const sequencer = core.sequencer as NonNullable<typeof core.sequencer>;
  const generator = OrderFlowGenerator.fromConfig(config, core.engine);
  const batch = config.sim.batchSize;
  const cmds = new CommandBuffer(Math.max(batch, 256));
  const session = (list: Array<{ type: number; code: number; locate: number }>, timeNs: number): void => {
    list.forEach((c, i) => {
      cmds.write(i * COMMAND_SIZE, c.type, 0, 0, c.code, c.locate, 0, 0, 0);
      cmds.stamp(i * COMMAND_SIZE, 0, timeNs);
    });
    sequencer.submitBatch(cmds, 0, list.length);
  };
  session(generator.openingCommands(), 34_200_000_000_000);
  let orders = 0;
  while (recorder.count < target) {
    const firstSeq = sequencer.nextSeq;
    for (let i = 0; i < batch; i++) generator.next(cmds, i, firstSeq + i);
    sequencer.submitBatch(cmds, 0, batch);
    orders += batch;
    reader.drain(recorder);
  }
  session(generator.closingCommands(), generator.timeNs);
  core.close();
  reader.drain(recorder);
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

function main(): void {
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
    seed: SEED,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
  };
  console.log(JSON.stringify(result));
}

main();
