// ITCH 5.0 message layouts (FEED.md, "ITCH 5.0 messages") and the reused record that
// the decoder fills and the generic encoder reads. Offsets are from the message's first
// byte (its type); every message starts with type, stock locate, tracking number and
// a 48-bit timestamp.

import { readAlpha } from './bytes';

export const ItchType = {
  SystemEvent: 0x53, // 'S'
  StockDirectory: 0x52, // 'R'
  StockTradingAction: 0x48, // 'H'
  AddOrder: 0x41, // 'A'
  AddOrderMpid: 0x46, // 'F'
  OrderExecuted: 0x45, // 'E'
  OrderExecutedWithPrice: 0x43, // 'C'
  OrderCancel: 0x58, // 'X'
  OrderDelete: 0x44, // 'D'
  OrderReplace: 0x55, // 'U'
  Trade: 0x50, // 'P'
  EndOfSnapshot: 0x47, // 'G' (snapshot stream only)
} as const;
export type ItchType = (typeof ItchType)[keyof typeof ItchType];

/** Fixed lengths in bytes, type byte included (FEED.md table). */
export const ItchLength = {
  SystemEvent: 12,
  StockDirectory: 39,
  StockTradingAction: 25,
  AddOrder: 36,
  AddOrderMpid: 40,
  OrderExecuted: 31,
  OrderExecutedWithPrice: 36,
  OrderCancel: 23,
  OrderDelete: 19,
  OrderReplace: 35,
  Trade: 44,
  EndOfSnapshot: 31,
} as const;

/** The longest message we decode or skip (the NOII 'I'); a length prefix above it is not ITCH. */
export const ITCH_MAX_LENGTH = 50;

/** Price(4) maximum: 200,000.0000 (FEED.md). */
export const ITCH_MAX_PRICE = 2_000_000_000;

/** Header field offsets shared by every message. */
export const HeaderField = { type: 0, locate: 1, tracking: 3, timestamp: 5 } as const;

/**
 * Length of each message type by its type byte: positive for the types Tickwire decodes,
 * negative for the other ITCH 5.0 types (TotalView-ITCH 5.0 section 1.x: Y, L, V, W, K, J,
 * h, Q, B, I, N, O), which a reader must be able to step over when a file writes length 0,
 * and 0 for bytes that are no ITCH 5.0 type.
 */
export const ITCH_TYPE_LENGTH = new Int8Array(256);
ITCH_TYPE_LENGTH[ItchType.SystemEvent] = ItchLength.SystemEvent;
ITCH_TYPE_LENGTH[ItchType.StockDirectory] = ItchLength.StockDirectory;
ITCH_TYPE_LENGTH[ItchType.StockTradingAction] = ItchLength.StockTradingAction;
ITCH_TYPE_LENGTH[ItchType.AddOrder] = ItchLength.AddOrder;
ITCH_TYPE_LENGTH[ItchType.AddOrderMpid] = ItchLength.AddOrderMpid;
ITCH_TYPE_LENGTH[ItchType.OrderExecuted] = ItchLength.OrderExecuted;
ITCH_TYPE_LENGTH[ItchType.OrderExecutedWithPrice] = ItchLength.OrderExecutedWithPrice;
ITCH_TYPE_LENGTH[ItchType.OrderCancel] = ItchLength.OrderCancel;
ITCH_TYPE_LENGTH[ItchType.OrderDelete] = ItchLength.OrderDelete;
ITCH_TYPE_LENGTH[ItchType.OrderReplace] = ItchLength.OrderReplace;
ITCH_TYPE_LENGTH[ItchType.Trade] = ItchLength.Trade;
ITCH_TYPE_LENGTH[ItchType.EndOfSnapshot] = ItchLength.EndOfSnapshot;
ITCH_TYPE_LENGTH[0x59] = -20; // Y Reg SHO restriction
ITCH_TYPE_LENGTH[0x4c] = -26; // L market participant position
ITCH_TYPE_LENGTH[0x56] = -35; // V MWCB decline level
ITCH_TYPE_LENGTH[0x57] = -12; // W MWCB status
ITCH_TYPE_LENGTH[0x4b] = -28; // K IPO quoting period update
ITCH_TYPE_LENGTH[0x4a] = -35; // J LULD auction collar
ITCH_TYPE_LENGTH[0x68] = -21; // h operational halt
ITCH_TYPE_LENGTH[0x51] = -40; // Q cross trade
ITCH_TYPE_LENGTH[0x42] = -19; // B broken trade
ITCH_TYPE_LENGTH[0x49] = -50; // I NOII
ITCH_TYPE_LENGTH[0x4e] = -20; // N retail price improvement indicator
ITCH_TYPE_LENGTH[0x4f] = -48; // O direct listing with capital raise

/** Length of a message from its type byte (either kind), or 0 if the byte is no ITCH 5.0 type. */
export function itchLengthOfType(type: number): number {
  const n = ITCH_TYPE_LENGTH[type];
  return n < 0 ? -n : n;
}

/**
 * One decoded message, reused for every decode (no object per message). Which fields are
 * meaningful depends on `type`; the others keep stale values from earlier messages.
 *
 * - `shares`: A/F shares, E/C executed shares, X cancelled shares, U new shares, P shares.
 * - `orderRef`: A/F/E/C/X/D/P the order; U the original order. `newRef`: U only.
 * - `price`: A/F/U/P the order's price, C the execution price (Price(4) integer).
 * - Stock symbols are held as two big-endian 32-bit words of the 8 ASCII bytes, so a
 *   decode never builds a string; `stock()` makes one when asked.
 */
export class ItchMessage {
  type = 0;
  locate = 0;
  tracking = 0;
  timestampNs = 0;
  // S
  eventCode = 0;
  // R, H, A, F, P
  stockHi = 0;
  stockLo = 0;
  // R
  marketCategory = 0;
  financialStatus = 0;
  roundLotSize = 0;
  roundLotsOnly = 0;
  issueClassification = 0;
  /** Two ASCII bytes as a big-endian u16. */
  issueSubType = 0;
  authenticity = 0;
  shortSaleThreshold = 0;
  ipoFlag = 0;
  luldTier = 0;
  etpFlag = 0;
  etpLeverage = 0;
  inverse = 0;
  // H
  tradingState = 0;
  reserved = 0;
  /** Four ASCII bytes as a big-endian u32. */
  reason = 0;
  // A, F, E, C, X, D, U, P
  orderRef = 0;
  newRef = 0;
  side = 0;
  shares = 0;
  price = 0;
  matchNumber = 0;
  /** C: 'Y' (0x59) or 'N' (0x4e). */
  printable = 0;
  /** F: four ASCII bytes as a big-endian u32. */
  attribution = 0;
  // G
  snapshotSequence = 0;
  /** After a failed decode: offset (in the decoded buffer) of the byte or field at fault. */
  faultOffset = 0;

  /** The stock symbol without padding (allocates a string). */
  stock(): string {
    return wordsToAlpha(this.stockHi, this.stockLo, 8);
  }

  /** F: the MPID without padding (allocates). */
  mpid(): string {
    return wordsToAlpha(this.attribution, 0, 4);
  }

  /** H: the reason code without padding (allocates). */
  reasonText(): string {
    return wordsToAlpha(this.reason, 0, 4);
  }

  /** Sets `stockHi`/`stockLo` from a symbol (used by tests and the generic encoder's callers). */
  setStock(symbol: string): void {
    this.stockHi = alphaWord(symbol, 0);
    this.stockLo = alphaWord(symbol, 4);
  }
}

/** Four characters of `text` from `from`, space-padded, as a big-endian u32. */
export function alphaWord(text: string, from: number): number {
  let w = 0;
  for (let i = from; i < from + 4; i++) w = (w << 8) | (i < text.length ? text.charCodeAt(i) & 0xff : 0x20);
  return w >>> 0;
}

function wordsToAlpha(hi: number, lo: number, width: number): string {
  const b = new Uint8Array(8);
  b[0] = hi >>> 24;
  b[1] = hi >>> 16;
  b[2] = hi >>> 8;
  b[3] = hi;
  b[4] = lo >>> 24;
  b[5] = lo >>> 16;
  b[6] = lo >>> 8;
  b[7] = lo;
  return readAlpha(b, 0, width);
}

/** Human-readable Price(4): 1923400 -> "192.3400" (FEED.md decision: JSON carries prices like this). */
export function formatPrice4(price: number): string {
  const whole = Math.floor(price / 10000);
  const frac = price - whole * 10000;
  return `${whole}.${String(frac).padStart(4, '0')}`;
}
