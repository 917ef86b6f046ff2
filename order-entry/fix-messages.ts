// The FIX 4.4 application messages this gateway sends, as the objects jspurefix encodes
// with its QuickFIX FIX44.xml dictionary (field names are the dictionary's), and the codes
// they carry. ExecType and OrdStatus follow FIX 4.4 Vol 4 (a fill is ExecType F = Trade,
// with OrdStatus 1 partially filled or 2 filled: 4.4 dropped ExecType 1/2).
import { formatPrice4, type OrderSideCode, type OrderStatus, type OrderTypeCode } from '../protocol';

/** MsgType(35) values. */
export const FixMsgType = {
  Heartbeat: '0',
  TestRequest: '1',
  ResendRequest: '2',
  Reject: '3',
  SequenceReset: '4',
  Logout: '5',
  ExecutionReport: '8',
  OrderCancelReject: '9',
  Logon: 'A',
  NewOrderSingle: 'D',
  OrderCancelRequest: 'F',
  OrderCancelReplaceRequest: 'G',
  BusinessMessageReject: 'j',
} as const;

/** Session-level messages: never resent, gap-filled instead (FIX 4.4 Vol 2, "Message Recovery"). */
export const ADMIN_MSG_TYPES: ReadonlySet<string> = new Set(['0', '1', '2', '3', '4', '5', 'A']);

/** Tags read from inbound messages. */
export const Tag = {
  ClOrdID: 11,
  OrderID: 37,
  OrderQty: 38,
  OrdType: 40,
  OrigClOrdID: 41,
  Price: 44,
  PossDupFlag: 43,
  MsgSeqNum: 34,
  Side: 54,
  Symbol: 55,
  TimeInForce: 59,
  PossResend: 97,
  TargetCompID: 56,
  SenderCompID: 49,
  BeginSeqNo: 7,
  EndSeqNo: 16,
} as const;

/** SessionRejectReason(373). */
export const SessionRejectReason = { RequiredTagMissing: 1, ValueIsIncorrect: 5, IncorrectDataFormat: 6, InvalidMsgType: 11, Other: 99 } as const;
/** BusinessRejectReason(380). */
export const BusinessRejectReason = { Other: 0, UnknownId: 1, UnsupportedMessageType: 3, ConditionallyRequiredFieldMissing: 5, NotAuthorized: 6 } as const;
/** CxlRejReason(102). */
export const CxlRejReason = { TooLateToCancel: '0', UnknownOrder: '1', Broker: '2', DuplicateClOrdId: '6', Other: '99' } as const;

export const ExecType = { New: '0', Canceled: '4', Replaced: '5', Rejected: '8', Trade: 'F', OrderStatus: 'I' } as const;
export const OrdStatus = { New: '0', PartiallyFilled: '1', Filled: '2', Canceled: '4', Rejected: '8' } as const;

const STATUS_CODES: Record<OrderStatus, string> = { new: '0', partiallyFilled: '1', filled: '2', cancelled: '4', rejected: '8' };

export function ordStatusOf(status: OrderStatus): string {
  return STATUS_CODES[status];
}

/** Side(54): 1 buy, 2 sell; every value the 4.4 dictionary defines (others get a session Reject). */
export const FIX_SIDES = '123456789ABCDEFG';
export const FIX_ORD_TYPES = new Set(['1', '2', '3', '4', '6', '7', '8', '9', 'D', 'E', 'G', 'I', 'J', 'K', 'L', 'M', 'P']);
export const FIX_TIME_IN_FORCE = '01234567';

/** The order as one ExecutionReport describes it. */
export interface ReportedOrder {
  readonly orderId: number;
  readonly symbol: string;
  readonly side: OrderSideCode;
  readonly orderType: OrderTypeCode;
  /** Price(4); 0 for market. */
  readonly price: number;
  readonly qty: number;
  readonly cum: number;
  readonly leaves: number;
  /** Sum of price x shares of the fills, Price(4) units. */
  readonly notional: number;
}

export interface ReportFields {
  execType: string;
  ordStatus: string;
  execId: string;
  clOrdId: string;
  origClOrdId?: string;
  lastQty?: number;
  lastPx?: number;
  ordRejReason?: string;
  text?: string;
  transactTime: Date;
}

/**
 * Price(4) integer to a FIX price, as its shortest exact decimal text ("192.34", "190"): jspurefix writes a
 * string field as it is, where a fractional number went through mathjs's formatter (most of
 * the encoder's time per ExecutionReport).
 */
export function fixPrice(price4: number): string {
  const text = formatPrice4(price4);
  let end = text.length;
  while (text.charCodeAt(end - 1) === 0x30) end--; // trailing zeros
  if (text.charCodeAt(end - 1) === 0x2e) end--; // and a bare point
  return text.slice(0, end);
}

/** ExecutionReport(8) with every field FIX 4.4 requires and the ones the issue names. */
export function executionReport(o: ReportedOrder, f: ReportFields): Record<string, unknown> {
  const body: Record<string, unknown> = {
    OrderID: o.orderId === 0 ? 'NONE' : String(o.orderId),
    ClOrdID: f.clOrdId,
    ExecID: f.execId,
    ExecType: f.execType,
    OrdStatus: f.ordStatus,
    Instrument: { Symbol: o.symbol },
    Side: o.side === 'B' ? '1' : '2',
    OrderQtyData: { OrderQty: o.qty },
    OrdType: o.orderType === 'M' ? '1' : '2',
    TimeInForce: o.orderType === 'L' ? '0' : '3',
    LeavesQty: o.leaves,
    CumQty: o.cum,
    // Rounded to Price(4): FIX AvgPx of whole-tick fills.
    AvgPx: o.cum === 0 ? 0 : fixPrice(Math.round(o.notional / o.cum)),
    TransactTime: f.transactTime,
  };
  if (f.origClOrdId !== undefined && f.origClOrdId !== '') body.OrigClOrdID = f.origClOrdId;
  if (f.ordRejReason !== undefined) body.OrdRejReason = f.ordRejReason;
  if (o.orderType !== 'M' && o.price > 0) body.Price = fixPrice(o.price);
  if (f.lastQty !== undefined) {
    body.LastQty = f.lastQty;
    body.LastPx = fixPrice(f.lastPx ?? 0);
  }
  if (f.text !== undefined && f.text !== '') body.Text = f.text.slice(0, 200);
  return body;
}

export interface CancelRejectFields {
  orderId: number;
  clOrdId: string;
  origClOrdId: string;
  ordStatus: string;
  /** 1 OrderCancelRequest, 2 OrderCancelReplaceRequest. */
  responseTo: '1' | '2';
  reason: string;
  text: string;
  transactTime: Date;
}

/** OrderCancelReject(9). */
export function cancelReject(f: CancelRejectFields): Record<string, unknown> {
  return {
    OrderID: f.orderId === 0 ? 'NONE' : String(f.orderId),
    ClOrdID: f.clOrdId,
    OrigClOrdID: f.origClOrdId,
    OrdStatus: f.ordStatus,
    CxlRejResponseTo: f.responseTo,
    CxlRejReason: f.reason,
    TransactTime: f.transactTime,
    Text: f.text.slice(0, 200),
  };
}

/** OrdRejReason(103) for a refusal by this gateway (its TW_ERR_OE_ code) or the core (TW_REJECT_). */
export function ordRejReason(code: string): string {
  if (code.includes('UNKNOWN_SYMBOL')) return '1';
  if (code.includes('DUPLICATE')) return '6';
  if (code.includes('QUANTITY') || code.includes('SHARES')) return '13';
  if (code.includes('FUNDS') || code.includes('LIMIT') || code.includes('MAX_')) return '3';
  if (code.includes('UNKNOWN_ACCOUNT')) return '15';
  if (code.includes('UNSUPPORTED')) return '11';
  return '99';
}
