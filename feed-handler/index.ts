// feed-handler/: the subscriber side of the feed. A client needs only protocol/, book/ and
// this folder: FeedHandler joins lines A and B, recovers gaps from the rewinder and the
// snapshot server, and keeps MarketBooks exact.
export { FeedHandler } from './feed-handler';
export {
  FeedState,
  RecoveryTimes,
  LINE_A,
  LINE_B,
  REWINDER,
  type FeedHandlerListener,
  type FeedHandlerFigures,
  type FeedCandlesIncomplete,
  type FeedGap,
  type FeedNewSession,
  type FeedRecovery,
  type FeedStatus,
  type RecoveryMethod,
} from './feed-events';
export { resolveFeedHandlerOptions, DEFAULT_MAX_REWIND_MESSAGES, type FeedHandlerOptions, type ResolvedFeedHandlerOptions, type BookSizes } from './feed-handler-options';
export { type FeedLineAddress, type RewinderAddress, type FeedSockets, type FeedSocket, type DatagramReceiver } from './feed-sockets';
export { DGRAM_SOCKETS } from './dgram-sockets';
export { systemClock, ManualClock, type FeedClock, type TimerHandle } from './feed-clock';
export { GapRecovery, DEFAULT_REWIND_REQUESTS_PER_SECOND, type RecoveryHost, type RecoveryTimings, type SnapshotLoader } from './gap-recovery';
export { StaleWatch, type StaleHost } from './stale-watch';
export { FeedFault, FEED_FAULT_KINDS, feedFaultName, FeedHandlerError } from './errors';
export { LineCounters } from './line-counters';
export { PacketBuffer } from './packet-buffer';
export { FeedRecorder } from './feed-recorder';
export { loadSnapshot, SnapshotImage, type SnapshotEndpoint } from './snapshot-client';
export { booksDigest, bookText, diffBooks } from './book-digest';
export { verifyAgainstSnapshot, type VerifyResult } from './snapshot-verifier';
export {
  replayFile,
  sessionDateFromName,
  type ReplayFileOptions,
  type ReplayReport,
  type ReplayBookReport,
  type ReplayInputError,
} from './itch-file-replay';
