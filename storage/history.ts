// History queries: what the HTTP API asks storage for ranges older than the publisher's
// rings. Times are epoch ms (UTC), prices Price(4) integers; the HTTP layer formats.
import { nySessionMidnightMs, type Candle, type L2SnapshotLevel } from '../protocol';
import { StorageError, StorageErrorCode } from './errors';

/** Candle resolutions: seconds dividing an hour (60, 300, 900, 1800, 3600...), a day (86,400), a week (604,800), or a calendar month. */
export type Resolution = number | '1M';

export interface CandlesQuery {
  symbol: string;
  resolution: Resolution;
  /** Buckets starting at or after this time... */
  startMs: number;
  /** ...and before this one. */
  endMs: number;
  /** At most this many buckets: the latest ones in the range (default 1,000, at most 10,000). */
  limit?: number;
}

/** A stored candle: protocol's record (one definition for storage and the gateway). */
export type HistoryCandle = Candle;

export interface ExecutionsQuery {
  symbol: string;
  /** Only executions of this order ref. */
  orderRef?: number;
  startMs: number;
  endMs: number;
  /** At most this many, oldest first (default 1,000, at most 100,000). */
  limit?: number;
}

/** An execution as stored (a row of `trades`): more than protocol's Execution record, which the gateway serves. */
export interface ExecutionRow {
  timeMs: number;
  /** ITCH timestamp: ns since New York midnight of the session date. */
  timestampNs: number;
  session: string;
  sequence: number;
  symbol: string;
  /** The resting order executed. */
  orderRef: number;
  /** The resting order's side ('B' or 'S'; '' if the order was not seen added). */
  side: string;
  shares: number;
  price: number;
  matchNumber: number;
}

export interface L2Query {
  symbol: string;
  /** The book as of this time: the nearest snapshot at or before it. */
  timeMs: number;
  /** Levels per side, 1..10 (default 10). */
  depth?: number;
}

/** One level of a stored book: protocol's record. */
export type L2Level = L2SnapshotLevel;

/** An L2 snapshot as stored (a row of `l2_snapshots`): protocol's L2Snapshot plus where it came from. */
export interface L2SnapshotRow {
  symbol: string;
  session: string;
  /** The book after this feed sequence. */
  sequence: number;
  /** When the snapshot was taken (the timestamp of the last message applied), UTC ms. */
  timeMs: number;
  timestampNs: number;
  /** Best first. */
  bids: L2Level[];
  asks: L2Level[];
}

/** Storage's history, as the HTTP API calls it (DuckDB or QuestDB behind it). */
export interface HistoryQueries {
  candles(query: CandlesQuery): Promise<HistoryCandle[]>;
  executions(query: ExecutionsQuery): Promise<ExecutionRow[]>;
  /** Null when no snapshot of the symbol exists at or before the time. */
  l2At(query: L2Query): Promise<L2SnapshotRow | null>;
}

const SYMBOL = /^[\x21-\x7e]{1,8}$/;

function bad(message: string): never {
  throw new StorageError(StorageErrorCode.BadQuery, message);
}

export function checkSymbol(symbol: unknown): string {
  if (typeof symbol !== 'string' || !SYMBOL.test(symbol)) bad(`symbol must be 1 to 8 printable ASCII characters, got ${JSON.stringify(symbol)}`);
  return symbol;
}

export function checkRange(startMs: unknown, endMs: unknown): void {
  if (typeof startMs !== 'number' || !Number.isSafeInteger(startMs) || startMs < 0) bad(`startTime must be epoch ms (an integer >= 0), got ${String(startMs)}`);
  if (typeof endMs !== 'number' || !Number.isSafeInteger(endMs) || endMs < 0) bad(`endTime must be epoch ms (an integer >= 0), got ${String(endMs)}`);
  if (endMs <= startMs) bad(`endTime (${endMs}) must be after startTime (${startMs})`);
}

export function checkLimit(limit: unknown, fallback: number, max: number): number {
  if (limit === undefined) return fallback;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > max) bad(`limit must be an integer in 1..${max}, got ${String(limit)}`);
  return limit;
}

/** 'intraday' (seconds dividing an hour), 'day', 'week' or 'month', or TW_ERR_STORAGE_BAD_QUERY. */
export function resolutionKind(resolution: unknown): 'intraday' | 'day' | 'week' | 'month' {
  if (resolution === '1M') return 'month';
  if (resolution === 86_400) return 'day';
  if (resolution === 604_800) return 'week';
  if (typeof resolution === 'number' && Number.isInteger(resolution) && resolution >= 60 && resolution % 60 === 0 && 3600 % resolution === 0) return 'intraday';
  return bad(`resolution must be seconds dividing an hour (60, 300, 900, 1800, 3600...), 86400 (a day), 604800 (a week) or '1M', got ${JSON.stringify(resolution)}`);
}

export function checkDepth(depth: unknown): number {
  if (depth === undefined) return 10;
  if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 1 || depth > 10) bad(`depth must be an integer in 1..10, got ${String(depth)}`);
  return depth;
}

export function checkTime(timeMs: unknown): number {
  if (typeof timeMs !== 'number' || !Number.isSafeInteger(timeMs) || timeMs < 0) bad(`time must be epoch ms (an integer >= 0), got ${String(timeMs)}`);
  return timeMs;
}

export function checkOrderRef(ref: unknown): number | undefined {
  if (ref === undefined) return undefined;
  if (typeof ref !== 'number' || !Number.isSafeInteger(ref) || ref < 0) bad(`orderId must be an order reference number (an integer >= 0), got ${String(ref)}`);
  return ref;
}

/** New York midnight of a YYYY-MM-DD date, UTC ms (the old name of protocol's nySessionMidnightMs). */
export const newYorkMidnightMs = nySessionMidnightMs;

// --- rows to results, the same on every engine ---------------------------------------------
// The engines differ only in how a time comes back (DuckDB: epoch numbers, QuestDB: ISO text),
// so each converts its time column and hands over the rest as selected, in this order.

/** A candle from `open, high, low, close, volume, trades, vwap` at r[1..7]. */
export function candleFromRow(startMs: number, r: readonly unknown[]): HistoryCandle {
  return {
    startMs,
    open: Number(r[1]),
    high: Number(r[2]),
    low: Number(r[3]),
    close: Number(r[4]),
    volume: Number(r[5]),
    trades: Number(r[6]),
    vwap: r[7] === null || r[7] === undefined ? 0 : Number(r[7]),
  };
}

/** An execution from `timestamp_ns, session, sequence, symbol, order_ref, side, shares, price, match_number` at r[1..9]. */
export function executionFromRow(timeMs: number, r: readonly unknown[]): ExecutionRow {
  return {
    timeMs,
    timestampNs: Number(r[1]),
    session: String(r[2]),
    sequence: Number(r[3]),
    symbol: String(r[4]),
    orderRef: Number(r[5]),
    side: String(r[6] ?? ''),
    shares: Number(r[7]),
    price: Number(r[8]),
    matchNumber: Number(r[9]),
  };
}

/** An L2 snapshot from an l2_snapshots row, read by column name; at most `depth` levels a side. */
export function l2FromRow(symbol: string, depth: number, timeMs: number, at: (column: string) => unknown): L2SnapshotRow {
  const side = (name: 'bid' | 'ask'): L2Level[] => {
    const out: L2Level[] = [];
    const levels = Math.min(depth, Number(at(`${name}_levels`)));
    for (let i = 1; i <= levels; i++) out.push({ price: Number(at(`${name}_price_${i}`)), shares: Number(at(`${name}_shares_${i}`)), orders: Number(at(`${name}_orders_${i}`)) });
    return out;
  };
  return {
    symbol,
    session: String(at('session')),
    sequence: Number(at('sequence')),
    timeMs,
    timestampNs: Number(at('timestamp_ns')),
    bids: side('bid'),
    asks: side('ask'),
  };
}
