// The standby's side of the replicated journal: it connects to the primary, says the last
// sequence number it holds (and that record's CRC-32), then appends every batch the primary
// streams to its own journal file byte for byte, fdatasyncs (the journal's group commit)
// and acknowledges the last durable sequence number. Batches from an older epoch than it
// has seen are refused (a deposed primary), as are gaps and damaged records; every refusal
// has a TW_ERR_HA_ code and a count. It reconnects until stopped, asking again from what
// it holds, so a restarted standby or a dropped link catches up by itself.
//
// The engine runs off the acknowledgement path. An ack means "durable here" (the journal's
// fdatasync), not "applied": the records written go to a backlog that `onBatch` is handed a
// chunk at a time, one chunk a turn of the event loop, so socket reads, journal writes and
// the fdatasync completions that send acks come between chunks instead of waiting behind a
// whole read's engine work. The backlog is bounded (APPLY_LAG_MAX_RECORDS): past it, the
// engine catches up at once, so a standby whose engine is slower than the primary slows the
// acks rather than falling behind without end. `stop()` applies what is left before
// returning (promotion continues from an engine that holds every record).
//
// Hot spares: the engine applies records only through the commit point the primary tells
// ('C' frames: on the sync standby too, so on whichever node leads next). A spare that holds
// records the next primary never got (it is refused: TW_ERR_HA_AHEAD, or _DIVERGED where the
// new primary wrote its own) cuts them off its journal, down to the last commit point it
// heard, and follows the new primary from there, without a rebuild: nothing it cut was
// applied. Only what its engine applied without knowing it committed (the journal recovered
// at start, or a backlog past its bound) cannot be cut; such a spare is refused as before.
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { JournalWriter } from '../sim';
import { HaError, HaErrorCounts, haErrorName } from './errors';
import { checkRecords, encodeFrame, encodeText, type Frame, FrameDecoder, FrameKind, RECORD_SIZE } from './replication-frame';

/** A staged run of batches is written once it would pass this (a catch-up frame alone may be larger). */
const STAGE_MAX_BYTES = 1 << 20;
/** Records written but not yet applied at most (3.7 MB; at 400 ns a record, 26 ms of engine work). */
const APPLY_LAG_MAX_RECORDS = 65536;
/** Records applied per turn of the event loop while a backlog drains (about 0.2 ms of engine work). */
const APPLY_CHUNK_RECORDS = 512;

export interface StandbyReplicatorOptions {
  /** This node's journal, opened for append at its recovered end, with no replica attached. */
  journal: JournalWriter;
  nodeName: string;
  /** The highest leader epoch known at start (from etcd, say); batches older than it are refused. */
  epoch?: number;
  /**
   * The records written, in order, off the acknowledgement path (see the top of the file): a
   * view valid during the call. The standby's engine applies them.
   */
  onBatch?: (records: Uint8Array, count: number, firstSeq: number) => void;
  /** Hears problems, already counted. */
  onProblem?: (code: HaError, detail: string) => void;
  /** Wait before reconnecting, in ms (default 100). */
  reconnectMs?: number;
}

export interface StandbyFigures {
  connected: boolean;
  inSync: boolean;
  epoch: number;
  /** The last sequence number written here / durable here. */
  writtenSeq: number;
  durableSeq: number;
  batches: number;
  records: number;
  /** Journal writes of replicated records (a read's batches are written together). */
  writes: number;
  /** The last sequence number handed to the engine (`onBatch`), and how many written records it has not had yet. */
  appliedSeq: number;
  applyBacklog: number;
  /** The primary's commit point as last told: the engine applies through it. */
  commitSeq: number;
  /** Times uncommitted records were cut off this journal to follow a new primary. */
  cutBacks: number;
  acksSent: number;
  connects: number;
  refused: Record<string, number>;
}

export class StandbyReplicator {
  readonly errors = new HaErrorCounts();
  private readonly journal: JournalWriter;
  private socket: net.Socket | null = null;
  private helloSent = false;
  private target: { host: string; port: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /**
   * Level with a primary at least once since start: with one standby, nothing commits
   * without this node's acknowledgement, so from then on it holds every committed batch.
   */
  inSync = false;
  /** The highest leader epoch seen. */
  epoch: number;
  batches = 0;
  records = 0;
  acksSent = 0;
  connects = 0;
  /** Journal writes (appendRecords): fewer than batches when a read brought several. */
  writes = 0;
  /**
   * Batches accepted from the current read, not yet written: a standby that is behind reads
   * 64 KB at a time, 4-5 batches of 256 records, and one write for all of them costs a
   * quarter of the syscalls. The first is kept as the view the decoder gave (valid until
   * `onParsed`); once a second comes, both are copied into `stage`. Written, applied and
   * emptied at the end of every read, before anything else can run: outside `push`, nothing
   * is staged.
   */
  private stageView: Uint8Array | null = null;
  private stage: Buffer = Buffer.alloc(0);
  private stagedBytes = 0;
  private stagedCount = 0;
  private stagedBatches = 0;
  private stagedFirst = 0;
  private stagedLast = 0;
  private stagedSocket: net.Socket | null = null;
  /** Written records waiting for `onBatch`: bytes [applyStart, applyEnd) of `applyBuf`, the first one `applyFirstSeq`. */
  private applyBuf: Buffer = Buffer.alloc(0);
  private applyStart = 0;
  private applyEnd = 0;
  private applyFirstSeq = 0;
  private applyScheduled = false;
  /** The last sequence number handed to `onBatch`. */
  appliedSeq = 0;
  /** The highest commit point a primary has told ('C'): records through it are on the sync standby too. */
  commitSeq = 0;
  /** Records through this one were applied without being known committed (recovered at start, or forced): never cut. */
  private cutFloor: number;
  /** Times this spare cut uncommitted records off its journal to follow a new primary. */
  cutBacks = 0;
  private readonly applyStep = (): void => {
    this.applyScheduled = false;
    this.applyBacklog(APPLY_CHUNK_RECORDS);
    // More committed records to apply: next turn (the rest waits for a commit point).
    if (this.applyEnd > this.applyStart && this.commitSeq >= this.applyFirstSeq) this.scheduleApply();
  };

  constructor(private readonly options: StandbyReplicatorOptions) {
    this.journal = options.journal;
    this.epoch = options.epoch ?? 0;
    this.cutFloor = this.appliedSeq = options.journal.writtenThrough;
    this.journal.onDurable((seq) => this.ack(seq));
  }

  /** Follows the primary at host:port (replacing any other), reconnecting until `stop()`. */
  follow(host: string, port: number, epoch = 0): void {
    if (epoch > this.epoch) this.epoch = epoch;
    this.target = { host, port };
    this.stopped = false;
    this.socket?.destroy();
    this.connect();
  }

  /** Learns of a newer leader epoch (from etcd): batches older than it are refused from now on. */
  observeEpoch(epoch: number): void {
    if (epoch > this.epoch) this.epoch = epoch;
  }

  /** Disconnects and stops reconnecting (promotion, or shutdown); the engine has every written record on return. */
  stop(): void {
    this.applyBacklog(Infinity, true);
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.destroy();
    this.socket = null;
  }

  get connected(): boolean {
    return this.socket !== null && this.helloSent && !this.socket.destroyed;
  }

  figures(): StandbyFigures {
    return {
      connected: this.connected,
      inSync: this.inSync,
      epoch: this.epoch,
      writtenSeq: this.journal.writtenThrough,
      durableSeq: this.journal.durableSeq,
      batches: this.batches,
      records: this.records,
      writes: this.writes,
      appliedSeq: this.appliedSeq,
      applyBacklog: (this.applyEnd - this.applyStart) / RECORD_SIZE,
      commitSeq: this.commitSeq,
      cutBacks: this.cutBacks,
      acksSent: this.acksSent,
      connects: this.connects,
      refused: this.errors.toJSON(),
    };
  }

  private connect(): void {
    const target = this.target;
    if (target === null || this.stopped) return;
    const socket = net.connect(target.port, target.host);
    this.socket = socket;
    this.helloSent = false;
    socket.setNoDelay(true);
    const decoder = new FrameDecoder(
      (frame) => this.onFrame(socket, frame),
      (code, detail) => this.refuse(socket, code, `from the primary ${target.host}:${target.port}: ${detail}`),
      () => this.flush(),
    );
    socket.on('connect', () => {
      this.connects++;
      const last = this.journal.writtenThrough;
      socket.write(encodeFrame(FrameKind.Hello, last > 0 ? this.lastRecordCrc() : 0, this.epoch, last, Buffer.from(this.options.nodeName.slice(0, 64), 'utf8')));
      this.helloSent = true;
    });
    socket.on('data', (chunk) => decoder.push(chunk));
    socket.on('error', () => undefined); // 'close' follows
    socket.on('close', () => {
      if (this.socket === socket) this.socket = null;
      if (this.stopped || this.timer !== null) return;
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.socket === null) this.connect();
      }, this.options.reconnectMs ?? 100);
      this.timer.unref();
    });
  }

  private onFrame(socket: net.Socket, frame: Frame): void {
    // After a refusal (end() sent) the rest of the read is not looked at.
    if (socket !== this.socket || socket.writableEnded || socket.destroyed) return;
    if (frame.kind !== FrameKind.Batch) this.flush(); // what follows reads the journal's state
    switch (frame.kind) {
      case FrameKind.Batch:
        return this.onBatch(socket, frame);
      case FrameKind.Level:
        if (frame.epoch >= this.epoch && this.journal.writtenThrough >= frame.seq) this.inSync = true;
        return;
      case FrameKind.Commit:
        if (frame.epoch < this.epoch) return this.refuse(socket, HaError.StaleEpoch, `a commit point from epoch ${frame.epoch}, the leader's is ${this.epoch}`);
        if (frame.seq > this.commitSeq) {
          this.commitSeq = frame.seq;
          if (this.applyEnd > this.applyStart && this.commitSeq >= this.applyFirstSeq) this.scheduleApply();
        }
        return;
      case FrameKind.Refuse: {
        this.problem(HaError.Refused, `the primary refused us: ${Buffer.from(frame.payload).toString('utf8')}`);
        socket.destroy();
        if (frame.count === HaError.Ahead || frame.count === HaError.Diverged) this.cutBack(frame.seq);
        return;
      }
      default:
        return this.refuse(socket, HaError.BadFrame, `kind 0x${frame.kind.toString(16)} is not one a primary sends`);
    }
  }

  private onBatch(socket: net.Socket, frame: Frame): void {
    if (frame.epoch < this.epoch) {
      return this.refuse(socket, HaError.StaleEpoch, `a batch from epoch ${frame.epoch}, the leader's is ${this.epoch}`);
    }
    this.epoch = frame.epoch;
    const held = this.stagedCount > 0 ? this.stagedLast : this.journal.writtenThrough;
    const first = frame.seq;
    const last = first + frame.count - 1;
    if (first > held + 1) return this.refuse(socket, HaError.SeqGap, `a batch from sequence ${first}, this standby holds through ${held}`);
    if (last <= held) {
      this.ack(this.journal.durableSeq); // a repeat of what is held
      return;
    }
    const skip = held + 1 - first; // records already held (an overlap after a reconnect)
    const count = frame.count - skip;
    const records = frame.payload.subarray(skip * RECORD_SIZE);
    const bad = checkRecords(records, count, held + 1);
    if (bad !== '') return this.refuse(socket, HaError.BadRecord, bad);
    this.stageBatch(socket, records, count, held + 1, last);
  }

  /** Adds checked records to the read's staged run (see `stageView`). */
  private stageBatch(socket: net.Socket, records: Uint8Array, count: number, first: number, last: number): void {
    const bytes = count * RECORD_SIZE;
    if (this.stagedCount > 0 && this.stagedBytes + bytes > STAGE_MAX_BYTES) this.flush();
    if (this.stagedCount === 0) {
      this.stageView = records;
      this.stagedFirst = first;
      this.stagedSocket = socket;
    } else {
      if (this.stageView !== null) {
        this.ensureStage(Math.max(this.stagedBytes + bytes, STAGE_MAX_BYTES));
        this.stage.set(this.stageView.subarray(0, this.stagedBytes), 0);
        this.stageView = null;
      }
      this.ensureStage(this.stagedBytes + bytes);
      this.stage.set(records.subarray(0, bytes), this.stagedBytes);
    }
    this.stagedBytes += bytes;
    this.stagedCount += count;
    this.stagedBatches++;
    this.stagedLast = last;
  }

  private ensureStage(bytes: number): void {
    if (this.stage.length >= bytes) return;
    const bigger = Buffer.allocUnsafe(Math.max(bytes, this.stage.length * 2));
    bigger.set(this.stage.subarray(0, this.stagedBytes), 0);
    this.stage = bigger;
  }

  /** Writes the staged run to the journal (one write), then hands it to the engine; empties the stage. */
  private flush(): void {
    if (this.stagedCount === 0) return;
    const records = this.stageView ?? this.stage.subarray(0, this.stagedBytes);
    const { stagedCount: count, stagedFirst: first, stagedLast: last, stagedBatches: batches, stagedSocket: socket } = this;
    this.stageView = null;
    this.stagedBytes = this.stagedCount = this.stagedBatches = 0;
    this.stagedSocket = null;
    try {
      this.journal.appendRecords(records, 0, count, last);
    } catch (err) {
      this.problem(HaError.Io, (err as Error).message);
      socket?.destroy();
      return;
    }
    this.writes++;
    this.batches += batches;
    this.records += count;
    if (this.options.onBatch !== undefined) this.queueApply(records, count, first);
  }

  /** Adds written records to the engine's backlog (copied: `records` is the decoder's view), keeping it within its bound. */
  private queueApply(records: Uint8Array, count: number, first: number): void {
    const backlog = (this.applyEnd - this.applyStart) / RECORD_SIZE;
    if (backlog + count > APPLY_LAG_MAX_RECORDS) {
      // Past the bound the engine catches up at once, committed or not (those can never be cut).
      this.applyBacklog(Math.max(0, backlog + count - APPLY_LAG_MAX_RECORDS), true);
      if (count > APPLY_LAG_MAX_RECORDS) {
        // A catch-up frame larger than the bound: straight to the engine from the view.
        this.applyBacklog(Infinity, true);
        this.options.onBatch?.(records, count, first);
        this.appliedSeq = first + count - 1;
        if (this.appliedSeq > this.commitSeq && this.appliedSeq > this.cutFloor) this.cutFloor = this.appliedSeq;
        return;
      }
    }
    const bytes = count * RECORD_SIZE;
    if (this.applyEnd === this.applyStart) {
      this.applyStart = this.applyEnd = 0;
      this.applyFirstSeq = first;
    }
    if (this.applyEnd + bytes > this.applyBuf.length) {
      const live = this.applyEnd - this.applyStart;
      if (live + bytes <= this.applyBuf.length) {
        this.applyBuf.copy(this.applyBuf, 0, this.applyStart, this.applyEnd);
      } else {
        const bigger = Buffer.allocUnsafe(Math.max(live + bytes, this.applyBuf.length * 2, 64 * 1024));
        this.applyBuf.copy(bigger, 0, this.applyStart, this.applyEnd);
        this.applyBuf = bigger;
      }
      this.applyStart = 0;
      this.applyEnd = live;
    }
    this.applyBuf.set(records.subarray(0, bytes), this.applyEnd);
    this.applyEnd += bytes;
    this.scheduleApply();
  }

  private scheduleApply(): void {
    if (this.applyScheduled) return;
    this.applyScheduled = true;
    setImmediate(this.applyStep);
  }

  /**
   * Hands up to `most` records of the backlog to the engine: only committed ones unless
   * `pastCommit` (promotion, or a backlog past its bound: then they can never be cut).
   */
  private applyBacklog(most: number, pastCommit = false): void {
    const onBatch = this.options.onBatch;
    const backlog = (this.applyEnd - this.applyStart) / RECORD_SIZE;
    if (onBatch === undefined || backlog === 0) return;
    const committed = this.commitSeq - this.applyFirstSeq + 1;
    const count = Math.min(most, backlog, pastCommit ? backlog : Math.max(0, committed));
    if (count <= 0) return;
    const at = this.applyStart;
    const first = this.applyFirstSeq;
    this.applyStart += count * RECORD_SIZE;
    this.applyFirstSeq += count;
    this.appliedSeq = first + count - 1;
    if (this.appliedSeq > this.commitSeq && this.appliedSeq > this.cutFloor) this.cutFloor = this.appliedSeq;
    onBatch(this.applyBuf.subarray(at, at + count * RECORD_SIZE), count, first);
  }

  /**
   * Refused by a primary as ahead of it or diverged (a new primary that never got this
   * spare's last records, `primarySeq` its last): cuts the journal back to the last commit
   * point heard (never below what the engine applied uncommitted) and asks again from there.
   */
  private cutBack(primarySeq: number): void {
    const written = this.journal.writtenThrough;
    const to = Math.max(this.cutFloor, Math.min(this.commitSeq, written));
    if (to >= written) return; // nothing it may cut: refused as before (rebuild from the primary's)
    try {
      this.journal.truncateTo(to);
    } catch (err) {
      this.problem(HaError.Io, (err as Error).message);
      return;
    }
    // The backlog past the cut goes with it (never applied).
    const keep = Math.max(0, to - this.applyFirstSeq + 1);
    const backlog = (this.applyEnd - this.applyStart) / RECORD_SIZE;
    if (keep < backlog) this.applyEnd = this.applyStart + keep * RECORD_SIZE;
    this.cutBacks++;
    this.inSync = false;
    this.problem(HaError.Refused, `cut this journal back from sequence ${written} to ${to} (committed; the primary holds through ${primarySeq}) and follows from there`);
  }

  private ack(seq: number): void {
    const socket = this.socket;
    if (socket === null || !this.helloSent || socket.destroyed || seq <= 0) return;
    socket.write(encodeFrame(FrameKind.Ack, 0, this.epoch, seq));
    this.acksSent++;
  }

  private lastRecordCrc(): number {
    let fd = -1;
    try {
      fd = fs.openSync(this.journal.path, 'r');
      const b = Buffer.alloc(4);
      fs.readSync(fd, b, 0, 4, this.journal.fileBytes - RECORD_SIZE + 4);
      return b.readUInt32LE(0);
    } catch {
      return 0;
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
  }

  private refuse(socket: net.Socket, code: HaError, detail: string): void {
    this.problem(code, detail);
    if (!socket.destroyed) socket.end(encodeText(FrameKind.Refuse, code, this.epoch, this.journal.writtenThrough, `${haErrorName(code)}: ${detail}`));
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  private problem(code: HaError, detail: string): void {
    this.errors.count(code, detail);
    this.options.onProblem?.(code, detail);
  }
}
