// BookTopic on a real MarketBooks: updates carry exactly the changed levels of the view at
// its depth (levels leaving the view with 0) and the book's checksum at that depth.
import { BUY, MarketBooks, SELL } from '../book';
import { formatPrice4, Prng } from '../protocol';
import { BookTopic } from './book-topic';
import { FanOut, Subscription, type Subscriber } from './fan-out';

class Sink implements Subscriber {
  closed = false;
  skipped = 0;
  frames: Array<Record<string, unknown>> = [];
  bufferedAmount(): number {
    return 0;
  }
  sendWire(wire: Buffer): void {
    this.frames.push(JSON.parse(String(wire.subarray(wire[1] < 126 ? 2 : 4))) as Record<string, unknown>);
  }
  uncork(): void {}
  closeSlow(): void {}
}

describe('BookTopic', () => {
  test('sends only changed levels, removes levels leaving the top N with 0, and nothing when the view did not change', () => {
    const books = new MarketBooks();
    let ref = 1;
    books.addOrder(1, 1, ref++, BUY, 100, 1000000, 1);
    const book = books.book(1);
    if (book === null) throw new Error('no book');
    book.symbol = 'TEST';
    const fan = new FanOut(1 << 20, 1 << 22, 1);
    const topic = new BookTopic({ fan }, 'k', book, 2, 0);
    const sink = new Sink();
    topic.subs.push(new Subscription(sink, topic));
    topic.reset(1, 1);
    expect(JSON.parse(String(topic.snapshotFrame()))).toMatchObject({ type: 'snapshot', bids: [['100.0000', 100]], asks: [], checksum: book.checksum(2) });
    books.addOrder(2, 1, ref++, BUY, 50, 990000, 2); // a second bid level
    books.addOrder(3, 1, ref++, SELL, 70, 1010000, 3);
    topic.publish(3, 3);
    expect(sink.frames[0]).toMatchObject({ type: 'update', seq: 3, bids: [['99.0000', 50]], asks: [['101.0000', 70]], checksum: book.checksum(2) });
    books.addOrder(4, 1, ref++, BUY, 10, 1005000, 4); // a new best bid pushes 99.0000 out of the top 2
    topic.publish(4, 4);
    expect(sink.frames[1]).toMatchObject({ bids: [['100.5000', 10], ['99.0000', 0]], asks: [], checksum: book.checksum(2) });
    books.addOrder(5, 1, ref++, BUY, 5, 980000, 5); // below the view: nothing to send
    topic.publish(5, 5);
    expect(sink.frames.length).toBe(2);
    books.cancelOrder(6, 1, 1, 40); // 100.0000: 100 -> 60
    topic.publish(6, 6);
    expect(sink.frames[2]).toMatchObject({ bids: [['100.0000', 60]], asks: [] });
  });

  test('a client applying the updates holds the top levels of the book and its checksum, over a seeded random book', () => {
    const seed = 1207;
    const rng = new Prng(seed);
    const books = new MarketBooks();
    const fan = new FanOut(1 << 30, 1 << 30, 1);
    const sinks: Array<{ depth: number; topic: BookTopic; sink: Sink; bids: Map<string, number>; asks: Map<string, number> }> = [];
    let seq = 1;
    let ref = 1;
    const live: Array<{ ref: number; shares: number }> = [];
    books.addOrder(seq++, 1, ref, BUY, 100, 1_000_000, 1);
    live.push({ ref: ref++, shares: 100 });
    const book = books.book(1);
    if (book === null) throw new Error('no book');
    book.symbol = 'PROP';
    for (const depth of [1, 5, 10]) {
      const topic = new BookTopic({ fan }, `k${depth}`, book, depth, 0);
      const sink = new Sink();
      topic.subs.push(new Subscription(sink, topic));
      topic.reset(seq, 1);
      const snap = JSON.parse(String(topic.snapshotFrame())) as { bids: [string, number][]; asks: [string, number][] };
      sinks.push({ depth, topic, sink, bids: new Map(snap.bids), asks: new Map(snap.asks) });
    }
    const view = (m: Map<string, number>, dir: number): [string, number][] => [...m].sort((a, b) => (Number(b[0]) - Number(a[0])) * dir);
    for (let step = 0; step < 3000; step++) {
      const r = rng.nextInt(10);
      if (r < 6 || live.length === 0) {
        const side = rng.nextInt(2) === 0 ? BUY : SELL;
        const price = side === BUY ? 990_000 - rng.nextInt(30) * 100 : 1_010_000 + rng.nextInt(30) * 100;
        const shares = 1 + rng.nextInt(5000);
        books.addOrder(seq++, 1, ref, side, shares, price, seq);
        live.push({ ref: ref++, shares });
      } else {
        const k = rng.nextInt(live.length);
        const o = live[k];
        const cancel = r < 8 ? o.shares : 1 + rng.nextInt(o.shares);
        if (cancel === o.shares) {
          books.deleteOrder(seq++, 1, o.ref);
          live[k] = live[live.length - 1];
          live.pop();
        } else {
          books.cancelOrder(seq++, 1, o.ref, cancel); // partial: the level's shares change
          o.shares -= cancel;
        }
      }
      if (rng.nextInt(3) !== 0) continue;
      for (const s of sinks) {
        const before = s.sink.frames.length;
        s.topic.publish(seq, seq);
        for (const f of s.sink.frames.slice(before) as Array<{ bids: [string, number][]; asks: [string, number][]; checksum: number }>) {
          for (const [p, n] of f.bids) n === 0 ? s.bids.delete(p) : s.bids.set(p, n);
          for (const [p, n] of f.asks) n === 0 ? s.asks.delete(p) : s.asks.set(p, n);
          expect([seed, step, f.checksum]).toEqual([seed, step, book.checksum(s.depth)]);
        }
        const want = (side: number): [string, number][] => book.levels(side, s.depth).map((l) => [formatPrice4(l.price), l.shares]);
        expect([seed, step, view(s.bids, 1), view(s.asks, -1)]).toEqual([seed, step, want(BUY), want(SELL)]);
      }
    }
  });
});
