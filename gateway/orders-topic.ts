// The orders channel (L3, premium): a snapshot of every resting order, then the order
// events (add, execute, cancel, delete, replace) since the last frame, each with its
// sequence number. The snapshot reads the live book, so the topic publishes its pending
// events before building one (catchUp): snapshot and stream then meet at one sequence.
import { BUY, SELL, type OrderBook, type OrderVisitor } from '../book';
import { formatPrice4 as formatPrice4Export } from '../protocol';
import { ORDER_EVENT_NAMES, OrderEventKind, type OrderEventRing } from './order-event-ring';
import { Topic, type TopicContext } from './topic';

const formatPrice4 = formatPrice4Export;

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

  constructor(ctx: TopicContext, key: string, book: OrderBook, group: number, ring: OrderEventRing) {
    super(ctx, key, 'orders', book, group);
    this.ring = ring;
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

  protected override update(seq: number, ts: number): string | null {
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
    let events = '';
    for (let k = this.cursor; k < end; k++) {
      const i = k % r.capacity;
      if (r.locate[i] !== locate) continue;
      const kind = r.kind[i];
      let e = `{"seq":${r.seq[i]},"kind":"${ORDER_EVENT_NAMES[kind]}","ref":${r.ref[i]}`;
      switch (kind) {
        case OrderEventKind.Add:
          e += `,"side":"${r.side[i] === BUY ? 'B' : 'S'}","shares":${r.shares[i]},"price":"${formatPrice4(r.price[i])}"}`;
          break;
        case OrderEventKind.Execute:
          e += `,"shares":${r.shares[i]},"price":"${formatPrice4(r.price[i])}"}`;
          break;
        case OrderEventKind.Cancel:
          e += `,"shares":${r.shares[i]}}`;
          break;
        case OrderEventKind.Replace:
          e += `,"newRef":${r.newRef[i]},"shares":${r.shares[i]},"price":"${formatPrice4(r.price[i])}"}`;
          break;
        default:
          e += '}';
      }
      events += events === '' ? e : `,${e}`;
    }
    this.cursor = end;
    if (events === '') return null;
    return `{"channel":"orders","type":"update","symbol":${JSON.stringify(this.symbol)},"seq":${seq},"ts":${ts},"events":[${events}]}`;
  }

  protected buildSnapshot(): Buffer {
    const w = new OrderListWriter();
    this.book.forEachOrder(BUY, w);
    this.book.forEachOrder(SELL, w);
    return Buffer.from(`{"channel":"orders","type":"snapshot","symbol":${JSON.stringify(this.symbol)},"seq":${this.seq},"ts":${this.ts},"orders":[${w.out}]}`);
  }
}
