// The feed handler's hot path: rebuilds the exact books from lines A and B (FEED.md,
// "MoldUDP64 downstream packet"). Every message is applied once, in sequence order, whatever
// the network does:
// - arbitration: the first copy of a sequence number wins, later copies are dropped;
// - gap detection: a packet past the next expected sequence, a heartbeat or end of session
//   ahead of it, or (when the lines go quiet, stale-watch.ts) a probe of the rewinder that
//   says the feed has moved on. Packets after a gap are held (PacketBuffer) until it is
//   filled by the lines, the rewinder or a snapshot (gap-recovery.ts);
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
// Options: feed-handler-options.ts; sockets: feed-sockets.ts; clock and timers: feed-clock.ts.

import {
  decodeItch as decodeItchExport,
  encodeOrderDelete as encodeOrderDeleteExport,
  encodeRetransmissionRequest as encodeRetransmissionRequestExport,
  Fault,
  isLaterSession,
  ItchMessage,
  MOLD_REQUEST_SIZE,
  MoldPacketKind,
  moldSessionBytes,
  MoldUdp64Packet,
  parseSessionName,
} from '../protocol';
import { BUY, MarketBooks, SELL, type MarketDataSource, type OrderBook } from '../book';
import { FEED_FAULT_KINDS, FeedFault, feedFaultName } from './errors';
import type { FeedClock } from './feed-clock';
import {
  FeedState,
  LINE_A,
  LINE_B,
  REWINDER,
  type FeedCandlesIncomplete,
  type FeedGap,
  type FeedHandlerFigures,
  type FeedHandlerListener,
  type FeedNewSession,
  type FeedRecovery,
  type FeedStatus,
  type RecoveryTimes,
} from './feed-events';
import { resolveFeedHandlerOptions, type FeedHandlerOptions, type ResolvedFeedHandlerOptions } from './feed-handler-options';
import { FeedRecorder } from './feed-recorder';
import type { FeedSocket } from './feed-sockets';
import { GapRecovery, type RecoveryHost } from './gap-recovery';
import { LineCounters } from './line-counters';
import { PacketBuffer } from './packet-buffer';
import type { SnapshotImage } from './snapshot-client';
import { StaleWatch, type StaleHost } from './stale-watch';

// Module-local bindings: CommonJS re-exports through protocol/index are getters.
const decodeItch = decodeItchExport;
const encodeOrderDelete = encodeOrderDeleteExport;
const encodeRetransmissionRequest = encodeRetransmissionRequestExport;
const DATA = MoldPacketKind.Data;
const HEARTBEAT = MoldPacketKind.Heartbeat;
const WRONG_SESSION = Fault.MoldWrongSession;

export class FeedHandler implements MarketDataSource {
  /** The books of the current session: replaced by new, empty ones when a new session begins. */
  books: MarketBooks;
  /** line A, line B, rewinder answers. */
  readonly lines: readonly [LineCounters, LineCounters, LineCounters];
  /** Faults by FeedFault code. */
  readonly faults = new Float64Array(FEED_FAULT_KINDS);
  readonly recorder: FeedRecorder | null;

  state: FeedState = FeedState.Unknown;
  valid = false;
  ended = false;
  recoveredByRewind = 0;
  recoveredBySnapshot = 0;
  rewindRequests = 0;
  messagesApplied = 0;
  /** Sessions followed after the first (each a new day of books). */
  newSessions = 0;
  /** This session's ranges skipped by snapshots (candles overlapping them are marked incomplete), oldest first. */
  incompleteRanges: FeedCandlesIncomplete[] = [];

  private currentSession: string;
  private currentSessionDate: string;
  private sessionBytes: Uint8Array;
  private readonly options: ResolvedFeedHandlerOptions;
  private readonly clock: FeedClock;
  private readonly recovery: GapRecovery;
  private readonly staleWatch: StaleWatch;

  /** Next sequence to apply. */
  private expected = 1;
  /** The sequence after the latest message known to exist. */
  private known = 1;
  /** Timestamp of the last message applied (ITCH ns since midnight): where a skipped range starts. */
  private lastAppliedNs = 0;
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

  private endOfSessionSeen = false;
  private endOfSessionTold = false;
  private recordTimer: unknown = null;
  private lineSockets: FeedSocket[] = [];
  private requestSocket: FeedSocket | null = null;
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
    const o = resolveFeedHandlerOptions(options);
    this.options = o;
    this.clock = o.clock;
    this.currentSession = o.session;
    this.sessionBytes = moldSessionBytes(o.session);
    this.currentSessionDate = o.sessionDate;
    this.books = new MarketBooks({ ...o.books, sessionDate: options.sessionDate });
    this.lines = [new LineCounters('lineA'), new LineCounters('lineB'), new LineCounters('rewinder')];
    this.pending = new PacketBuffer(o.maxBufferedPackets);
    this.recovery = new GapRecovery(this.recoveryHost(), o.clock, o, o.snapshot);
    this.staleWatch = new StaleWatch(this.staleHost(), o.clock, o.staleAfterMs, this.lines, [o.lineA !== null, o.lineB !== null]);
    this.recorder = o.record !== null ? new FeedRecorder(o.record) : null;
  }

  // --- MarketDataSource ------------------------------------------------------------

  /** The MoldUDP64 session followed now (the configured one until a later session appears). */
  get session(): string {
    return this.currentSession;
  }

  /** The current session's trading day ('' without candles). */
  get sessionDate(): string {
    return this.currentSessionDate;
  }

  /** The last sequence applied. */
  get sequence(): number {
    return this.expected - 1;
  }

  /** The sequence after the latest message known to exist. */
  get knownSequence(): number {
    return this.known;
  }

  get gaps(): number {
    return this.recovery.gaps;
  }

  /** Gaps the other line (or a late copy) filled before any recovery. */
  get recoveredByLines(): number {
    return this.recovery.recoveredByLines;
  }

  get snapshots(): number {
    return this.recovery.snapshots;
  }

  get recoveryTimes(): RecoveryTimes {
    return this.recovery.times;
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
    if (l.onGap || l.onRecovery || l.onCandlesIncomplete || l.onEndOfSession || l.onNewSession || l.onFault) lists.push(this.eventListeners);
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
    const o = this.options;
    const sockets = o.sockets;
    if (o.rewinder !== null) this.requestSocket = await sockets.openRequest(o.iface, REWINDER, this);
    if (o.lineA !== null) this.lineSockets.push(await sockets.openLine(o.lineA, LINE_A, o.iface, o.recvBufferBytes, this));
    if (o.lineB !== null) this.lineSockets.push(await sockets.openLine(o.lineB, LINE_B, o.iface, o.recvBufferBytes, this));
    this.staleWatch.start();
    if (this.recorder !== null) this.recordTimer = this.clock.setInterval(() => this.flushRecord(), 200);
    if (o.join === 'snapshot') this.recovery.beginSnapshot();
  }

  /** Leaves the lines, closes the sockets and the record file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.staleWatch.stop();
    if (this.recordTimer !== null) this.clock.clearInterval(this.recordTimer);
    this.recovery.close();
    const all = [...this.lineSockets, ...(this.requestSocket === null ? [] : [this.requestSocket])];
    this.lineSockets = [];
    this.requestSocket = null;
    await Promise.all(all.map((s) => s.close()));
    if (this.recorder !== null) {
      this.recorder.close();
      if (this.recorder.error !== '') this.fault(FeedFault.RecordFailed, this.recorder.error);
    }
    this.pending.clear();
  }

  /** The local UDP port rewinder answers come back to (0 without a rewinder). */
  get requestPort(): number {
    return this.requestSocket === null ? 0 : this.requestSocket.localPort();
  }

  /** The bound port of each joined line socket, in order A, B. */
  get linePorts(): number[] {
    return this.lineSockets.map((s) => s.localPort());
  }

  /** The receive buffer the kernel granted each line socket. */
  get recvBufferSizes(): number[] {
    return this.lineSockets.map((s) => s.recvBufferBytes());
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
    const now = this.clock.nowMs();
    line.lastPacketMs = now;
    if (source !== REWINDER) {
      this.staleWatch.lastPacketMs = now;
      if (line.silent) line.silent = false;
    }
    const p = this.packet;
    let fault = p.parse(bytes, 0, bytes.length, this.sessionBytes);
    if (fault === WRONG_SESSION && this.options.followSessions && this.followNewSession(bytes)) fault = p.parse(bytes, 0, bytes.length, this.sessionBytes);
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
    if (this.state === FeedState.Stale && source !== REWINDER) this.setState(this.recovery.gapOpen ? FeedState.FillingGap : FeedState.Synchronized);
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
    if (this.expected < this.known) this.recovery.noteGap();
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
    if (this.recovery.snapshotLoading || first > this.expected) {
      const held = this.pending.insert(bytes, first, count, source);
      if (held === 0) line.duplicates++;
      else if (held < 0) this.fault(FeedFault.BufferFull, `${this.pending.capacity} packets held; packet at sequence ${first} dropped (recovered later)`);
      if (!this.recovery.snapshotLoading) this.recovery.noteGap();
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
      if (applied > 0) this.recovery.noteRewinderApplied();
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
    this.lastAppliedNs = m.timestampNs;
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
    if (this.recovery.gapOpen) this.recovery.onProgress(source === REWINDER);
    else if (!this.valid || this.state === FeedState.Unknown) this.setValid(true, FeedState.Synchronized);
    this.checkEnded();
  }

  // --- sessions ------------------------------------------------------------------------

  /**
   * A well-framed packet of another session: if its name is a later session than ours by
   * protocol/'s rule (the day's next session, or a later day's), the books start again with it.
   */
  private followNewSession(bytes: Uint8Array): boolean {
    if (bytes.length < 20 || bytes[0] !== 0x54) return false; // 'T': every derived name starts with it
    if (this.packet.parse(bytes, 0, bytes.length, null) !== 0) return false;
    let name = '';
    for (let i = 0; i < 10; i++) name += String.fromCharCode(bytes[i]);
    if (!isLaterSession(this.currentSession, name)) return false;
    this.beginSession(name);
    return true;
  }

  /** A new day of books: new MarketBooks (and candles), sequences from 1, no gap, nothing held. */
  private beginSession(name: string): void {
    const o = this.options;
    const told: FeedNewSession = { session: name, previous: this.currentSession, sessionDate: '', previousSequence: this.expected - 1 };
    if (this.recorder !== null) this.recordBooksCleared();
    const parsed = parseSessionName(name);
    if (o.candles && parsed !== null) this.currentSessionDate = parsed.sessionDate;
    told.sessionDate = o.candles ? this.currentSessionDate : '';
    this.currentSession = name;
    this.sessionBytes = moldSessionBytes(name);
    this.books = new MarketBooks({ ...o.books, sessionDate: o.candles ? this.currentSessionDate : undefined });
    this.recovery.reset();
    this.pending.clear();
    this.expected = 1;
    this.known = 1;
    this.lastAppliedNs = 0;
    this.incompleteRanges = [];
    this.ended = false;
    this.endOfSessionSeen = false;
    this.endOfSessionTold = false;
    for (const line of this.lines) line.nextSequence = 0;
    for (let k = 0; k < this.touchedCount; k++) this.touched[this.touchedList[k]] = 0;
    this.touchedCount = 0;
    this.newSessions++;
    this.valid = false;
    this.state = FeedState.Unknown;
    for (const l of this.eventListeners) l.onNewSession?.(told);
    this.emitStatus();
  }

  /** Writes an Order Delete per resting order to the record, so a replay of it starts the new session from empty books too. */
  private recordBooksCleared(): void {
    const r = this.recorder as FeedRecorder;
    const b = this.scratch;
    this.forEachRestingOrder((locate, ref) => {
      const length = encodeOrderDelete(b, 0, locate, 0, 0, ref);
      r.append(b, 0, length);
    });
  }

  private forEachRestingOrder(visit: (locate: number, ref: number) => void): void {
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
    for (let i = 0; i < refs.length; i++) visit(locates[i], refs[i]);
  }

  // --- what recovery and the stale watch use ------------------------------------------

  /** The sequence after the first missing range: the first held packet, or the latest known. */
  private missingEnd(): number {
    return this.pending.size > 0 && this.pending.firstSequence < this.known ? this.pending.firstSequence : this.known;
  }

  private sendRewindRequest(first: number, count: number): void {
    const socket = this.requestSocket;
    const r = this.options.rewinder;
    if (socket === null || r === null) return;
    encodeRetransmissionRequest(this.request, 0, this.sessionBytes, first, count);
    this.rewindRequests++;
    socket.send(this.request, MOLD_REQUEST_SIZE, r.port, r.host);
  }

  /**
   * Reloads the books as of the snapshot, if it is ahead of them (every resting order deleted,
   * then the snapshot's adds, all through the apply path so listeners and the record see them).
   * The prints of the skipped messages are not in a snapshot: the candles overlapping the
   * skipped time (from the last message applied, or midnight for a join, to the snapshot's
   * time) are marked incomplete and listeners are told.
   */
  private applySnapshotImage(image: SnapshotImage): void {
    const next = image.nextSequence;
    if (next <= this.expected) return;
    const first = this.expected;
    const fromNs = this.lastAppliedNs;
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
    const toNs = Math.max(fromNs, image.timestampNs);
    this.lastAppliedNs = toNs;
    this.markCandlesIncomplete(first, next - first, fromNs, toNs);
    this.boundary();
  }

  private markCandlesIncomplete(first: number, count: number, fromNs: number, toNs: number): void {
    const books = this.books;
    books.markCandlesIncomplete(fromNs, toNs);
    const midnightMs = books.clock === null ? null : books.clock.anchors.midnightMs;
    const range: FeedCandlesIncomplete = {
      first,
      count,
      fromNs,
      toNs,
      fromMs: midnightMs === null ? null : midnightMs + fromNs / 1e6,
      toMs: midnightMs === null ? null : midnightMs + toNs / 1e6,
    };
    this.incompleteRanges.push(range);
    for (const l of this.eventListeners) l.onCandlesIncomplete?.(range);
  }

  /** Deletes every resting order through synthetic Order Delete messages (so a record replays to the same books). */
  private clearBooks(sequence: number): void {
    const b = this.scratch;
    this.forEachRestingOrder((locate, ref) => {
      const length = encodeOrderDelete(b, 0, locate, 0, 0, ref);
      this.applyMessage(b, 0, length, sequence);
    });
  }

  /** The narrow view of this handler that GapRecovery works through. */
  private recoveryHost(): RecoveryHost {
    const h = this;
    return {
      get expectedSequence() {
        return h.expected;
      },
      get session() {
        return h.session;
      },
      missingEnd: () => this.missingEnd(),
      caughtUp: () => this.expected >= this.known && this.pending.size === 0,
      canRewind: () => this.requestSocket !== null,
      sendRewindRequest: (first, count) => this.sendRewindRequest(first, count),
      drainPending: () => this.drainPending(),
      drainHeld: () => {
        this.drainPending();
        this.afterProgress(LINE_A);
      },
      applySnapshotImage: (image) => this.applySnapshotImage(image),
      checkEnded: () => this.checkEnded(),
      setState: (state) => this.setState(state),
      setValid: (valid, state) => this.setValid(valid, state),
      fault: (code, detail) => this.fault(code, detail),
      tellGap: (gap: FeedGap) => {
        for (const l of this.eventListeners) l.onGap?.(gap);
      },
      tellRecovery: (recovery: FeedRecovery) => {
        for (const l of this.eventListeners) l.onRecovery?.(recovery);
      },
    };
  }

  private staleHost(): StaleHost {
    return {
      watching: () => !this.closed && !this.ended,
      onQuiet: () => {
        if (this.state === FeedState.Synchronized) this.setState(FeedState.Stale);
      },
      canProbe: () => !this.recovery.gapOpen && !this.recovery.snapshotLoading,
      probe: () => this.sendRewindRequest(this.expected, 1),
    };
  }

  // --- state ---------------------------------------------------------------------------

  private checkEnded(): void {
    if (this.ended || !this.endOfSessionSeen || this.recovery.gapOpen || this.expected < this.known) return;
    this.ended = true;
    this.emitStatus();
    if (!this.endOfSessionTold) {
      this.endOfSessionTold = true;
      for (const l of this.eventListeners) l.onEndOfSession?.(this.expected - 1);
    }
    this.flushRecord();
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

  // --- figures ---------------------------------------------------------------------------

  figures(): FeedHandlerFigures {
    const faults: Record<string, number> = {};
    for (let i = 1; i < this.faults.length; i++) if (this.faults[i] > 0) faults[feedFaultName(i)] = this.faults[i];
    const t = this.recovery.times;
    return {
      state: this.state,
      valid: this.valid,
      ended: this.ended,
      session: this.currentSession,
      newSessions: this.newSessions,
      sequence: this.expected - 1,
      knownSequence: this.known - 1,
      messagesApplied: this.messagesApplied,
      gaps: this.gaps,
      recoveredByLines: this.recoveredByLines,
      recoveredByRewind: this.recoveredByRewind,
      recoveredBySnapshot: this.recoveredBySnapshot,
      snapshots: this.snapshots,
      candlesIncompleteRanges: this.incompleteRanges.length,
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

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
