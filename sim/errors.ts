// The exchange core's error catalogue and reject reasons.

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
export const RejectReason = {
  None: 0,
  UnknownSymbol: 1,
  BadShares: 2,
  BadPrice: 3,
  UnknownOrder: 4,
  SymbolHalted: 5,
  MarketClosed: 6,
  BadSide: 7,
  BadOrderType: 8,
  NoChange: 9,
  BadCommand: 10,
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

export const REJECT_CODES: readonly string[] = [
  'OK',
  'TW_REJECT_UNKNOWN_SYMBOL',
  'TW_REJECT_BAD_SHARES',
  'TW_REJECT_BAD_PRICE',
  'TW_REJECT_UNKNOWN_ORDER',
  'TW_REJECT_SYMBOL_HALTED',
  'TW_REJECT_MARKET_CLOSED',
  'TW_REJECT_BAD_SIDE',
  'TW_REJECT_BAD_ORDER_TYPE',
  'TW_REJECT_NO_CHANGE',
  'TW_REJECT_BAD_COMMAND',
];
