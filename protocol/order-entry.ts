// Order entry as it crosses from the client gateway (order-entry/) to the exchange core
// (sim/) and back: requests in, reports out. One definition for both sides and for the
// thread boundary between them (structured-clone safe: plain objects of numbers and
// strings). Prices are Price(4) integers, quantities integers, times ns since midnight
// America/New_York as the engine stamps them. Cash is in Price(4) units (1/10,000 of a
// dollar) per share, so a notional is price x shares in the same units.

/** The account of the order-flow generator, "the rest of the market". Never a client. */
export const HOUSE_ACCOUNT = 0;

/** Longest client order id (an OUCH order token is 14; FIX ClOrdID is held to the same bound). */
export const CLIENT_ORDER_ID_MAX = 30;

export type OrderSideCode = 'B' | 'S';
/** 'L' limit for the day, 'I' limit immediate-or-cancel, 'M' market (IOC at the collar). */
export type OrderTypeCode = 'L' | 'I' | 'M';
export type OrderStatus = 'new' | 'partiallyFilled' | 'filled' | 'cancelled' | 'rejected';

interface RequestBase {
  /** The gateway's id for matching the report that answers it (unique per gateway process). */
  readonly requestId: number;
  readonly account: number;
}

export interface NewOrderRequest extends RequestBase {
  readonly kind: 'new';
  /** 1..CLIENT_ORDER_ID_MAX printable ASCII characters, unique per account per day. */
  readonly clientOrderId: string;
  readonly locate: number;
  readonly side: OrderSideCode;
  readonly orderType: OrderTypeCode;
  /** Price(4); 0 for market orders. */
  readonly price: number;
  readonly shares: number;
}

export interface CancelOrderRequest extends RequestBase {
  readonly kind: 'cancel';
  readonly orderId: number;
  /** Shares to cancel; 0 cancels all that is open. */
  readonly shares: number;
}

export interface ReplaceOrderRequest extends RequestBase {
  readonly kind: 'replace';
  readonly orderId: number;
  /** The replacement's own client order id (FIX ClOrdID, OUCH replacement token). */
  readonly clientOrderId: string;
  readonly price: number;
  readonly shares: number;
}

/** Cash (locate 0) or shares of one symbol, in or out. Journaled, so replay rebuilds every balance. */
export interface TransferRequest extends RequestBase {
  readonly kind: 'deposit' | 'withdraw';
  /** 0: cash in Price(4) units; 1..N: shares of that symbol. */
  readonly locate: number;
  readonly amount: number;
  /**
   * Present on a deposit that carries the previous session's closing balance: how many
   * balances the session carries (journaled as a carry; only the core's own process makes them).
   */
  readonly carried?: number;
}

/** A session's carried balances so far: carry records journaled, and how many its opening carries. */
export interface CarryState {
  readonly records: number;
  readonly total: number;
}

/** The account's trading settings as the core enforces them (journaled like everything else). */
export interface AccountSettingsRequest extends RequestBase {
  readonly kind: 'settings';
  /** Index into config's risk classes (orderEntry.riskClasses order). */
  readonly riskClass: number;
  readonly allowShort: boolean;
  /** On: cancels every open order and refuses new ones. */
  readonly killSwitch: boolean;
}

export type OrderEntryRequest = NewOrderRequest | CancelOrderRequest | ReplaceOrderRequest | TransferRequest | AccountSettingsRequest;

/** One order's state after a command, sent to its owner. */
export interface OrderReport {
  readonly kind: 'order';
  /** The request this answers; 0 when unsolicited (a fill or cancel caused by someone else's command or the kill switch). */
  readonly requestId: number;
  readonly account: number;
  /** Stable across replaces: the inbound sequence number of the order's first command. */
  readonly orderId: number;
  /** The engine's current order ref (changes on a replace that loses priority). */
  readonly ref: number;
  readonly clientOrderId: string;
  readonly locate: number;
  readonly side: OrderSideCode;
  readonly orderType: OrderTypeCode;
  readonly price: number;
  readonly shares: number;
  readonly filledShares: number;
  readonly remainingShares: number;
  readonly status: OrderStatus;
  /** '' or the stable TW_REJECT_* code of a refused command (for a refused cancel the order keeps its status). */
  readonly reject: string;
  /** Sum of fill notional (price x shares), for an average price. */
  readonly filledNotional: number;
  readonly creationNs: number;
  readonly updateNs: number;
  /** The inbound sequence number of the command that produced this report; durable once the journal holds it. */
  readonly seq: number;
}

/** One side of one match, sent to that side's owner. */
export interface ExecutionReport {
  readonly kind: 'execution';
  readonly account: number;
  /** matchNumber x 2 + 0 for the resting side, + 1 for the incoming side: unique per execution. */
  readonly executionId: number;
  readonly matchNumber: number;
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly locate: number;
  readonly side: OrderSideCode;
  readonly orderType: OrderTypeCode;
  readonly price: number;
  readonly shares: number;
  /** 'A' added liquidity (resting), 'R' removed it (incoming). */
  readonly liquidity: 'A' | 'R';
  readonly timeNs: number;
  readonly seq: number;
}

/** The answer to a transfer or settings request. */
export interface AccountReport {
  readonly kind: 'account';
  readonly requestId: number;
  readonly account: number;
  /** '' or the TW_REJECT_* code (e.g. insufficient funds for a withdrawal). */
  readonly reject: string;
  readonly seq: number;
}

export type OrderEntryReport = OrderReport | ExecutionReport | AccountReport;

/** One account's wallet as the core holds it. */
export interface BalanceView {
  readonly account: number;
  /** Cash in Price(4) units, and the part of it reserved by open buy orders. */
  readonly cash: number;
  readonly cashReserved: number;
  /** Per symbol locate with a non-zero position or reservation. */
  readonly positions: ReadonlyArray<{ readonly locate: number; readonly shares: number; readonly sharesReserved: number }>;
}

/**
 * What the client gateway needs of the exchange core, wherever the core runs (this
 * thread or a worker). Reports are delivered only once the command that caused them is
 * durable in the journal (group commit), so an answer is never given for an order a crash
 * could lose.
 */
export interface TradingPort {
  submit(request: OrderEntryRequest): void;
  /** Every report, in sequence order; the gateway routes them to owners. */
  onReports(listener: (reports: readonly OrderEntryReport[]) => void): void;
  balances(account: number): Promise<BalanceView>;
}
