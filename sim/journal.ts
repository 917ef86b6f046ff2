// The journal: an append-only file of sequenced commands, the source of truth (event
// sourcing). Start-up replays it to the identical engine state.
//
// File: a 16-byte header ("TWJOURNL", u32 version, u32 payload size), then records:
//   u32 payload length | u32 CRC-32 of the payload | payload (one 48-byte command)
// little-endian. A torn last record (crash mid-write) is detected and truncated; a bad
// record with intact data after it is corruption, and start-up stops with its offset.
//
// Group commit: the engine never waits for the disk. With `fsync` on, a write (made before
// the batch is matched, as ever) starts an asynchronous fdatasync when none is running;
// when it finishes, everything written before it began is durable, and another starts if
// more was written meanwhile. `durableSeq` is the last inbound sequence number known to
// be durable, and `onDurable` listeners hear it move: acknowledgements wait for it. With
// `fsync` off, a record is durable once written (it survives the process, not the machine).
//
// Replication (ha/): a `JournalReplicaLink` attached with `attachReplica` hears every write
// (the records exactly as written) and reports the replica's acknowledgements through
// `replicaAcked`; `durableSeq` is then min(local durability, the replica's acknowledgement).
// Without a link the path is as before (one null check per write).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from '../protocol';
import { COMMAND_SIZE, CommandBuffer } from './command';
import { JournalCorruptError, JournalFormatError, JournalIoError } from './errors';

// Module-local copies: CommonJS re-exports are getters, too slow per record.
const crc32Of = crc32;
const RECORD_PAYLOAD = COMMAND_SIZE;
const PAYLOAD_WORDS = COMMAND_SIZE >> 2;

const MAGIC = 'TWJOURNL';
const VERSION = 1;
export const JOURNAL_HEADER_SIZE = 16;
export const JOURNAL_RECORD_SIZE = 8 + COMMAND_SIZE;

export type FlushPolicy = 'batch' | 'interval';

/** Replication's seam (ha/): hears each write of records and gates durability on a replica. */
export interface JournalReplicaLink {
  /**
   * The records just written to the file: `bytes` bytes of `records` from 0, 56 each
   * (u32 length, u32 CRC-32, 48-byte command), inbound sequence numbers `firstSeq`..`lastSeq`.
   * The buffer is reused: copy before returning.
   */
  written(records: Uint8Array, bytes: number, firstSeq: number, lastSeq: number): void;
}

export interface JournalWriterOptions {
  flush: FlushPolicy;
  flushIntervalMs: number;
  fsync: boolean;
  bufferBytes: number;
}

/** Appends commands; writes per batch or per interval, as configured. */
export class JournalWriter {
  readonly path: string;
  private fd: number;
  private readonly options: JournalWriterOptions;
  private readonly buf: Uint8Array;
  private readonly buf32: Int32Array;
  private readonly capacityRecords: number;
  private used = 0; // records buffered
  private lastWriteMs = 0;
  /** Inbound sequence of the last record appended, of the last written, of the last durable. */
  private appendedSeq = 0;
  private writtenSeq = 0;
  /** Inbound sequence of the first record buffered (valid while `used` > 0). */
  private bufferedFirstSeq = 0;
  private replica: JournalReplicaLink | null = null;
  /** The last sequence number fdatasync'd here (or written, with fsync off). */
  private localDurableSeq = 0;
  /** The last sequence number the replica acknowledged (Infinity: no replica gate). */
  private replicaSeq = Infinity;
  private syncing = false;
  private closing = false;
  private readonly durableListeners: Array<(seq: number) => void> = [];
  /** The last inbound sequence number durable in the journal (fsync'd, or written when fsync is off). */
  durableSeq = 0;
  /** fdatasyncs finished. */
  syncs = 0;
  /** Bytes in the file, including the header. */
  fileBytes: number;
  records = 0;
  writes = 0;

  /**
   * Opens for append at `validBytes` (from recovery), creating the file and header if new.
   * `nowMs` is the clock of the 'interval' policy (a seam: tests pass their own).
   */
  constructor(file: string, options: JournalWriterOptions, validBytes = 0, private readonly nowMs: () => number = Date.now) {
    this.path = file;
    this.options = options;
    this.capacityRecords = Math.max(1, Math.floor(options.bufferBytes / JOURNAL_RECORD_SIZE));
    this.buf = new Uint8Array(this.capacityRecords * JOURNAL_RECORD_SIZE);
    this.buf32 = new Int32Array(this.buf.buffer);
    try {
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      this.fd = fs.openSync(file, fs.existsSync(file) ? 'r+' : 'w+');
      if (validBytes < JOURNAL_HEADER_SIZE) {
        const header = Buffer.alloc(JOURNAL_HEADER_SIZE);
        header.write(MAGIC, 0, 'ascii');
        header.writeUInt32LE(VERSION, 8);
        header.writeUInt32LE(COMMAND_SIZE, 12);
        fs.ftruncateSync(this.fd, 0);
        fs.writeSync(this.fd, header, 0, header.length, 0);
        validBytes = JOURNAL_HEADER_SIZE;
      }
    } catch (err) {
      throw new JournalIoError(file, `cannot open for writing: ${(err as Error).message}`);
    }
    this.fileBytes = validBytes;
    this.lastWriteMs = this.nowMs();
  }

  /** Buffers one command record (already stamped with its sequence and time). */
  append(cmds: CommandBuffer, base: number): void {
    if (this.used === this.capacityRecords) this.write();
    const at = this.used * JOURNAL_RECORD_SIZE;
    const w = at >> 2;
    const src = cmds.i32;
    const s = base >> 2;
    const b32 = this.buf32;
    // Copy as int32 words: float64 copies could canonicalise NaN bit patterns.
    for (let i = 0; i < PAYLOAD_WORDS; i++) b32[w + 2 + i] = src[s + i];
    b32[w] = RECORD_PAYLOAD;
    b32[w + 1] = crc32Of(this.buf, at + 8, at + 8 + RECORD_PAYLOAD) | 0;
    this.appendedSeq = cmds.f64[(base >> 3) + 2];
    if (this.used === 0) this.bufferedFirstSeq = this.appendedSeq;
    this.used++;
    this.records++;
  }

  /** End of a batch: writes now under the 'batch' policy, or if the interval has passed. */
  endBatch(): void {
    if (this.used === 0) return;
    if (this.options.flush === 'batch' || this.nowMs() - this.lastWriteMs >= this.options.flushIntervalMs) this.write();
  }

  /** Writes everything buffered; with fsync on, starts a group commit if none is running. */
  write(): void {
    if (this.used === 0) return;
    const bytes = this.used * JOURNAL_RECORD_SIZE;
    let done = 0;
    try {
      while (done < bytes) done += fs.writeSync(this.fd, this.buf, done, bytes - done, this.fileBytes + done);
    } catch (err) {
      throw new JournalIoError(this.path, `write failed at byte ${this.fileBytes + done}: ${(err as Error).message}`);
    }
    this.fileBytes += bytes;
    this.used = 0;
    this.writes++;
    this.lastWriteMs = this.nowMs();
    this.writtenSeq = this.appendedSeq;
    if (this.replica !== null) this.replica.written(this.buf, bytes, this.bufferedFirstSeq, this.writtenSeq);
    if (!this.options.fsync) this.setDurable(this.writtenSeq);
    else if (!this.syncing) this.startSync();
  }

  /**
   * Appends `count` records already framed (a replica's copy of the primary's journal),
   * byte for byte from `src[offset]`; `lastSeq` is the last one's inbound sequence. The
   * caller has checked their lengths, CRCs and sequence. Durability as for `write()`.
   */
  appendRecords(src: Uint8Array, offset: number, count: number, lastSeq: number): void {
    this.write();
    const bytes = count * JOURNAL_RECORD_SIZE;
    let done = 0;
    try {
      while (done < bytes) done += fs.writeSync(this.fd, src, offset + done, bytes - done, this.fileBytes + done);
    } catch (err) {
      throw new JournalIoError(this.path, `write failed at byte ${this.fileBytes + done}: ${(err as Error).message}`);
    }
    this.fileBytes += bytes;
    this.records += count;
    this.writes++;
    this.appendedSeq = lastSeq;
    this.writtenSeq = lastSeq;
    if (!this.options.fsync) this.setDurable(lastSeq);
    else if (!this.syncing) this.startSync();
  }

  /** The inbound sequence of the last record written to the file (not necessarily durable). */
  get writtenThrough(): number {
    return this.writtenSeq;
  }

  /**
   * From now on every write is handed to `link`, and `durableSeq` waits for
   * `replicaAcked` as well as for the local fdatasync. `ackedSeq`: what the replica holds
   * already. What was durable before stays durable (acknowledgements are never taken back).
   */
  attachReplica(link: JournalReplicaLink, ackedSeq = 0): void {
    this.replica = link;
    this.replicaSeq = ackedSeq;
  }

  /** A replica link is attached: `durableSeq` waits for its acknowledgements (an HA primary). */
  get replicated(): boolean {
    return this.replica !== null;
  }

  /** Detaches the replica link: durability is local again. */
  detachReplica(): void {
    this.replica = null;
    this.replicaSeq = Infinity;
    this.advanceDurable();
  }

  /** The replica holds everything through `seq` durably. */
  replicaAcked(seq: number): void {
    if (seq <= this.replicaSeq) return;
    this.replicaSeq = seq;
    this.advanceDurable();
  }

  /** The last sequence number durable on this machine alone (fdatasync'd, or written with fsync off). */
  get locallyDurableSeq(): number {
    return this.localDurableSeq;
  }

  /** Calls `listener(durableSeq)` whenever more of the journal becomes durable. */
  onDurable(listener: (seq: number) => void): void {
    this.durableListeners.push(listener);
  }

  /** The sequence numbers before `from` are already in the file (recovery): durable. */
  markRecovered(lastSeq: number): void {
    this.appendedSeq = Math.max(this.appendedSeq, lastSeq);
    this.writtenSeq = Math.max(this.writtenSeq, lastSeq);
    this.durableSeq = Math.max(this.durableSeq, lastSeq);
    this.localDurableSeq = Math.max(this.localDurableSeq, lastSeq);
  }

  /**
   * Cuts a standby's copy back to `seq` (a hot spare refused by a new primary: the records
   * after it were never committed, and its engine has not applied them). Synchronous: the
   * file is truncated and synced before it returns. Needs the records in the file to be
   * `seq`'s predecessors and successors one by one (a replicated session's journal is).
   */
  truncateTo(seq: number): void {
    this.write();
    if (seq >= this.writtenSeq) return;
    const bytes = this.fileBytes - (this.writtenSeq - seq) * JOURNAL_RECORD_SIZE;
    if (bytes < JOURNAL_HEADER_SIZE) throw new JournalIoError(this.path, `cannot cut back to sequence ${seq}: the file does not hold it`);
    try {
      fs.ftruncateSync(this.fd, bytes);
      fs.fdatasyncSync(this.fd);
    } catch (err) {
      throw new JournalIoError(this.path, `truncate to sequence ${seq} failed: ${(err as Error).message}`);
    }
    this.records -= this.writtenSeq - seq;
    this.fileBytes = bytes;
    this.writtenSeq = this.appendedSeq = seq;
    if (this.localDurableSeq > seq) this.localDurableSeq = seq;
    if (this.durableSeq > seq) this.durableSeq = seq;
    // A group commit in flight covered records that are gone: its result is not taken.
    this.truncations++;
  }

  /** Times `truncateTo` cut the file (a running fdatasync's result is ignored after one). */
  truncations = 0;

  private startSync(): void {
    this.syncing = true;
    const upTo = this.writtenSeq;
    const truncations = this.truncations;
    fs.fdatasync(this.fd, (err) => {
      this.syncing = false;
      if (this.closing) {
        fs.closeSync(this.fd);
        return;
      }
      if (truncations !== this.truncations) {
        if (this.writtenSeq > this.durableSeq) this.startSync();
        return;
      }
      if (err) {
        // Nothing is acknowledged on a failed sync; the next write tries again.
        this.syncErrors++;
        this.lastSyncError = err.message;
        setTimeout(() => {
          if (!this.syncing && !this.closing && this.writtenSeq > this.durableSeq) this.startSync();
        }, 100).unref();
        return;
      }
      this.syncs++;
      this.setDurable(upTo);
      if (this.writtenSeq > upTo) this.startSync();
    });
  }

  /** fdatasync failures (each leaves the acknowledgements waiting for the next). */
  syncErrors = 0;
  lastSyncError = '';

  private setDurable(seq: number): void {
    if (seq <= this.localDurableSeq) return;
    this.localDurableSeq = seq;
    this.advanceDurable();
  }

  private advanceDurable(): void {
    const seq = this.localDurableSeq < this.replicaSeq ? this.localDurableSeq : this.replicaSeq;
    if (seq <= this.durableSeq) return;
    this.durableSeq = seq;
    for (const l of this.durableListeners) l(seq);
  }

  /** Writes and syncs what is left (synchronously), then closes; everything written is durable. */
  close(): void {
    this.write();
    if (this.options.fsync) {
      try {
        fs.fdatasyncSync(this.fd);
      } catch (err) {
        throw new JournalIoError(this.path, `fdatasync failed: ${(err as Error).message}`);
      }
    }
    this.setDurable(this.writtenSeq);
    // A group commit still running holds the descriptor: it closes it when it finishes.
    if (this.syncing) this.closing = true;
    else fs.closeSync(this.fd);
  }
}

export interface JournalRecovery {
  /** Records read and handed to the handler. */
  records: number;
  /** Inbound sequence of the last good record (0 for an empty journal). */
  lastSeq: number;
  /** Bytes of the file that hold good records (header included): the append point. */
  validBytes: number;
  /** Bytes cut off the end because the last record was torn (0 if none). */
  truncatedBytes: number;
  /** Why the tail was cut, when it was. */
  tornDetail: string;
}

export interface JournalReadOptions {
  /** Truncate a torn tail in place (start-up does; a read-only replay does not). */
  repair: boolean;
  /** Records read per chunk (default 65,536). */
  chunkRecords?: number;
  /**
   * Resume a read where an earlier one stopped (its `validBytes`), for following a journal
   * that is still being written: records before it are skipped unread.
   */
  fromOffset?: number;
  /** With `fromOffset`: the inbound sequence of the record before it (the earlier `lastSeq`). */
  afterSeq?: number;
}

/**
 * Reads every record of a journal in order, handing each to `onCommand` in a reused
 * buffer. Detects a torn tail (truncating it when `repair`) and throws
 * JournalCorruptError, naming the offset, for a bad record that has data after it.
 */
export function readJournal(
  file: string,
  onCommand: (cmds: CommandBuffer, base: number) => void,
  options: JournalReadOptions = { repair: true },
): JournalRecovery {
  let fd: number;
  try {
    fd = fs.openSync(file, options.repair ? 'r+' : 'r');
  } catch (err) {
    throw new JournalIoError(file, `cannot open: ${(err as Error).message}`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return { records: 0, lastSeq: 0, validBytes: 0, truncatedBytes: 0, tornDetail: '' };
    const header = Buffer.alloc(JOURNAL_HEADER_SIZE);
    const got = fs.readSync(fd, header, 0, JOURNAL_HEADER_SIZE, 0);
    if (got < JOURNAL_HEADER_SIZE) {
      if (header.subarray(0, got).toString('latin1') !== MAGIC.slice(0, got)) {
        throw new JournalFormatError(file, 'the header is short and does not begin with TWJOURNL');
      }
      // A crash while writing the header of a new journal.
      if (options.repair) fs.ftruncateSync(fd, 0);
      return { records: 0, lastSeq: 0, validBytes: 0, truncatedBytes: got, tornDetail: 'torn header' };
    }
    if (header.toString('latin1', 0, 8) !== MAGIC) throw new JournalFormatError(file, 'bad magic (expected TWJOURNL)');
    const version = header.readUInt32LE(8);
    if (version !== VERSION) throw new JournalFormatError(file, `version ${version}, this build reads version ${VERSION}`);
    if (header.readUInt32LE(12) !== COMMAND_SIZE) throw new JournalFormatError(file, `record payload size ${header.readUInt32LE(12)}, expected ${COMMAND_SIZE}`);

    const chunkRecords = options.chunkRecords ?? 65536;
    const chunk = new Uint8Array(chunkRecords * JOURNAL_RECORD_SIZE);
    const chunk32 = new Int32Array(chunk.buffer);
    const cmds = new CommandBuffer(1);
    const c32 = cmds.i32;
    const from = options.fromOffset ?? JOURNAL_HEADER_SIZE;
    if (from < JOURNAL_HEADER_SIZE || (from - JOURNAL_HEADER_SIZE) % JOURNAL_RECORD_SIZE !== 0) {
      throw new JournalFormatError(file, `fromOffset ${from} is not a record boundary`);
    }
    let offset = from;
    let validEnd = from; // end of the last good record
    let records = 0;
    let lastSeq = options.afterSeq ?? 0;
    let tornDetail = '';
    outer: while (offset < size) {
      const want = Math.min(chunk.length, size - offset);
      let filled = 0;
      while (filled < want) {
        const n = fs.readSync(fd, chunk, filled, want - filled, offset + filled);
        if (n === 0) break;
        filled += n;
      }
      let at = 0;
      while (at < filled) {
        const recordOffset = offset + at;
        const left = size - recordOffset;
        if (filled - at < 8) {
          if (left < 8) {
            tornDetail = `torn record header at byte offset ${recordOffset} (${left} bytes)`;
            break outer;
          }
          break; // the record straddles the chunk: re-read from here
        }
        const length = chunk32[at >> 2];
        if (length !== COMMAND_SIZE) {
          if (left <= JOURNAL_RECORD_SIZE) {
            tornDetail = `torn record at byte offset ${recordOffset}: length field ${length >>> 0}`;
            break outer;
          }
          throw new JournalCorruptError(file, recordOffset, `record length ${length >>> 0}, expected ${COMMAND_SIZE}`);
        }
        if (filled - at < JOURNAL_RECORD_SIZE) {
          if (left < JOURNAL_RECORD_SIZE) {
            tornDetail = `torn record at byte offset ${recordOffset}: ${left} of ${JOURNAL_RECORD_SIZE} bytes`;
            break outer;
          }
          break;
        }
        const expected = chunk32[(at >> 2) + 1] >>> 0;
        const actual = crc32(chunk, at + 8, at + JOURNAL_RECORD_SIZE);
        if (expected !== actual) {
          if (left === JOURNAL_RECORD_SIZE) {
            tornDetail = `torn last record at byte offset ${recordOffset}: CRC mismatch`;
            break outer;
          }
          throw new JournalCorruptError(
            file,
            recordOffset,
            `CRC-32 mismatch (stored 0x${expected.toString(16)}, computed 0x${actual.toString(16)})`,
          );
        }
        for (let i = 0; i < COMMAND_SIZE >> 2; i++) c32[i] = chunk32[(at >> 2) + 2 + i];
        const seq = cmds.inboundSeq(0);
        if (seq !== lastSeq + 1 && !(records === 0 && lastSeq === 0 && seq >= 1 && Number.isInteger(seq))) {
          throw new JournalCorruptError(file, recordOffset, `inbound sequence ${seq} follows ${lastSeq}: sequence numbers must be contiguous`);
        }
        onCommand(cmds, 0);
        lastSeq = seq;
        records++;
        at += JOURNAL_RECORD_SIZE;
        validEnd = offset + at;
      }
      if (at === 0) throw new JournalCorruptError(file, offset, 'unreadable record');
      offset += at;
    }
    let truncatedBytes = 0;
    if (validEnd < size) {
      truncatedBytes = size - validEnd;
      if (options.repair) fs.ftruncateSync(fd, validEnd);
    }
    return { records, lastSeq, validBytes: validEnd, truncatedBytes, tornDetail };
  } finally {
    fs.closeSync(fd);
  }
}
