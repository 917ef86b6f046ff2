// The storage tap: a MarketDataListener on the publisher's thread that turns what the
// publisher sent into storage records (protocol/storage-records.ts) in a SharedArrayBuffer
// ring the storage writer thread drains: every feed message (with the print's price for
// E), every closed candle of every interval, and an L2 top-10 snapshot of each book that
// changed, every `snapshotIntervalMs` of feed time.
//
// It must never slow the feed: per message it only notes what the storage needs from the
// books (a print, a changed book). The messages themselves are named in blocks of at most
// BLOCK_MESSAGES consecutive sequences: with `sharedStore` (live) one slot per block, and the
// writer copies them out of the publisher's message store (a SharedArrayBuffer) itself,
// checking against the store head the tap publishes every STORE_HEAD_EVERY messages; without
// it (the journal catch-up, whose store is small) the block's bytes are copied into the ring.
// No allocation (a closed candle reads its ring, a few times a minute per symbol), and it
// never waits.
// When the ring is full it drops the group it was writing and everything after, then, once
// the writer has emptied half the ring, writes a Gap record naming the sequences it left
// out and carries on; the writer fills the gap from the journal (storage/README.md).
//
// Records are a function of the message stream alone (snapshots are timed by the
// messages' timestamps, not a wall clock), so a replay of the journal through a muted
// publisher with a tap regenerates exactly the records of any range: that is how gaps
// and crashes are caught up without a duplicate or a hole.

import * as protocol from '../protocol';
import { StorageRecordWriter, type StorageRecordRing, type ItchMessage } from '../protocol';
import { BUY, SELL, type CandleRing, type MarketBooks, type MarketDataListener, type OrderBook } from '../book';
import type { MessageStore } from './message-store';

const SLOT = protocol.STORAGE_SLOT_SIZE;
const KIND_MESSAGE = protocol.StorageRecordKind.Message;
const KIND_CANDLE = protocol.StorageRecordKind.Candle;
const KIND_L2 = protocol.StorageRecordKind.L2;
const KIND_GAP = protocol.StorageRecordKind.Gap;
const KIND_STORED = protocol.StorageRecordKind.StoredMessages;
const STORE_HEAD_CELL = protocol.STORE_HEAD_CELL;
const HEAD_EVERY = protocol.STORE_HEAD_EVERY;
const L2_SLOTS = protocol.L2_SLOTS;
const DEPTH = protocol.L2_DEPTH;
const INTERVALS = 6;
const blockSlots = protocol.blockSlots;
const alphaWord = protocol.alphaWord;
const BLOCK_HEADER_BYTES = protocol.BLOCK_HEADER_BYTES;
const copyStoreSlots = protocol.copyStoreSlots;
/** Messages per block at most (81 slots when copied; smaller for a small ring or message store). */
const BLOCK_MESSAGES = protocol.MAX_BLOCK_MESSAGES;
const NS_PER_MS = 1e6;
/** Slots written before the tap publishes them to the writer at a group's end. */
const COMMIT_SLOTS = 256;
/** Feed time after which written records are published at a group's end anyway. */
const COMMIT_NS = 20e6;

export interface StorageTapOptions {
  /** L2 snapshots of the books that changed, every this many ms of feed time (default 1,000). */
  snapshotIntervalMs?: number;
  /** Records tagged below this sequence are not written (a restart: the store has them). Default 1. */
  emitFrom?: number;
  /** Records tagged above this sequence are not written (a catch-up of one range). Default: no limit. */
  emitTo?: number;
  /**
   * Called when the ring is full, after committing what was written: it must make room (a
   * catch-up drains the ring synchronously). Without it the tap skips and records a gap.
   */
  onRingFull?: (() => void) | null;
  /**
   * The writer reads the messages from the publisher's message store itself (its
   * SharedArrayBuffer): the tap writes one StoredMessages record per block instead of
   * copying the messages, and publishes the store's head. Default false (the messages are
   * copied, as a catch-up with a small store needs).
   */
  sharedStore?: boolean;
}

/** What the tap reads: the publisher's books (prints, candles, L2) and its message store (the bytes sent). */
export interface StorageTapSource {
  readonly books: MarketBooks;
  readonly store: MessageStore;
}

export class StorageTap implements MarketDataListener {
  readonly writer: StorageRecordWriter;
  /** Records written. */
  records = 0;
  /** Times the ring was full (live mode: a gap was recorded). */
  overflows = 0;
  /** Sequences left out in gaps (the writer catches them up from the journal). */
  skippedSequences = 0;
  /** The first sequence of the open gap, 0 when writing. */
  gapFrom = 0;

  private readonly books: MarketBooks;
  private readonly store: MessageStore;
  private readonly storeBytes: Uint8Array;
  private readonly blockMessages: number;
  /** blockMessages / 2: pending messages that are copied at the next boundary. */
  private readonly halfBlock: number;
  /** Messages emitted but not yet copied into the ring: pendingCount from pendingFrom. */
  private pendingFrom = 0;
  private pendingCount = 0;
  /** The last call was onBoundary (or none yet): what is pending is whole groups. */
  private atBoundary = true;
  private lastBoundary = 0;
  private readonly u8: Uint8Array;
  private readonly u16: Uint16Array;
  private readonly u32: Uint32Array;
  private readonly f64: Float64Array;
  private readonly intervalNs: number;
  private readonly emitFrom: number;
  private readonly emitTo: number;
  private readonly onRingFull: (() => void) | null;
  private readonly sharedStore: boolean;
  private readonly ctrl: Int32Array;
  /** The store head last published to the writer (sharedStore). */
  private headPublished = 0;
  private readonly halfRing: number;
  /** Each book's trade count when last seen: a change means this message printed. */
  private readonly tradesSeen = new Float64Array(65536);
  /** Head slot of each candle ring when last seen, by locate x interval: a move means a close. */
  private readonly candleHeads = new Int32Array(65536 * INTERVALS).fill(-1);
  /** Books changed since their last snapshot. */
  private readonly dirty = new Uint8Array(65536);
  private readonly dirtyList = new Uint16Array(65536);
  private dirtyCount = 0;
  private nextSnapshotNs = 0;
  private lastNs = 0;
  /** The first sequence whose records are not yet all written up to boundaryAt (what a gap starts from). */
  private groupFirst = 1;
  private overflowed = false;
  /** Write position at the last group end: what flush() publishes and a gap rolls back to. */
  private boundaryAt: number;
  private committedNs = 0;
  // Scratch for L2 levels.
  private readonly prices = new Int32Array(DEPTH);
  private readonly shares = new Float64Array(DEPTH);
  private readonly orders = new Int32Array(DEPTH);

  constructor(source: StorageTapSource, ring: StorageRecordRing, options: StorageTapOptions = {}) {
    const intervalMs = options.snapshotIntervalMs ?? 1000;
    if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new RangeError(`snapshotIntervalMs must be a positive integer, got ${intervalMs}`);
    this.books = source.books;
    this.store = source.store;
    this.storeBytes = source.store.bytes;
    // A block must fit a quarter of the ring, and its messages must still be in the store when copied.
    let n = BLOCK_MESSAGES;
    while (n > 1 && (blockSlots(n) > ring.capacity >> 2 || n > source.store.capacity)) n >>= 1;
    this.blockMessages = n;
    this.halfBlock = n >> 1;
    this.writer = new StorageRecordWriter(ring);
    const v = ring.view;
    this.u8 = v.u8;
    this.u16 = v.u16;
    this.u32 = v.u32;
    this.f64 = v.f64;
    this.intervalNs = intervalMs * NS_PER_MS;
    this.emitFrom = options.emitFrom ?? 1;
    this.emitTo = options.emitTo ?? Number.MAX_SAFE_INTEGER;
    this.onRingFull = options.onRingFull ?? null;
    this.sharedStore = options.sharedStore ?? false;
    this.ctrl = ring.ctrl;
    this.halfRing = ring.capacity >> 1;
    this.boundaryAt = this.writer.position;
    if (this.sharedStore) this.publishHead(source.store.nextSequence - 1);
  }

  onMessage(sequence: number, m: ItchMessage): void {
    // At least every STORE_HEAD_EVERY messages, whatever is emitted: the writer's overrun
    // check counts on it. From the store's count, not `sequence`, so a message the tap did
    // not hear (a book fault) is counted at the next.
    if (this.sharedStore) {
      const head = this.store.nextSequence - 1;
      if (head - this.headPublished >= HEAD_EVERY) this.publishHead(head);
    }
    const type = m.type;
    const locate = m.locate;
    this.lastNs = m.timestampNs;
    this.atBoundary = false;
    const book = locate !== 0 ? this.books.book(locate) : null;
    let printed = false;
    if (book !== null) {
      if (book.trades !== this.tradesSeen[locate]) {
        this.tradesSeen[locate] = book.trades;
        printed = true;
      }
      if (this.dirty[locate] === 0 && type !== 0x52 && type !== 0x48) {
        this.dirty[locate] = 1;
        this.dirtyList[this.dirtyCount++] = locate;
      }
    }
    const emit = !this.overflowed && sequence >= this.emitFrom && sequence <= this.emitTo;
    if (emit) {
      // Copied later, in a block (writeBlock), while the store still holds it.
      if (this.pendingCount === 0) this.pendingFrom = sequence;
      else if (this.pendingFrom + this.pendingCount !== sequence) {
        this.writeBlock();
        this.pendingFrom = sequence;
      }
      if (++this.pendingCount >= this.blockMessages) this.writeBlock();
    }
    if (printed && (book as OrderBook).candles !== null) this.candleCloses(sequence, book as OrderBook, emit);
    if (type === 0x53 && m.eventCode === 0x43) this.finalCandles(sequence, emit); // S C: the day's last candles
  }

  onBoundary(sequence: number): void {
    // Most groups end with a part-filled block pending and nothing due: note the boundary and
    // return. The rest lives in boundaryWork, so that what the publisher inlines per group is
    // this short test, not the snapshot, gap and commit code (the publisher's per-event
    // function is large, and V8 inlines only so much into it). bench:storage's interleaved
    // tap figure stayed within its noise (0.93-0.96) with and without this split.
    const pending = this.pendingCount;
    if (
      pending > 0 &&
      pending < this.halfBlock &&
      this.lastNs < this.nextSnapshotNs &&
      this.lastNs - this.committedNs < COMMIT_NS &&
      !this.overflowed &&
      sequence < this.emitTo &&
      this.writer.uncommitted() < COMMIT_SLOTS
    ) {
      this.lastBoundary = sequence;
      this.atBoundary = true;
      return;
    }
    this.boundaryWork(sequence);
  }

  private boundaryWork(sequence: number): void {
    if (this.lastNs >= this.nextSnapshotNs && this.dirtyCount > 0) {
      const emit = !this.overflowed && sequence >= this.emitFrom && sequence <= this.emitTo;
      if (emit) this.writeBlock(); // the messages before the snapshots that follow them
      this.snapshots(sequence, emit);
      this.nextSnapshotNs = (Math.floor(this.lastNs / this.intervalNs) + 1) * this.intervalNs;
    }
    if (this.overflowed && this.writer.used() <= this.halfRing) this.closeGap(sequence);
    this.lastBoundary = sequence;
    // Publishing the write position is an atomic store (a full fence): once per COMMIT_SLOTS
    // slots, a block's worth of messages or COMMIT_NS of feed time, not per group. flush()
    // publishes the rest (a timer, the end of the day).
    if (
      this.pendingCount >= this.halfBlock ||
      this.writer.uncommitted() >= COMMIT_SLOTS ||
      this.lastNs - this.committedNs >= COMMIT_NS ||
      (this.pendingCount > 0 && sequence >= this.emitTo)
    ) {
      this.endGroups(sequence);
      this.writer.commitThrough(this.boundaryAt);
      this.committedNs = this.lastNs;
    } else if (this.pendingCount === 0) {
      this.groupFirst = sequence + 1;
      this.boundaryAt = this.writer.position;
    }
    this.atBoundary = true;
  }

  /** Publishes every whole group seen so far to the writer (call between engine drains: a timer, the end of the day). */
  flush(): void {
    if (this.sharedStore) this.publishHead(this.store.nextSequence - 1);
    if (this.atBoundary) this.endGroups(this.lastBoundary);
    this.writer.commitThrough(this.boundaryAt);
    this.committedNs = this.lastNs;
  }

  /** Tells the writer how far the store has been written (its sequence mod 2^32). */
  private publishHead(head: number): void {
    this.headPublished = head;
    Atomics.store(this.ctrl, STORE_HEAD_CELL, head | 0);
  }

  /** At a boundary: copies the pending messages and marks everything written as whole groups. */
  private endGroups(sequence: number): void {
    this.writeBlock();
    if (this.overflowed) return; // the block did not fit: boundaryAt stays where the gap starts
    this.groupFirst = sequence + 1;
    this.boundaryAt = this.writer.position;
  }

  // --- records ------------------------------------------------------------------------

  /** Claims a record's slots; on a full ring either makes room (catch-up) or opens a gap. */
  private claim(slots: number): number {
    if (this.overflowed) return -1; // nothing is written while a gap is open
    let base = this.writer.claim(slots);
    if (base >= 0) return base;
    if (this.onRingFull !== null) {
      this.writer.commit(); // a catch-up consumes in this thread: a part of a group is fine
      this.boundaryAt = this.writer.position;
      this.onRingFull();
      base = this.writer.claim(slots);
      if (base >= 0) return base;
    }
    this.openGap();
    return -1;
  }

  private openGap(): void {
    // Drop what was written after the last whole group (the writer only ever sees whole
    // groups) and the messages not yet copied; keep the groups before.
    this.writer.rollbackTo(this.boundaryAt);
    this.writer.commitThrough(this.boundaryAt);
    this.committedNs = this.lastNs;
    this.pendingCount = 0;
    this.overflowed = true;
    this.overflows++;
    this.gapFrom = Math.max(this.groupFirst, this.emitFrom);
  }

  private closeGap(sequence: number): void {
    if (sequence >= this.gapFrom) {
      const base = this.writer.claim(1);
      if (base < 0) return; // cannot happen below half full; try again at the next boundary
      this.u8[base] = KIND_GAP;
      const f = base >> 3;
      this.f64[f + 1] = this.gapFrom;
      this.f64[f + 2] = sequence;
      this.skippedSequences += sequence - this.gapFrom + 1;
      this.records++;
    }
    this.overflowed = false;
    this.gapFrom = 0;
    this.groupFirst = sequence + 1;
    this.boundaryAt = this.writer.position;
  }

  /** Copies the pending messages from the message store into one block record. */
  private writeBlock(): void {
    const n = this.pendingCount;
    if (n === 0) return;
    const first = this.pendingFrom;
    this.pendingCount = 0; // before claiming: a catch-up's onRingFull flushes the tap re-entrantly
    if (this.sharedStore) {
      const at = this.claim(1);
      if (at < 0) return;
      this.u8[at] = KIND_STORED;
      this.u16[(at >> 1) + 1] = n;
      this.f64[(at >> 3) + 1] = first + n - 1;
      this.f64[(at >> 3) + 2] = first;
      this.records++;
      return;
    }
    const base = this.claim(blockSlots(n));
    if (base < 0) return;
    this.u8[base] = KIND_MESSAGE;
    this.u16[(base >> 1) + 1] = n;
    const f = base >> 3;
    this.f64[f + 1] = first + n - 1;
    this.f64[f + 2] = first;
    copyStoreSlots(this.storeBytes, this.store.capacity, first, n, this.u8, base + BLOCK_HEADER_BYTES);
    this.records++;
  }

  /** After a print: a ring whose head moved has closed its previous candle. */
  private candleCloses(sequence: number, book: OrderBook, emit: boolean): void {
    const c = book.candles;
    if (c === null) return;
    const at = book.locate * INTERVALS;
    this.checkRing(sequence, book.locate, c.m1, at, 0, emit);
    this.checkRing(sequence, book.locate, c.m5, at + 1, 1, emit);
    this.checkRing(sequence, book.locate, c.h1, at + 2, 2, emit);
    this.checkRing(sequence, book.locate, c.d1, at + 3, 3, emit);
    this.checkRing(sequence, book.locate, c.w1, at + 4, 4, emit);
    this.checkRing(sequence, book.locate, c.mo1, at + 5, 5, emit);
  }

  private checkRing(sequence: number, locate: number, ring: CandleRing, at: number, interval: number, emit: boolean): void {
    const head = ring.head;
    if (head === this.candleHeads[at]) return;
    this.candleHeads[at] = head;
    if (emit && ring.size > 1) this.writeCandle(sequence, locate, ring, 1, interval);
  }

  /** End of Messages: every book's current candles are final. */
  private finalCandles(sequence: number, emit: boolean): void {
    if (!emit) return;
    for (const book of this.books.allBooks()) {
      const c = book.candles;
      if (c === null) continue;
      const rings = [c.m1, c.m5, c.h1, c.d1, c.w1, c.mo1];
      for (let i = 0; i < INTERVALS; i++) if (rings[i].size > 0) this.writeCandle(sequence, book.locate, rings[i], 0, i);
    }
  }

  /** The k-th newest candle of `ring` (off the per-message path: a few a minute per symbol). */
  private writeCandle(sequence: number, locate: number, ring: CandleRing, k: number, interval: number): void {
    const candle = ring.get(k);
    if (candle === null) return;
    this.writeBlock(); // the messages through this one come first
    if (this.overflowed) return;
    const base = this.claim(1);
    if (base < 0) return;
    this.u8[base] = KIND_CANDLE;
    this.u8[base + 2] = interval;
    this.u16[(base >> 1) + 2] = locate;
    const f = base >> 3;
    const w = base >> 2;
    this.f64[f + 1] = sequence;
    this.u32[w + 4] = Math.floor(candle.startMs / 60000);
    this.u32[w + 5] = candle.trades;
    const symbol = this.books.book(locate)?.symbol ?? '';
    this.u32[w + 6] = alphaWord(symbol, 0);
    this.u32[w + 7] = alphaWord(symbol, 4);
    this.f64[f + 4] = candle.volume;
    this.f64[f + 5] = candle.vwap;
    this.u32[w + 12] = candle.open;
    this.u32[w + 13] = candle.high;
    this.u32[w + 14] = candle.low;
    this.u32[w + 15] = candle.close;
    this.records++;
  }

  /** Top-10 snapshots of the books changed since the last ones, as of `sequence`. */
  private snapshots(sequence: number, emit: boolean): void {
    for (let i = 0; i < this.dirtyCount; i++) {
      const locate = this.dirtyList[i];
      this.dirty[locate] = 0;
      if (emit) {
        const book = this.books.book(locate);
        if (book !== null) this.writeSnapshot(sequence, book);
      }
    }
    this.dirtyCount = 0;
  }

  private writeSnapshot(sequence: number, book: OrderBook): void {
    const base = this.claim(L2_SLOTS);
    if (base < 0) return;
    const u8 = this.u8;
    const u32 = this.u32;
    const f64 = this.f64;
    const locate = book.locate;
    u8[base] = KIND_L2;
    this.u16[(base >> 1) + 2] = locate;
    const f = base >> 3;
    const w = base >> 2;
    f64[f + 1] = sequence;
    f64[f + 2] = this.lastNs;
    u32[w + 6] = alphaWord(book.symbol, 0); // the stock words as ITCH sends them (space padded)
    u32[w + 7] = alphaWord(book.symbol, 4);
    u8[base + 2] = this.levels(book, BUY, w + 8, w + 28, f + 24);
    u8[base + 3] = this.levels(book, SELL, w + 18, w + 38, f + 34);
    this.records++;
  }

  /** Writes one side's top levels (zeros past the book's depth); returns how many. */
  private levels(book: OrderBook, side: number, priceWord: number, orderWord: number, sharesSlot: number): number {
    const n = book.topLevels(side, DEPTH, this.prices, this.shares, this.orders);
    const u32 = this.u32;
    const f64 = this.f64;
    for (let i = 0; i < DEPTH; i++) {
      const has = i < n;
      u32[priceWord + i] = has ? this.prices[i] : 0;
      u32[orderWord + i] = has ? this.orders[i] : 0;
      f64[sharesSlot + i] = has ? this.shares[i] : 0;
    }
    return n;
  }

  /** Slot size, for callers sizing rings. */
  static readonly slotBytes = SLOT;
}
