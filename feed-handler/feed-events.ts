// What a FeedHandler is in (its state) and what it tells listeners: the types every other
// module of the handler shares. No logic beyond RecoveryTimes' running figures.
import type { MarketDataStatus, OrderBook } from '../book';
import type { ItchMessage } from '../protocol';

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

/**
 * A stretch of the session the handler skipped (a snapshot recovery, or a join by snapshot:
 * a snapshot carries resting orders, not prints). Every candle of every symbol and interval
 * overlapping [fromNs, toNs] is marked incomplete (book/'s Candle.incomplete), now and when
 * it opens later.
 */
export interface FeedCandlesIncomplete {
  /** First sequence not applied (covered by the snapshot). */
  first: number;
  /** Sequences skipped. */
  count: number;
  /** ITCH ns since New York midnight: the last message applied before (0 for a join: the handler saw nothing before). */
  fromNs: number;
  /** The snapshot's time (its End of Snapshot's timestamp, the last message it covers). */
  toNs: number;
  /** The same as UTC ms (null when the handler builds no candles). */
  fromMs: number | null;
  toMs: number | null;
}

/** A new MoldUDP64 session on the lines (the next session of the day, or another day's): the books start again. */
export interface FeedNewSession {
  session: string;
  /** The session the handler followed before. */
  previous: string;
  /** YYYY-MM-DD of the new session ('' when the handler builds no candles). */
  sessionDate: string;
  /** The last sequence applied in the previous session. */
  previousSequence: number;
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
  /** A snapshot was applied over skipped messages: candles overlapping the range are now incomplete. */
  onCandlesIncomplete?(range: FeedCandlesIncomplete): void;
  /** End of Messages applied, or end of session with nothing missing. Once per session. */
  onEndOfSession?(sequence: number): void;
  /** A new session began: `books` is a new, empty MarketBooks and sequences start again at 1. */
  onNewSession?(session: FeedNewSession): void;
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
  /** The MoldUDP64 session followed now. */
  session: string;
  /** Sessions the handler moved to after its first (each one reset the books). */
  newSessions: number;
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
  /** Ranges skipped by snapshots this session (FeedCandlesIncomplete): candles overlapping them are incomplete. */
  candlesIncompleteRanges: number;
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
