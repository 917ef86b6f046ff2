import { AbnormalTrafficDetector } from './abnormal-traffic-detector';
import { AccountErrorKind, accountErrorName } from './errors';

/** Sends `count` orders evenly over [startMs, startMs + spanMs); returns the verdicts that were not None. */
function orders(d: AbnormalTrafficDetector, session: number, startMs: number, spanMs: number, count: number): string[] {
  const verdicts: string[] = [];
  for (let i = 0; i < count; i++) {
    const v = d.onOrder(session, startMs + (i * spanMs) / count);
    if (v !== AccountErrorKind.None) verdicts.push(`${i + 1}:${accountErrorName(v)}`);
  }
  return verdicts;
}

describe('AbnormalTrafficDetector', () => {
  test('a new account may send up to the absolute minimum (50/s); the 51st order in a second suspends, once', () => {
    const d = new AbnormalTrafficDetector();
    d.attach(7, 1);
    expect(orders(d, 7, 0, 999, 50)).toEqual([]);
    expect(d.onOrder(7, 999)).toBe(AccountErrorKind.AbnormalRate);
    // Reported once: the caller suspends the session; no flood of verdicts.
    expect(d.onOrder(7, 999)).toBe(AccountErrorKind.None);
    expect(d.refused.TW_ERR_SESSION_ABNORMAL_RATE).toBe(1);
    expect(d.describe(7)).toMatch(/51 orders in a 1000 ms window \(limit 50\.0/);
  });

  test('the norm is learned (EWMA over busy windows): 10x the norm suspends, a little above it does not', () => {
    const d = new AbnormalTrafficDetector();
    d.attach(1, 100);
    // 60 busy seconds at 30 orders/s: the norm converges near 30/s, so the limit is ~300/s.
    for (let s = 0; s < 60; s++) expect(orders(d, 1, s * 1000, 1000, 30)).toEqual([]);
    expect(d.norm(100)).toBeGreaterThan(29);
    expect(d.norm(100)).toBeLessThanOrEqual(30);
    expect(orders(d, 1, 60_000, 1000, 250)).toEqual([]);
    // A night of silence does not pull the norm down. The morning's first order closes the
    // 250-order window: norm = 0.9 x ~29.95 + 0.1 x 250 = ~52/s, so the limit is ~520.
    const morning = 12 * 3_600_000;
    const verdicts = orders(d, 1, morning, 1000, 600);
    expect(d.norm(100)).toBeCloseTo(51.95, 1);
    expect(verdicts).toEqual(['520:TW_ERR_SESSION_ABNORMAL_RATE']);
  });

  test("the absolute minimum protects a slow account's bursts: norm 1/s still gets 50/s", () => {
    const d = new AbnormalTrafficDetector();
    d.attach(1, 5);
    d.setNorm(5, 1);
    expect(orders(d, 1, 0, 1000, 51)).toEqual(['51:TW_ERR_SESSION_ABNORMAL_RATE']);
    d.attach(2, 6);
    d.setNorm(6, 1);
    expect(orders(d, 2, 0, 1000, 50)).toEqual([]);
  });

  test("sessions of one account share its norm; an unattached session has its own", () => {
    const d = new AbnormalTrafficDetector({ initialNormPerSec: 0 });
    d.attach(1, 9);
    d.attach(2, 9);
    for (let s = 0; s < 40; s++) orders(d, 1, s * 1000, 1000, 40);
    // Session 2 never traded, but the account's norm (~40/s) gives it a limit near 400/s.
    expect(orders(d, 2, 0, 1000, 300)).toEqual([]);
    expect(orders(d, 3, 0, 1000, 60)).toEqual(['51:TW_ERR_SESSION_ABNORMAL_RATE']);
  });

  test('more than 20 rejects within 5 s is a burst; 21 spread over more than 5 s is not', () => {
    const d = new AbnormalTrafficDetector();
    // 21 rejects, 251 ms apart: the 21st is 5020 ms after the 1st.
    for (let i = 0; i < 21; i++) expect(d.onReject(1, i * 251)).toBe(AccountErrorKind.None);
    // 20 in the last 5 s, then one more inside the window of the oldest of the last 21.
    const d2 = new AbnormalTrafficDetector();
    for (let i = 0; i < 20; i++) expect(d2.onReject(2, 1000 + i * 100)).toBe(AccountErrorKind.None);
    expect(d2.onReject(2, 6000)).toBe(AccountErrorKind.RejectBurst);
    expect(d2.onReject(2, 6001)).toBe(AccountErrorKind.None);
    expect(d2.refused.TW_ERR_SESSION_REJECT_BURST).toBe(1);
    // Thresholds are options.
    const strict = new AbnormalTrafficDetector({ rejectBurst: 2, rejectWindowMs: 100 });
    expect([strict.onReject(3, 0), strict.onReject(3, 50), strict.onReject(3, 100)]).toEqual([0, 0, AccountErrorKind.RejectBurst]);
  });

  test('reset (after an admin lifts the suspension) starts the session clean; forget frees its slot; slots grow', () => {
    const d = new AbnormalTrafficDetector({ initialSessions: 2, minRatePerSec: 5 });
    expect(orders(d, 1, 0, 1000, 6)).toEqual(['6:TW_ERR_SESSION_ABNORMAL_RATE']);
    expect(d.onOrder(1, 500)).toBe(AccountErrorKind.None);
    d.reset(1);
    expect(orders(d, 1, 2000, 1000, 5)).toEqual([]);
    // Many sessions at once: the tables double, each session keeps its own state.
    for (let k = 10; k < 60; k++) expect(orders(d, k, 0, 1000, 5)).toEqual([]);
    expect(d.sessions).toBe(51);
    for (let k = 10; k < 60; k++) expect(d.onOrder(k, 999)).toBe(AccountErrorKind.AbnormalRate);
    for (let k = 10; k < 60; k++) d.forget(k);
    expect(d.sessions).toBe(1);
    // A forgotten key comes back fresh.
    expect(orders(d, 10, 5000, 1000, 5)).toEqual([]);
  });

  test('bad options are refused at construction', () => {
    expect(() => new AbnormalTrafficDetector({ windowMs: 0 })).toThrow(RangeError);
    expect(() => new AbnormalTrafficDetector({ normAlpha: 2 })).toThrow(RangeError);
    expect(() => new AbnormalTrafficDetector({ rejectBurst: 1.5 })).toThrow(RangeError);
    expect(() => new AbnormalTrafficDetector().setNorm(1, -1)).toThrow(RangeError);
  });
});
