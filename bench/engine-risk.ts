// bench/engine-risk.ts: what the order manager, risk checks and wallet cost the engine.
// One seeded generated flow (100 symbols, the default mix), made once before any clock
// starts, is run through a fresh trading core (order manager + engine) two ways: as the
// house's (account 0: no risk, no wallet, straight to the book) and handed to 100 funded
// client accounts (ClientFlow: every order risk-checked, reserved, settled, its cancels
// and replaces by order id through the order manager). Both carry the same prefix of
// account settings and deposits, so sequence numbers (order refs) are the same. Orders
// that trade with each other in the house's run go to different accounts, so no client
// order stops at its own (self-match prevention) and both runs make the same trades: the
// same book work, checked (`sameTrades`). The two run in alternating slices, one process,
// and the ratio is the median of each adjacent pair's: drift on a shared machine cancels out.
// The last line printed is one JSON object of figures.
import * as os from 'node:os';
import { loadConfig } from '../config';
import { EngineEventRing, EngineEventRingReader, EngineEventRingWriter, type EngineEventHandler, type EngineEventView, EngineEventType } from '../protocol';
import {
  ClientFlow,
  COMMAND_SIZE,
  CommandBuffer,
  MatchingEngine,
  OrderFlowGenerator,
  riskLimitsOf,
  TradingCore,
  TransferCode,
} from '../sim';
import { median } from './stats';

const CMD_SIZE = COMMAND_SIZE;
const SEED = Number(process.env.BENCH_SEED ?? 20261207);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 100);
const BATCH = 256;
const SYMBOLS = 100;
const P = 10_000;

const config = loadConfig({ flags: { 'sim.seed': SEED, 'sim.symbols': SYMBOLS, 'sim.ordersPerSec': 0 } });

/** A trading core whose events are dropped as they come (or handed to `handler`). */
function freshCore(handler: EngineEventHandler | null = null): { trading: TradingCore; release: () => void } {
  const ring = EngineEventRing.create(1 << 12);
  const reader = new EngineEventRingReader(ring);
  const release = (): void => {
    if (handler === null) reader.advance(reader.available());
    else reader.drain(handler);
  };
  const writer = new EngineEventRingWriter(ring, { onRingFull: release });
  const engine = new MatchingEngine(
    {
      symbols: SYMBOLS,
      orderCapacity: config.engine.orderCapacity,
      levelCapacity: config.engine.levelCapacity,
      maxOrderShares: config.engine.maxOrderShares,
      tickSize: config.engine.tickSize,
    },
    writer,
  );
  return { trading: new TradingCore(engine, { tickSize: config.engine.tickSize, maxOrderShares: config.engine.maxOrderShares }), release };
}

/** Opening commands, then every account's settings and deposits: the same prefix for both runs. */
function prefix(cmds: CommandBuffer): number {
  let n = 0;
  const stamp = (): void => {
    cmds.stamp(n * CMD_SIZE, n + 1, 34_200e9);
    n++;
  };
  const generator = OrderFlowGenerator.fromConfig(config, freshCore().trading.engine);
  for (const c of generator.openingCommands()) {
    cmds.write(n * CMD_SIZE, c.type, 0, 0, c.code, c.locate, 0, 0, 0);
    stamp();
  }
  const limits = riskLimitsOf(config.orderEntry.riskClasses[1]);
  for (let a = 1; a <= ACCOUNTS; a++) {
    cmds.writeSettings(n * CMD_SIZE, a, 1, false, false, limits);
    stamp();
    cmds.writeTransfer(n * CMD_SIZE, TransferCode.Deposit, a, 0, 1e8 * P);
    stamp();
    for (let l = 1; l <= SYMBOLS; l++) {
      cmds.writeTransfer(n * CMD_SIZE, TransferCode.Deposit, a, l, 10_000_000);
      stamp();
    }
  }
  return n;
}

/** Every execution's (resting ref, incoming ref). */
class TradeLog implements EngineEventHandler {
  refs = new Float64Array(1 << 16);
  count = 0;

  onEngineEvent(view: EngineEventView, base: number): void {
    if (view.type(base) !== EngineEventType.OrderExecuted) return;
    if (this.count * 2 === this.refs.length) {
      const refs = new Float64Array(this.refs.length * 2);
      refs.set(this.refs);
      this.refs = refs;
    }
    this.refs[this.count * 2] = view.orderRef(base);
    this.refs[this.count * 2 + 1] = view.ref2(base);
    this.count++;
  }
}

/** The house's flow (generated against a shadow core) and the same flow handed to client accounts. */
function workloads(): { house: CommandBuffer; clients: CommandBuffer; first: number; count: number } {
  const total = 2 + SYMBOLS + 1 + ACCOUNTS * (2 + SYMBOLS) + ORDERS;
  const house = new CommandBuffer(total);
  const first = prefix(house);
  const trades = new TradeLog();
  const { trading, release } = freshCore(trades);
  for (let i = 0; i < first; i++) trading.apply(house, i * CMD_SIZE);
  const generator = OrderFlowGenerator.fromConfig(config, trading.engine);
  for (let n = first; n < total; ) {
    const m = Math.min(BATCH, total - n);
    for (let i = 0; i < m; i++) {
      generator.next(house, n + i, n + i + 1);
      house.stamp((n + i) * CMD_SIZE, n + i + 1, house.timestampNs((n + i) * CMD_SIZE));
    }
    for (let i = 0; i < m; i++) trading.apply(house, (n + i) * CMD_SIZE);
    trading.publish();
    release();
    n += m;
  }
  const clients = new CommandBuffer(total);
  clients.u8.set(house.u8);
  const flow = new ClientFlow(SEED, ACCOUNTS);
  flow.avoidSelfMatches(clients, first, total, trades.refs, trades.count);
  for (let i = first; i < total; i++) flow.assign(clients, i * CMD_SIZE, i + 1);
  return { house, clients, first, count: total };
}

function run(cmds: CommandBuffer, first: number, count: number): { seconds: number; trading: TradingCore } {
  const { trading, release } = freshCore();
  for (let i = 0; i < first; i++) trading.apply(cmds, i * CMD_SIZE);
  trading.publish();
  release();
  const started = performance.now();
  for (let b = first; b < count; b += BATCH) {
    const end = Math.min(count, b + BATCH);
    for (let i = b; i < end; i++) trading.apply(cmds, i * CMD_SIZE);
    trading.publish();
    release();
  }
  return { seconds: (performance.now() - started) / 1000, trading };
}


function main(): void {
  const { house, clients, first, count } = workloads();
  const orders = count - first;
  // Warm-up: one of each, not counted.
  run(house, first, count);
  run(clients, first, count);
  const houseRates: number[] = [];
  const clientRates: number[] = [];
  const ratios: number[] = [];
  let last: TradingCore | null = null;
  let lastHouse: TradingCore | null = null;
  for (let r = 0; r < RUNS; r++) {
    // Alternate which goes first, so neither always follows the other.
    const pair = r % 2 === 0 ? [false, true] : [true, false];
    const rate: Record<string, number> = {};
    for (const client of pair) {
      const { seconds, trading } = run(client ? clients : house, first, count);
      rate[client ? 'client' : 'house'] = orders / seconds;
      if (client) last = trading;
      else lastHouse = trading;
    }
    houseRates.push(rate.house);
    clientRates.push(rate.client);
    ratios.push(rate.client / rate.house);
    process.stderr.write(`run ${r + 1}/${RUNS}: house ${Math.round(rate.house).toLocaleString('en-US')}/s, clients ${Math.round(rate.client).toLocaleString('en-US')}/s\n`);
  }
  const t = last as TradingCore;
  const h = lastHouse as TradingCore;
  let rejects = 0;
  for (let i = 11; i < t.engine.rejects.length; i++) rejects += t.engine.rejects[i];
  const figures = {
    bench: 'engine-risk',
    seed: SEED,
    orders,
    accounts: ACCOUNTS,
    runs: RUNS,
    engineOrdersPerSecRiskWalletOverOff: Number(median(ratios).toFixed(3)),
    engineOrdersPerSecRiskWalletOn: Math.round(median(clientRates)),
    engineOrdersPerSecRiskWalletOff: Math.round(median(houseRates)),
    floor: 0.8,
    riskRejects: rejects,
    clientOrdersOpenAtEnd: t.orders.openOrders,
    executions: t.engine.executions,
    // Same book work: the same executions, shares and events in both runs.
    sameTrades: t.engine.executions === h.engine.executions && t.engine.sharesExecuted === h.engine.sharesExecuted && t.engine.events === h.engine.events,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
  };
  process.stdout.write(JSON.stringify(figures) + '\n');
}

main();
