// History queries on DuckDB: candles aggregated from the stored 1m candles (time_bucket
// within the hour, the New York session date for days, weeks and months), executions from
// trades, and the L2 book from the nearest snapshot at or before a time.
import type { DuckDBConnection } from '@duckdb/node-api';
import { nySessionDate, nySessionMidnightMs } from '../protocol';
import {
  checkDepth,
  checkLimit,
  checkOrderRef,
  checkRange,
  checkSymbol,
  checkTime,
  resolutionKind,
  type CandlesQuery,
  type ExecutionRow,
  type ExecutionsQuery,
  type HistoryCandle,
  type HistoryQueries,
  candleFromRow,
  executionFromRow,
  l2FromRow,
  type L2Query,
  type L2SnapshotRow,
} from './history';

const AGGREGATES =
  'arg_min(open, start_ts), max(high), min(low), arg_max(close, start_ts), sum(volume), sum(trades), sum(vwap * volume) / nullif(sum(volume), 0)';

export class DuckDbHistory implements HistoryQueries {
  private readonly con: DuckDBConnection;

  constructor(con: DuckDBConnection) {
    this.con = con;
  }

  async candles(q: CandlesQuery): Promise<HistoryCandle[]> {
    const symbol = checkSymbol(q.symbol);
    checkRange(q.startMs, q.endMs);
    const limit = checkLimit(q.limit, 1000, 10_000);
    const kind = resolutionKind(q.resolution);
    if (kind === 'intraday') {
      const resUs = (q.resolution as number) * 1e6;
      // New York's offset is whole hours, so buckets dividing an hour fall on its wall clock.
      const sql = `
        WITH b AS (
          SELECT time_bucket(to_microseconds($2::BIGINT), start_ts) AS bucket, start_ts, open, high, low, close, volume, trades, vwap
          FROM candles
          WHERE symbol = $1 AND resolution = '1m' AND start_ts >= make_timestamp($3::BIGINT) AND start_ts < make_timestamp($4::BIGINT + $2::BIGINT))
        SELECT epoch_ms(bucket), ${AGGREGATES} FROM b
        WHERE bucket >= make_timestamp($3::BIGINT) AND bucket < make_timestamp($4::BIGINT)
        GROUP BY bucket ORDER BY bucket DESC LIMIT $5::BIGINT`;
      const rows = (await this.con.runAndReadAll(sql, [symbol, resUs, q.startMs * 1000, q.endMs * 1000, limit])).getRows();
      return rows.map((r) => candleFromRow(Number(r[0]), r)).reverse();
    }
    const trunc = kind === 'day' ? 'session_date' : kind === 'week' ? "date_trunc('week', session_date)" : "date_trunc('month', session_date)";
    // Buckets by New York date; a margin of a month each side, then exact bounds in ms.
    const sql = `
      SELECT strftime(${trunc}, '%Y-%m-%d') AS bucket, ${AGGREGATES}
      FROM candles
      WHERE symbol = $1 AND resolution = '1m' AND session_date >= $2::DATE - INTERVAL 32 DAY AND session_date < $3::DATE + INTERVAL 1 DAY
      GROUP BY bucket ORDER BY bucket`;
    const rows = (await this.con.runAndReadAll(sql, [symbol, nySessionDate(q.startMs), nySessionDate(q.endMs)])).getRows();
    const out: HistoryCandle[] = [];
    for (const r of rows) {
      const startMs = nySessionMidnightMs(String(r[0]));
      if (startMs >= q.startMs && startMs < q.endMs) out.push(candleFromRow(startMs, r));
    }
    return out.slice(Math.max(0, out.length - limit));
  }

  async executions(q: ExecutionsQuery): Promise<ExecutionRow[]> {
    const symbol = checkSymbol(q.symbol);
    checkRange(q.startMs, q.endMs);
    const limit = checkLimit(q.limit, 1000, 100_000);
    const ref = checkOrderRef(q.orderRef);
    const byRef = ref === undefined ? '' : 'AND order_ref = $5::BIGINT';
    const sql = `
      SELECT epoch_us(ts), timestamp_ns, session, sequence, symbol, order_ref, side, shares, price, match_number
      FROM trades
      WHERE symbol = $1 AND ts >= make_timestamp($2::BIGINT) AND ts < make_timestamp($3::BIGINT) ${byRef}
      ORDER BY ts, session, sequence LIMIT $4::BIGINT`;
    const params = [symbol, q.startMs * 1000, q.endMs * 1000, limit];
    if (ref !== undefined) params.push(ref);
    const rows = (await this.con.runAndReadAll(sql, params)).getRows();
    return rows.map((r) => executionFromRow(Math.floor(Number(r[0]) / 1000), r));
  }

  async l2At(q: L2Query): Promise<L2SnapshotRow | null> {
    const symbol = checkSymbol(q.symbol);
    const timeMs = checkTime(q.timeMs);
    const depth = checkDepth(q.depth);
    const sql = `
      SELECT * FROM l2_snapshots
      WHERE symbol = $1 AND ts <= make_timestamp($2::BIGINT)
      ORDER BY ts DESC, sequence DESC LIMIT 1`;
    const reader = await this.con.runAndReadAll(sql, [symbol, timeMs * 1000 + 999]);
    const objects = reader.getRowObjects();
    if (objects.length === 0) return null;
    const row = objects[0];
    const ts = row.ts as { micros: bigint };
    return l2FromRow(symbol, depth, Math.floor(Number(ts.micros) / 1000), (column) => row[column]);
  }
}
