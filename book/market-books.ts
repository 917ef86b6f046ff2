// Every symbol's book, keyed by ITCH stock locate, built from ITCH 5.0 semantics (FEED.md,
// "Book semantics"). The publisher and the feed handler both use it: decode a message
// into the reused ItchMessage and apply it, or call `decodeAndApply` on wire bytes.
//
// Orders of all symbols share one pool and one ref table (refs are unique across the
// day); price levels are found by a second table keyed by (locate, side, price), so add,
// execute, cancel, delete and replace are O(1) and only a new or emptied level costs a
// sorted insert/remove. Unknown refs are orphans (counted); integrity errors are counted,
// logged with the sequence number and NOT applied.

import { decodeItch, ItchMessage, ItchType } from '../protocol';
import { BookStore, NIL } from './book-store';
import { CandleClock, CandleSeries, DEFAULT_CANDLE_CAPACITY, type CandleInterval } from './candles';
import { Integrity, IntegrityLog, type IntegrityListener } from './errors';
import { IndexTable } from './index-table';
import { BUY, OrderBook, SELL } from './order-book';

export interface MarketBooksOptions {
  /** Resting orders before the pool doubles (default 2^20). */
  orderCapacity?: number;
  /** Price levels before the pool doubles (default 2^14). */
  levelCapacity?: number;
  /** Session date YYYY-MM-DD (New York) for candles; without it no candles are built. */
  sessionDate?: string;
  /** Ring capacity per candle interval. */
  candleCapacity?: Partial<Record<CandleInterval, number>>;
  /** Told about each integrity error. */
  listener?: IntegrityListener;
  /** Recent integrity errors kept for reporting (default 256). */
  integrityLogSize?: number;
}

const TWO_32 = 4294967296;
const SIDE_BIT = 2147483648; // 2^31: prices are below it (max 2,000,000,000)

export class MarketBooks {
  readonly store: BookStore;
  readonly integrity: IntegrityLog;
  /** Messages applied, by ITCH type byte. */
  readonly applied = new Float64Array(256);
  /** Orphans (a ref not on the book), by ITCH type byte. */
  readonly orphansByType = new Float64Array(256);
  orphans = 0;
  /** Last System Event code ('O', 'S', 'Q', 'M', 'E', 'C'), 0 before any. */
  systemEvent = 0;
  /** From an End of Snapshot (G): the first live sequence to apply. */
  snapshotSequence = 0;
  readonly clock: CandleClock | null;
  /** Scratch record for decodeAndApply. */
  readonly message = new ItchMessage();

  private readonly books: (OrderBook | null)[] = new Array<OrderBook | null>(65536).fill(null);
  private readonly bookList: OrderBook[] = [];
  private readonly refs: IndexTable;
  private readonly levelIndex: IndexTable;
  private readonly listener: IntegrityListener | null;
  private readonly candleCapacity: Record<CandleInterval, number>;

  constructor(options: MarketBooksOptions = {}) {
    const orders = options.orderCapacity ?? 1 << 20;
    const levels = options.levelCapacity ?? 1 << 14;
    this.store = new BookStore(orders, levels);
    this.refs = new IndexTable(orders);
    this.levelIndex = new IndexTable(levels);
    this.integrity = new IntegrityLog(options.integrityLogSize ?? 256);
    this.listener = options.listener ?? null;
    this.clock = options.sessionDate !== undefined ? new CandleClock(options.sessionDate) : null;
    this.candleCapacity = { ...DEFAULT_CANDLE_CAPACITY, ...options.candleCapacity };
  }

  /** The book for a stock locate, or null if no message has named it. */
  book(locate: number): OrderBook | null {
    return this.books[locate] ?? null;
  }

  /** The book whose Stock Directory (or first add) named `symbol`, or null. */
  bookBySymbol(symbol: string): OrderBook | null {
    for (const b of this.bookList) if (b.symbol === symbol) return b;
    return null;
  }

  /** Every book, in the order they appeared. */
  allBooks(): readonly OrderBook[] {
    return this.bookList;
  }

  /** Resting orders across all books. */
  get liveOrders(): number {
    return this.store.liveOrders;
  }

  /**
   * Decodes the ITCH message at `bytes[offset, offset + length)` and applies it. Returns
   * decodeItch's status: 0 applied, ITCH_IGNORED, or a protocol Fault (nothing applied).
   */
  decodeAndApply(bytes: Uint8Array, offset: number, length: number, sequence: number): number {
    const m = this.message;
    const status = decodeItch(bytes, offset, length, m);
    if (status === 0) this.apply(m, sequence);
    return status;
  }

  /** Applies one decoded message; `sequence` is its feed sequence number (for error reports). */
  apply(m: ItchMessage, sequence: number): void {
    const type = m.type;
    this.applied[type]++;
    switch (type) {
      case ItchType.AddOrder:
      case ItchType.AddOrderMpid:
        this.addOrder(sequence, m.locate, m.orderRef, m.side, m.shares, m.price, m.timestampNs, m);
        return;
      case ItchType.OrderExecuted:
        this.executeOrder(sequence, type, m.locate, m.orderRef, m.shares, m.timestampNs, -1);
        return;
      case ItchType.OrderExecutedWithPrice:
        // A non-printable execution still takes shares off the order; it is just not a print.
        this.executeOrder(sequence, type, m.locate, m.orderRef, m.shares, m.timestampNs, m.printable === 0x59 ? m.price : -2);
        return;
      case ItchType.OrderCancel:
        this.cancelOrder(sequence, m.locate, m.orderRef, m.shares);
        return;
      case ItchType.OrderDelete:
        this.deleteOrder(sequence, m.locate, m.orderRef);
        return;
      case ItchType.OrderReplace:
        this.replaceOrder(sequence, m.locate, m.orderRef, m.newRef, m.shares, m.price, m.timestampNs);
        return;
      case ItchType.Trade: {
        const book = this.ensureBook(m.locate, m);
        if (book !== null) this.print(book, m.price, m.shares, m.timestampNs);
        return;
      }
      case ItchType.StockDirectory: {
        const book = this.ensureBook(m.locate, m);
        if (book !== null) book.symbol = m.stock();
        return;
      }
      case ItchType.StockTradingAction: {
        const book = this.ensureBook(m.locate, m);
        if (book !== null) book.tradingState = m.tradingState;
        return;
      }
      case ItchType.SystemEvent:
        this.systemEvent = m.eventCode;
        return;
      case ItchType.EndOfSnapshot:
        this.snapshotSequence = m.snapshotSequence;
        return;
    }
  }

  /** A (or F): a new order at the back of its price level's queue. */
  addOrder(sequence: number, locate: number, ref: number, side: number, shares: number, price: number, timestampNs: number, m: ItchMessage | null = null): boolean {
    const book = this.ensureBook(locate, m);
    if (book === null || shares === 0) return this.fail(Integrity.BadOrder, sequence, locate, ref);
    if (this.refs.get(ref) !== NIL) return this.fail(Integrity.DuplicateRef, sequence, locate, ref);
    if (this.wouldCross(book, side, price)) return this.fail(Integrity.Crossed, sequence, locate, ref);
    this.rest(book, ref, side, shares, price, timestampNs);
    return true;
  }

  /**
   * E or C: takes executed shares off an order (removing it at zero) and prints the trade.
   * `printPrice`: -1 prints at the resting price (E), -2 does not print (non-printable C).
   */
  executeOrder(sequence: number, type: number, locate: number, ref: number, shares: number, timestampNs: number, printPrice: number): boolean {
    const order = this.refs.get(ref);
    if (order === NIL) return this.orphan(type, locate);
    const s = this.store;
    const level = s.orderLevel[order];
    if (s.levelLocate[level] !== locate) return this.fail(Integrity.LocateMismatch, sequence, locate, ref);
    if (shares > s.orderShares[order]) return this.fail(Integrity.OverExecution, sequence, locate, ref);
    if (shares > s.levelShares[level]) return this.fail(Integrity.NegativeLevel, sequence, locate, ref);
    const restingPrice = s.orderPrice[order];
    this.reduce(order, level, shares);
    if (printPrice !== -2) {
      const book = this.books[locate] as OrderBook;
      this.print(book, printPrice === -1 ? restingPrice : printPrice, shares, timestampNs);
    }
    return true;
  }

  /** X: a partial cancel (removing the order at zero). */
  cancelOrder(sequence: number, locate: number, ref: number, shares: number): boolean {
    const order = this.refs.get(ref);
    if (order === NIL) return this.orphan(ItchType.OrderCancel, locate);
    const s = this.store;
    const level = s.orderLevel[order];
    if (s.levelLocate[level] !== locate) return this.fail(Integrity.LocateMismatch, sequence, locate, ref);
    if (shares > s.orderShares[order]) return this.fail(Integrity.OverCancel, sequence, locate, ref);
    if (shares > s.levelShares[level]) return this.fail(Integrity.NegativeLevel, sequence, locate, ref);
    this.reduce(order, level, shares);
    return true;
  }

  /** D: the whole order leaves the book. */
  deleteOrder(sequence: number, locate: number, ref: number): boolean {
    const order = this.refs.get(ref);
    if (order === NIL) return this.orphan(ItchType.OrderDelete, locate);
    const s = this.store;
    const level = s.orderLevel[order];
    if (s.levelLocate[level] !== locate) return this.fail(Integrity.LocateMismatch, sequence, locate, ref);
    if (s.orderShares[order] > s.levelShares[level]) return this.fail(Integrity.NegativeLevel, sequence, locate, ref);
    this.reduce(order, level, s.orderShares[order]);
    return true;
  }

  /**
   * U: the new ref replaces the original, keeping its side and stock, losing its time
   * priority, taking the new shares and price (FEED.md). Checked whole before anything
   * changes, so a refused replace leaves the original in place.
   */
  replaceOrder(sequence: number, locate: number, ref: number, newRef: number, shares: number, price: number, timestampNs: number): boolean {
    const order = this.refs.get(ref);
    if (order === NIL) return this.orphan(ItchType.OrderReplace, locate);
    const s = this.store;
    const level = s.orderLevel[order];
    if (s.levelLocate[level] !== locate) return this.fail(Integrity.LocateMismatch, sequence, locate, ref);
    if (shares === 0) return this.fail(Integrity.BadOrder, sequence, locate, newRef);
    if (newRef !== ref && this.refs.get(newRef) !== NIL) return this.fail(Integrity.DuplicateRef, sequence, locate, newRef);
    if (s.orderShares[order] > s.levelShares[level]) return this.fail(Integrity.NegativeLevel, sequence, locate, ref);
    const book = this.books[locate] as OrderBook;
    const side = s.levelSide[level];
    if (this.wouldCross(book, side, price)) return this.fail(Integrity.Crossed, sequence, locate, newRef);
    this.reduce(order, level, s.orderShares[order]);
    this.rest(book, newRef, side, shares, price, timestampNs);
    return true;
  }

  // --- internals ------------------------------------------------------------------

  private ensureBook(locate: number, m: ItchMessage | null): OrderBook | null {
    const existing = this.books[locate];
    if (existing !== null) return existing;
    if (locate === 0) return null;
    const book = new OrderBook(locate, m !== null && m.type !== ItchType.OrderReplace ? m.stock() : '', this.store);
    if (this.clock !== null) book.candles = new CandleSeries(this.clock, this.candleCapacity);
    this.books[locate] = book;
    this.bookList.push(book);
    return book;
  }

  /** Crossed or locked against the other side's best, while trading is continuous. */
  private wouldCross(book: OrderBook, side: number, price: number): boolean {
    if (!book.continuousTrading) return false;
    if (side === BUY) return book.askDepth > 0 && price >= book.bestAskPrice();
    return book.bidDepth > 0 && price <= book.bestBidPrice();
  }

  /** Puts an order at the tail of its level, creating the level if needed. */
  private rest(book: OrderBook, ref: number, side: number, shares: number, price: number, timestampNs: number): void {
    const key = book.locate * TWO_32 + (side === SELL ? SIDE_BIT : 0) + price;
    let level = this.levelIndex.get(key);
    if (level === NIL) {
      level = this.store.allocLevel();
      const s = this.store;
      s.levelPrice[level] = price;
      s.levelShares[level] = 0;
      s.levelOrders[level] = 0;
      s.levelHead[level] = NIL;
      s.levelTail[level] = NIL;
      s.levelSide[level] = side;
      s.levelLocate[level] = book.locate;
      this.levelIndex.set(key, level);
      book.insertLevel(side, level, price);
    }
    const order = this.store.allocOrder();
    const s = this.store; // after alloc: the pools may have grown
    s.orderRef[order] = ref;
    s.orderShares[order] = shares;
    s.orderPrice[order] = price;
    s.orderLevel[order] = level;
    s.orderTimestamp[order] = timestampNs;
    const tail = s.levelTail[level];
    s.orderPrev[order] = tail;
    s.orderNext[order] = NIL;
    if (tail === NIL) s.levelHead[level] = order;
    else s.orderNext[tail] = order;
    s.levelTail[level] = order;
    s.levelShares[level] += shares;
    s.levelOrders[level]++;
    this.refs.set(ref, order);
  }

  /** Takes `shares` off an order and its level; removes the order (and an emptied level) at zero. */
  private reduce(order: number, level: number, shares: number): void {
    const s = this.store;
    const left = s.orderShares[order] - shares;
    s.levelShares[level] -= shares;
    if (left > 0) {
      s.orderShares[order] = left;
      return;
    }
    const prev = s.orderPrev[order];
    const next = s.orderNext[order];
    if (prev === NIL) s.levelHead[level] = next;
    else s.orderNext[prev] = next;
    if (next === NIL) s.levelTail[level] = prev;
    else s.orderPrev[next] = prev;
    this.refs.delete(s.orderRef[order]);
    s.freeOrder(order);
    if (--s.levelOrders[level] === 0) {
      const locate = s.levelLocate[level];
      const side = s.levelSide[level];
      const price = s.levelPrice[level];
      this.levelIndex.delete(locate * TWO_32 + (side === SELL ? SIDE_BIT : 0) + price);
      (this.books[locate] as OrderBook).removeLevel(side, level);
      s.freeLevel(level);
    }
  }

  private print(book: OrderBook, price: number, shares: number, timestampNs: number): void {
    book.lastTradePrice = price;
    book.lastTradeShares = shares;
    book.lastTradeNs = timestampNs;
    book.volume += shares;
    book.trades++;
    if (book.candles !== null) book.candles.trade(timestampNs, price, shares);
  }

  private orphan(type: number, locate: number): boolean {
    this.orphans++;
    this.orphansByType[type]++;
    const book = this.books[locate];
    if (book !== null) book.orphans++;
    return false;
  }

  private fail(code: number, sequence: number, locate: number, ref: number): boolean {
    this.integrity.record(code, sequence, locate, ref);
    if (this.listener !== null) this.listener.onIntegrityError(code, sequence, locate, ref);
    return false;
  }
}
