import { TokenBucket } from './token-bucket';

/** A clock that moves only when the test moves it. */
function manualClock() {
  const clock = { ms: 1_000, nowMs: () => clock.ms };
  return clock;
}

describe('token bucket', () => {
  test('a fresh bucket allows its burst, then its rate', () => {
    const clock = manualClock();
    const b = new TokenBucket({ slots: 1, ratePerSec: 4, burst: 3, nowMs: clock.nowMs });
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([true, true, true, false]);
    expect(b.waitMs(0)).toBe(250);
    clock.ms += 125;
    expect(b.take(0)).toBe(false);
    expect(b.waitMs(0)).toBe(125);
    clock.ms += 124;
    expect(b.take(0)).toBe(false);
    clock.ms += 1;
    expect(b.take(0)).toBe(true);
    expect(b.take(0)).toBe(false);
  });

  test('refills up to the burst and no further; full() says when there is nothing to remember', () => {
    const clock = manualClock();
    const b = new TokenBucket({ slots: 1, ratePerSec: 5, burst: 5, nowMs: clock.nowMs });
    for (let i = 0; i < 5; i++) b.take(0);
    expect(b.full(0)).toBe(false);
    clock.ms += 999;
    expect(b.full(0)).toBe(false);
    clock.ms += 1;
    expect(b.full(0)).toBe(true);
    clock.ms += 60_000;
    expect(b.level(0)).toBe(5);
    let taken = 0;
    while (b.take(0)) taken++;
    expect(taken).toBe(5);
  });

  test('slots are independent; fill() gives a slot a fresh full bucket', () => {
    const clock = manualClock();
    const b = new TokenBucket({ slots: 3, ratePerSec: 2, burst: 2, nowMs: clock.nowMs });
    expect([b.take(1), b.take(1), b.take(1)]).toEqual([true, true, false]);
    expect(b.take(0)).toBe(true);
    expect(b.level(2)).toBe(2);
    b.fill(1);
    expect(b.take(1)).toBe(true);
  });

  test('a clock that steps back gives no tokens and takes none away', () => {
    const clock = manualClock();
    const b = new TokenBucket({ slots: 1, ratePerSec: 1, burst: 1, nowMs: clock.nowMs });
    expect(b.take(0)).toBe(true);
    clock.ms -= 10_000;
    expect(b.take(0)).toBe(false);
    expect(b.level(0)).toBe(0);
    clock.ms += 11_000; // 1 s past the last forward reading
    expect(b.take(0)).toBe(true);
  });

  test('a check allocates nothing: state is in typed arrays sized at construction', () => {
    const clock = manualClock();
    const b = new TokenBucket({ slots: 4096, ratePerSec: 100, burst: 100, nowMs: clock.nowMs });
    for (let i = 0; i < 100_000; i++) {
      clock.ms += 0.01;
      b.take(i & 4095);
    }
    expect(b.slots).toBe(4096);
  });

  test('bad sizes are a RangeError naming the value', () => {
    const nowMs = () => 0;
    expect(() => new TokenBucket({ slots: 0, ratePerSec: 1, burst: 1, nowMs })).toThrow(/slots .* got 0/);
    expect(() => new TokenBucket({ slots: 1, ratePerSec: 0, burst: 1, nowMs })).toThrow(/rate .* got 0/);
    expect(() => new TokenBucket({ slots: 1, ratePerSec: 1, burst: 0.5, nowMs })).toThrow(/burst .* got 0.5/);
  });
});
