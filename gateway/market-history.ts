// What the HTTP API needs from storage for ranges older than memory holds. The gateway
// reaches history only through this interface: the process wiring (bin/) passes an
// implementation in (storage's, over DuckDB or QuestDB). The records are protocol's.
import type { CandleInterval } from '../book';
import type { Candle, Execution, L2Snapshot } from '../protocol';

export interface MarketHistory {
  /** Candles starting in [startMs, endMs], oldest first, at most `limit`. */
  candles(symbol: string, interval: CandleInterval, startMs: number, endMs: number, limit: number): Promise<readonly Candle[]>;
  /** Executions in [startMs, endMs] (of one resting order if `orderId` is given), oldest first. */
  executions(symbol: string, orderId: number | undefined, startMs: number, endMs: number, limit: number): Promise<readonly Execution[]>;
  /** The book at `timeMs`, `depth` levels a side, or null if storage has none then. */
  l2At(symbol: string, timeMs: number, depth: number): Promise<L2Snapshot | null>;
}
