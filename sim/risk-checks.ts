// Risk checks: the limits a client order must pass before it reaches the book, per
// account, set by its journaled settings ('A' records carry the risk class's limits as
// they were then, so a replay never depends on today's configuration): kill switch, max
// shares and max notional per order, a price collar around the reference price, max open
// orders. The reference price is the symbol's last trade today, else the mid of the book,
// else the listing's reference price.
import type { RiskClassConfig } from '../config';
import { RejectReason } from './errors';
import type { MatchingEngine } from './matching-engine';

const OK: RejectReason = RejectReason.None;

/** A risk class's limits as an 'A' record carries them. */
export interface RiskLimits {
  maxOrderShares: number;
  maxOpenOrders: number;
  /** Price(4) units (dollars x 10,000). */
  maxOrderNotionalP4: number;
  /** Millionths (0.1 = 100,000). */
  priceCollarMicros: number;
}

/** The limits of a configured risk class, in the units an 'A' record carries. */
export function riskLimitsOf(riskClass: RiskClassConfig | undefined): RiskLimits {
  if (riskClass === undefined) return { maxOrderShares: 0, maxOpenOrders: 0, maxOrderNotionalP4: 0, priceCollarMicros: 0 };
  return {
    maxOrderShares: riskClass.maxOrderShares,
    maxOpenOrders: riskClass.maxOpenOrders,
    maxOrderNotionalP4: Math.round(riskClass.maxOrderNotional * 10_000),
    priceCollarMicros: Math.round(riskClass.priceCollar * 1e6),
  };
}

export class RiskChecks {
  private readonly engine: MatchingEngine;
  private readonly referencePrices: Int32Array;
  private readonly tick: number;
  // Per wallet slot.
  known = new Uint8Array(64);
  riskClass = new Uint8Array(64);
  allowShort = new Uint8Array(64);
  killSwitch = new Uint8Array(64);
  maxOrderShares = new Float64Array(64);
  maxOpenOrders = new Float64Array(64);
  maxNotional = new Float64Array(64);
  collar = new Float64Array(64);
  openOrders = new Int32Array(64);

  /** `referencePrices[locate]`: the listing's, Price(4). */
  constructor(engine: MatchingEngine, referencePrices: Int32Array, tickSize: number) {
    this.engine = engine;
    this.referencePrices = referencePrices;
    this.tick = tickSize;
  }

  /** Makes room for slot `slot` (slots are dense, from the wallet). */
  ensure(slot: number): void {
    if (slot < this.known.length) return;
    let cap = this.known.length;
    while (cap <= slot) cap *= 2;
    this.known = growU8(this.known, cap);
    this.riskClass = growU8(this.riskClass, cap);
    this.allowShort = growU8(this.allowShort, cap);
    this.killSwitch = growU8(this.killSwitch, cap);
    this.maxOrderShares = growF64(this.maxOrderShares, cap);
    this.maxOpenOrders = growF64(this.maxOpenOrders, cap);
    this.maxNotional = growF64(this.maxNotional, cap);
    this.collar = growF64(this.collar, cap);
    const open = new Int32Array(cap);
    open.set(this.openOrders);
    this.openOrders = open;
  }

  /** Applies an account's settings. Refuses a class whose limits are missing. */
  configure(slot: number, riskClass: number, allowShort: boolean, killSwitch: boolean, limits: RiskLimits): RejectReason {
    if (!(limits.maxOrderShares >= 1 && limits.maxOpenOrders >= 1 && limits.maxOrderNotionalP4 > 0 && limits.priceCollarMicros > 0)) {
      return RejectReason.UnknownRiskClass;
    }
    this.ensure(slot);
    this.known[slot] = 1;
    this.riskClass[slot] = riskClass;
    this.allowShort[slot] = allowShort ? 1 : 0;
    this.killSwitch[slot] = killSwitch ? 1 : 0;
    this.maxOrderShares[slot] = limits.maxOrderShares;
    this.maxOpenOrders[slot] = limits.maxOpenOrders;
    this.maxNotional[slot] = limits.maxOrderNotionalP4;
    this.collar[slot] = limits.priceCollarMicros / 1e6;
    return OK;
  }

  /** The reference price: last trade, else mid, else the listing's. */
  referencePrice(locate: number): number {
    const last = this.engine.lastTradePrice(locate);
    if (last > 0) return last;
    const bid = this.engine.bestBid(locate);
    const ask = this.engine.bestAsk(locate);
    if (bid > 0 && ask > 0) return (bid + ask) / 2;
    return this.referencePrices[locate];
  }

  /** The price a market order is entered at: the collar's edge on the tick grid. */
  marketLimit(slot: number, locate: number, buy: boolean): number {
    const ref = this.referencePrice(locate);
    const tick = this.tick;
    if (buy) return Math.max(tick, Math.floor((ref * (1 + this.collar[slot])) / tick) * tick);
    return Math.max(tick, Math.ceil((ref * (1 - this.collar[slot])) / tick) * tick);
  }

  /**
   * The per-order checks: kill switch, max shares, max notional, price collar (a limit
   * order's price), max open orders (orders that may rest). `price` is the limit (a
   * market order's collar limit); `collared` false skips the collar (market orders sit on it).
   */
  check(slot: number, locate: number, shares: number, price: number, collared: boolean, mayRest: boolean): RejectReason {
    if (this.killSwitch[slot] !== 0) return RejectReason.KillSwitch;
    if (shares > this.maxOrderShares[slot]) return RejectReason.MaxShares;
    if (shares * price > this.maxNotional[slot]) return RejectReason.MaxNotional;
    if (collared) {
      const ref = this.referencePrice(locate);
      const diff = price > ref ? price - ref : ref - price;
      if (diff > ref * this.collar[slot]) return RejectReason.PriceCollar;
    }
    if (mayRest && this.openOrders[slot] >= this.maxOpenOrders[slot]) return RejectReason.MaxOpenOrders;
    return OK;
  }
}

function growU8(a: Uint8Array, cap: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(cap);
  b.set(a);
  return b;
}

function growF64(a: Float64Array, cap: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}
