// Nasdaq OUCH 4.2 messages (order entry), as carried in SoupBinTCP Unsequenced Data (client
// to exchange) and Sequenced Data (exchange to client) payloads. Layouts are OUCH 4.2's
// section 3 (inbound) and section 4 (outbound), and the lengths Wireshark's `ouch` dissector
// checks (packet-ouch.c): Enter Order 49, Replace Order 47, Cancel Order 19, System Event
// 10, Accepted 66, Replaced 80, Canceled 28, Executed 40, Rejected 24. Integers are
// unsigned big-endian; alpha fields ASCII, left-justified and space-padded; Price is a u32
// with 4 implied decimals; Timestamp a u64 of nanoseconds since midnight (the engine's,
// America/New_York). Encoders write into the caller's buffer and return the offset after
// the message; the inbound decoder fills a reused object and returns a code, never throws.
import { readAlpha, readU32, readU64, writeAlpha, writeU32, writeU64 } from './bytes';

export const OuchType = {
  // Inbound (client to exchange).
  EnterOrder: 0x4f, // 'O'
  ReplaceOrder: 0x55, // 'U'
  CancelOrder: 0x58, // 'X'
  // Outbound (exchange to client).
  SystemEvent: 0x53, // 'S'
  Accepted: 0x41, // 'A'
  Replaced: 0x55, // 'U' (the same letter as Replace Order; the direction and length tell them apart)
  Canceled: 0x43, // 'C'
  Executed: 0x45, // 'E'
  Rejected: 0x4a, // 'J'
} as const;

/** Message lengths, type byte included (OUCH 4.2). */
export const OuchLength = {
  EnterOrder: 49,
  ReplaceOrder: 47,
  CancelOrder: 19,
  SystemEvent: 10,
  Accepted: 66,
  Replaced: 80,
  Canceled: 28,
  Executed: 40,
  Rejected: 24,
} as const;

/** The longest OUCH 4.2 message (Replaced). */
export const OUCH_MAX_MESSAGE = 80;
/** Order Token: alpha 14. */
export const OUCH_TOKEN_LENGTH = 14;

/** Time in Force values with a meaning of their own (OUCH 4.2 "Time in Force"): 0 IOC, 99998 market hours, 99999 system hours. */
export const OuchTimeInForce = {
  ImmediateOrCancel: 0,
  MarketHours: 99_998,
  SystemHours: 99_999,
} as const;

/**
 * Special prices (OUCH 4.2 "Price"): $200,000.0000 marks a market order, $214,748.3647 a
 * market order for a cross. Limit prices are at most $199,999.9900.
 */
export const OuchPrice = {
  Market: 2_000_000_000,
  MarketCross: 0x7fffffff,
  MaxLimit: 1_999_999_900,
} as const;

/** System Event codes. */
export const OuchEventCode = {
  StartOfDay: 0x53, // 'S'
  EndOfDay: 0x45, // 'E'
} as const;

/** Canceled reasons (OUCH 4.2 "Canceled", the ones we send). */
export const OuchCancelReason = {
  UserRequested: 0x55, // 'U'
  ImmediateOrCancel: 0x49, // 'I'
  Timeout: 0x54, // 'T'
  Supervisory: 0x53, // 'S'
  RegulatoryRestriction: 0x44, // 'D'
  SelfMatchPrevention: 0x51, // 'Q'
  SystemCancel: 0x5a, // 'Z'
} as const;

/** Rejected reasons (OUCH 4.2 "Rejected Order", the ones we send). */
export const OuchRejectReason = {
  Halted: 0x48, // 'H'
  SharesOverSafetyThreshold: 0x5a, // 'Z'
  InvalidStock: 0x53, // 'S'
  InvalidDisplayType: 0x44, // 'D'
  Closed: 0x43, // 'C'
  NotAllowedInCross: 0x52, // 'R'
  InvalidPrice: 0x58, // 'X'
  InvalidMinimumQuantity: 0x4e, // 'N'
  Other: 0x4f, // 'O'
  RejectAllEnabled: 0x61, // 'a'
  IsoRestriction: 0x64, // 'd'
  ShortSaleRestriction: 0x69, // 'i'
  ExceededSharesLimit: 0x6d, // 'm'
  ExceededDollarValueLimit: 0x6e, // 'n'
} as const;

/** What `decodeOuchInbound` returns. */
export const OuchDecode = {
  Ok: 0,
  /** A type letter that is not Enter Order, Replace Order or Cancel Order. */
  UnknownType: 1,
  /** The right type letter with the wrong length. */
  BadLength: 2,
} as const;

/**
 * One inbound message, decoded into a reused object. Enter Order fills every field but
 * `existingToken`; Replace Order fills `existingToken`, `token` (the replacement token),
 * shares, price, timeInForce, display, intermarketSweep and minimumQuantity; Cancel Order
 * `token` and shares (the new intended order size, 0 cancels all). Alpha fields are
 * returned with their padding removed; single-byte codes as character codes.
 */
export class OuchInbound {
  type = 0;
  token = '';
  existingToken = '';
  side = 0;
  shares = 0;
  stock = '';
  price = 0;
  timeInForce = 0;
  firm = '';
  display = 0;
  capacity = 0;
  intermarketSweep = 0;
  minimumQuantity = 0;
  crossType = 0;
  customerType = 0;
}

/** Decodes the message at `b[o, o + length)` into `out`; an OuchDecode code. */
export function decodeOuchInbound(b: Uint8Array, o: number, length: number, out: OuchInbound): number {
  if (length < 1) return OuchDecode.BadLength;
  const type = b[o];
  out.type = type;
  switch (type) {
    case OuchType.EnterOrder:
      if (length !== OuchLength.EnterOrder) return OuchDecode.BadLength;
      out.token = readAlpha(b, o + 1, 14);
      out.existingToken = '';
      out.side = b[o + 15];
      out.shares = readU32(b, o + 16);
      out.stock = readAlpha(b, o + 20, 8);
      out.price = readU32(b, o + 28);
      out.timeInForce = readU32(b, o + 32);
      out.firm = readAlpha(b, o + 36, 4);
      out.display = b[o + 40];
      out.capacity = b[o + 41];
      out.intermarketSweep = b[o + 42];
      out.minimumQuantity = readU32(b, o + 43);
      out.crossType = b[o + 47];
      out.customerType = b[o + 48];
      return OuchDecode.Ok;
    case OuchType.ReplaceOrder:
      if (length !== OuchLength.ReplaceOrder) return OuchDecode.BadLength;
      out.existingToken = readAlpha(b, o + 1, 14);
      out.token = readAlpha(b, o + 15, 14);
      out.shares = readU32(b, o + 29);
      out.price = readU32(b, o + 33);
      out.timeInForce = readU32(b, o + 37);
      out.display = b[o + 41];
      out.intermarketSweep = b[o + 42];
      out.minimumQuantity = readU32(b, o + 43);
      return OuchDecode.Ok;
    case OuchType.CancelOrder:
      if (length !== OuchLength.CancelOrder) return OuchDecode.BadLength;
      out.token = readAlpha(b, o + 1, 14);
      out.existingToken = '';
      out.shares = readU32(b, o + 15);
      return OuchDecode.Ok;
    default:
      return OuchDecode.UnknownType;
  }
}

// ---- inbound encoders (clients) -------------------------------------------------------------

export interface OuchEnterOrderFields {
  token: string;
  /** 'B' | 'S' | 'T' (sell short) | 'E' (sell short exempt). */
  side: string;
  shares: number;
  stock: string;
  /** Price(4); OuchPrice.Market for a market order. */
  price: number;
  /** Seconds; 0 IOC, 99999 system hours (the day). */
  timeInForce: number;
  firm?: string;
  /** Default 'Y' (anonymous, price to comply). */
  display?: string;
  /** Default 'P' (principal). */
  capacity?: string;
  /** Default 'N'. */
  intermarketSweep?: string;
  minimumQuantity?: number;
  /** Default 'N' (no cross: the continuous market). */
  crossType?: string;
  /** Default ' ' (the port's default). */
  customerType?: string;
}

const code = (s: string | undefined, fallback: number): number => (s === undefined || s.length === 0 ? fallback : s.charCodeAt(0));

export function encodeOuchEnterOrder(b: Uint8Array, o: number, f: OuchEnterOrderFields): number {
  b[o] = OuchType.EnterOrder;
  writeAlpha(b, o + 1, f.token, 14);
  b[o + 15] = code(f.side, 0x42);
  writeU32(b, o + 16, f.shares);
  writeAlpha(b, o + 20, f.stock, 8);
  writeU32(b, o + 28, f.price);
  writeU32(b, o + 32, f.timeInForce);
  writeAlpha(b, o + 36, f.firm ?? '', 4);
  b[o + 40] = code(f.display, 0x59);
  b[o + 41] = code(f.capacity, 0x50);
  b[o + 42] = code(f.intermarketSweep, 0x4e);
  writeU32(b, o + 43, f.minimumQuantity ?? 0);
  b[o + 47] = code(f.crossType, 0x4e);
  b[o + 48] = code(f.customerType, 0x20);
  return o + OuchLength.EnterOrder;
}

export interface OuchReplaceOrderFields {
  existingToken: string;
  replacementToken: string;
  shares: number;
  price: number;
  timeInForce: number;
  display?: string;
  intermarketSweep?: string;
  minimumQuantity?: number;
}

export function encodeOuchReplaceOrder(b: Uint8Array, o: number, f: OuchReplaceOrderFields): number {
  b[o] = OuchType.ReplaceOrder;
  writeAlpha(b, o + 1, f.existingToken, 14);
  writeAlpha(b, o + 15, f.replacementToken, 14);
  writeU32(b, o + 29, f.shares);
  writeU32(b, o + 33, f.price);
  writeU32(b, o + 37, f.timeInForce);
  b[o + 41] = code(f.display, 0x59);
  b[o + 42] = code(f.intermarketSweep, 0x4e);
  writeU32(b, o + 43, f.minimumQuantity ?? 0);
  return o + OuchLength.ReplaceOrder;
}

/** `shares`: the new intended order size; 0 cancels all that is open. */
export function encodeOuchCancelOrder(b: Uint8Array, o: number, token: string, shares: number): number {
  b[o] = OuchType.CancelOrder;
  writeAlpha(b, o + 1, token, 14);
  writeU32(b, o + 15, shares);
  return o + OuchLength.CancelOrder;
}

// ---- outbound encoders (the exchange) -------------------------------------------------------

export function encodeOuchSystemEvent(b: Uint8Array, o: number, timestampNs: number, eventCode: number): number {
  b[o] = OuchType.SystemEvent;
  writeU64(b, o + 1, timestampNs);
  b[o + 9] = eventCode;
  return o + OuchLength.SystemEvent;
}

/** The fields Accepted and Replaced share (OUCH 4.2 sections 4.2 and 4.3). */
export interface OuchOrderView {
  token: string;
  /** Character code: 'B', 'S', 'T', 'E'. */
  side: number;
  shares: number;
  stock: string;
  price: number;
  timeInForce: number;
  firm: string;
  display: number;
  /** The exchange's order reference number (the order ref on the ITCH feed). */
  orderRef: number;
  capacity: number;
  intermarketSweep: number;
  minimumQuantity: number;
  crossType: number;
  /** 'L' live, 'D' dead (accepted and at once cancelled). */
  orderState: number;
  /** ' ' unspecified. */
  bboWeight: number;
}

function writeOrderView(b: Uint8Array, o: number, timestampNs: number, v: OuchOrderView): void {
  writeU64(b, o + 1, timestampNs);
  writeAlpha(b, o + 9, v.token, 14);
  b[o + 23] = v.side;
  writeU32(b, o + 24, v.shares);
  writeAlpha(b, o + 28, v.stock, 8);
  writeU32(b, o + 36, v.price);
  writeU32(b, o + 40, v.timeInForce);
  writeAlpha(b, o + 44, v.firm, 4);
  b[o + 48] = v.display;
  writeU64(b, o + 49, v.orderRef);
  b[o + 57] = v.capacity;
  b[o + 58] = v.intermarketSweep;
  writeU32(b, o + 59, v.minimumQuantity);
  b[o + 63] = v.crossType;
  b[o + 64] = v.orderState;
}

export function encodeOuchAccepted(b: Uint8Array, o: number, timestampNs: number, v: OuchOrderView): number {
  b[o] = OuchType.Accepted;
  writeOrderView(b, o, timestampNs, v);
  b[o + 65] = v.bboWeight;
  return o + OuchLength.Accepted;
}

/** `v.token` is the replacement token; `previousToken` the one it replaced. */
export function encodeOuchReplaced(b: Uint8Array, o: number, timestampNs: number, v: OuchOrderView, previousToken: string): number {
  b[o] = OuchType.Replaced;
  writeOrderView(b, o, timestampNs, v);
  writeAlpha(b, o + 65, previousToken, 14);
  b[o + 79] = v.bboWeight;
  return o + OuchLength.Replaced;
}

/** `decrementShares`: the shares this cancel took off the order. */
export function encodeOuchCanceled(b: Uint8Array, o: number, timestampNs: number, token: string, decrementShares: number, reason: number): number {
  b[o] = OuchType.Canceled;
  writeU64(b, o + 1, timestampNs);
  writeAlpha(b, o + 9, token, 14);
  writeU32(b, o + 23, decrementShares);
  b[o + 27] = reason;
  return o + OuchLength.Canceled;
}

/** `liquidity`: 'A' added (the resting side), 'R' removed (the incoming side). */
export function encodeOuchExecuted(b: Uint8Array, o: number, timestampNs: number, token: string, shares: number, price: number, liquidity: number, matchNumber: number): number {
  b[o] = OuchType.Executed;
  writeU64(b, o + 1, timestampNs);
  writeAlpha(b, o + 9, token, 14);
  writeU32(b, o + 23, shares);
  writeU32(b, o + 27, price);
  b[o + 31] = liquidity;
  writeU64(b, o + 32, matchNumber);
  return o + OuchLength.Executed;
}

export function encodeOuchRejected(b: Uint8Array, o: number, timestampNs: number, token: string, reason: number): number {
  b[o] = OuchType.Rejected;
  writeU64(b, o + 1, timestampNs);
  writeAlpha(b, o + 9, token, 14);
  b[o + 23] = reason;
  return o + OuchLength.Rejected;
}

// ---- outbound decoder (clients, tests; allocates) -------------------------------------------

export type OuchOutbound =
  | { type: 'S'; timestampNs: number; eventCode: string }
  | ({ type: 'A'; timestampNs: number } & OuchOrderFields)
  | ({ type: 'U'; timestampNs: number; previousToken: string } & OuchOrderFields)
  | { type: 'C'; timestampNs: number; token: string; decrementShares: number; reason: string }
  | { type: 'E'; timestampNs: number; token: string; shares: number; price: number; liquidity: string; matchNumber: number }
  | { type: 'J'; timestampNs: number; token: string; reason: string };

/** Accepted and Replaced as text and numbers. */
export interface OuchOrderFields {
  token: string;
  side: string;
  shares: number;
  stock: string;
  price: number;
  timeInForce: number;
  firm: string;
  display: string;
  orderRef: number;
  capacity: string;
  intermarketSweep: string;
  minimumQuantity: number;
  crossType: string;
  orderState: string;
  bboWeight: string;
}

const ch = (b: Uint8Array, o: number): string => String.fromCharCode(b[o]);

function readOrderFields(b: Uint8Array, o: number): OuchOrderFields {
  return {
    token: readAlpha(b, o + 9, 14),
    side: ch(b, o + 23),
    shares: readU32(b, o + 24),
    stock: readAlpha(b, o + 28, 8),
    price: readU32(b, o + 36),
    timeInForce: readU32(b, o + 40),
    firm: readAlpha(b, o + 44, 4),
    display: ch(b, o + 48),
    orderRef: readU64(b, o + 49),
    capacity: ch(b, o + 57),
    intermarketSweep: ch(b, o + 58),
    minimumQuantity: readU32(b, o + 59),
    crossType: ch(b, o + 63),
    orderState: ch(b, o + 64),
    bboWeight: '',
  };
}

/** An outbound message, or null when the type is unknown or the length wrong for it. */
export function decodeOuchOutbound(b: Uint8Array, o: number, length: number): OuchOutbound | null {
  if (length < 9) return null;
  const timestampNs = readU64(b, o + 1);
  switch (b[o]) {
    case OuchType.SystemEvent:
      return length === OuchLength.SystemEvent ? { type: 'S', timestampNs, eventCode: ch(b, o + 9) } : null;
    case OuchType.Accepted: {
      if (length !== OuchLength.Accepted) return null;
      const f = readOrderFields(b, o);
      f.bboWeight = ch(b, o + 65);
      return { type: 'A', timestampNs, ...f };
    }
    case OuchType.Replaced: {
      if (length !== OuchLength.Replaced) return null;
      const f = readOrderFields(b, o);
      f.bboWeight = ch(b, o + 79);
      return { type: 'U', timestampNs, previousToken: readAlpha(b, o + 65, 14), ...f };
    }
    case OuchType.Canceled:
      return length === OuchLength.Canceled ? { type: 'C', timestampNs, token: readAlpha(b, o + 9, 14), decrementShares: readU32(b, o + 23), reason: ch(b, o + 27) } : null;
    case OuchType.Executed:
      return length === OuchLength.Executed
        ? { type: 'E', timestampNs, token: readAlpha(b, o + 9, 14), shares: readU32(b, o + 23), price: readU32(b, o + 27), liquidity: ch(b, o + 31), matchNumber: readU64(b, o + 32) }
        : null;
    case OuchType.Rejected:
      return length === OuchLength.Rejected ? { type: 'J', timestampNs, token: readAlpha(b, o + 9, 14), reason: ch(b, o + 23) } : null;
    default:
      return null;
  }
}
