// Every catalogue's codes and names, pinned: the pairs below were read from the parallel
// `const X = { ... } as const` objects and NAMES arrays before they became one list each
// (protocol/error-catalogue.ts). A code or a name that changes breaks logs, metrics and
// the people who grep for them. (gateway's OrderEventKind, built the same way, is pinned
// beside it: gateway/order-event-ring.test.ts.)
import { Integrity, IntegrityLog, integrityName } from '../book';
import { FEED_FAULT_KINDS, FeedFault, feedFaultName } from '../feed-handler';
import { Fault, faultName, ProtocolError } from '../protocol';
import {
  EVENT_FAULT_KINDS,
  EventFault,
  eventFaultName,
  REWIND_REFUSAL_KINDS,
  RewindRefusal,
  rewindRefusalName,
  SNAPSHOT_REFUSAL_KINDS,
  SnapshotRefusal,
  snapshotRefusalName,
  StoreRange,
  storeRangeName,
} from '../publisher';
import { REJECT_CODES, RejectReason } from '../sim';

/** [key (null: code 0 has no key), code, name], by code. */
type Row = [string | null, number, string];

const EXPECTED: Record<string, Row[]> = {
  Fault: [
    ['None', 0, 'TW_OK'],
    ['Truncated', 1, 'TW_ERR_TRUNCATED'],
    ['UnknownType', 2, 'TW_ERR_UNKNOWN_TYPE'],
    ['LengthMismatch', 3, 'TW_ERR_LENGTH_MISMATCH'],
    ['PriceOverMax', 4, 'TW_ERR_PRICE_OVER_MAX'],
    ['BadSide', 5, 'TW_ERR_BAD_SIDE'],
    ['BadPrintable', 6, 'TW_ERR_BAD_PRINTABLE'],
    ['U64OverSafe', 7, 'TW_ERR_U64_OVER_SAFE'],
    ['MoldBadBlocks', 8, 'TW_ERR_MOLD_BAD_BLOCKS'],
    ['MoldTrailingBytes', 9, 'TW_ERR_MOLD_TRAILING_BYTES'],
    ['MoldWrongSession', 10, 'TW_ERR_MOLD_WRONG_SESSION'],
    ['SoupUnknownType', 11, 'TW_ERR_SOUP_UNKNOWN_TYPE'],
    ['SoupBadLength', 12, 'TW_ERR_SOUP_BAD_LENGTH'],
    ['SoupBadField', 13, 'TW_ERR_SOUP_BAD_FIELD'],
    ['Resync', 14, 'TW_ERR_RESYNC'],
    ['BadNumericField', 15, 'TW_ERR_BAD_NUMERIC_FIELD'],
    ['MoldBadRequest', 16, 'TW_ERR_MOLD_BAD_REQUEST'],
  ],
  Integrity: [
    [null, 0, 'TW_OK'],
    ['Crossed', 1, 'TW_ERR_BOOK_CROSSED'],
    ['OverExecution', 2, 'TW_ERR_BOOK_OVER_EXECUTION'],
    ['OverCancel', 3, 'TW_ERR_BOOK_OVER_CANCEL'],
    ['NegativeLevel', 4, 'TW_ERR_BOOK_NEGATIVE_LEVEL'],
    ['DuplicateRef', 5, 'TW_ERR_BOOK_DUPLICATE_REF'],
    ['LocateMismatch', 6, 'TW_ERR_BOOK_LOCATE_MISMATCH'],
    ['BadOrder', 7, 'TW_ERR_BOOK_BAD_ORDER'],
  ],
  RejectReason: [
    ['None', 0, 'OK'],
    ['UnknownSymbol', 1, 'TW_REJECT_UNKNOWN_SYMBOL'],
    ['BadShares', 2, 'TW_REJECT_BAD_SHARES'],
    ['BadPrice', 3, 'TW_REJECT_BAD_PRICE'],
    ['UnknownOrder', 4, 'TW_REJECT_UNKNOWN_ORDER'],
    ['SymbolHalted', 5, 'TW_REJECT_SYMBOL_HALTED'],
    ['MarketClosed', 6, 'TW_REJECT_MARKET_CLOSED'],
    ['BadSide', 7, 'TW_REJECT_BAD_SIDE'],
    ['BadOrderType', 8, 'TW_REJECT_BAD_ORDER_TYPE'],
    ['NoChange', 9, 'TW_REJECT_NO_CHANGE'],
    ['BadCommand', 10, 'TW_REJECT_BAD_COMMAND'],
    ['InsufficientFunds', 11, 'TW_REJECT_INSUFFICIENT_FUNDS'],
    ['InsufficientShares', 12, 'TW_REJECT_INSUFFICIENT_SHARES'],
    ['MaxShares', 13, 'TW_REJECT_MAX_SHARES'],
    ['MaxNotional', 14, 'TW_REJECT_MAX_NOTIONAL'],
    ['PriceCollar', 15, 'TW_REJECT_PRICE_COLLAR'],
    ['MaxOpenOrders', 16, 'TW_REJECT_MAX_OPEN_ORDERS'],
    ['KillSwitch', 17, 'TW_REJECT_KILL_SWITCH'],
    ['SelfMatch', 18, 'TW_REJECT_SELF_MATCH'],
    ['DuplicateClientOrderId', 19, 'TW_REJECT_DUPLICATE_CLIENT_ORDER_ID'],
    ['NotOwner', 20, 'TW_REJECT_NOT_OWNER'],
    ['UnknownAccount', 21, 'TW_REJECT_UNKNOWN_ACCOUNT'],
    ['BadAmount', 22, 'TW_REJECT_BAD_AMOUNT'],
    ['UnknownRiskClass', 23, 'TW_REJECT_UNKNOWN_RISK_CLASS'],
    ['BadClientOrderId', 24, 'TW_REJECT_BAD_CLIENT_ORDER_ID'],
    ['StatementMismatch', 25, 'TW_REJECT_STATEMENT_MISMATCH'],
  ],
  FeedFault: [
    ['None', 0, 'TW_OK'],
    ['MalformedPacket', 1, 'TW_ERR_FEED_MALFORMED_PACKET'],
    ['WrongSession', 2, 'TW_ERR_FEED_WRONG_SESSION'],
    ['BadMessage', 3, 'TW_ERR_FEED_BAD_MESSAGE'],
    ['RewindTimeout', 4, 'TW_ERR_FEED_REWIND_TIMEOUT'],
    ['RewindGaveUp', 5, 'TW_ERR_FEED_REWIND_GAVE_UP'],
    ['SnapshotRejected', 6, 'TW_ERR_FEED_SNAPSHOT_REJECTED'],
    ['SnapshotFailed', 7, 'TW_ERR_FEED_SNAPSHOT_FAILED'],
    ['BufferFull', 8, 'TW_ERR_FEED_BUFFER_FULL'],
    ['RecordFailed', 9, 'TW_ERR_FEED_RECORD_FAILED'],
    ['VerifyMismatch', 10, 'TW_ERR_FEED_VERIFY_MISMATCH'],
  ],
  EventFault: [
    ['None', 0, 'TW_OK'],
    ['UnknownType', 1, 'TW_ERR_PUB_UNKNOWN_EVENT_TYPE'],
    ['BadLocate', 2, 'TW_ERR_PUB_BAD_LOCATE'],
    ['BadSide', 3, 'TW_ERR_PUB_BAD_SIDE'],
    ['BadSystemCode', 4, 'TW_ERR_PUB_BAD_SYSTEM_CODE'],
    ['BadTradingState', 5, 'TW_ERR_PUB_BAD_TRADING_STATE'],
    ['AfterEndOfMessages', 6, 'TW_ERR_PUB_AFTER_END_OF_MESSAGES'],
    ['EngineSequenceGap', 7, 'TW_ERR_PUB_ENGINE_SEQUENCE_GAP'],
    ['BookDecodeFault', 8, 'TW_ERR_PUB_BOOK_DECODE_FAULT'],
    ['BadPrice', 9, 'TW_ERR_PUB_BAD_PRICE'],
  ],
  StoreRange: [
    ['Ok', 0, 'TW_OK'],
    ['AgedOut', 1, 'TW_ERR_STORE_AGED_OUT'],
    ['NotYetPublished', 2, 'TW_ERR_STORE_NOT_YET_PUBLISHED'],
    ['BadRange', 3, 'TW_ERR_STORE_BAD_RANGE'],
  ],
  RewindRefusal: [
    ['None', 0, 'TW_OK'],
    ['BadLength', 1, 'TW_ERR_REWIND_BAD_LENGTH'],
    ['ZeroSequence', 2, 'TW_ERR_REWIND_ZERO_SEQUENCE'],
    ['ZeroCount', 3, 'TW_ERR_REWIND_ZERO_COUNT'],
    ['SequenceTooLarge', 4, 'TW_ERR_REWIND_SEQUENCE_TOO_LARGE'],
    ['WrongSession', 5, 'TW_ERR_REWIND_WRONG_SESSION'],
    ['RateLimited', 6, 'TW_ERR_REWIND_RATE_LIMITED'],
    ['TooManyRequesters', 7, 'TW_ERR_REWIND_TOO_MANY_REQUESTERS'],
    ['Overloaded', 8, 'TW_ERR_REWIND_OVERLOADED'],
    ['AgedOut', 9, 'TW_ERR_REWIND_AGED_OUT'],
    ['Busy', 10, 'TW_ERR_REWIND_BUSY'],
  ],
  SnapshotRefusal: [
    ['None', 0, 'TW_OK'],
    ['NotAuthorized', 1, 'TW_ERR_SNAPSHOT_NOT_AUTHORIZED'],
    ['SessionUnavailable', 2, 'TW_ERR_SNAPSHOT_SESSION_UNAVAILABLE'],
    ['OversizedFrame', 3, 'TW_ERR_SNAPSHOT_OVERSIZED_FRAME'],
    ['BadFrame', 4, 'TW_ERR_SNAPSHOT_BAD_FRAME'],
    ['NotLogin', 5, 'TW_ERR_SNAPSHOT_NOT_LOGIN'],
    ['LoginTimeout', 6, 'TW_ERR_SNAPSHOT_LOGIN_TIMEOUT'],
    ['TooManyClients', 7, 'TW_ERR_SNAPSHOT_TOO_MANY_CLIENTS'],
  ],
};

interface Catalogue {
  codes: Record<string, number>;
  name: (code: number) => string | undefined;
  kinds: number;
  unknown?: string;
}

const CATALOGUES: Record<string, Catalogue> = {
  Fault: { codes: Fault, name: faultName, kinds: 17, unknown: 'TW_ERR_UNKNOWN_FAULT_99' },
  Integrity: { codes: Integrity, name: integrityName, kinds: new IntegrityLog(1).counts.length, unknown: 'TW_ERR_BOOK_UNKNOWN_99' },
  RejectReason: { codes: RejectReason, name: (c) => REJECT_CODES[c], kinds: REJECT_CODES.length },
  FeedFault: { codes: FeedFault, name: feedFaultName, kinds: FEED_FAULT_KINDS, unknown: 'TW_ERR_FEED_UNKNOWN_99' },
  EventFault: { codes: EventFault, name: eventFaultName, kinds: EVENT_FAULT_KINDS, unknown: 'TW_ERR_PUB_UNKNOWN_FAULT_99' },
  StoreRange: { codes: StoreRange, name: storeRangeName, kinds: 4, unknown: 'TW_ERR_STORE_UNKNOWN_99' },
  RewindRefusal: { codes: RewindRefusal, name: rewindRefusalName, kinds: REWIND_REFUSAL_KINDS, unknown: 'TW_ERR_REWIND_UNKNOWN_99' },
  SnapshotRefusal: { codes: SnapshotRefusal, name: snapshotRefusalName, kinds: SNAPSHOT_REFUSAL_KINDS, unknown: 'TW_ERR_SNAPSHOT_UNKNOWN_99' },
};

describe('error catalogues keep every code and name', () => {
  test.each(Object.keys(EXPECTED))('%s: the same keys, numbers and names as before', (cat) => {
    const c = CATALOGUES[cat];
    const rows = EXPECTED[cat];
    const actual: Row[] = [];
    const keyOf = new Map(Object.entries(c.codes).map(([k, n]) => [n, k]));
    for (let code = 0; code < c.kinds; code++) actual.push([keyOf.get(code) ?? null, code, c.name(code) as string]);
    expect(actual).toEqual(rows);
    expect(Object.keys(c.codes)).toEqual(rows.filter((r) => r[0] !== null).map((r) => r[0]));
    if (c.unknown !== undefined) expect(c.name(99)).toBe(c.unknown);
    else expect(c.name(99)).toBeUndefined();
  });

  test('the wire faults keep their advice', () => {
    expect(new ProtocolError(Fault.Truncated, 12).message).toBe('TW_ERR_TRUNCATED at byte 12 (the input ends inside a message; if it is a file, it was cut short)');
    expect(new ProtocolError(Fault.MoldBadRequest, 0, '19 bytes').message).toBe(
      'TW_ERR_MOLD_BAD_REQUEST at byte 0: 19 bytes (a retransmission request is exactly 20 bytes: session, sequence, count)',
    );
    expect(new ProtocolError(99, 3).message).toBe('TW_ERR_UNKNOWN_FAULT_99 at byte 3 (see protocol/errors.ts)');
  });
});
