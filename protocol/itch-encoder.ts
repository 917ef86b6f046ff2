// ITCH 5.0 encoder: writes one message into the caller's buffer at an offset and returns
// the offset after it. Byte layouts are FEED.md's table, to the byte. No allocation and no
// checks on the hot path: callers (the publisher, the snapshot server) hold values the
// engine already validated, and the buffer must have room (ItchLength.* bytes).

import { writeAlpha } from './bytes';
import { alphaWord, ItchLength, ItchMessage, ItchType } from './itch-messages';

/** 2^-32: multiplying by it is exact, and cheaper than dividing by 2^32. */
const TWO_NEG_32 = 2.3283064365386963e-10;

// A DataView over the buffer being written, rebuilt only when the buffer changes (once per
// packet, not per message): one big-endian setUint32 in place of four shifted byte stores.
// Separate from the decoder's, so a process that both decodes and encodes does not rebuild
// it on every message. Unlike byte stores, a write past the buffer's end throws.
let viewBytes: Uint8Array | null = null;
let view: DataView = new DataView(new ArrayBuffer(8));

function viewOf(b: Uint8Array): DataView {
  if (b !== viewBytes) {
    viewBytes = b;
    view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  return view;
}

/** Type, stock locate, tracking number and the 48-bit timestamp (FEED.md: every message's first 11 bytes). */
function header(dv: DataView, o: number, type: number, locate: number, tracking: number, timestampNs: number): void {
  dv.setUint8(o, type);
  dv.setUint16(o + 1, locate);
  dv.setUint16(o + 3, tracking);
  dv.setUint16(o + 5, Math.floor(timestampNs * TWO_NEG_32));
  dv.setUint32(o + 7, timestampNs >>> 0);
}

// The last stock symbol written for each stock locate and its 8 space-padded bytes as two
// big-endian words. A locate keeps its symbol all day, so an add writes two words after
// one string comparison (a pointer comparison when the caller passes the same string, as
// the publisher does) instead of cutting and padding the string per message (an add:
// 48 -> 31 ns in a micro-benchmark over 100 symbols of 3-5 letters).
const stockText: string[] = new Array<string>(65536).fill('');
const stockWords = new Uint32Array(65536 * 2).fill(0x20202020);

/** An 8-byte alpha stock field (FEED.md), as writeAlpha(b, o, stock, 8) writes it. */
function setStock(dv: DataView, o: number, locate: number, stock: string): void {
  const k = locate & 0xffff;
  if (stockText[k] !== stock) {
    stockText[k] = stock;
    stockWords[2 * k] = alphaWord(stock, 0);
    stockWords[2 * k + 1] = alphaWord(stock, 4);
  }
  dv.setUint32(o, stockWords[2 * k]);
  dv.setUint32(o + 4, stockWords[2 * k + 1]);
}

/** A non-negative integer below 2^53 as a uint64. */
function setU64(dv: DataView, o: number, v: number): void {
  dv.setUint32(o, Math.floor(v * TWO_NEG_32));
  dv.setUint32(o + 4, v >>> 0);
}

/** S: 11/1 event code (SystemEventCode). Stock locate is 0. */
export function encodeSystemEvent(b: Uint8Array, o: number, tracking: number, timestampNs: number, eventCode: number): number {
  const dv = viewOf(b);
  header(dv, o, ItchType.SystemEvent, 0, tracking, timestampNs);
  b[o + 11] = eventCode;
  return o + ItchLength.SystemEvent;
}

/** R's fields after the stock (FEED.md); ASCII flag fields are given as character codes. */
export interface StockDirectoryFields {
  marketCategory: number;
  financialStatus: number;
  roundLotSize: number;
  roundLotsOnly: number;
  issueClassification: number;
  /** Two ASCII characters. */
  issueSubType: string;
  authenticity: number;
  shortSaleThreshold: number;
  ipoFlag: number;
  luldTier: number;
  etpFlag: number;
  etpLeverage: number;
  inverse: number;
}

/** R: stock directory (39 bytes). Rare (once per symbol per day), so it takes an object. */
export function encodeStockDirectory(
  b: Uint8Array,
  o: number,
  locate: number,
  tracking: number,
  timestampNs: number,
  stock: string,
  f: StockDirectoryFields,
): number {
  const dv = viewOf(b);
  header(dv, o, ItchType.StockDirectory, locate, tracking, timestampNs);
  writeAlpha(b, o + 11, stock, 8);
  b[o + 19] = f.marketCategory;
  b[o + 20] = f.financialStatus;
  dv.setUint32(o + 21, f.roundLotSize);
  b[o + 25] = f.roundLotsOnly;
  b[o + 26] = f.issueClassification;
  writeAlpha(b, o + 27, f.issueSubType, 2);
  b[o + 29] = f.authenticity;
  b[o + 30] = f.shortSaleThreshold;
  b[o + 31] = f.ipoFlag;
  b[o + 32] = f.luldTier;
  b[o + 33] = f.etpFlag;
  dv.setUint32(o + 34, f.etpLeverage);
  b[o + 38] = f.inverse;
  return o + ItchLength.StockDirectory;
}

/** H: 11/8 stock, 19/1 state (TradingState), 20/1 reserved (space), 21/4 reason. */
export function encodeStockTradingAction(
  b: Uint8Array,
  o: number,
  locate: number,
  tracking: number,
  timestampNs: number,
  stock: string,
  state: number,
  reason: string,
): number {
  const dv = viewOf(b);
  header(dv, o, ItchType.StockTradingAction, locate, tracking, timestampNs);
  writeAlpha(b, o + 11, stock, 8);
  b[o + 19] = state;
  b[o + 20] = 0x20;
  writeAlpha(b, o + 21, reason, 4);
  return o + ItchLength.StockTradingAction;
}

/** A: 11/8 order ref, 19/1 side, 20/4 shares, 24/8 stock, 32/4 price. */
export function encodeAddOrder(
  b: Uint8Array,
  o: number,
  locate: number,
  tracking: number,
  timestampNs: number,
  orderRef: number,
  side: number,
  shares: number,
  stock: string,
  price: number,
): number {
  const dv = viewOf(b);
  header(dv, o, ItchType.AddOrder, locate, tracking, timestampNs);
  setU64(dv, o + 11, orderRef);
  b[o + 19] = side;
  dv.setUint32(o + 20, shares);
  setStock(dv, o + 24, locate, stock);
  dv.setUint32(o + 32, price);
  return o + ItchLength.AddOrder;
}

/** F: as A, then 36/4 attribution (MPID). */
export function encodeAddOrderMpid(
  b: Uint8Array,
  o: number,
  locate: number,
  tracking: number,
  timestampNs: number,
  orderRef: number,
  side: number,
  shares: number,
  stock: string,
  price: number,
  attribution: string,
): number {
  encodeAddOrder(b, o, locate, tracking, timestampNs, orderRef, side, shares, stock, price);
  b[o] = ItchType.AddOrderMpid;
  writeAlpha(b, o + 36, attribution, 4);
  return o + ItchLength.AddOrderMpid;
}

/** E: 11/8 order ref, 19/4 executed shares, 23/8 match number. */
export function encodeOrderExecuted(
  b: Uint8Array,
  o: number,
  locate: number,
  tracking: number,
  timestampNs: number,
  orderRef: number,
  executedShares: number,
  matchNumber: number,
): number {
  const dv = viewOf(b);
  header(dv, o, ItchType.OrderExecuted, locate, tracking, timestampNs);
  setU64(dv, o + 11, orderRef);
  dv.setUint32(o + 19, executedShares);
  setU64(dv, o + 23, matchNumber);
  return o + ItchLength.OrderExecuted;
}

/** C: as E, then 31/1 printable 'Y'/'N', 32/4 execution price. */
export function encodeOrderExecutedWithPrice(
  b: Uint8Array,
  o: number,
  locate: number,
  tracking: number,
  timestampNs: number,
  orderRef: number,
  executedShares: number,
  matchNumber: number,
  printable: boolean,
  price: number,
): number {
  const dv = viewOf(b);
  encodeOrderExecuted(b, o, locate, tracking, timestampNs, orderRef, executedShares, matchNumber);
  b[o] = ItchType.OrderExecutedWithPrice;
  b[o + 31] = printable ? 0x59 : 0x4e;
  dv.setUint32(o + 32, price);
  return o + ItchLength.OrderExecutedWithPrice;
}

/** X: 11/8 order ref, 19/4 cancelled shares. */
export function encodeOrderCancel(
  b: Uint8Array,
  o: number,
  locate: number,
  tracking: number,
  timestampNs: number,
  orderRef: number,
  cancelledShares: number,
): number {
  const dv = viewOf(b);
  header(dv, o, ItchType.OrderCancel, locate, tracking, timestampNs);
  setU64(dv, o + 11, orderRef);
  dv.setUint32(o + 19, cancelledShares);
  return o + ItchLength.OrderCancel;
}

/** D: 11/8 order ref. */
export function encodeOrderDelete(b: Uint8Array, o: number, locate: number, tracking: number, timestampNs: number, orderRef: number): number {
  const dv = viewOf(b);
  header(dv, o, ItchType.OrderDelete, locate, tracking, timestampNs);
  setU64(dv, o + 11, orderRef);
  return o + ItchLength.OrderDelete;
}

/** U: 11/8 original ref, 19/8 new ref, 27/4 shares, 31/4 price. */
export function encodeOrderReplace(
  b: Uint8Array,
  o: number,
  locate: number,
  tracking: number,
  timestampNs: number,
  originalRef: number,
  newRef: number,
  shares: number,
  price: number,
): number {
  const dv = viewOf(b);
  header(dv, o, ItchType.OrderReplace, locate, tracking, timestampNs);
  setU64(dv, o + 11, originalRef);
  setU64(dv, o + 19, newRef);
  dv.setUint32(o + 27, shares);
  dv.setUint32(o + 31, price);
  return o + ItchLength.OrderReplace;
}

/** P: 11/8 order ref, 19/1 side, 20/4 shares, 24/8 stock, 32/4 price, 36/8 match number. */
export function encodeTrade(
  b: Uint8Array,
  o: number,
  locate: number,
  tracking: number,
  timestampNs: number,
  orderRef: number,
  side: number,
  shares: number,
  stock: string,
  price: number,
  matchNumber: number,
): number {
  const dv = viewOf(b);
  header(dv, o, ItchType.Trade, locate, tracking, timestampNs);
  setU64(dv, o + 11, orderRef);
  b[o + 19] = side;
  dv.setUint32(o + 20, shares);
  setStock(dv, o + 24, locate, stock);
  dv.setUint32(o + 32, price);
  setU64(dv, o + 36, matchNumber);
  return o + ItchLength.Trade;
}

/** G: 11/20 the first live MoldUDP64 sequence to apply, ASCII, left-justified, space-padded. */
export function encodeEndOfSnapshot(b: Uint8Array, o: number, tracking: number, timestampNs: number, sequence: number): number {
  const dv = viewOf(b);
  header(dv, o, ItchType.EndOfSnapshot, 0, tracking, timestampNs);
  const digits = String(sequence);
  writeAlpha(b, o + 11, digits, 20);
  return o + ItchLength.EndOfSnapshot;
}

function setWords(dv: DataView, o: number, hi: number, lo: number): void {
  dv.setUint32(o, hi);
  dv.setUint32(o + 4, lo);
}

/**
 * Encodes whatever `m` holds (the decoder's record), for relaying and for tests. Returns the
 * offset after the message, or -1 if `m.type` is not one of FEED.md's types.
 */
export function encodeItch(m: ItchMessage, b: Uint8Array, o: number): number {
  const dv = viewOf(b);
  const t = m.type;
  header(dv, o, t, m.locate, m.tracking, m.timestampNs);
  switch (t) {
    case ItchType.SystemEvent:
      b[o + 11] = m.eventCode;
      return o + ItchLength.SystemEvent;
    case ItchType.StockDirectory:
      setWords(dv, o + 11, m.stockHi, m.stockLo);
      b[o + 19] = m.marketCategory;
      b[o + 20] = m.financialStatus;
      dv.setUint32(o + 21, m.roundLotSize);
      b[o + 25] = m.roundLotsOnly;
      b[o + 26] = m.issueClassification;
      dv.setUint16(o + 27, m.issueSubType);
      b[o + 29] = m.authenticity;
      b[o + 30] = m.shortSaleThreshold;
      b[o + 31] = m.ipoFlag;
      b[o + 32] = m.luldTier;
      b[o + 33] = m.etpFlag;
      dv.setUint32(o + 34, m.etpLeverage);
      b[o + 38] = m.inverse;
      return o + ItchLength.StockDirectory;
    case ItchType.StockTradingAction:
      setWords(dv, o + 11, m.stockHi, m.stockLo);
      b[o + 19] = m.tradingState;
      b[o + 20] = m.reserved;
      dv.setUint32(o + 21, m.reason);
      return o + ItchLength.StockTradingAction;
    case ItchType.AddOrder:
    case ItchType.AddOrderMpid:
      setU64(dv, o + 11, m.orderRef);
      b[o + 19] = m.side;
      dv.setUint32(o + 20, m.shares);
      setWords(dv, o + 24, m.stockHi, m.stockLo);
      dv.setUint32(o + 32, m.price);
      if (t === ItchType.AddOrder) return o + ItchLength.AddOrder;
      dv.setUint32(o + 36, m.attribution);
      return o + ItchLength.AddOrderMpid;
    case ItchType.OrderExecuted:
    case ItchType.OrderExecutedWithPrice:
      setU64(dv, o + 11, m.orderRef);
      dv.setUint32(o + 19, m.shares);
      setU64(dv, o + 23, m.matchNumber);
      if (t === ItchType.OrderExecuted) return o + ItchLength.OrderExecuted;
      b[o + 31] = m.printable;
      dv.setUint32(o + 32, m.price);
      return o + ItchLength.OrderExecutedWithPrice;
    case ItchType.OrderCancel:
      setU64(dv, o + 11, m.orderRef);
      dv.setUint32(o + 19, m.shares);
      return o + ItchLength.OrderCancel;
    case ItchType.OrderDelete:
      setU64(dv, o + 11, m.orderRef);
      return o + ItchLength.OrderDelete;
    case ItchType.OrderReplace:
      setU64(dv, o + 11, m.orderRef);
      setU64(dv, o + 19, m.newRef);
      dv.setUint32(o + 27, m.shares);
      dv.setUint32(o + 31, m.price);
      return o + ItchLength.OrderReplace;
    case ItchType.Trade:
      setU64(dv, o + 11, m.orderRef);
      b[o + 19] = m.side;
      dv.setUint32(o + 20, m.shares);
      setWords(dv, o + 24, m.stockHi, m.stockLo);
      dv.setUint32(o + 32, m.price);
      setU64(dv, o + 36, m.matchNumber);
      return o + ItchLength.Trade;
    case ItchType.EndOfSnapshot:
      writeAlpha(b, o + 11, String(m.snapshotSequence), 20);
      return o + ItchLength.EndOfSnapshot;
    default:
      return -1;
  }
}
