// The OUCH sessions' message stores: one append-only file per account per day holding every
// Sequenced Data frame the account's session sent, so a client logging in again at sequence
// number N gets everything from N. A record is a 10-byte key (u64 inbound sequence number of
// the command the message came from, u16 its index among that command's messages), then the
// SoupBinTCP frame as it goes on the wire (u16 length, 'S', the OUCH message). The key makes
// the journal's replay after a restart idempotent: messages already stored are not stored
// again. A torn last record (a crash mid-write) is cut off when the file is opened.
//
// Writes go through one GroupCommitter per server: what the sessions append during a turn
// of the event loop is written at once, one fdatasync is in flight at a time, and when it
// returns the frames it covered are sent (a client never sees a message a crash could lose).
//
// Send gate: when the stream hears reports as soon as their command is written to the
// journal (before the journal's fdatasync returns: LiveSim.onReportsWritten), the stores'
// group commit follows the journal's (a committer in `follow` mode, kicked when the journal's
// commit moves) or runs beside it, and a message is released to the client only when it is
// durable here and its command is durable in the journal (`gateSeq`). Messages are released
// in order. A crash of the machine can then leave records here whose command the journal
// lost (never sent): `cutAfter` drops them when the journal's recovered sequence is known.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readU16, readU32, writeU16, writeU32 } from '../protocol';

/** Bytes before each stored frame: u64 command sequence number, u16 index. */
export const OUCH_RECORD_KEY = 10;
/** A message buffer up to this long is copied whole (see `append`). */
const WHOLE_COPY_MAX = 128;

/** What the committer writes and syncs. */
export interface CommitTarget {
  readonly fd: number;
  /** The bytes appended since the last call (a view valid until the next append), or null. */
  takeBatch(): Uint8Array | null;
  /** Everything taken before the sync began is durable (or written, with fsync off). */
  onDurable(): void;
  /** The write or the sync failed. */
  onCommitError(error: Error): void;
}

/**
 * Group commit over any number of append-only files (sim/'s journal does the same for
 * commands): a batch per event-loop turn, one sync in flight, the next batch written while
 * it runs and synced after it.
 */
export class GroupCommitter {
  private readonly dirty = new Set<CommitTarget>();
  private scheduled = false;
  private syncing = false;
  /** A `kick()` came while a sync was in flight: flush when it returns. */
  private kicked = false;
  commits = 0;
  syncs = 0;

  /**
   * `follow`: commit only when `kick()`ed (the OUCH server kicks when the journal's commit
   * moves, so the stores sync after the journal, one group each) or for a `mark(t, true)`;
   * otherwise a mark commits on the next turn of the loop and syncs follow one another.
   */
  constructor(
    private readonly fsync: boolean,
    private readonly follow = false,
  ) {}

  /** The target has bytes to commit; `soon`: commit them without waiting for a kick. */
  mark(target: CommitTarget, soon = false): void {
    this.dirty.add(target);
    if (this.follow && !soon) return;
    if (this.syncing) {
      this.kicked = true;
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Commits what is marked now, or as soon as the sync in flight returns. */
  kick(): void {
    if (this.syncing) this.kicked = true;
    else if (this.dirty.size > 0) this.flush();
  }

  /**
   * Writes and starts syncing what is marked now, unless a sync is in flight (then it goes
   * after it, as ever): for a caller that knows the turn's appends are done (the OUCH server
   * after a batch of the core's reports), so the batch does not wait a turn of the loop.
   */
  flushNow(): void {
    if (this.syncing || this.dirty.size === 0) return;
    this.flush();
  }

  /** True while nothing waits to be written or synced. */
  get idle(): boolean {
    return this.dirty.size === 0 && !this.syncing && !this.scheduled;
  }

  private flush(): void {
    this.scheduled = false;
    if (this.dirty.size === 0) return;
    const batch = [...this.dirty];
    this.dirty.clear();
    const written: CommitTarget[] = [];
    for (const t of batch) {
      const bytes = t.takeBatch();
      if (bytes === null) continue;
      try {
        let done = 0;
        while (done < bytes.length) done += fs.writeSync(t.fd, bytes, done, bytes.length - done);
        written.push(t);
      } catch (error) {
        t.onCommitError(error as Error);
      }
    }
    this.commits++;
    if (!this.fsync || written.length === 0) {
      for (const t of written) t.onDurable();
      return;
    }
    this.syncing = true;
    let left = written.length;
    for (const t of written) {
      fs.fdatasync(t.fd, (error) => {
        if (error) t.onCommitError(error);
        else t.onDurable();
        if (--left > 0) return;
        this.syncing = false;
        this.syncs++;
        const again = !this.follow || this.kicked;
        this.kicked = false;
        if (again && this.dirty.size > 0 && !this.scheduled) {
          this.scheduled = true;
          setImmediate(() => this.flush());
        }
      });
    }
  }
}

/** A growable byte buffer that keeps its bytes when it grows. */
class Bytes {
  buf = Buffer.allocUnsafe(4096);
  used = 0;

  reserve(n: number): void {
    if (this.used + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.used + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.used);
    this.buf = next;
  }
}

/** What a stored message was keyed with: the command's inbound sequence number and the message's index. */
export interface StoreKey {
  seq: number;
  sub: number;
}

/** One account's message store for the day. Messages are numbered from 1. */
export class OuchMessageStore implements CommitTarget {
  readonly fd: number;
  /** Messages stored (written or waiting to be). */
  count = 0;
  /** Messages durable (synced). */
  durableCount = 0;
  /** Messages released to the sender (durable here and, behind the gate, in the journal). */
  releasedCount = 0;
  /** The key of the last record in the file when it was opened (replay skips up to it). */
  readonly openedKey: StoreKey;
  /** The key of the last record appended. */
  readonly lastKey: StoreKey;
  /** Stored messages found when the file was opened (their OUCH payloads), for the caller to learn from. */
  readonly recovered: Buffer[] = [];
  /** File offset of each message's record, by message number - 1. */
  private offsets = new Float64Array(1024);
  /** The command sequence number of each message's key, by message number - 1. */
  private seqs = new Float64Array(1024);
  private fileBytes = 0;
  private readonly pending = new Bytes();
  /** Wire frames of the messages not yet released (releasedCount + 1 .. count), in order. */
  private readonly frames = new Bytes();
  /** A batch is being written and synced, and how many messages it holds. */
  private inflight = false;
  private inflightCount = 0;
  private closed = false;
  /** Messages up to a command sequence number above this wait (the journal's durable sequence). */
  private readonly gateSeq: () => number;

  constructor(
    readonly file: string,
    private readonly committer: GroupCommitter,
    /** Called with the wire frames of messages released (durable, and behind the gate), in order. */
    private readonly onFrames: (frames: Buffer, firstNumber: number, count: number) => void,
    private readonly onError: (error: Error) => void,
    /** The send gate (default: none); call `release()` when it moves. */
    gateSeq?: () => number,
  ) {
    this.gateSeq = gateSeq ?? (() => Number.MAX_SAFE_INTEGER);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'a+');
    const data = fs.readFileSync(file);
    let o = 0;
    const key = { seq: 0, sub: 0 };
    while (o + OUCH_RECORD_KEY + 3 <= data.length) {
      const frameLength = readU16(data, o + OUCH_RECORD_KEY);
      const end = o + OUCH_RECORD_KEY + 2 + frameLength;
      if (frameLength < 2 || end > data.length) break;
      key.seq = readU32(data, o) * 4294967296 + readU32(data, o + 4);
      key.sub = readU16(data, o + 8);
      this.pushOffset(o, key.seq);
      this.recovered.push(data.subarray(o + OUCH_RECORD_KEY + 3, end));
      o = end;
    }
    if (o < data.length) fs.ftruncateSync(this.fd, o); // a torn last record
    this.fileBytes = o;
    this.durableCount = this.count;
    this.releasedCount = this.count;
    this.openedKey = { ...key };
    this.lastKey = key;
  }

  /**
   * Appends one message (as a Sequenced Data frame) under `key`; returns its message number.
   * `soon`: a message of the gateway's own (no command to wait for), committed without a kick.
   */
  append(seq: number, sub: number, message: Uint8Array, length: number, soon = false): number {
    if (this.closed) return 0;
    // One native copy per buffer and no view object: the whole of a small message buffer (a
    // stream's scratch, at most OUCH_MAX_MESSAGE bytes; what lies past `length` is overwritten
    // by the next record), else a view of its part. A byte loop cost 3-10x as much.
    const src = message.length <= WHOLE_COPY_MAX ? message : message.subarray(0, length);
    const p = this.pending;
    p.reserve(OUCH_RECORD_KEY + 3 + src.length);
    const b = p.buf;
    const o = p.used;
    writeU32(b, o, Math.floor(seq / 4294967296));
    writeU32(b, o + 4, seq >>> 0);
    writeU16(b, o + 8, sub);
    writeU16(b, o + 10, length + 1);
    b[o + 12] = 0x53; // 'S' Sequenced Data
    b.set(src, o + 13);
    p.used = o + OUCH_RECORD_KEY + 3 + length;
    const f = this.frames;
    f.reserve(3 + src.length);
    const fb = f.buf;
    const at = f.used;
    fb[at] = b[o + 10];
    fb[at + 1] = b[o + 11];
    fb[at + 2] = 0x53;
    fb.set(src, at + 3);
    f.used = at + 3 + length;
    this.pushOffset(this.fileBytes + o, seq);
    this.lastKey.seq = seq;
    this.lastKey.sub = sub;
    this.committer.mark(this, soon);
    return this.count;
  }

  takeBatch(): Uint8Array | null {
    const p = this.pending;
    if (p.used === 0 || this.inflight) {
      // One batch in flight per store: the next waits for it (the committer marks us again).
      if (p.used !== 0) setImmediate(() => this.committer.mark(this));
      return null;
    }
    const bytes = p.buf.subarray(0, p.used);
    this.fileBytes += p.used;
    p.used = 0;
    this.inflight = true;
    this.inflightCount = this.count - this.durableCount;
    return bytes;
  }

  onDurable(): void {
    if (!this.inflight) return;
    this.inflight = false;
    this.durableCount += this.inflightCount;
    this.release();
  }

  onCommitError(error: Error): void {
    this.inflight = false;
    this.onError(error);
  }

  /** True when durable messages wait for the gate. */
  get held(): boolean {
    return this.durableCount > this.releasedCount;
  }

  /** Releases, in order, the durable messages whose command the gate passes. */
  release(): void {
    const gate = this.gateSeq();
    const from = this.releasedCount;
    let to = from;
    while (to < this.durableCount && this.seqs[to] <= gate) to++;
    if (to === from) return;
    const f = this.frames;
    const fb = f.buf;
    let bytes = 0;
    for (let k = from; k < to; k++) bytes += 2 + readU16(fb, bytes);
    // A copy: the socket keeps it while `frames` is reused.
    const out = Buffer.allocUnsafe(bytes);
    fb.copy(out, 0, 0, bytes);
    if (bytes < f.used) fb.copyWithin(0, bytes, f.used);
    f.used -= bytes;
    this.releasedCount = to;
    this.onFrames(out, from + 1, to - from);
  }

  /**
   * Drops the records of commands after `seq` (the journal's recovered sequence): messages
   * made from reports the journal lost in a crash of the machine, never released. Call
   * before anything is appended after opening. Returns how many were dropped.
   */
  cutAfter(seq: number): number {
    let keep = this.count;
    while (keep > 0 && this.seqs[keep - 1] > seq) keep--;
    const dropped = this.count - keep;
    if (dropped === 0 || this.pending.used !== 0 || this.inflight || this.durableCount !== this.count) return 0;
    const end = this.offsetOf(keep + 1);
    fs.ftruncateSync(this.fd, end);
    this.fileBytes = end;
    this.count = keep;
    this.durableCount = keep;
    this.releasedCount = keep;
    this.frames.used = 0;
    this.recovered.length = Math.min(this.recovered.length, keep);
    const key = { seq: 0, sub: 0 };
    if (keep > 0) {
      const head = Buffer.allocUnsafe(OUCH_RECORD_KEY);
      fs.readSync(this.fd, head, 0, OUCH_RECORD_KEY, this.offsetOf(keep));
      key.seq = readU32(head, 0) * 4294967296 + readU32(head, 4);
      key.sub = readU16(head, 8);
    }
    this.openedKey.seq = key.seq;
    this.openedKey.sub = key.sub;
    this.lastKey.seq = key.seq;
    this.lastKey.sub = key.sub;
    return dropped;
  }

  /**
   * The wire frames of released messages from number `from` (1-based) to the last released one,
   * read back from the file. An empty buffer when there are none.
   */
  readFrames(from: number): Buffer {
    if (from > this.releasedCount) return Buffer.alloc(0);
    const start = this.offsetOf(from);
    const end = this.releasedCount === this.count ? this.fileBytes : this.offsetOf(this.releasedCount + 1);
    const size = end - start;
    const raw = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = fs.readSync(this.fd, raw, got, size - got, start + got);
      if (n === 0) throw new Error(`${this.file} ends at ${start + got}, before ${end}`);
      got += n;
    }
    // Strip each record's key.
    const out = Buffer.allocUnsafe(size);
    let i = 0;
    let o = 0;
    while (i < size) {
      const total = 2 + readU16(raw, i + OUCH_RECORD_KEY);
      raw.copy(out, o, i + OUCH_RECORD_KEY, i + OUCH_RECORD_KEY + total);
      o += total;
      i += OUCH_RECORD_KEY + total;
    }
    return out.subarray(0, o);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      fs.closeSync(this.fd);
    } catch {
      // already gone
    }
  }

  private offsetOf(number: number): number {
    return this.offsets[number - 1];
  }

  private pushOffset(offset: number, seq: number): void {
    if (this.count === this.offsets.length) {
      const next = new Float64Array(this.offsets.length * 2);
      next.set(this.offsets);
      this.offsets = next;
      const seqs = new Float64Array(this.seqs.length * 2);
      seqs.set(this.seqs);
      this.seqs = seqs;
    }
    this.seqs[this.count] = seq;
    this.offsets[this.count++] = offset;
  }
}
