// Storage records: what the publisher's storage tap hands the storage writer thread, in
// 64-byte slots of a single-producer single-consumer ring on a SharedArrayBuffer (the
// pattern of engine-event-ring.ts). A record is one slot, or up to 255 contiguous slots
// (a block of messages, an L2 snapshot). Little-endian host order: the ring never leaves the machine.
//
// Every record carries a feed sequence number, its tag: a message's own, a candle close's
// the message that closed it, a snapshot's the last message applied before it. Tags never
// decrease along the ring, and the producer publishes whole event groups only, so "all
// records with tag <= S" is a consistent cut the writer can store and resume after.
//
// Messages (kind 1), a block of consecutive sequences, 1 + ceil((24 + 40 n) / 64) slots:
//   2 u16 n (messages) | 8 f64 tag (the last sequence) | 16 f64 first sequence
//   24 + 40 k: message k, the ITCH bytes exactly as sent (the publisher's message store
//   slot, FEED.md layouts, big-endian; its length follows from its type byte).
//   The tap copies the store's slots in bulk instead of re-encoding each message field by
//   field on the publisher's thread; the writer decodes them (storage/record-decoder.ts).
// Candle (kind 2), one slot:
//   2 u8 interval index (CANDLE_INTERVAL_CODES) | 4 u16 locate | 8 f64 tag
//   16 u32 start (UTC minutes since the epoch) | 20 u32 trades | 24/28 stock words
//   32 f64 volume | 40 f64 vwap (fractional Price(4)) | 48 u32 open | 52 high | 56 low | 60 close
// L2 snapshot (kind 3), L2_SLOTS slots:
//   2 u8 bid levels | 3 u8 ask levels | 4 u16 locate | 8 f64 tag | 16 f64 timestampNs
//   24/28 stock words | 32 u32 bid prices x10 | 72 ask prices x10 | 112 u32 bid orders x10
//   152 ask orders x10 | 192 f64 bid shares x10 | 272 f64 ask shares x10
// Gap (kind 4), one slot: 8 f64 first sequence | 16 f64 last sequence not in the ring (the
//   producer overflowed; the writer fills them from the journal).
// Stored messages (kind 5), one slot: a Messages block's header without its messages:
//   2 u16 n | 8 f64 tag (the last sequence) | 16 f64 first sequence. The messages are in the
//   publisher's message store, shared with the writer (a SharedArrayBuffer of 40-byte slots,
//   sequence s in slot (s - 1) mod capacity), which copies them out itself: the publisher's
//   thread writes 64 bytes per up to 128 messages instead of 40 per message. The producer
//   publishes how far it has written in the store (STORE_HEAD_CELL, the sequence mod 2^32)
//   at least every STORE_HEAD_EVERY messages, so the writer can tell, after copying, that
//   the slots were not reused meanwhile (a seqlock); if they were, it treats the range as a
//   gap and fills it from the journal.
// Pad (kind 0): fills the slots up to the ring's end when a multi-slot record would wrap.

import { RING_CONSUMER_WAITING, RING_HEADER_BYTES, RING_READ, RING_WRITE, RingReader } from './ring-reader';

export const STORAGE_SLOT_SIZE = 64;
export const L2_DEPTH = 10;
export const L2_SLOTS = 6;

export const StorageRecordKind = { Pad: 0, Message: 1, Candle: 2, L2: 3, Gap: 4, StoredMessages: 5 } as const;

/** The most messages one Messages or StoredMessages record holds or names. */
export const MAX_BLOCK_MESSAGES = 128;

/**
 * Copies the store slots of sequences first..first+n-1 (sequence s in slot (s - 1) mod
 * capacity, wrapping once at most) to `dst` at `to`: one memory copy per part, a subarray
 * view per block, not per message. The tap fills a Messages block this way; the writer
 * copies a StoredMessages range out of the shared store.
 */
export function copyStoreSlots(store: Uint8Array, capacity: number, first: number, n: number, dst: Uint8Array, to: number): void {
  const slot = (first - 1) % capacity;
  const head = slot + n <= capacity ? n : capacity - slot;
  dst.set(store.subarray(slot * BLOCK_MESSAGE_BYTES, (slot + head) * BLOCK_MESSAGE_BYTES), to);
  if (head < n) dst.set(store.subarray(0, (n - head) * BLOCK_MESSAGE_BYTES), to + head * BLOCK_MESSAGE_BYTES);
}

/** Int32 index of the ring header's cell where the producer publishes its store head (own cache line). */
export const STORE_HEAD_CELL = 56;
/** The producer publishes the store head at least this often, in messages. */
export const STORE_HEAD_EVERY = 64;

/**
 * Whether the store slot holding sequence `first` may have been reused (or be about to be,
 * within `headroom` messages), given the head last published (`head`, a sequence mod 2^32)
 * and the store's capacity: the producer may be up to STORE_HEAD_EVERY messages past what
 * it published, plus the one it is writing. The writer checks with a large headroom before
 * copying a range out (so a lap during the copy would need the thread stalled for that many
 * messages) and with none after (on x86 the producer's stores are seen in order: a slot
 * rewritten during the copy implies a head past it).
 */
export function storeOverrun(head: number, first: number, capacity: number, headroom = 0): boolean {
  return ((head + STORE_HEAD_EVERY + 1 + headroom - (first + capacity)) | 0) >= 0;
}

/** Candle intervals by the index a candle record carries (book/candles.ts CANDLE_INTERVALS order). */
export const CANDLE_INTERVAL_CODES = ['1m', '5m', '1h', '1d', '1w', '1M'] as const;

export const RecordField = {
  kind: 0,
  slots: 1,
  /** Messages: the message count (u16). */
  count: 2,
  /** Every record's tag (f64); a message block's is its last sequence. */
  sequence: 8,
  /** Messages: the block's first sequence (f64). */
  firstSequence: 16,
  /** Messages: where the first message's bytes start. */
  messages: 24,
} as const;

/** Bytes per message in a block (the message store's slot: the longest message, F, is 40). */
export const BLOCK_MESSAGE_BYTES = 40;
/** Bytes before the first message of a block. */
export const BLOCK_HEADER_BYTES = 24;

/** Slots a block of `n` messages takes. */
export function blockSlots(n: number): number {
  return (BLOCK_HEADER_BYTES + n * BLOCK_MESSAGE_BYTES + STORAGE_SLOT_SIZE - 1) >> 6;
}

export const CandleField = {
  interval: 2,
  startMinute: 16,
  trades: 20,
  volume: 32,
  vwap: 40,
  open: 48,
  high: 52,
  low: 56,
  close: 60,
} as const;

export const L2Field = {
  bidLevels: 2,
  askLevels: 3,
  bidPrices: 32,
  askPrices: 72,
  bidOrders: 112,
  askOrders: 152,
  bidShares: 192,
  askShares: 272,
} as const;

export const GapField = { from: 8, to: 16 } as const;

const HEADER_BYTES = RING_HEADER_BYTES;
// Producer and consumer cells on different cache lines (ring-reader.ts).
const WRITE = RING_WRITE;
const READ = RING_READ;
const CONSUMER_WAITING = RING_CONSUMER_WAITING;

/** Typed views over a buffer of storage records; `base` is a record's byte offset. */
export class StorageRecordView {
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
  readonly byteLength: number;

  constructor(buffer: ArrayBufferLike, byteOffset: number, byteLength: number) {
    this.u8 = new Uint8Array(buffer, byteOffset, byteLength);
    this.u16 = new Uint16Array(buffer, byteOffset, byteLength >> 1);
    this.u32 = new Uint32Array(buffer, byteOffset, byteLength >> 2);
    this.f64 = new Float64Array(buffer, byteOffset, byteLength >> 3);
    this.byteLength = byteLength;
  }
}

export class StorageRecordRing {
  readonly sab: SharedArrayBuffer;
  /** Slots in the ring (a power of two). */
  readonly capacity: number;
  readonly mask: number;
  readonly ctrl: Int32Array;
  readonly view: StorageRecordView;

  /** A ring of `slots` 64-byte slots (rounded up to a power of two, at least 64). */
  static create(slots: number): StorageRecordRing {
    if (!Number.isInteger(slots) || slots < 1 || slots > 1 << 26) {
      throw new RangeError(`storage ring slots must be an integer in 1..${1 << 26}, got ${slots}`);
    }
    let cap = 64;
    while (cap < slots) cap <<= 1;
    const sab = new SharedArrayBuffer(HEADER_BYTES + cap * STORAGE_SLOT_SIZE);
    // Touch every page now: a fresh buffer is mapped lazily, and first-touch page faults
    // would otherwise land on the publisher's thread as the tap first fills the ring.
    const words = new Int32Array(sab);
    for (let i = 0; i < words.length; i += 1024) words[i] = 0;
    return new StorageRecordRing(sab);
  }

  /** Attaches to a ring made by `create` (the writer thread's side, from workerData). */
  constructor(sab: SharedArrayBuffer) {
    const cap = (sab.byteLength - HEADER_BYTES) / STORAGE_SLOT_SIZE;
    if (!Number.isInteger(cap) || cap < 64 || (cap & (cap - 1)) !== 0) throw new RangeError('not a storage record ring buffer');
    this.sab = sab;
    this.capacity = cap;
    this.mask = cap - 1;
    this.ctrl = new Int32Array(sab, 0, HEADER_BYTES >> 2);
    this.view = new StorageRecordView(sab, HEADER_BYTES, cap * STORAGE_SLOT_SIZE);
  }
}

/**
 * The producer side. Never waits: `claim` returns -1 when the record does not fit, and the
 * caller decides (the live tap stops and records a gap; a catch-up drains and retries).
 */
export class StorageRecordWriter {
  readonly ring: StorageRecordRing;
  readonly view: StorageRecordView;
  private readonly ctrl: Int32Array;
  private readonly mask: number;
  private readonly capacity: number;
  private cursor: number;
  private committed: number;
  private readSeen: number;

  constructor(ring: StorageRecordRing) {
    this.ring = ring;
    this.view = ring.view;
    this.ctrl = ring.ctrl;
    this.mask = ring.mask;
    this.capacity = ring.capacity;
    this.committed = Atomics.load(this.ctrl, WRITE);
    this.cursor = this.committed;
    this.readSeen = Atomics.load(this.ctrl, READ);
  }

  /** Claims `slots` contiguous slots; returns the byte offset in `view`, or -1 if they do not fit. */
  claim(slots: number): number {
    let at = this.cursor & this.mask;
    const pad = at + slots > this.capacity ? this.capacity - at : 0;
    const need = pad + slots;
    if (((this.cursor - this.readSeen) | 0) + need > this.capacity) {
      this.readSeen = Atomics.load(this.ctrl, READ);
      if (((this.cursor - this.readSeen) | 0) + need > this.capacity) return -1;
    }
    if (pad > 0) {
      const base = at * STORAGE_SLOT_SIZE;
      this.view.u8[base] = StorageRecordKind.Pad;
      this.view.u8[base + 1] = pad; // pad < slots <= 255: fits a byte
      this.cursor = (this.cursor + pad) | 0;
      at = 0;
    }
    this.cursor = (this.cursor + slots) | 0;
    const base = at * STORAGE_SLOT_SIZE;
    this.view.u8[base + 1] = slots;
    return base;
  }

  /** Publishes every claimed record to the consumer. */
  commit(): void {
    if (this.cursor === this.committed) return;
    this.committed = this.cursor;
    Atomics.store(this.ctrl, WRITE, this.committed);
    if (Atomics.load(this.ctrl, CONSUMER_WAITING) !== 0) Atomics.notify(this.ctrl, WRITE);
  }

  /** Drops the records claimed since the last commit (a group that did not fit whole). */
  rollback(): void {
    this.cursor = this.committed;
  }

  /** The write position (claimed slots so far): a mark to commit or roll back to. */
  get position(): number {
    return this.cursor;
  }

  /** Publishes the records claimed up to `position` (a mark taken earlier), keeping those after it claimed. */
  commitThrough(position: number): void {
    if (position === this.committed) return;
    this.committed = position;
    Atomics.store(this.ctrl, WRITE, position);
    if (Atomics.load(this.ctrl, CONSUMER_WAITING) !== 0) Atomics.notify(this.ctrl, WRITE);
  }

  /** Drops the records claimed after `position` (a mark at or after the last commit). */
  rollbackTo(position: number): void {
    this.cursor = position;
  }

  /** Claimed slots not yet committed. */
  uncommitted(): number {
    return (this.cursor - this.committed) | 0;
  }

  /** Slots claimed or committed and not yet consumed. */
  used(): number {
    this.readSeen = Atomics.load(this.ctrl, READ);
    return (this.cursor - this.readSeen) | 0;
  }
}

/** The consumer side: reads committed records in place, then releases them. */
export class StorageRecordReader extends RingReader {
  readonly ring: StorageRecordRing;
  readonly view: StorageRecordView;

  constructor(ring: StorageRecordRing) {
    super(ring.ctrl, ring.mask, STORAGE_SLOT_SIZE);
    this.ring = ring;
    this.view = ring.view;
  }

  /** Blocks (worker threads only) until records are committed or `timeoutMs` passes. */
  waitForRecords(timeoutMs: number): boolean {
    return this.waitFor(timeoutMs);
  }

  /** As waitForRecords, without blocking the thread's event loop (the writer awaits its database meanwhile). */
  waitForRecordsAsync(timeoutMs: number): Promise<boolean> {
    return this.waitForAsync(timeoutMs);
  }
}

/** The 8 ASCII bytes of two ITCH stock words without the padding (allocates). */
export function stockFromWords(hi: number, lo: number): string {
  let s = '';
  for (let i = 0; i < 8; i++) {
    const c = (i < 4 ? hi >>> (24 - 8 * i) : lo >>> (24 - 8 * (i - 4))) & 0xff;
    if (c !== 0x20 && c !== 0) s += String.fromCharCode(c);
  }
  return s;
}
