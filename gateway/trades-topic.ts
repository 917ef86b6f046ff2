// The trades channel: the prints since the last frame, from the execution log. An event
// stream, not state: a slow client is never skipped (only closed past the hard limit), and
// there is no snapshot; the stream starts at the subscription.
import type { OrderBook } from '../book';
import { formatPrice4 as formatPrice4Export } from '../protocol';
import type { ExecutionLog } from './execution-log';
import { Topic, type TopicContext } from './topic';

const formatPrice4 = formatPrice4Export;

export class TradesTopic extends Topic {
  readonly resyncable = false;
  private readonly log: ExecutionLog;
  /** The next execution index to send. */
  private cursor = 0;
  /** Executions that left the ring before a flush could send them. */
  missed = 0;

  constructor(ctx: TopicContext, key: string, book: OrderBook, group: number, log: ExecutionLog) {
    super(ctx, key, 'trades', book, group);
    this.log = log;
  }

  protected capture(): void {
    this.cursor = this.log.counts[this.locate];
  }

  protected override update(seq: number, ts: number): string | null {
    const log = this.log;
    const locate = this.locate;
    const end = log.counts[locate];
    if (end === this.cursor) return null;
    let from = this.cursor;
    const oldest = log.oldest(locate);
    let missed = 0;
    if (from < oldest) {
      missed = oldest - from;
      this.missed += missed;
      from = oldest;
    }
    let trades = '';
    for (let i = from; i < end; i++) {
      trades +=
        `${i === from ? '' : ','}{"seq":${log.seqAt(locate, i)},"ts":${log.timestampAt(locate, i)},"price":"${formatPrice4(log.priceAt(locate, i))}",` +
        `"shares":${log.sharesAt(locate, i)},"orderRef":${log.refAt(locate, i)},"matchNumber":${log.matchAt(locate, i)}}`;
    }
    this.cursor = end;
    return `{"channel":"trades","type":"update","symbol":${JSON.stringify(this.symbol)},"seq":${seq},"ts":${ts},"trades":[${trades}]${missed > 0 ? `,"missed":${missed}` : ''}}`;
  }

  protected buildSnapshot(): null {
    return null;
  }
}
