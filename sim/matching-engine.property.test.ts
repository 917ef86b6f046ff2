// Property tests over seeded random order flow. The seed is printed so a failure repeats.
import { loadConfig } from '../config';
import {
  EngineEventRing,
  EngineEventRingReader,
  EngineEventRingWriter,
  type EngineEventHandler,
  type EngineEventView,
} from '../protocol';
import { CommandBuffer } from './command';
import { MatchingEngine } from './matching-engine';
import { OrderFlowGenerator } from './order-flow-generator';
import { Sequencer } from './sequencer';
import { symbolUniverse } from './symbols';

const SEED = Number(process.env.TW_TEST_SEED ?? 20261122);

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
  test(`shares are conserved over a million random orders, and the events rebuild the same book (seed ${SEED})`, () => {
    const { engine, generator, sequencer, reader, shadow } = setup(SEED);
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
  });

  test(`no book is ever crossed at rest, checked after every command (seed ${SEED + 1})`, () => {
    const { engine, generator, sequencer, reader, shadow } = setup(SEED + 1);
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
  });
});

