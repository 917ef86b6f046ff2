// Protocol benchmark: ITCH 5.0 encode, decode, and decode-plus-book rates over a
// realistic 10-million-message stream made by the sim (sim/: seeded order-flow generator
// into the matching engine, 100 symbols, default order mix). Phases:
//   1. untimed: run the sim and keep its engine event records (64 bytes each);
//   2. encode: engine event records -> ITCH messages with u16 length prefixes (the
//      MoldUDP64 block framing), as the publisher does;
//   3. decode: walk the stream, decoding every message into the reused ItchMessage;
//   4. decode + book: the same, applied to MarketBooks with candles (feed handler path).
// Prints one JSON line (STYLE.md, Benchmarks). Floors (issue 3, one core): 10M msgs/s
// encode, 15M decode, 3M decode + book.

import * as os from 'node:os';
import { configSchema } from '../config';
import * as protocol from '../protocol';
import {
  EngineEventRingReader,
  EngineEventView,
  encodeStockDirectory,
  ItchMessage,
  type EngineEventHandler,
} from '../protocol';
import { MarketBooks } from '../book';
import { COMMAND_SIZE, CommandBuffer, ExchangeCore, OrderFlowGenerator, symbolUniverse } from '../sim';

// Module-local bindings: CommonJS re-exports through protocol/index are getters, which
// would put a getter call on every message (the publisher and feed handler do the same).
const decodeItch = protocol.decodeItch;
const encodeAddOrder = protocol.encodeAddOrder;
const encodeOrderCancel = protocol.encodeOrderCancel;
const encodeOrderDelete = protocol.encodeOrderDelete;
const encodeOrderExecuted = protocol.encodeOrderExecuted;
const encodeOrderReplace = protocol.encodeOrderReplace;
const encodeStockTradingAction = protocol.encodeStockTradingAction;
const encodeSystemEvent = protocol.encodeSystemEvent;
const writeU16 = protocol.writeU16;
const ENGINE_EVENT_SIZE = protocol.ENGINE_EVENT_SIZE;

const MESSAGES = Number(process.env.TW_BENCH_MESSAGES ?? 10_000_000);
const SEED = Number(process.env.TW_SEED ?? 1);
const SESSION_DATE = '2024-03-08';

/** Copies engine event records out of the ring into one big buffer (8 float64 words each). */
class EventCollector implements EngineEventHandler {
  readonly words: Float64Array;
  count = 0;
  constructor(capacity: number) {
    this.words = new Float64Array(capacity * (ENGINE_EVENT_SIZE / 8));
  }
  onEngineEvent(view: EngineEventView, base: number): void {
    if (this.count * 8 >= this.words.length) return;
    const src = view.f64;
    const from = base >> 3;
    const to = this.count * 8;
    for (let k = 0; k < 8; k++) this.words[to + k] = src[from + k];
    this.count++;
  }
}

function generate(target: number): { events: EngineEventView; count: number; symbols: string[]; orders: number } {
  const config = configSchema.parse({ sim: { seed: SEED } });
  const symbols = symbolUniverse(100);
  const collector = new EventCollector(target);
  let reader: EngineEventRingReader | null = null;
  const core = new ExchangeCore({
    symbols: symbols.length,
    engine: config.engine,
    journal: { ...config.journal, path: '' },
    clock: null,
    ringFullPolicy: { onRingFull: () => reader?.drain(collector) },
  });
  reader = new EngineEventRingReader(core.ring);
  core.start();
  const sequencer = core.sequencer as NonNullable<typeof core.sequencer>;
  const generator = new OrderFlowGenerator(
    {
      seed: SEED,
      symbols,
      mix: config.sim.mix,
      ordersPerSec: config.sim.ordersPerSec,
      intradayPeakRatio: config.sim.intradayPeakRatio,
      tickSize: config.engine.tickSize,
      restingPerSymbol: config.sim.restingPerSymbol,
    },
    core.engine,
  );
  const batch = 256;
  const cmds = new CommandBuffer(batch);
  const opening = generator.openingCommands();
  opening.forEach((c, i) => {
    cmds.write(i * COMMAND_SIZE, c.type, 0, 0, c.code, c.locate, 0, 0, 0);
    cmds.stamp(i * COMMAND_SIZE, 0, 34_200_000_000_000);
  });
  sequencer.submitBatch(cmds, 0, opening.length);
  let orders = 0;
  while (collector.count < target) {
    const firstSeq = sequencer.nextSeq;
    for (let i = 0; i < batch; i++) generator.next(cmds, i, firstSeq + i);
    sequencer.submitBatch(cmds, 0, batch);
    orders += batch;
    reader.drain(collector);
  }
  core.close();
  reader.drain(collector);
  return { events: new EngineEventView(collector.words.buffer), count: collector.count, symbols: symbols.map((s) => s.ticker), orders };
}

/** The publisher's encode step: engine events to length-prefixed ITCH messages. Returns bytes written. */
function encodeAll(ev: EngineEventView, count: number, stocks: string[], out: Uint8Array): number {
  let o = 0;
  for (let i = 0; i < count; i++) {
    const base = i * ENGINE_EVENT_SIZE;
    const at = o + 2;
    const locate = ev.locate(base);
    const ts = ev.timestampNs(base);
    let end: number;
    switch (ev.type(base)) {
      case 0x41: // EngineEventType.OrderAdded
        end = encodeAddOrder(out, at, locate, 0, ts, ev.orderRef(base), ev.side(base), ev.shares(base), stocks[locate], ev.price(base));
        break;
      case 0x45: // EngineEventType.OrderExecuted
        end = encodeOrderExecuted(out, at, locate, 0, ts, ev.orderRef(base), ev.shares(base), ev.matchNumber(base));
        break;
      case 0x58: // EngineEventType.OrderCancelled
        end = encodeOrderCancel(out, at, locate, 0, ts, ev.orderRef(base), ev.shares(base));
        break;
      case 0x44: // EngineEventType.OrderDeleted
        end = encodeOrderDelete(out, at, locate, 0, ts, ev.orderRef(base));
        break;
      case 0x55: // EngineEventType.OrderReplaced
        end = encodeOrderReplace(out, at, locate, 0, ts, ev.orderRef(base), ev.ref2(base), ev.shares(base), ev.price(base));
        break;
      case 0x48: // EngineEventType.TradingState
        end = encodeStockTradingAction(out, at, locate, 0, ts, stocks[locate], ev.code(base), '');
        break;
      default:
        end = encodeSystemEvent(out, at, 0, ts, ev.code(base));
    }
    writeU16(out, o, end - at);
    o = end;
  }
  return o;
}

function decodeAll(b: Uint8Array, end: number, m: ItchMessage): number {
  let acc = 0;
  let p = 0;
  while (p < end) {
    const len = (b[p] << 8) | b[p + 1];
    if (decodeItch(b, p + 2, len, m) === 0) acc += m.shares;
    p += 2 + len;
  }
  return acc;
}

function decodeBookAll(b: Uint8Array, end: number, books: MarketBooks, limit: number): number {
  let p = 0;
  let seq = 0;
  while (p < end && seq < limit) {
    const len = (b[p] << 8) | b[p + 1];
    books.decodeAndApply(b, p + 2, len, ++seq);
    p += 2 + len;
  }
  return seq;
}

function seconds(start: [number, number]): number {
  const [s, ns] = process.hrtime(start);
  return s + ns / 1e9;
}

function main(): void {
  const log = (text: string) => process.stderr.write(text + '\n');
  log(`generating ${MESSAGES.toLocaleString('en-US')} engine events with the sim (seed ${SEED})...`);
  let t = process.hrtime();
  const directoryCount = 100;
  const gen = generate(MESSAGES - directoryCount);
  log(`  ${gen.orders.toLocaleString('en-US')} orders -> ${gen.count.toLocaleString('en-US')} events in ${seconds(t).toFixed(1)} s`);
  const stocks = ['', ...gen.symbols];

  // Stock Directory first, as a day's feed starts; not timed.
  const out = new Uint8Array((gen.count + directoryCount) * 38 + 1024);
  let head = 0;
  for (let locate = 1; locate <= directoryCount; locate++) {
    const end = encodeStockDirectory(out, head + 2, locate, 0, 0, stocks[locate], {
      marketCategory: 0x51, financialStatus: 0x4e, roundLotSize: 100, roundLotsOnly: 0x4e, issueClassification: 0x43,
      issueSubType: 'Z', authenticity: 0x50, shortSaleThreshold: 0x4e, ipoFlag: 0x4e, luldTier: 0x31, etpFlag: 0x4e,
      etpLeverage: 0, inverse: 0x4e,
    });
    writeU16(out, head, end - head - 2);
    head = end;
  }
  const total = gen.count + directoryCount;
  const body = out.subarray(head);

  // Encode: best of two passes (the first also warms the JIT).
  let encodeSec = Infinity;
  let bytes = 0;
  for (let pass = 0; pass < 2; pass++) {
    t = process.hrtime();
    bytes = encodeAll(gen.events, gen.count, stocks, body);
    encodeSec = Math.min(encodeSec, seconds(t));
  }
  const streamEnd = head + bytes;
  log(`  encode: ${(gen.count / encodeSec / 1e6).toFixed(2)}M msgs/s (${(streamEnd / 1e6).toFixed(0)} MB)`);

  // Decode: best of three passes.
  const m = new ItchMessage();
  let decodeSec = Infinity;
  let check = 0;
  for (let pass = 0; pass < 3; pass++) {
    t = process.hrtime();
    check = decodeAll(out, streamEnd, m);
    decodeSec = Math.min(decodeSec, seconds(t));
  }
  log(`  decode: ${(total / decodeSec / 1e6).toFixed(2)}M msgs/s`);

  // Decode + book: warm up on the first million messages with throwaway books, then one timed pass.
  decodeBookAll(out, streamEnd, new MarketBooks({ sessionDate: SESSION_DATE }), 1_000_000);
  const books = new MarketBooks({ sessionDate: SESSION_DATE, orderCapacity: 1 << 20, levelCapacity: 1 << 15 });
  t = process.hrtime();
  const applied = decodeBookAll(out, streamEnd, books, Infinity);
  const bookSec = seconds(t);
  log(`  decode + book: ${(applied / bookSec / 1e6).toFixed(2)}M msgs/s; ${books.orphans} orphans, ${books.integrity.total} integrity errors`);

  const figures = {
    bench: 'protocol',
    messages: total,
    streamBytes: streamEnd,
    encodeMsgsPerSec: Math.round(gen.count / encodeSec),
    decodeMsgsPerSec: Math.round(total / decodeSec),
    decodeBookMsgsPerSec: Math.round(applied / bookSec),
    orphans: books.orphans,
    integrityErrors: books.integrity.total,
    restingOrders: books.liveOrders,
    checkShares: check,
    seed: SEED,
    source: 'sim (OrderFlowGenerator + MatchingEngine, 100 symbols)',
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
  };
  process.stdout.write(JSON.stringify(figures) + '\n');
}

main();
