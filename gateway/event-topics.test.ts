// The trades and orders channels write their updates as bytes (json-frame-writer.ts): byte for
// byte the JSON the template strings they replaced wrote, over seeded random events.
import { BUY, MarketBooks, SELL } from '../book';
import { formatPrice4, Prng } from '../protocol';
import { ExecutionLog } from './execution-log';
import { FanOut, Subscription, type Subscriber } from './fan-out';
import { ORDER_EVENT_NAMES, OrderEventKind, OrderEventRing } from './order-event-ring';
import { OrdersTopic } from './orders-topic';
import { TradesTopic } from './trades-topic';
import { wsFramePayloadLength } from './ws-frame';

class Sink implements Subscriber {
  closed = false;
  skipped = 0;
  frames: string[] = [];
  bufferedAmount(): number {
    return 0;
  }
  sendWire(wire: Buffer): void {
    this.frames.push(String(wire.subarray(wire.length - wsFramePayloadLength(wire))));
  }
  uncork(): void {}
  closeSlow(): void {}
}

function book(): ReturnType<MarketBooks['book']> & object {
  const books = new MarketBooks();
  books.addOrder(1, 7, 1, BUY, 100, 1_000_000, 1);
  const b = books.book(7);
  if (b === null) throw new Error('no book');
  b.symbol = 'EVT';
  return b;
}

describe('event topics', () => {
  test('trades updates, with and without missed prints, are the JSON of the strings they replaced', () => {
    const seed = 77;
    const rng = new Prng(seed);
    const log = new ExecutionLog(8);
    const topic = new TradesTopic({ fan: new FanOut(1 << 30, 1 << 30, 1) }, 't', book(), 0, log);
    const sink = new Sink();
    topic.subs.push(new Subscription(sink, topic));
    topic.reset(1, 1);
    const want: string[] = [];
    let seq = 2;
    for (let round = 0; round < 200; round++) {
      const n = 1 + rng.nextInt(round % 10 === 0 ? 12 : 4); // past 8: some are missed
      const all: string[] = [];
      for (let k = 0; k < n; k++) {
        const t = { seq: seq++, ts: 34_200_000_000_000 + rng.nextInt(1e9), price: 1 + rng.nextInt(3_000_000), shares: 1 + rng.nextInt(10_000), ref: rng.nextInt(1e9), match: rng.nextInt(1e7) };
        log.record(7, t.seq, t.ts, t.price, t.shares, t.ref, t.match);
        all.push(`{"seq":${t.seq},"ts":${t.ts},"price":"${formatPrice4(t.price)}","shares":${t.shares},"orderRef":${t.ref},"matchNumber":${t.match}}`);
      }
      const missed = Math.max(0, n - 8);
      want.push(`{"channel":"trades","type":"update","symbol":"EVT","seq":${seq},"ts":${seq * 10},"trades":[${all.slice(missed).join(',')}]${missed > 0 ? `,"missed":${missed}` : ''}}`);
      topic.publish(seq, seq * 10);
    }
    expect([seed, sink.frames]).toEqual([seed, want]);
    for (const f of sink.frames) JSON.parse(f);
  });

  test('orders updates carry only their symbol\'s events, each kind as the strings they replaced wrote it', () => {
    const seed = 78;
    const rng = new Prng(seed);
    const ring = new OrderEventRing(1 << 12);
    const topic = new OrdersTopic({ fan: new FanOut(1 << 30, 1 << 30, 1) }, 'o', book(), 0, ring);
    const sink = new Sink();
    topic.subs.push(new Subscription(sink, topic));
    topic.reset(1, 1);
    const want: string[] = [];
    let seq = 2;
    for (let round = 0; round < 300; round++) {
      const n = rng.nextInt(6);
      const mine: string[] = [];
      for (let k = 0; k < n; k++) {
        const locate = rng.nextInt(3) === 0 ? 9 : 7;
        const kind = rng.nextInt(5);
        const e = { seq: seq++, ref: rng.nextInt(1e9), side: rng.nextInt(2) === 0 ? BUY : SELL, shares: 1 + rng.nextInt(10_000), price: 1 + rng.nextInt(3_000_000), newRef: rng.nextInt(1e9) };
        ring.record(locate, kind, e.seq, e.ref, e.side, e.shares, e.price, e.newRef);
        if (locate !== 7) continue;
        let s = `{"seq":${e.seq},"kind":"${ORDER_EVENT_NAMES[kind]}","ref":${e.ref}`;
        if (kind === OrderEventKind.Add) s += `,"side":"${e.side === BUY ? 'B' : 'S'}","shares":${e.shares},"price":"${formatPrice4(e.price)}"}`;
        else if (kind === OrderEventKind.Execute) s += `,"shares":${e.shares},"price":"${formatPrice4(e.price)}"}`;
        else if (kind === OrderEventKind.Cancel) s += `,"shares":${e.shares}}`;
        else if (kind === OrderEventKind.Replace) s += `,"newRef":${e.newRef},"shares":${e.shares},"price":"${formatPrice4(e.price)}"}`;
        else s += '}';
        mine.push(s);
      }
      if (mine.length > 0) want.push(`{"channel":"orders","type":"update","symbol":"EVT","seq":${seq},"ts":${seq * 10},"events":[${mine.join(',')}]}`);
      topic.publish(seq, seq * 10);
    }
    expect([seed, sink.frames]).toEqual([seed, want]);
    for (const f of sink.frames) JSON.parse(f);
  });
});
