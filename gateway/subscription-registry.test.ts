// SubscriptionRegistry's timed flushes on a real MarketBooks: a conflated group publishes
// each symbol at most once per interval, and spreads the symbols over the interval in
// slots (locate % slots) instead of publishing them all in one burst.
import { BUY, MarketBooks, type MarketDataListener, type MarketDataSource } from '../book';
import type { ItchMessage } from '../protocol';
import { FanOut, type Subscriber } from './fan-out';
import { SubscriptionRegistry, flushSlots } from './subscription-registry';

const SYMBOLS = 20;

class Sink implements Subscriber {
  closed = false;
  skipped = 0;
  /** [ms since start, symbol] per update frame. */
  readonly updates: Array<[number, string]> = [];
  constructor(private readonly clock: () => number) {}
  bufferedAmount(): number {
    return 0;
  }
  sendWire(wire: Buffer): void {
    const frame = JSON.parse(String(wire.subarray(wire[1] < 126 ? 2 : 4))) as { type: string; symbol: string };
    if (frame.type === 'update') this.updates.push([this.clock(), frame.symbol]);
  }
  uncork(): void {}
  closeSlow(): void {}
}

/** `slowTimers`: the event loop runs timers this many times late (the clock moves that much per timer ms). */
function rig(flushTickMs: number, slowTimers = 1): { registry: SubscriptionRegistry; sink: Sink; tick: (ms: number) => void } {
  const books = new MarketBooks();
  let seq = 0;
  let ref = 1;
  let price = 1_000_000;
  for (let locate = 1; locate <= SYMBOLS; locate++) {
    books.addOrder(++seq, locate, ref++, BUY, 100, price, 1);
    (books.book(locate) as NonNullable<ReturnType<MarketBooks['book']>>).symbol = `S${locate}`;
  }
  let listener: MarketDataListener | null = null;
  const source: MarketDataSource = {
    books,
    session: 'TEST',
    sessionDate: '2026-11-20',
    get sequence() {
      return seq;
    },
    valid: true,
    subscribe: (l) => {
      listener = l;
      return () => (listener = null);
    },
  };
  let now = 0;
  const registry = new SubscriptionRegistry({ source, fan: new FanOut(1 << 20, 1 << 22, 1), executionsPerSymbol: 16, rates: [10], broadcast: () => undefined, flushTickMs, now: () => now });
  const sink = new Sink(() => now);
  for (let locate = 1; locate <= SYMBOLS; locate++) registry.subscribe(sink, 'l1', books.book(locate) as NonNullable<ReturnType<MarketBooks['book']>>, 0, 10);
  registry.start();
  // Every millisecond, a better bid on every symbol: each is always dirty.
  const tick = (ms: number): void => {
    for (let k = 0; k < ms; k++) {
      price += 100;
      for (let locate = 1; locate <= SYMBOLS; locate++) {
        books.addOrder(++seq, locate, ref, BUY, 100, price, now * 1e6);
        (listener as MarketDataListener | null)?.onMessage?.(seq, { type: 0x41, locate, timestampNs: now * 1e6 } as ItchMessage);
        ref++;
      }
      (listener as MarketDataListener | null)?.onBoundary?.(seq);
      now++;
      if (now % slowTimers === 0) jest.advanceTimersByTime(1);
    }
  };
  return { registry, sink, tick };
}

describe('SubscriptionRegistry timed flushes', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('slots per group', () => {
    expect(flushSlots(100, 5)).toBe(20);
    expect(flushSlots(20, 5)).toBe(4);
    expect(flushSlots(100, 0)).toBe(1);
    expect(flushSlots(0, 5)).toBe(1);
    expect(flushSlots(3, 5)).toBe(1);
  });

  test('a conflated group publishes each symbol once per interval, a slot of symbols per tick', () => {
    const { registry, sink, tick } = rig(10); // 10 updates/s: 100 ms, 10 slots of 10 ms
    tick(1000);
    registry.stop();
    const bySymbol = new Map<string, number[]>();
    for (const [t, symbol] of sink.updates) bySymbol.set(symbol, [...(bySymbol.get(symbol) ?? []), t]);
    expect(bySymbol.size).toBe(SYMBOLS);
    for (const [, times] of bySymbol) {
      // Always dirty: exactly once per 100 ms, never more often.
      expect(times.length).toBeGreaterThanOrEqual(9);
      expect(times.length).toBeLessThanOrEqual(10);
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBe(100);
    }
    // Spread: a tick publishes the symbols of one slot (2 of 20 here), never all at once.
    const perTick = new Map<number, Set<number>>();
    for (const [t, symbol] of sink.updates) {
      const locate = Number(symbol.slice(1));
      perTick.set(t, (perTick.get(t) ?? new Set<number>()).add(locate % 10));
    }
    for (const [t, slots] of perTick) {
      expect(slots.size).toBe(1);
      expect(sink.updates.filter(([u]) => u === t).length).toBe(2);
    }
    expect(perTick.size).toBeGreaterThanOrEqual(90);
  });

  test('timers that run late still give every symbol its rate: the due slots flush together', () => {
    const { registry, sink, tick } = rig(10, 3); // a timer fires every ~30 ms of the clock, not 10
    tick(3000);
    registry.stop();
    const counts = new Map<string, number>();
    for (const [, symbol] of sink.updates) counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
    expect(counts.size).toBe(SYMBOLS);
    for (const [, n] of counts) {
      expect(n).toBeGreaterThanOrEqual(28);
      expect(n).toBeLessThanOrEqual(30);
    }
  });

  test('flushTickMs 0 publishes the whole group at once', () => {
    const { registry, sink, tick } = rig(0);
    tick(500);
    registry.stop();
    const ticks = new Set(sink.updates.map(([t]) => t));
    expect(ticks.size).toBeGreaterThanOrEqual(4);
    expect(ticks.size).toBeLessThanOrEqual(5);
    for (const t of ticks) expect(sink.updates.filter(([u]) => u === t).length).toBe(SYMBOLS);
  });
});
