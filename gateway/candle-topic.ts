// The candles channel for one interval: the current candle each time a print changes it,
// with closed: false; when a newer candle opens, the previous one once more with closed:
// true, then the new one. (A candle closes when the next print opens a newer one: an
// interval without prints has no candle; see book/README.md.)
import type { Candle, CandleInterval, OrderBook } from '../book';
import { formatPrice4 as formatPrice4Export } from '../protocol';
import { Topic, type TopicContext } from './topic';

const formatPrice4 = formatPrice4Export;

export class CandleTopic extends Topic {
  readonly resyncable = true;
  readonly interval: CandleInterval;
  /** The book's print count when last published (candles change only on prints). */
  private trades = -1;
  private startMs = -1;
  private readonly head: string;

  constructor(ctx: TopicContext, key: string, book: OrderBook, interval: CandleInterval, group: number) {
    super(ctx, key, 'candles', book, group);
    this.interval = interval;
    this.head = `{"channel":"candles","type":"update","symbol":${JSON.stringify(book.symbol)},"interval":"${interval}","seq":`;
  }

  private current(k: number): Candle | null {
    const series = this.book.candles;
    return series === null ? null : series.ring(this.interval).get(k);
  }

  protected capture(): void {
    this.trades = this.book.trades;
    const c = this.current(0);
    this.startMs = c === null ? -1 : c.startMs;
  }

  protected override update(seq: number, ts: number): string | null {
    if (this.book.trades === this.trades) return null;
    this.trades = this.book.trades;
    const c = this.current(0);
    if (c === null) return null;
    let out = '';
    if (this.startMs >= 0 && c.startMs !== this.startMs) {
      const prev = this.current(1);
      if (prev !== null && prev.startMs === this.startMs) out = `${this.head}${seq},"ts":${ts},"candle":${candleJson(prev, true)}}`;
    }
    this.startMs = c.startMs;
    const frame = `${this.head}${seq},"ts":${ts},"candle":${candleJson(c, false)}}`;
    // Two messages in one websocket frame would break one-JSON-per-frame: send the closing one as its own frame first.
    if (out !== '') this.ctx.fan.sendText(this.subs, out, false);
    return frame;
  }

  protected buildSnapshot(): Buffer {
    const c = this.current(0);
    return Buffer.from(
      `{"channel":"candles","type":"snapshot","symbol":${JSON.stringify(this.symbol)},"interval":"${this.interval}","seq":${this.seq},"ts":${this.ts},"candle":${c === null ? 'null' : candleJson(c, false)}}`,
    );
  }
}

export function candleJson(c: Candle, closed: boolean): string {
  return (
    `{"start":${c.startMs},"open":"${formatPrice4(c.open)}","high":"${formatPrice4(c.high)}","low":"${formatPrice4(c.low)}","close":"${formatPrice4(c.close)}",` +
    `"volume":${c.volume},"trades":${c.trades},"vwap":"${formatPrice4(Math.round(c.vwap))}","closed":${closed},"incomplete":${c.incomplete}}`
  );
}
