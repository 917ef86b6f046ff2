// feed-handler/: the subscriber side of the feed. A client needs only protocol/, book/ and
// this folder: FeedHandler joins lines A and B, recovers gaps from the rewinder and the
// snapshot server, and keeps MarketBooks exact.
export {
  FeedHandler,
  FeedState,
  RecoveryTimes,
  LINE_A,
  LINE_B,
  REWINDER,
  type FeedHandlerOptions,
  type FeedHandlerListener,
  type FeedHandlerFigures,
  type FeedLineAddress,
  type RewinderAddress,
  type FeedGap,
  type FeedRecovery,
  type FeedStatus,
  type RecoveryMethod,
} from './feed-handler';
export { FeedFault, FEED_FAULT_KINDS, feedFaultName, FeedHandlerError } from './errors';
export { LineCounters } from './line-counters';
export { PacketBuffer } from './packet-buffer';
export { FeedRecorder } from './feed-recorder';
export { loadSnapshot, SnapshotImage, type SnapshotEndpoint } from './snapshot-client';
export { booksDigest, bookText, diffBooks } from './book-digest';
export { verifyAgainstSnapshot, type VerifyResult } from './snapshot-verifier';
