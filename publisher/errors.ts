// The publisher's error catalogue. Bad engine events are input from another thread: the
// publisher counts them by code (a metric), remembers the last one, and never throws on
// the hot path. Range and configuration errors are thrown off the hot path as
// PublisherError, with a stable TW_ERR_ code, what was wrong, where, and what to do.
import { errorCatalogue } from '../protocol';

/** Why an engine event was not published as-is (counted in `FeedPublisher.faults`). */
const EVENT_FAULTS = errorCatalogue({
  None: [0, 'TW_OK'],
  /** A type byte that is none of S, H, A, E, X, D, U (protocol/engine-events.ts). The event is skipped. */
  UnknownType: [1, 'TW_ERR_PUB_UNKNOWN_EVENT_TYPE'],
  /** An order or trading-state event whose stock locate is not in the symbol directory. Skipped. */
  BadLocate: [2, 'TW_ERR_PUB_BAD_LOCATE'],
  /** An add whose side is not 'B' or 'S'. Skipped. */
  BadSide: [3, 'TW_ERR_PUB_BAD_SIDE'],
  /** A system event whose code is none of O, S, Q, M, E, C (FEED.md, type S). Skipped. */
  BadSystemCode: [4, 'TW_ERR_PUB_BAD_SYSTEM_CODE'],
  /** A trading state other than H, P, Q, T (FEED.md, type H). Skipped. */
  BadTradingState: [5, 'TW_ERR_PUB_BAD_TRADING_STATE'],
  /** An event after End of Messages (S C): the session is over. Skipped. */
  AfterEndOfMessages: [6, 'TW_ERR_PUB_AFTER_END_OF_MESSAGES'],
  /** The engine event sequence jumped (events were lost or repeated). The event is still published. */
  EngineSequenceGap: [7, 'TW_ERR_PUB_ENGINE_SEQUENCE_GAP'],
  /** The publisher's own book could not decode a message it wrote (a bug, never expected). */
  BookDecodeFault: [8, 'TW_ERR_PUB_BOOK_DECODE_FAULT'],
  /** An add or replace price above Price(4)'s 200,000.0000 (FEED.md): it would not decode. Skipped. */
  BadPrice: [9, 'TW_ERR_PUB_BAD_PRICE'],
}, { unknownPrefix: 'TW_ERR_PUB_UNKNOWN_FAULT_' });
export const EventFault = EVENT_FAULTS.codes;
export type EventFault = (typeof EventFault)[keyof typeof EventFault];

export const EVENT_FAULT_KINDS = EVENT_FAULTS.kinds;

export const eventFaultName: (code: number) => string = EVENT_FAULTS.name;

/** Told about each bad engine event as it happens (for logs and alerts; keep it cheap). */
export interface EventFaultListener {
  onEventFault(code: number, engineSequence: number, type: number): void;
}

/** A message store range outcome (MessageStore.rangeStatus). */
const STORE_RANGES = errorCatalogue({
  Ok: [0, 'TW_OK'],
  /** Part of the range is older than the oldest message the ring still holds. */
  AgedOut: [1, 'TW_ERR_STORE_AGED_OUT'],
  /** Part of the range has not been published yet. */
  NotYetPublished: [2, 'TW_ERR_STORE_NOT_YET_PUBLISHED'],
  /** A first sequence below 1, a count below 1, or not integers. */
  BadRange: [3, 'TW_ERR_STORE_BAD_RANGE'],
}, { unknownPrefix: 'TW_ERR_STORE_UNKNOWN_' });
export const StoreRange = STORE_RANGES.codes;
export type StoreRange = (typeof StoreRange)[keyof typeof StoreRange];

export const storeRangeName: (code: number) => string = STORE_RANGES.name;

/** A publisher error for reporting (thrown only off the hot path). */
export class PublisherError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.name = 'PublisherError';
    this.code = code;
  }
}

/**
 * Why the rewinder did not answer a retransmission request (FEED.md, "Retransmission
 * request"), counted by code in `Rewinder.refused`. A refused request gets no answer at all:
 * MoldUDP64 has no reject message, and answering refusals would itself be traffic to a
 * possibly spoofed address.
 */
const REWIND_REFUSALS = errorCatalogue({
  None: [0, 'TW_OK'],
  /** Not a 20-byte request (session 10, sequence 8, count 2). */
  BadLength: [1, 'TW_ERR_REWIND_BAD_LENGTH'],
  /** Sequence 0: MoldUDP64 sequences start at 1. */
  ZeroSequence: [2, 'TW_ERR_REWIND_ZERO_SEQUENCE'],
  /** Count 0: nothing asked for. */
  ZeroCount: [3, 'TW_ERR_REWIND_ZERO_COUNT'],
  /** A sequence of 2^53 or more: no session gets there. */
  SequenceTooLarge: [4, 'TW_ERR_REWIND_SEQUENCE_TOO_LARGE'],
  /** Another session than the one this rewinder serves. */
  WrongSession: [5, 'TW_ERR_REWIND_WRONG_SESSION'],
  /** The requester (address:port) is over its requests per second. */
  RateLimited: [6, 'TW_ERR_REWIND_RATE_LIMITED'],
  /** A new requester while the requester table is full of active ones. */
  TooManyRequesters: [7, 'TW_ERR_REWIND_TOO_MANY_REQUESTERS'],
  /** All requesters together are over the rewinder's answers per second. */
  Overloaded: [8, 'TW_ERR_REWIND_OVERLOADED'],
  /** The range starts before the oldest message the store holds and no older source has it. */
  AgedOut: [9, 'TW_ERR_REWIND_AGED_OUT'],
  /** Every answer buffer is still waiting for its send to finish. */
  Busy: [10, 'TW_ERR_REWIND_BUSY'],
}, { unknownPrefix: 'TW_ERR_REWIND_UNKNOWN_' });
export const RewindRefusal = REWIND_REFUSALS.codes;
export type RewindRefusal = (typeof RewindRefusal)[keyof typeof RewindRefusal];

export const REWIND_REFUSAL_KINDS = REWIND_REFUSALS.kinds;

export const rewindRefusalName: (code: number) => string = REWIND_REFUSALS.name;

/** Why the snapshot server refused or closed a connection (counted in `SnapshotServer.refused`). */
const SNAPSHOT_REFUSALS = errorCatalogue({
  None: [0, 'TW_OK'],
  /** Login Request with a wrong username or password: Login Rejected 'A' (FEED.md, "Snapshot"). */
  NotAuthorized: [1, 'TW_ERR_SNAPSHOT_NOT_AUTHORIZED'],
  /** Login Request for another (non-blank) session: Login Rejected 'S'. */
  SessionUnavailable: [2, 'TW_ERR_SNAPSHOT_SESSION_UNAVAILABLE'],
  /** A frame before login longer than a Login Request (49 bytes): garbage or not SoupBinTCP. Closed. */
  OversizedFrame: [3, 'TW_ERR_SNAPSHOT_OVERSIZED_FRAME'],
  /** A frame before login of length 0, or an 'L' whose length is not a Login Request's. Closed. */
  BadFrame: [4, 'TW_ERR_SNAPSHOT_BAD_FRAME'],
  /** A first frame that is not a Login Request 'L'. Closed. */
  NotLogin: [5, 'TW_ERR_SNAPSHOT_NOT_LOGIN'],
  /** No Login Request within publisher.snapshot.loginTimeoutMs. Closed. */
  LoginTimeout: [6, 'TW_ERR_SNAPSHOT_LOGIN_TIMEOUT'],
  /** A connection beyond publisher.snapshot.maxClients. Closed at once. */
  TooManyClients: [7, 'TW_ERR_SNAPSHOT_TOO_MANY_CLIENTS'],
}, { unknownPrefix: 'TW_ERR_SNAPSHOT_UNKNOWN_' });
export const SnapshotRefusal = SNAPSHOT_REFUSALS.codes;
export type SnapshotRefusal = (typeof SnapshotRefusal)[keyof typeof SnapshotRefusal];

export const SNAPSHOT_REFUSAL_KINDS = SNAPSHOT_REFUSALS.kinds;

export const snapshotRefusalName: (code: number) => string = SNAPSHOT_REFUSALS.name;
