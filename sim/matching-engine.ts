// The matching engine: one order book per symbol, price-time priority (FIFO).
//
// Orders and price levels live in preallocated typed-array pools (struct-of-arrays),
// linked by index: each level holds a doubly linked FIFO of its orders, so adding at
// the tail, executing at the head and cancelling anywhere are O(1) with no scan of the
// level. An order ref -> order slot table finds an order; a (book side, price) -> level
// table finds a level. Each book side keeps its levels sorted in a typed array with the
// best level last: the best is O(1), a new or emptied level costs a binary search and a
// short copyWithin (levels near the touch are at the end, so the copy is short).
//
// Every accepted command writes its events in place into the engine-event ring and
// publishes them as one group (the last one flagged).

import * as crypto from 'node:crypto';
import {
  EngineEventRingWriter,
  EngineEventType,
  SystemEventCode,
  TradingState,
  Side,
} from '../protocol';
import { CommandBuffer, CommandType, OrderType } from './command';
import { RejectReason } from './errors';
import { RefTable } from './ref-table';

/** ITCH Price(4) maximum: 200,000.0000 (FEED.md). */
export const MAX_PRICE = 2_000_000_000;

const NONE = -1;
const BID = 0;
const ASK = 1;
const MARKET_CROSS_KEY = -0x80000000; // crosses every level
const SIDE_KEY_SPAN = 2147483648; // 2^31: (book side, price) -> one level-table key

export interface MatchingEngineOptions {
  /** Symbols are stock locates 1..symbols. */
  symbols: number;
  orderCapacity: number;
  levelCapacity: number;
  maxOrderShares: number;
  /** Price increment in Price(4) units (100 = one cent). */
  tickSize: number;
}

/** One price level as tests and tools see it. */
export interface LevelView {
  price: number;
  shares: number;
  orders: number;
}

/** One resting order as tests and tools see it. */
export interface OrderView {
  ref: number;
  locate: number;
  side: 'B' | 'S';
  price: number;
  shares: number;
}

export class MatchingEngine {
  readonly symbols: number;
  private readonly maxOrderShares: number;
  private readonly tickSize: number;
  private readonly writer: EngineEventRingWriter;
  private readonly ev8: Uint8Array;
  private readonly ev16: Uint16Array;
  private readonly ev32: Uint32Array;
  private readonly ev64: Float64Array;

  // Order pool (struct of arrays), free list through orderNext.
  private orderRef: Float64Array;
  private orderPrice: Int32Array;
  private orderShares: Float64Array;
  private orderPrev: Int32Array;
  private orderNext: Int32Array;
  private orderLevel: Int32Array;
  private orderFree = NONE;
  private readonly orderIndex: RefTable;

  // Level pool, free list through levelHead.
  private levelPrice: Int32Array;
  private levelShares: Float64Array;
  private levelCount: Int32Array;
  private levelHead: Int32Array;
  private levelTail: Int32Array;
  private levelBookSide: Int32Array;
  private levelFree = NONE;
  private readonly levelIndex: RefTable;

  // Per book side (locate * 2 + BID|ASK): level slots sorted by key ascending, best last.
  // The key is the price for bids and -price for asks, so "better" is always "greater".
  private readonly sideSlots: Int32Array[];
  private readonly sideKeys: Int32Array[];
  private readonly sideCount: Int32Array;

  private readonly tradingState: Uint8Array;
  private marketClosed = false;
  /** True once End of Messages ('C') was applied: the session is over. */
  sessionEnded = false;

  private eventSeq = 0;
  private matchNumber = 0;

  // Figures, all monotonic.
  commands = 0;
  ordersAccepted = 0;
  executions = 0;
  sharesExecuted = 0;
  sharesEntered = 0;
  sharesCancelled = 0;
  events = 0;
  restingOrders = 0;
  readonly rejects = new Float64Array(11);

  constructor(options: MatchingEngineOptions, writer: EngineEventRingWriter) {
    this.symbols = options.symbols;
    this.maxOrderShares = options.maxOrderShares;
    this.tickSize = options.tickSize;
    this.writer = writer;
    this.ev8 = writer.view.u8;
    this.ev16 = writer.view.u16;
    this.ev32 = writer.view.u32;
    this.ev64 = writer.view.f64;

    const oc = options.orderCapacity;
    this.orderRef = new Float64Array(oc);
    this.orderPrice = new Int32Array(oc);
    this.orderShares = new Float64Array(oc);
    this.orderPrev = new Int32Array(oc);
    this.orderNext = new Int32Array(oc);
    this.orderLevel = new Int32Array(oc);
    this.chainFreeOrders(0, oc);
    this.orderIndex = new RefTable(oc);

    const lc = options.levelCapacity;
    this.levelPrice = new Int32Array(lc);
    this.levelShares = new Float64Array(lc);
    this.levelCount = new Int32Array(lc);
    this.levelHead = new Int32Array(lc);
    this.levelTail = new Int32Array(lc);
    this.levelBookSide = new Int32Array(lc);
    this.chainFreeLevels(0, lc);
    this.levelIndex = new RefTable(lc);

    const sides = (this.symbols + 1) * 2;
    this.sideSlots = new Array<Int32Array>(sides);
    this.sideKeys = new Array<Int32Array>(sides);
    for (let i = 0; i < sides; i++) {
      this.sideSlots[i] = new Int32Array(64);
      this.sideKeys[i] = new Int32Array(64);
    }
    this.sideCount = new Int32Array(sides);
    this.tradingState = new Uint8Array(this.symbols + 1).fill(TradingState.Trading);
  }

  /** Applies one sequenced command. Returns RejectReason.None or why it was refused. */
  apply(cmds: CommandBuffer, base: number): RejectReason {
    this.commands++;
    let reason: RejectReason;
    switch (cmds.type(base)) {
      case CommandType.NewOrder:
        reason = this.applyNewOrder(cmds, base);
        break;
      case CommandType.Cancel:
        reason = this.applyCancel(cmds, base);
        break;
      case CommandType.Replace:
        reason = this.applyReplace(cmds, base);
        break;
      case CommandType.TradingState:
        reason = this.applyTradingState(cmds, base);
        break;
      case CommandType.SystemEvent:
        reason = this.applySystemEvent(cmds, base);
        break;
      default:
        reason = RejectReason.BadCommand;
    }
    if (reason !== RejectReason.None) {
      this.rejects[reason]++;
      return reason;
    }
    if (this.writer.pending() > 0) {
      this.writer.markGroupEnd();
      this.writer.commit();
    }
    return RejectReason.None;
  }

  // ---- commands -------------------------------------------------------------------

  private applyNewOrder(cmds: CommandBuffer, base: number): RejectReason {
    const locate = cmds.locate(base);
    if (locate < 1 || locate > this.symbols) return RejectReason.UnknownSymbol;
    const sideChar = cmds.side(base);
    if (sideChar !== Side.Buy && sideChar !== Side.Sell) return RejectReason.BadSide;
    const orderType = cmds.orderType(base);
    const shares = cmds.shares(base);
    if (shares < 1 || shares > this.maxOrderShares) return RejectReason.BadShares;
    let price = 0;
    if (orderType === OrderType.Limit || orderType === OrderType.ImmediateOrCancel) {
      price = cmds.price(base);
      if (!this.validPrice(price)) return RejectReason.BadPrice;
    } else if (orderType !== OrderType.Market) {
      return RejectReason.BadOrderType;
    }
    if (this.marketClosed) return RejectReason.MarketClosed;
    if (this.tradingState[locate] !== TradingState.Trading) return RejectReason.SymbolHalted;

    const ref = cmds.inboundSeq(base);
    this.ordersAccepted++;
    this.sharesEntered += shares;
    this.enter(locate, sideChar === Side.Buy ? BID : ASK, orderType, price, shares, ref, cmds.timestampNs(base), ref);
    return RejectReason.None;
  }

  /** Matches an incoming order, then rests what is left if it is a day limit order. */
  private enter(
    locate: number,
    side: number,
    orderType: number,
    price: number,
    shares: number,
    ref: number,
    ts: number,
    inSeq: number,
  ): void {
    const crossKey = orderType === OrderType.Market ? MARKET_CROSS_KEY : side === BID ? -price : price;
    const remaining = this.match(locate, side, crossKey, shares, ref, ts, inSeq);
    if (remaining === 0) return;
    if (orderType === OrderType.Limit) {
      this.rest(locate, side, price, remaining, ref);
      this.emit(EngineEventType.OrderAdded, side, 0, locate, remaining, price, ref, 0, 0, ts, inSeq);
    } else {
      // IOC and market remainders never rest: cancelled back to the sender.
      this.sharesCancelled += remaining;
    }
  }

  private match(locate: number, side: number, crossKey: number, shares: number, ref: number, ts: number, inSeq: number): number {
    const opp = locate * 2 + (side ^ 1);
    const slots = this.sideSlots[opp];
    const keys = this.sideKeys[opp];
    const restingSide = side ^ 1;
    let remaining = shares;
    while (remaining > 0) {
      const n = this.sideCount[opp];
      if (n === 0 || keys[n - 1] < crossKey) break;
      const level = slots[n - 1];
      const levelPrice = this.levelPrice[level];
      let order = this.levelHead[level];
      while (order !== NONE && remaining > 0) {
        const resting = this.orderShares[order];
        const fill = resting < remaining ? resting : remaining;
        remaining -= fill;
        this.executions++;
        this.sharesExecuted += fill;
        this.emit(EngineEventType.OrderExecuted, restingSide, 0, locate, fill, levelPrice, this.orderRef[order], ref, ++this.matchNumber, ts, inSeq);
        const next = this.orderNext[order];
        if (fill === resting) {
          this.unlinkOrder(order, resting); // may free the level when it was the last order
        } else {
          this.orderShares[order] = resting - fill;
          this.levelShares[level] -= fill;
        }
        order = next;
      }
    }
    return remaining;
  }

  private applyCancel(cmds: CommandBuffer, base: number): RejectReason {
    const ref = cmds.orderRef(base);
    const order = this.orderIndex.get(ref);
    if (order === NONE) return RejectReason.UnknownOrder;
    const locate = cmds.locate(base);
    const level = this.orderLevel[order];
    const bookSide = this.levelBookSide[level];
    if (locate !== 0 && locate !== bookSide >> 1) return RejectReason.UnknownOrder;
    const current = this.orderShares[order];
    const cancel = cmds.shares(base);
    const ts = cmds.timestampNs(base);
    const inSeq = cmds.inboundSeq(base);
    if (cancel > 0 && cancel < current) {
      // Partial cancel keeps time priority.
      this.orderShares[order] = current - cancel;
      this.levelShares[level] -= cancel;
      this.sharesCancelled += cancel;
      this.emit(EngineEventType.OrderCancelled, bookSide & 1, 0, bookSide >> 1, cancel, this.levelPrice[level], ref, 0, 0, ts, inSeq);
    } else {
      this.sharesCancelled += current;
      this.emit(EngineEventType.OrderDeleted, bookSide & 1, 0, bookSide >> 1, current, this.levelPrice[level], ref, 0, 0, ts, inSeq);
      this.unlinkOrder(order, current);
    }
    return RejectReason.None;
  }

  private applyReplace(cmds: CommandBuffer, base: number): RejectReason {
    const ref = cmds.orderRef(base);
    const order = this.orderIndex.get(ref);
    if (order === NONE) return RejectReason.UnknownOrder;
    const level = this.orderLevel[order];
    const bookSide = this.levelBookSide[level];
    const locate = bookSide >> 1;
    const cmdLocate = cmds.locate(base);
    if (cmdLocate !== 0 && cmdLocate !== locate) return RejectReason.UnknownOrder;
    const shares = cmds.shares(base);
    if (shares < 1 || shares > this.maxOrderShares) return RejectReason.BadShares;
    const price = cmds.price(base);
    if (!this.validPrice(price)) return RejectReason.BadPrice;
    if (this.marketClosed) return RejectReason.MarketClosed;
    if (this.tradingState[locate] !== TradingState.Trading) return RejectReason.SymbolHalted;

    const side = bookSide & 1;
    const current = this.orderShares[order];
    const oldPrice = this.levelPrice[level];
    const ts = cmds.timestampNs(base);
    const inSeq = cmds.inboundSeq(base);
    if (price === oldPrice && shares <= current) {
      if (shares === current) return RejectReason.NoChange;
      // Same price, smaller size: a partial cancel that keeps priority.
      const cancel = current - shares;
      this.orderShares[order] = shares;
      this.levelShares[level] -= cancel;
      this.sharesCancelled += cancel;
      this.emit(EngineEventType.OrderCancelled, side, 0, locate, cancel, oldPrice, ref, 0, 0, ts, inSeq);
      return RejectReason.None;
    }

    const newRef = inSeq;
    this.sharesCancelled += current;
    this.sharesEntered += shares;
    this.unlinkOrder(order, current);
    const opp = locate * 2 + (side ^ 1);
    const oppCount = this.sideCount[opp];
    const crossKey = side === BID ? -price : price;
    if (oppCount > 0 && this.sideKeys[opp][oppCount - 1] >= crossKey) {
      // A replace that would cross is a delete and a new aggressive order, so the
      // feed never shows a resting order inside the spread.
      this.emit(EngineEventType.OrderDeleted, side, 0, locate, current, oldPrice, ref, 0, 0, ts, inSeq);
      this.enter(locate, side, OrderType.Limit, price, shares, newRef, ts, inSeq);
    } else {
      this.rest(locate, side, price, shares, newRef);
      this.emit(EngineEventType.OrderReplaced, side, 0, locate, shares, price, ref, newRef, 0, ts, inSeq);
    }
    return RejectReason.None;
  }

  private applyTradingState(cmds: CommandBuffer, base: number): RejectReason {
    const locate = cmds.locate(base);
    if (locate < 1 || locate > this.symbols) return RejectReason.UnknownSymbol;
    const state = cmds.code(base);
    if (state !== TradingState.Halted && state !== TradingState.Paused && state !== TradingState.QuotationOnly && state !== TradingState.Trading) {
      return RejectReason.BadCommand;
    }
    this.tradingState[locate] = state;
    this.emit(EngineEventType.TradingState, 0, state, locate, 0, 0, 0, 0, 0, cmds.timestampNs(base), cmds.inboundSeq(base));
    return RejectReason.None;
  }

  private applySystemEvent(cmds: CommandBuffer, base: number): RejectReason {
    const code = cmds.code(base);
    switch (code) {
      case SystemEventCode.StartOfMessages:
      case SystemEventCode.StartOfSystemHours:
      case SystemEventCode.EndOfSystemHours:
        break;
      case SystemEventCode.EndOfMessages:
        this.sessionEnded = true;
        break;
      case SystemEventCode.StartOfMarketHours:
        this.marketClosed = false;
        break;
      case SystemEventCode.EndOfMarketHours:
        this.marketClosed = true;
        break;
      default:
        return RejectReason.BadCommand;
    }
    this.emit(EngineEventType.SystemEvent, 0, code, 0, 0, 0, 0, 0, 0, cmds.timestampNs(base), cmds.inboundSeq(base));
    return RejectReason.None;
  }

  private validPrice(price: number): boolean {
    return price >= 1 && price <= MAX_PRICE && price % this.tickSize === 0;
  }

  // ---- book structure ---------------------------------------------------------------

  /** Adds an order at the tail of its price level, creating the level if needed. */
  private rest(locate: number, side: number, price: number, shares: number, ref: number): void {
    const bookSide = locate * 2 + side;
    const levelKey = bookSide * SIDE_KEY_SPAN + price;
    let level = this.levelIndex.get(levelKey);
    if (level === NONE) level = this.newLevel(bookSide, price, levelKey);
    if (this.orderFree === NONE) this.growOrders();
    const order = this.orderFree;
    this.orderFree = this.orderNext[order];
    this.orderRef[order] = ref;
    this.orderPrice[order] = price;
    this.orderShares[order] = shares;
    this.orderLevel[order] = level;
    const tail = this.levelTail[level];
    this.orderPrev[order] = tail;
    this.orderNext[order] = NONE;
    if (tail === NONE) this.levelHead[level] = order;
    else this.orderNext[tail] = order;
    this.levelTail[level] = order;
    this.levelCount[level]++;
    this.levelShares[level] += shares;
    this.orderIndex.set(ref, order);
    this.restingOrders++;
  }

  /** Removes an order from its level (O(1)); frees the level when it empties. */
  private unlinkOrder(order: number, shares: number): void {
    const level = this.orderLevel[order];
    const prev = this.orderPrev[order];
    const next = this.orderNext[order];
    if (prev === NONE) this.levelHead[level] = next;
    else this.orderNext[prev] = next;
    if (next === NONE) this.levelTail[level] = prev;
    else this.orderPrev[next] = prev;
    this.levelShares[level] -= shares;
    this.orderIndex.delete(this.orderRef[order]);
    this.orderNext[order] = this.orderFree;
    this.orderFree = order;
    this.restingOrders--;
    if (--this.levelCount[level] === 0) this.removeLevel(level);
  }

  private newLevel(bookSide: number, price: number, levelKey: number): number {
    if (this.levelFree === NONE) this.growLevels();
    const level = this.levelFree;
    this.levelFree = this.levelHead[level];
    this.levelPrice[level] = price;
    this.levelShares[level] = 0;
    this.levelCount[level] = 0;
    this.levelHead[level] = NONE;
    this.levelTail[level] = NONE;
    this.levelBookSide[level] = bookSide;
    this.levelIndex.set(levelKey, level);

    const key = (bookSide & 1) === BID ? price : -price;
    let n = this.sideCount[bookSide];
    if (n === this.sideSlots[bookSide].length) this.growSide(bookSide);
    const slots = this.sideSlots[bookSide];
    const keys = this.sideKeys[bookSide];
    // Most new levels are at or near the touch, i.e. near the end.
    let pos: number;
    if (n === 0 || keys[n - 1] < key) {
      pos = n;
    } else {
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (keys[mid] < key) lo = mid + 1;
        else hi = mid;
      }
      pos = lo;
      slots.copyWithin(pos + 1, pos, n);
      keys.copyWithin(pos + 1, pos, n);
    }
    slots[pos] = level;
    keys[pos] = key;
    this.sideCount[bookSide] = n + 1;
    return level;
  }

  private removeLevel(level: number): void {
    const bookSide = this.levelBookSide[level];
    const price = this.levelPrice[level];
    this.levelIndex.delete(bookSide * SIDE_KEY_SPAN + price);
    const n = this.sideCount[bookSide];
    const slots = this.sideSlots[bookSide];
    if (slots[n - 1] !== level) {
      const keys = this.sideKeys[bookSide];
      const key = (bookSide & 1) === BID ? price : -price;
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (keys[mid] < key) lo = mid + 1;
        else hi = mid;
      }
      slots.copyWithin(lo, lo + 1, n);
      keys.copyWithin(lo, lo + 1, n);
    }
    this.sideCount[bookSide] = n - 1;
    this.levelHead[level] = this.levelFree;
    this.levelFree = level;
  }

  private emit(
    type: number,
    side: number,
    code: number,
    locate: number,
    shares: number,
    price: number,
    ref: number,
    ref2: number,
    match: number,
    ts: number,
    inSeq: number,
  ): void {
    const base = this.writer.claim();
    const u8 = this.ev8;
    u8[base] = type;
    u8[base + 1] = type === EngineEventType.SystemEvent || type === EngineEventType.TradingState ? 0 : side === BID ? Side.Buy : Side.Sell;
    u8[base + 2] = 0;
    u8[base + 3] = code;
    const h = base >> 1;
    this.ev16[h + 2] = locate;
    this.ev16[h + 3] = 0;
    const w = base >> 2;
    this.ev32[w + 2] = shares;
    this.ev32[w + 3] = price;
    const d = base >> 3;
    const f64 = this.ev64;
    f64[d + 2] = ++this.eventSeq;
    f64[d + 3] = ts;
    f64[d + 4] = ref;
    f64[d + 5] = ref2;
    f64[d + 6] = match;
    f64[d + 7] = inSeq;
    this.events++;
  }

  // ---- growth (rare: pools double when full) -----------------------------------------

  private chainFreeOrders(from: number, to: number): void {
    for (let i = from; i < to - 1; i++) this.orderNext[i] = i + 1;
    this.orderNext[to - 1] = this.orderFree;
    this.orderFree = from;
  }

  private chainFreeLevels(from: number, to: number): void {
    for (let i = from; i < to - 1; i++) this.levelHead[i] = i + 1;
    this.levelHead[to - 1] = this.levelFree;
    this.levelFree = from;
  }

  private growOrders(): void {
    const old = this.orderRef.length;
    const cap = old * 2;
    this.orderRef = growF64(this.orderRef, cap);
    this.orderPrice = growI32(this.orderPrice, cap);
    this.orderShares = growF64(this.orderShares, cap);
    this.orderPrev = growI32(this.orderPrev, cap);
    this.orderNext = growI32(this.orderNext, cap);
    this.orderLevel = growI32(this.orderLevel, cap);
    this.chainFreeOrders(old, cap);
  }

  private growLevels(): void {
    const old = this.levelPrice.length;
    const cap = old * 2;
    this.levelPrice = growI32(this.levelPrice, cap);
    this.levelShares = growF64(this.levelShares, cap);
    this.levelCount = growI32(this.levelCount, cap);
    this.levelHead = growI32(this.levelHead, cap);
    this.levelTail = growI32(this.levelTail, cap);
    this.levelBookSide = growI32(this.levelBookSide, cap);
    this.chainFreeLevels(old, cap);
  }

  private growSide(bookSide: number): void {
    const cap = this.sideSlots[bookSide].length * 2;
    this.sideSlots[bookSide] = growI32(this.sideSlots[bookSide], cap);
    this.sideKeys[bookSide] = growI32(this.sideKeys[bookSide], cap);
  }

  // ---- queries (not on the hot path) ------------------------------------------------

  isLive(ref: number): boolean {
    return this.orderIndex.get(ref) !== NONE;
  }

  order(ref: number): OrderView | null {
    const order = this.orderIndex.get(ref);
    if (order === NONE) return null;
    const bookSide = this.levelBookSide[this.orderLevel[order]];
    return {
      ref,
      locate: bookSide >> 1,
      side: (bookSide & 1) === BID ? 'B' : 'S',
      price: this.orderPrice[order],
      shares: this.orderShares[order],
    };
  }

  /** Best bid price (Price(4)), or 0 when the side is empty. */
  bestBid(locate: number): number {
    return this.bestPrice(locate * 2 + BID);
  }

  /** Best ask price (Price(4)), or 0 when the side is empty. */
  bestAsk(locate: number): number {
    return this.bestPrice(locate * 2 + ASK);
  }

  private bestPrice(bookSide: number): number {
    const n = this.sideCount[bookSide];
    return n === 0 ? 0 : this.levelPrice[this.sideSlots[bookSide][n - 1]];
  }

  /** Levels of one side from the best, at most `depth`. */
  levels(locate: number, side: 'B' | 'S', depth = Infinity): LevelView[] {
    const bookSide = locate * 2 + (side === 'B' ? BID : ASK);
    const n = this.sideCount[bookSide];
    const out: LevelView[] = [];
    for (let i = n - 1; i >= 0 && out.length < depth; i--) {
      const level = this.sideSlots[bookSide][i];
      out.push({ price: this.levelPrice[level], shares: this.levelShares[level], orders: this.levelCount[level] });
    }
    return out;
  }

  /** Order refs at one price level, in time priority. */
  ordersAt(locate: number, side: 'B' | 'S', price: number): number[] {
    const bookSide = locate * 2 + (side === 'B' ? BID : ASK);
    const level = this.levelIndex.get(bookSide * SIDE_KEY_SPAN + price);
    const out: number[] = [];
    for (let o = level === NONE ? NONE : this.levelHead[level]; o !== NONE; o = this.orderNext[o]) out.push(this.orderRef[o]);
    return out;
  }

  /** Calls back every resting order of every book, in book priority. */
  forEachRestingOrder(visit: (order: OrderView) => void): void {
    for (let locate = 1; locate <= this.symbols; locate++) {
      for (let side = BID; side <= ASK; side++) {
        const bookSide = locate * 2 + side;
        const slots = this.sideSlots[bookSide];
        for (let i = this.sideCount[bookSide] - 1; i >= 0; i--) {
          const level = slots[i];
          for (let o = this.levelHead[level]; o !== NONE; o = this.orderNext[o]) {
            visit({ ref: this.orderRef[o], locate, side: side === BID ? 'B' : 'S', price: this.orderPrice[o], shares: this.orderShares[o] });
          }
        }
      }
    }
  }

  /** Shares resting in every book (for the conservation check). */
  restingShares(): number {
    let total = 0;
    this.forEachRestingOrder((o) => {
      total += o.shares;
    });
    return total;
  }

  /** The last engine event sequence number and match number issued. */
  get lastEventSeq(): number {
    return this.eventSeq;
  }

  get lastMatchNumber(): number {
    return this.matchNumber;
  }

  tradingStateOf(locate: number): string {
    return String.fromCharCode(this.tradingState[locate]);
  }

  /** SHA-256 of the whole book state: equal digests mean identical engines. */
  stateDigest(): string {
    const hash = crypto.createHash('sha256');
    hash.update(`seq=${this.eventSeq};match=${this.matchNumber};closed=${this.marketClosed};`);
    hash.update(Buffer.from(this.tradingState));
    this.forEachRestingOrder((o) => hash.update(`${o.locate}${o.side}${o.price}:${o.ref}:${o.shares};`));
    return hash.digest('hex');
  }
}

function growI32(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}

function growF64(a: Float64Array, cap: number): Float64Array {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}

