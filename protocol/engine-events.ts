// Engine events: what the exchange core tells the market-data publisher, one fixed
// 64-byte record per event so a record can be written and read in place in a
// SharedArrayBuffer ring (no object per event). All fields little-endian (host order:
// the ring never leaves the machine).
//
//  offset size field
//   0     1    type          EngineEventType (ASCII, same letters as the ITCH message it maps to)
//   1     1    side          'B' | 'S' (0 where not applicable)
//   2     1    flags         bit 0: last event of its group (all events one command caused)
//   3     1    code          S: system event code; H: trading state; otherwise 0
//   4     2    stock locate  1..N (0 for system events)
//   6     2    reserved
//   8     4    shares        A: shares; E: executed; X: cancelled; U: new shares
//  12     4    price         Price(4); A, U: order price; E: execution price (the resting price)
//  16     8    sequence      outbound engine event sequence, from 1, contiguous (f64, exact below 2^53)
//  24     8    timestampNs   ns since midnight America/New_York
//  32     8    order ref     A, E, X, D: the order; U: the original ref
//  40     8    ref2          U: the new ref; E: the aggressor's ref
//  48     8    match number  E: one per match, shared by its buy and sell executions
//  56     8    inbound seq   the sequenced command that caused the event

export const ENGINE_EVENT_SIZE = 64;

export const EngineEventType = {
  SystemEvent: 0x53, // 'S'
  TradingState: 0x48, // 'H'
  OrderAdded: 0x41, // 'A'
  OrderExecuted: 0x45, // 'E'
  OrderCancelled: 0x58, // 'X' (partial)
  OrderDeleted: 0x44, // 'D'
  OrderReplaced: 0x55, // 'U'
} as const;
export type EngineEventType = (typeof EngineEventType)[keyof typeof EngineEventType];

export const EVENT_FLAG_GROUP_END = 1;

export const EventField = {
  type: 0,
  side: 1,
  flags: 2,
  code: 3,
  locate: 4,
  shares: 8,
  price: 12,
  sequence: 16,
  timestampNs: 24,
  orderRef: 32,
  ref2: 40,
  matchNumber: 48,
  inboundSeq: 56,
} as const;

/** ITCH System Event codes (FEED.md, type S). */
export const SystemEventCode = {
  StartOfMessages: 0x4f, // 'O'
  StartOfSystemHours: 0x53, // 'S'
  StartOfMarketHours: 0x51, // 'Q'
  EndOfMarketHours: 0x4d, // 'M'
  EndOfSystemHours: 0x45, // 'E'
  EndOfMessages: 0x43, // 'C'
} as const;

/** ITCH Stock Trading Action states (FEED.md, type H). */
export const TradingState = {
  Halted: 0x48, // 'H'
  Paused: 0x50, // 'P'
  QuotationOnly: 0x51, // 'Q'
  Trading: 0x54, // 'T'
} as const;

export const Side = { Buy: 0x42, Sell: 0x53 } as const; // 'B', 'S'

/**
 * Typed views over a buffer of engine event records, for writing and reading in place.
 * One instance per buffer; `base` arguments are byte offsets of a record (multiple of 64).
 */
export class EngineEventView {
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly u32: Uint32Array;
  readonly f64: Float64Array;

  constructor(buffer: ArrayBufferLike, byteOffset = 0, byteLength = buffer.byteLength - byteOffset) {
    if (byteOffset % 8 !== 0 || byteLength % ENGINE_EVENT_SIZE !== 0) {
      throw new RangeError(`engine event buffer must be 8-aligned and a multiple of ${ENGINE_EVENT_SIZE} bytes`);
    }
    this.u8 = new Uint8Array(buffer, byteOffset, byteLength);
    this.u16 = new Uint16Array(buffer, byteOffset, byteLength >> 1);
    this.u32 = new Uint32Array(buffer, byteOffset, byteLength >> 2);
    this.f64 = new Float64Array(buffer, byteOffset, byteLength >> 3);
  }

  type(base: number): number { return this.u8[base]; }
  side(base: number): number { return this.u8[base + 1]; }
  flags(base: number): number { return this.u8[base + 2]; }
  code(base: number): number { return this.u8[base + 3]; }
  locate(base: number): number { return this.u16[(base >> 1) + 2]; }
  shares(base: number): number { return this.u32[(base >> 2) + 2]; }
  price(base: number): number { return this.u32[(base >> 2) + 3]; }
  sequence(base: number): number { return this.f64[(base >> 3) + 2]; }
  timestampNs(base: number): number { return this.f64[(base >> 3) + 3]; }
  orderRef(base: number): number { return this.f64[(base >> 3) + 4]; }
  ref2(base: number): number { return this.f64[(base >> 3) + 5]; }
  matchNumber(base: number): number { return this.f64[(base >> 3) + 6]; }
  inboundSeq(base: number): number { return this.f64[(base >> 3) + 7]; }
  isGroupEnd(base: number): boolean { return (this.u8[base + 2] & EVENT_FLAG_GROUP_END) !== 0; }
}

/** A decoded engine event, for tests and tools (never on a hot path). */
export interface EngineEvent {
  type: string;
  side: string;
  groupEnd: boolean;
  code: string;
  locate: number;
  shares: number;
  price: number;
  sequence: number;
  timestampNs: number;
  orderRef: number;
  ref2: number;
  matchNumber: number;
  inboundSeq: number;
}

export function readEngineEvent(view: EngineEventView, base: number): EngineEvent {
  const ch = (c: number): string => (c === 0 ? '' : String.fromCharCode(c));
  return {
    type: ch(view.type(base)),
    side: ch(view.side(base)),
    groupEnd: view.isGroupEnd(base),
    code: ch(view.code(base)),
    locate: view.locate(base),
    shares: view.shares(base),
    price: view.price(base),
    sequence: view.sequence(base),
    timestampNs: view.timestampNs(base),
    orderRef: view.orderRef(base),
    ref2: view.ref2(base),
    matchNumber: view.matchNumber(base),
    inboundSeq: view.inboundSeq(base),
  };
}
