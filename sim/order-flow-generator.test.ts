import { loadConfig } from '../config';
import { MARKET_CLOSE_NS, MARKET_OPEN_NS } from './clock';
import { COMMAND_SIZE, CommandBuffer, CommandType, OrderType } from './command';
import { EngineHarness } from './engine-harness';
import { OrderFlowGenerator } from './order-flow-generator';

function generator(seed: number) {
  const h = new EngineHarness({ symbols: 100, orderCapacity: 1 << 16 }, 1 << 12);
  const config = loadConfig({ flags: { 'sim.seed': seed, 'sim.ordersPerSec': 0 } });
  return { h, gen: OrderFlowGenerator.fromConfig(config, h.engine) };
}

describe('order-flow generator', () => {
  test('the intraday intensity is U-shaped: busiest at the open and close, averaging 1 over the day', () => {
    const { gen } = generator(1);
    const day = MARKET_CLOSE_NS - MARKET_OPEN_NS;
    const at = (x: number): number => gen.intensity(MARKET_OPEN_NS + x * day);
    expect(at(0)).toBeCloseTo(4 * at(0.5), 6); // default peak ratio 4
    expect(at(0.05)).toBeGreaterThan(at(0.25));
    expect(at(0.95)).toBeGreaterThan(at(0.75));
    let sum = 0;
    for (let i = 0; i < 10_000; i++) sum += at((i + 0.5) / 10_000);
    expect(sum / 10_000).toBeCloseTo(1, 3);
    expect(gen.intensity(MARKET_OPEN_NS - 1e9)).toBe(1);
    expect(gen.intensity(MARKET_CLOSE_NS + 1e9)).toBe(1);
  });

  test('one seed gives one stream of commands; another seed another', () => {
    const stream = (seed: number): string => {
      const { h, gen } = generator(seed);
      const cmds = new CommandBuffer(1);
      const out: number[] = [];
      for (let i = 0; i < 5000; i++) {
        gen.next(cmds, 0, i + 1);
        cmds.stamp(0, i + 1, cmds.timestampNs(0));
        h.engine.apply(cmds, 0);
        h.engine.publish();
        h.reader.advance(h.reader.available());
        for (let b = 0; b < COMMAND_SIZE; b++) out.push(cmds.u8[b]);
      }
      return Buffer.from(out).toString('base64');
    };
    expect(stream(5)).toBe(stream(5));
    expect(stream(6)).not.toBe(stream(5));
  });

  test('the default mix is about 45% limit, 40% cancel, 10% marketable, 5% replace, and the books keep a steady depth', () => {
    const { h, gen } = generator(11);
    const cmds = new CommandBuffer(256);
    const counts = { limit: 0, cancel: 0, marketable: 0, replace: 0 };
    let seq = 1;
    const N = 200_000;
    let restingAtHalf = 0;
    for (let done = 0; done < N; done += 256) {
      for (let i = 0; i < 256; i++) gen.next(cmds, i, seq + i);
      for (let i = 0; i < 256; i++) {
        const b = i * COMMAND_SIZE;
        cmds.stamp(b, seq++, cmds.timestampNs(b));
        const t = cmds.type(b);
        if (t === CommandType.Cancel) counts.cancel++;
        else if (t === CommandType.Replace) counts.replace++;
        else if (cmds.orderType(b) !== OrderType.Limit) counts.marketable++;
        else {
          // A limit through the touch is marketable flow; the rest is passive.
          const side = cmds.side(b);
          const locate = cmds.locate(b);
          const ask = h.engine.bestAsk(locate);
          const bid = h.engine.bestBid(locate);
          const crosses = side === 0x42 ? ask > 0 && cmds.price(b) >= ask : bid > 0 && cmds.price(b) <= bid;
          if (crosses) counts.marketable++;
          else counts.limit++;
        }
        h.engine.apply(cmds, b);
      }
      h.engine.publish();
      h.reader.advance(h.reader.available());
      if (restingAtHalf === 0 && done >= N / 2) restingAtHalf = h.engine.restingOrders;
    }
    const share = (n: number): number => n / N;
    expect(share(counts.limit)).toBeGreaterThan(0.4);
    expect(share(counts.limit)).toBeLessThan(0.52);
    expect(share(counts.cancel)).toBeGreaterThan(0.34);
    expect(share(counts.cancel)).toBeLessThan(0.46);
    expect(share(counts.marketable)).toBeGreaterThan(0.06);
    expect(share(counts.marketable)).toBeLessThan(0.14);
    expect(share(counts.replace)).toBeGreaterThan(0.03);
    expect(share(counts.replace)).toBeLessThan(0.07);
    // Depth holds near the target (300 per symbol) rather than growing or draining.
    expect(h.engine.restingOrders).toBeGreaterThan(10_000);
    expect(h.engine.restingOrders).toBeLessThan(60_000);
    expect(Math.abs(h.engine.restingOrders - restingAtHalf) / restingAtHalf).toBeLessThan(0.3);
  });
});
