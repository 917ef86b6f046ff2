// The l1 channel: best bid, best offer, last print and volume, sent when any of them changes.
import type { OrderBook } from '../book';
import { formatPrice4 as formatPrice4Export } from '../protocol';
import { Topic, type TopicContext } from './topic';

const formatPrice4 = formatPrice4Export;

export class L1Topic extends Topic {
  readonly resyncable = true;
  private bidP = 0;
  private bidS = 0;
  private askP = 0;
  private askS = 0;
  private trades = 0;
  private lastP = 0;
  private lastS = 0;
  private volume = 0;

  constructor(ctx: TopicContext, key: string, book: OrderBook, group: number) {
    super(ctx, key, 'l1', book, group);
  }

  protected capture(): void {
    const b = this.book;
    this.bidP = b.bestBidPrice();
    this.bidS = b.bestBidShares();
    this.askP = b.bestAskPrice();
    this.askS = b.bestAskShares();
    this.trades = b.trades;
    this.lastP = b.lastTradePrice;
    this.lastS = b.lastTradeShares;
    this.volume = b.volume;
  }

  protected override update(seq: number, ts: number): string | null {
    const b = this.book;
    if (
      b.bestBidPrice() === this.bidP &&
      b.bestBidShares() === this.bidS &&
      b.bestAskPrice() === this.askP &&
      b.bestAskShares() === this.askS &&
      b.trades === this.trades
    ) {
      return null;
    }
    this.capture();
    return this.frame('update', seq, ts);
  }

  protected buildSnapshot(): Buffer {
    return Buffer.from(this.frame('snapshot', this.seq, this.ts));
  }

  private frame(type: string, seq: number, ts: number): string {
    const bid = this.bidP > 0 ? `["${formatPrice4(this.bidP)}",${this.bidS}]` : 'null';
    const ask = this.askP > 0 ? `["${formatPrice4(this.askP)}",${this.askS}]` : 'null';
    const last = this.trades > 0 ? `["${formatPrice4(this.lastP)}",${this.lastS}]` : 'null';
    return `{"channel":"l1","type":"${type}","symbol":${JSON.stringify(this.symbol)},"seq":${seq},"ts":${ts},"bid":${bid},"ask":${ask},"last":${last},"volume":${this.volume}}`;
  }
}
