// The rewinder: the MoldUDP64 retransmission server (FEED.md, "Retransmission request").
//
// A request is one 20-byte UDP datagram: session (10), sequence of the first message wanted
// (8), count (2). The answer is an ordinary downstream packet (FEED.md, "MoldUDP64 downstream
// packet"): the same session, sequence = the first message's, then whole message blocks,
// sent unicast to the requester's address and port. It is built from the message store's
// bytes, copied in place into a preallocated answer buffer: no object per message.
//
// It must not be usable as a traffic amplifier (issue 4), so:
// - one request gets at most ONE packet of at most maxPayloadBytes, whatever its count: as
//   many whole messages as fit (and at most maxMessagesPerRequest). The requester asks again
//   from where the answer stopped;
// - requests per requester (address:port) per second are capped by a token bucket, and all
//   answers together by another; refused and malformed requests get no answer at all.
// Worst case, per requester: maxRequestsPerSecond x maxPayloadBytes (50 x 1,472 = 73,600
// payload bytes a second by default), i.e. up to 73.6x the request payload bytes (1,500 / 48
// = 31x on the wire with IP and UDP headers); in total maxAnswersPerSecond x maxPayloadBytes.
//
// The rewinder runs on the publisher's thread (the store's owner) and reads the store only
// between engine drains, so it never sees a half-written message.

import * as dgram from 'node:dgram';
import type { TickwireConfig } from '../config';
import { MOLD_HEADER_SIZE, MOLD_REQUEST_SIZE, moldSessionBytes, readU16, readU64, sessionMatches, TokenBucket, writeMoldHeader } from '../protocol';
import { PublisherError, REWIND_REFUSAL_KINDS, RewindRefusal, rewindRefusalName } from './errors';
import type { MessageStore } from './message-store';
import { STORE_SLOT_BYTES } from './message-store';
import { RATE_LIMITED, RequesterLimiter, TABLE_FULL } from './requester-limiter';

/** Default UDP port (issue 4). */
export const DEFAULT_REWINDER_PORT = 30003;
/** Default messages per request (issue 4). */
export const DEFAULT_MAX_MESSAGES_PER_REQUEST = 1000;
/** Default requests per requester per second. */
export const DEFAULT_MAX_REQUESTS_PER_SECOND = 50;
/** Default requesters tracked at once. */
export const DEFAULT_MAX_REQUESTERS = 4096;
/** Default answers per second from all requesters together. */
export const DEFAULT_MAX_ANSWERS_PER_SECOND = 5000;
/** Default answer buffers (sends in flight at once). */
export const DEFAULT_ANSWER_BUFFERS = 32;

/** What the rewinder answers from; FeedPublisher is one. */
export interface RewindSource {
  /** The MoldUDP64 session it serves (the feed's). */
  readonly session: string;
  /** Every sent message by sequence number. */
  readonly store: MessageStore;
  /** Sequence number the next message gets. */
  readonly nextSequence: number;
  /** Messages stored but still in the part-filled live packet (not yet on lines A/B): not answered. */
  readonly pendingCount: number;
  /** Largest UDP payload (FEED.md: 1,472 by default); an answer never exceeds it. */
  readonly maxPayloadBytes: number;
}

/** Milliseconds from any fixed origin, monotonic (a seam for tests). */
export interface RewinderClock {
  nowMs(): number;
}

/** The monotonic clock (performance.now(): no allocation, unaffected by wall-clock steps). */
export const MONOTONIC_CLOCK: RewinderClock = { nowMs: () => performance.now() };

/** One answer packet being built in a preallocated buffer. */
export class AnswerPacket {
  readonly buffer: Uint8Array;
  readonly maxBytes: number;
  /** Bytes used, header included. */
  length = MOLD_HEADER_SIZE;
  /** Message blocks appended. */
  count = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
    this.buffer = new Uint8Array(maxBytes);
  }

  /** Whether a message of `length` bytes still fits (a u16 block length, then the message; FEED.md). */
  fits(length: number): boolean {
    return this.length + 2 + length <= this.maxBytes;
  }

  /** Appends one message block if it fits whole; returns false (and appends nothing) if not. */
  append(bytes: Uint8Array, offset: number, length: number): boolean {
    let p = this.length;
    if (p + 2 + length > this.maxBytes) return false;
    const b = this.buffer;
    b[p] = length >>> 8;
    b[p + 1] = length;
    p += 2;
    // Messages are at most 40 bytes: a byte loop beats a subarray (an object) plus set().
    for (let i = 0; i < length; i++) b[p + i] = bytes[offset + i];
    this.length = p + length;
    this.count++;
    return true;
  }

  reset(): void {
    this.length = MOLD_HEADER_SIZE;
    this.count = 0;
  }
}

/**
 * Where messages older than the store come from: a MessageArchive (message-archive.ts), the
 * day's messages re-encoded from the journal by a worker; NO_OLDER_MESSAGES without a journal.
 */
export interface OlderMessageSource {
  /**
   * Appends messages `first`, `first + 1`, ... (whole messages, at most `maxCount`, while
   * `answer.append` accepts them) for a request that starts before the store's oldest
   * message. Returns false if it cannot: the request is refused as TW_ERR_REWIND_AGED_OUT.
   */
  appendOlder(first: number, maxCount: number, answer: AnswerPacket): boolean;
}

/** No older-message source: aged-out ranges are refused and counted. */
export const NO_OLDER_MESSAGES: OlderMessageSource = {
  appendOlder(): boolean {
    return false;
  },
};

export interface RewinderOptions {
  source: RewindSource;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** UDP port (default 30003; 0: any free port). */
  port?: number;
  maxMessagesPerRequest?: number;
  maxRequestsPerSecond?: number;
  maxRequesters?: number;
  maxAnswersPerSecond?: number;
  /** Answer buffers: sends in flight at once before requests are refused as busy (default 32). */
  answerBuffers?: number;
  older?: OlderMessageSource;
  clock?: RewinderClock;
}

/** RewinderOptions from the `publisher.rewinder` config section. */
export function rewinderOptions(config: TickwireConfig, source: RewindSource, older: OlderMessageSource = NO_OLDER_MESSAGES): RewinderOptions {
  const r = config.publisher.rewinder;
  return {
    source,
    older,
    host: r.host,
    port: r.port,
    maxMessagesPerRequest: r.maxMessagesPerRequest,
    maxRequestsPerSecond: r.maxRequestsPerSecond,
    maxRequesters: r.maxRequesters,
    maxAnswersPerSecond: r.maxAnswersPerSecond,
  };
}

/** The rewinder's figures, for logs and metrics. */
export interface RewinderFigures {
  requests: number;
  answered: number;
  /** Answers with no message (count 0, sequence = next expected): the range is not published yet. */
  emptyAnswers: number;
  /** Answers with fewer messages than asked: cut to maxMessagesPerRequest, to one packet, or to what is published. */
  shortened: number;
  messagesSent: number;
  bytesSent: number;
  sendErrors: number;
  refused: number;
  /** Refused requests by TW_ERR_REWIND_ code (only non-zero ones). */
  refusedBy: Record<string, number>;
  requesters: number;
  requestersForgotten: number;
}

function positiveInt(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new PublisherError('TW_ERR_PUB_BAD_CONFIG', `rewinder ${name} must be an integer in 1..${max}, got ${value}; set publisher.rewinder.${name}`);
  }
  return value;
}

export class Rewinder {
  readonly source: RewindSource;
  readonly host: string;
  readonly maxMessagesPerRequest: number;
  readonly maxPayloadBytes: number;
  /** Refused requests by RewindRefusal code (malformed ones included). */
  readonly refused = new Float64Array(REWIND_REFUSAL_KINDS);
  requests = 0;
  answered = 0;
  emptyAnswers = 0;
  shortened = 0;
  messagesSent = 0;
  bytesSent = 0;
  sendErrors = 0;
  /** The last send or socket error, for logs. */
  lastError: Error | null = null;

  private readonly session: Uint8Array;
  private readonly requesters: RequesterLimiter;
  private readonly total: TokenBucket;
  private readonly older: OlderMessageSource;
  private readonly clock: RewinderClock;
  private readonly answers: AnswerPacket[];
  private readonly busy: Uint8Array;
  private readonly sentCallbacks: Array<(error: Error | null) => void>;
  private nextAnswer = 0;
  private readonly requestedPort: number;
  private socket: dgram.Socket | null = null;
  private boundPort = 0;

  constructor(options: RewinderOptions) {
    this.source = options.source;
    this.session = moldSessionBytes(options.source.session);
    this.host = options.host ?? '127.0.0.1';
    const port = options.port ?? DEFAULT_REWINDER_PORT;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new PublisherError('TW_ERR_PUB_BAD_CONFIG', `rewinder port must be an integer in 0..65535, got ${port}; set publisher.rewinder.port`);
    }
    this.requestedPort = port;
    // A count is a u16 and 0xFFFF means end of session in a downstream packet (FEED.md).
    this.maxMessagesPerRequest = positiveInt('maxMessagesPerRequest', options.maxMessagesPerRequest ?? DEFAULT_MAX_MESSAGES_PER_REQUEST, 0xfffe);
    const perRequester = positiveInt('maxRequestsPerSecond', options.maxRequestsPerSecond ?? DEFAULT_MAX_REQUESTS_PER_SECOND, 10_000_000);
    const maxRequesters = positiveInt('maxRequesters', options.maxRequesters ?? DEFAULT_MAX_REQUESTERS, 1 << 24);
    const perSecond = positiveInt('maxAnswersPerSecond', options.maxAnswersPerSecond ?? DEFAULT_MAX_ANSWERS_PER_SECOND, 100_000_000);
    const buffers = positiveInt('answerBuffers', options.answerBuffers ?? DEFAULT_ANSWER_BUFFERS, 1 << 16);
    this.maxPayloadBytes = options.source.maxPayloadBytes;
    if (!Number.isInteger(this.maxPayloadBytes) || this.maxPayloadBytes < MOLD_HEADER_SIZE + 2 + STORE_SLOT_BYTES || this.maxPayloadBytes > 65507) {
      throw new PublisherError(
        'TW_ERR_PUB_BAD_CONFIG',
        `the rewinder's packets must hold the longest stored message: maxPayloadBytes ${this.maxPayloadBytes} is not in ${MOLD_HEADER_SIZE + 2 + STORE_SLOT_BYTES}..65507; set publisher.maxPayloadBytes`,
      );
    }
    this.clock = options.clock ?? MONOTONIC_CLOCK;
    this.older = options.older ?? NO_OLDER_MESSAGES;
    const clock = this.clock;
    const nowMs = (): number => clock.nowMs();
    this.requesters = new RequesterLimiter(maxRequesters, perRequester, nowMs);
    this.total = new TokenBucket({ slots: 1, ratePerSec: perSecond, burst: perSecond, nowMs });
    // A send reads its buffer after send() returns (Node resolves the address on the next
    // tick, and a send the kernel cannot take at once is queued), so each answer in flight
    // keeps its own buffer until its callback; the callbacks are made once, here.
    this.answers = [];
    this.sentCallbacks = [];
    this.busy = new Uint8Array(buffers);
    for (let i = 0; i < buffers; i++) {
      this.answers.push(new AnswerPacket(this.maxPayloadBytes));
      this.sentCallbacks.push((error: Error | null) => this.onSent(i, error));
    }
  }

  /** Binds the UDP socket; resolves with the bound port (useful with port 0). */
  start(): Promise<number> {
    if (this.socket !== null) return Promise.resolve(this.boundPort);
    const socket = dgram.createSocket({ type: 'udp4' });
    this.socket = socket;
    return new Promise<number>((resolve, reject) => {
      const onBindError = (error: Error): void => {
        this.socket = null;
        socket.close();
        reject(new PublisherError('TW_ERR_PUB_BIND', `the rewinder cannot listen on ${this.host}:${this.requestedPort}: ${error.message}; set publisher.rewinder.host/port`));
      };
      socket.once('error', onBindError);
      socket.bind(this.requestedPort, this.host, () => {
        socket.off('error', onBindError);
        // After binding, a socket error (e.g. ICMP unreachable surfacing) is counted, never fatal.
        socket.on('error', (error: Error) => {
          this.sendErrors++;
          this.lastError = error;
        });
        socket.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
          this.handleRequest(msg, msg.length, rinfo.address, rinfo.port);
        });
        this.boundPort = socket.address().port;
        resolve(this.boundPort);
      });
    });
  }

  /** The bound port (0 before start). */
  get port(): number {
    return this.boundPort;
  }

  /** Closes the socket. */
  close(): Promise<void> {
    const socket = this.socket;
    if (socket === null) return Promise.resolve();
    this.socket = null;
    return new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  /**
   * Handles one request datagram `msg[0, length)` from `address:port`: answers it with one
   * packet, or refuses it and counts why. Returns RewindRefusal.None when answered. Never throws
   * on bad input.
   */
  handleRequest(msg: Uint8Array, length: number, address: string, port: number): number {
    this.requests++;
    // FEED.md, "Retransmission request": exactly session (10), sequence (8), count (2).
    if (length !== MOLD_REQUEST_SIZE || msg.length < MOLD_REQUEST_SIZE) return this.refuse(RewindRefusal.BadLength);
    // A u64 sequence at or above 2^53 is not exact in a number, and no session gets there.
    if (msg[10] !== 0 || msg[11] > 0x1f) return this.refuse(RewindRefusal.SequenceTooLarge);
    const first = readU64(msg, 10);
    const count = readU16(msg, 18);
    if (first === 0) return this.refuse(RewindRefusal.ZeroSequence);
    if (count === 0) return this.refuse(RewindRefusal.ZeroCount);
    // FEED.md: the rewinder never answers a session it does not own. Checked before the
    // requester table, so requests that can get nothing cannot fill it.
    if (!sessionMatches(msg, 0, this.session)) return this.refuse(RewindRefusal.WrongSession);
    const slot = this.freeAnswer();
    if (slot < 0) return this.refuse(RewindRefusal.Busy);
    // Requester first: one requester over its limit must not use up the shared budget.
    const taken = this.requesters.take(address + ':' + port);
    if (taken === RATE_LIMITED) return this.refuse(RewindRefusal.RateLimited);
    if (taken === TABLE_FULL) return this.refuse(RewindRefusal.TooManyRequesters);
    if (!this.total.take(0)) return this.refuse(RewindRefusal.Overloaded);

    const answer = this.answers[slot];
    answer.reset();
    const source = this.source;
    const store = source.store;
    // Only what the live lines have sent: messages in the part-filled packet are not out yet.
    const sentEnd = source.nextSequence - source.pendingCount;
    let want = count;
    if (want > this.maxMessagesPerRequest) want = this.maxMessagesPerRequest;
    let answerSequence = first;
    if (first >= sentEnd) {
      // Nothing published from `first` yet: an empty packet, count 0 and sequence = the next
      // expected, like a MoldUDP64 heartbeat (FEED.md), tells the requester where the feed stands.
      answerSequence = sentEnd;
      this.emptyAnswers++;
    } else if (first < store.oldestSequence) {
      if (!this.older.appendOlder(first, want, answer) || answer.count === 0) return this.refuse(RewindRefusal.AgedOut);
    } else {
      // A request beyond the latest sequence gets what exists.
      if (want > sentEnd - first) want = sentEnd - first;
      const bytes = store.bytes;
      for (let s = first, end = first + want; s < end; s++) {
        if (!answer.append(bytes, store.offsetOf(s), store.lengthOf(s))) break;
      }
    }
    if (answer.count < count && answerSequence === first) this.shortened++;
    writeMoldHeader(answer.buffer, 0, this.session, answerSequence, answer.count);
    this.send(slot, answer, address, port);
    return RewindRefusal.None;
  }

  /** The figures, for logs and metrics (allocates: not per request). */
  figures(): RewinderFigures {
    const refusedBy: Record<string, number> = {};
    let refused = 0;
    for (let i = 1; i < this.refused.length; i++) {
      if (this.refused[i] !== 0) refusedBy[rewindRefusalName(i)] = this.refused[i];
      refused += this.refused[i];
    }
    return {
      requests: this.requests,
      answered: this.answered,
      emptyAnswers: this.emptyAnswers,
      shortened: this.shortened,
      messagesSent: this.messagesSent,
      bytesSent: this.bytesSent,
      sendErrors: this.sendErrors,
      refused,
      refusedBy,
      requesters: this.requesters.size,
      requestersForgotten: this.requesters.forgotten,
    };
  }

  private refuse(reason: number): number {
    this.refused[reason]++;
    return reason;
  }

  /** Index of a free answer buffer, or -1 if every one is in flight. */
  private freeAnswer(): number {
    const n = this.busy.length;
    for (let k = 0; k < n; k++) {
      let i = this.nextAnswer + k;
      if (i >= n) i -= n;
      if (this.busy[i] === 0) return i;
    }
    return -1;
  }

  private send(slot: number, answer: AnswerPacket, address: string, port: number): void {
    this.answered++;
    this.messagesSent += answer.count;
    this.bytesSent += answer.length;
    const socket = this.socket;
    // Without a socket (handleRequest called directly) the answer is built and counted only.
    if (socket === null) return;
    this.busy[slot] = 1;
    this.nextAnswer = slot + 1 === this.busy.length ? 0 : slot + 1;
    try {
      socket.send(answer.buffer, 0, answer.length, port, address, this.sentCallbacks[slot]);
    } catch (error) {
      // A closed socket throws synchronously (ERR_SOCKET_DGRAM_NOT_RUNNING).
      this.busy[slot] = 0;
      this.sendErrors++;
      this.lastError = error instanceof Error ? error : new Error(String(error));
    }
  }

  private onSent(slot: number, error: Error | null): void {
    this.busy[slot] = 0;
    if (error) {
      this.sendErrors++;
      this.lastError = error;
    }
  }
}

