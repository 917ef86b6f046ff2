// Seeded order flow that looks like a market: per-symbol mid prices as random walks,
// new limit orders near the touch, cancels of resting orders, marketable and market
// orders, replaces, and a U-shaped intraday intensity (busiest at the open and close).
//
// The generator keeps a dense list of refs it believes are resting and asks the engine
// (through OrderStatus) whether a picked one still is: dead refs are dropped when met,
// so picking an order to cancel stays O(1) amortised with no shadow book.

import type { OrderMix, TickwireConfig } from '../config';
import { Prng, Side } from '../protocol';
import { MARKET_CLOSE_NS, MARKET_OPEN_NS } from './clock';
import { COMMAND_SIZE, CommandBuffer, CommandType, OrderType } from './command';
import { symbolUniverse, type SymbolInfo } from './symbols';

// Module-local copies: CommonJS re-exports are getters, too slow per order.
const BUY = Side.Buy;
const SELL = Side.Sell;
const CMD_NEW = CommandType.NewOrder;
const CMD_CANCEL = CommandType.Cancel;
const CMD_REPLACE = CommandType.Replace;
const OT_LIMIT = OrderType.Limit;
const OT_IOC = OrderType.ImmediateOrCancel;
const OT_MARKET = OrderType.Market;

/** A system event or trading state command that opens or closes the day. */
export interface SessionCommand {
  type: number;
  code: number;
  locate: number;
}

/** What the generator needs to know of the engine. */
export interface OrderStatus {
  isLive(ref: number): boolean;
  /** Orders resting in every book now. */
  readonly restingOrders: number;
  /** Inbound sequence number of the last command applied: refs above it are not in the book yet. */
  readonly lastInboundSeq: number;
  /** Best prices (0 when a side is empty): passive orders stay behind the touch. */
  bestBid(locate: number): number;
  bestAsk(locate: number): number;
}

export interface OrderFlowOptions {
  seed: number;
  symbols: SymbolInfo[];
  mix: OrderMix;
  /** Average orders per second: spaces the simulated arrival times. */
  ordersPerSec: number;
  /** Open-and-close intensity over midday intensity. */
  intradayPeakRatio: number;
  /** Price increment in Price(4) units. */
  tickSize: number;
  /** Resting orders per symbol the flow hovers around (cancels rise above it). */
  restingPerSymbol: number;
}

export class OrderFlowGenerator {
  readonly seed: number;
  private readonly rng: Prng;
  private readonly status: OrderStatus;
  private readonly symbols: SymbolInfo[];
  private readonly tick: number;
  private readonly mid: Float64Array; // per locate, Price(4) units on the tick grid
  private readonly aliasProb: Float64Array;
  private readonly aliasIndex: Int32Array;
  private readonly cumLimit: number;
  private readonly cumCancel: number;
  private readonly cumMarketable: number;
  private readonly avgRate: number;
  private readonly peakRatio: number;
  // Cancel candidates: ref, symbol and side of orders believed to be resting.
  private live: Float64Array;
  private liveLocate: Uint16Array;
  private liveSide: Uint8Array;
  private liveCount = 0;
  private readonly restingTarget: number;
  /** Simulated arrival time of the last order, ns since midnight. */
  timeNs = MARKET_OPEN_NS;

  /** The generator a configuration describes (`sim.*`, with the engine's tick size). */
  static fromConfig(config: TickwireConfig, status: OrderStatus): OrderFlowGenerator {
    return new OrderFlowGenerator(
      {
        seed: config.sim.seed,
        symbols: symbolUniverse(config.sim.symbols),
        mix: config.sim.mix,
        ordersPerSec: config.sim.ordersPerSec,
        intradayPeakRatio: config.sim.intradayPeakRatio,
        tickSize: config.engine.tickSize,
        restingPerSymbol: config.sim.restingPerSymbol,
      },
      status,
    );
  }

  constructor(options: OrderFlowOptions, status: OrderStatus) {
    this.seed = options.seed;
    this.rng = new Prng(options.seed);
    this.status = status;
    this.symbols = options.symbols;
    this.tick = options.tickSize;
    this.mid = new Float64Array(options.symbols.length + 1);
    for (const s of options.symbols) this.mid[s.locate] = Math.max(this.tick, Math.round(s.referencePrice / this.tick) * this.tick);

    // Walker's alias table: O(1) weighted choice of the symbol.
    const n = options.symbols.length;
    const total = options.symbols.reduce((a, s) => a + s.weight, 0);
    this.aliasProb = new Float64Array(n);
    this.aliasIndex = new Int32Array(n);
    const scaled = options.symbols.map((s) => (s.weight * n) / total);
    const small: number[] = [];
    const large: number[] = [];
    scaled.forEach((p, i) => (p < 1 ? small : large).push(i));
    while (small.length > 0 && large.length > 0) {
      const s = small.pop() as number;
      const l = large.pop() as number;
      this.aliasProb[s] = scaled[s];
      this.aliasIndex[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1;
      (scaled[l] < 1 ? small : large).push(l);
    }
    for (const i of [...small, ...large]) {
      this.aliasProb[i] = 1;
      this.aliasIndex[i] = i;
    }

    const m = options.mix;
    const sum = m.limit + m.cancel + m.marketable + m.replace;
    this.cumLimit = m.limit / sum;
    this.cumCancel = (m.limit + m.cancel) / sum;
    this.cumMarketable = (m.limit + m.cancel + m.marketable) / sum;
    this.avgRate = options.ordersPerSec > 0 ? options.ordersPerSec : 43_000;
    this.peakRatio = options.intradayPeakRatio;
    this.restingTarget = options.restingPerSymbol * options.symbols.length;
    this.live = new Float64Array(1 << 16);
    this.liveLocate = new Uint16Array(1 << 16);
    this.liveSide = new Uint8Array(1 << 16);
  }

  /**
   * Intensity at a time of day relative to the day's average: a U shape, `peakRatio`
   * times higher at the open and close than at midday; the plain average outside
   * market hours (a live run at night trades at the configured rate).
   */
  intensity(timeNs: number): number {
    if (timeNs < MARKET_OPEN_NS || timeNs > MARKET_CLOSE_NS) return 1;
    const x = (timeNs - MARKET_OPEN_NS) / (MARKET_CLOSE_NS - MARKET_OPEN_NS);
    const u = (2 * x - 1) * (2 * x - 1);
    const shape = 1 + (this.peakRatio - 1) * u;
    return shape / (1 + (this.peakRatio - 1) / 3);
  }

  /**
   * Writes the next order at record `index` of `cmds`, stamped with its simulated
   * arrival time; `seq` is the inbound sequence number it will get (its ref).
   */
  next(cmds: CommandBuffer, index: number, seq: number): void {
    const base = index * COMMAND_SIZE;
    this.timeNs = Math.round(this.timeNs + 1e9 / (this.avgRate * this.intensity(this.timeNs)));
    this.compose(cmds, base, seq);
    cmds.stamp(base, 0, this.timeNs);
  }

  private compose(cmds: CommandBuffer, base: number, seq: number): void {
    const rng = this.rng;
    let roll = rng.next();
    // Depth control: above the resting target some new limit orders become cancels,
    // below it some cancels become new limit orders, so the books keep a steady depth
    // over a long day as real books do. At the target the configured mix holds.
    const gap = (this.status.restingOrders - this.restingTarget) / this.restingTarget;
    if (roll < this.cumLimit) {
      if (gap > 0 && rng.next() < gap) roll = this.cumLimit;
    } else if (roll < this.cumCancel) {
      if (gap < 0 && rng.next() < -gap) roll = 0;
    }
    if (roll >= this.cumLimit && roll < this.cumCancel) {
      if (this.cancel(cmds, base)) return;
    } else if (roll >= this.cumMarketable) {
      if (this.replace(cmds, base, seq)) return;
    }
    const locate = this.pickSymbol();
    const mid = this.walk(locate);
    const buy = rng.next() < 0.5;
    const side = buy ? BUY : SELL;
    const shares = this.pickShares();
    if (roll >= this.cumCancel && roll < this.cumMarketable) {
      // Marketable flow: a third market orders, the rest limits through the touch (some IOC).
      const kind = rng.next();
      if (kind < 1 / 3) {
        cmds.write(base, CMD_NEW, side, OT_MARKET, 0, locate, shares, 0, 0);
      } else {
        const through = (1 + rng.geometric(0.5)) * this.tick;
        const price = buy ? mid + through : Math.max(this.tick, mid - through);
        const type = kind < 2 / 3 ? OT_IOC : OT_LIMIT;
        cmds.write(base, CMD_NEW, side, type, 0, locate, shares, price, 0);
        if (type === OT_LIMIT) this.remember(seq, locate, side);
      }
      return;
    }
    // Passive limit near the touch: a geometric number of ticks away from the mid.
    const away = (1 + rng.geometric(0.35)) * this.tick;
    const price = this.passivePrice(locate, buy, mid, away);
    cmds.write(base, CMD_NEW, side, OT_LIMIT, 0, locate, shares, price, 0);
    this.remember(seq, locate, side);
  }

  /** A price `away` from the mid that does not cross the opposite touch. */
  private passivePrice(locate: number, buy: boolean, mid: number, away: number): number {
    if (buy) {
      const ask = this.status.bestAsk(locate);
      let price = mid - away;
      if (ask > 0 && price >= ask) price = ask - this.tick;
      return Math.max(this.tick, price);
    }
    const bid = this.status.bestBid(locate);
    let price = mid + away;
    if (bid > 0 && price <= bid) price = bid + this.tick;
    return price;
  }

  /** Start of day: system events and every symbol trading, as the exchange opens. */
  openingCommands(): SessionCommand[] {
    const out: SessionCommand[] = [
      { type: CommandType.SystemEvent, code: 0x4f, locate: 0 },
      { type: CommandType.SystemEvent, code: 0x53, locate: 0 },
    ];
    for (const s of this.symbols) out.push({ type: CommandType.TradingState, code: 0x54, locate: s.locate });
    out.push({ type: CommandType.SystemEvent, code: 0x51, locate: 0 });
    return out;
  }

  /** End of day: end of market hours, end of system hours, end of messages. */
  closingCommands(): SessionCommand[] {
    return [
      { type: CommandType.SystemEvent, code: 0x4d, locate: 0 },
      { type: CommandType.SystemEvent, code: 0x45, locate: 0 },
      { type: CommandType.SystemEvent, code: 0x43, locate: 0 },
    ];
  }

  /** Adds an order that may rest (also: orders found resting after a restart). */
  remember(ref: number, locate: number, side: number): void {
    if (this.liveCount === this.live.length) {
      const cap = this.live.length * 2;
      const refs = new Float64Array(cap);
      refs.set(this.live);
      this.live = refs;
      const locates = new Uint16Array(cap);
      locates.set(this.liveLocate);
      this.liveLocate = locates;
      const sides = new Uint8Array(cap);
      sides.set(this.liveSide);
      this.liveSide = sides;
    }
    this.live[this.liveCount] = ref;
    this.liveLocate[this.liveCount] = locate;
    this.liveSide[this.liveCount] = side;
    this.liveCount++;
  }

  private forget(i: number): void {
    const last = --this.liveCount;
    this.live[i] = this.live[last];
    this.liveLocate[i] = this.liveLocate[last];
    this.liveSide[i] = this.liveSide[last];
  }

  private pickLive(): number {
    // Orders generated in the batch being built are not in the engine yet.
    const applied = this.status.lastInboundSeq;
    for (let tries = 0; tries < 8 && this.liveCount > 0; tries++) {
      const i = this.rng.nextInt(this.liveCount);
      const ref = this.live[i];
      if (ref > applied) continue;
      if (this.status.isLive(ref)) return i;
      this.forget(i);
    }
    return -1;
  }

  private cancel(cmds: CommandBuffer, base: number): boolean {
    const i = this.pickLive();
    if (i < 0) return false;
    const ref = this.live[i];
    // One cancel in five is partial (half the original size, at most).
    const partial = this.rng.next() < 0.2 ? 1 + this.rng.nextInt(50) : 0;
    cmds.write(base, CMD_CANCEL, 0, 0, 0, 0, partial, 0, ref);
    if (partial === 0) this.forget(i);
    return true;
  }

  private replace(cmds: CommandBuffer, base: number, seq: number): boolean {
    const i = this.pickLive();
    if (i < 0) return false;
    const ref = this.live[i];
    const locate = this.liveLocate[i];
    const side = this.liveSide[i];
    // Re-price passively near the current mid, with a fresh size: loses priority.
    const away = (1 + this.rng.geometric(0.35)) * this.tick;
    const mid = this.mid[locate];
    const price = this.passivePrice(locate, side === BUY, mid, away);
    cmds.write(base, CMD_REPLACE, 0, 0, 0, locate, this.pickShares(), price, ref);
    this.live[i] = seq; // the new ref takes the old one's place
    return true;
  }

  private pickSymbol(): number {
    const n = this.symbols.length;
    const r = this.rng.next() * n;
    const i = Math.floor(r);
    return (r - i < this.aliasProb[i] ? i : this.aliasIndex[i]) + 1;
  }

  /** Moves a symbol's mid by a tick now and then; returns the new mid. */
  private walk(locate: number): number {
    const r = this.rng.next();
    let mid = this.mid[locate];
    if (r < 0.05) mid += this.tick;
    else if (r < 0.1 && mid > 2 * this.tick) mid -= this.tick;
    this.mid[locate] = mid;
    return mid;
  }

  private pickShares(): number {
    // Mostly round lots of 100, sometimes odd lots.
    if (this.rng.next() < 0.1) return 1 + this.rng.nextInt(99);
    return 100 * (1 + this.rng.geometric(0.4));
  }
}

