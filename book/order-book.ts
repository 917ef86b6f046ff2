// One symbol's market-data order book: L3 orders (in the shared BookStore), L2 levels and
// L1 best bid and offer. Each side keeps its levels in an Int32Array sorted so that the
// best level is LAST, with their prices in a second array in step: best bid/offer is one
// read, the top N levels are the last N entries, the sorted search reads a compact array,
// and a level appearing or emptying near the touch (where most activity is) shifts only
// the few entries better than it. Mutations are driven by MarketBooks.

import { crc32 as crc32Export } from '../protocol';
import { BookStore, L_SHARES, NIL } from './book-store';
import type { CandleSeries } from './candles';

export const BUY = 0x42; // 'B'
export const SELL = 0x53; // 'S'

/** One price level, for callers off the hot path (HTTP, tests). */
export interface PriceLevel {
  price: number;
  shares: number;
  orders: number;
}

/** One resting order, for callers off the hot path. */
export interface RestingOrder {
  ref: number;
  side: number;
  shares: number;
  price: number;
  timestampNs: number;
}

/** Visits resting orders without building objects (the snapshot server's path). */
export interface OrderVisitor {
  onOrder(ref: number, side: number, shares: number, price: number, timestampNs: number): void;
}

const digits = new Uint8Array(24);
// Module-local binding: protocol/index re-exports are getters under CommonJS.
const crc32 = crc32Export;

export class OrderBook {
  readonly locate: number;
  symbol: string;
  /** Last ITCH trading state ('H', 'P', 'Q', 'T'), 0 before any H message. */
  tradingState = 0;
  /** Bid levels, price ascending (best last), and their prices in step. */
  bids: Int32Array;
  bidPrices: Int32Array;
  bidDepth = 0;
  /** Ask levels, price descending (best last), and their prices in step. */
  asks: Int32Array;
  askPrices: Int32Array;
  askDepth = 0;
  // Trade statistics (printable trades only).
  lastTradePrice = 0;
  lastTradeShares = 0;
  lastTradeNs = 0;
  volume = 0;
  trades = 0;
  /** Messages naming an order ref this book does not hold. */
  orphans = 0;
  candles: CandleSeries | null = null;
  private readonly store: BookStore;

  constructor(locate: number, symbol: string, store: BookStore, levelCapacity = 64) {
    this.locate = locate;
    this.symbol = symbol;
    this.store = store;
    this.bids = new Int32Array(levelCapacity);
    this.bidPrices = new Int32Array(levelCapacity);
    this.asks = new Int32Array(levelCapacity);
    this.askPrices = new Int32Array(levelCapacity);
  }

  /** True unless the symbol is halted, paused or quotation-only (where crossed books are legitimate). */
  get continuousTrading(): boolean {
    return this.tradingState === 0 || this.tradingState === 0x54;
  }

  // --- L1 -------------------------------------------------------------------------

  /** Best bid Price(4), or 0 when there is none. */
  bestBidPrice(): number {
    return this.bidDepth > 0 ? this.bidPrices[this.bidDepth - 1] : 0;
  }
  bestBidShares(): number {
    return this.bidDepth > 0 ? this.store.lf[this.bids[this.bidDepth - 1] * 4 + L_SHARES] : 0;
  }
  /** Best ask Price(4), or 0 when there is none. */
  bestAskPrice(): number {
    return this.askDepth > 0 ? this.askPrices[this.askDepth - 1] : 0;
  }
  bestAskShares(): number {
    return this.askDepth > 0 ? this.store.lf[this.asks[this.askDepth - 1] * 4 + L_SHARES] : 0;
  }

  // --- L2 -------------------------------------------------------------------------

  /**
   * Writes up to `n` levels of `side`, best first, into the caller's arrays; returns how
   * many. O(n), no allocation.
   */
  topLevels(side: number, n: number, prices: Int32Array | Float64Array, shares: Float64Array, orders: Int32Array | null = null): number {
    const s = this.store;
    const list = side === BUY ? this.bids : this.asks;
    const depth = side === BUY ? this.bidDepth : this.askDepth;
    const count = n < depth ? n : depth;
    for (let k = 0; k < count; k++) {
      const level = list[depth - 1 - k];
      prices[k] = s.levelPrice(level);
      shares[k] = s.levelShares(level);
      if (orders !== null) orders[k] = s.levelOrders(level);
    }
    return count;
  }

  /** Up to `n` levels of `side`, best first (allocates). */
  levels(side: number, n = Infinity): PriceLevel[] {
    const s = this.store;
    const list = side === BUY ? this.bids : this.asks;
    const depth = side === BUY ? this.bidDepth : this.askDepth;
    const out: PriceLevel[] = [];
    for (let k = 0; k < depth && k < n; k++) {
      const level = list[depth - 1 - k];
      out.push({ price: s.levelPrice(level), shares: s.levelShares(level), orders: s.levelOrders(level) });
    }
    return out;
  }

  // --- L3 -------------------------------------------------------------------------

  /** Visits every resting order of `side`, best level first, oldest first within a level. */
  forEachOrder(side: number, visitor: OrderVisitor): void {
    const s = this.store;
    const list = side === BUY ? this.bids : this.asks;
    const depth = side === BUY ? this.bidDepth : this.askDepth;
    for (let k = depth - 1; k >= 0; k--) {
      const level = list[k];
      const price = s.levelPrice(level);
      for (let o = s.levelHead(level); o !== NIL; o = s.orderNext(o)) {
        visitor.onOrder(s.orderRef(o), side, s.orderShares(o), price, s.orderTimestamp(o));
      }
    }
  }

  /** Every resting order of `side` in book priority (allocates). */
  orders(side: number): RestingOrder[] {
    const out: RestingOrder[] = [];
    this.forEachOrder(side, {
      onOrder(ref, sd, shares, price, timestampNs) {
        out.push({ ref, side: sd, shares, price, timestampNs });
      },
    });
    return out;
  }

  // --- checksum -------------------------------------------------------------------

  /**
   * Kraken-style book checksum: CRC-32 (IEEE) over the top `depth` asks from lowest price
   * up, then the top `depth` bids from highest price down; for each level its price then
   * its shares as decimal strings with '.' removed and leading zeros stripped. A Price(4)
   * written "192.3400" becomes "1923400", which is the integer itself, so the digits are
   * written straight from the integers with no string built.
   */
  checksum(depth = 10): number {
    const s = this.store;
    let crc = 0;
    const na = depth < this.askDepth ? depth : this.askDepth;
    for (let k = 0; k < na; k++) {
      const level = this.asks[this.askDepth - 1 - k];
      crc = crcDecimal(s.levelPrice(level), crc);
      crc = crcDecimal(s.levelShares(level), crc);
    }
    const nb = depth < this.bidDepth ? depth : this.bidDepth;
    for (let k = 0; k < nb; k++) {
      const level = this.bids[this.bidDepth - 1 - k];
      crc = crcDecimal(s.levelPrice(level), crc);
      crc = crcDecimal(s.levelShares(level), crc);
    }
    return crc;
  }

  // --- mutation (MarketBooks only) -----------------------------------------------

  /**
   * Where `price` sits on `side`: the index of its level in the side's list (>= 0), or
   * -1 - (the index a new level would take) when no level has that price. Scans from the
   * touch, where most orders arrive, and falls back to a binary search after a few steps;
   * measured cheaper than a hash of (locate, side, price), which missed cache on every add.
   */
  levelSlot(side: number, price: number): number {
    if (side === BUY) return findSlot(this.bidPrices, this.bidDepth, price, 1);
    return findSlot(this.askPrices, this.askDepth, price, -1);
  }

  /** The level at `slot` (from levelSlot, >= 0) of `side`. */
  levelAt(side: number, slot: number): number {
    return side === BUY ? this.bids[slot] : this.asks[slot];
  }

  /**
   * Puts a new level at index `at` of its side (from levelSlot: -1 - slot), shifting the
   * entries better than it (few: activity is near the touch).
   */
  insertLevel(side: number, at: number, level: number, price: number): void {
    if (side === BUY) {
      if (this.bidDepth === this.bids.length) {
        this.bids = growList(this.bids);
        this.bidPrices = growList(this.bidPrices);
      }
      this.bidDepth = insertAt(this.bids, this.bidPrices, this.bidDepth, at, level, price);
    } else {
      if (this.askDepth === this.asks.length) {
        this.asks = growList(this.asks);
        this.askPrices = growList(this.askPrices);
      }
      this.askDepth = insertAt(this.asks, this.askPrices, this.askDepth, at, level, price);
    }
  }

  /** Takes an emptied level out of its side. */
  removeLevel(side: number, level: number): void {
    if (side === BUY) this.bidDepth = removeSorted(this.bids, this.bidPrices, this.bidDepth, level);
    else this.askDepth = removeSorted(this.asks, this.askPrices, this.askDepth, level);
  }
}

/** Steps of linear scan from the touch before levelSlot switches to a binary search. */
const SCAN_STEPS = 8;

/**
 * levelSlot over one side's prices, sorted with the best price last: ascending for bids
 * (`dir` 1), descending for asks (`dir` -1).
 */
function findSlot(prices: Int32Array, n: number, price: number, dir: number): number {
  const key = price * dir;
  const stop = n - SCAN_STEPS;
  let i = n - 1;
  // Skip the levels better than `price`, best first.
  while (i >= 0 && prices[i] * dir > key) {
    if (i === stop) {
      // Deep in the book: binary search [0, i) for the first level better than `price`.
      let lo = 0;
      let hi = i;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (prices[mid] * dir > key) hi = mid;
        else lo = mid + 1;
      }
      return lo > 0 && prices[lo - 1] === price ? lo - 1 : -1 - lo;
    }
    i--;
  }
  return i >= 0 && prices[i] === price ? i : -2 - i; // not found: a new level goes at i + 1
}

/** Inserts at index `at` of a list of depth `n`; returns the new depth. */
function insertAt(list: Int32Array, prices: Int32Array, n: number, at: number, level: number, price: number): number {
  // A hand loop: the shift is short, and copyWithin's runtime call costs more than it.
  for (let i = n; i > at; i--) {
    list[i] = list[i - 1];
    prices[i] = prices[i - 1];
  }
  list[at] = level;
  prices[at] = price;
  return n + 1;
}

function removeSorted(list: Int32Array, prices: Int32Array, n: number, level: number): number {
  // Scan from the best end: levels empty most often near the touch.
  let at = n - 1;
  while (at >= 0 && list[at] !== level) at--;
  if (at < 0) return n;
  for (let i = at; i < n - 1; i++) {
    list[i] = list[i + 1];
    prices[i] = prices[i + 1];
  }
  return n - 1;
}

function growList(list: Int32Array): Int32Array {
  const next = new Int32Array(list.length * 2);
  next.set(list);
  return next;
}

/** Continues `crc` over the decimal digits of a non-negative integer (no leading zeros). */
function crcDecimal(value: number, crc: number): number {
  let v = value;
  let i = digits.length;
  do {
    const q = Math.floor(v / 10);
    digits[--i] = 0x30 + (v - q * 10);
    v = q;
  } while (v > 0);
  return crc32(digits, i, digits.length, crc);
}
