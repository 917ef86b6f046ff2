// Storage records (protocol/storage-records.ts) to rows of the four tables. Runs on the
// writer's thread. Message blocks hold the ITCH bytes as sent: each is decoded here
// (protocol's decodeItch), and the decoder follows each resting order's side, shares and
// price (ITCH E, C, X, D and U do not carry the side; E does not carry the price), so
// trades and feed messages carry the order's side and an E its print's price, and each
// locate's symbol (only R, A, F, H and P carry it).

import * as protocol from '../protocol';
import { ItchMessage, type StorageRecordView } from '../protocol';
import { LiveOrderTable } from './live-order-table';
import { TableBatch, setLong, textWords } from './row-batch';
import { CANDLES, CHAR_INDEX, FEED_MESSAGES, L2_SNAPSHOTS, TRADES } from './tables';

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
  readonly messages: TableBatch;
  readonly trades: TableBatch;
  readonly candles: TableBatch;
  readonly snapshots: TableBatch;
  private readonly session: StorageSession;
  private readonly sessionText: Uint32Array;
  private readonly dateDays: number;
  private readonly midnightUs: number;
  /** Symbol text (4 words) per locate, and the stock words it was made from. */
  private readonly symbolText = new Uint32Array(65536 * 4);
  private readonly symbolFrom = new Float64Array(65536).fill(-1);
  private readonly intervalText: Uint32Array;
  /** Resting orders by ref: side, shares, price. */
  private readonly orders = new LiveOrderTable();
  private readonly m = new ItchMessage();
  /** Messages in blocks that did not decode (never expected: the publisher sent them). */
  badMessages = 0;

  constructor(session: StorageSession) {
    this.session = session;
    this.sessionText = textWords(session.session);
    const [y, m, d] = session.sessionDate.split('-').map(Number);
    this.dateDays = Math.round(Date.UTC(y, m - 1, d) / 86_400_000);
    // Every table starts with session_date and session: the same in every row, written once.
    const constants = [new Uint32Array([this.dateDays]), this.sessionText];
    this.messages = new TableBatch(FEED_MESSAGES, 4096, constants);
    this.trades = new TableBatch(TRADES, 4096, constants);
    this.candles = new TableBatch(CANDLES, 4096, constants);
    this.snapshots = new TableBatch(L2_SNAPSHOTS, 4096, constants);
    this.midnightUs = session.midnightMs * 1000;
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
    for (const o of orders) this.orders.set(o.ref, o.side, o.shares, o.price);
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
    const orders = this.orders;
    switch (type) {
      case 0x41: // A
      case 0x46: // F
        side = m.side;
        ref = m.orderRef;
        shares = m.shares;
        price = m.price;
        this.orders.set(ref, side, shares, price);
        this.symbol(locate, m.stockHi, m.stockLo);
        break;
      case 0x45: { // E: the print is at the resting order's price
        ref = m.orderRef;
        shares = m.shares;
        match = m.matchNumber;
        const slot = orders.find(ref);
        if (slot >= 0) {
          side = orders.side[slot];
          price = orders.price[slot];
          printed = true;
          this.take(slot, shares);
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
        const slot = orders.find(ref);
        if (slot >= 0) {
          side = orders.side[slot];
          this.take(slot, shares);
        }
        break;
      }
      case 0x58: { // X
        ref = m.orderRef;
        shares = m.shares;
        const slot = orders.find(ref);
        if (slot >= 0) {
          side = orders.side[slot];
          this.take(slot, shares);
        }
        break;
      }
      case 0x44: { // D
        ref = m.orderRef;
        const slot = orders.find(ref);
        if (slot >= 0) {
          side = orders.side[slot];
          orders.removeAt(slot);
        }
        break;
      }
      case 0x55: { // U: the new ref keeps the original's side
        ref = m.orderRef;
        newRef = m.newRef;
        shares = m.shares;
        price = m.price;
        const slot = orders.find(ref);
        if (slot >= 0) {
          side = orders.side[slot];
          orders.removeAt(slot);
          this.orders.set(newRef, side, shares, price);
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
    setLong(c[2] as Uint32Array, r, sequence);
    setLong(c[3] as Uint32Array, r, tsUs);
    setLong(c[4] as Uint32Array, r, ns);
    (c[5] as Uint8Array)[r] = CHAR_INDEX[type];
    (c[6] as Int32Array)[r] = locate;
    this.text(c[7] as Uint32Array, r, this.symbolText, symbolAt);
    setLong(c[8] as Uint32Array, r, ref);
    setLong(c[9] as Uint32Array, r, newRef);
    (c[10] as Uint8Array)[r] = CHAR_INDEX[side];
    setLong(c[11] as Uint32Array, r, shares);
    (c[12] as Int32Array)[r] = price;
    setLong(c[13] as Uint32Array, r, match);
    (c[14] as Uint8Array)[r] = CHAR_INDEX[code];

    if (!printed) return;
    const t = this.trades;
    const tr = t.addRow();
    const tc = t.columns;
    setLong(tc[2] as Uint32Array, tr, sequence);
    setLong(tc[3] as Uint32Array, tr, tsUs);
    setLong(tc[4] as Uint32Array, tr, ns);
    this.text(tc[5] as Uint32Array, tr, this.symbolText, symbolAt);
    (tc[6] as Int32Array)[tr] = locate;
    setLong(tc[7] as Uint32Array, tr, ref);
    (tc[8] as Uint8Array)[tr] = CHAR_INDEX[side];
    setLong(tc[9] as Uint32Array, tr, shares);
    (tc[10] as Int32Array)[tr] = price;
    setLong(tc[11] as Uint32Array, tr, match);
  }

  private candle(view: StorageRecordView, base: number): void {
    const f = base >> 3;
    const w = base >> 2;
    const locate = view.u16[(base >> 1) + 2];
    const b = this.candles;
    const r = b.addRow();
    const c = b.columns;
    setLong(c[2] as Uint32Array, r, view.f64[f + 1]);
    this.text(c[3] as Uint32Array, r, this.symbolText, this.symbol(locate, view.u32[w + 6], view.u32[w + 7]));
    (c[4] as Int32Array)[r] = locate;
    this.text(c[5] as Uint32Array, r, this.intervalText, view.u8[base + 2] * 4);
    setLong(c[6] as Uint32Array, r, view.u32[w + 4] * 60_000_000);
    (c[7] as Int32Array)[r] = view.u32[w + 12];
    (c[8] as Int32Array)[r] = view.u32[w + 13];
    (c[9] as Int32Array)[r] = view.u32[w + 14];
    (c[10] as Int32Array)[r] = view.u32[w + 15];
    setLong(c[11] as Uint32Array, r, view.f64[f + 4]);
    setLong(c[12] as Uint32Array, r, view.u32[w + 5]);
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
    setLong(c[2] as Uint32Array, r, view.f64[f + 1]);
    setLong(c[3] as Uint32Array, r, this.midnightUs + Math.floor(ns / 1000));
    setLong(c[4] as Uint32Array, r, ns);
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
      for (let i = 0; i < DEPTH; i++) setLong(c[col + DEPTH + i] as Uint32Array, r, view.f64[sharesSlot + i]);
      for (let i = 0; i < DEPTH; i++) (c[col + 2 * DEPTH + i] as Int32Array)[r] = view.u32[orderWord + i];
      col += 3 * DEPTH;
    }
  }

  /** Executed or cancelled shares off a resting order; gone at zero. */
  private take(slot: number, shares: number): void {
    const left = this.orders.shares[slot] - shares;
    if (left > 0) this.orders.shares[slot] = left;
    else this.orders.removeAt(slot);
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
