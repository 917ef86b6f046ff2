import { FanOut, Subscription, type FanOutTopic, type Subscriber } from './fan-out';
import { wsFramePayloadLength, wsTextFrame, wsTextFrameOf } from './ws-frame';

/** The payload of a whole websocket frame (short frames: a 2-byte header). */
const payload = (wire: Buffer): string => String(wire.subarray(wire[1] < 126 ? 2 : 4));

/** The order subscribers' sockets were uncorked in (when their bytes reach the socket). */
const uncorked: Subscriber[] = [];

class MemorySubscriber implements Subscriber {
  closed = false;
  skipped = 0;
  queued = 0;
  frames: string[] = [];
  closedSlow = 0;
  bufferedAmount(): number {
    return this.queued;
  }
  corked = false;
  sendWire(wire: Buffer, fan: FanOut): void {
    if (!this.corked) {
      this.corked = true;
      fan.corkedOne(this);
    }
    this.frames.push(payload(wire));
    this.queued += wire.length;
  }
  uncork(): void {
    this.corked = false;
    uncorked.push(this);
  }
  closeSlow(): void {
    this.closed = true;
    this.closedSlow++;
  }
}

const topic = (snapshot: string | null): FanOutTopic => ({ snapshotWire: () => (snapshot === null ? null : wsTextFrame(Buffer.from(snapshot))) });

describe('FanOut', () => {
  test('every subscriber gets the same frame; first place is spread evenly over a freshly shuffled order per flush', () => {
    const fan = new FanOut(1 << 20, 1 << 21, 12345);
    const t = topic('S');
    const clients = Array.from({ length: 8 }, () => new MemorySubscriber());
    const subs = clients.map((c) => new Subscription(c, t));
    const first = new Map<Subscriber, number>();
    for (let i = 0; i < 8000; i++) {
      uncorked.length = 0;
      fan.send(subs, Buffer.from(`f${i}`), true);
      fan.uncorkAll();
      expect(uncorked.length).toBe(8);
      const s = uncorked[0];
      first.set(s, (first.get(s) ?? 0) + 1);
    }
    for (const c of clients) {
      expect(c.frames.length).toBe(8000);
      // Expected 1,000 each; a fixed or rotating order would give 8,000 or exactly 1,000.
      expect(first.get(c) ?? 0).toBeGreaterThan(850);
      expect(first.get(c) ?? 0).toBeLessThan(1150);
    }
    expect(new Set([...first.values()]).size).toBeGreaterThan(1);
  });

  test('a client with more subscriptions in a flush is not written first more often', () => {
    // Client 0 follows two topics, the others one: the first topic's frame corks client 0
    // before the second topic's other subscribers, yet the uncork order is drawn afresh.
    const fan = new FanOut(1 << 20, 1 << 21, 7);
    const a = topic('A');
    const b = topic('B');
    const clients = Array.from({ length: 4 }, () => new MemorySubscriber());
    const subsA = [new Subscription(clients[0], a)];
    const subsB = clients.map((c) => new Subscription(c, b));
    const first = new Array<number>(4).fill(0);
    for (let i = 0; i < 8000; i++) {
      uncorked.length = 0;
      fan.send(subsA, Buffer.from(`a${i}`), true);
      fan.send(subsB, Buffer.from(`b${i}`), true);
      fan.uncorkAll();
      first[clients.indexOf(uncorked[0] as MemorySubscriber)]++;
    }
    // Expected 2,000 each.
    for (const n of first) {
      expect(n).toBeGreaterThan(1800);
      expect(n).toBeLessThan(2200);
    }
  });

  test('past the soft threshold updates are skipped and a snapshot follows on catching up; past the hard limit the client is closed', () => {
    const fan = new FanOut(100, 1000, 1);
    const c = new MemorySubscriber();
    const sub = new Subscription(c, topic('SNAP'));
    fan.send([sub], Buffer.from('u1'), true);
    c.queued = 500; // behind
    fan.send([sub], Buffer.from('u2'), true);
    fan.send([sub], Buffer.from('u3'), true);
    expect(c.frames).toEqual(['u1']);
    expect(c.skipped).toBe(2);
    expect(fan.stale.has(sub)).toBe(true);
    c.queued = 0; // caught up: the next publish sends the snapshot instead of the update
    fan.send([sub], Buffer.from('u4'), true);
    expect(c.frames).toEqual(['u1', 'SNAP']);
    expect(fan.stale.has(sub)).toBe(false);
    fan.send([sub], Buffer.from('u5'), true);
    expect(c.frames).toEqual(['u1', 'SNAP', 'u5']);
    // Event streams (not resyncable) are never skipped, only closed past the hard limit.
    c.queued = 997;
    fan.send([sub], Buffer.from('t1'), false);
    expect(c.frames[c.frames.length - 1]).toBe('t1');
    fan.send([sub], Buffer.from('t2'), false);
    expect(c.closedSlow).toBe(1);
    expect(fan.figures.slowClosed).toBe(1);
  });

  test('a whole frame is built once: header for short, 16-bit and 64-bit lengths', () => {
    expect([...wsTextFrame(Buffer.from('hi'))]).toEqual([0x81, 2, 0x68, 0x69]);
    const mid = wsTextFrame(Buffer.alloc(300, 0x61));
    expect([mid[0], mid[1], mid.readUInt16BE(2), mid.length]).toEqual([0x81, 126, 300, 304]);
    const big = wsTextFrame(Buffer.alloc(70_000, 0x61));
    expect([big[1], big.readUInt32BE(2), big.readUInt32BE(6), big.length]).toEqual([127, 0, 70_000, 70_010]);
  });

  test('a JSON text is encoded straight into its frame, byte for byte as the payload route, multi-byte characters counted in bytes', () => {
    for (const text of ['hi', 'a'.repeat(300), 'a'.repeat(70_000), '{"s":"€uro"}']) {
      const wire = wsTextFrameOf(text);
      expect(wire.equals(wsTextFrame(Buffer.from(text)))).toBe(true);
      expect(wsFramePayloadLength(wire)).toBe(Buffer.byteLength(text));
    }
    const fan = new FanOut(1 << 20, 1 << 21, 1);
    const c = new MemorySubscriber();
    fan.sendText([new Subscription(c, topic('S'))], '{"u":1}', true);
    expect(c.frames).toEqual(['{"u":1}']);
  });

  test('resyncStale snapshots stale subscriptions whose clients caught up, without waiting for a publish', () => {
    const fan = new FanOut(100, 1000, 1);
    const c = new MemorySubscriber();
    const sub = new Subscription(c, topic('SNAP'));
    fan.markStale(sub);
    c.queued = 200;
    fan.resyncStale(() => true);
    expect(c.frames).toEqual([]);
    c.queued = 0;
    fan.resyncStale(() => true);
    expect(c.frames).toEqual(['SNAP']);
    expect(fan.stale.size).toBe(0);
  });
});
