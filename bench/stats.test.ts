import { chiSquareSurvival, chiSquareUniform, gammaP, lnGamma, median, percentile } from './stats';

describe('bench/stats', () => {
  test('lnGamma matches factorials and Γ(1/2) = √π', () => {
    expect(lnGamma(1)).toBeCloseTo(0, 12);
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(lnGamma(3.5)).toBeCloseTo(Math.log(3.3233509704478426), 12);
  });

  test('gammaP(1, x) is the exponential CDF', () => {
    for (const x of [0.1, 1, 2.5, 10]) expect(gammaP(1, x)).toBeCloseTo(1 - Math.exp(-x), 12);
  });

  test('the χ² upper tail for df = 7 gives the table critical values', () => {
    // Critical values of χ²(7) from the NIST/SEMATECH handbook, table 1.3.6.7.4.
    expect(chiSquareSurvival(14.067, 7)).toBeCloseTo(0.05, 4);
    expect(chiSquareSurvival(18.475, 7)).toBeCloseTo(0.01, 4);
    expect(chiSquareSurvival(24.322, 7)).toBeCloseTo(0.001, 5);
    expect(chiSquareSurvival(2.833, 7)).toBeCloseTo(0.9, 4);
    // df = 2 is closed-form: exp(-x / 2).
    for (const x of [0.5, 3, 9.21]) expect(chiSquareSurvival(x, 2)).toBeCloseTo(Math.exp(-x / 2), 12);
    // At its mean: the closed form for odd df, erfc(√3.5) + e^-3.5 Σ 3.5^(k-½)/Γ(k+½), k = 1..3.
    expect(chiSquareSurvival(7, 7)).toBeCloseTo(0.42887985755305, 12);
  });

  test('uniform counts pass, one receiver always first fails', () => {
    expect(chiSquareUniform([1250, 1250, 1250, 1250, 1250, 1250, 1250, 1250]).p).toBeCloseTo(1, 12);
    const skewed = chiSquareUniform([10_000, 0, 0, 0, 0, 0, 0, 0]);
    expect(skewed.df).toBe(7);
    expect(skewed.statistic).toBeCloseTo(70_000, 6);
    expect(skewed.p).toBeLessThan(1e-100);
    // 8 categories, 10,000 draws, +-60 around 1,250: statistic 8 * 3600 / 1250 = 23.04, p ~0.0017.
    const mild = chiSquareUniform([1310, 1190, 1310, 1190, 1310, 1190, 1310, 1190]);
    expect(mild.statistic).toBeCloseTo(23.04, 6);
    expect(mild.p).toBeGreaterThan(0.001);
    expect(mild.p).toBeLessThan(0.002);
    expect(chiSquareUniform([]).p).toBe(1);
  });

  test('median: the middle value, or the mean of the middle two; the input is left as it was', () => {
    const xs = [5, 1, 4, 2];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 4, 2]);
    expect(median([9, 1, 5])).toBe(5);
  });

  test('percentile is nearest rank', () => {
    const v = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(v, 50)).toBe(50);
    expect(percentile(v, 99)).toBe(99);
    expect(percentile(v, 100)).toBe(100);
    expect(percentile([], 99)).toBe(0);
  });
});
