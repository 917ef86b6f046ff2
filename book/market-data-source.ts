// The seam between whoever keeps books current and whoever serves them (the websocket
// gateway, the HTTP API, storage taps). The publisher implements it from the messages it
// sends; a feed handler implements it from the messages it applies off the wire. It lives
// in book/ because publisher/ and feed-handler/ may not import each other.

import type { ItchMessage } from '../protocol';
import type { MarketBooks } from './market-books';

/**
 * Told about the books as they change. Calls come on the thread that owns the books, in
 * sequence order, after the message is applied: read `books` freely inside a call, keep
 * nothing of `message` (it is a reused record).
 */
export interface MarketDataListener {
  /** One ITCH message, already applied to the books. For E/C the book's lastTrade* fields hold the print. */
  onMessage(sequence: number, message: ItchMessage): void;
  /**
   * A consistent point: every message up to `sequence` is applied and no event group is
   * half applied (the publisher: the end of an engine event group; a feed handler: the
   * end of a packet). Atomic consumers publish here, never in the middle of a group.
   */
  onBoundary(sequence: number): void;
  /** The source's state changed: books became valid or invalid (a gap), or the session ended. */
  onStatus?(status: MarketDataStatus): void;
}

export interface MarketDataStatus {
  /** False while the books may be wrong (a feed handler filling a gap, loading a snapshot). */
  valid: boolean;
  /** The last sequence applied. */
  sequence: number;
  /** End of Messages (S C) was applied. */
  ended: boolean;
}

export interface MarketDataSource {
  /** The books and their candles. Owned by the source's thread; read only. */
  readonly books: MarketBooks;
  /** MoldUDP64 session of the feed the books come from. */
  readonly session: string;
  /** Trading day, YYYY-MM-DD (New York). */
  readonly sessionDate: string;
  /** The last sequence applied to `books`. */
  readonly sequence: number;
  /** False while the books may be wrong (see MarketDataStatus.valid). */
  readonly valid: boolean;
  /** Adds a listener; the returned function removes it. */
  subscribe(listener: MarketDataListener): () => void;
}
