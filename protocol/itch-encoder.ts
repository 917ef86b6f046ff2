// ITCH 5.0 encoder: writes one message into the caller's buffer at an offset and returns
// the offset after it. Byte layouts are FEED.md's table, to the byte. No allocation and no
// checks on the hot path: callers (the publisher, the snapshot server) hold values the
// engine already validated, and the buffer must have room (ItchLength.* bytes).

import { writeAlpha, writeU16, writeU32, writeU48, writeU64 } from './bytes';
import { ItchLength, ItchMessage, ItchType } from './itch-messages';

function header(b: Uint8Array, o: number, type: number, locate: number, tracking: number, timestampNs: number): void {
  b[o] = type;
  writeU16(b, o + 1, locate);
  writeU16(b, o + 3, tracking);
  writeU48(b, o + 5, timestampNs);
}

/** S: 11/1 event code (SystemEventCode). Stock locate is 0. */
export function encodeSystemEvent(b: Uint8Array, o: number, tracking: number, timestampNs: number, eventCode: number): number {
  header(b, o, ItchType.SystemEvent, 0, tracking, timestampNs);
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
  header(b, o, ItchType.StockDirectory, locate, tracking, timestampNs);
  writeAlpha(b, o + 11, stock, 8);
  b[o + 19] = f.marketCategory;
  b[o + 20] = f.financialStatus;
  writeU32(b, o + 21, f.roundLotSize);
  b[o + 25] = f.roundLotsOnly;
  b[o + 26] = f.issueClassification;
  writeAlpha(b, o + 27, f.issueSubType, 2);
  b[o + 29] = f.authenticity;
  b[o + 30] = f.shortSaleThreshold;
  b[o + 31] = f.ipoFlag;
  b[o + 32] = f.luldTier;
  b[o + 33] = f.etpFlag;
  writeU32(b, o + 34, f.etpLeverage);
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
  header(b, o, ItchType.StockTradingAction, locate, tracking, timestampNs);
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
  header(b, o, ItchType.AddOrder, locate, tracking, timestampNs);
  writeU64(b, o + 11, orderRef);
  b[o + 19] = side;
  writeU32(b, o + 20, shares);
  writeAlpha(b, o + 24, stock, 8);
  writeU32(b, o + 32, price);
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
  header(b, o, ItchType.OrderExecuted, locate, tracking, timestampNs);
  writeU64(b, o + 11, orderRef);
  writeU32(b, o + 19, executedShares);
  writeU64(b, o + 23, matchNumber);
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
  encodeOrderExecuted(b, o, locate, tracking, timestampNs, orderRef, executedShares, matchNumber);
  b[o] = ItchType.OrderExecutedWithPrice;
  b[o + 31] = printable ? 0x59 : 0x4e;
  writeU32(b, o + 32, price);
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
  header(b, o, ItchType.OrderCancel, locate, tracking, timestampNs);
  writeU64(b, o + 11, orderRef);
  writeU32(b, o + 19, cancelledShares);
  return o + ItchLength.OrderCancel;
}

/** D: 11/8 order ref. */
export function encodeOrderDelete(b: Uint8Array, o: number, locate: number, tracking: number, timestampNs: number, orderRef: number): number {
  header(b, o, ItchType.OrderDelete, locate, tracking, timestampNs);
  writeU64(b, o + 11, orderRef);
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
  header(b, o, ItchType.OrderReplace, locate, tracking, timestampNs);
  writeU64(b, o + 11, originalRef);
  writeU64(b, o + 19, newRef);
  writeU32(b, o + 27, shares);
  writeU32(b, o + 31, price);
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
  header(b, o, ItchType.Trade, locate, tracking, timestampNs);
  writeU64(b, o + 11, orderRef);
  b[o + 19] = side;
  writeU32(b, o + 20, shares);
  writeAlpha(b, o + 24, stock, 8);
  writeU32(b, o + 32, price);
  writeU64(b, o + 36, matchNumber);
  return o + ItchLength.Trade;
}

/** G: 11/20 the first live MoldUDP64 sequence to apply, ASCII, left-justified, space-padded. */
export function encodeEndOfSnapshot(b: Uint8Array, o: number, tracking: number, timestampNs: number, sequence: number): number {
  header(b, o, ItchType.EndOfSnapshot, 0, tracking, timestampNs);
  const digits = String(sequence);
  writeAlpha(b, o + 11, digits, 20);
  return o + ItchLength.EndOfSnapshot;
}

function writeWords(b: Uint8Array, o: number, hi: number, lo: number): void {
  writeU32(b, o, hi);
  writeU32(b, o + 4, lo);
}

/**
 * Encodes whatever `m` holds (the decoder's record), for relaying and for tests. Returns the
 * offset after the message, or -1 if `m.type` is not one of FEED.md's types.
 */
export function encodeItch(m: ItchMessage, b: Uint8Array, o: number): number {
  const t = m.type;
  header(b, o, t, m.locate, m.tracking, m.timestampNs);
  switch (t) {
    case ItchType.SystemEvent:
      b[o + 11] = m.eventCode;
      return o + ItchLength.SystemEvent;
    case ItchType.StockDirectory:
      writeWords(b, o + 11, m.stockHi, m.stockLo);
      b[o + 19] = m.marketCategory;
      b[o + 20] = m.financialStatus;
      writeU32(b, o + 21, m.roundLotSize);
      b[o + 25] = m.roundLotsOnly;
      b[o + 26] = m.issueClassification;
      writeU16(b, o + 27, m.issueSubType);
      b[o + 29] = m.authenticity;
      b[o + 30] = m.shortSaleThreshold;
      b[o + 31] = m.ipoFlag;
      b[o + 32] = m.luldTier;
      b[o + 33] = m.etpFlag;
      writeU32(b, o + 34, m.etpLeverage);
      b[o + 38] = m.inverse;
      return o + ItchLength.StockDirectory;
    case ItchType.StockTradingAction:
      writeWords(b, o + 11, m.stockHi, m.stockLo);
      b[o + 19] = m.tradingState;
      b[o + 20] = m.reserved;
      writeU32(b, o + 21, m.reason);
      return o + ItchLength.StockTradingAction;
    case ItchType.AddOrder:
    case ItchType.AddOrderMpid:
      writeU64(b, o + 11, m.orderRef);
      b[o + 19] = m.side;
      writeU32(b, o + 20, m.shares);
      writeWords(b, o + 24, m.stockHi, m.stockLo);
      writeU32(b, o + 32, m.price);
      if (t === ItchType.AddOrder) return o + ItchLength.AddOrder;
      writeU32(b, o + 36, m.attribution);
      return o + ItchLength.AddOrderMpid;
    case ItchType.OrderExecuted:
    case ItchType.OrderExecutedWithPrice:
      writeU64(b, o + 11, m.orderRef);
      writeU32(b, o + 19, m.shares);
      writeU64(b, o + 23, m.matchNumber);
      if (t === ItchType.OrderExecuted) return o + ItchLength.OrderExecuted;
      b[o + 31] = m.printable;
      writeU32(b, o + 32, m.price);
      return o + ItchLength.OrderExecutedWithPrice;
    case ItchType.OrderCancel:
      writeU64(b, o + 11, m.orderRef);
      writeU32(b, o + 19, m.shares);
      return o + ItchLength.OrderCancel;
    case ItchType.OrderDelete:
      writeU64(b, o + 11, m.orderRef);
      return o + ItchLength.OrderDelete;
    case ItchType.OrderReplace:
      writeU64(b, o + 11, m.orderRef);
      writeU64(b, o + 19, m.newRef);
      writeU32(b, o + 27, m.shares);
      writeU32(b, o + 31, m.price);
      return o + ItchLength.OrderReplace;
    case ItchType.Trade:
      writeU64(b, o + 11, m.orderRef);
      b[o + 19] = m.side;
      writeU32(b, o + 20, m.shares);
      writeWords(b, o + 24, m.stockHi, m.stockLo);
      writeU32(b, o + 32, m.price);
      writeU64(b, o + 36, m.matchNumber);
      return o + ItchLength.Trade;
    case ItchType.EndOfSnapshot:
      writeAlpha(b, o + 11, String(m.snapshotSequence), 20);
      return o + ItchLength.EndOfSnapshot;
    default:
      return -1;
  }
}
