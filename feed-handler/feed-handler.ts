// The feed handler: rebuilds the exact books from lines A and B (FEED.md, "MoldUDP64
// downstream packet"). Every message is applied once, in sequence order, whatever the
// network does:
// - arbitration: the first copy of a sequence number wins, later copies are dropped;
// - gap detection: a packet past the next expected sequence, a heartbeat or end of session
//   ahead of it, or (when the lines go quiet) a probe of the rewinder that says the feed
//   has moved on. Packets after a gap are held (PacketBuffer) until it is filled;
// - recovery: after `rewindDelayMs` (time for the other line's copy to arrive) the missing
//   range is asked of the rewinder, one packet per request, asking again from where each
//   answer stopped; an unanswered request is repeated with doubling waits up to
//   `maxRewindRetries`; a gap larger than `maxRewindMessages`, or one the rewinder cannot
//   fill, is recovered from the snapshot server (the books are reloaded as of the
//   snapshot's sequence, then the held packets applied from End of Snapshot's sequence);
// - a handler started mid-session sees its first packet far ahead of sequence 1 and joins
//   through the snapshot the same way (or at once, with `join: 'snapshot'`).
// The books are valid from the first message applied until a gap is detected, and again once
// it is filled; listeners hear every message, every end of packet (a consistent point),
// every state change, gaps, recoveries (with the time they took), trades, books changed per
// packet, and the end of the session.
//
// Hot path (a datagram in): parse the MoldUDP64 framing, decode every message once into a
// reused record per message of the packet (a packet with a bad message is dropped whole, so
// nothing is half applied), then apply the records. No allocation of ours per packet or message.

import * as dgram from 'node:dgram';
import {
  decodeItch as decodeItchExport,
  encodeOrderDelete as encodeOrderDeleteExport,
  encodeRetransmissionRequest as encodeRetransmissionRequestExport,
  Fault,
  ItchMessage,
  MOLD_REQUEST_SIZE,
  MoldPacketKind,
  moldSessionBytes,
  MoldUdp64Packet,
} from '../protocol';
import { BUY, MarketBooks, SELL, type MarketBooksOptions, type MarketDataSource, type MarketDataStatus, type OrderBook } from '../book';
import { FEED_FAULT_KINDS, FeedFault, FeedHandlerError, feedFaultName } from './errors';
import { FeedRecorder } from './feed-recorder';
import { LineCounters } from './line-counters';
import { PacketBuffer } from './packet-buffer';
import { loadSnapshot, type SnapshotEndpoint, type SnapshotImage } from './snapshot-client';

// Module-local bindings: CommonJS re-exports through protocol/index are getters.
const decodeItch = decodeItchExport;
const encodeOrderDelete = encodeOrderDeleteExport;
const encodeRetransmissionRequest = encodeRetransmissionRequestExport;
const DATA = MoldPacketKind.Data;
const HEARTBEAT = MoldPacketKind.Heartbeat;
const WRONG_SESSION = Fault.MoldWrongSession;

/** The handler's state (issue 5): visible, and every change is told to listeners. */
export const FeedState = {
  /** Nothing received yet. */
  Unknown: 'unknown',
  /** Loading the snapshot (late join, or a gap too large for the rewinder); live packets are held. */
  LoadingSnapshot: 'loading-snapshot',
  /** Every message up to the latest known sequence is applied. */
  Synchronized: 'synchronized',
  /** A gap is open: packets after it are held while it is recovered. */
  FillingGap: 'filling-gap',
  /** No packet nor heartbeat on either line for `staleAfterMs`. */
  Stale: 'stale',
} as const;
export type FeedState = (typeof FeedState)[keyof typeof FeedState];

/** Packet sources, the index of `lines`. */
export const LINE_A = 0;
export const LINE_B = 1;
export const REWINDER = 2;

export interface FeedLineAddress {
  group: string;
  port: number;
}

export interface RewinderAddress {
  host: string;
  port: number;
}

export interface FeedHandlerOptions {
  /** MoldUDP64 session (up to 10 ASCII characters); packets of other sessions are counted and ignored. */
  session: string;
  /** Trading day YYYY-MM-DD (New York), for candles; without it none are built. */
  sessionDate?: string;
  /** Multicast lines; null (or absent) for one not joined. Without either, packets come only through receive(). */
  lineA?: FeedLineAddress | null;
  lineB?: FeedLineAddress | null;
  /** Local interface for multicast membership and the rewinder socket (default 127.0.0.1). */
  interface?: string;
  /** Receive buffer per line socket, bytes (default 4 MiB; the kernel may cap it). */
  recvBufferBytes?: number;
  /** The rewinder (MoldUDP64 retransmission over UDP); null: none. */
  rewinder?: RewinderAddress | null;
  /** The snapshot server (SoupBinTCP); null: none. */
  snapshot?: SnapshotEndpoint | null;
  /** 'auto' (default): start from sequence 1, and recover by snapshot if the first packet is far ahead; 'snapshot': load one at start. */
  join?: 'auto' | 'snapshot';
  /** Wait after a gap is detected before asking the rewinder (the other line's copy may be on its way). Default 2. */
  rewindDelayMs?: number;
  /** Wait for a rewinder answer before asking again; doubles per retry up to 1 s. Default 50. */
  rewindTimeoutMs?: number;
  /** Unanswered requests in a row before falling back to the snapshot. Default 5. */
  maxRewindRetries?: number;
  /** Gaps larger than this go straight to the snapshot (the rewinder answers ~38 messages a request, 50 requests/s). Default 1,500. */
  maxRewindMessages?: number;
  /** A snapshot session that has not ended after this long fails (and is retried). Default 15,000. */
  snapshotTimeoutMs?: number;
  /** Wait before retrying a failed snapshot; doubles up to 10 s. Default 500. */
  snapshotRetryMs?: number;
  /** No packet on either line for this long: state stale (and the rewinder is probed). Default 3,000. */
  staleAfterMs?: number;
  /** Packets held while a gap is open or a snapshot loads. Default 65,536 (~96 MB of 1,472-byte datagrams at worst). */
  maxBufferedPackets?: number;
  /** Write every applied message to this ITCH file (u16 length + message). */
  record?: string | null;
  /** Sizes of the books. */
  books?: Pick<MarketBooksOptions, 'orderCapacity' | 'levelCapacity' | 'candleCapacity'>;
  /** Milliseconds from a fixed origin (default performance.now): a seam for tests. */
  nowMs?: () => number;
}

/** A gap, as told to listeners when it is detected. */
export interface FeedGap {
  /** First missing sequence. */
  first: number;
  /** Messages known missing when it was detected (more may be found missing later). */
  count: number;
}

/** How a gap was filled. */
export type RecoveryMethod = 'lines' | 'rewinder' | 'snapshot';

/** A filled gap (or a completed join), with the time it took. */
export interface FeedRecovery {
  first: number;
  /** Sequences recovered: from the gap's first to the sequence applied when it closed. */
  count: number;
  method: RecoveryMethod;
  /** From detection to the moment every known message was applied again. */
  durationMs: number;
}

export interface FeedStatus extends MarketDataStatus {
  state: FeedState;
}

/**
 * What a FeedHandler tells its user. Every method is optional; a book/ MarketDataListener
 * (onMessage, onBoundary, onStatus) is one. Calls come in sequence order after the change is
 * applied; read the books freely inside a call, keep nothing of `message` (reused).
 */
export interface FeedHandlerListener {
  onMessage?(sequence: number, message: ItchMessage): void;
  /** Every message up to `sequence` applied; the end of a packet or of a recovery batch. */
  onBoundary?(sequence: number): void;
  onStatus?(status: FeedStatus): void;
  /** At each boundary, once per book that changed since the last one. */
  onBookUpdate?(book: OrderBook, sequence: number): void;
  /** A print (E, printable C, P): the book's lastTradePrice/Shares/Ns hold it. */
  onTrade?(book: OrderBook, sequence: number, message: ItchMessage): void;
  onGap?(gap: FeedGap): void;
  onRecovery?(recovery: FeedRecovery): void;
  /** End of Messages applied, or end of session with nothing missing. Once. */
  onEndOfSession?(sequence: number): void;
  /** A counted fault (bad input, a failed recovery step), with a sentence for logs. */
  onFault?(code: string, detail: string): void;
}

/** Milliseconds of every completed recovery. */
export class RecoveryTimes {
  count = 0;
  lastMs = 0;
  maxMs = 0;
  totalMs = 0;
  record(ms: number): void {
    this.count++;
    this.lastMs = ms;
    this.totalMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }
  get meanMs(): number {
    return this.count === 0 ? 0 : this.totalMs / this.count;
  }
}

export interface FeedHandlerFigures {
  state: FeedState;
  valid: boolean;
  ended: boolean;
  sequence: number;
  /** Highest sequence known to exist (from packets, heartbeats, rewinder answers). */
  knownSequence: number;
  messagesApplied: number;
  gaps: number;
  recoveredByLines: number;
  /** Messages applied from rewinder answers. */
  recoveredByRewind: number;
  /** Sequences skipped by loading a snapshot (covered by it). */
  recoveredBySnapshot: number;
  snapshots: number;
  rewindRequests: number;
  bufferedPackets: number;
  recoveries: { count: number; lastMs: number; maxMs: number; meanMs: number };
  faults: Record<string, number>;
  lines: { lineA: Record<string, number | string | boolean>; lineB: Record<string, number | string | boolean>; rewinder: Record<string, number | string | boolean> };
  orphans: number;
  integrityErrors: number;
  restingOrders: number;
  recorded: number;
}

const MAX_BACKOFF_MS = 1000;
const MAX_SNAPSHOT_BACKOFF_MS = 10_000;

export class FeedHandler implements MarketDataSource {
  readonly books: MarketBooks;
  readonly session: string;
  readonly sessionDate: string;
  /** line A, line B, rewinder answers. */
  readonly lines: readonly [LineCounters, LineCounters, LineCounters];
  /** Faults by FeedFault code. */
  readonly faults = new Float64Array(FEED_FAULT_KINDS);
  readonly recoveryTimes = new RecoveryTimes();
  readonly recorder: FeedRecorder | null;

  state: FeedState = FeedState.Unknown;
  valid = false;
  ended = false;
  gaps = 0;
  /** Gaps the other line (or a late copy) filled before any recovery. */
  recoveredByLines = 0;
  recoveredByRewind = 0;
  recoveredBySnapshot = 0;
  snapshots = 0;
  rewindRequests = 0;
  messagesApplied = 0;

  private readonly sessionBytes: Uint8Array;
  private readonly options: Required<Pick<FeedHandlerOptions, 'rewindDelayMs' | 'rewindTimeoutMs' | 'maxRewindRetries' | 'maxRewindMessages' | 'snapshotTimeoutMs' | 'snapshotRetryMs' | 'staleAfterMs'>>;
  private readonly lineA: FeedLineAddress | null;
  private readonly lineB: FeedLineAddress | null;
  private readonly iface: string;
  private readonly recvBufferBytes: number;
  private readonly rewinder: RewinderAddress | null;
  private readonly snapshotEndpoint: SnapshotEndpoint | null;
  private readonly join: 'auto' | 'snapshot';
  private readonly now: () => number;

  /** Next sequence to apply. */
  private expected = 1;
  /** The sequence after the latest message known to exist. */
  private known = 1;
  private readonly pending: PacketBuffer;
  private readonly packet = new MoldUdp64Packet();
  private readonly check = new ItchMessage();
  private readonly message = new ItchMessage();
  /**
   * The current packet's messages, decoded once (decodePacket) and applied from here: record
   * i is message i. Grows to the largest packet seen (~43 records for a 1,472-byte datagram;
   * at most ~4,700 for a 64 KiB one, as a valid message takes at least 14 bytes with its length).
   */
  private readonly decoded: ItchMessage[] = Array.from({ length: 64 }, () => new ItchMessage());
  private decodedStatus = new Int8Array(64);
  private decodedAt = new Int32Array(64);
  private decodedLength = new Int32Array(64);
  private readonly scratch = new Uint8Array(64);
  private readonly request = new Uint8Array(MOLD_REQUEST_SIZE);

  private gapOpen = false;
  private gapFirst = 0;
  private gapSinceMs = 0;
  private gapUsedRewinder = false;
  private gapUsedSnapshot = false;
  private rewindRetries = 0;
  private recoveryTimer: NodeJS.Timeout | null = null;
  private snapshotLoading = false;
  private snapshotFailures = 0;
  private endOfSessionSeen = false;
  private endOfSessionTold = false;
  private lastPacketMs = 0;
  private startedMs = 0;
  private lastProbeMs = 0;
  private staleTimer: NodeJS.Timeout | null = null;
  private recordTimer: NodeJS.Timeout | null = null;
  private sockets: dgram.Socket[] = [];
  private requestSocket: dgram.Socket | null = null;
  private closed = false;

  private messageListeners: FeedHandlerListener[] = [];
  private boundaryListeners: FeedHandlerListener[] = [];
  private statusListeners: FeedHandlerListener[] = [];
  private bookListeners: FeedHandlerListener[] = [];
  private tradeListeners: FeedHandlerListener[] = [];
  private eventListeners: FeedHandlerListener[] = [];
  private readonly touched = new Uint8Array(65536);
  private readonly touchedList = new Int32Array(65536);
  private touchedCount = 0;

  constructor(options: FeedHandlerOptions) {
    if (typeof options.session !== 'string' || options.session.length > 10) {
      throw new FeedHandlerError('TW_ERR_FEED_BAD_OPTIONS', `session must be a MoldUDP64 session name of at most 10 characters, got ${JSON.stringify(options.session)}`);
    }
    this.session = options.session;
    this.sessionBytes = moldSessionBytes(options.session);
    this.sessionDate = options.sessionDate ?? '';
    this.books = new MarketBooks({ ...options.books, sessionDate: options.sessionDate });
    this.lines = [new LineCounters('lineA'), new LineCounters('lineB'), new LineCounters('rewinder')];
    this.lineA = options.lineA ?? null;
    this.lineB = options.lineB ?? null;
    this.iface = options.interface ?? '127.0.0.1';
    this.recvBufferBytes = options.recvBufferBytes ?? 4 << 20;
    this.rewinder = options.rewinder ?? null;
    this.snapshotEndpoint = options.snapshot ?? null;
    this.join = options.join ?? 'auto';
    this.now = options.nowMs ?? (() => performance.now());
    this.options = {
      rewindDelayMs: checkMs('rewindDelayMs', options.rewindDelayMs ?? 2, 0),
      rewindTimeoutMs: checkMs('rewindTimeoutMs', options.rewindTimeoutMs ?? 50, 1),
      maxRewindRetries: checkMs('maxRewindRetries', options.maxRewindRetries ?? 5, 0),
      maxRewindMessages: checkMs('maxRewindMessages', options.maxRewindMessages ?? 1500, 1),
      snapshotTimeoutMs: checkMs('snapshotTimeoutMs', options.snapshotTimeoutMs ?? 15_000, 1),
      snapshotRetryMs: checkMs('snapshotRetryMs', options.snapshotRetryMs ?? 500, 1),
      staleAfterMs: checkMs('staleAfterMs', options.staleAfterMs ?? 3000, 1),
    };
    if (this.join === 'snapshot' && this.snapshotEndpoint === null) {
      throw new FeedHandlerError('TW_ERR_FEED_BAD_OPTIONS', "join 'snapshot' needs a snapshot server (the snapshot option)");
    }
    this.pending = new PacketBuffer(checkMs('maxBufferedPackets', options.maxBufferedPackets ?? 65_536, 16));
    this.recorder = options.record ? new FeedRecorder(options.record) : null;
  }

  // --- MarketDataSource ------------------------------------------------------------

  /** The last sequence applied. */
  get sequence(): number {
    return this.expected - 1;
  }

  /** The sequence after the latest message known to exist. */
  get knownSequence(): number {
    return this.known;
  }

  /** Adds a listener (any subset of FeedHandlerListener, e.g. a book/ MarketDataListener); the returned function removes it. */
  subscribe(listener: FeedHandlerListener): () => void {
    const l = listener;
    const lists: FeedHandlerListener[][] = [];
    if (l.onMessage) lists.push(this.messageListeners);
    if (l.onBoundary) lists.push(this.boundaryListeners);
    if (l.onStatus) lists.push(this.statusListeners);
    if (l.onBookUpdate) lists.push(this.bookListeners);
    if (l.onTrade) lists.push(this.tradeListeners);
    if (l.onGap || l.onRecovery || l.onEndOfSession || l.onFault) lists.push(this.eventListeners);
    for (const list of lists) list.push(l);
    return () => {
      // New arrays, so a removal during a dispatch loop does not skip anyone.
      this.messageListeners = this.messageListeners.filter((x) => x !== l);
      this.boundaryListeners = this.boundaryListeners.filter((x) => x !== l);
      this.statusListeners = this.statusListeners.filter((x) => x !== l);
      this.bookListeners = this.bookListeners.filter((x) => x !== l);
      this.tradeListeners = this.tradeListeners.filter((x) => x !== l);
      this.eventListeners = this.eventListeners.filter((x) => x !== l);
    };
  }

  /** The state as listeners get it. */
  get status(): FeedStatus {
    return { state: this.state, valid: this.valid, sequence: this.expected - 1, ended: this.ended };
  }

  /** Whether a book can be trusted now: it exists and no gap is open (a gap may hide any symbol's messages). */
  isBookValid(locate: number): boolean {
    return this.valid && this.books.book(locate) !== null;
  }

  // --- life cycle ------------------------------------------------------------------

  /**
   * Joins the lines, opens the rewinder socket and starts the timers; with join 'snapshot'
   * starts loading one. Throws TW_ERR_FEED_SOCKET if a socket cannot be set up.
   */
  async start(): Promise<void> {
    if (this.rewinder !== null) this.requestSocket = await this.openRequestSocket();
    if (this.lineA !== null) this.sockets.push(await this.openLine(this.lineA, LINE_A));
    if (this.lineB !== null) this.sockets.push(await this.openLine(this.lineB, LINE_B));
    this.lastPacketMs = this.now();
    this.startedMs = this.lastPacketMs;
    const tick = Math.max(5, Math.min(250, Math.floor(this.options.staleAfterMs / 4)));
    this.staleTimer = setInterval(() => this.checkStale(), tick);
    this.staleTimer.unref();
    if (this.recorder !== null) {
      this.recordTimer = setInterval(() => this.flushRecord(), 200);
      this.recordTimer.unref();
    }
    if (this.join === 'snapshot') this.beginSnapshot();
  }

  /** Leaves the lines, closes the sockets and the record file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.staleTimer !== null) clearInterval(this.staleTimer);
    if (this.recordTimer !== null) clearInterval(this.recordTimer);
    if (this.recoveryTimer !== null) clearTimeout(this.recoveryTimer);
    const all = [...this.sockets, ...(this.requestSocket === null ? [] : [this.requestSocket])];
    this.sockets = [];
    this.requestSocket = null;
    await Promise.all(all.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    if (this.recorder !== null) {
      this.recorder.close();
      if (this.recorder.error !== '') this.fault(FeedFault.RecordFailed, this.recorder.error);
    }
    this.pending.clear();
  }

  /** The local UDP port rewinder answers come back to (0 without a rewinder). */
  get requestPort(): number {
    return this.requestSocket === null ? 0 : this.requestSocket.address().port;
  }

  /** The bound port of each joined line socket, in order A, B. */
  get linePorts(): number[] {
    return this.sockets.map((s) => s.address().port);
  }

  /** The receive buffer the kernel granted each line socket. */
  get recvBufferSizes(): number[] {
    return this.sockets.map((s) => s.getRecvBufferSize());
  }

  // --- packets in ------------------------------------------------------------------

  /**
   * One datagram from `source` (LINE_A, LINE_B or REWINDER). The sockets call it; tests and
   * relays may too. Never throws on bad input: it is counted and dropped.
   */
  receive(source: number, bytes: Uint8Array): void {
    if (this.closed) return;
    const line = this.lines[source];
    line.packets++;
    line.bytes += bytes.length;
    const now = this.now();
    line.lastPacketMs = now;
    if (source !== REWINDER) {
      this.lastPacketMs = now;
      if (line.silent) line.silent = false;
    }
    const p = this.packet;
    const fault = p.parse(bytes, 0, bytes.length, this.sessionBytes);
    if (fault !== 0) {
      if (fault === WRONG_SESSION) {
        line.wrongSession++;
        this.faults[FeedFault.WrongSession]++;
      } else {
        line.malformed++;
        this.faults[FeedFault.MalformedPacket]++;
      }
      return;
    }
    if (this.state === FeedState.Stale && source !== REWINDER) this.setState(this.gapOpen ? FeedState.FillingGap : FeedState.Synchronized);
    if (p.kind === DATA) {
      const first = p.sequence;
      const next = first + p.count;
      if (source !== REWINDER) {
        if (line.nextSequence !== 0 && first > line.nextSequence) line.gaps++;
        if (next > line.nextSequence) line.nextSequence = next;
      }
      if (next <= this.expected) {
        // The other line's copy won (the common case for one of the two): nothing to check or apply.
        line.duplicates++;
        return;
      }
      // Decode every message before applying any: a bad one drops the packet whole, and its
      // range is recovered from the other line or the rewinder like a loss. The records are
      // what applyPacket applies if the packet is next in line (held, it is decoded again).
      if (this.decodePacket(bytes) > 0) {
        line.malformed++;
        this.faults[FeedFault.BadMessage]++;
        return;
      }
      this.onData(source, line, bytes, p.sequence, p.count);
    } else {
      this.onEmpty(line, p.kind === HEARTBEAT, p.sequence);
    }
  }

  /** A heartbeat or end of session: it says where the feed is. */
  private onEmpty(line: LineCounters, heartbeat: boolean, next: number): void {
    if (heartbeat) line.heartbeats++;
    else {
      line.endOfSession++;
      this.endOfSessionSeen = true;
    }
    if (next > this.known) this.known = next;
    if (this.expected < this.known) this.noteGap();
    else if (this.state === FeedState.Unknown) {
      // Nothing missing and nothing to apply: the feed is idle at our position.
      this.setValid(true, FeedState.Synchronized);
    }
    this.checkEnded();
  }

  /** A checked data packet with at least one message not yet applied. */
  private onData(source: number, line: LineCounters, bytes: Uint8Array, first: number, count: number): void {
    const next = first + count;
    if (next > this.known) this.known = next;
    if (this.snapshotLoading || first > this.expected) {
      const held = this.pending.insert(bytes, first, count, source);
      if (held === 0) line.duplicates++;
      else if (held < 0) this.fault(FeedFault.BufferFull, `${this.pending.capacity} packets held; packet at sequence ${first} dropped (recovered later)`);
      if (!this.snapshotLoading) this.noteGap();
      return;
    }
    this.applyPacket(source, bytes, first, count);
    this.drainPending();
    this.afterProgress(source);
  }

  /**
   * Decodes the messages of the packet `this.packet` has just parsed (framing checked) into
   * `decoded`. Returns 0, or the Fault of the first message that does not decode.
   */
  private decodePacket(bytes: Uint8Array): number {
    const p = this.packet;
    const pool = this.decoded;
    let i = 0;
    for (let at = p.nextMessage(); at >= 0; at = p.nextMessage(), i++) {
      if (i === pool.length) this.growDecoded();
      const length = p.messageLength;
      const status = decodeItch(bytes, at, length, pool[i]);
      if (status > 0) return status;
      this.decodedStatus[i] = status;
      this.decodedAt[i] = at;
      this.decodedLength[i] = length;
    }
    return 0;
  }

  /** One more record (and room in the per-record arrays): only the first packet of a new largest size pays. */
  private growDecoded(): void {
    this.decoded.push(new ItchMessage());
    const n = this.decoded.length;
    if (n > this.decodedAt.length) {
      const size = this.decodedAt.length * 2;
      const status = new Int8Array(size);
      status.set(this.decodedStatus);
      this.decodedStatus = status;
      const at = new Int32Array(size);
      at.set(this.decodedAt);
      this.decodedAt = at;
      const length = new Int32Array(size);
      length.set(this.decodedLength);
      this.decodedLength = length;
    }
  }

  /** Applies the decoded packet (`decoded`, sequences first..first+count-1) from the next expected sequence on. */
  private applyPacket(source: number, bytes: Uint8Array, first: number, count: number): void {
    let applied = 0;
    for (let i = this.expected > first ? this.expected - first : 0; i < count; i++) {
      const seq = first + i;
      this.applyDecoded(this.decoded[i], this.decodedStatus[i], bytes, this.decodedAt[i], this.decodedLength[i], seq);
      this.expected = seq + 1;
      applied++;
    }
    this.lines[source].messages += applied;
    if (source === REWINDER) {
      this.recoveredByRewind += applied;
      if (applied > 0) this.gapUsedRewinder = true;
    }
    this.boundary();
  }

  /** Applies held packets that have become next in line. */
  private drainPending(): void {
    const q = this.pending;
    while (q.size > 0 && q.firstSequence <= this.expected) {
      const bytes = q.peek();
      const source = q.peekSource();
      q.shift();
      const p = this.packet;
      p.parse(bytes, 0, bytes.length, null);
      // Checked when it arrived: it decodes.
      if (p.sequence + p.count > this.expected && this.decodePacket(bytes) === 0) this.applyPacket(source, bytes, p.sequence, p.count);
    }
  }

  /** Decodes and applies one message (checked already: a snapshot's, a synthetic delete). */
  private applyMessage(bytes: Uint8Array, at: number, length: number, seq: number): void {
    const m = this.message;
    this.applyDecoded(m, decodeItch(bytes, at, length, m), bytes, at, length, seq);
  }

  /** Applies one decoded message (`status` 0, or ITCH_IGNORED), records it and tells listeners. */
  private applyDecoded(m: ItchMessage, status: number, bytes: Uint8Array, at: number, length: number, seq: number): void {
    if (this.recorder !== null) this.record(bytes, at, length);
    if (status !== 0) return; // another ITCH 5.0 type: it takes its sequence number, nothing to apply
    const books = this.books;
    const trades = this.tradeListeners;
    let book: OrderBook | null = null;
    let tradesBefore = 0;
    if (trades.length > 0) {
      book = books.book(m.locate);
      tradesBefore = book === null ? 0 : book.trades;
    }
    books.apply(m, seq);
    this.messagesApplied++;
    const listeners = this.messageListeners;
    for (let i = 0; i < listeners.length; i++) (listeners[i].onMessage as (s: number, m: ItchMessage) => void)(seq, m);
    if (trades.length > 0) {
      book = books.book(m.locate);
      if (book !== null && book.trades !== tradesBefore) for (let i = 0; i < trades.length; i++) (trades[i].onTrade as (b: OrderBook, s: number, m: ItchMessage) => void)(book, seq, m);
    }
    if (this.bookListeners.length > 0) {
      const locate = m.locate;
      if (locate !== 0 && this.touched[locate] === 0) {
        this.touched[locate] = 1;
        this.touchedList[this.touchedCount++] = locate;
      }
    }
    if (m.type === 0x53 && m.eventCode === 0x43) this.endOfSessionSeen = true; // End of Messages
  }

  private record(bytes: Uint8Array, at: number, length: number): void {
    const r = this.recorder as FeedRecorder;
    if (!r.append(bytes, at, length) && r.error !== '' && this.faults[FeedFault.RecordFailed] === 0) this.fault(FeedFault.RecordFailed, r.error);
  }

  private flushRecord(): void {
    const r = this.recorder;
    if (r === null || r.stopped) return;
    if (!r.flush()) this.fault(FeedFault.RecordFailed, r.error);
  }

  /** The end of a packet or batch: a consistent point. */
  private boundary(): void {
    const seq = this.expected - 1;
    const books = this.bookListeners;
    if (books.length > 0 && this.touchedCount > 0) {
      for (let k = 0; k < this.touchedCount; k++) {
        const locate = this.touchedList[k];
        this.touched[locate] = 0;
        const book = this.books.book(locate);
        if (book !== null) for (let i = 0; i < books.length; i++) (books[i].onBookUpdate as (b: OrderBook, s: number) => void)(book, seq);
      }
      this.touchedCount = 0;
    }
    const listeners = this.boundaryListeners;
    for (let i = 0; i < listeners.length; i++) (listeners[i].onBoundary as (s: number) => void)(seq);
  }

  /** After messages were applied: is a gap closed, did the session end, are we synchronized? */
  private afterProgress(source: number): void {
    if (this.gapOpen) {
      if (this.expected >= this.known && this.pending.size === 0) this.closeGap();
      else if (source === REWINDER && !this.snapshotLoading) {
        // An answer made progress: ask at once for the rest (the rewinder answers one packet a request).
        this.rewindRetries = 0;
        this.clearRecoveryTimer();
        this.recoveryStep();
      }
    } else if (!this.valid || this.state === FeedState.Unknown) {
      this.setValid(true, FeedState.Synchronized);
    }
    this.checkEnded();
  }

  // --- gaps and recovery -------------------------------------------------------------

  private noteGap(): void {
    if (this.gapOpen || this.snapshotLoading) return;
    this.gapOpen = true;
    this.gapFirst = this.expected;
    this.gapSinceMs = this.now();
    this.gapUsedRewinder = false;
    this.gapUsedSnapshot = false;
    this.rewindRetries = 0;
    this.gaps++;
    this.setValid(false, FeedState.FillingGap);
    const gap: FeedGap = { first: this.expected, count: this.missingEnd() - this.expected };
    for (const l of this.eventListeners) l.onGap?.(gap);
    this.scheduleRecovery(this.options.rewindDelayMs);
  }

  /** The sequence after the first missing range: the first held packet, or the latest known. */
  private missingEnd(): number {
    return this.pending.size > 0 && this.pending.firstSequence < this.known ? this.pending.firstSequence : this.known;
  }

  private closeGap(): void {
    this.gapOpen = false;
    this.clearRecoveryTimer();
    const durationMs = this.now() - this.gapSinceMs;
    const method: RecoveryMethod = this.gapUsedSnapshot ? 'snapshot' : this.gapUsedRewinder ? 'rewinder' : 'lines';
    if (method === 'lines') this.recoveredByLines++;
    this.recoveryTimes.record(durationMs);
    this.setValid(true, FeedState.Synchronized);
    const recovery: FeedRecovery = { first: this.gapFirst, count: this.expected - this.gapFirst, method, durationMs };
    for (const l of this.eventListeners) l.onRecovery?.(recovery);
  }

  private scheduleRecovery(ms: number): void {
    this.clearRecoveryTimer();
    if (this.closed) return;
    this.recoveryTimer = setTimeout(() => {
      this.recoveryTimer = null;
      this.recoveryStep();
    }, ms);
  }

  private clearRecoveryTimer(): void {
    if (this.recoveryTimer !== null) clearTimeout(this.recoveryTimer);
    this.recoveryTimer = null;
  }

  /** Asks the rewinder for the first missing range, or falls back to the snapshot. */
  private recoveryStep(): void {
    if (!this.gapOpen || this.snapshotLoading || this.closed) return;
    const missing = this.missingEnd() - this.expected;
    if (missing <= 0) {
      // Held packets are next in line (a late copy arrived between checks).
      this.drainPending();
      this.afterProgress(LINE_A);
      return;
    }
    const o = this.options;
    const snapshot = this.snapshotEndpoint !== null;
    if (this.requestSocket === null || (snapshot && missing > o.maxRewindMessages)) {
      if (snapshot) this.beginSnapshot();
      return;
    }
    if (this.rewindRetries > 0) this.fault(FeedFault.RewindTimeout, `no answer to the request for ${missing} messages from sequence ${this.expected} (attempt ${this.rewindRetries})`);
    if (this.rewindRetries >= o.maxRewindRetries && snapshot) {
      this.fault(FeedFault.RewindGaveUp, `the rewinder did not fill sequence ${this.expected} after ${this.rewindRetries} requests; loading a snapshot`);
      this.beginSnapshot();
      return;
    }
    this.sendRewindRequest(this.expected, Math.min(missing, 0xfffe));
    const wait = Math.min(MAX_BACKOFF_MS, o.rewindTimeoutMs * 2 ** Math.min(this.rewindRetries, 16));
    this.rewindRetries++;
    this.scheduleRecovery(wait);
  }

  private sendRewindRequest(first: number, count: number): void {
    const socket = this.requestSocket;
    const r = this.rewinder;
    if (socket === null || r === null) return;
    encodeRetransmissionRequest(this.request, 0, this.sessionBytes, first, count);
    this.rewindRequests++;
    try {
      socket.send(this.request, 0, MOLD_REQUEST_SIZE, r.port, r.host);
    } catch {
      // A closed socket: the handler is closing.
    }
  }

  /** Loads a snapshot; live packets are held meanwhile. */
  private beginSnapshot(): void {
    const endpoint = this.snapshotEndpoint;
    if (endpoint === null || this.snapshotLoading || this.closed) return;
    this.clearRecoveryTimer();
    this.snapshotLoading = true;
    if (!this.gapOpen) {
      // A join (or a forced reload): measured like a gap's recovery, not counted as one.
      this.gapOpen = true;
      this.gapFirst = this.expected;
      this.gapSinceMs = this.now();
      this.gapUsedRewinder = false;
    }
    this.gapUsedSnapshot = true;
    this.snapshots++;
    this.setValid(false, FeedState.LoadingSnapshot);
    loadSnapshot(endpoint, this.session, this.options.snapshotTimeoutMs).then(
      (image) => this.applySnapshot(image),
      (err: unknown) => {
        this.snapshotLoading = false;
        if (this.closed) return;
        const e = err as FeedHandlerError;
        this.fault(e.code === 'TW_ERR_FEED_SNAPSHOT_REJECTED' ? FeedFault.SnapshotRejected : FeedFault.SnapshotFailed, e.message);
        const wait = Math.min(MAX_SNAPSHOT_BACKOFF_MS, this.options.snapshotRetryMs * 2 ** Math.min(this.snapshotFailures++, 16));
        this.clearRecoveryTimer();
        this.recoveryTimer = setTimeout(() => {
          this.recoveryTimer = null;
          this.beginSnapshot();
        }, wait);
      },
    );
  }

  /**
   * Reloads the books as of the snapshot (every resting order deleted, then the snapshot's
   * adds, all through the apply path so listeners and the record see them), then applies
   * held packets from End of Snapshot's sequence on.
   */
  private applySnapshot(image: SnapshotImage): void {
    this.snapshotLoading = false;
    if (this.closed) return;
    this.snapshotFailures = 0;
    const next = image.nextSequence;
    if (next > this.expected) {
      const at = next - 1;
      this.clearBooks(at);
      for (let i = 0; i < image.count; i++) {
        const o = image.offsets[i];
        const n = image.lengths[i];
        if (decodeItch(image.bytes, o, n, this.check) > 0) {
          this.fault(FeedFault.SnapshotFailed, `snapshot message ${i} does not decode; the snapshot is used without it`);
          continue;
        }
        this.applyMessage(image.bytes, o, n, at);
      }
      this.recoveredBySnapshot += next - this.expected;
      this.expected = next;
      if (next > this.known) this.known = next;
      this.boundary();
    }
    // Held packets wholly before the snapshot are covered by it.
    this.setState(FeedState.FillingGap);
    this.drainPending();
    if (this.expected >= this.known && this.pending.size === 0) this.closeGap();
    else this.scheduleRecovery(this.options.rewindDelayMs);
    this.checkEnded();
  }

  /** Deletes every resting order through synthetic Order Delete messages (so a record replays to the same books). */
  private clearBooks(sequence: number): void {
    const locates: number[] = [];
    const refs: number[] = [];
    const collect = (locate: number) => ({
      onOrder(ref: number): void {
        locates.push(locate);
        refs.push(ref);
      },
    });
    for (const book of this.books.allBooks()) {
      const visitor = collect(book.locate);
      book.forEachOrder(BUY, visitor);
      book.forEachOrder(SELL, visitor);
    }
    const b = this.scratch;
    for (let i = 0; i < refs.length; i++) {
      const length = encodeOrderDelete(b, 0, locates[i], 0, 0, refs[i]);
      this.applyMessage(b, 0, length, sequence);
    }
  }

  // --- state ---------------------------------------------------------------------------

  private checkEnded(): void {
    if (this.ended || !this.endOfSessionSeen || this.gapOpen || this.expected < this.known) return;
    this.ended = true;
    this.emitStatus();
    if (!this.endOfSessionTold) {
      this.endOfSessionTold = true;
      for (const l of this.eventListeners) l.onEndOfSession?.(this.expected - 1);
    }
    this.flushRecord();
  }

  /** Stale detection, silent lines, and a probe of the rewinder while the lines are quiet. */
  private checkStale(): void {
    if (this.closed || this.ended) return;
    const now = this.now();
    const stale = this.options.staleAfterMs;
    for (let i = 0; i < 2; i++) {
      const line = this.lines[i];
      const joined = i === LINE_A ? this.lineA !== null : this.lineB !== null;
      // A line that never spoke is measured from start().
      if (joined && !line.silent && now - (line.lastPacketMs || this.startedMs) > stale) {
        line.silent = true;
        line.silences++;
      }
    }
    if (now - this.lastPacketMs > stale) {
      if (this.state === FeedState.Synchronized) this.setState(FeedState.Stale);
      // The tail of the feed may have been lost with nothing after it to show the gap: the
      // rewinder's answer (data, or an empty packet naming its next sequence) tells.
      if (!this.gapOpen && !this.snapshotLoading && now - this.lastProbeMs > stale) {
        this.lastProbeMs = now;
        this.sendRewindRequest(this.expected, 1);
      }
    }
  }

  private setState(state: FeedState): void {
    if (this.state === state) return;
    this.state = state;
    this.emitStatus();
  }

  private setValid(valid: boolean, state: FeedState): void {
    if (this.valid === valid && this.state === state) return;
    this.valid = valid;
    this.state = state;
    this.emitStatus();
  }

  private emitStatus(): void {
    if (this.statusListeners.length === 0) return;
    const status = this.status;
    for (const l of this.statusListeners) l.onStatus?.(status);
  }

  private fault(code: number, detail: string): void {
    this.faults[code]++;
    if (this.eventListeners.length === 0) return;
    const name = feedFaultName(code);
    for (const l of this.eventListeners) l.onFault?.(name, detail);
  }

  // --- sockets ---------------------------------------------------------------------------

  private openLine(line: FeedLineAddress, source: number): Promise<dgram.Socket> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: this.recvBufferBytes });
    const name = source === LINE_A ? 'line A' : 'line B';
    return new Promise<dgram.Socket>((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.close();
        reject(new FeedHandlerError('TW_ERR_FEED_SOCKET', `cannot listen to ${name} ${line.group}:${line.port}: ${err.message}; check the line's group and port`));
      };
      socket.once('error', onError);
      // Bound to the group's address, so only this group's datagrams reach the socket.
      // exclusive: a socket of this process's own, not one shared through a node:cluster
      // primary (several handlers in a cluster each join the group and see every datagram).
      socket.bind({ port: line.port, address: line.group, exclusive: true }, () => {
        try {
          socket.addMembership(line.group, this.iface);
        } catch (err) {
          onError(new Error(`addMembership on ${this.iface}: ${(err as Error).message}`));
          return;
        }
        socket.off('error', onError);
        socket.on('error', () => {
          // Receive errors after set-up are not fatal; the loss shows as a gap.
        });
        socket.on('message', (msg: Buffer) => this.receive(source, msg));
        resolve(socket);
      });
    });
  }

  private openRequestSocket(): Promise<dgram.Socket> {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
    return new Promise<dgram.Socket>((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.close();
        reject(new FeedHandlerError('TW_ERR_FEED_SOCKET', `cannot open the rewinder socket on ${this.iface}: ${err.message}`));
      };
      socket.once('error', onError);
      // exclusive: the rewinder answers this process's requests, not a cluster sibling's.
      socket.bind({ port: 0, address: this.iface, exclusive: true }, () => {
        socket.off('error', onError);
        socket.on('error', () => {});
        socket.on('message', (msg: Buffer) => this.receive(REWINDER, msg));
        resolve(socket);
      });
    });
  }

  // --- figures ---------------------------------------------------------------------------

  figures(): FeedHandlerFigures {
    const faults: Record<string, number> = {};
    for (let i = 1; i < this.faults.length; i++) if (this.faults[i] > 0) faults[feedFaultName(i)] = this.faults[i];
    const t = this.recoveryTimes;
    return {
      state: this.state,
      valid: this.valid,
      ended: this.ended,
      sequence: this.expected - 1,
      knownSequence: this.known - 1,
      messagesApplied: this.messagesApplied,
      gaps: this.gaps,
      recoveredByLines: this.recoveredByLines,
      recoveredByRewind: this.recoveredByRewind,
      recoveredBySnapshot: this.recoveredBySnapshot,
      snapshots: this.snapshots,
      rewindRequests: this.rewindRequests,
      bufferedPackets: this.pending.size,
      recoveries: { count: t.count, lastMs: round3(t.lastMs), maxMs: round3(t.maxMs), meanMs: round3(t.meanMs) },
      faults,
      lines: { lineA: this.lines[0].toJSON(), lineB: this.lines[1].toJSON(), rewinder: this.lines[2].toJSON() },
      orphans: this.books.orphans,
      integrityErrors: this.books.integrity.total,
      restingOrders: this.books.liveOrders,
      recorded: this.recorder === null ? 0 : this.recorder.messages,
    };
  }
}

function checkMs(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new FeedHandlerError('TW_ERR_FEED_BAD_OPTIONS', `${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
