// Property tests in fast-check: order flow from the seeded generator (its seed drawn by
// fast-check, so TW_SEED replays it), and arbitrary commands against a naive reference
// engine (fc.commands), checking the book invariants after every command: never crossed,
// level totals equal to the sum of their orders, FIFO within a price, price-time matching,
// shares conserved, and the event stream rebuilding the same book.
import fc from 'fast-check';
import { loadConfig } from '../config';
import {
  EngineEventRing,
  EngineEventRingReader,
  EngineEventRingWriter,
  type EngineEventHandler,
  type EngineEventView,
} from '../protocol';
import { commandsOptions, propertyOptions } from '../test/support/property';
import { CommandBuffer, CommandType, OrderType } from './command';
import { RejectReason } from './errors';
import { MatchingEngine } from './matching-engine';
import { OrderFlowGenerator } from './order-flow-generator';
import { Sequencer } from './sequencer';
import { symbolUniverse } from './symbols';

/** Rebuilds resting orders from nothing but the event stream, ITCH style. */
class ShadowBook implements EngineEventHandler {
  readonly orders = new Map<number, { locate: number; side: string; price: number; shares: number }>();
  problems: string[] = [];
  executed = 0;

  onEngineEvent(v: EngineEventView, b: number): void {
    const type = String.fromCharCode(v.type(b));
    const ref = v.orderRef(b);
    switch (type) {
      case 'A':
        this.orders.set(ref, { locate: v.locate(b), side: String.fromCharCode(v.side(b)), price: v.price(b), shares: v.shares(b) });
        break;
      case 'E':
      case 'X': {
        const o = this.orders.get(ref);
        if (!o || o.shares < v.shares(b)) {
          this.problems.push(`${type} on ${ref} for ${v.shares(b)}`);
          break;
        }
        if (type === 'E') {
          this.executed += v.shares(b);
          if (o.price !== v.price(b)) this.problems.push(`E on ${ref} at ${v.price(b)}, order at ${o.price}`);
        }
        o.shares -= v.shares(b);
        if (o.shares === 0) this.orders.delete(ref);
        break;
      }
      case 'D':
        if (!this.orders.delete(ref)) this.problems.push(`D on unknown ${ref}`);
        break;
      case 'U': {
        const o = this.orders.get(ref);
        if (!o) {
          this.problems.push(`U on unknown ${ref}`);
          break;
        }
        this.orders.delete(ref);
        this.orders.set(v.ref2(b), { ...o, price: v.price(b), shares: v.shares(b) });
        break;
      }
    }
  }
}

function setup(seed: number) {
  const config = loadConfig({ flags: { 'sim.seed': seed } });
  const symbols = symbolUniverse(100);
  const ring = EngineEventRing.create(1 << 14);
  const reader = new EngineEventRingReader(ring);
  const shadow = new ShadowBook();
  const writer = new EngineEventRingWriter(ring, { onRingFull: () => reader.drain(shadow) });
  const engine = new MatchingEngine(
    { symbols: 100, orderCapacity: 1 << 16, levelCapacity: 1 << 12, maxOrderShares: 10_000_000, tickSize: 100 },
    writer,
  );
  const generator = new OrderFlowGenerator(
    { seed, symbols, mix: config.sim.mix, ordersPerSec: 0, intradayPeakRatio: 4, tickSize: 100, restingPerSymbol: 300 },
    engine,
  );
  const sequencer = new Sequencer(engine, null, null);
  return { engine, generator, sequencer, reader, shadow };
}

describe('matching engine properties', () => {
  // One generator seed per test (each run is a million or 200,000 orders); a failure is
  // not shrunk, since a smaller seed is not a smaller case: the seed replays it.
  const generatorSeed = fc.integer({ min: 0, max: 2 ** 32 - 1 });

  test('shares are conserved over a million random orders, and the events rebuild the same book', () => {
    fc.assert(fc.property(generatorSeed, conservedOverAMillion), propertyOptions(1, { endOnFailure: true }));
  });

  function conservedOverAMillion(seed: number): void {
    const { engine, generator, sequencer, reader, shadow } = setup(seed);
    const cmds = new CommandBuffer(256);
    for (let done = 0; done < 1_000_000; done += 256) {
      const first = sequencer.nextSeq;
      for (let i = 0; i < 256; i++) generator.next(cmds, i, first + i);
      sequencer.submitBatch(cmds, 0, 256);
      reader.drain(shadow);
    }
    expect(engine.ordersAccepted).toBeGreaterThan(500_000);
    expect(engine.executions).toBeGreaterThan(10_000);
    // Every execution takes its shares from two orders, the resting and the incoming one:
    // entered = 2 x executed + cancelled + resting.
    expect(engine.sharesEntered).toBe(2 * engine.sharesExecuted + engine.sharesCancelled + engine.restingShares());
    expect(shadow.executed).toBe(engine.sharesExecuted);
    expect(shadow.problems).toEqual([]);
    const fromEngine = new Map<number, unknown>();
    engine.forEachRestingOrder((o) => fromEngine.set(o.ref, { locate: o.locate, side: o.side, price: o.price, shares: o.shares }));
    expect(shadow.orders.size).toBe(fromEngine.size);
    for (const [ref, o] of shadow.orders) expect(fromEngine.get(ref)).toEqual(o);
  }

  test('no book is ever crossed at rest, checked after every command', () => {
    fc.assert(fc.property(generatorSeed, neverCrossed), propertyOptions(1, { endOnFailure: true }));
  });

  function neverCrossed(seed: number): void {
    const { engine, generator, sequencer, reader, shadow } = setup(seed);
    const cmds = new CommandBuffer(1);
    let crossed = 0;
    let checked = 0;
    for (let i = 0; i < 200_000; i++) {
      generator.next(cmds, 0, sequencer.nextSeq);
      sequencer.submit(cmds, 0);
      reader.drain(shadow);
      const locate = cmds.locate(0);
      const symbolsToCheck = locate === 0 || i % 1000 === 0 ? 100 : 1;
      for (let k = 0; k < symbolsToCheck; k++) {
        const s = symbolsToCheck === 1 ? locate : k + 1;
        const bid = engine.bestBid(s);
        const ask = engine.bestAsk(s);
        checked++;
        if (bid > 0 && ask > 0 && bid >= ask) crossed++;
      }
    }
    expect(checked).toBeGreaterThan(200_000);
    expect(crossed).toBe(0);
    expect(shadow.problems).toEqual([]);
  }
});


describe('matching engine against a naive reference engine (fc.commands)', () => {
  // The reference: per book side, the resting orders in priority order (best price first,
  // oldest first within a price), matched by walking that list; nothing clever.
  type Resting = { ref: number; price: number; shares: number };
  type Model = {
    sides: Resting[][]; // index locate * 2 + (0 bid | 1 ask)
    seq: number; // the inbound sequence number the next command gets (a new order's ref)
    executed: number;
  };
  type Real = { engine: MatchingEngine; sequencer: Sequencer; reader: EngineEventRingReader; shadow: ShadowBook; cmds: CommandBuffer };
  type EngineCommand = fc.Command<Model, Real>;

  const SYMBOLS = 2;
  const MID = 1_000_000;
  const priceOf = (tick: number) => MID + (tick - 10) * 100; // 99.9000 .. 100.1000: orders cross often
  const BID = 0;
  const ASK = 1;
  const better = (side: number, a: number, b: number) => (side === BID ? a > b : a < b);

  function restIn(list: Resting[], side: number, o: Resting): void {
    let at = list.length;
    while (at > 0 && better(side, o.price, list[at - 1].price)) at--;
    list.splice(at, 0, o); // behind every order at its price: FIFO
  }

  /** Matches an incoming order against the other side; returns what is left. */
  function matchIn(model: Model, locate: number, side: number, limit: number | null, shares: number): number {
    const opposite = model.sides[locate * 2 + (side ^ 1)];
    let left = shares;
    while (left > 0 && opposite.length > 0) {
      const best = opposite[0];
      if (limit !== null && (side === BID ? best.price > limit : best.price < limit)) break;
      const fill = Math.min(left, best.shares);
      left -= fill;
      best.shares -= fill;
      model.executed += fill;
      if (best.shares === 0) opposite.shift();
    }
    return left;
  }

  function enter(model: Model, locate: number, side: number, orderType: number, price: number, shares: number, ref: number): void {
    const left = matchIn(model, locate, side, orderType === OrderType.Market ? null : price, shares);
    if (left > 0 && orderType === OrderType.Limit) restIn(model.sides[locate * 2 + side], side, { ref, price, shares: left });
  }

  const allResting = (model: Model) => model.sides.flatMap((list, i) => list.map((o) => ({ o, locate: i >> 1, side: i & 1 })));
  function chosen(model: Model, pick: number) {
    const all = allResting(model);
    return all[pick % all.length];
  }

  function same(got: string, want: string, what: string): void {
    if (got !== want) throw new Error(`${what}: got ${got}, want ${want}`);
  }

  function checkEngine(model: Model, { engine, reader, shadow }: Real): void {
    reader.drain(shadow);
    for (let locate = 1; locate <= SYMBOLS; locate++) {
      for (const side of [BID, ASK]) {
        const name = side === BID ? 'B' : 'S';
        const list = model.sides[locate * 2 + side];
        const what = `locate ${locate} side ${name}`;
        // Levels: price priority, and each level's total the sum of its orders.
        const levels: { price: number; shares: number; orders: number; refs: number[] }[] = [];
        for (const o of list) {
          const last = levels[levels.length - 1];
          if (last !== undefined && last.price === o.price) {
            last.shares += o.shares;
            last.orders++;
            last.refs.push(o.ref);
          } else {
            levels.push({ price: o.price, shares: o.shares, orders: 1, refs: [o.ref] });
          }
        }
        const text = (l: { price: number; shares: number; orders: number }) => `${l.shares}x${l.orders}@${l.price}`;
        same(engine.levels(locate, name).map(text).join(), levels.map(text).join(), `${what} levels`);
        // FIFO within each level.
        for (const l of levels) same(engine.ordersAt(locate, name, l.price).join(), l.refs.join(), `${what} queue at ${l.price}`);
        same(String(side === BID ? engine.bestBid(locate) : engine.bestAsk(locate)), String(levels[0]?.price ?? 0), `${what} best`);
      }
      const bid = engine.bestBid(locate);
      const ask = engine.bestAsk(locate);
      if (bid > 0 && ask > 0 && bid >= ask) throw new Error(`locate ${locate} crossed at rest: ${bid} >= ${ask}`);
    }
    // Every resting order, with its shares, in book priority (L3).
    const fromEngine: string[] = [];
    engine.forEachRestingOrder((o) => fromEngine.push(`${o.locate}${o.side}${o.ref}:${o.shares}@${o.price}`));
    same(fromEngine.join(), allResting(model).map(({ o, locate, side }) => `${locate}${side === BID ? 'B' : 'S'}${o.ref}:${o.shares}@${o.price}`).join(), 'resting orders');
    // Shares conserved: entered = 2 x executed + cancelled + resting.
    same(String(engine.sharesEntered), String(2 * engine.sharesExecuted + engine.sharesCancelled + engine.restingShares()), 'shares entered');
    same(String(engine.sharesExecuted), String(model.executed), 'shares executed');
    // The events alone rebuild the same book.
    same(shadow.problems.join('; '), '', 'event stream');
    same(String(shadow.executed), String(engine.sharesExecuted), 'executed per the events');
    const fromEvents = [...shadow.orders].map(([ref, o]) => `${o.locate}${o.side}${ref}:${o.shares}@${o.price}`).sort();
    same(fromEvents.join(), [...fromEngine].sort().join(), 'book from the events');
  }

  function submit(model: Model, real: Real, want: RejectReason): void {
    model.seq++;
    same(String(real.sequencer.submit(real.cmds, 0)), String(want), 'verdict');
    checkEngine(model, real);
  }

  class NewOrder implements EngineCommand {
    constructor(readonly locate: number, readonly side: number, readonly orderType: number, readonly tick: number, readonly shares: number) {}
    check(): boolean {
      return true;
    }
    run(model: Model, real: Real): void {
      const price = this.orderType === OrderType.Market ? 0 : priceOf(this.tick);
      real.cmds.write(0, CommandType.NewOrder, this.side === BID ? 0x42 : 0x53, this.orderType, 0, this.locate, this.shares, price, 0);
      enter(model, this.locate, this.side, this.orderType, price, this.shares, model.seq);
      submit(model, real, RejectReason.None);
    }
    toString(): string {
      const type = String.fromCharCode(this.orderType);
      return `new(${this.locate} ${this.side === BID ? 'B' : 'S'} ${type} ${this.shares}${this.orderType === OrderType.Market ? '' : ` @ ${priceOf(this.tick)}`})`;
    }
  }

  /** Cancels part of a resting order, or all of it (0, or at least its shares). */
  class Cancel implements EngineCommand {
    constructor(readonly pick: number, readonly shares: number) {}
    check(model: Readonly<Model>): boolean {
      return allResting(model as Model).length > 0;
    }
    run(model: Model, real: Real): void {
      const { o, locate, side } = chosen(model, this.pick);
      real.cmds.write(0, CommandType.Cancel, 0, 0, 0, locate, this.shares, 0, o.ref);
      if (this.shares > 0 && this.shares < o.shares) o.shares -= this.shares; // keeps its place
      else model.sides[locate * 2 + side].splice(model.sides[locate * 2 + side].indexOf(o), 1);
      submit(model, real, RejectReason.None);
    }
    toString(): string {
      return `cancel(pick ${this.pick}, ${this.shares})`;
    }
  }

  /** Cancel-replace: smaller at the same price keeps priority; otherwise a new order (new ref) that may trade. */
  class Replace implements EngineCommand {
    constructor(readonly pick: number, readonly samePrice: boolean, readonly tick: number, readonly shares: number) {}
    check(model: Readonly<Model>): boolean {
      return allResting(model as Model).length > 0;
    }
    run(model: Model, real: Real): void {
      const { o, locate, side } = chosen(model, this.pick);
      const price = this.samePrice ? o.price : priceOf(this.tick);
      real.cmds.write(0, CommandType.Replace, 0, 0, 0, locate, this.shares, price, o.ref);
      if (price === o.price && this.shares === o.shares) {
        submit(model, real, RejectReason.NoChange);
        return;
      }
      if (price === o.price && this.shares < o.shares) {
        o.shares = this.shares;
      } else {
        const list = model.sides[locate * 2 + side];
        list.splice(list.indexOf(o), 1);
        enter(model, locate, side, OrderType.Limit, price, this.shares, model.seq);
      }
      submit(model, real, RejectReason.None);
    }
    toString(): string {
      return `replace(pick ${this.pick}, ${this.shares} @ ${this.samePrice ? 'same' : priceOf(this.tick)})`;
    }
  }

  const tick = fc.integer({ min: 0, max: 20 });
  const shares = fc.integer({ min: 1, max: 500 });
  const pick = fc.nat({ max: 1000 });
  const command: fc.Arbitrary<EngineCommand> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(fc.integer({ min: 1, max: SYMBOLS }), fc.constantFrom(BID, ASK), fc.constantFrom<number>(OrderType.Limit, OrderType.Limit, OrderType.Limit, OrderType.ImmediateOrCancel, OrderType.Market), tick, shares)
        .map(([l, sd, t, k, n]) => new NewOrder(l, sd, t, k, n)),
    },
    { weight: 2, arbitrary: fc.tuple(pick, fc.oneof(fc.constant(0), shares)).map(([p, n]) => new Cancel(p, n)) },
    { weight: 2, arbitrary: fc.tuple(pick, fc.boolean(), tick, shares).map(([p, same, t, n]) => new Replace(p, same, t, n)) },
  );

  test('matches in price-time priority; after every command the book is uncrossed, its levels sum their orders, FIFO holds, shares are conserved and the events rebuild it', () => {
    fc.assert(
      fc.property(fc.commands([command], commandsOptions(300)), (commands) => {
        const ring = EngineEventRing.create(1 << 10);
        const reader = new EngineEventRingReader(ring);
        const shadow = new ShadowBook();
        const writer = new EngineEventRingWriter(ring, { onRingFull: () => reader.drain(shadow) });
        // Small pools and a small ref window, so growth and the overflow ref table are exercised.
        const engine = new MatchingEngine({ symbols: SYMBOLS, orderCapacity: 8, levelCapacity: 4, maxOrderShares: 10_000, tickSize: 100, refWindow: 16 }, writer);
        const real: Real = { engine, sequencer: new Sequencer(engine, null, null), reader, shadow, cmds: new CommandBuffer(1) };
        const model: Model = { sides: Array.from({ length: (SYMBOLS + 1) * 2 }, () => []), seq: 1, executed: 0 };
        fc.modelRun(() => ({ model, real }), commands);
      }),
      propertyOptions(200),
    );
  });
});
