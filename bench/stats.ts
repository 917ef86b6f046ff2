// Small statistics for the benchmarks: the χ² goodness-of-fit test of counts against a
// uniform distribution (bench:fairness, "is any receiver systematically first?"), through
// the regularized incomplete gamma function (Numerical Recipes, 3rd ed., §6.2: the series
// for x < a + 1, the continued fraction (modified Lentz) otherwise).

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9: ~15 digits). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const z = x - 1;
  let s = c[0];
  for (let i = 1; i < 9; i++) s += c[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

const EPS = 1e-15;
const TINY = 1e-300;

/** P(a, x) = γ(a, x) / Γ(a), the regularized lower incomplete gamma function. */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    return sum * Math.exp(-x + a * Math.log(x) - lnGamma(a));
  }
  return 1 - gammaQ(a, x);
}

/** Q(a, x) = 1 - P(a, x), the regularized upper incomplete gamma function. */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (x < a + 1) return 1 - gammaP(a, x);
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - lnGamma(a)) * h;
}

/** The χ² distribution's upper tail: P(X >= statistic) with `df` degrees of freedom. */
export function chiSquareSurvival(statistic: number, df: number): number {
  return gammaQ(df / 2, statistic / 2);
}

/**
 * Pearson's χ² test of `counts` against equal expected counts: the statistic, its degrees of
 * freedom (categories - 1) and the p-value (the chance of a statistic at least this large if
 * every category were equally likely). A p-value under 0.01 says the counts are not uniform.
 */
export function chiSquareUniform(counts: ArrayLike<number>): { statistic: number; df: number; p: number } {
  const k = counts.length;
  let total = 0;
  for (let i = 0; i < k; i++) total += counts[i];
  if (k < 2 || total === 0) return { statistic: 0, df: Math.max(0, k - 1), p: 1 };
  const expected = total / k;
  let statistic = 0;
  for (let i = 0; i < k; i++) statistic += (counts[i] - expected) ** 2 / expected;
  return { statistic, df: k - 1, p: chiSquareSurvival(statistic, k - 1) };
}

/** The median of `xs` (not changed): the mean of the middle two when the count is even. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The value at percentile `p` (0-100) of `values` (sorted in place), nearest rank. */
export function percentile(values: number[] | Float64Array, p: number): number {
  const n = values.length;
  if (n === 0) return 0;
  values.sort((a, b) => a - b);
  const rank = Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1));
  return values[rank];
}
