// Re-sends a range of the message store as ordinary MoldUDP64 packets on the lines: after
// a restart, what the crashed process journaled but may not have sent goes out again, so
// receivers see no gap (a repeated message is the most they see; its bytes are identical,
// because replaying the journal re-encodes the same messages). Not a hot path.
import { MoldUdp64Packetizer } from '../protocol';
import type { FeedPublisher } from './feed-publisher';
import type { StoredMessageVisitor } from './message-store';
import type { PacketSink } from './packet-sink';

export interface ResendResult {
  /** First sequence re-sent (the oldest the store still held, if the range started earlier). */
  from: number;
  /** Messages re-sent. */
  messages: number;
  /** Messages wanted but already gone from the store (receivers need the rewinder or a snapshot). */
  agedOut: number;
}

/** Re-sends the stored messages from `from` to the last one published. */
export function resendFromStore(publisher: FeedPublisher, sink: PacketSink, from: number): ResendResult {
  const store = publisher.store;
  const end = publisher.nextSequence; // exclusive
  const wanted = Math.max(1, from);
  const first = Math.max(wanted, store.oldestSequence);
  const count = end - first;
  if (count <= 0) return { from: first, messages: 0, agedOut: Math.max(0, Math.min(end, first) - wanted) };
  const packetizer = new MoldUdp64Packetizer(sink, {
    session: publisher.session,
    nextSequence: first,
    maxPayloadBytes: publisher.maxPayloadBytes,
  });
  const out = packetizer.buffer;
  const visitor: StoredMessageVisitor = {
    onStoredMessage(_sequence: number, bytes: Uint8Array, offset: number, length: number): void {
      const at = packetizer.reserve(length);
      for (let i = 0; i < length; i++) out[at + i] = bytes[offset + i];
    },
  };
  store.forEach(first, count, visitor);
  packetizer.flush();
  return { from: first, messages: count, agedOut: first - wanted };
}
