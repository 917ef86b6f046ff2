// Market-data records as they cross from storage to the gateway (and on to HTTP clients):
// one definition for the store that serves them and the API that formats them. Prices are
// Price(4) integers (vwap fractional Price(4)), times UTC ms, as everywhere inside.

/** One candle of a stored or served series. */
export interface Candle {
  /** Start of the bucket, UTC ms (New York calendar for days, weeks and months). */
  readonly startMs: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly trades: number;
  /** Fractional Price(4). */
  readonly vwap: number;
  /** Prints of the candle's range may be missing (a feed handler skipped part of the feed); absent: complete. */
  readonly incomplete?: boolean;
}

/** One print: an execution against a resting order. */
export interface Execution {
  /** UTC ms, whole (the ITCH ns timestamp truncated). */
  readonly timeMs: number;
  /** The feed sequence number of the execution message. */
  readonly seq: number;
  readonly price: number;
  readonly shares: number;
  /** The resting order's ref (ITCH E/C name only the resting side). */
  readonly orderId: number;
  readonly matchNumber: number;
}

/** One price level of an L2 book. */
export interface L2SnapshotLevel {
  readonly price: number;
  readonly shares: number;
  readonly orders: number;
}

/** An L2 book at one point of the feed. */
export interface L2Snapshot {
  readonly timeMs: number;
  /** The book after this feed sequence. */
  readonly seq: number;
  /** Best first. */
  readonly bids: readonly L2SnapshotLevel[];
  readonly asks: readonly L2SnapshotLevel[];
}
