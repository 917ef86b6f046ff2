// The trades channel: the prints since the last frame, from the execution log. An event
// stream, not state: a slow client is never skipped (only closed past the hard limit), and
// there is no snapshot; the stream starts at the subscription.
import type { OrderBook } from '../book';
import type { ExecutionLog } from './execution-log';
import { JsonFrameWriter, jsonFragment } from './json-frame-writer';
import { Topic, type TopicContext } from './topic';

/** Every trades topic writes its updates here, one at a time (json-frame-writer.ts). */
const writer = new JsonFrameWriter();
const TS = jsonFragment(',"ts":');
const TRADES = jsonFragment(',"trades":[');
const T_SEQ = jsonFragment('{"seq":');
const T_PRICE = jsonFragment(',"price":"');
const T_SHARES = jsonFragment('","shares":');
const T_REF = jsonFragment(',"orderRef":');
const T_MATCH = jsonFragment(',"matchNumber":');
const MISSED = jsonFragment('],"missed":');
const COMMA = 0x2c;
const CLOSE = 0x5d;
const END = 0x7d;

export class TradesTopic extends Topic {
  readonly resyncable = false;
  private readonly log: ExecutionLog;
  /** The next execution index to send. */
  private cursor = 0;
  /** Executions that left the ring before a flush could send them. */
  missed = 0;
  private readonly head: Uint8Array;

  constructor(ctx: TopicContext, key: string, book: OrderBook, group: number, log: ExecutionLog) {
    super(ctx, key, 'trades', book, group);
    this.log = log;
    this.head = jsonFragment(`{"channel":"trades","type":"update","symbol":${JSON.stringify(book.symbol)},"seq":`);
  }

  protected capture(): void {
    this.cursor = this.log.counts[this.locate];
  }

  protected override updateWire(seq: number, ts: number): Buffer | null {
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
    const w = writer;
    w.begin();
    w.fragment(this.head);
    w.number(seq);
    w.fragment(TS);
    w.number(ts);
    w.fragment(TRADES);
    for (let i = from; i < end; i++) {
      if (i !== from) w.byte(COMMA);
      w.fragment(T_SEQ);
      w.number(log.seqAt(locate, i));
      w.fragment(TS);
      w.number(log.timestampAt(locate, i));
      w.fragment(T_PRICE);
      w.price4(log.priceAt(locate, i));
      w.fragment(T_SHARES);
      w.number(log.sharesAt(locate, i));
      w.fragment(T_REF);
      w.number(log.refAt(locate, i));
      w.fragment(T_MATCH);
      w.number(log.matchAt(locate, i));
      w.byte(END);
    }
    this.cursor = end;
    if (missed > 0) {
      w.fragment(MISSED);
      w.number(missed);
    } else w.byte(CLOSE);
    w.byte(END);
    return w.finish();
  }

  protected buildSnapshot(): null {
    return null;
  }
}
