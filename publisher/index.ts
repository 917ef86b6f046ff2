// publisher/: engine events to the ITCH 5.0 / MoldUDP64 feed. This slice is the pipeline
// without sockets: mapping, sequencing, the message store, packetizing, the publisher's books.
export { FeedPublisher, feedPublisherOptions, type FeedPublisherOptions } from './feed-publisher';
export { MessageStore, STORE_SLOT_BYTES, DEFAULT_STORE_CAPACITY, type StoredMessageVisitor } from './message-store';
export { MessageArchive, MessageArchiveWriter, createArchiveIndex, ARCHIVE_BLOCK, ARCHIVE_INDEX_ENTRIES } from './message-archive';
export { MemoryPacketSink, type PacketSink } from './packet-sink';
export { FeedLines, type FeedLinesOptions, type FeedLineAddress, type UnicastReceiver } from './feed-lines';
export { PublisherService, publisherServiceFromConfig, feedLinesFromConfig, type PublisherServiceOptions } from './publisher-service';
// The session-name rule lives in protocol/ (a feed client needs it); re-exported for compatibility.
export { sessionNameForDate, resolveSessionName } from '../protocol';
export { DEFAULT_DIRECTORY_FIELDS } from './symbol-directory';
export {
  EventFault,
  EVENT_FAULT_KINDS,
  eventFaultName,
  StoreRange,
  storeRangeName,
  PublisherError,
  type EventFaultListener,
} from './errors';
export {
  Rewinder,
  rewinderOptions,
  AnswerPacket,
  NO_OLDER_MESSAGES,
  MONOTONIC_CLOCK,
  type RewinderOptions,
  type RewindSource,
  type RewinderClock,
  type RewinderFigures,
  type OlderMessageSource,
} from './rewinder';
export { RewindRefusal, REWIND_REFUSAL_KINDS, rewindRefusalName } from './errors';
export {
  SnapshotServer,
  SnapshotFrames,
  snapshotServerOptions,
  type SnapshotServerOptions,
  type SnapshotSource,
  type SnapshotServerFigures,
} from './snapshot-server';
export { SnapshotRefusal, SNAPSHOT_REFUSAL_KINDS, snapshotRefusalName } from './errors';
export { resendFromStore, type ResendResult } from './store-resender';
export { StorageTap, type StorageTapOptions } from './storage-tap';
