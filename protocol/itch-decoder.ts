// ITCH 5.0 decoder: reads one message in place from a buffer into a reused ItchMessage.
// No allocation, no exceptions: it returns a status so that a decode loop over hostile
// input never throws (FEED.md layouts; errors.ts for the fault codes).

import { readU16, readU32, readU48 } from './bytes';
import { Fault } from './errors';
import { ITCH_MAX_PRICE, ITCH_TYPE_LENGTH, ItchMessage, ItchType } from './itch-messages';

/** decodeItch status: a valid ITCH 5.0 message of a type outside FEED.md's set (skipped, not an error). */
export const ITCH_IGNORED = -1;

const TWO_32 = 4294967296;
/** A u64's high word above this means the value is at least 2^53. */
const SAFE_HI = 0x1fffff;

/**
 * Decodes the message at `b[o, o + length)`; `length` is what the framing says (a MoldUDP64
 * block length, a file's length prefix, or the type's length when the prefix is 0).
 * Returns 0 when `m` holds the message, ITCH_IGNORED for other ITCH 5.0 types, or a Fault
 * code with `m.faultOffset` set. Header fields (type, locate, tracking, timestamp) are set
 * whenever the header itself was readable.
 */
export function decodeItch(b: Uint8Array, o: number, length: number, m: ItchMessage): number {
  if (length < 1 || o + 1 > b.length) {
    m.faultOffset = o;
    return Fault.Truncated;
  }
  const type = b[o];
  m.type = type;
  const expected = ITCH_TYPE_LENGTH[type];
  if (expected === 0) {
    m.faultOffset = o;
    return Fault.UnknownType;
  }
  const need = expected < 0 ? -expected : expected;
  if (length !== need) {
    m.faultOffset = o;
    return length < need ? Fault.Truncated : Fault.LengthMismatch;
  }
  if (o + need > b.length) {
    m.faultOffset = b.length;
    return Fault.Truncated;
  }
  m.locate = readU16(b, o + 1);
  m.tracking = readU16(b, o + 3);
  m.timestampNs = readU48(b, o + 5);
  if (expected < 0) return ITCH_IGNORED;

  switch (type) {
    case ItchType.AddOrder:
    case ItchType.AddOrderMpid: {
      const hi = readU32(b, o + 11);
      if (hi > SAFE_HI) return fault(m, o + 11, Fault.U64OverSafe);
      m.orderRef = hi * TWO_32 + readU32(b, o + 15);
      const side = b[o + 19];
      if (side !== 0x42 && side !== 0x53) return fault(m, o + 19, Fault.BadSide);
      m.side = side;
      m.shares = readU32(b, o + 20);
      m.stockHi = readU32(b, o + 24);
      m.stockLo = readU32(b, o + 28);
      const price = readU32(b, o + 32);
      if (price > ITCH_MAX_PRICE) return fault(m, o + 32, Fault.PriceOverMax);
      m.price = price;
      if (type === ItchType.AddOrderMpid) m.attribution = readU32(b, o + 36);
      return 0;
    }
    case ItchType.OrderExecuted:
    case ItchType.OrderExecutedWithPrice: {
      const hi = readU32(b, o + 11);
      if (hi > SAFE_HI) return fault(m, o + 11, Fault.U64OverSafe);
      m.orderRef = hi * TWO_32 + readU32(b, o + 15);
      m.shares = readU32(b, o + 19);
      const mhi = readU32(b, o + 23);
      if (mhi > SAFE_HI) return fault(m, o + 23, Fault.U64OverSafe);
      m.matchNumber = mhi * TWO_32 + readU32(b, o + 27);
      if (type === ItchType.OrderExecuted) return 0;
      const printable = b[o + 31];
      if (printable !== 0x59 && printable !== 0x4e) return fault(m, o + 31, Fault.BadPrintable);
      m.printable = printable;
      const price = readU32(b, o + 32);
      if (price > ITCH_MAX_PRICE) return fault(m, o + 32, Fault.PriceOverMax);
      m.price = price;
      return 0;
    }
    case ItchType.OrderCancel:
    case ItchType.OrderDelete: {
      const hi = readU32(b, o + 11);
      if (hi > SAFE_HI) return fault(m, o + 11, Fault.U64OverSafe);
      m.orderRef = hi * TWO_32 + readU32(b, o + 15);
      if (type === ItchType.OrderCancel) m.shares = readU32(b, o + 19);
      return 0;
    }
    case ItchType.OrderReplace: {
      const hi = readU32(b, o + 11);
      if (hi > SAFE_HI) return fault(m, o + 11, Fault.U64OverSafe);
      const nhi = readU32(b, o + 19);
      if (nhi > SAFE_HI) return fault(m, o + 19, Fault.U64OverSafe);
      m.orderRef = hi * TWO_32 + readU32(b, o + 15);
      m.newRef = nhi * TWO_32 + readU32(b, o + 23);
      m.shares = readU32(b, o + 27);
      const price = readU32(b, o + 31);
      if (price > ITCH_MAX_PRICE) return fault(m, o + 31, Fault.PriceOverMax);
      m.price = price;
      return 0;
    }
    case ItchType.Trade: {
      const hi = readU32(b, o + 11);
      if (hi > SAFE_HI) return fault(m, o + 11, Fault.U64OverSafe);
      m.orderRef = hi * TWO_32 + readU32(b, o + 15);
      const side = b[o + 19];
      if (side !== 0x42 && side !== 0x53) return fault(m, o + 19, Fault.BadSide);
      m.side = side;
      m.shares = readU32(b, o + 20);
      m.stockHi = readU32(b, o + 24);
      m.stockLo = readU32(b, o + 28);
      const price = readU32(b, o + 32);
      if (price > ITCH_MAX_PRICE) return fault(m, o + 32, Fault.PriceOverMax);
      m.price = price;
      const mhi = readU32(b, o + 36);
      if (mhi > SAFE_HI) return fault(m, o + 36, Fault.U64OverSafe);
      m.matchNumber = mhi * TWO_32 + readU32(b, o + 40);
      return 0;
    }
    case ItchType.SystemEvent:
      m.eventCode = b[o + 11];
      return 0;
    case ItchType.StockDirectory:
      m.stockHi = readU32(b, o + 11);
      m.stockLo = readU32(b, o + 15);
      m.marketCategory = b[o + 19];
      m.financialStatus = b[o + 20];
      m.roundLotSize = readU32(b, o + 21);
      m.roundLotsOnly = b[o + 25];
      m.issueClassification = b[o + 26];
      m.issueSubType = readU16(b, o + 27);
      m.authenticity = b[o + 29];
      m.shortSaleThreshold = b[o + 30];
      m.ipoFlag = b[o + 31];
      m.luldTier = b[o + 32];
      m.etpFlag = b[o + 33];
      m.etpLeverage = readU32(b, o + 34);
      m.inverse = b[o + 38];
      return 0;
    case ItchType.StockTradingAction:
      m.stockHi = readU32(b, o + 11);
      m.stockLo = readU32(b, o + 15);
      m.tradingState = b[o + 19];
      m.reserved = b[o + 20];
      m.reason = readU32(b, o + 21);
      return 0;
    case ItchType.EndOfSnapshot:
      return decodeSnapshotSequence(b, o + 11, m);
    default:
      // Unreachable: every positive entry of ITCH_TYPE_LENGTH has a case above.
      m.faultOffset = o;
      return Fault.UnknownType;
  }
}

function fault(m: ItchMessage, at: number, code: number): number {
  m.faultOffset = at;
  return code;
}

/** G's 20-byte ASCII sequence: digits padded with spaces on either side (lenient on the padding side). */
function decodeSnapshotSequence(b: Uint8Array, o: number, m: ItchMessage): number {
  let i = o;
  const end = o + 20;
  while (i < end && b[i] === 0x20) i++;
  let v = 0;
  let digits = 0;
  for (; i < end && b[i] !== 0x20; i++) {
    const c = b[i];
    if (c < 0x30 || c > 0x39) return fault(m, i, Fault.BadNumericField);
    v = v * 10 + (c - 0x30);
    digits++;
  }
  for (; i < end; i++) if (b[i] !== 0x20) return fault(m, i, Fault.BadNumericField);
  if (digits === 0) return fault(m, o, Fault.BadNumericField);
  m.snapshotSequence = v;
  return 0;
}
