import { EngineHarness } from './engine-harness';
import { CommandType, OrderType } from './command';
import { RejectReason } from './errors';
import { MAX_PRICE } from './matching-engine';

const P = (dollars: number): number => Math.round(dollars * 10000);

describe('matching engine', () => {
  test('orders at one price fill in time priority (FIFO)', () => {
    const h = new EngineHarness();
    const a = h.limit(1, 'S', 100, 10).ref;
    const b = h.limit(1, 'S', 100, 10).ref;
    const c = h.limit(1, 'S', 100, 10).ref;
    const { events } = h.limit(1, 'B', 250, 10);
    expect(events.map((e) => [e.type, e.orderRef, e.shares])).toEqual([
      ['E', a, 100],
      ['E', b, 100],
      ['E', c, 50],
    ]);
    expect(h.engine.ordersAt(1, 'S', P(10))).toEqual([c]);
    expect(h.engine.order(c)?.shares).toBe(50);
  });

  test('a partial fill leaves the resting remainder at the head with its priority', () => {
    const h = new EngineHarness();
    const a = h.limit(1, 'B', 500, 20).ref;
    const b = h.limit(1, 'B', 100, 20).ref;
    h.limit(1, 'S', 200, 20);
    expect(h.engine.ordersAt(1, 'B', P(20))).toEqual([a, b]);
    expect(h.engine.order(a)?.shares).toBe(300);
    expect(h.engine.levels(1, 'B')).toEqual([{ price: P(20), shares: 400, orders: 2 }]);
  });

  test('an incoming order that is not fully filled rests with its remainder', () => {
    const h = new EngineHarness();
    h.limit(1, 'S', 100, 10);
    const { events, ref } = h.limit(1, 'B', 300, 10.5);
    expect(events.map((e) => e.type)).toEqual(['E', 'A']);
    expect(events[1]).toMatchObject({ type: 'A', orderRef: ref, shares: 200, price: P(10.5), side: 'B' });
    expect(h.engine.bestBid(1)).toBe(P(10.5));
    expect(h.engine.bestAsk(1)).toBe(0);
  });

  test('a market order sweeps several levels at each resting price and cancels the rest', () => {
    const h = new EngineHarness();
    h.limit(2, 'S', 100, 10.0);
    h.limit(2, 'S', 200, 10.01);
    h.limit(2, 'S', 300, 10.02);
    h.limit(2, 'B', 100, 9.99);
    const { events, reason } = h.market(2, 'B', 1000);
    expect(reason).toBe(RejectReason.None);
    expect(events.map((e) => [e.type, e.price, e.shares])).toEqual([
      ['E', P(10.0), 100],
      ['E', P(10.01), 200],
      ['E', P(10.02), 300],
    ]);
    expect(h.engine.bestAsk(2)).toBe(0);
    expect(h.engine.bestBid(2)).toBe(P(9.99)); // the unfilled 400 did not rest
    expect(h.engine.sharesCancelled).toBe(400);
  });

  test('IOC fills what it can and never rests', () => {
    const h = new EngineHarness();
    h.limit(1, 'B', 100, 50);
    h.limit(1, 'B', 100, 49);
    const { events } = h.limit(1, 'S', 500, 49.5, true);
    expect(events.map((e) => [e.type, e.price, e.shares])).toEqual([['E', P(50), 100]]);
    expect(h.engine.bestAsk(1)).toBe(0);
    expect(h.engine.bestBid(1)).toBe(P(49));
    const none = h.limit(1, 'S', 100, 60, true);
    expect(none.events).toEqual([]);
    expect(h.engine.restingOrders).toBe(1);
  });

  test('every match is one match number with a buy side and a sell side execution', () => {
    const h = new EngineHarness();
    const s1 = h.limit(1, 'S', 100, 10).ref;
    const s2 = h.limit(1, 'S', 100, 10.01).ref;
    const { events, ref: buyer } = h.limit(1, 'B', 200, 11);
    expect(events.map((e) => e.matchNumber)).toEqual([1, 2]);
    for (const [i, seller] of [s1, s2].entries()) {
      expect(events[i].side).toBe('S'); // the resting (sell) side
      expect(events[i].orderRef).toBe(seller);
      expect(events[i].ref2).toBe(buyer); // the aggressor (buy) side
    }
    expect(h.engine.lastMatchNumber).toBe(2);
  });

  test('a partial cancel keeps priority; a full cancel deletes', () => {
    const h = new EngineHarness();
    const a = h.limit(1, 'B', 300, 20).ref;
    const b = h.limit(1, 'B', 100, 20).ref;
    const x = h.cancel(a, 100);
    expect(x.events).toEqual([expect.objectContaining({ type: 'X', orderRef: a, shares: 100 })]);
    expect(h.engine.ordersAt(1, 'B', P(20))).toEqual([a, b]);
    const d = h.cancel(b);
    expect(d.events).toEqual([expect.objectContaining({ type: 'D', orderRef: b })]);
    expect(h.engine.ordersAt(1, 'B', P(20))).toEqual([a]);
    // Cancelling more than is left deletes.
    expect(h.cancel(a, 5000).events[0].type).toBe('D');
    expect(h.engine.levels(1, 'B')).toEqual([]);
  });

  test('cancelling from the middle of a level relinks its neighbours', () => {
    const h = new EngineHarness();
    const refs = [1, 2, 3, 4, 5].map(() => h.limit(1, 'S', 100, 30).ref);
    h.cancel(refs[2]);
    h.cancel(refs[4]);
    h.cancel(refs[0]);
    expect(h.engine.ordersAt(1, 'S', P(30))).toEqual([refs[1], refs[3]]);
    expect(h.engine.levels(1, 'S')).toEqual([{ price: P(30), shares: 200, orders: 2 }]);
  });

  test('replace: smaller size at the same price keeps priority; a new price or larger size loses it', () => {
    const h = new EngineHarness();
    const a = h.limit(1, 'B', 300, 20).ref;
    const b = h.limit(1, 'B', 100, 20).ref;
    const smaller = h.replace(a, 200, 20);
    expect(smaller.events).toEqual([expect.objectContaining({ type: 'X', orderRef: a, shares: 100 })]);
    expect(h.engine.ordersAt(1, 'B', P(20))).toEqual([a, b]);

    const larger = h.replace(a, 500, 20);
    expect(larger.events).toEqual([expect.objectContaining({ type: 'U', orderRef: a, ref2: larger.ref, shares: 500, price: P(20) })]);
    expect(h.engine.ordersAt(1, 'B', P(20))).toEqual([b, larger.ref]);
    expect(h.engine.isLive(a)).toBe(false);

    const moved = h.replace(b, 100, 19.5);
    expect(moved.events[0]).toMatchObject({ type: 'U', orderRef: b, ref2: moved.ref, price: P(19.5) });
    expect(h.engine.ordersAt(1, 'B', P(20))).toEqual([larger.ref]);
    expect(h.engine.ordersAt(1, 'B', P(19.5))).toEqual([moved.ref]);

    expect(h.replace(larger.ref, 500, 20).reason).toBe(RejectReason.NoChange);
  });

  test('a replace that would cross deletes the order and enters the new one as aggressive', () => {
    const h = new EngineHarness();
    const ask = h.limit(1, 'S', 100, 10.05).ref;
    const bid = h.limit(1, 'B', 300, 10).ref;
    const r = h.replace(bid, 300, 10.05);
    expect(r.events.map((e) => [e.type, e.orderRef])).toEqual([
      ['D', bid],
      ['E', ask],
      ['A', r.ref],
    ]);
    expect(r.events[2].shares).toBe(200);
    expect(h.engine.bestBid(1)).toBe(P(10.05));
    expect(h.engine.bestAsk(1)).toBe(0);
  });

  test('levels stay sorted with inserts above, below and between existing levels', () => {
    const h = new EngineHarness();
    for (const px of [10, 12, 11, 9, 11.5, 13, 8]) h.limit(1, 'B', 100, px);
    for (const px of [20, 18, 19, 22, 18.5]) h.limit(1, 'S', 100, px);
    expect(h.engine.levels(1, 'B').map((l) => l.price)).toEqual([13, 12, 11.5, 11, 10, 9, 8].map(P));
    expect(h.engine.levels(1, 'S').map((l) => l.price)).toEqual([18, 18.5, 19, 20, 22].map(P));
    expect(h.engine.levels(1, 'B', 2).map((l) => l.price)).toEqual([13, 12].map(P));
  });

  test('each command ends its events with the group-end flag, and only there', () => {
    const h = new EngineHarness();
    h.limit(1, 'S', 100, 10);
    h.limit(1, 'S', 100, 10.01);
    const { events } = h.limit(1, 'B', 300, 10.01);
    expect(events.map((e) => e.groupEnd)).toEqual([false, false, true]);
    expect(new Set(events.map((e) => e.inboundSeq)).size).toBe(1);
  });

  test('bad input is rejected with a reason, counted, and leaves the book unchanged', () => {
    const h = new EngineHarness();
    h.limit(1, 'B', 100, 10);
    h.limit(1, 'S', 100, 11);
    const before = h.engine.stateDigest();
    const seqBefore = h.engine.lastEventSeq;
    const cases: Array<[RejectReason, () => { reason: RejectReason; events: unknown[] }]> = [
      [RejectReason.UnknownSymbol, () => h.limit(0, 'B', 100, 10)],
      [RejectReason.UnknownSymbol, () => h.limit(99, 'B', 100, 10)],
      [RejectReason.BadShares, () => h.limit(1, 'B', 0, 10)],
      [RejectReason.BadShares, () => h.limit(1, 'B', 2_000_000, 10)],
      [RejectReason.BadPrice, () => h.limitRaw(1, 0x42, OrderType.Limit, 100, MAX_PRICE + 100)],
      [RejectReason.BadPrice, () => h.limitRaw(1, 0x42, OrderType.Limit, 100, 0)],
      [RejectReason.BadPrice, () => h.limitRaw(1, 0x42, OrderType.Limit, 100, 100_050)], // off the cent tick
      [RejectReason.BadSide, () => h.limitRaw(1, 0x5a, OrderType.Limit, 100, 100_000)],
      [RejectReason.BadOrderType, () => h.limitRaw(1, 0x42, 0x51, 100, 100_000)],
      [RejectReason.UnknownOrder, () => h.cancel(123456)],
      [RejectReason.UnknownOrder, () => h.replace(123456, 100, 10)],
      [RejectReason.BadCommand, () => h.raw(0x7a, 0, 0, 0, 1, 100, 100_000, 0)],
      [RejectReason.BadCommand, () => h.raw(CommandType.SystemEvent, 0, 0, 0x5a, 0, 0, 0, 0)],
    ];
    for (const [reason, run] of cases) {
      const r = run();
      expect(r.reason).toBe(reason);
      expect(r.events).toEqual([]);
    }
    expect(h.engine.stateDigest()).toBe(before);
    expect(h.engine.lastEventSeq).toBe(seqBefore);
    expect(h.engine.rejects[RejectReason.BadPrice]).toBe(3);
    expect(h.engine.rejects[RejectReason.UnknownOrder]).toBe(2);
  });

  test('a halted symbol refuses new orders but accepts cancels; end of market hours closes the market', () => {
    const h = new EngineHarness();
    const a = h.limit(1, 'B', 100, 10).ref;
    expect(h.tradingState(1, 'H').events[0]).toMatchObject({ type: 'H', code: 'H', locate: 1 });
    expect(h.limit(1, 'B', 100, 10).reason).toBe(RejectReason.SymbolHalted);
    expect(h.limit(2, 'B', 100, 10).reason).toBe(RejectReason.None);
    expect(h.cancel(a).reason).toBe(RejectReason.None);
    h.tradingState(1, 'T');
    expect(h.limit(1, 'B', 100, 10).reason).toBe(RejectReason.None);
    expect(h.systemEvent('M').events[0]).toMatchObject({ type: 'S', code: 'M', locate: 0 });
    expect(h.limit(1, 'B', 100, 10).reason).toBe(RejectReason.MarketClosed);
    h.systemEvent('C');
    expect(h.engine.sessionEnded).toBe(true);
  });

  test('pools grow past their initial capacity without losing orders', () => {
    const h = new EngineHarness({ orderCapacity: 1024, levelCapacity: 256 }, 64);
    const refs: number[] = [];
    for (let i = 0; i < 5000; i++) refs.push(h.limit(1 + (i % 3), 'B', 100, 1 + (i % 700) / 100).ref);
    expect(h.engine.restingOrders).toBe(5000);
    for (const ref of refs) expect(h.engine.isLive(ref)).toBe(true);
    expect(h.engine.levels(1, 'B').length).toBe(700);
    // The ring (64 events) overflowed many times; the harness drained it in place.
    expect(h.events.filter((e) => e.type === 'A').length).toBe(5000);
  });
});

describe('order ref index', () => {
  test('orders that outlive the direct-mapped window are still found, executed and cancelled', () => {
    // A window of 8 refs: almost every resting order ends up in the overflow table.
    const h = new EngineHarness({ refWindow: 8 });
    const old = [h.limit(1, 'B', 100, 10).ref, h.limit(1, 'B', 100, 10.01).ref, h.limit(1, 'S', 100, 20).ref];
    const later: number[] = [];
    for (let i = 0; i < 50; i++) later.push(h.limit(2, i % 2 ? 'B' : 'S', 100, i % 2 ? 5 + i / 100 : 30 + i / 100).ref);
    for (const ref of [...old, ...later]) expect(h.engine.isLive(ref)).toBe(true);
    expect(h.cancel(old[0]).events[0]).toMatchObject({ type: 'D', orderRef: old[0] });
    expect(h.replace(old[1], 300, 10.02).events[0]).toMatchObject({ type: 'U', orderRef: old[1] });
    const sweep = h.market(1, 'B', 100);
    expect(sweep.events[0]).toMatchObject({ type: 'E', orderRef: old[2] });
    for (const ref of later) expect(h.cancel(ref).reason).toBe(RejectReason.None);
    expect(h.engine.restingOrders).toBe(1);
    expect(h.cancel(old[0]).reason).toBe(RejectReason.UnknownOrder);
    expect(h.cancel(12345678).reason).toBe(RejectReason.UnknownOrder);
  });

  test('a window that is not a power of two is refused', () => {
    expect(() => new EngineHarness({ refWindow: 1000 })).toThrow(/power of two/);
  });
});
