// The feed handler's error catalogue. Bad input from the network (malformed packets,
// another session, a failed snapshot) is counted by code and never thrown; options and
// sockets that cannot be set up throw a FeedHandlerError before anything starts.
import { errorCatalogue } from '../protocol';

/** What went wrong, as counted in `FeedHandler.faults` (index = code). */
const FEED_FAULTS = errorCatalogue({
  None: [0, 'TW_OK'],
  /** A datagram whose MoldUDP64 framing is broken (short header, blocks that do not add up, trailing bytes, absurd sequence). */
  MalformedPacket: [1, 'TW_ERR_FEED_MALFORMED_PACKET'],
  /** A packet of another MoldUDP64 session (a feed we were not configured for). */
  WrongSession: [2, 'TW_ERR_FEED_WRONG_SESSION'],
  /** A well-framed packet holding a message that does not decode (unknown type, wrong length, bad field): dropped whole. */
  BadMessage: [3, 'TW_ERR_FEED_BAD_MESSAGE'],
  /** A retransmission request that got no answer in time (asked again with backoff). */
  RewindTimeout: [4, 'TW_ERR_FEED_REWIND_TIMEOUT'],
  /** The rewinder could not fill a gap within the retries: the handler fell back to a snapshot. */
  RewindGaveUp: [5, 'TW_ERR_FEED_REWIND_GAVE_UP'],
  /** The snapshot server refused the login (credentials or session). */
  SnapshotRejected: [6, 'TW_ERR_FEED_SNAPSHOT_REJECTED'],
  /** The snapshot session failed (connection refused or closed before End of Snapshot, bad frames, timeout). */
  SnapshotFailed: [7, 'TW_ERR_FEED_SNAPSHOT_FAILED'],
  /** Live packets arrived while the gap buffer was full: dropped (recovered by the next snapshot or rewind). */
  BufferFull: [8, 'TW_ERR_FEED_BUFFER_FULL'],
  /** Writing the --record file failed: recording stopped, the books are unaffected. */
  RecordFailed: [9, 'TW_ERR_FEED_RECORD_FAILED'],
  /** A verification snapshot disagreed with the handler's books. */
  VerifyMismatch: [10, 'TW_ERR_FEED_VERIFY_MISMATCH'],
}, { unknownPrefix: 'TW_ERR_FEED_UNKNOWN_' });
export const FeedFault = FEED_FAULTS.codes;
export type FeedFault = (typeof FeedFault)[keyof typeof FeedFault];

export const FEED_FAULT_KINDS = FEED_FAULTS.kinds;

/** The stable TW_ERR_FEED_ code of a fault. */
export const feedFaultName: (code: number) => string = FEED_FAULTS.name;

/** Set-up errors (bad options, a socket that cannot bind or join): thrown before the feed starts. */
export class FeedHandlerError extends Error {
  readonly code: string;

  constructor(code: 'TW_ERR_FEED_BAD_OPTIONS' | 'TW_ERR_FEED_SOCKET' | 'TW_ERR_FEED_RECORD_FAILED' | 'TW_ERR_FEED_SNAPSHOT_FAILED' | 'TW_ERR_FEED_SNAPSHOT_REJECTED', message: string) {
    super(`${code}: ${message}`);
    this.name = 'FeedHandlerError';
    this.code = code;
  }
}
