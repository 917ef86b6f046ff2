// Storage records (protocol/storage-records.ts) to rows of the four tables. Runs on the
// writer's thread. It also follows each resting order's side and shares (ITCH E, C, X, D
// and U do not carry the side), so trades and feed messages carry the order's side.

import * as protocol from '../protocol';
import type { StorageRecordView } from '../protocol';
import { TableBatch, textWords } from './row-batch';
import { CANDLES, FEED_MESSAGES, L2_SNAPSHOTS, TRADES } from './tables';

const KIND_MESSAGE = protocol.StorageRecordKind.Message;
const KIND_CANDLE = protocol.StorageRecordKind.Candle;
const KIND_L2 = protocol.StorageRecordKind.L2;
const DEPTH = protocol.L2_DEPTH;
const INTERVAL_NAMES = protocol.CANDLE_INTERVAL_CODES;

const SIDE_B = 0x42;
const SIDE_S = 0x53;

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
  /** Resting orders: ref -> shares * 4 + side (1 buy, 2 sell). */
  private readonly orders = new Map<number, number>();

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
    for (const o of orders) this.orders.set(o.ref, o.shares * 4 + (o.side === SIDE_B ? 1 : 2));
  }

  /** Resting orders followed (for tests and figures). */
  get restingOrders(): number {
    return this.orders.size;
  }

  /** Appends the rows of the record at `base` (message, candle or snapshot). */
  decode(view: StorageRecordView, base: number): void {
    const kind = view.u8[base];
    if (kind === KIND_MESSAGE) this.message(view, base);
    else if (kind === KIND_CANDLE) this.candle(view, base);
    else if (kind === KIND_L2) this.snapshot(view, base);
  }

  private message(view: StorageRecordView, base: number): void {
    const u8 = view.u8;
    const f = base >> 3;
    const w = base >> 2;
    const type = u8[base + 2];
    const locate = view.u16[(base >> 1) + 2];
    const sequence = view.f64[f + 1];
    const ns = view.f64[f + 2];
    const ref = view.f64[f + 4];
    const newRef = view.f64[f + 5];
    const match = view.f64[f + 6];
    const shares = view.u32[w + 14];
    const price = view.u32[w + 15];
    const side = this.followOrder(type, u8[base + 3], ref, newRef, shares);
    const symbolAt = this.symbol(locate, view.u32[w + 6], view.u32[w + 7]);
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
    this.text(c[14] as Uint32Array, r, this.charText, u8[base + 6] * 4);

    if ((u8[base + 7] & 1) === 0) return; // no print
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

  /** Side of the order a message is about; keeps the resting orders current. */
  private followOrder(type: number, side: number, ref: number, newRef: number, shares: number): number {
    const orders = this.orders;
    switch (type) {
      case 0x41: // A
      case 0x46: // F
        orders.set(ref, shares * 4 + (side === SIDE_B ? 1 : 2));
        return side;
      case 0x45: // E
      case 0x43: // C
      case 0x58: { // X
        const v = orders.get(ref);
        if (v === undefined) return 0;
        const s = v & 3;
        const left = Math.floor(v / 4) - shares;
        if (left > 0) orders.set(ref, left * 4 + s);
        else orders.delete(ref);
        return s === 1 ? SIDE_B : SIDE_S;
      }
      case 0x44: { // D
        const v = orders.get(ref);
        if (v === undefined) return 0;
        orders.delete(ref);
        return (v & 3) === 1 ? SIDE_B : SIDE_S;
      }
      case 0x55: { // U: the new ref keeps the original's side
        const v = orders.get(ref);
        if (v === undefined) return 0;
        orders.delete(ref);
        orders.set(newRef, shares * 4 + (v & 3));
        return (v & 3) === 1 ? SIDE_B : SIDE_S;
      }
      default:
        return side; // P carries its side; S, R, H have none
    }
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
