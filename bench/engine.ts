// bench/engine.ts: one seeded workload (100 symbols, the default mix) through our
// matching engine and through the npm package nodejs-order-book (one book per symbol),
// in one process, one after the other. Orders are generated before any clock starts.
// The last line printed is one JSON object of figures: rates are the median of RUNS
// runs (the best run beside it: this machine's speed varies run to run by up to 2x).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { loadConfig } from '../config';
import { EngineEventRing, EngineEventRingReader, EngineEventRingWriter } from '../protocol';
import {
  COMMAND_SIZE,
  CommandBuffer,
  CommandType,
  JournalWriter,
  MatchingEngine,
  OrderFlowGenerator,
  OrderType,
  Prng,
  Sequencer,
} from '../sim';

// Module-local copies of imported constants: CommonJS re-exports are getters, and the
// timed loops must not pay for them.
const CMD_SIZE = COMMAND_SIZE;

const SEED = Number(process.env.BENCH_SEED ?? 20261122);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 2_000_000);
const PEER_ORDERS = Number(process.env.BENCH_PEER_ORDERS ?? ORDERS);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BATCH = 256;
const SYMBOLS = 100;

const config = loadConfig({ flags: { 'sim.seed': SEED, 'sim.symbols': SYMBOLS, 'sim.ordersPerSec': 0 } });
const engineOptions = {
  symbols: SYMBOLS,
  orderCapacity: config.engine.orderCapacity,
  levelCapacity: config.engine.levelCapacity,
  maxOrderShares: config.engine.maxOrderShares,
  tickSize: config.engine.tickSize,
};

/** An engine whose events go to a ring that a stand-in consumer empties in place. */
function freshEngine(): { engine: MatchingEngine; release: () => void } {
  const ring = EngineEventRing.create(Number(process.env.BENCH_RING ?? 1 << 12));
  const reader = new EngineEventRingReader(ring);
  const release = (): void => reader.advance(reader.available());
  const writer = new EngineEventRingWriter(ring, { onRingFull: release });
  return { engine: new MatchingEngine(engineOptions, writer), release };
}

// ---- the workload ------------------------------------------------------------------
// Generated against a shadow engine (the generator cancels orders that rest), sequenced
// and stamped; every engine below replays exactly these commands.
function generateWorkload(): { cmds: CommandBuffer; count: number; peerSize: Float64Array } {
  const total = ORDERS + 2 + SYMBOLS + 1;
  const cmds = new CommandBuffer(total);
  const peerSize = new Float64Array(total); // partial cancels: the size left, for the peer's modify()
  const { engine, release } = freshEngine();
  const generator = OrderFlowGenerator.fromConfig(config, engine);
  let n = 0;
  for (const c of generator.openingCommands()) {
    cmds.write(n * COMMAND_SIZE, c.type, 0, 0, c.code, c.locate, 0, 0, 0);
    cmds.stamp(n * COMMAND_SIZE, n + 1, 34_200e9);
    engine.apply(cmds, n * COMMAND_SIZE);
    n++;
  }
  while (n < total) {
    const m = Math.min(BATCH, total - n);
    for (let i = 0; i < m; i++) {
      const base = (n + i) * COMMAND_SIZE;
      generator.next(cmds, n + i, n + i + 1);
      cmds.stamp(base, n + i + 1, cmds.timestampNs(base));
    }
    for (let i = 0; i < m; i++) {
      const base = (n + i) * COMMAND_SIZE;
      engine.apply(cmds, base);
      if (cmds.type(base) === CommandType.Cancel && cmds.shares(base) > 0) {
        const o = engine.order(cmds.orderRef(base));
        peerSize[n + i] = o === null ? 0 : o.shares;
      }
    }
    engine.publish();
    release();
    n += m;
  }
  return { cmds, count: n, peerSize };
}

function runEngine(cmds: CommandBuffer, count: number): { seconds: number; engine: MatchingEngine } {
  const { engine, release } = freshEngine();
  const started = performance.now();
  for (let first = 0; first < count; first += BATCH) {
    const end = Math.min(count, first + BATCH);
    for (let i = first; i < end; i++) engine.apply(cmds, i * CMD_SIZE);
    engine.publish();
    release();
  }
  return { seconds: (performance.now() - started) / 1000, engine };
}

function runWithJournal(cmds: CommandBuffer, count: number): number {
  const { engine, release } = freshEngine();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-bench-'));
  const journal = new JournalWriter(path.join(dir, 'bench.journal'), { ...config.journal, flush: 'batch', fsync: false });
  const sequencer = new Sequencer(engine, null, journal);
  const started = performance.now();
  for (let first = 0; first < count; first += BATCH) {
    sequencer.submitBatch(cmds, first, Math.min(BATCH, count - first));
    release();
  }
  journal.close();
  const seconds = (performance.now() - started) / 1000;
  fs.rmSync(dir, { recursive: true, force: true });
  return seconds;
}

function latency(cmds: CommandBuffer, count: number): { p50: number; p99: number; p999: number } {
  const { engine, release } = freshEngine();
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 1e9, numberOfSignificantValueDigits: 3 });
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    engine.apply(cmds, i * CMD_SIZE);
    const t1 = performance.now();
    histogram.recordValue(Math.max(1, Math.round((t1 - t0) * 1e6)));
    if ((i & 255) === 255) {
      engine.publish();
      release();
    }
  }
  return { p50: histogram.getValueAtPercentile(50), p99: histogram.getValueAtPercentile(99), p999: histogram.getValueAtPercentile(99.9) };
}

// ---- the peer: nodejs-order-book ------------------------------------------------------
interface PeerOrderBook {
  limit(o: { side: 'buy' | 'sell'; id: string; size: number; price: number; timeInForce?: 'GTC' | 'IOC' }): unknown;
  market(o: { side: 'buy' | 'sell'; size: number }): unknown;
  modify(id: string, update: { size: number }): unknown;
  cancel(id: string): unknown;
}
// Its package.json points "types" at a file that does not exist, so it is typed here.
const { OrderBook } = require('nodejs-order-book') as { OrderBook: new () => PeerOrderBook };

interface PeerOp {
  kind: number; // 0 limit, 1 market, 2 cancel, 3 modify size, 4 replace (cancel + limit), 5 skip
  book: number;
  args: { side: 'buy' | 'sell'; id: string; size: number; price: number; timeInForce?: 'GTC' | 'IOC' } | { side: 'buy' | 'sell'; size: number } | null;
  id: string;
  size: number;
}

/** Translates the workload into the peer's calls before its clock starts (ids, option objects). */
function peerOps(cmds: CommandBuffer, count: number, peerSize: Float64Array): PeerOp[] {
  const ops: PeerOp[] = [];
  const locateOf = new Map<number, number>();
  const sideOf = new Map<number, 'buy' | 'sell'>();
  for (let i = 0; i < count; i++) {
    const b = i * COMMAND_SIZE;
    const t = cmds.type(b);
    const seq = cmds.inboundSeq(b);
    if (t === CommandType.NewOrder) {
      const side = cmds.side(b) === 0x42 ? 'buy' : 'sell';
      const book = cmds.locate(b);
      locateOf.set(seq, book);
      sideOf.set(seq, side);
      if (cmds.orderType(b) === OrderType.Market) ops.push({ kind: 1, book, args: { side, size: cmds.shares(b) }, id: '', size: 0 });
      else {
        const tif = cmds.orderType(b) === OrderType.ImmediateOrCancel ? 'IOC' : 'GTC';
        ops.push({ kind: 0, book, args: { side, id: String(seq), size: cmds.shares(b), price: cmds.price(b), timeInForce: tif }, id: '', size: 0 });
      }
    } else if (t === CommandType.Cancel) {
      const ref = cmds.orderRef(b);
      const book = locateOf.get(ref) ?? 1;
      if (peerSize[i] > 0) ops.push({ kind: 3, book, args: null, id: String(ref), size: peerSize[i] });
      else ops.push({ kind: 2, book, args: null, id: String(ref), size: 0 });
    } else if (t === CommandType.Replace) {
      const ref = cmds.orderRef(b);
      const book = locateOf.get(ref) ?? 1;
      const side = sideOf.get(ref) ?? 'buy';
      locateOf.set(seq, book);
      sideOf.set(seq, side);
      ops.push({ kind: 4, book, args: { side, id: String(seq), size: cmds.shares(b), price: cmds.price(b), timeInForce: 'GTC' }, id: String(ref), size: 0 });
    } else {
      ops.push({ kind: 5, book: 0, args: null, id: '', size: 0 });
    }
  }
  return ops;
}

function runPeer(ops: PeerOp[]): number {
  const books: PeerOrderBook[] = [];
  for (let i = 0; i <= SYMBOLS; i++) books.push(new OrderBook());
  const started = performance.now();
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const book = books[op.book];
    switch (op.kind) {
      case 0:
        book.limit(op.args as Parameters<PeerOrderBook['limit']>[0]);
        break;
      case 1:
        book.market(op.args as Parameters<PeerOrderBook['market']>[0]);
        break;
      case 2:
        book.cancel(op.id);
        break;
      case 3:
        book.modify(op.id, { size: op.size });
        break;
      case 4:
        book.cancel(op.id);
        book.limit(op.args as Parameters<PeerOrderBook['limit']>[0]);
        break;
    }
  }
  return (performance.now() - started) / 1000;
}

// ---- cancel at a small and a large level -----------------------------------------------
// K orders rest at one price; each step cancels a random one of them and adds a new one
// at the tail, so the level keeps K orders. O(1) cancel means the rate does not fall with K.
function cancelRate(k: number, steps: number): number {
  const { engine, release } = freshEngine();
  const cmds = new CommandBuffer(1);
  let seq = 0;
  const live = new Float64Array(k);
  const add = (): number => {
    cmds.write(0, CommandType.NewOrder, 0x42, OrderType.Limit, 0, 1, 100, 1_000_000, 0);
    cmds.stamp(0, ++seq, 0);
    engine.apply(cmds, 0);
    return seq;
  };
  for (let i = 0; i < k; i++) live[i] = add();
  const rng = new Prng(SEED ^ k);
  const picks = new Int32Array(steps);
  for (let i = 0; i < steps; i++) picks[i] = rng.nextInt(k);
  release();
  const started = performance.now();
  for (let i = 0; i < steps; i++) {
    const j = picks[i];
    cmds.write(0, CommandType.Cancel, 0, 0, 0, 0, 0, 0, live[j]);
    cmds.stamp(0, ++seq, 0);
    engine.apply(cmds, 0);
    live[j] = add();
    if ((i & 255) === 255) {
      engine.publish();
      release();
    }
  }
  const seconds = (performance.now() - started) / 1000;
  if (engine.ordersAt(1, 'B', 1_000_000).length !== k) throw new Error('cancel benchmark lost orders');
  return steps / seconds;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function main(): void {
  process.stderr.write(`bench:engine seed ${SEED}, ${ORDERS.toLocaleString('en-US')} orders, ${SYMBOLS} symbols\n`);
  const { cmds, count, peerSize } = generateWorkload();

  const rates: number[] = [];
  let digest = '';
  for (let r = 0; r < RUNS; r++) {
    const { seconds, engine } = runEngine(cmds, count);
    rates.push(count / seconds);
    const d = engine.stateDigest();
    if (digest !== '' && d !== digest) throw new Error('engine runs disagree: not deterministic');
    digest = d;
  }
  const journalRates: number[] = [];
  for (let r = 0; r < Math.max(1, Math.floor(RUNS / 2)); r++) journalRates.push(count / runWithJournal(cmds, count));
  const lat = latency(cmds, count);
  // Small and large levels alternate, so a change in the machine's speed hits both alike.
  const smallRates: number[] = [];
  const largeRates: number[] = [];
  for (let r = 0; r < 5; r++) {
    smallRates.push(cancelRate(10, 500_000));
    largeRates.push(cancelRate(10_000, 500_000));
  }
  const small = median(smallRates);
  const large = median(largeRates);

  const peerCount = Math.min(count, PEER_ORDERS);
  const ops = peerOps(cmds, peerCount, peerSize);
  process.stderr.write(`peer: nodejs-order-book on ${peerCount.toLocaleString('en-US')} commands\n`);
  const peerRate = peerCount / runPeer(ops);

  const ordersPerSec = median(rates);
  const figures = {
    bench: 'engine',
    seed: SEED,
    orders: count,
    symbols: SYMBOLS,
    ordersPerSec: Math.round(ordersPerSec),
    ordersPerSecBest: Math.round(Math.max(...rates)),
    ordersPerSecWithJournal: Math.round(median(journalRates)),
    ordersPerSecWithJournalBest: Math.round(Math.max(...journalRates)),
    runs: RUNS,
    peer: 'nodejs-order-book@' + (require('nodejs-order-book/package.json') as { version: string }).version,
    peerOrders: peerCount,
    peerOrdersPerSec: Math.round(peerRate),
    ratio: Number((ordersPerSec / peerRate).toFixed(1)),
    cancelPerSecSmallLevel: Math.round(small),
    cancelPerSecLargeLevel: Math.round(large),
    cancelLargeOverSmall: Number((large / small).toFixed(3)),
    p50Ns: lat.p50,
    p99Ns: lat.p99,
    p999Ns: lat.p999,
    cpu: os.cpus()[0].model,
    node: process.version,
  };
  process.stdout.write(JSON.stringify(figures) + '\n');
}

main();
