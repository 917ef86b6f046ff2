// BookTopic on a real MarketBooks: updates carry exactly the changed levels of the view at
// its depth (levels leaving the view with 0) and the book's checksum at that depth.
import { BUY, MarketBooks, SELL } from '../book';
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
});
