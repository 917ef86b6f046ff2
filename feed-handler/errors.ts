// The feed handler's error catalogue. Bad input from the network (malformed packets,
// another session, a failed snapshot) is counted by code and never thrown; options and
// sockets that cannot be set up throw a FeedHandlerError before anything starts.

/** What went wrong, as counted in `FeedHandler.faults` (index = code). */
export const FeedFault = {
  None: 0,
  /** A datagram whose MoldUDP64 framing is broken (short header, blocks that do not add up, trailing bytes, absurd sequence). */
  MalformedPacket: 1,
  /** A packet of another MoldUDP64 session (a feed we were not configured for). */
  WrongSession: 2,
  /** A well-framed packet holding a message that does not decode (unknown type, wrong length, bad field): dropped whole. */
  BadMessage: 3,
  /** A retransmission request that got no answer in time (asked again with backoff). */
  RewindTimeout: 4,
  /** The rewinder could not fill a gap within the retries: the handler fell back to a snapshot. */
  RewindGaveUp: 5,
  /** The snapshot server refused the login (credentials or session). */
  SnapshotRejected: 6,
  /** The snapshot session failed (connection refused or closed before End of Snapshot, bad frames, timeout). */
  SnapshotFailed: 7,
  /** Live packets arrived while the gap buffer was full: dropped (recovered by the next snapshot or rewind). */
  BufferFull: 8,
  /** Writing the --record file failed: recording stopped, the books are unaffected. */
  RecordFailed: 9,
  /** A verification snapshot disagreed with the handler's books. */
  VerifyMismatch: 10,
} as const;
export type FeedFault = (typeof FeedFault)[keyof typeof FeedFault];

const NAMES: readonly string[] = [
  'TW_OK',
  'TW_ERR_FEED_MALFORMED_PACKET',
  'TW_ERR_FEED_WRONG_SESSION',
  'TW_ERR_FEED_BAD_MESSAGE',
  'TW_ERR_FEED_REWIND_TIMEOUT',
  'TW_ERR_FEED_REWIND_GAVE_UP',
  'TW_ERR_FEED_SNAPSHOT_REJECTED',
  'TW_ERR_FEED_SNAPSHOT_FAILED',
  'TW_ERR_FEED_BUFFER_FULL',
  'TW_ERR_FEED_RECORD_FAILED',
  'TW_ERR_FEED_VERIFY_MISMATCH',
];

export const FEED_FAULT_KINDS = NAMES.length;

/** The stable TW_ERR_FEED_ code of a fault. */
export function feedFaultName(code: number): string {
  return NAMES[code] ?? `TW_ERR_FEED_UNKNOWN_${code}`;
}

/** Set-up errors (bad options, a socket that cannot bind or join): thrown before the feed starts. */
export class FeedHandlerError extends Error {
  readonly code: string;

  constructor(code: 'TW_ERR_FEED_BAD_OPTIONS' | 'TW_ERR_FEED_SOCKET' | 'TW_ERR_FEED_RECORD_FAILED' | 'TW_ERR_FEED_SNAPSHOT_FAILED' | 'TW_ERR_FEED_SNAPSHOT_REJECTED', message: string) {
    super(`${code}: ${message}`);
    this.name = 'FeedHandlerError';
    this.code = code;
  }
}
