// The primary's side of the replicated journal: it listens for standbys, streams every
// journal write to them (the 56-byte records exactly as written, in 'B' frames carrying
// this leader's epoch), and moves the journal's commit gate to the highest
// sequence number a standby has acknowledged as durable. A standby that connects says the
// last sequence it holds; older records are read back from the journal file until it is
// level, then it follows live.
//
// With a standby attached, `JournalWriter.durableSeq` = min(local fdatasync, standby ack):
// everything acknowledged to a client is on two machines (RPO 0). No standby, no commit:
// acknowledgements wait (synchronous replication; there is no degraded mode yet).
//
// Sending is clocked by the acknowledgements. A write is sent at once when the standby has
// acknowledged everything sent before it (it is idle: its fdatasync can start on arrival).
// Otherwise the standby's group commit is in flight, and whatever arrives now waits for it
// to finish before the next one starts: the records are gathered in one frame and sent when
// the next acknowledgement comes (the moment that fdatasync is done), or once the frame holds
// HOLD_MAX_BYTES. The standby's next fdatasync starts one loopback trip later than it would
// have, and a burst costs one socket write and one read a group commit instead of one per
// journal write (about ten in the throughput slices of bench:replication).
//
// The sync standby (with `designate`, as every HA node runs): of several standbys, only one
// one's acknowledgements commit, and it is named in etcd first. A standby is named once it is
// level and has acknowledged everything committed so far; until the name is written, nothing
// more commits. Only the named node may campaign (leader-election.ts), so whoever takes over
// holds every committed record, however many standbys follow and whichever of them a cut link
// has dropped. The others follow as hot spares: when the named one goes, the next level spare
// that holds everything committed is named in its place. Without `designate` (tests, the
// bench), any standby's acknowledgement commits.
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { JournalReplicaLink, JournalWriter } from '../sim';
import { HaError, HaErrorCounts, haErrorName } from './errors';
import {
  BODY_HEADER_SIZE,
  encodeBatchHeaderInto,
  encodeFrame,
  encodeText,
  type Frame,
  FrameDecoder,
  FRAME_HEADER_SIZE,
  FrameKind,
  MAX_BATCH_RECORDS,
  RECORD_SIZE,
} from './replication-frame';

const JOURNAL_HEADER = 16;
/** Frame buffers kept for reuse; more are allocated while a slow standby holds them. */
const FRAME_POOL_MAX = 8;
/** A frame gathering writes for a busy standby is sent once its records pass this many bytes. */
const HOLD_MAX_BYTES = 256 * 1024;
/** A pooled frame buffer's least size: room for a held frame and one more 1,024-record write (bigger writes get a bigger buffer). */
const FRAME_POOL_MIN_BYTES = HOLD_MAX_BYTES + 64 * 1024;
const BATCH_RECORDS_AT = FRAME_HEADER_SIZE + BODY_HEADER_SIZE;

/**
 * A reused frame buffer. A live batch used to cost a fresh Buffer (a new ArrayBuffer past
 * Node's 4 KB pool, ~14 us for 14 KB with the copy, and GC work) per journal write; now it
 * is encoded into one of these, lent to each socket write and returned to the pool when the
 * last of them has completed (the kernel has the bytes, or the socket is gone).
 */
class PooledFrame {
  refs = 0;
  /** The encoded frame: `buf`'s first bytes. */
  bytes: Buffer;
  readonly release: () => void;

  constructor(
    readonly buf: Buffer,
    pool: PooledFrame[],
  ) {
    this.bytes = buf.subarray(0, 0);
    this.release = (): void => {
      if (--this.refs === 0 && pool.length < FRAME_POOL_MAX) pool.push(this);
    };
  }
}

export interface ReplicationServerOptions {
  journal: JournalWriter;
  /** This leader's epoch (its leader key's create revision). */
  epoch: number;
  host: string;
  /** 0: any free port. */
  port: number;
  /** Hears problems (refused frames, lost standbys), already counted. */
  onProblem?: (code: HaError, detail: string) => void;
  /**
   * Asked synchronously before each standby acknowledgement moves the commit gate: false
   * (the lease is no longer certainly held) fences this server instead. Default: always.
   */
  mayCommit?: () => boolean;
  /** A standby told us of a newer epoch: this node is no longer the leader. */
  onDeposed?: (newerEpoch: number) => void;
  /**
   * Names a standby the sync standby where candidates look (etcd), resolving true once
   * written while this node still leads. Given: only the named standby's acknowledgements
   * commit (see the top of the file). Omitted: any standby's do.
   */
  designate?: (standby: string) => Promise<boolean>;
}

interface Follower {
  socket: net.Socket;
  decoder: FrameDecoder;
  name: string;
  helloed: boolean;
  /** Sent or held for sending through this sequence number; live once it equals the journal's written one. */
  sentThrough: number;
  /** Written to the socket through this sequence number (the rest is in `held`). */
  wireThrough: number;
  acked: number;
  /** Records gathered while the standby's group commit is in flight (see the top of the file), from `heldFirst`. */
  held: PooledFrame | null;
  heldFirst: number;
  heldRecords: number;
  live: boolean;
  catchingUp: boolean;
  /** The commit point last told it ('C' frame). */
  toldCommit: number;
}

export interface ReplicationFigures {
  standbys: number;
  /** The standby whose acknowledgements commit ('' while none is named; null without `designate`). */
  syncStandby: string | null;
  /** Times a sync standby was named. */
  designations: number;
  /** The highest sequence number a standby acknowledged as durable. */
  ackedSeq: number;
  framesSent: number;
  recordsSent: number;
  catchUpRecords: number;
  fenced: boolean;
  /** Commit points told to standbys ('C' frames). */
  commitNotices: number;
  refused: Record<string, number>;
}

export class ReplicationServer implements JournalReplicaLink {
  readonly errors = new HaErrorCounts();
  private readonly server: net.Server;
  private readonly followers = new Set<Follower>();
  private readonly journal: JournalWriter;
  private ackedSeq = 0;
  /** With `designate`: the follower whose acks commit, and whether a naming is in flight. */
  private syncFollower: Follower | null = null;
  private designating = false;
  designations = 0;
  private fenced = false;
  private closed = false;
  framesSent = 0;
  recordsSent = 0;
  catchUpRecords = 0;
  /** The journal file's first inbound sequence number (read once, when a catch-up needs it). */
  private fileFirstSeq = 0;
  private readonly framePool: PooledFrame[] = [];

  constructor(private readonly options: ReplicationServerOptions) {
    this.journal = options.journal;
    this.server = net.createServer((socket) => this.accept(socket));
  }

  get epoch(): number {
    return this.options.epoch;
  }

  // ---- the commit point, told to every standby ('C' frames) -------------------------------
  // A standby's engine applies only committed records, so a hot spare that received records
  // the next primary never got can cut them off its journal and follow it (standby-replicator.ts).
  // Told at most once a millisecond: the engine's apply is off every acknowledgement path.

  private commitTimer: NodeJS.Timeout | null = null;
  /** 'C' frames sent. */
  commitNotices = 0;
  private readonly onCommitted = (): void => {
    if (this.commitTimer !== null || this.fenced || this.closed) return;
    this.commitTimer = setTimeout(this.tellCommits, 1);
  };
  private readonly tellCommits = (): void => {
    this.commitTimer = null;
    if (this.fenced || this.closed) return;
    for (const f of this.followers) this.tellCommit(f);
  };

  private tellCommit(f: Follower): void {
    const commit = this.journal.durableSeq;
    if (!f.helloed || commit <= f.toldCommit || f.socket.destroyed) return;
    f.toldCommit = commit;
    f.socket.write(encodeFrame(FrameKind.Commit, 0, this.options.epoch, commit));
    this.commitNotices++;
  }

  /** Listens, then attaches to the journal: from now on its acknowledgements wait for a standby. */
  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(new Error(`${haErrorName(HaError.Bind)}: cannot listen on ${this.options.host}:${this.options.port}: ${err.message}; change ha.replication.port`));
      this.server.once('error', onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', onError);
        this.server.on('error', (err) => this.problem(HaError.Bind, err.message));
        this.journal.attachReplica(this, 0);
        this.journal.onDurable(this.onCommitted);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  figures(): ReplicationFigures {
    return {
      standbys: [...this.followers].filter((f) => f.helloed).length,
      syncStandby: this.options.designate === undefined ? null : (this.syncFollower?.name ?? ''),
      designations: this.designations,
      ackedSeq: this.ackedSeq,
      framesSent: this.framesSent,
      recordsSent: this.recordsSent,
      catchUpRecords: this.catchUpRecords,
      fenced: this.fenced,
      commitNotices: this.commitNotices,
      refused: this.errors.toJSON(),
    };
  }

  /**
   * Stops acknowledging: standby acks no longer move the journal's commit gate, nothing more
   * is sent, standbys are let go. Called when the lease could not be renewed in time.
   */
  fence(): void {
    if (this.fenced) return;
    this.fenced = true;
    for (const f of this.followers) f.socket.destroy();
    this.followers.clear();
  }

  get isFenced(): boolean {
    return this.fenced;
  }

  close(): Promise<void> {
    this.closed = true;
    if (this.commitTimer !== null) clearTimeout(this.commitTimer);
    this.commitTimer = null;
    for (const f of this.followers) f.socket.destroy();
    this.followers.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  // ---- JournalReplicaLink ---------------------------------------------------------------

  written(records: Uint8Array, bytes: number, firstSeq: number, lastSeq: number): void {
    if (this.fenced || this.followers.size === 0) return;
    for (const f of this.followers) {
      if (!f.live || f.sentThrough !== firstSeq - 1) continue;
      this.hold(f, records, bytes, firstSeq);
      f.sentThrough = lastSeq;
      // Idle standby (everything on the wire acknowledged): send now. Else at its next ack.
      if (f.acked >= f.wireThrough || f.heldRecords * RECORD_SIZE >= HOLD_MAX_BYTES) this.sendHeld(f);
    }
  }

  /** Appends `bytes` of records to `f`'s held frame (a pooled buffer), starting one at `firstSeq` if none. */
  private hold(f: Follower, records: Uint8Array, bytes: number, firstSeq: number): void {
    const heldBytes = f.heldRecords * RECORD_SIZE;
    let frame = f.held;
    if (frame === null) {
      frame = this.takeFrame(BATCH_RECORDS_AT + bytes);
      f.held = frame;
      f.heldFirst = firstSeq;
    } else if (frame.buf.length < BATCH_RECORDS_AT + heldBytes + bytes) {
      const bigger = this.takeFrame(BATCH_RECORDS_AT + heldBytes + bytes);
      bigger.buf.set(frame.buf.subarray(BATCH_RECORDS_AT, BATCH_RECORDS_AT + heldBytes), BATCH_RECORDS_AT);
      frame.refs++;
      frame.release(); // never lent to a write: back to the pool
      f.held = frame = bigger;
    }
    frame.buf.set(records.subarray(0, bytes), BATCH_RECORDS_AT + heldBytes);
    f.heldRecords += bytes / RECORD_SIZE;
  }

  /** Writes `f`'s held records as one batch frame. */
  private sendHeld(f: Follower): void {
    const frame = f.held;
    if (frame === null) return;
    const count = f.heldRecords;
    f.held = null;
    f.heldRecords = 0;
    frame.bytes = frame.buf.subarray(0, encodeBatchHeaderInto(frame.buf, 0, count, this.options.epoch, f.heldFirst));
    frame.refs++;
    f.socket.write(frame.bytes, frame.release);
    f.wireThrough = f.heldFirst + count - 1;
    this.framesSent++;
    this.recordsSent += count;
  }

  /** A pooled frame buffer of at least `bytes`, not lent to any write. */
  private takeFrame(bytes: number): PooledFrame {
    const pooled = this.framePool.pop();
    if (pooled !== undefined && pooled.buf.length >= bytes) return pooled;
    // None free, or too small for this write (dropped: a bigger one replaces it).
    return new PooledFrame(Buffer.allocUnsafe(Math.max(bytes, FRAME_POOL_MIN_BYTES)), this.framePool);
  }

  // ---- connections ----------------------------------------------------------------------

  private accept(socket: net.Socket): void {
    if (this.fenced || this.closed) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const f: Follower = {
      socket,
      decoder: null as unknown as FrameDecoder,
      name: '',
      helloed: false,
      sentThrough: 0,
      wireThrough: 0,
      acked: 0,
      held: null,
      heldFirst: 0,
      heldRecords: 0,
      live: false,
      catchingUp: false,
      toldCommit: 0,
    };
    f.decoder = new FrameDecoder(
      (frame) => this.onFrame(f, frame),
      (code, detail) => this.refuse(f, code, `from ${socket.remoteAddress}:${socket.remotePort}: ${detail}`),
    );
    this.followers.add(f);
    socket.on('data', (chunk) => f.decoder.push(chunk));
    socket.on('error', () => undefined); // 'close' follows
    socket.on('close', () => {
      this.followers.delete(f);
      if (this.syncFollower !== f) return;
      // Nothing commits until another standby that holds everything committed is named.
      this.syncFollower = null;
      if (this.fenced || this.closed) return;
      this.problem(HaError.SyncStandbyLost, `sync standby ${f.name} is gone; nothing commits until another level standby is named`);
      for (const other of this.followers) this.maybeDesignate(other);
    });
  }

  /** With `designate`: names `f` the sync standby if none is, it is level and holds everything committed. */
  private maybeDesignate(f: Follower): void {
    const designate = this.options.designate;
    if (designate === undefined || this.syncFollower !== null || this.designating || this.fenced || this.closed) return;
    // Everything committed: what this primary acknowledged, and (just promoted) what it held durable before.
    if (!f.live || f.socket.destroyed || f.acked < this.ackedSeq || f.acked < this.journal.durableSeq) return;
    this.designating = true;
    designate(f.name).then(
      (ok) => {
        this.designating = false;
        if (ok && !f.socket.destroyed && !this.fenced && this.syncFollower === null) {
          this.syncFollower = f;
          this.designations++;
          this.commitTo(f.acked);
          return;
        }
        // Not written (etcd, or no longer leader), or that standby left meanwhile: the next ack tries again.
        if (!ok) this.problem(HaError.Etcd, `standby ${f.name} could not be named the sync standby`);
      },
      (err: Error) => {
        this.designating = false;
        this.problem(HaError.Etcd, `naming standby ${f.name} the sync standby: ${err.message}`);
      },
    );
  }

  /** Moves the journal's commit gate to `acked` (a sync standby's acknowledgement), if it is ahead. */
  private commitTo(acked: number): void {
    if (this.fenced || acked <= this.ackedSeq) return;
    if (this.options.mayCommit !== undefined && !this.options.mayCommit()) {
      this.fence();
      return;
    }
    this.ackedSeq = acked;
    this.journal.replicaAcked(acked);
  }

  private onFrame(f: Follower, frame: Frame): void {
    const epoch = this.options.epoch;
    switch (frame.kind) {
      case FrameKind.Hello: {
        if (f.helloed) return this.refuse(f, HaError.BadFrame, 'a second hello on one connection');
        f.name = Buffer.from(frame.payload).toString('utf8');
        if (frame.epoch > epoch) {
          this.refuse(f, HaError.StaleEpoch, `standby ${f.name} has seen epoch ${frame.epoch}, this primary's is ${epoch}: this primary is deposed`);
          this.options.onDeposed?.(frame.epoch);
          return;
        }
        const written = this.journal.writtenThrough;
        if (frame.seq > written) {
          return this.refuse(f, HaError.Ahead, `standby ${f.name} holds through sequence ${frame.seq}, this primary only through ${written}`);
        }
        if (frame.seq > 0 && this.recordCrc(frame.seq) !== frame.count) {
          return this.refuse(f, HaError.Diverged, `standby ${f.name}'s record ${frame.seq} has CRC-32 0x${frame.count.toString(16)}, this primary's 0x${this.recordCrc(frame.seq).toString(16)}`);
        }
        f.helloed = true;
        f.sentThrough = f.wireThrough = frame.seq;
        f.acked = frame.seq;
        this.tellCommit(f); // what it may apply of what it holds and of the catch-up
        this.catchUp(f);
        return;
      }
      case FrameKind.Ack: {
        if (!f.helloed) return this.refuse(f, HaError.BadFrame, 'an ack before the hello');
        if (frame.epoch !== epoch) return this.refuse(f, HaError.StaleEpoch, `ack for epoch ${frame.epoch}, this primary's is ${epoch}`);
        if (frame.seq > f.wireThrough) {
          this.problem(HaError.BadAck, `standby ${f.name} acknowledged ${frame.seq}, only ${f.wireThrough} was sent`);
          return;
        }
        if (frame.seq > f.acked) f.acked = frame.seq;
        // The standby's group commit is done: what was gathered meanwhile goes now.
        if (f.held !== null && !this.fenced) this.sendHeld(f);
        if (this.options.designate === undefined || this.syncFollower === f) this.commitTo(f.acked);
        else if (this.syncFollower === null) this.maybeDesignate(f);
        return;
      }
      case FrameKind.Refuse: {
        const text = Buffer.from(frame.payload).toString('utf8');
        this.problem(HaError.Refused, `standby ${f.name} refused us: ${text}`);
        if (frame.count === HaError.StaleEpoch && frame.epoch > epoch) this.options.onDeposed?.(frame.epoch);
        f.socket.destroy();
        return;
      }
      default:
        return this.refuse(f, HaError.BadFrame, `kind 0x${frame.kind.toString(16)} is not one a standby sends`);
    }
  }

  /**
   * Sends records `sentThrough + 1`..the journal's written one from the journal file, a
   * frame at a time and waiting for the socket to drain, then follows live.
   */
  private catchUp(f: Follower): void {
    if (f.catchingUp) return;
    f.catchingUp = true;
    const step = (): void => {
      let fd = -1;
      try {
        while (!f.socket.destroyed && !this.fenced) {
          const target = this.journal.writtenThrough;
          if (f.sentThrough >= target) {
            f.socket.write(encodeFrame(FrameKind.Level, 0, this.options.epoch, f.sentThrough));
            f.live = true;
            f.catchingUp = false;
            return;
          }
          if (fd < 0) fd = fs.openSync(this.journal.path, 'r');
          const first = f.sentThrough + 1;
          const count = Math.min(MAX_BATCH_RECORDS, target - f.sentThrough);
          const records = Buffer.allocUnsafe(count * RECORD_SIZE);
          const offset = JOURNAL_HEADER + (first - this.firstSeqOf(fd)) * RECORD_SIZE;
          let got = 0;
          while (got < records.length) {
            const n = fs.readSync(fd, records, got, records.length - got, offset + got);
            if (n === 0) throw new Error(`the journal ends at byte ${offset + got}, before sequence ${first + Math.floor(got / RECORD_SIZE)}`);
            got += n;
          }
          const out = encodeFrame(FrameKind.Batch, count, this.options.epoch, first, records);
          f.sentThrough += count;
          f.wireThrough = f.sentThrough;
          this.framesSent++;
          this.recordsSent += count;
          this.catchUpRecords += count;
          if (!f.socket.write(out)) {
            f.socket.once('drain', step);
            return;
          }
        }
        f.catchingUp = false;
      } catch (err) {
        this.problem(HaError.Io, `catching up standby ${f.name} from ${this.journal.path}: ${(err as Error).message}`);
        f.socket.destroy();
        f.catchingUp = false;
      } finally {
        if (fd >= 0) fs.closeSync(fd);
      }
    };
    step();
  }

  /** The stored CRC-32 of this journal's record `seq` (-1 when it cannot be read). */
  private recordCrc(seq: number): number {
    let fd = -1;
    try {
      fd = fs.openSync(this.journal.path, 'r');
      const b = Buffer.alloc(4);
      fs.readSync(fd, b, 0, 4, JOURNAL_HEADER + (seq - this.firstSeqOf(fd)) * RECORD_SIZE + 4);
      return b.readUInt32LE(0);
    } catch {
      return -1;
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
  }

  private firstSeqOf(fd: number): number {
    if (this.fileFirstSeq > 0) return this.fileFirstSeq;
    const b = Buffer.alloc(8);
    fs.readSync(fd, b, 0, 8, JOURNAL_HEADER + 8 + 16);
    this.fileFirstSeq = b.readDoubleLE(0);
    return this.fileFirstSeq;
  }

  private refuse(f: Follower, code: HaError, detail: string): void {
    this.problem(code, detail);
    if (!f.socket.destroyed) f.socket.end(encodeText(FrameKind.Refuse, code, this.options.epoch, this.journal.writtenThrough, `${haErrorName(code)}: ${detail}`));
    setTimeout(() => f.socket.destroy(), 1000).unref();
  }

  private problem(code: HaError, detail: string): void {
    this.errors.count(code, detail);
    this.options.onProblem?.(code, detail);
  }
}
