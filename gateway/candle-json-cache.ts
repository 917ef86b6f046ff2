// Serialized candles for the HTTP API. A candle older than its ring's newest never changes
// (book/: late trades are counted, not folded in) except to become incomplete, so each
// complete one is serialized once and its JSON kept; only the current candle and
// incomplete ones are written per request. A day of 1m candles then costs a
// join of 1,440 cached strings rather than 1,440 objects through JSON.stringify.
import type { Candle, CandleRing } from '../book';
import { formatPrice4 as formatPrice4Export, type Candle as CandleRecord } from '../protocol';

const formatPrice4 = formatPrice4Export;

export function httpCandleJson(c: CandleRecord): string {
  return (
    `{"time":${c.startMs},"open":"${formatPrice4(c.open)}","high":"${formatPrice4(c.high)}","low":"${formatPrice4(c.low)}","close":"${formatPrice4(c.close)}",` +
    `"volume":${c.volume},"trades":${c.trades},"vwap":"${formatPrice4(Math.round(c.vwap))}","incomplete":${c.incomplete === true}}`
  );
}

export class CandleJsonCache {
  /** Per ring: closed candles' JSON by start. */
  private readonly byRing = new WeakMap<CandleRing, Map<number, string>>();

  /** JSON of the ring's candles starting in [startMs, endMs], oldest first: the first `limit` if `fromStart`, else the last `limit`. */
  range(ring: CandleRing, startMs: number, endMs: number, limit: number, fromStart: boolean): string[] {
    let cache = this.byRing.get(ring);
    if (cache === undefined) {
      cache = new Map();
      this.byRing.set(ring, cache);
    }
    const out: string[] = [];
    for (let k = 0; k < ring.size; k++) {
      const c = ring.get(k) as Candle;
      if (c.startMs < startMs) break;
      if (c.startMs > endMs) continue;
      // The current candle changes; an incomplete one is never cached, because a snapshot
      // recovery can mark a closed candle incomplete after it was cached (never the reverse).
      if (k === 0 || c.incomplete) {
        out.push(httpCandleJson(c));
        continue;
      }
      let json = cache.get(c.startMs);
      if (json === undefined) {
        json = httpCandleJson(c);
        cache.set(c.startMs, json);
      }
      out.push(json);
    }
    // Bound the cache to what the ring holds.
    if (cache.size > ring.capacity + 16) {
      const oldest = (ring.get(ring.size - 1) as Candle).startMs;
      for (const start of cache.keys()) if (start < oldest) cache.delete(start);
    }
    out.reverse();
    return fromStart ? out.slice(0, limit) : out.slice(Math.max(0, out.length - limit));
  }
}
