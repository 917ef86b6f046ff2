// The orders channel (L3, premium): a snapshot of every resting order, then the order
// events (add, execute, cancel, delete, replace) since the last frame, each with its
// sequence number. The snapshot reads the live book, so the topic publishes its pending
// events before building one (catchUp): snapshot and stream then meet at one sequence.
import { BUY, SELL, type OrderBook, type OrderVisitor } from '../book';
import { formatPrice4 as formatPrice4Export } from '../protocol';
import { JsonFrameWriter, jsonFragment } from './json-frame-writer';
import { ORDER_EVENT_NAMES, OrderEventKind, type OrderEventRing } from './order-event-ring';
import { Topic, type TopicContext } from './topic';

const formatPrice4 = formatPrice4Export;

/** Every orders topic writes its updates here, one at a time (json-frame-writer.ts). */
const writer = new JsonFrameWriter();
const TS = jsonFragment(',"ts":');
const EVENTS = jsonFragment(',"events":[');
const E_SEQ = jsonFragment('{"seq":');
/** `,"kind":"NAME","ref":` by kind. */
const E_KIND = ORDER_EVENT_NAMES.map((name) => jsonFragment(`,"kind":"${name}","ref":`));
const E_SIDE_B = jsonFragment(',"side":"B","shares":');
const E_SIDE_S = jsonFragment(',"side":"S","shares":');
const E_SHARES = jsonFragment(',"shares":');
const E_PRICE = jsonFragment(',"price":"');
const E_NEW_REF = jsonFragment(',"newRef":');
const QUOTE = 0x22;
const COMMA = 0x2c;
const CLOSE = 0x5d;
const END = 0x7d;

class OrderListWriter implements OrderVisitor {
  out = '';
  onOrder(ref: number, side: number, shares: number, price: number): void {
    this.out += `${this.out === '' ? '' : ','}[${ref},"${side === BUY ? 'B' : 'S'}","${formatPrice4(price)}",${shares}]`;
  }
}

export class OrdersTopic extends Topic {
  readonly resyncable = true;
  private readonly ring: OrderEventRing;
  private cursor = 0;
  /** Times the ring overran this topic's cursor (every subscriber then gets a snapshot). */
  overruns = 0;
  private readonly head: Uint8Array;

  constructor(ctx: TopicContext, key: string, book: OrderBook, group: number, ring: OrderEventRing) {
    super(ctx, key, 'orders', book, group);
    this.ring = ring;
    this.head = jsonFragment(`{"channel":"orders","type":"update","symbol":${JSON.stringify(book.symbol)},"seq":`);
  }

  protected capture(): void {
    this.cursor = this.ring.head;
  }

  override catchUp(seq: number, ts: number): void {
    this.publish(seq, ts);
    // The live book is now the published state, as of this boundary.
    if (this.seq !== seq) {
      this.seq = seq;
      this.ts = ts;
      this.cachedSnapshot = null;
    }
  }

  protected override updateWire(seq: number, ts: number): Buffer | null {
    const r = this.ring;
    const end = r.head;
    if (end === this.cursor) return null;
    if (end - this.cursor > r.capacity) {
      // Events were overwritten before this topic read them: resync everyone from the book.
      this.overruns++;
      this.cursor = end;
      for (const sub of this.subs) this.ctx.fan.markStale(sub);
      return null;
    }
    const locate = this.locate;
    const w = writer;
    let events = 0;
    for (let k = this.cursor; k < end; k++) {
      const i = k % r.capacity;
      if (r.locate[i] !== locate) continue;
      if (events++ === 0) {
        w.begin();
        w.fragment(this.head);
        w.number(seq);
        w.fragment(TS);
        w.number(ts);
        w.fragment(EVENTS);
      } else w.byte(COMMA);
      const kind = r.kind[i];
      w.fragment(E_SEQ);
      w.number(r.seq[i]);
      w.fragment(E_KIND[kind]);
      w.number(r.ref[i]);
      switch (kind) {
        case OrderEventKind.Add:
          w.fragment(r.side[i] === BUY ? E_SIDE_B : E_SIDE_S);
          w.number(r.shares[i]);
          w.fragment(E_PRICE);
          w.price4(r.price[i]);
          w.byte(QUOTE);
          break;
        case OrderEventKind.Execute:
          w.fragment(E_SHARES);
          w.number(r.shares[i]);
          w.fragment(E_PRICE);
          w.price4(r.price[i]);
          w.byte(QUOTE);
          break;
        case OrderEventKind.Cancel:
          w.fragment(E_SHARES);
          w.number(r.shares[i]);
          break;
        case OrderEventKind.Replace:
          w.fragment(E_NEW_REF);
          w.number(r.newRef[i]);
          w.fragment(E_SHARES);
          w.number(r.shares[i]);
          w.fragment(E_PRICE);
          w.price4(r.price[i]);
          w.byte(QUOTE);
          break;
      }
      w.byte(END);
    }
    this.cursor = end;
    if (events === 0) return null;
    w.byte(CLOSE);
    w.byte(END);
    return w.finish();
  }

  protected buildSnapshot(): Buffer {
    const w = new OrderListWriter();
    this.book.forEachOrder(BUY, w);
    this.book.forEachOrder(SELL, w);
    return Buffer.from(`{"channel":"orders","type":"snapshot","symbol":${JSON.stringify(this.symbol)},"seq":${this.seq},"ts":${this.ts},"orders":[${w.out}]}`);
  }
}
