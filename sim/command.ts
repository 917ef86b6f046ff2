// Sequenced commands into the exchange core: the journal's payload and the engine's
// input, one fixed 48-byte record (little-endian, host order: it never leaves the machine).
//
//  offset size field
//   0     1    type        'N' new order, 'X' cancel, 'R' cancel-replace, 'H' trading state, 'S' system event,
//                          'C' client order token, 'T' transfer, 'A' account settings
//   1     1    side        'B' | 'S' (N)
//   2     1    order type  'L' limit (day), 'I' limit immediate-or-cancel, 'M' market (N)
//   3     1    code        H: state 'H' | 'P' | 'Q' | 'T'; S: event code 'O' 'S' 'Q' 'M' 'E' 'C'
//   4     2    locate      symbol 1..N (N, H)
//   6     2    reserved
//   8     4    shares      N: quantity; X: shares to cancel (0 = all); R: new quantity
//  12     4    price       Price(4); N (limit), R: new price
//  16     8    inbound seq from 1, contiguous, stamped by the sequencer
//  24     8    timestampNs stamped by the sequencer, ns since midnight America/New_York
//  32     8    order ref   X, R: the order acted on (from a client: its order id, see below)
//  40     4    account     u32; 0 = HOUSE_ACCOUNT (the order-flow generator)
//  44     4    reserved
// A new order's ref is its inbound sequence number (so is a replace's new ref).
//
// Client records (account != 0; protocol/order-entry.ts is what the gateway sends):
//   N, X, R  as above; X and R carry the order id (the N's sequence number, stable across
//            replaces) at 32, and the trading core acts on the order's current ref. A client
//            may act only on its own orders (TW_REJECT_NOT_OWNER).
//   'C'      client order token for the N or R right after it (same batch): byte 1 = length
//            1..30, the ASCII text in bytes 2..15 then 32..47 (16..31 are seq and time).
//   'T'      transfer: code 'D' deposit | 'W' withdraw | 'C' carry (a deposit of the previous
//            session's closing balance; shares = how many balances the session carries, so a
//            session's opening can be completed after a crash or a failover without carrying
//            twice; account 0 and amount 0: the marker of an opening with nothing to carry);
//            locate 0 = cash (Price(4) units), 1..N = shares of that symbol; amount f64 at 32;
//            account at 40.
//   'A'      account settings: code = risk class index, side byte = allowShort (1/0),
//            order-type byte = killSwitch (1/0), account at 40; and the class's limits as
//            they were when journaled, so a replay never depends on today's config:
//            8 u32 maxOrderShares, 12 u32 maxOpenOrders, 32 f64 maxOrderNotional (Price(4)
//            units: dollars x 10,000), 44 u32 priceCollar in millionths.

export const COMMAND_SIZE = 48;

export const CommandType = {
  NewOrder: 0x4e, // 'N'
  Cancel: 0x58, // 'X'
  Replace: 0x52, // 'R'
  TradingState: 0x48, // 'H'
  SystemEvent: 0x53, // 'S'
  ClientToken: 0x43, // 'C'
  Transfer: 0x54, // 'T'
  AccountSettings: 0x41, // 'A'
} as const;

/** 'T' codes. */
export const TransferCode = {
  Deposit: 0x44, // 'D'
  Withdraw: 0x57, // 'W'
  /** A deposit carrying the previous session's closing balance (runtime/wallet-carry.ts). */
  Carry: 0x43, // 'C'
  /**
   * The closing statement: one account's balance as the session ends (cash, or shares of one
   * symbol), journaled after the last order. It moves nothing: replay checks it against the
   * wallet. The next session reads its carry from these records (sim/closing-statement.ts).
   */
  Statement: 0x53, // 'S'
} as const;

/** Longest client order token a 'C' record carries (protocol's CLIENT_ORDER_ID_MAX). */
export const CLIENT_TOKEN_MAX = 30;

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
  /** u32 account at 40 (0: the house). */
  account(base: number): number { return this.u32[(base >> 2) + 10]; }
  /** 'T': the amount at 32. */
  amount(base: number): number { return this.f64[(base >> 3) + 4]; }

  setAccount(base: number, account: number): void {
    this.u32[(base >> 2) + 10] = account;
  }

  /** Writes a 'C' record: `token` must be 1..30 ASCII characters (the caller validates). */
  writeToken(base: number, token: string): void {
    const u8 = this.u8;
    u8.fill(0, base, base + 48);
    u8[base] = CommandType.ClientToken;
    u8[base + 1] = token.length;
    for (let i = 0; i < token.length; i++) u8[base + (i < 14 ? 2 + i : 32 + i - 14)] = token.charCodeAt(i) & 0x7f;
  }

  /** The text of a 'C' record ('' when its length byte is out of range). */
  token(base: number): string {
    const u8 = this.u8;
    const n = u8[base + 1];
    if (n < 1 || n > CLIENT_TOKEN_MAX) return '';
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(u8[base + (i < 14 ? 2 + i : 32 + i - 14)]);
    return s;
  }

  /**
   * The token of a 'C' record as a key of `TOKEN_KEY_WORDS` (8) u32 words into `into[at..]`,
   * no string made: bytes 0..15 of the record, then 32..47, so token byte i is key byte
   * 2 + i; bytes past the token are zeroed so equal tokens give equal keys. Returns the
   * token's length (0 when its length byte is out of range: a bad token).
   */
  tokenKey(base: number, into: Uint32Array, at: number): number {
    const n = this.u8[base + 1];
    if (n < 1 || n > CLIENT_TOKEN_MAX) return 0;
    const u32 = this.u32;
    const w = base >> 2;
    const end = 2 + n; // first key byte past the token
    for (let i = 0; i < 8; i++) {
      const word = u32[w + (i < 4 ? i : i + 4)];
      const from = i * 4;
      into[at + i] = end >= from + 4 ? word : end <= from ? 0 : word & ((1 << ((end - from) * 8)) - 1);
    }
    return n;
  }

  /** Writes a 'T' record (`carryTotal`: a carry's count of the session's carried balances). */
  writeTransfer(base: number, code: number, account: number, locate: number, amount: number, carryTotal = 0): void {
    this.write(base, CommandType.Transfer, 0, 0, code, locate, carryTotal, 0, 0);
    this.f64[(base >> 3) + 4] = amount;
    this.setAccount(base, account);
  }

  /** Writes an 'A' record with the risk class's limits (see the header). */
  writeSettings(
    base: number,
    account: number,
    riskClass: number,
    allowShort: boolean,
    killSwitch: boolean,
    limits: { maxOrderShares: number; maxOpenOrders: number; maxOrderNotionalP4: number; priceCollarMicros: number },
  ): void {
    this.write(base, CommandType.AccountSettings, allowShort ? 1 : 0, killSwitch ? 1 : 0, riskClass, 0, limits.maxOrderShares, limits.maxOpenOrders, 0);
    this.f64[(base >> 3) + 4] = limits.maxOrderNotionalP4;
    this.setAccount(base, account);
    this.u32[(base >> 2) + 11] = limits.priceCollarMicros;
  }

  /** 'A': the price collar in millionths at 44. */
  collarMicros(base: number): number { return this.u32[(base >> 2) + 11]; }

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
