// Sequenced commands into the exchange core: the journal's payload and the engine's
// input, one fixed 48-byte record (little-endian, host order: it never leaves the machine).
//
//  offset size field
//   0     1    type        'N' new order, 'X' cancel, 'R' cancel-replace, 'H' trading state, 'S' system event
//   1     1    side        'B' | 'S' (N)
//   2     1    order type  'L' limit (day), 'I' limit immediate-or-cancel, 'M' market (N)
//   3     1    code        H: state 'H' | 'P' | 'Q' | 'T'; S: event code 'O' 'S' 'Q' 'M' 'E' 'C'
//   4     2    locate      symbol 1..N (N, H)
//   6     2    reserved
//   8     4    shares      N: quantity; X: shares to cancel (0 = all); R: new quantity
//  12     4    price       Price(4); N (limit), R: new price
//  16     8    inbound seq from 1, contiguous, stamped by the sequencer
//  24     8    timestampNs stamped by the sequencer, ns since midnight America/New_York
//  32     8    order ref   X, R: the order acted on
//  40     8    reserved
// A new order's ref is its inbound sequence number (so is a replace's new ref).

export const COMMAND_SIZE = 48;

export const CommandType = {
  NewOrder: 0x4e, // 'N'
  Cancel: 0x58, // 'X'
  Replace: 0x52, // 'R'
  TradingState: 0x48, // 'H'
  SystemEvent: 0x53, // 'S'
} as const;

export const OrderType = {
  Limit: 0x4c, // 'L' (day)
  ImmediateOrCancel: 0x49, // 'I'
  Market: 0x4d, // 'M'
} as const;

/** A growable-by-replacement buffer of command records with typed views. */
export class CommandBuffer {
  readonly capacity: number;
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly f64: Float64Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    const buffer = new ArrayBuffer(capacity * COMMAND_SIZE);
    this.u8 = new Uint8Array(buffer);
    this.u16 = new Uint16Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.f64 = new Float64Array(buffer);
  }

  type(base: number): number { return this.u8[base]; }
  side(base: number): number { return this.u8[base + 1]; }
  orderType(base: number): number { return this.u8[base + 2]; }
  code(base: number): number { return this.u8[base + 3]; }
  locate(base: number): number { return this.u16[(base >> 1) + 2]; }
  shares(base: number): number { return this.u32[(base >> 2) + 2]; }
  price(base: number): number { return this.u32[(base >> 2) + 3]; }
  inboundSeq(base: number): number { return this.f64[(base >> 3) + 2]; }
  timestampNs(base: number): number { return this.f64[(base >> 3) + 3]; }
  orderRef(base: number): number { return this.f64[(base >> 3) + 4]; }

  /** Writes a whole command at `base` (sequence and time are the sequencer's to stamp). */
  write(
    base: number,
    type: number,
    side: number,
    orderType: number,
    code: number,
    locate: number,
    shares: number,
    price: number,
    orderRef: number,
  ): void {
    this.u8[base] = type;
    this.u8[base + 1] = side;
    this.u8[base + 2] = orderType;
    this.u8[base + 3] = code;
    this.u16[(base >> 1) + 2] = locate;
    this.u16[(base >> 1) + 3] = 0;
    this.u32[(base >> 2) + 2] = shares;
    this.u32[(base >> 2) + 3] = price;
    this.f64[(base >> 3) + 2] = 0;
    this.f64[(base >> 3) + 3] = 0;
    this.f64[(base >> 3) + 4] = orderRef;
    this.f64[(base >> 3) + 5] = 0;
  }

  stamp(base: number, inboundSeq: number, timestampNs: number): void {
    this.f64[(base >> 3) + 2] = inboundSeq;
    this.f64[(base >> 3) + 3] = timestampNs;
  }
}
