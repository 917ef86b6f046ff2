// The storage writer: drains the tap's ring in batches into the sink, on its own thread.
//
// Exactly once: the sink stores each batch's rows and the session's last sequence
// together, and the writer resumes after that sequence. Records tagged at or below it are
// dropped (already stored); a message past the next expected sequence (a hole), a Gap
// record, or a flush target beyond what the ring brought are filled from the catch-up
// source (the journal) before going on. Ring slots are released only after their batch
// committed, so a failed write (a full disk) is retried from the same records after the
// sink is reopened; meanwhile the tap's ring fills, it records a gap, and the journal
// fills that in later. Nothing here blocks the publisher.

import * as protocol from '../protocol';
import { StorageRecordReader, StorageRecordView, blockSlots, copyStoreSlots, storeOverrun, type StorageRecordRing } from '../protocol';
import type { CatchUpSource } from './catch-up-source';
import { StorageError, StorageErrorCode, messageOf } from './errors';
import { RecordDecoder, type StorageSession } from './record-decoder';
import { APPEND_ROWS, writeBatch, type StorageSink } from './storage-sink';

const KIND_PAD = protocol.StorageRecordKind.Pad;
const KIND_GAP = protocol.StorageRecordKind.Gap;
const KIND_MESSAGE = protocol.StorageRecordKind.Message;
const KIND_STORED = protocol.StorageRecordKind.StoredMessages;
const STORE_HEAD_CELL = protocol.STORE_HEAD_CELL;
const BLOCK_HEADER_BYTES = protocol.BLOCK_HEADER_BYTES;
const MAX_BLOCK_MESSAGES = protocol.MAX_BLOCK_MESSAGES;
/** A Messages block of MAX_BLOCK_MESSAGES, in bytes. */
const SCRATCH_BYTES = protocol.blockSlots(MAX_BLOCK_MESSAGES) * protocol.STORAGE_SLOT_SIZE;
/** Before copying a range out of the store: refuse it this close to being overwritten. */
const OVERRUN_HEADROOM = 1 << 16;

/** The publisher's message store, shared (StoredMessages records point into it). */
export interface SharedMessageStore {
  /** capacity x 40-byte slots; sequence s in slot (s - 1) mod capacity. */
  bytes: Uint8Array;
  capacity: number;
}

export type WriterEvent =
  | { type: 'opened'; lastSequence: number }
  | { type: 'stored'; through: number; rows: number }
  | { type: 'caught-up'; from: number; to: number }
  | { type: 'error'; code: string; message: string };

export interface StorageWriterOptions {
  sink: StorageSink;
  ring: StorageRecordRing;
  session: StorageSession;
  /** Fills gaps from the journal; null: a gap is reported and counted as lost. */
  catchUp: CatchUpSource | null;
  /** The publisher's message store, for StoredMessages records (a tap with sharedStore). */
  store?: SharedMessageStore | null;
  /** Ring slots per batch at most (default 2^18). */
  batchRecords?: number;
  /** Wait between retries after a failed open or write (default 1,000 ms). */
  retryMs?: number;
  /**
   * Least time between commits while fewer than `batchRecords` wait (default 250 ms): a
   * DuckDB commit costs milliseconds whatever its size, so a quiet market's trickle is
   * stored in a few large transactions a second, not one per hand-over from the tap.
   */
  commitIntervalMs?: number;
  /** Sequences per catch-up transaction (default 2^20). */
  catchUpChunk?: number;
  onEvent?: (event: WriterEvent) => void;
}

export class StorageWriter {
  readonly session: StorageSession;
  /** The last sequence committed to the store (0 before the store has opened). */
  storedThrough = 0;
  /** Rows committed by this writer. */
  rowsStored = 0;
  batches = 0;
  /** Sequences filled from the journal. */
  caughtUp = 0;
  /** Sequences that could not be filled (no catch-up source). */
  lostSequences = 0;
  errors = 0;
  lastError = '';
  opened = false;

  private readonly sink: StorageSink;
  private readonly reader: StorageRecordReader;
  private readonly view: StorageRecordView;
  private readonly decoder: RecordDecoder;
  private readonly catchUpSource: CatchUpSource | null;
  private readonly store: SharedMessageStore | null;
  private readonly ringCtrl: Int32Array;
  /** One Messages block, where a StoredMessages record's messages are copied out to. */
  private readonly scratch = new StorageRecordView(new ArrayBuffer(SCRATCH_BYTES), 0, SCRATCH_BYTES);
  /** Messages of headroom the check before a copy keeps (a quarter of a small store). */
  private readonly overrunHeadroom: number;
  /** StoredMessages ranges found overwritten in the store before they were copied (filled from the journal). */
  storeOverruns = 0;
  private readonly batchRecords: number;
  private readonly retryMs: number;
  private readonly commitIntervalMs: number;
  private lastCommitMs = 0;
  private readonly catchUpChunk: number;
  private readonly onEvent: (event: WriterEvent) => void;
  private expectedNext = 1;
  /** Store at least through this sequence (a flush), catching up if the ring does not bring it. */
  private target = 0;
  private stopping = false;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(options: StorageWriterOptions) {
    this.sink = options.sink;
    this.session = options.session;
    this.reader = new StorageRecordReader(options.ring);
    this.view = this.reader.view;
    this.decoder = new RecordDecoder(options.session);
    this.catchUpSource = options.catchUp;
    this.store = options.store ?? null;
    this.overrunHeadroom = this.store === null ? 0 : Math.min(OVERRUN_HEADROOM, this.store.capacity >> 2);
    this.ringCtrl = options.ring.ctrl;
    this.batchRecords = options.batchRecords ?? 1 << 18;
    this.retryMs = options.retryMs ?? 1000;
    this.commitIntervalMs = options.commitIntervalMs ?? 250;
    this.catchUpChunk = options.catchUpChunk ?? 1 << 20;
    this.onEvent = options.onEvent ?? (() => {});
  }

  /** Starts the loop (idempotent); it runs until stop(). */
  start(): Promise<void> {
    if (this.running === null) this.running = this.loop();
    return this.running;
  }

  /** Asks for everything through `sequence` to be stored (caught up from the journal if the ring lacks it). */
  requestThrough(sequence: number): void {
    if (sequence > this.target) this.target = sequence;
    this.wake?.();
  }

  /** Stops after the current batch and closes the sink. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    if (this.running !== null) await this.running;
    await this.sink.close();
    this.opened = false;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      if (!this.opened) {
        try {
          await this.open();
        } catch (err) {
          this.report(err);
          await this.sleep(this.retryMs);
          continue;
        }
      }
      try {
        await this.step();
      } catch (err) {
        this.report(err);
        // Start again from what the store holds: the batch's rows and followed orders are dropped.
        this.opened = false;
        try {
          await this.sink.close();
        } catch {
          // closing a broken database may fail too
        }
        await this.sleep(this.retryMs);
      }
    }
  }

  private async open(): Promise<void> {
    await this.sink.open();
    const last = await this.sink.lastSequence(this.session.session);
    // As of `last` only: a sink without atomic commits may hold rows past it (rewritten by the replay).
    this.decoder.restoreOrders(last > 0 ? await this.sink.liveOrders(this.session.session, last) : []);
    this.decoder.restoreSymbols(last > 0 ? await this.sink.symbols(this.session.session, last) : []);
    this.storedThrough = last;
    this.expectedNext = last + 1;
    this.opened = true;
    this.onEvent({ type: 'opened', lastSequence: last });
  }

  /** One batch from the ring (or one catch-up), committed. */
  private async step(): Promise<void> {
    const reader = this.reader;
    const avail = reader.available();
    const sinceCommit = performance.now() - this.lastCommitMs;
    if (avail > 0 && avail < this.batchRecords && sinceCommit < this.commitIntervalMs && !this.stopping && this.target < this.expectedNext) {
      await Promise.race([new Promise<void>((r) => setTimeout(r, this.commitIntervalMs - sinceCommit)), new Promise<void>((r) => (this.wake = r))]);
      this.wake = null;
      return;
    }
    if (avail === 0) {
      if (this.target >= this.expectedNext) {
        await this.fill(this.expectedNext, this.target);
        return;
      }
      await Promise.race([reader.waitForRecordsAsync(50), new Promise<void>((r) => (this.wake = r))]);
      this.wake = null;
      return;
    }
    const u8 = this.view.u8;
    const f64 = this.view.f64;
    const decoder = this.decoder;
    const sink = this.sink;
    decoder.clear();
    let begun = false;
    /** Rows handed to the sink in this batch (the decoder is cleared after each hand-over). */
    let appended = 0;
    let used = 0;
    let lastTag = this.storedThrough;
    let gapFrom = 0;
    let gapTo = 0;
    try {
      while (used < avail) {
        const base = reader.baseOf(used);
        const kind = u8[base];
        const slots = u8[base + 1];
        if (kind === KIND_PAD) {
          used += slots;
          continue;
        }
        if (kind === KIND_GAP) {
          if (appended + decoder.rows > 0) break; // store what precedes it first
          gapFrom = f64[(base >> 3) + 1];
          gapTo = f64[(base >> 3) + 2];
          used += slots;
          break;
        }
        const tag = f64[(base >> 3) + 1];
        if (tag <= this.storedThrough) {
          used += slots; // stored before (a restart, or a catch-up that covered it)
          continue;
        }
        const messages = kind === KIND_MESSAGE || kind === KIND_STORED;
        if (messages && f64[(base >> 3) + 2] > this.expectedNext) {
          if (appended + decoder.rows > 0) break;
          gapFrom = this.expectedNext; // a hole: fill it, then read this record again
          gapTo = f64[(base >> 3) + 2] - 1;
          break;
        }
        if (used >= this.batchRecords && tag > lastTag) break; // cut between sequences only
        let view = this.view;
        let at = base;
        if (kind === KIND_STORED) {
          if (!this.copyStored(base)) {
            // Overwritten in the store before it was read: the journal has it.
            if (appended + decoder.rows > 0) break;
            this.storeOverruns++;
            gapFrom = f64[(base >> 3) + 2];
            // One replay for the whole overwritten stretch (a catch-up replays from the journal's
            // start): the records after it with tags up to there are skipped once it is stored.
            gapTo = this.lastOverrun(used, avail, tag);
            used += slots;
            break;
          }
          view = this.scratch;
          at = 0;
        }
        decoder.decode(view, at, this.expectedNext - 1); // a block may start at or below what is stored
        lastTag = tag;
        if (messages) this.expectedNext = tag + 1;
        used += slots;
        if (decoder.messages.rows >= APPEND_ROWS) {
          // Hand the rows over while the decoder's columns are still in cache.
          if (!begun) {
            begun = true; // set first: a begin that fails part way is rolled back too
            await sink.begin(this.session);
          }
          await sink.append(decoder);
          appended += decoder.rows;
          decoder.clear();
        }
      }
      if (appended + decoder.rows > 0) {
        this.lastCommitMs = performance.now();
        if (!begun) {
          begun = true;
          await sink.begin(this.session);
        }
        if (decoder.rows > 0) await sink.append(decoder);
        appended += decoder.rows;
        decoder.clear();
        await sink.commit(lastTag);
        begun = false;
        this.committed(lastTag, appended);
      }
    } catch (err) {
      // Decoded but not committed: the caller reopens the store and starts again from what it holds.
      if (begun) await sink.rollback();
      throw err;
    }
    reader.advance(used);
    if (gapTo > 0) await this.fill(gapFrom, gapTo);
  }

  /** The tag of the last StoredMessages record from ring offset `from` whose slots are already reused (`tag` if none after). */
  private lastOverrun(from: number, avail: number, tag: number): number {
    const store = this.store as SharedMessageStore;
    const reader = this.reader;
    const u8 = this.view.u8;
    const f64 = this.view.f64;
    const head = Atomics.load(this.ringCtrl, STORE_HEAD_CELL);
    let last = tag;
    for (let i = from; i < avail; ) {
      const base = reader.baseOf(i);
      const kind = u8[base];
      if (kind === KIND_GAP) break;
      if (kind === KIND_STORED) {
        if (!storeOverrun(head, f64[(base >> 3) + 2], store.capacity, this.overrunHeadroom)) break;
        last = f64[(base >> 3) + 1];
      }
      i += u8[base + 1];
    }
    return last;
  }

  /**
   * Copies a StoredMessages record's messages out of the shared store into `scratch` as a
   * Messages block. False if their slots may have been reused (checked before and after
   * the copy, a seqlock on the head the tap publishes).
   */
  private copyStored(base: number): boolean {
    const store = this.store;
    if (store === null) {
      throw new StorageError(StorageErrorCode.Write, 'a StoredMessages record arrived but the writer was given no shared message store (the tap and the writer disagree on storage.sharedStore)');
    }
    const view = this.view;
    const n = view.u16[(base >> 1) + 1];
    const tag = view.f64[(base >> 3) + 1];
    const first = view.f64[(base >> 3) + 2];
    const cap = store.capacity;
    if (n > MAX_BLOCK_MESSAGES) throw new StorageError(StorageErrorCode.Write, `a StoredMessages record of ${n} messages (at most ${MAX_BLOCK_MESSAGES})`);
    if (storeOverrun(Atomics.load(this.ringCtrl, STORE_HEAD_CELL), first, cap, this.overrunHeadroom)) return false;
    const s = this.scratch;
    s.u8[0] = KIND_MESSAGE;
    s.u8[1] = blockSlots(n);
    s.u16[1] = n;
    s.f64[1] = tag;
    s.f64[2] = first;
    copyStoreSlots(store.bytes, cap, first, n, s.u8, BLOCK_HEADER_BYTES);
    return !storeOverrun(Atomics.load(this.ringCtrl, STORE_HEAD_CELL), first, cap);
  }

  /** Stores sequences from..to from the catch-up source, a chunk per transaction. */
  private async fill(from: number, to: number): Promise<void> {
    const first = Math.max(from, this.storedThrough + 1);
    if (first > to) return;
    if (this.catchUpSource === null) {
      this.lostSequences += to - first + 1;
      this.report(new StorageError(StorageErrorCode.CatchUp, `sequences ${first} to ${to} never reached the writer and there is no journal to fill them from (journal.path is empty): they are not stored`));
      this.storedThrough = to;
      this.expectedNext = to + 1;
      return;
    }
    const decoder = this.decoder;
    const source = this.catchUpSource;
    for (let start = first; start <= to; start += this.catchUpChunk) {
      const end = Math.min(to, start + this.catchUpChunk - 1);
      decoder.clear();
      let lastMessage = 0;
      source.replay(start, end, (view, base) => {
        decoder.decode(view, base, start - 1);
        if (view.u8[base] === KIND_MESSAGE) lastMessage = view.f64[(base >> 3) + 1];
      });
      if (lastMessage !== end) {
        throw new StorageError(StorageErrorCode.CatchUp, `the journal replay ended at sequence ${lastMessage}, short of ${end}: retrying`);
      }
      await writeBatch(this.sink, decoder, end);
      this.caughtUp += end - start + 1;
      this.committed(end, decoder.rows);
      this.expectedNext = end + 1;
    }
    this.onEvent({ type: 'caught-up', from: first, to });
  }

  private committed(through: number, rows: number): void {
    this.storedThrough = through;
    this.rowsStored += rows;
    this.batches++;
    this.onEvent({ type: 'stored', through, rows });
  }

  private report(err: unknown): void {
    this.errors++;
    this.lastError = messageOf(err);
    const code = err instanceof StorageError ? err.code : StorageErrorCode.Write;
    this.onEvent({ type: 'error', code, message: this.lastError });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}
