// Every symbol's book, keyed by ITCH stock locate, built from ITCH 5.0 semantics (FEED.md,
// "Book semantics"). The publisher and the feed handler both use it: decode a message
// into the reused ItchMessage and apply it, or call `decodeAndApply` on wire bytes.
//
// Orders of all symbols share one pool and one ref table (refs are unique across the
// day), so execute, cancel, delete and replace are O(1); an add finds its price level by
// a short scan from the touch of its book's sorted level list (O(log levels) at worst),
// and only a new or emptied level costs a sorted insert/remove. Unknown refs are orphans
// (counted); integrity errors are counted, logged with the sequence number and NOT applied.

import { decodeItch as decodeItchExport, ItchMessage } from '../protocol';

// A module-local binding: CommonJS re-exports through protocol/index are getters, and a
// getter call per message costs more than the decode itself.
const decodeItch = decodeItchExport;
import { BookStore, L_HEAD, L_LOCATE, L_ORDERS, L_PRICE, L_SHARES, L_SIDE, L_TAIL, NIL, O_LEVEL, O_NEXT, O_PREV, O_REF, O_SHARES, O_TIMESTAMP } from './book-store';
import { CandleClock, CandleSeries, DEFAULT_CANDLE_CAPACITY, type CandleInterval } from './candles';
import { Integrity, IntegrityLog, type IntegrityListener } from './errors';
import { OrderRefTable } from './order-ref-table';
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
  private readonly refs: OrderRefTable;
  private readonly listener: IntegrityListener | null;
  private readonly candleCapacity: Record<CandleInterval, number>;
  /** markCandlesIncomplete's ranges, flat [fromNs, toNs, ...]: applied to books created later. */
  private readonly incompleteNs: number[] = [];

  constructor(options: MarketBooksOptions = {}) {
    const orders = options.orderCapacity ?? 1 << 20;
    const levels = options.levelCapacity ?? 1 << 14;
    this.store = new BookStore(orders, levels);
    // The ref table starts small and doubles as needed: sized to the live set it stays in
    // cache (STYLE.md: random access past a few MB costs ~200 ns), where a table sized to
    // the pool's capacity would miss on every lookup.
    this.refs = new OrderRefTable(this.store, Math.min(orders, 1 << 14));
    this.integrity = new IntegrityLog(options.integrityLogSize ?? 256);
    this.listener = options.listener ?? null;
    this.clock = options.sessionDate !== undefined ? new CandleClock(options.sessionDate) : null;
    this.candleCapacity = { ...DEFAULT_CANDLE_CAPACITY, ...options.candleCapacity };
  }

  /**
   * Prints between `fromNs` and `toNs` (ITCH ns since New York midnight) may be missing (a
   * feed handler's snapshot recovery or late join): every candle overlapping that range, in
   * every book and every interval, is marked incomplete, now and when it opens later; books
   * created later are marked too. No-op without candles.
   */
  markCandlesIncomplete(fromNs: number, toNs: number): void {
    if (this.clock === null) return;
    this.incompleteNs.push(fromNs, toNs);
    for (const book of this.bookList) if (book.candles !== null) book.candles.markIncomplete(fromNs, toNs);
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
      case 0x41: // 'A'
      case 0x46: // 'F'
        this.addOrder(sequence, m.locate, m.orderRef, m.side, m.shares, m.price, m.timestampNs, m);
        return;
      case 0x45: // 'E'
        this.executeOrder(sequence, type, m.locate, m.orderRef, m.shares, m.timestampNs, -1);
        return;
      case 0x43: // 'C'
        // A non-printable execution still takes shares off the order; it is just not a print.
        this.executeOrder(sequence, type, m.locate, m.orderRef, m.shares, m.timestampNs, m.printable === 0x59 ? m.price : -2);
        return;
      case 0x58: // 'X'
        this.cancelOrder(sequence, m.locate, m.orderRef, m.shares);
        return;
      case 0x44: // 'D'
        this.deleteOrder(sequence, m.locate, m.orderRef);
        return;
      case 0x55: // 'U'
        this.replaceOrder(sequence, m.locate, m.orderRef, m.newRef, m.shares, m.price, m.timestampNs);
        return;
      case 0x50: { // 'P'
        const book = this.ensureBook(m.locate, m);
        if (book !== null) this.print(book, m.price, m.shares, m.timestampNs);
        return;
      }
      case 0x52: { // 'R'
        const book = this.ensureBook(m.locate, m);
        if (book !== null) book.symbol = m.stock();
        return;
      }
      case 0x48: { // 'H'
        const book = this.ensureBook(m.locate, m);
        if (book !== null) book.tradingState = m.tradingState;
        return;
      }
      case 0x53: // 'S'
        this.systemEvent = m.eventCode;
        return;
      case 0x47: // 'G'
        this.snapshotSequence = m.snapshotSequence;
        return;
    }
  }

  /** A (or F): a new order at the back of its price level's queue. */
  addOrder(sequence: number, locate: number, ref: number, side: number, shares: number, price: number, timestampNs: number, m: ItchMessage | null = null): boolean {
    const book = this.ensureBook(locate, m);
    if (book === null || shares === 0) return this.fail(Integrity.BadOrder, sequence, locate, ref);
    if (this.wouldCross(book, side, price)) return this.fail(Integrity.Crossed, sequence, locate, ref);
    const order = this.store.allocOrder();
    if (!this.refs.add(ref, order)) {
      this.store.freeOrder(order);
      return this.fail(Integrity.DuplicateRef, sequence, locate, ref);
    }
    this.link(book, order, ref, side, shares, price, timestampNs);
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
    const level = s.oi[order * 8 + O_LEVEL];
    if (s.li[level * 8 + L_LOCATE] !== locate) return this.fail(Integrity.LocateMismatch, sequence, locate, ref);
    if (shares > (s.oi[order * 8 + O_SHARES] >>> 0)) return this.fail(Integrity.OverExecution, sequence, locate, ref);
    if (shares > s.lf[level * 4 + L_SHARES]) return this.fail(Integrity.NegativeLevel, sequence, locate, ref);
    const restingPrice = s.li[level * 8 + L_PRICE];
    this.reduce(order, level, shares, ref);
    if (printPrice !== -2) {
      const book = this.books[locate] as OrderBook;
      this.print(book, printPrice === -1 ? restingPrice : printPrice, shares, timestampNs);
    }
    return true;
  }

  /** X: a partial cancel (removing the order at zero). */
  cancelOrder(sequence: number, locate: number, ref: number, shares: number): boolean {
    const order = this.refs.get(ref);
    if (order === NIL) return this.orphan(0x58, locate);
    const s = this.store;
    const level = s.oi[order * 8 + O_LEVEL];
    if (s.li[level * 8 + L_LOCATE] !== locate) return this.fail(Integrity.LocateMismatch, sequence, locate, ref);
    if (shares > (s.oi[order * 8 + O_SHARES] >>> 0)) return this.fail(Integrity.OverCancel, sequence, locate, ref);
    if (shares > s.lf[level * 4 + L_SHARES]) return this.fail(Integrity.NegativeLevel, sequence, locate, ref);
    this.reduce(order, level, shares, ref);
    return true;
  }

  /** D: the whole order leaves the book. */
  deleteOrder(sequence: number, locate: number, ref: number): boolean {
    const order = this.refs.get(ref);
    if (order === NIL) return this.orphan(0x44, locate);
    const s = this.store;
    const level = s.oi[order * 8 + O_LEVEL];
    if (s.li[level * 8 + L_LOCATE] !== locate) return this.fail(Integrity.LocateMismatch, sequence, locate, ref);
    const shares = s.oi[order * 8 + O_SHARES] >>> 0;
    if (shares > s.lf[level * 4 + L_SHARES]) return this.fail(Integrity.NegativeLevel, sequence, locate, ref);
    this.reduce(order, level, shares, ref);
    return true;
  }

  /**
   * U: the new ref replaces the original, keeping its side and stock, losing its time
   * priority, taking the new shares and price (FEED.md). Checked whole before anything
   * changes, so a refused replace leaves the original in place.
   */
  replaceOrder(sequence: number, locate: number, ref: number, newRef: number, shares: number, price: number, timestampNs: number): boolean {
    const order = this.refs.get(ref);
    if (order === NIL) return this.orphan(0x55, locate);
    const s = this.store;
    const level = s.oi[order * 8 + O_LEVEL];
    if (s.li[level * 8 + L_LOCATE] !== locate) return this.fail(Integrity.LocateMismatch, sequence, locate, ref);
    if (shares === 0) return this.fail(Integrity.BadOrder, sequence, locate, newRef);
    if (newRef !== ref && this.refs.get(newRef) !== NIL) return this.fail(Integrity.DuplicateRef, sequence, locate, newRef);
    const oldShares = s.oi[order * 8 + O_SHARES] >>> 0;
    if (oldShares > s.lf[level * 4 + L_SHARES]) return this.fail(Integrity.NegativeLevel, sequence, locate, ref);
    const book = this.books[locate] as OrderBook;
    const side = s.li[level * 8 + L_SIDE];
    if (this.wouldCross(book, side, price)) return this.fail(Integrity.Crossed, sequence, locate, newRef);
    this.reduce(order, level, oldShares, ref);
    const added = this.store.allocOrder();
    this.refs.add(newRef, added);
    this.link(book, added, newRef, side, shares, price, timestampNs);
    return true;
  }

  // --- internals ------------------------------------------------------------------

  private ensureBook(locate: number, m: ItchMessage | null): OrderBook | null {
    const existing = this.books[locate];
    if (existing !== null) return existing;
    if (locate === 0) return null;
    const book = new OrderBook(locate, m !== null && m.type !== 0x55 ? m.stock() : '', this.store);
    if (this.clock !== null) {
      const candles = new CandleSeries(this.clock, this.candleCapacity);
      for (let i = 0; i < this.incompleteNs.length; i += 2) candles.markIncomplete(this.incompleteNs[i], this.incompleteNs[i + 1]);
      book.candles = candles;
    }
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

  /** Fills in a new order (already in the ref table) and puts it at the tail of its level, creating the level if needed. */
  private link(book: OrderBook, order: number, ref: number, side: number, shares: number, price: number, timestampNs: number): void {
    const slot = book.levelSlot(side, price);
    let level: number;
    if (slot >= 0) {
      level = book.levelAt(side, slot);
    } else {
      level = this.store.allocLevel();
      const li = this.store.li; // after alloc: the pool may have grown
      const l8 = level * 8;
      this.store.lf[level * 4 + L_SHARES] = 0;
      li[l8 + L_PRICE] = price;
      li[l8 + L_ORDERS] = 0;
      li[l8 + L_HEAD] = NIL;
      li[l8 + L_TAIL] = NIL;
      li[l8 + L_SIDE] = side;
      li[l8 + L_LOCATE] = book.locate;
      book.insertLevel(side, -1 - slot, level, price);
    }
    const s = this.store;
    const of = s.of; // after the allocations: the pools may have grown
    const oi = s.oi;
    const li = s.li;
    const o4 = order * 4;
    const o8 = order * 8;
    const l8 = level * 8;
    of[o4 + O_REF] = ref;
    of[o4 + O_TIMESTAMP] = timestampNs;
    oi[o8 + O_SHARES] = shares;
    oi[o8 + O_LEVEL] = level;
    const tail = li[l8 + L_TAIL];
    oi[o8 + O_PREV] = tail;
    oi[o8 + O_NEXT] = NIL;
    if (tail === NIL) li[l8 + L_HEAD] = order;
    else oi[tail * 8 + O_NEXT] = order;
    li[l8 + L_TAIL] = order;
    li[l8 + L_ORDERS]++;
    s.lf[level * 4 + L_SHARES] += shares;
  }

  /**
   * Takes `shares` off an order (whose ref is `ref`) and its level; removes the order (and
   * an emptied level) at zero.
   */
  private reduce(order: number, level: number, shares: number, ref: number): void {
    const s = this.store;
    const oi = s.oi;
    const li = s.li;
    const o8 = order * 8;
    const l8 = level * 8;
    const left = (oi[o8 + O_SHARES] >>> 0) - shares;
    s.lf[level * 4 + L_SHARES] -= shares;
    if (left > 0) {
      oi[o8 + O_SHARES] = left;
      return;
    }
    const prev = oi[o8 + O_PREV];
    const next = oi[o8 + O_NEXT];
    if (prev === NIL) li[l8 + L_HEAD] = next;
    else oi[prev * 8 + O_NEXT] = next;
    if (next === NIL) li[l8 + L_TAIL] = prev;
    else oi[next * 8 + O_PREV] = prev;
    this.refs.delete(ref);
    s.freeOrder(order);
    if (--li[l8 + L_ORDERS] === 0) {
      const locate = li[l8 + L_LOCATE];
      (this.books[locate] as OrderBook).removeLevel(li[l8 + L_SIDE], level);
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
