// The matching engine: one order book per symbol, price-time priority (FIFO).
//
// Orders and price levels live in preallocated pools of 32-byte records (two typed
// views on one buffer, so an order's fields share a cache line), linked by index:
// each level holds a doubly linked FIFO of its orders, so adding at the tail, executing
// at the head and cancelling anywhere are O(1) with no scan of the level. An order
// ref -> order slot table finds an order. Each book side keeps its levels sorted in a
// typed array with the best level last: the best is O(1); a price is found by a short
// scan from the touch (where nearly all orders arrive), falling back to binary search
// after 8 levels, so finding or creating a level is O(log levels) at worst; a new or
// emptied level costs a short copyWithin near the touch. (A price -> level hash was
// tried first: at ~25 ns a lookup it cost more than the scan.)
//
// Every accepted command writes its events in place into the engine-event ring and
// publishes them as one group (the last one flagged).
//
// Accounts: each resting order carries its owner (the u32 account of the command that
// entered it; 0 is the house, the order-flow generator). A cancel or replace must come
// from the owner. An incoming client order that would execute against a resting order of
// its own account stops there and its remainder is cancelled (self-match prevention,
// cancel newest). Executions that involve a client account are handed to `listener`
// (the order manager); house-against-house executions cost one comparison.

import * as crypto from 'node:crypto';
import {
  EngineEventRingWriter,
  EngineEventType,
  SystemEventCode,
  TradingState,
  Side,
} from '../protocol';
import { CommandBuffer, CommandType, OrderType } from './command';
import { REJECT_CODES, RejectReason } from './errors';
import { RefTable } from './ref-table';

// Constants copied into module scope: CommonJS re-exports are getters, too slow to read
// per event on the hot path.
const EV_ADDED = EngineEventType.OrderAdded;
const EV_EXECUTED = EngineEventType.OrderExecuted;
const EV_CANCELLED = EngineEventType.OrderCancelled;
const EV_DELETED = EngineEventType.OrderDeleted;
const EV_REPLACED = EngineEventType.OrderReplaced;
const EV_TRADING_STATE = EngineEventType.TradingState;
const EV_SYSTEM = EngineEventType.SystemEvent;
const CMD_NEW = CommandType.NewOrder;
const CMD_CANCEL = CommandType.Cancel;
const CMD_REPLACE = CommandType.Replace;
const CMD_TRADING_STATE = CommandType.TradingState;
const CMD_SYSTEM = CommandType.SystemEvent;
const CMD_TOKEN = CommandType.ClientToken;
const CMD_TRANSFER = CommandType.Transfer;
const CMD_SETTINGS = CommandType.AccountSettings;
const OT_LIMIT = OrderType.Limit;
const OT_IOC = OrderType.ImmediateOrCancel;
const OT_MARKET = OrderType.Market;
const SIDE_BUY = Side.Buy;
const SIDE_SELL = Side.Sell;
const STATE_TRADING = TradingState.Trading;
const OK: RejectReason = RejectReason.None;

/** ITCH Price(4) maximum: 200,000.0000 (FEED.md). */
export const MAX_PRICE = 2_000_000_000;

const NONE = -1;
const RECORD_BYTES = 32;
// Field offsets within a record, in the units of the view that holds them.
const O_REF = 0; // f64
const O_SHARES = 2; // u32
/** i32: the order manager's word for a client order (its tag: wallet slot and flags), 0 for the house's. */
const O_TAG = 3;
const O_OWNER = 4; // i32: the account (u32 bits); the price is the level's
const O_PREV = 5;
const O_NEXT = 6;
const O_LEVEL = 7;
const L_SHARES = 0; // f64
const L_PRICE = 2; // i32
const L_COUNT = 3;
const L_HEAD = 4;
const L_TAIL = 5;
const L_BOOK_SIDE = 6;
const BID = 0;
const ASK = 1;
const MARKET_CROSS_KEY = -0x80000000; // crosses every level
const SCAN_LEVELS = 8; // levels scanned from the touch before a binary search
const REF_WINDOW = 1 << 20; // default direct-mapped order refs (4 MiB); older resting orders overflow

export interface MatchingEngineOptions {
  /** Symbols are stock locates 1..symbols. */
  symbols: number;
  orderCapacity: number;
  levelCapacity: number;
  maxOrderShares: number;
  /** Price increment in Price(4) units (100 = one cent). */
  tickSize: number;
  /** Refs the direct-mapped index spans, a power of two (default 2^20). */
  refWindow?: number;
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
  /** The owner's account (0: the house). */
  account: number;
}

/**
 * Told of every execution that involves a client account (either side not the house).
 * Accounts are passed as int32 bits (`>>> 0` gives the u32). One object, one method: the
 * call site stays monomorphic.
 */
export interface ExecutionListener {
  onExecution(
    locate: number,
    restingSide: number,
    price: number,
    shares: number,
    restingRef: number,
    /** The resting order's slot in the engine's order pool (see `slotOf`). */
    restingSlot: number,
    restingAccount: number,
    incomingRef: number,
    incomingAccount: number,
    matchNumber: number,
    timestampNs: number,
    inboundSeq: number,
  ): void;
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

  // Order records, 32 bytes: f64 [o*4] ref; u32 [o*8+2] shares; i32 [o*8+3] the order
  // manager's tag, [o*8+4] owner, [o*8+5] prev, [o*8+6] next, [o*8+7] level. Free list
  // through next. The tag keeps what a client order's cancel or fill needs (wallet slot,
  // flags) on the line the book touches anyway.
  private of64: Float64Array;
  private oi32: Int32Array;
  private ou32: Uint32Array;
  private orderFree = NONE;
  // Order ref -> order slot. Refs are inbound sequence numbers, so a direct-mapped
  // window (ref & mask) serves nearly every lookup: inserts write it sequentially, and
  // the order record confirms the ref. An order still resting when a ref a whole window
  // later needs its entry moves to the overflow table.
  private readonly refWindow: Int32Array;
  private readonly refWindowMask: number;
  private readonly overflow: RefTable;

  // Level records, 32 bytes: f64 [l*4] shares; i32 [l*8+2] price, [l*8+3] order count,
  // [l*8+4] head, [l*8+5] tail, [l*8+6] book side. Free list through head.
  private lf64: Float64Array;
  private li32: Int32Array;
  private levelFree = NONE;

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
  /** The account of the order being entered (int32 bits; 0 the house). */
  private takerAccount = 0;
  /** Price of the last execution per locate (0: none yet today): the risk checks' reference. */
  private readonly lastTrade: Int32Array;
  /** Told of executions that involve a client account (null: nobody listens). */
  listener: ExecutionListener | null = null;
  /** After an order was entered (new, or a replace that crossed or rested): shares left open. */
  incomingRemaining = 0;
  /** After an order was entered: true when it stopped at its own resting order (self-match). */
  incomingSelfMatch = false;
  /** The pool slot of the order that rested last (the order manager keys its records by it). */
  restedSlot = NONE;
  /** The tag a client order that rests now gets (the order manager sets it before it hands the engine a client N or R). */
  takerTag = 0;

  /** Inbound sequence number of the last command applied (accepted or not). */
  lastInboundSeq = 0;

  // Figures, all monotonic.
  commands = 0;
  ordersAccepted = 0;
  executions = 0;
  sharesExecuted = 0;
  sharesEntered = 0;
  sharesCancelled = 0;
  events = 0;
  restingOrders = 0;
  /** Refusals by RejectReason (the order manager counts its own here too). */
  readonly rejects = new Float64Array(REJECT_CODES.length);

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
    const orders = new ArrayBuffer(oc * RECORD_BYTES);
    this.of64 = new Float64Array(orders);
    this.oi32 = new Int32Array(orders);
    this.ou32 = new Uint32Array(orders);
    this.chainFreeOrders(0, oc);
    // Sized by the live book, not the pool: each new ref lands on a random slot, so a
    // table larger than the cache makes every insert a cache miss. It starts small and
    // doubles as the book grows (about 0.8 MB for the sim's 32,000 resting orders).
    const window = options.refWindow ?? REF_WINDOW;
    if (!(window >= 2 && window <= 1 << 28 && (window & (window - 1)) === 0)) {
      throw new RangeError(`refWindow must be a power of two in 2..2^28, got ${window}`);
    }
    // ref & mask: refs are integers below 2^31 in a day, and 2^k divides 2^32, so the
    // int32 conversion of `&` keeps the low bits exactly.
    this.refWindow = new Int32Array(window).fill(NONE);
    this.refWindowMask = window - 1;
    this.overflow = new RefTable(1024);

    const lc = options.levelCapacity;
    const levels = new ArrayBuffer(lc * RECORD_BYTES);
    this.lf64 = new Float64Array(levels);
    this.li32 = new Int32Array(levels);
    this.chainFreeLevels(0, lc);

    const sides = (this.symbols + 1) * 2;
    this.sideSlots = new Array<Int32Array>(sides);
    this.sideKeys = new Array<Int32Array>(sides);
    for (let i = 0; i < sides; i++) {
      this.sideSlots[i] = new Int32Array(64);
      this.sideKeys[i] = new Int32Array(64);
    }
    this.sideCount = new Int32Array(sides);
    this.tradingState = new Uint8Array(this.symbols + 1).fill(STATE_TRADING);
    this.lastTrade = new Int32Array(this.symbols + 1);
  }

  /** Applies one sequenced command. Returns RejectReason.None or why it was refused; `publish()` releases its events. */
  apply(cmds: CommandBuffer, base: number): RejectReason {
    this.commands++;
    this.lastInboundSeq = cmds.inboundSeq(base);
    let reason: RejectReason;
    switch (cmds.type(base)) {
      case CMD_NEW:
        reason = this.applyNewOrder(cmds, base);
        break;
      case CMD_CANCEL:
        reason = this.applyCancel(cmds, base);
        break;
      case CMD_REPLACE:
        reason = this.applyReplace(cmds, base);
        break;
      case CMD_TRADING_STATE:
        reason = this.applyTradingState(cmds, base);
        break;
      case CMD_SYSTEM:
        reason = this.applySystemEvent(cmds, base);
        break;
      case CMD_TOKEN:
      case CMD_TRANSFER:
      case CMD_SETTINGS:
        return OK; // the order manager's records: nothing for the book
      default:
        reason = RejectReason.BadCommand;
    }
    return this.settle(reason);
  }

  /** How a command ends (`apply` and the order manager's entry points alike): a reject counted, or its events closed as one group. */
  private settle(reason: RejectReason): RejectReason {
    if (reason !== OK) {
      this.rejects[reason]++;
      return reason;
    }
    // One group per command; the caller publishes (commits) after a batch.
    if (this.writer.pending() > 0) this.writer.markGroupEnd();
    return OK;
  }

  /** Makes every event written so far visible to the consumer (once per batch). */
  publish(): void {
    this.writer.commit();
  }

  /** Counts a command the order manager refused before the book saw it. */
  refuse(cmds: CommandBuffer, base: number, reason: RejectReason): RejectReason {
    this.commands++;
    this.lastInboundSeq = cmds.inboundSeq(base);
    this.rejects[reason]++;
    return reason;
  }

  /**
   * Deletes a resting order outside a cancel command (the kill switch): its D event joins
   * the current command's group; call `endGroup()` after the last. Returns the shares
   * deleted (0 if the ref does not rest).
   */
  deleteOrder(ref: number, timestampNs: number, inboundSeq: number): number {
    const order = this.findOrder(ref);
    if (order === NONE) return 0;
    const level = this.oi32[order * 8 + O_LEVEL];
    const bookSide = this.li32[level * 8 + L_BOOK_SIDE];
    const current = this.ou32[order * 8 + O_SHARES];
    this.sharesCancelled += current;
    this.emit(EV_DELETED, bookSide & 1, 0, bookSide >> 1, current, this.li32[level * 8 + L_PRICE], ref, 0, 0, timestampNs, inboundSeq);
    this.unlinkOrder(order, current);
    return current;
  }

  /** Flags the last event written as the end of its command's group (if any was written). */
  endGroup(): void {
    if (this.writer.pending() > 0) this.writer.markGroupEnd();
  }

  // ---- commands -------------------------------------------------------------------

  private applyNewOrder(cmds: CommandBuffer, base: number): RejectReason {
    const locate = cmds.locate(base);
    if (locate < 1 || locate > this.symbols) return RejectReason.UnknownSymbol;
    const sideChar = cmds.side(base);
    if (sideChar !== SIDE_BUY && sideChar !== SIDE_SELL) return RejectReason.BadSide;
    const orderType = cmds.orderType(base);
    const shares = cmds.shares(base);
    if (shares < 1 || shares > this.maxOrderShares) return RejectReason.BadShares;
    let price = 0;
    if (orderType === OT_LIMIT || orderType === OT_IOC) {
      price = cmds.price(base);
      if (!this.validPrice(price)) return RejectReason.BadPrice;
    } else if (orderType !== OT_MARKET) {
      return RejectReason.BadOrderType;
    }
    if (this.marketClosed) return RejectReason.MarketClosed;
    if (this.tradingState[locate] !== STATE_TRADING) return RejectReason.SymbolHalted;

    const ref = cmds.inboundSeq(base);
    this.takerAccount = cmds.i32[(base >> 2) + 10];
    this.ordersAccepted++;
    this.sharesEntered += shares;
    this.enter(locate, sideChar === SIDE_BUY ? BID : ASK, orderType, price, shares, ref, cmds.timestampNs(base), ref);
    return OK;
  }

  /**
   * A client's new order that the order manager has parsed and checked (symbol, side, type,
   * shares, and a limit price on the grid unless `checkPrice`): as `apply` of it, without
   * parsing and checking the command a second time. `side` is BID or ASK; a market order
   * comes as IOC at its collar limit, which `checkPrice` has checked here as `apply` would.
   */
  enterAt(cmds: CommandBuffer, base: number, locate: number, side: number, orderType: number, price: number, shares: number, checkPrice: boolean): RejectReason {
    this.commands++;
    const ref = cmds.inboundSeq(base);
    this.lastInboundSeq = ref;
    let reason: RejectReason = OK;
    if (checkPrice && !this.validPrice(price)) reason = RejectReason.BadPrice;
    else if (this.marketClosed) reason = RejectReason.MarketClosed;
    else if (this.tradingState[locate] !== STATE_TRADING) reason = RejectReason.SymbolHalted;
    if (reason !== OK) return this.settle(reason);
    this.takerAccount = cmds.i32[(base >> 2) + 10];
    this.ordersAccepted++;
    this.sharesEntered += shares;
    this.enter(locate, side, orderType, price, shares, ref, cmds.timestampNs(base), ref);
    return this.settle(OK);
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
    const crossKey = orderType === OT_MARKET ? MARKET_CROSS_KEY : side === BID ? -price : price;
    this.incomingSelfMatch = false;
    const remaining = this.match(locate, side, crossKey, shares, ref, ts, inSeq);
    this.incomingRemaining = remaining;
    if (remaining === 0) return;
    if (orderType === OT_LIMIT && !this.incomingSelfMatch) {
      this.rest(locate, side, price, remaining, ref, this.takerAccount);
      this.emit(EV_ADDED, side, 0, locate, remaining, price, ref, 0, 0, ts, inSeq);
    } else {
      // IOC and market remainders never rest (nor a self-match's): cancelled back to the sender.
      this.sharesCancelled += remaining;
    }
  }

  private match(locate: number, side: number, crossKey: number, shares: number, ref: number, ts: number, inSeq: number): number {
    const opp = locate * 2 + (side ^ 1);
    const slots = this.sideSlots[opp];
    const keys = this.sideKeys[opp];
    const restingSide = side ^ 1;
    const taker = this.takerAccount;
    let remaining = shares;
    outer: while (remaining > 0) {
      const n = this.sideCount[opp];
      if (n === 0 || keys[n - 1] < crossKey) break;
      const level = slots[n - 1];
      const levelPrice = this.li32[level * 8 + L_PRICE];
      let order = this.li32[level * 8 + L_HEAD];
      while (order !== NONE && remaining > 0) {
        const of64 = this.of64;
        const owner = this.oi32[order * 8 + O_OWNER];
        if (taker !== 0 && owner === taker) {
          // Self-match prevention: the incoming (newest) order stops here; the book is untouched.
          this.incomingSelfMatch = true;
          break outer;
        }
        const resting = this.ou32[order * 8 + O_SHARES];
        const fill = resting < remaining ? resting : remaining;
        const restingRef = of64[order * 4 + O_REF];
        remaining -= fill;
        this.executions++;
        this.sharesExecuted += fill;
        this.lastTrade[locate] = levelPrice;
        const match = ++this.matchNumber;
        this.emit(EV_EXECUTED, restingSide, 0, locate, fill, levelPrice, restingRef, ref, match, ts, inSeq);
        if ((owner | taker) !== 0 && this.listener !== null) {
          this.listener.onExecution(locate, restingSide, levelPrice, fill, restingRef, order, owner, ref, taker, match, ts, inSeq);
        }
        const next = this.oi32[order * 8 + O_NEXT];
        if (fill === resting) {
          this.unlinkOrder(order, resting); // may free the level when it was the last order
        } else {
          this.ou32[order * 8 + O_SHARES] = resting - fill;
          this.lf64[level * 4 + L_SHARES] -= fill;
        }
        order = next;
      }
    }
    return remaining;
  }

  private applyCancel(cmds: CommandBuffer, base: number): RejectReason {
    const ref = cmds.orderRef(base);
    const order = this.findOrder(ref);
    if (order === NONE) return RejectReason.UnknownOrder;
    return this.cancelOrder(order, ref, cmds, base);
  }

  /**
   * A cancel command for the resting order in `slot` under `ref`, found by the caller (the
   * order manager, which names orders by order id): as `apply` of it, without a second ref
   * lookup or a copy of the command with the ref in it.
   */
  cancelAt(slot: number, ref: number, cmds: CommandBuffer, base: number): RejectReason {
    this.commands++;
    this.lastInboundSeq = cmds.inboundSeq(base);
    return this.settle(this.cancelOrder(slot, ref, cmds, base));
  }

  private cancelOrder(order: number, ref: number, cmds: CommandBuffer, base: number): RejectReason {
    const locate = cmds.locate(base);
    const level = this.oi32[order * 8 + O_LEVEL];
    const bookSide = this.li32[level * 8 + L_BOOK_SIDE];
    if (locate !== 0 && locate !== bookSide >> 1) return RejectReason.UnknownOrder;
    if (this.oi32[order * 8 + O_OWNER] !== cmds.i32[(base >> 2) + 10]) return RejectReason.NotOwner;
    const current = this.ou32[order * 8 + O_SHARES];
    const price = this.li32[level * 8 + L_PRICE];
    const cancel = cmds.shares(base);
    const ts = cmds.timestampNs(base);
    const inSeq = cmds.inboundSeq(base);
    if (cancel > 0 && cancel < current) {
      // Partial cancel keeps time priority.
      this.ou32[order * 8 + O_SHARES] = current - cancel;
      this.lf64[level * 4 + L_SHARES] -= cancel;
      this.sharesCancelled += cancel;
      this.emit(EV_CANCELLED, bookSide & 1, 0, bookSide >> 1, cancel, price, ref, 0, 0, ts, inSeq);
    } else {
      this.sharesCancelled += current;
      this.emit(EV_DELETED, bookSide & 1, 0, bookSide >> 1, current, price, ref, 0, 0, ts, inSeq);
      this.unlinkOrder(order, current);
    }
    return OK;
  }

  private applyReplace(cmds: CommandBuffer, base: number): RejectReason {
    const ref = cmds.orderRef(base);
    const order = this.findOrder(ref);
    if (order === NONE) return RejectReason.UnknownOrder;
    return this.replaceOrder(order, ref, cmds, base);
  }

  /**
   * A replace command for the resting order in `slot` under `ref`, found by the caller (the
   * order manager): as `apply` of it, without a second ref lookup or a copy of the command
   * with the current ref in it.
   */
  replaceAt(slot: number, ref: number, cmds: CommandBuffer, base: number): RejectReason {
    this.commands++;
    this.lastInboundSeq = cmds.inboundSeq(base);
    return this.settle(this.replaceOrder(slot, ref, cmds, base));
  }

  private replaceOrder(order: number, ref: number, cmds: CommandBuffer, base: number): RejectReason {
    const level = this.oi32[order * 8 + O_LEVEL];
    const bookSide = this.li32[level * 8 + L_BOOK_SIDE];
    const locate = bookSide >> 1;
    const cmdLocate = cmds.locate(base);
    if (cmdLocate !== 0 && cmdLocate !== locate) return RejectReason.UnknownOrder;
    const account = cmds.i32[(base >> 2) + 10];
    if (this.oi32[order * 8 + O_OWNER] !== account) return RejectReason.NotOwner;
    const shares = cmds.shares(base);
    if (shares < 1 || shares > this.maxOrderShares) return RejectReason.BadShares;
    const price = cmds.price(base);
    if (!this.validPrice(price)) return RejectReason.BadPrice;
    if (this.marketClosed) return RejectReason.MarketClosed;
    if (this.tradingState[locate] !== STATE_TRADING) return RejectReason.SymbolHalted;

    const side = bookSide & 1;
    const current = this.ou32[order * 8 + O_SHARES];
    const oldPrice = this.li32[level * 8 + L_PRICE];
    const ts = cmds.timestampNs(base);
    const inSeq = cmds.inboundSeq(base);
    if (price === oldPrice && shares <= current) {
      if (shares === current) return RejectReason.NoChange;
      // Same price, smaller size: a partial cancel that keeps priority.
      const cancel = current - shares;
      this.ou32[order * 8 + O_SHARES] = shares;
      this.lf64[level * 4 + L_SHARES] -= cancel;
      this.sharesCancelled += cancel;
      this.emit(EV_CANCELLED, side, 0, locate, cancel, oldPrice, ref, 0, 0, ts, inSeq);
      return OK;
    }

    const newRef = inSeq;
    this.takerAccount = account;
    this.sharesCancelled += current;
    this.sharesEntered += shares;
    this.unlinkOrder(order, current);
    const opp = locate * 2 + (side ^ 1);
    const oppCount = this.sideCount[opp];
    const crossKey = side === BID ? -price : price;
    if (oppCount > 0 && this.sideKeys[opp][oppCount - 1] >= crossKey) {
      // A replace that would cross is a delete and a new aggressive order, so the
      // feed never shows a resting order inside the spread.
      this.emit(EV_DELETED, side, 0, locate, current, oldPrice, ref, 0, 0, ts, inSeq);
      this.enter(locate, side, OT_LIMIT, price, shares, newRef, ts, inSeq);
    } else {
      this.incomingSelfMatch = false;
      this.incomingRemaining = shares;
      this.rest(locate, side, price, shares, newRef, account);
      this.emit(EV_REPLACED, side, 0, locate, shares, price, ref, newRef, 0, ts, inSeq);
    }
    return OK;
  }

  private applyTradingState(cmds: CommandBuffer, base: number): RejectReason {
    const locate = cmds.locate(base);
    if (locate < 1 || locate > this.symbols) return RejectReason.UnknownSymbol;
    const state = cmds.code(base);
    if (state !== TradingState.Halted && state !== TradingState.Paused && state !== TradingState.QuotationOnly && state !== STATE_TRADING) {
      return RejectReason.BadCommand;
    }
    this.tradingState[locate] = state;
    this.emit(EV_TRADING_STATE, 0, state, locate, 0, 0, 0, 0, 0, cmds.timestampNs(base), cmds.inboundSeq(base));
    return OK;
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
    this.emit(EV_SYSTEM, 0, code, 0, 0, 0, 0, 0, 0, cmds.timestampNs(base), cmds.inboundSeq(base));
    return OK;
  }

  private validPrice(price: number): boolean {
    return price >= 1 && price <= MAX_PRICE && price % this.tickSize === 0;
  }

  // ---- order ref index ----------------------------------------------------------------

  /** The slot of the resting order with this ref, or NONE. */
  private findOrder(ref: number): number {
    if (!(ref >= 1 && ref <= Number.MAX_SAFE_INTEGER)) return NONE; // also NaN
    const slot = this.refWindow[ref & this.refWindowMask];
    if (slot !== NONE && this.of64[slot * 4 + O_REF] === ref) return slot;
    return this.overflow.size === 0 ? NONE : this.overflow.get(ref);
  }

  private indexOrder(ref: number, slot: number): void {
    const i = ref & this.refWindowMask;
    const held = this.refWindow[i];
    // A live order a whole window older holds the entry: it moves to the overflow table.
    if (held !== NONE) this.overflow.set(this.of64[held * 4 + O_REF], held);
    this.refWindow[i] = slot;
  }

  private unindexOrder(ref: number, slot: number): void {
    const i = ref & this.refWindowMask;
    if (this.refWindow[i] === slot) this.refWindow[i] = NONE;
    else this.overflow.delete(ref);
  }

  // ---- book structure ---------------------------------------------------------------

  /** Adds an order at the tail of its price level, creating the level if needed. */
  private rest(locate: number, side: number, price: number, shares: number, ref: number, owner: number): void {
    const bookSide = locate * 2 + side;
    const key = side === BID ? price : -price;
    const pos = this.findPosition(bookSide, key);
    const n = this.sideCount[bookSide];
    const level = pos < n && this.sideKeys[bookSide][pos] === key ? this.sideSlots[bookSide][pos] : this.newLevel(bookSide, price, key, pos);
    if (this.orderFree === NONE) this.growOrders();
    const oi32 = this.oi32;
    const li32 = this.li32;
    const order = this.orderFree;
    const o = order * 8;
    this.orderFree = oi32[o + O_NEXT];
    this.of64[order * 4 + O_REF] = ref;
    this.ou32[order * 8 + O_SHARES] = shares;
    oi32[o + O_TAG] = owner === 0 ? 0 : this.takerTag;
    oi32[o + O_OWNER] = owner;
    oi32[o + O_LEVEL] = level;
    const l = level * 8;
    const tail = li32[l + L_TAIL];
    oi32[o + O_PREV] = tail;
    oi32[o + O_NEXT] = NONE;
    if (tail === NONE) li32[l + L_HEAD] = order;
    else oi32[tail * 8 + O_NEXT] = order;
    li32[l + L_TAIL] = order;
    li32[l + L_COUNT]++;
    this.lf64[level * 4 + L_SHARES] += shares;
    this.indexOrder(ref, order);
    this.restingOrders++;
    this.restedSlot = order;
  }

  /** Removes an order from its level (O(1)); frees the level when it empties. */
  private unlinkOrder(order: number, shares: number): void {
    const oi32 = this.oi32;
    const li32 = this.li32;
    const o = order * 8;
    const level = oi32[o + O_LEVEL];
    const l = level * 8;
    const prev = oi32[o + O_PREV];
    const next = oi32[o + O_NEXT];
    if (prev === NONE) li32[l + L_HEAD] = next;
    else oi32[prev * 8 + O_NEXT] = next;
    if (next === NONE) li32[l + L_TAIL] = prev;
    else oi32[next * 8 + O_PREV] = prev;
    this.lf64[level * 4 + L_SHARES] -= shares;
    this.unindexOrder(this.of64[order * 4 + O_REF], order);
    oi32[o + O_NEXT] = this.orderFree;
    oi32[o + O_TAG] = 0;
    this.orderFree = order;
    this.restingOrders--;
    if (--li32[l + L_COUNT] === 0) this.removeLevel(level);
  }

  /**
   * Index of the first level whose key is >= key in the side's ascending key array
   * (its length if none): the level itself when it exists, else where it goes.
   */
  private findPosition(bookSide: number, key: number): number {
    const keys = this.sideKeys[bookSide];
    const n = this.sideCount[bookSide];
    // Scan down from the best (the end): new orders arrive at or near the touch.
    const stop = n > SCAN_LEVELS ? n - SCAN_LEVELS : 0;
    let i = n;
    while (i > stop && keys[i - 1] >= key) i--;
    if (i > stop || i === 0 || keys[i - 1] < key) return i;
    let lo = 0;
    let hi = i - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private newLevel(bookSide: number, price: number, key: number, pos: number): number {
    if (this.levelFree === NONE) this.growLevels();
    const li32 = this.li32;
    const level = this.levelFree;
    const l = level * 8;
    this.levelFree = li32[l + L_HEAD];
    this.lf64[level * 4 + L_SHARES] = 0;
    li32[l + L_PRICE] = price;
    li32[l + L_COUNT] = 0;
    li32[l + L_HEAD] = NONE;
    li32[l + L_TAIL] = NONE;
    li32[l + L_BOOK_SIDE] = bookSide;
    const n = this.sideCount[bookSide];
    if (n === this.sideSlots[bookSide].length) this.growSide(bookSide);
    const slots = this.sideSlots[bookSide];
    const keys = this.sideKeys[bookSide];
    if (pos < n) {
      slots.copyWithin(pos + 1, pos, n);
      keys.copyWithin(pos + 1, pos, n);
    }
    slots[pos] = level;
    keys[pos] = key;
    this.sideCount[bookSide] = n + 1;
    return level;
  }

  private removeLevel(level: number): void {
    const bookSide = this.li32[level * 8 + L_BOOK_SIDE];
    const n = this.sideCount[bookSide];
    const slots = this.sideSlots[bookSide];
    if (slots[n - 1] !== level) {
      const price = this.li32[level * 8 + L_PRICE];
      const pos = this.findPosition(bookSide, (bookSide & 1) === BID ? price : -price);
      const keys = this.sideKeys[bookSide];
      slots.copyWithin(pos, pos + 1, n);
      keys.copyWithin(pos, pos + 1, n);
    }
    this.sideCount[bookSide] = n - 1;
    this.li32[level * 8 + L_HEAD] = this.levelFree;
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
    u8[base + 1] = type === EV_SYSTEM || type === EV_TRADING_STATE ? 0 : side === BID ? SIDE_BUY : SIDE_SELL;
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
    for (let i = from; i < to - 1; i++) this.oi32[i * 8 + O_NEXT] = i + 1;
    this.oi32[(to - 1) * 8 + O_NEXT] = this.orderFree;
    this.orderFree = from;
  }

  private chainFreeLevels(from: number, to: number): void {
    for (let i = from; i < to - 1; i++) this.li32[i * 8 + L_HEAD] = i + 1;
    this.li32[(to - 1) * 8 + L_HEAD] = this.levelFree;
    this.levelFree = from;
  }

  private growOrders(): void {
    const old = this.of64.length / 4;
    const buffer = growBuffer(this.of64.buffer as ArrayBuffer);
    this.of64 = new Float64Array(buffer);
    this.oi32 = new Int32Array(buffer);
    this.ou32 = new Uint32Array(buffer);
    this.chainFreeOrders(old, old * 2);
  }

  private growLevels(): void {
    const old = this.lf64.length / 4;
    const buffer = growBuffer(this.lf64.buffer as ArrayBuffer);
    this.lf64 = new Float64Array(buffer);
    this.li32 = new Int32Array(buffer);
    this.chainFreeLevels(old, old * 2);
  }

  private growSide(bookSide: number): void {
    const cap = this.sideSlots[bookSide].length * 2;
    this.sideSlots[bookSide] = growI32(this.sideSlots[bookSide], cap);
    this.sideKeys[bookSide] = growI32(this.sideKeys[bookSide], cap);
  }

  // ---- queries (not on the hot path) ------------------------------------------------

  isLive(ref: number): boolean {
    return this.findOrder(ref) !== NONE;
  }

  /** The pool slot of the resting order with this ref, or -1. Slots are reused once an order leaves the book. */
  slotOf(ref: number): number {
    return this.findOrder(ref);
  }

  /** The ref of the resting order in pool slot `slot` (valid while it rests). */
  refAt(slot: number): number {
    return this.of64[slot * 4 + O_REF];
  }

  // Slot accessors for the order manager (valid while the order rests): it reads what the
  // book already holds (open shares, price, side, owner) from the lines a cancel touches
  // anyway, instead of keeping copies in a record of its own.

  /** Open shares of the resting order in `slot`. */
  sharesAt(slot: number): number {
    return this.ou32[slot * 8 + O_SHARES];
  }

  /** The order manager's tag of the resting order in `slot` (0: the house's, or none). */
  tagAt(slot: number): number {
    return this.oi32[slot * 8 + O_TAG];
  }

  setTagAt(slot: number, tag: number): void {
    this.oi32[slot * 8 + O_TAG] = tag;
  }

  /** Slots in the order pool (a slot is below this). */
  get orderSlots(): number {
    return this.oi32.length >> 3;
  }

  /** The owner's account (u32) of the resting order in `slot`. */
  ownerAt(slot: number): number {
    return this.oi32[slot * 8 + O_OWNER] >>> 0;
  }

  /** Price (its level's) of the resting order in `slot`. */
  priceAt(slot: number): number {
    return this.li32[this.oi32[slot * 8 + O_LEVEL] * 8 + L_PRICE];
  }

  /** Book side (locate * 2, + 1 for the ask side) of the resting order in `slot`. */
  bookSideAt(slot: number): number {
    return this.li32[this.oi32[slot * 8 + O_LEVEL] * 8 + L_BOOK_SIDE];
  }

  order(ref: number): OrderView | null {
    const order = this.findOrder(ref);
    if (order === NONE) return null;
    const level = this.oi32[order * 8 + O_LEVEL];
    const bookSide = this.li32[level * 8 + L_BOOK_SIDE];
    return {
      ref,
      locate: bookSide >> 1,
      side: (bookSide & 1) === BID ? 'B' : 'S',
      price: this.li32[level * 8 + L_PRICE],
      shares: this.ou32[order * 8 + O_SHARES],
      account: this.oi32[order * 8 + O_OWNER] >>> 0,
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
    return n === 0 ? 0 : this.li32[this.sideSlots[bookSide][n - 1] * 8 + L_PRICE];
  }

  /** Levels of one side from the best, at most `depth`. */
  levels(locate: number, side: 'B' | 'S', depth = Infinity): LevelView[] {
    const bookSide = locate * 2 + (side === 'B' ? BID : ASK);
    const n = this.sideCount[bookSide];
    const out: LevelView[] = [];
    for (let i = n - 1; i >= 0 && out.length < depth; i--) {
      const level = this.sideSlots[bookSide][i];
      out.push({ price: this.li32[level * 8 + L_PRICE], shares: this.lf64[level * 4 + L_SHARES], orders: this.li32[level * 8 + L_COUNT] });
    }
    return out;
  }

  /** Order refs at one price level, in time priority. */
  ordersAt(locate: number, side: 'B' | 'S', price: number): number[] {
    const bookSide = locate * 2 + (side === 'B' ? BID : ASK);
    const key = side === 'B' ? price : -price;
    const pos = this.findPosition(bookSide, key);
    const level = pos < this.sideCount[bookSide] && this.sideKeys[bookSide][pos] === key ? this.sideSlots[bookSide][pos] : NONE;
    const out: number[] = [];
    for (let o = level === NONE ? NONE : this.li32[level * 8 + L_HEAD]; o !== NONE; o = this.oi32[o * 8 + O_NEXT]) out.push(this.of64[o * 4 + O_REF]);
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
          const price = this.li32[level * 8 + L_PRICE];
          for (let o = this.li32[level * 8 + L_HEAD]; o !== NONE; o = this.oi32[o * 8 + O_NEXT]) {
            visit({ ref: this.of64[o * 4 + O_REF], locate, side: side === BID ? 'B' : 'S', price, shares: this.ou32[o * 8 + O_SHARES], account: this.oi32[o * 8 + O_OWNER] >>> 0 });
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

  /** Price of the symbol's last execution today (0: none yet). */
  lastTradePrice(locate: number): number {
    return this.lastTrade[locate];
  }

  /** True while the symbol accepts new orders (state T, market hours not ended). */
  accepting(locate: number): boolean {
    return !this.marketClosed && this.tradingState[locate] === STATE_TRADING;
  }

  tradingStateOf(locate: number): string {
    return String.fromCharCode(this.tradingState[locate]);
  }

  /** SHA-256 of the whole book state: equal digests mean identical engines. */
  stateDigest(): string {
    const hash = crypto.createHash('sha256');
    hash.update(`seq=${this.eventSeq};match=${this.matchNumber};closed=${this.marketClosed};`);
    hash.update(Buffer.from(this.tradingState));
    // The owner joins the digest only when it is a client, so a house-only day keeps its digest.
    this.forEachRestingOrder((o) => hash.update(o.account === 0 ? `${o.locate}${o.side}${o.price}:${o.ref}:${o.shares};` : `${o.locate}${o.side}${o.price}:${o.ref}:${o.shares}@${o.account};`));
    return hash.digest('hex');
  }
}

function growI32(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}

function growBuffer(a: ArrayBuffer): ArrayBuffer {
  const b = new ArrayBuffer(a.byteLength * 2);
  new Uint8Array(b).set(new Uint8Array(a));
  return b;
}

