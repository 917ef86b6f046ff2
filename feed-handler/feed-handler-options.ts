// FeedHandler's options, their defaults and their validation: a bad option throws
// FeedHandlerError TW_ERR_FEED_BAD_OPTIONS before anything is opened.
import type { MarketBooksOptions } from '../book';
import { FeedHandlerError } from './errors';
import { systemClock, type FeedClock } from './feed-clock';
import type { FeedLineAddress, FeedSockets, RewinderAddress } from './feed-sockets';
import { DGRAM_SOCKETS } from './dgram-sockets';
import { DEFAULT_REWIND_REQUESTS_PER_SECOND } from './gap-recovery';
import type { SnapshotEndpoint } from './snapshot-client';

/** Largest gap asked of the rewinder by default (config feedHandler.maxRewindMessages). */
export const DEFAULT_MAX_REWIND_MESSAGES = 4000;

export type BookSizes = Pick<MarketBooksOptions, 'orderCapacity' | 'levelCapacity' | 'candleCapacity'>;

export interface FeedHandlerOptions {
  /** MoldUDP64 session (up to 10 ASCII characters); packets of other sessions are counted and ignored, except a later session of the protocol's naming rule (followSessions). */
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
  /**
   * Gaps larger than this go straight to the snapshot (and a join this far behind), smaller ones
   * to the rewinder. Default 4,000: ~2.6 s at the default pace of ~38 messages an answer.
   */
  maxRewindMessages?: number;
  /** Rewinder requests a second at most (a burst of as many): keep it under the rewinder's per-requester cap (default 50). Default 40. */
  rewindRequestsPerSecond?: number;
  /** A snapshot session that has not ended after this long fails (and is retried). Default 15,000. */
  snapshotTimeoutMs?: number;
  /** Wait before retrying a failed snapshot; doubles up to 10 s. Default 500. */
  snapshotRetryMs?: number;
  /** No packet on either line for this long: state stale (and the rewinder is probed). Default 3,000. */
  staleAfterMs?: number;
  /** Packets held while a gap is open or a snapshot loads. Default 65,536 (~96 MB of 1,472-byte datagrams at worst). */
  maxBufferedPackets?: number;
  /**
   * Follow a later session (protocol/'s session names: the day's next session, or a later
   * day's) when its packets appear: the books, sequences and recovery start again. Default true.
   */
  followSessions?: boolean;
  /** Write every applied message to this ITCH file (u16 length + message). */
  record?: string | null;
  /** Sizes of the books. */
  books?: BookSizes;
  /** Milliseconds from a fixed origin (default performance.now): a seam for tests. Ignored when `clock` is given. */
  nowMs?: () => number;
  /** Clock and timers (default: performance.now and Node's timers): a seam for tests. */
  clock?: FeedClock;
  /** UDP sockets (default: node:dgram): a seam for tests. */
  sockets?: FeedSockets;
}

/** Every option with its default applied, checked. */
export interface ResolvedFeedHandlerOptions {
  session: string;
  sessionDate: string;
  /** Whether candles are built (a sessionDate was given). */
  candles: boolean;
  lineA: FeedLineAddress | null;
  lineB: FeedLineAddress | null;
  iface: string;
  recvBufferBytes: number;
  rewinder: RewinderAddress | null;
  snapshot: SnapshotEndpoint | null;
  join: 'auto' | 'snapshot';
  rewindDelayMs: number;
  rewindTimeoutMs: number;
  maxRewindRetries: number;
  maxRewindMessages: number;
  rewindRequestsPerSecond: number;
  snapshotTimeoutMs: number;
  snapshotRetryMs: number;
  staleAfterMs: number;
  maxBufferedPackets: number;
  followSessions: boolean;
  record: string | null;
  books: BookSizes;
  clock: FeedClock;
  sockets: FeedSockets;
}

export function resolveFeedHandlerOptions(options: FeedHandlerOptions): ResolvedFeedHandlerOptions {
  if (typeof options.session !== 'string' || options.session.length > 10) {
    throw new FeedHandlerError('TW_ERR_FEED_BAD_OPTIONS', `session must be a MoldUDP64 session name of at most 10 characters, got ${JSON.stringify(options.session)}`);
  }
  const snapshot = options.snapshot ?? null;
  const join = options.join ?? 'auto';
  if (join === 'snapshot' && snapshot === null) {
    throw new FeedHandlerError('TW_ERR_FEED_BAD_OPTIONS', "join 'snapshot' needs a snapshot server (the snapshot option)");
  }
  return {
    session: options.session,
    sessionDate: options.sessionDate ?? '',
    candles: options.sessionDate !== undefined,
    lineA: options.lineA ?? null,
    lineB: options.lineB ?? null,
    iface: options.interface ?? '127.0.0.1',
    recvBufferBytes: options.recvBufferBytes ?? 4 << 20,
    rewinder: options.rewinder ?? null,
    snapshot,
    join,
    rewindDelayMs: checkMs('rewindDelayMs', options.rewindDelayMs ?? 2, 0),
    rewindTimeoutMs: checkMs('rewindTimeoutMs', options.rewindTimeoutMs ?? 50, 1),
    maxRewindRetries: checkMs('maxRewindRetries', options.maxRewindRetries ?? 5, 0),
    maxRewindMessages: checkMs('maxRewindMessages', options.maxRewindMessages ?? DEFAULT_MAX_REWIND_MESSAGES, 1),
    rewindRequestsPerSecond: checkMs('rewindRequestsPerSecond', options.rewindRequestsPerSecond ?? DEFAULT_REWIND_REQUESTS_PER_SECOND, 1),
    snapshotTimeoutMs: checkMs('snapshotTimeoutMs', options.snapshotTimeoutMs ?? 15_000, 1),
    snapshotRetryMs: checkMs('snapshotRetryMs', options.snapshotRetryMs ?? 500, 1),
    staleAfterMs: checkMs('staleAfterMs', options.staleAfterMs ?? 3000, 1),
    maxBufferedPackets: checkMs('maxBufferedPackets', options.maxBufferedPackets ?? 65_536, 16),
    followSessions: options.followSessions ?? true,
    record: options.record ? options.record : null,
    books: options.books ?? {},
    clock: options.clock ?? systemClock(options.nowMs),
    sockets: options.sockets ?? DGRAM_SOCKETS,
  };
}

function checkMs(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new FeedHandlerError('TW_ERR_FEED_BAD_OPTIONS', `${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}
