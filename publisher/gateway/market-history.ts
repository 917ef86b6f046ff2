// What the HTTP API needs from storage for ranges older than memory holds. The storage
// issue implements it over DuckDB; the process wiring (bin/) hands it to the gateway.
// Prices are Price(4) integers, times UTC ms, as everywhere inside.
import type { CandleInterval } from '../../book';
import type { HistoryCandle } from '../../storage';

// The candle is storage's own (publisher/ may import storage/); one definition for both.
export type { HistoryCandle };

export interface HistoryExecution {
  timeMs: number;
  seq: number;
  price: number;
  shares: number;
  /** The resting order's ref. */
  orderId: number;
  matchNumber: number;
}

export interface HistoryL2 {
  timeMs: number;
  seq: number;
  /** Best first. */
  bids: Array<{ price: number; shares: number; orders: number }>;
  asks: Array<{ price: number; shares: number; orders: number }>;
}

export interface MarketHistory {
  /** Candles starting in [startMs, endMs], oldest first, at most `limit`. */
  candles(symbol: string, interval: CandleInterval, startMs: number, endMs: number, limit: number): Promise<HistoryCandle[]>;
  /** Executions in [startMs, endMs] (of one resting order if `orderId` is given), oldest first. */
  executions(symbol: string, orderId: number | undefined, startMs: number, endMs: number, limit: number): Promise<HistoryExecution[]>;
  /** The book at `timeMs`, `depth` levels a side, or null if storage has none then. */
  l2At(symbol: string, timeMs: number, depth: number): Promise<HistoryL2 | null>;
}
