// The publisher's error catalogue. Bad engine events are input from another thread: the
// publisher counts them by code (a metric), remembers the last one, and never throws on
// the hot path. Range and configuration errors are thrown off the hot path as
// PublisherError, with a stable TW_ERR_ code, what was wrong, where, and what to do.

/** Why an engine event was not published as-is (counted in `FeedPublisher.faults`). */
export const EventFault = {
  None: 0,
  /** A type byte that is none of S, H, A, E, X, D, U (protocol/engine-events.ts). The event is skipped. */
  UnknownType: 1,
  /** An order or trading-state event whose stock locate is not in the symbol directory. Skipped. */
  BadLocate: 2,
  /** An add whose side is not 'B' or 'S'. Skipped. */
  BadSide: 3,
  /** A system event whose code is none of O, S, Q, M, E, C (FEED.md, type S). Skipped. */
  BadSystemCode: 4,
  /** A trading state other than H, P, Q, T (FEED.md, type H). Skipped. */
  BadTradingState: 5,
  /** An event after End of Messages (S C): the session is over. Skipped. */
  AfterEndOfMessages: 6,
  /** The engine event sequence jumped (events were lost or repeated). The event is still published. */
  EngineSequenceGap: 7,
  /** The publisher's own book could not decode a message it wrote (a bug, never expected). */
  BookDecodeFault: 8,
  /** An add or replace price above Price(4)'s 200,000.0000 (FEED.md): it would not decode. Skipped. */
  BadPrice: 9,
} as const;
export type EventFault = (typeof EventFault)[keyof typeof EventFault];

const EVENT_FAULT_NAMES: readonly string[] = [
  'TW_OK',
  'TW_ERR_PUB_UNKNOWN_EVENT_TYPE',
  'TW_ERR_PUB_BAD_LOCATE',
  'TW_ERR_PUB_BAD_SIDE',
  'TW_ERR_PUB_BAD_SYSTEM_CODE',
  'TW_ERR_PUB_BAD_TRADING_STATE',
  'TW_ERR_PUB_AFTER_END_OF_MESSAGES',
  'TW_ERR_PUB_ENGINE_SEQUENCE_GAP',
  'TW_ERR_PUB_BOOK_DECODE_FAULT',
  'TW_ERR_PUB_BAD_PRICE',
];

export const EVENT_FAULT_KINDS = EVENT_FAULT_NAMES.length;

export function eventFaultName(code: number): string {
  return EVENT_FAULT_NAMES[code] ?? `TW_ERR_PUB_UNKNOWN_FAULT_${code}`;
}

/** Told about each bad engine event as it happens (for logs and alerts; keep it cheap). */
export interface EventFaultListener {
  onEventFault(code: number, engineSequence: number, type: number): void;
}

/** A message store range outcome (MessageStore.rangeStatus). */
export const StoreRange = {
  Ok: 0,
  /** Part of the range is older than the oldest message the ring still holds. */
  AgedOut: 1,
  /** Part of the range has not been published yet. */
  NotYetPublished: 2,
  /** A first sequence below 1, a count below 1, or not integers. */
  BadRange: 3,
} as const;
export type StoreRange = (typeof StoreRange)[keyof typeof StoreRange];

const STORE_RANGE_NAMES: readonly string[] = ['TW_OK', 'TW_ERR_STORE_AGED_OUT', 'TW_ERR_STORE_NOT_YET_PUBLISHED', 'TW_ERR_STORE_BAD_RANGE'];

export function storeRangeName(code: number): string {
  return STORE_RANGE_NAMES[code] ?? `TW_ERR_STORE_UNKNOWN_${code}`;
}

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
export const RewindRefusal = {
  None: 0,
  /** Not a 20-byte request (session 10, sequence 8, count 2). */
  BadLength: 1,
  /** Sequence 0: MoldUDP64 sequences start at 1. */
  ZeroSequence: 2,
  /** Count 0: nothing asked for. */
  ZeroCount: 3,
  /** A sequence of 2^53 or more: no session gets there. */
  SequenceTooLarge: 4,
  /** Another session than the one this rewinder serves. */
  WrongSession: 5,
  /** The requester (address:port) is over its requests per second. */
  RateLimited: 6,
  /** A new requester while the requester table is full of active ones. */
  TooManyRequesters: 7,
  /** All requesters together are over the rewinder's answers per second. */
  Overloaded: 8,
  /** The range starts before the oldest message the store holds and no older source has it. */
  AgedOut: 9,
  /** Every answer buffer is still waiting for its send to finish. */
  Busy: 10,
} as const;
export type RewindRefusal = (typeof RewindRefusal)[keyof typeof RewindRefusal];

const REWIND_REFUSAL_NAMES: readonly string[] = [
  'TW_OK',
  'TW_ERR_REWIND_BAD_LENGTH',
  'TW_ERR_REWIND_ZERO_SEQUENCE',
  'TW_ERR_REWIND_ZERO_COUNT',
  'TW_ERR_REWIND_SEQUENCE_TOO_LARGE',
  'TW_ERR_REWIND_WRONG_SESSION',
  'TW_ERR_REWIND_RATE_LIMITED',
  'TW_ERR_REWIND_TOO_MANY_REQUESTERS',
  'TW_ERR_REWIND_OVERLOADED',
  'TW_ERR_REWIND_AGED_OUT',
  'TW_ERR_REWIND_BUSY',
];

export const REWIND_REFUSAL_KINDS = REWIND_REFUSAL_NAMES.length;

export function rewindRefusalName(code: number): string {
  return REWIND_REFUSAL_NAMES[code] ?? `TW_ERR_REWIND_UNKNOWN_${code}`;
}

/** Why the snapshot server refused or closed a connection (counted in `SnapshotServer.refused`). */
export const SnapshotRefusal = {
  None: 0,
  /** Login Request with a wrong username or password: Login Rejected 'A' (FEED.md, "Snapshot"). */
  NotAuthorized: 1,
  /** Login Request for another (non-blank) session: Login Rejected 'S'. */
  SessionUnavailable: 2,
  /** A frame before login longer than a Login Request (49 bytes): garbage or not SoupBinTCP. Closed. */
  OversizedFrame: 3,
  /** A frame before login of length 0, or an 'L' whose length is not a Login Request's. Closed. */
  BadFrame: 4,
  /** A first frame that is not a Login Request 'L'. Closed. */
  NotLogin: 5,
  /** No Login Request within publisher.snapshot.loginTimeoutMs. Closed. */
  LoginTimeout: 6,
  /** A connection beyond publisher.snapshot.maxClients. Closed at once. */
  TooManyClients: 7,
} as const;
export type SnapshotRefusal = (typeof SnapshotRefusal)[keyof typeof SnapshotRefusal];

const SNAPSHOT_REFUSAL_NAMES: readonly string[] = [
  'TW_OK',
  'TW_ERR_SNAPSHOT_NOT_AUTHORIZED',
  'TW_ERR_SNAPSHOT_SESSION_UNAVAILABLE',
  'TW_ERR_SNAPSHOT_OVERSIZED_FRAME',
  'TW_ERR_SNAPSHOT_BAD_FRAME',
  'TW_ERR_SNAPSHOT_NOT_LOGIN',
  'TW_ERR_SNAPSHOT_LOGIN_TIMEOUT',
  'TW_ERR_SNAPSHOT_TOO_MANY_CLIENTS',
];

export const SNAPSHOT_REFUSAL_KINDS = SNAPSHOT_REFUSAL_NAMES.length;

export function snapshotRefusalName(code: number): string {
  return SNAPSHOT_REFUSAL_NAMES[code] ?? `TW_ERR_SNAPSHOT_UNKNOWN_${code}`;
}
