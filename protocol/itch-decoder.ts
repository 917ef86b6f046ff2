// ITCH 5.0 decoder: reads one message in place from a buffer into a reused ItchMessage.
// No allocation, no exceptions: it returns a status so that a decode loop over hostile
// input never throws (FEED.md layouts; errors.ts for the fault codes).

import { Fault } from './errors';
import { ITCH_MAX_PRICE, ITCH_TYPE_LENGTH, ItchMessage } from './itch-messages';

/** decodeItch status: a valid ITCH 5.0 message of a type outside FEED.md's set (skipped, not an error). */
export const ITCH_IGNORED = -1;

const TWO_32 = 4294967296;

// A DataView over the buffer being decoded, rebuilt only when the buffer changes (once
// per packet or file chunk, not per message): DataView reads are inlined by TurboFan and
// beat assembling bytes by hand (STYLE.md, hot paths).
let viewBytes: Uint8Array | null = null;
let view: DataView = new DataView(new ArrayBuffer(8));

function viewOf(b: Uint8Array): DataView {
  if (b !== viewBytes) {
    viewBytes = b;
    view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  return view;
}
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
  const dv = viewOf(b);
  m.locate = dv.getUint16(o + 1);
  m.tracking = dv.getUint16(o + 3);
  m.timestampNs = dv.getUint16(o + 5) * TWO_32 + dv.getUint32(o + 7);
  if (expected < 0) return ITCH_IGNORED;

  // Literal type letters (ItchType) so V8 can dispatch with a jump table.
  switch (type) {
    case 0x41: // 'A' Add Order
    case 0x46: { // 'F' Add Order MPID
      const hi = dv.getUint32(o + 11);
      if (hi > SAFE_HI) return fault(m, o + 11, Fault.U64OverSafe);
      m.orderRef = hi * TWO_32 + dv.getUint32(o + 15);
      const side = b[o + 19];
      if (side !== 0x42 && side !== 0x53) return fault(m, o + 19, Fault.BadSide);
      m.side = side;
      m.shares = dv.getUint32(o + 20);
      m.stockHi = dv.getUint32(o + 24);
      m.stockLo = dv.getUint32(o + 28);
      const price = dv.getUint32(o + 32);
      if (price > ITCH_MAX_PRICE) return fault(m, o + 32, Fault.PriceOverMax);
      m.price = price;
      if (type === 0x46) m.attribution = dv.getUint32(o + 36);
      return 0;
    }
    case 0x45: // 'E' Order Executed
    case 0x43: { // 'C' Order Executed With Price
      const hi = dv.getUint32(o + 11);
      if (hi > SAFE_HI) return fault(m, o + 11, Fault.U64OverSafe);
      m.orderRef = hi * TWO_32 + dv.getUint32(o + 15);
      m.shares = dv.getUint32(o + 19);
      const mhi = dv.getUint32(o + 23);
      if (mhi > SAFE_HI) return fault(m, o + 23, Fault.U64OverSafe);
      m.matchNumber = mhi * TWO_32 + dv.getUint32(o + 27);
      if (type === 0x45) return 0;
      const printable = b[o + 31];
      if (printable !== 0x59 && printable !== 0x4e) return fault(m, o + 31, Fault.BadPrintable);
      m.printable = printable;
      const price = dv.getUint32(o + 32);
      if (price > ITCH_MAX_PRICE) return fault(m, o + 32, Fault.PriceOverMax);
      m.price = price;
      return 0;
    }
    case 0x58: // 'X' Order Cancel
    case 0x44: { // 'D' Order Delete
      const hi = dv.getUint32(o + 11);
      if (hi > SAFE_HI) return fault(m, o + 11, Fault.U64OverSafe);
      m.orderRef = hi * TWO_32 + dv.getUint32(o + 15);
      if (type === 0x58) m.shares = dv.getUint32(o + 19);
      return 0;
    }
    case 0x55: { // 'U' Order Replace
      const hi = dv.getUint32(o + 11);
      if (hi > SAFE_HI) return fault(m, o + 11, Fault.U64OverSafe);
      const nhi = dv.getUint32(o + 19);
      if (nhi > SAFE_HI) return fault(m, o + 19, Fault.U64OverSafe);
      m.orderRef = hi * TWO_32 + dv.getUint32(o + 15);
      m.newRef = nhi * TWO_32 + dv.getUint32(o + 23);
      m.shares = dv.getUint32(o + 27);
      const price = dv.getUint32(o + 31);
      if (price > ITCH_MAX_PRICE) return fault(m, o + 31, Fault.PriceOverMax);
      m.price = price;
      return 0;
    }
    case 0x50: { // 'P' Trade
      const hi = dv.getUint32(o + 11);
      if (hi > SAFE_HI) return fault(m, o + 11, Fault.U64OverSafe);
      m.orderRef = hi * TWO_32 + dv.getUint32(o + 15);
      const side = b[o + 19];
      if (side !== 0x42 && side !== 0x53) return fault(m, o + 19, Fault.BadSide);
      m.side = side;
      m.shares = dv.getUint32(o + 20);
      m.stockHi = dv.getUint32(o + 24);
      m.stockLo = dv.getUint32(o + 28);
      const price = dv.getUint32(o + 32);
      if (price > ITCH_MAX_PRICE) return fault(m, o + 32, Fault.PriceOverMax);
      m.price = price;
      const mhi = dv.getUint32(o + 36);
      if (mhi > SAFE_HI) return fault(m, o + 36, Fault.U64OverSafe);
      m.matchNumber = mhi * TWO_32 + dv.getUint32(o + 40);
      return 0;
    }
    case 0x53: // 'S' System Event
      m.eventCode = b[o + 11];
      return 0;
    case 0x52: // 'R' Stock Directory
      m.stockHi = dv.getUint32(o + 11);
      m.stockLo = dv.getUint32(o + 15);
      m.marketCategory = b[o + 19];
      m.financialStatus = b[o + 20];
      m.roundLotSize = dv.getUint32(o + 21);
      m.roundLotsOnly = b[o + 25];
      m.issueClassification = b[o + 26];
      m.issueSubType = dv.getUint16(o + 27);
      m.authenticity = b[o + 29];
      m.shortSaleThreshold = b[o + 30];
      m.ipoFlag = b[o + 31];
      m.luldTier = b[o + 32];
      m.etpFlag = b[o + 33];
      m.etpLeverage = dv.getUint32(o + 34);
      m.inverse = b[o + 38];
      return 0;
    case 0x48: // 'H' Stock Trading Action
      m.stockHi = dv.getUint32(o + 11);
      m.stockLo = dv.getUint32(o + 15);
      m.tradingState = b[o + 19];
      m.reserved = b[o + 20];
      m.reason = dv.getUint32(o + 21);
      return 0;
    case 0x47: // 'G' End of Snapshot
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
