// The exchange core's error catalogue and reject reasons.
import { errorCatalogue } from '../protocol';

export class JournalCorruptError extends Error {
  readonly code = 'TW_ERR_JOURNAL_CORRUPT';
  /** Byte offset of the bad record in the journal file. */
  readonly offset: number;
  readonly path: string;

  constructor(path: string, offset: number, detail: string) {
    super(
      `TW_ERR_JOURNAL_CORRUPT: ${path} at byte offset ${offset}: ${detail}. ` +
        'The records before it are intact; restore the journal from a replica or truncate it at this offset deliberately.',
    );
    this.name = 'JournalCorruptError';
    this.offset = offset;
    this.path = path;
  }
}

export class JournalFormatError extends Error {
  readonly code = 'TW_ERR_JOURNAL_FORMAT';
  constructor(path: string, detail: string) {
    super(`TW_ERR_JOURNAL_FORMAT: ${path} is not a Tickwire journal: ${detail}`);
    this.name = 'JournalFormatError';
  }
}

export class JournalIoError extends Error {
  readonly code = 'TW_ERR_JOURNAL_IO';
  constructor(path: string, detail: string) {
    super(`TW_ERR_JOURNAL_IO: ${path}: ${detail}`);
    this.name = 'JournalIoError';
  }
}

/** Why the engine refused a command. Stable numbers: they are counted and reported. */
const REJECTS = errorCatalogue({
  None: [0, 'OK'],
  UnknownSymbol: [1, 'TW_REJECT_UNKNOWN_SYMBOL'],
  BadShares: [2, 'TW_REJECT_BAD_SHARES'],
  BadPrice: [3, 'TW_REJECT_BAD_PRICE'],
  UnknownOrder: [4, 'TW_REJECT_UNKNOWN_ORDER'],
  SymbolHalted: [5, 'TW_REJECT_SYMBOL_HALTED'],
  MarketClosed: [6, 'TW_REJECT_MARKET_CLOSED'],
  BadSide: [7, 'TW_REJECT_BAD_SIDE'],
  BadOrderType: [8, 'TW_REJECT_BAD_ORDER_TYPE'],
  NoChange: [9, 'TW_REJECT_NO_CHANGE'],
  BadCommand: [10, 'TW_REJECT_BAD_COMMAND'],
  // The order manager's: risk checks, wallet and ownership (client accounts only).
  InsufficientFunds: [11, 'TW_REJECT_INSUFFICIENT_FUNDS'],
  InsufficientShares: [12, 'TW_REJECT_INSUFFICIENT_SHARES'],
  MaxShares: [13, 'TW_REJECT_MAX_SHARES'],
  MaxNotional: [14, 'TW_REJECT_MAX_NOTIONAL'],
  PriceCollar: [15, 'TW_REJECT_PRICE_COLLAR'],
  MaxOpenOrders: [16, 'TW_REJECT_MAX_OPEN_ORDERS'],
  KillSwitch: [17, 'TW_REJECT_KILL_SWITCH'],
  SelfMatch: [18, 'TW_REJECT_SELF_MATCH'],
  DuplicateClientOrderId: [19, 'TW_REJECT_DUPLICATE_CLIENT_ORDER_ID'],
  NotOwner: [20, 'TW_REJECT_NOT_OWNER'],
  UnknownAccount: [21, 'TW_REJECT_UNKNOWN_ACCOUNT'],
  BadAmount: [22, 'TW_REJECT_BAD_AMOUNT'],
  UnknownRiskClass: [23, 'TW_REJECT_UNKNOWN_RISK_CLASS'],
  BadClientOrderId: [24, 'TW_REJECT_BAD_CLIENT_ORDER_ID'],
  /** A closing statement record that does not match the wallet (a journal not made by this core). */
  StatementMismatch: [25, 'TW_REJECT_STATEMENT_MISMATCH'],
});
export const RejectReason = REJECTS.codes;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

export const REJECT_CODES: readonly string[] = REJECTS.names;
