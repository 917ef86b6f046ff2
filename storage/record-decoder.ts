// Storage records (protocol/storage-records.ts) to rows of the four tables. Runs on the
// writer's thread. Message blocks hold the ITCH bytes as sent: each is decoded here
// (protocol's decodeItch), and the decoder follows each resting order's side, shares and
// price (ITCH E, C, X, D and U do not carry the side; E does not carry the price), so
// trades and feed messages carry the order's side and an E its print's price, and each
// locate's symbol (only R, A, F, H and P carry it).

import * as protocol from '../protocol';
import { ItchMessage, type StorageRecordView } from '../protocol';
import { TableBatch, textWords } from './row-batch';
import { CANDLES, FEED_MESSAGES, L2_SNAPSHOTS, TRADES } from './tables';

const KIND_MESSAGE = protocol.StorageRecordKind.Message;
const KIND_CANDLE = protocol.StorageRecordKind.Candle;
const KIND_L2 = protocol.StorageRecordKind.L2;
const DEPTH = protocol.L2_DEPTH;
const decodeItch = protocol.decodeItch;
const itchLengthOfType = protocol.itchLengthOfType;
const alphaWord = protocol.alphaWord;
const BLOCK_HEADER_BYTES = protocol.BLOCK_HEADER_BYTES;
const BLOCK_MESSAGE_BYTES = protocol.BLOCK_MESSAGE_BYTES;
const INTERVAL_NAMES = protocol.CANDLE_INTERVAL_CODES;


/** Who the rows belong to: the feed session and its day. */
export interface StorageSession {
  /** MoldUDP64 session (a restart after a closed session of the same day adds "-N"); at most 12 ASCII characters. */
  session: string;
  /** Trading day, YYYY-MM-DD (New York). */
  sessionDate: string;
  /** New York midnight of the trading day, UTC ms (ITCH timestamps count from it). */
  midnightMs: number;
}

/** One resting order as the writer follows it: for a restart, from the store. */
export interface LiveOrder {
  ref: number;
  side: number;
  shares: number;
  price: number;
}

/** A locate's symbol as last stored (for a restart: E, C, X, D and U do not carry it). */
export interface LocateSymbol {
  locate: number;
  symbol: string;
}

export class RecordDecoder {
  readonly messages = new TableBatch(FEED_MESSAGES);
  readonly trades = new TableBatch(TRADES);
  readonly candles = new TableBatch(CANDLES);
  readonly snapshots = new TableBatch(L2_SNAPSHOTS);
  private readonly session: StorageSession;
  private readonly sessionText: Uint32Array;
  private readonly dateDays: number;
  private readonly midnightUs: number;
  /** Symbol text (4 words) per locate, and the stock words it was made from. */
  private readonly symbolText = new Uint32Array(65536 * 4);
  private readonly symbolFrom = new Float64Array(65536).fill(-1);
  /** One-character texts by byte (0: the empty text). */
  private readonly charText = new Uint32Array(256 * 4);
  private readonly intervalText: Uint32Array;
  /** Resting orders: ref -> a slot of orderShares/orderPrice/orderSide (free slots on a stack). */
  private readonly orders = new Map<number, number>();
  private orderShares = new Float64Array(1 << 16);
  private orderPrice = new Int32Array(1 << 16);
  private orderSide = new Uint8Array(1 << 16);
  private freeSlots = new Int32Array(1 << 16);
  private freeCount = 0;
  private slotsUsed = 0;
  private readonly m = new ItchMessage();
  /** Messages in blocks that did not decode (never expected: the publisher sent them). */
  badMessages = 0;

  constructor(session: StorageSession) {
    this.session = session;
    this.sessionText = textWords(session.session);
    const [y, m, d] = session.sessionDate.split('-').map(Number);
    this.dateDays = Math.round(Date.UTC(y, m - 1, d) / 86_400_000);
    this.midnightUs = session.midnightMs * 1000;
    for (let c = 1; c < 256; c++) {
      this.charText[c * 4] = 1;
      this.charText[c * 4 + 1] = c;
    }
    this.intervalText = new Uint32Array(INTERVAL_NAMES.length * 4);
    INTERVAL_NAMES.forEach((name, i) => textWords(name, this.intervalText, i * 4));
  }

  /** Rows waiting. */
  get rows(): number {
    return this.messages.rows + this.trades.rows + this.candles.rows + this.snapshots.rows;
  }

  clear(): void {
    this.messages.clear();
    this.trades.clear();
    this.candles.clear();
    this.snapshots.clear();
  }

  /** Restores the resting orders after a restart (the store's view as of its last sequence). */
  restoreOrders(orders: readonly LiveOrder[]): void {
    this.orders.clear();
    this.freeCount = 0;
    this.slotsUsed = 0;
    for (const o of orders) this.addOrder(o.ref, o.side, o.shares, o.price);
  }

  /** Restores each locate's symbol after a restart (the store's view as of its last sequence). */
  restoreSymbols(symbols: readonly LocateSymbol[]): void {
    this.symbolFrom.fill(-1);
    this.symbolText.fill(0);
    for (const s of symbols) this.symbol(s.locate, alphaWord(s.symbol, 0), alphaWord(s.symbol, 4));
  }

  /** Resting orders followed (for tests and figures). */
  get restingOrders(): number {
    return this.orders.size;
  }

  /** Appends the rows of the record at `base` (messages, candle or snapshot); of a message block, those after sequence `after`. */
  decode(view: StorageRecordView, base: number, after = 0): void {
    const kind = view.u8[base];
    if (kind === KIND_MESSAGE) this.block(view, base, after);
    else if (kind === KIND_CANDLE) this.candle(view, base);
    else if (kind === KIND_L2) this.snapshot(view, base);
  }

  private block(view: StorageRecordView, base: number, after: number): void {
    const n = view.u16[(base >> 1) + 1];
    const first = view.f64[(base >> 3) + 2];
    const u8 = view.u8;
    const m = this.m;
    let o = base + BLOCK_HEADER_BYTES;
    for (let k = 0; k < n; k++, o += BLOCK_MESSAGE_BYTES) {
      if (first + k <= after) continue;
      if (decodeItch(u8, o, itchLengthOfType(u8[o]), m) === 0) this.message(first + k, m);
      else this.badMessages++;
    }
  }

  private message(sequence: number, m: ItchMessage): void {
    const type = m.type;
    const locate = m.locate;
    const ns = m.timestampNs;
    let side = 0;
    let code = 0;
    let ref = 0;
    let newRef = 0;
    let match = 0;
    let shares = 0;
    let price = 0;
    let printed = false;
    switch (type) {
      case 0x41: // A
      case 0x46: // F
        side = m.side;
        ref = m.orderRef;
        shares = m.shares;
        price = m.price;
        this.addOrder(ref, side, shares, price);
        this.symbol(locate, m.stockHi, m.stockLo);
        break;
      case 0x45: { // E: the print is at the resting order's price
        ref = m.orderRef;
        shares = m.shares;
        match = m.matchNumber;
        const slot = this.orders.get(ref);
        if (slot !== undefined) {
          side = this.orderSide[slot];
          price = this.orderPrice[slot];
          printed = true;
          this.take(ref, slot, shares);
        }
        break;
      }
      case 0x43: { // C: its own price; a print when printable
        ref = m.orderRef;
        shares = m.shares;
        match = m.matchNumber;
        code = m.printable;
        price = m.price;
        printed = code === 0x59;
        const slot = this.orders.get(ref);
        if (slot !== undefined) {
          side = this.orderSide[slot];
          this.take(ref, slot, shares);
        }
        break;
      }
      case 0x58: { // X
        ref = m.orderRef;
        shares = m.shares;
        const slot = this.orders.get(ref);
        if (slot !== undefined) {
          side = this.orderSide[slot];
          this.take(ref, slot, shares);
        }
        break;
      }
      case 0x44: { // D
        ref = m.orderRef;
        const slot = this.orders.get(ref);
        if (slot !== undefined) {
          side = this.orderSide[slot];
          this.remove(ref, slot);
        }
        break;
      }
      case 0x55: { // U: the new ref keeps the original's side
        ref = m.orderRef;
        newRef = m.newRef;
        shares = m.shares;
        price = m.price;
        const slot = this.orders.get(ref);
        if (slot !== undefined) {
          side = this.orderSide[slot];
          this.remove(ref, slot);
          this.addOrder(newRef, side, shares, price);
        }
        break;
      }
      case 0x50: // P
        side = m.side;
        ref = m.orderRef;
        shares = m.shares;
        price = m.price;
        match = m.matchNumber;
        printed = true;
        this.symbol(locate, m.stockHi, m.stockLo);
        break;
      case 0x53: // S
        code = m.eventCode;
        break;
      case 0x48: // H
        code = m.tradingState;
        this.symbol(locate, m.stockHi, m.stockLo);
        break;
      case 0x52: // R
        this.symbol(locate, m.stockHi, m.stockLo);
        break;
    }
    const symbolAt = locate * 4;
    const tsUs = this.midnightUs + Math.floor(ns / 1000);

    const b = this.messages;
    const r = b.addRow();
    const c = b.columns;
    (c[0] as Int32Array)[r] = this.dateDays;
    this.text(c[1] as Uint32Array, r, this.sessionText, 0);
    (c[2] as Float64Array)[r] = sequence;
    (c[3] as Float64Array)[r] = tsUs;
    (c[4] as Float64Array)[r] = ns;
    this.text(c[5] as Uint32Array, r, this.charText, type * 4);
    (c[6] as Int32Array)[r] = locate;
    this.text(c[7] as Uint32Array, r, this.symbolText, symbolAt);
    (c[8] as Float64Array)[r] = ref;
    (c[9] as Float64Array)[r] = newRef;
    this.text(c[10] as Uint32Array, r, this.charText, side * 4);
    (c[11] as Float64Array)[r] = shares;
    (c[12] as Int32Array)[r] = price;
    (c[13] as Float64Array)[r] = match;
    this.text(c[14] as Uint32Array, r, this.charText, code * 4);

    if (!printed) return;
    const t = this.trades;
    const tr = t.addRow();
    const tc = t.columns;
    (tc[0] as Int32Array)[tr] = this.dateDays;
    this.text(tc[1] as Uint32Array, tr, this.sessionText, 0);
    (tc[2] as Float64Array)[tr] = sequence;
    (tc[3] as Float64Array)[tr] = tsUs;
    (tc[4] as Float64Array)[tr] = ns;
    this.text(tc[5] as Uint32Array, tr, this.symbolText, symbolAt);
    (tc[6] as Int32Array)[tr] = locate;
    (tc[7] as Float64Array)[tr] = ref;
    this.text(tc[8] as Uint32Array, tr, this.charText, side * 4);
    (tc[9] as Float64Array)[tr] = shares;
    (tc[10] as Int32Array)[tr] = price;
    (tc[11] as Float64Array)[tr] = match;
  }

  private candle(view: StorageRecordView, base: number): void {
    const f = base >> 3;
    const w = base >> 2;
    const locate = view.u16[(base >> 1) + 2];
    const b = this.candles;
    const r = b.addRow();
    const c = b.columns;
    (c[0] as Int32Array)[r] = this.dateDays;
    this.text(c[1] as Uint32Array, r, this.sessionText, 0);
    (c[2] as Float64Array)[r] = view.f64[f + 1];
    this.text(c[3] as Uint32Array, r, this.symbolText, this.symbol(locate, view.u32[w + 6], view.u32[w + 7]));
    (c[4] as Int32Array)[r] = locate;
    this.text(c[5] as Uint32Array, r, this.intervalText, view.u8[base + 2] * 4);
    (c[6] as Float64Array)[r] = view.u32[w + 4] * 60_000_000;
    (c[7] as Int32Array)[r] = view.u32[w + 12];
    (c[8] as Int32Array)[r] = view.u32[w + 13];
    (c[9] as Int32Array)[r] = view.u32[w + 14];
    (c[10] as Int32Array)[r] = view.u32[w + 15];
    (c[11] as Float64Array)[r] = view.f64[f + 4];
    (c[12] as Float64Array)[r] = view.u32[w + 5];
    (c[13] as Float64Array)[r] = view.f64[f + 5];
  }

  private snapshot(view: StorageRecordView, base: number): void {
    const f = base >> 3;
    const w = base >> 2;
    const locate = view.u16[(base >> 1) + 2];
    const ns = view.f64[f + 2];
    const b = this.snapshots;
    const r = b.addRow();
    const c = b.columns;
    (c[0] as Int32Array)[r] = this.dateDays;
    this.text(c[1] as Uint32Array, r, this.sessionText, 0);
    (c[2] as Float64Array)[r] = view.f64[f + 1];
    (c[3] as Float64Array)[r] = this.midnightUs + Math.floor(ns / 1000);
    (c[4] as Float64Array)[r] = ns;
    this.text(c[5] as Uint32Array, r, this.symbolText, this.symbol(locate, view.u32[w + 6], view.u32[w + 7]));
    (c[6] as Int32Array)[r] = locate;
    (c[7] as Int32Array)[r] = view.u8[base + 2];
    (c[8] as Int32Array)[r] = view.u8[base + 3];
    // bid price, shares, orders x10, then ask (tables.ts order)
    let col = 9;
    for (let side = 0; side < 2; side++) {
      const priceWord = w + (side === 0 ? 8 : 18);
      const orderWord = w + (side === 0 ? 28 : 38);
      const sharesSlot = f + (side === 0 ? 24 : 34);
      for (let i = 0; i < DEPTH; i++) (c[col + i] as Int32Array)[r] = view.u32[priceWord + i];
      for (let i = 0; i < DEPTH; i++) (c[col + DEPTH + i] as Float64Array)[r] = view.f64[sharesSlot + i];
      for (let i = 0; i < DEPTH; i++) (c[col + 2 * DEPTH + i] as Int32Array)[r] = view.u32[orderWord + i];
      col += 3 * DEPTH;
    }
  }

  private addOrder(ref: number, side: number, shares: number, price: number): void {
    let slot = this.orders.get(ref);
    if (slot === undefined) {
      slot = this.freeCount > 0 ? this.freeSlots[--this.freeCount] : this.slotsUsed++;
      if (slot >= this.orderShares.length) this.growOrders();
      this.orders.set(ref, slot);
    }
    this.orderShares[slot] = shares;
    this.orderPrice[slot] = price;
    this.orderSide[slot] = side;
  }

  /** Executed or cancelled shares off a resting order; gone at zero. */
  private take(ref: number, slot: number, shares: number): void {
    const left = this.orderShares[slot] - shares;
    if (left > 0) this.orderShares[slot] = left;
    else this.remove(ref, slot);
  }

  private remove(ref: number, slot: number): void {
    this.orders.delete(ref);
    if (this.freeCount === this.freeSlots.length) {
      const bigger = new Int32Array(this.freeSlots.length * 2);
      bigger.set(this.freeSlots);
      this.freeSlots = bigger;
    }
    this.freeSlots[this.freeCount++] = slot;
  }

  private growOrders(): void {
    const n = this.orderShares.length * 2;
    const shares = new Float64Array(n);
    shares.set(this.orderShares);
    const price = new Int32Array(n);
    price.set(this.orderPrice);
    const side = new Uint8Array(n);
    side.set(this.orderSide);
    this.orderShares = shares;
    this.orderPrice = price;
    this.orderSide = side;
  }

  /** Offset of the locate's symbol text in symbolText, remade when its stock words change. */
  private symbol(locate: number, hi: number, lo: number): number {
    const key = hi * 4294967296 + lo;
    if (this.symbolFrom[locate] !== key) {
      this.symbolFrom[locate] = key;
      textWords(protocol.stockFromWords(hi, lo), this.symbolText, locate * 4);
    }
    return locate * 4;
  }

  private text(col: Uint32Array, row: number, from: Uint32Array, at: number): void {
    const o = row * 4;
    col[o] = from[at];
    col[o + 1] = from[at + 1];
    col[o + 2] = from[at + 2];
    col[o + 3] = from[at + 3];
  }

  /** The session the rows are for. */
  get storageSession(): StorageSession {
    return this.session;
  }
}
