// The day's messages on disk, for the rewinder's requests that start before the message
// store's oldest message (issue 4: "re-encodes older ones from the journal").
//
// A journal archiver (bin/journal-archiver.ts, in a worker thread) replays the journal
// through its own engine and FeedPublisher (deterministic: the same bytes the lines sent)
// and appends every message to an ITCH file (u16 big-endian length + message, the format
// `tickwire replay` reads). Both threads share a SharedArrayBuffer index: the file offset of
// every BLOCK-th message and the highest sequence number fully written. The rewinder reads
// the file synchronously (one pread of at most one block plus the answer) on its own thread:
// these are rare, bounded requests, and a pread of ~100 KB costs tens of microseconds.

import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import type { AnswerPacket, OlderMessageSource } from './rewinder';

/** Messages per index entry: a request scans at most this many lengths before its first message. */
export const ARCHIVE_BLOCK = 2048;
/** Index entries (2^21 x 2,048 = 4.3 billion messages, a day at 4x the design basis); 16 MiB. */
export const ARCHIVE_INDEX_ENTRIES = 1 << 21;

// Int32 slots in the header of the shared index.
const H_ARCHIVED_LO = 0; // highest sequence written, low 32 bits
const H_ARCHIVED_HI = 1; // and high bits (sequence numbers pass 2^32 only in theory; kept exact)
const H_FAILED = 2; // 1 when the archiver stopped on an error
const HEADER_BYTES = 16;

/** The index both threads share: create it on the rewinder's side and hand it to the archiver. */
export function createArchiveIndex(entries = ARCHIVE_INDEX_ENTRIES): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + entries * 8);
}

/** The archiver's side: appends messages in sequence order and publishes how far it got. */
export class MessageArchiveWriter {
  private readonly header: Int32Array;
  private readonly offsets: Float64Array;
  private readonly fd: number;
  private readonly buffer: Uint8Array;
  private fill = 0;
  /** File bytes written and buffered. */
  private fileBytes = 0;
  /** Next sequence number expected. */
  next = 1;
  /** Highest sequence number on disk and visible to readers. */
  written = 0;

  constructor(readonly path: string, index: SharedArrayBuffer, bufferBytes = 1 << 20) {
    this.header = new Int32Array(index, 0, HEADER_BYTES >> 2);
    this.offsets = new Float64Array(index, HEADER_BYTES);
    // A new archive each time: the archiver replays the journal from its start. Its folder
    // may not exist yet (the journal's is made with the day's first command).
    fs.mkdirSync(nodePath.dirname(path), { recursive: true });
    this.fd = fs.openSync(path, 'w');
    this.buffer = new Uint8Array(bufferBytes);
  }

  /** Appends message `sequence` (the next in order) from `bytes[offset, offset + length)`. */
  append(sequence: number, bytes: Uint8Array, offset: number, length: number): void {
    if (sequence !== this.next) throw new Error(`archive: message ${sequence} out of order, expected ${this.next}`);
    if (this.fill + 2 + length > this.buffer.length) this.flush();
    const index = (sequence - 1) / ARCHIVE_BLOCK;
    if (Number.isInteger(index)) {
      if (index >= this.offsets.length) throw new Error(`archive: index full at message ${sequence}`);
      this.offsets[index] = this.fileBytes + this.fill;
    }
    const b = this.buffer;
    b[this.fill] = length >>> 8;
    b[this.fill + 1] = length & 0xff;
    b.set(bytes.subarray(offset, offset + length), this.fill + 2);
    this.fill += 2 + length;
    this.next = sequence + 1;
  }

  /** Writes what is buffered, then tells readers how far the file goes. */
  flush(): void {
    let done = 0;
    while (done < this.fill) done += fs.writeSync(this.fd, this.buffer, done, this.fill - done, this.fileBytes + done);
    this.fileBytes += this.fill;
    this.fill = 0;
    this.written = this.next - 1;
    Atomics.store(this.header, H_ARCHIVED_HI, Math.floor(this.written / 2 ** 32));
    Atomics.store(this.header, H_ARCHIVED_LO, this.written >>> 0);
  }

  /** Marks the archive as stopped (readers refuse instead of waiting for it). */
  fail(): void {
    Atomics.store(this.header, H_FAILED, 1);
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}

/** The rewinder's side: answers aged-out requests from the file. */
export class MessageArchive implements OlderMessageSource {
  private readonly header: Int32Array;
  private readonly offsets: Float64Array;
  private fd = -1;
  private readonly scratch: Uint8Array;
  /** Requests answered from the file. */
  answered = 0;
  /** Requests for messages the archiver has not written yet (it lags the live feed). */
  notYetArchived = 0;
  /** Reads that failed (the error is kept in lastError). */
  readErrors = 0;
  lastError = '';

  constructor(readonly path: string, index: SharedArrayBuffer, maxPayloadBytes = 1472) {
    this.header = new Int32Array(index, 0, HEADER_BYTES >> 2);
    this.offsets = new Float64Array(index, HEADER_BYTES);
    // One block of lengths before the first message, plus a full answer's messages.
    this.scratch = new Uint8Array(ARCHIVE_BLOCK * 52 + maxPayloadBytes + 64 * 1024);
  }

  /** Highest sequence number the file holds. */
  get archivedThrough(): number {
    return Atomics.load(this.header, H_ARCHIVED_HI) * 2 ** 32 + (Atomics.load(this.header, H_ARCHIVED_LO) >>> 0);
  }

  /** True when the archiver stopped on an error. */
  get failed(): boolean {
    return Atomics.load(this.header, H_FAILED) === 1;
  }

  appendOlder(first: number, maxCount: number, answer: AnswerPacket): boolean {
    const through = this.archivedThrough;
    if (first > through) {
      this.notYetArchived++;
      return false;
    }
    const block = Math.floor((first - 1) / ARCHIVE_BLOCK);
    const start = this.offsets[block];
    let last = first + maxCount - 1;
    if (last > through) last = through;
    try {
      if (this.fd < 0) this.fd = fs.openSync(this.path, 'r');
      const got = fs.readSync(this.fd, this.scratch, 0, this.scratch.length, start);
      const b = this.scratch;
      let at = 0;
      let seq = block * ARCHIVE_BLOCK + 1;
      while (seq <= last && at + 2 <= got) {
        const length = (b[at] << 8) | b[at + 1];
        if (at + 2 + length > got) break;
        if (seq >= first && !answer.append(b, at + 2, length)) break;
        at += 2 + length;
        seq++;
      }
    } catch (err) {
      this.readErrors++;
      this.lastError = (err as Error).message;
      return false;
    }
    if (answer.count > 0) this.answered++;
    return answer.count > 0;
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}
