import { AccountOrderRate } from './order-rate';

describe('AccountOrderRate', () => {
  test('each account has a burst of twice the rate, refilled at the rate', () => {
    let now = 0;
    const r = new AccountOrderRate(5, () => now, 4);
    for (let i = 0; i < 10; i++) expect(r.take(1)).toBe(true);
    expect(r.take(1)).toBe(false);
    expect(r.retryAfterS(1)).toBe(1);
    expect(r.take(2)).toBe(true); // another account is unaffected
    now += 200; // one token at 5/s
    expect(r.take(1)).toBe(true);
    expect(r.take(1)).toBe(false);
  });

  test('a full bucket gives its slot to a new account when none is free', () => {
    let now = 0;
    const r = new AccountOrderRate(1, () => now, 2);
    expect(r.take(1)).toBe(true);
    expect(r.take(2)).toBe(true);
    expect(r.take(3)).toBe(false); // both slots in use, neither full
    now += 10_000;
    expect(r.take(3)).toBe(true);
    expect(r.take(1)).toBe(true);
  });
});
