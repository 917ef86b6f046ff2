// Our refusals as OUCH 4.2 Rejected reasons (order-entry/README.md, "OUCH 4.2", has the
// table). OUCH's list is Nasdaq's; where none fits, 'O' (Other).
import { OuchRejectReason as R } from '../protocol';
import type { OrderEntryErrorCode } from './errors';

/** The exchange core's TW_REJECT_* codes. */
const FROM_CORE: Record<string, number> = {
  TW_REJECT_UNKNOWN_SYMBOL: R.InvalidStock,
  TW_REJECT_BAD_SHARES: R.SharesOverSafetyThreshold,
  TW_REJECT_BAD_PRICE: R.InvalidPrice,
  TW_REJECT_PRICE_COLLAR: R.InvalidPrice,
  TW_REJECT_SYMBOL_HALTED: R.Halted,
  TW_REJECT_MARKET_CLOSED: R.Closed,
  TW_REJECT_MAX_SHARES: R.ExceededSharesLimit,
  TW_REJECT_MAX_NOTIONAL: R.ExceededDollarValueLimit,
  TW_REJECT_INSUFFICIENT_FUNDS: R.ExceededDollarValueLimit,
  TW_REJECT_INSUFFICIENT_SHARES: R.ShortSaleRestriction,
  TW_REJECT_KILL_SWITCH: R.RejectAllEnabled,
  TW_REJECT_UNKNOWN_ACCOUNT: R.RejectAllEnabled,
  // BAD_SIDE, BAD_ORDER_TYPE, NO_CHANGE, BAD_COMMAND, MAX_OPEN_ORDERS, SELF_MATCH,
  // DUPLICATE_CLIENT_ORDER_ID, NOT_OWNER, UNKNOWN_ORDER, BAD_CLIENT_ORDER_ID: Other.
};

/** The client gateway's own refusals of an order (before it reaches the core). */
const FROM_GATEWAY: Partial<Record<OrderEntryErrorCode, number>> = {
  TW_ERR_OE_UNKNOWN_SYMBOL: R.InvalidStock,
  TW_ERR_OE_BAD_PRICE: R.InvalidPrice,
  TW_ERR_OE_OFF_TICK: R.InvalidPrice,
  TW_ERR_OE_BAD_QUANTITY: R.SharesOverSafetyThreshold,
  TW_ERR_OE_KILL_SWITCH: R.RejectAllEnabled,
  TW_ERR_OE_ACCOUNT_SUSPENDED: R.RejectAllEnabled,
  TW_ERR_OE_SESSION_SUSPENDED: R.RejectAllEnabled,
  TW_ERR_OE_KYC_NOT_APPROVED: R.RejectAllEnabled,
  TW_ERR_OE_CORE_UNAVAILABLE: R.Closed,
  // RATE_LIMITED, BAD_CLIENT_ORDER_ID, BAD_FIELD and the rest: Other.
};

/** The OUCH reason for a core reject code (TW_REJECT_*). */
export function ouchRejectReason(reject: string): number {
  return FROM_CORE[reject] ?? R.Other;
}

/** The OUCH reason for a gateway refusal. */
export function ouchGatewayReason(code: OrderEntryErrorCode): number {
  return FROM_GATEWAY[code] ?? R.Other;
}
