// The message store: every ITCH message the feed sends, by its MoldUDP64 sequence number,
// in a preallocated ring of fixed 40-byte slots (the longest message the publisher sends is
// R, 39 bytes; FEED.md table). The rewinder answers retransmission requests from it
// (FEED.md, "Retransmission request"); what has aged out of the ring must come from the
// journal instead.
//
// Slot of sequence s: (s - 1) mod capacity. The writer keeps a running slot index instead
// of computing that per message: sequences pass 2^31 in a 1-billion-order day, where `&`
// on an int32 would wrap.

import { BLOCK_MESSAGE_BYTES } from '../protocol';
import { PublisherError, StoreRange, storeRangeName } from './errors';

/**
 * Bytes per stored message: the longest message the publisher writes (R, 39) fits. The
 * storage writer reads this store too, so its layout is protocol's (storage-records.ts).
 */
export const STORE_SLOT_BYTES = BLOCK_MESSAGE_BYTES;
/** Default capacity: 2^21 = 2,097,152 messages (86 MB with the length bytes). */
export const DEFAULT_STORE_CAPACITY = 1 << 21;

/** Receives stored messages in place; `bytes[offset, offset + length)` is valid only during the call. */
export interface StoredMessageVisitor {
  onStoredMessage(sequence: number, bytes: Uint8Array, offset: number, length: number): void;
}

export class MessageStore {
  /** capacity x 40 bytes of message slots, on a SharedArrayBuffer: the storage writer thread reads them too. */
  readonly bytes: Uint8Array;
  /** Each slot's message length (0: empty). */
  readonly lengths: Uint8Array;
  readonly capacity: number;
  /** Byte offset in `bytes` where the next message is written (the writer encodes straight into it). */
  writeOffset: number;
  private writeSlot: number;
  private next: number;
  private readonly first: number;

  /**
   * @param capacity messages kept (any integer from 1); the oldest are overwritten.
   * @param firstSequence sequence of the first message stored (1 at the start of a session).
   */
  constructor(capacity = DEFAULT_STORE_CAPACITY, firstSequence = 1) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 26) {
      throw new PublisherError('TW_ERR_PUB_BAD_CONFIG', `message store capacity must be an integer in 1..${1 << 26}, got ${capacity}; set publisher.storeCapacity`);
    }
    if (!Number.isSafeInteger(firstSequence) || firstSequence < 1) {
      throw new PublisherError('TW_ERR_PUB_BAD_CONFIG', `the first sequence number must be a safe integer from 1, got ${firstSequence}`);
    }
    this.capacity = capacity;
    this.bytes = new Uint8Array(new SharedArrayBuffer(capacity * STORE_SLOT_BYTES));
    this.lengths = new Uint8Array(capacity);
    this.first = firstSequence;
    this.next = firstSequence;
    this.writeSlot = (firstSequence - 1) % capacity;
    this.writeOffset = this.writeSlot * STORE_SLOT_BYTES;
  }

  /** Bytes the store holds allocated: 41 per message of capacity. */
  get byteSize(): number {
    return this.bytes.byteLength + this.lengths.byteLength;
  }

  /** Sequence number the next stored message gets. */
  get nextSequence(): number {
    return this.next;
  }

  /** Oldest sequence still held (equals nextSequence while the store is empty). */
  get oldestSequence(): number {
    const oldest = this.next - this.capacity;
    return oldest > this.first ? oldest : this.first;
  }

  /**
   * Records the message just written at `writeOffset` (length bytes, at most 40) as the next
   * sequence number, and moves to the next slot. Hot path: no checks beyond the slot size.
   */
  commit(length: number): void {
    this.lengths[this.writeSlot] = length;
    this.next++;
    let slot = this.writeSlot + 1;
    if (slot === this.capacity) slot = 0;
    this.writeSlot = slot;
    this.writeOffset = slot * STORE_SLOT_BYTES;
  }

  /** Whether `count` messages from `first` are all held: StoreRange.Ok, AgedOut, NotYetPublished or BadRange. */
  rangeStatus(first: number, count: number): StoreRange {
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || first < 1 || count < 1) return StoreRange.BadRange;
    if (first < this.oldestSequence) return StoreRange.AgedOut;
    if (first + count > this.next) return StoreRange.NotYetPublished;
    return StoreRange.Ok;
  }

  /** Byte offset in `bytes` of a held message (check rangeStatus first). */
  offsetOf(sequence: number): number {
    return ((sequence - 1) % this.capacity) * STORE_SLOT_BYTES;
  }

  /** Length of a held message (check rangeStatus first). */
  lengthOf(sequence: number): number {
    return this.lengths[(sequence - 1) % this.capacity];
  }

  /**
   * Hands the messages `first .. first + count - 1` to the visitor in order, in place (no
   * copy). Returns StoreRange.Ok, or why not (nothing is visited then).
   */
  forEach(first: number, count: number, visitor: StoredMessageVisitor): StoreRange {
    const status = this.rangeStatus(first, count);
    if (status !== StoreRange.Ok) return status;
    let slot = (first - 1) % this.capacity;
    for (let i = 0; i < count; i++) {
      visitor.onStoredMessage(first + i, this.bytes, slot * STORE_SLOT_BYTES, this.lengths[slot]);
      if (++slot === this.capacity) slot = 0;
    }
    return StoreRange.Ok;
  }

  /** Copies of the messages in a range, for tools and tests (allocates). Throws PublisherError when the range is not held. */
  copyRange(first: number, count: number): Uint8Array[] {
    const status = this.rangeStatus(first, count);
    if (status !== StoreRange.Ok) throw this.rangeError(status, first, count);
    const out: Uint8Array[] = [];
    this.forEach(first, count, {
      onStoredMessage(_sequence, bytes, offset, length) {
        out.push(bytes.slice(offset, offset + length));
      },
    });
    return out;
  }

  /** The error that explains a failed range status: what, where, and what to do. */
  rangeError(status: number, first: number, count: number): PublisherError {
    const last = first + count - 1;
    const held =
      this.next === this.oldestSequence
        ? 'the store is empty'
        : `it holds ${this.oldestSequence}..${this.next - 1} (capacity ${this.capacity} messages)`;
    const code = storeRangeName(status);
    switch (status) {
      case StoreRange.AgedOut:
        return new PublisherError(code, `messages ${first}..${last} have aged out of the message store: ${held}; re-encode them from the journal`);
      case StoreRange.NotYetPublished:
        return new PublisherError(code, `messages ${first}..${last} reach past the last published sequence (${this.next - 1}): ${held}`);
      default:
        return new PublisherError(code, `bad range first=${first} count=${count}: the first sequence and the count must be integers from 1`);
    }
  }
}
