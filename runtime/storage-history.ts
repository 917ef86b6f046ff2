// The gateway's MarketHistory (gateway/market-history.ts) over storage's history queries
// (storage/history.ts): the HTTP API answers ranges older than its rings from the columnar
// store. bin/ joins them: storage's executions and L2 rows carry more than protocol's
// records (candles are protocol's in both).
import type { CandleInterval } from '../book';
import type { MarketHistory } from '../gateway';
import type { Candle, Execution, L2Snapshot } from '../protocol';
import type { HistoryQueries, Resolution } from '../storage';

const RESOLUTION: Record<CandleInterval, Resolution> = { '1m': 60, '5m': 300, '1h': 3600, '1d': 86_400, '1w': 604_800, '1M': '1M' };

export function storageHistory(history: HistoryQueries): MarketHistory {
  return {
    async candles(symbol: string, interval: CandleInterval, startMs: number, endMs: number, limit: number): Promise<Candle[]> {
      // The gateway's range is inclusive of a candle starting at endMs; storage's ends before it.
      return history.candles({ symbol, resolution: RESOLUTION[interval], startMs, endMs: endMs + 1, limit });
    },
    async executions(symbol: string, orderId: number | undefined, startMs: number, endMs: number, limit: number): Promise<Execution[]> {
      const rows = await history.executions({ symbol, orderRef: orderId, startMs, endMs: endMs + 1, limit });
      return rows.map((e) => ({ timeMs: e.timeMs, seq: e.sequence, price: e.price, shares: e.shares, orderId: e.orderRef, matchNumber: e.matchNumber }));
    },
    async l2At(symbol: string, timeMs: number, depth: number): Promise<L2Snapshot | null> {
      const s = await history.l2At({ symbol, timeMs, depth: Math.min(10, depth) });
      return s === null ? null : { timeMs: s.timeMs, seq: s.sequence, bids: s.bids, asks: s.asks };
    },
  };
}
