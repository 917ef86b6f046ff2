import { KeyedLimiter, TokenBucket } from './rate-limit';

describe('rate limits', () => {
  test('a token bucket allows its burst, then its rate', () => {
    const b = new TokenBucket(5, 5, 0);
    for (let i = 0; i < 5; i++) expect(b.take(0)).toBe(true);
    expect(b.take(0)).toBe(false);
    expect(b.waitMs(0)).toBe(200);
    expect(b.take(199)).toBe(false);
    expect(b.take(200)).toBe(true);
    expect(b.take(10_000)).toBe(true);
    expect(b.full(20_000)).toBe(true);
  });

  test('a keyed limiter limits each key apart and forgets idle ones', () => {
    const l = new KeyedLimiter(1, 2);
    expect(l.take('a', 0)).toBe(0);
    expect(l.take('a', 0)).toBe(0);
    expect(l.take('a', 0)).toBe(1000);
    expect(l.take('b', 0)).toBe(0);
    expect(l.size).toBe(2);
    l.take('c', 20_000);
    expect(l.size).toBe(1);
  });
});
