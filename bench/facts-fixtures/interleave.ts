// Interleaved timing for a noisy shared machine: variants run in alternating short slices
// of equal work, many rounds, in one process; a figure is the median of the per-round
// ratios, so a pause (1-70 ms here) spoils a few rounds, not the figure.

/** One slice of work: `n` units; returns a value that is kept, so nothing is optimized away. */
export type Slice = (n: number) => number;

export interface Ratio {
  median: number;
  p25: number;
  p75: number;
  rounds: number;
}

let sink = 0;

/** Keeps a result alive. */
export function consume(x: number): void {
  sink = (sink + x) % 1e9;
}

export function sinkValue(): number {
  return sink;
}

function timeSlice(slice: Slice, n: number): number {
  const t0 = performance.now();
  consume(slice(n));
  return performance.now() - t0;
}

/**
 * Warms every slice up (so they are optimized), then picks the units per slice so the
 * slowest variant's slice takes about `sliceMs`.
 */
export function calibrate(slices: Slice[], sliceMs: number, warmupMs = 150): number {
  const warmEnd = performance.now() + warmupMs;
  let n = 1;
  while (performance.now() < warmEnd) {
    for (const s of slices) timeSlice(s, n);
    if (n < 1 << 12) n *= 2;
  }
  let units = Number.MAX_SAFE_INTEGER;
  for (const s of slices) {
    let k = 1;
    for (;;) {
      // The least of three: one pause must not make a slice look slow and the units few.
      const ms = Math.min(timeSlice(s, k), timeSlice(s, k), timeSlice(s, k));
      if (ms >= sliceMs / 4 || k >= 1 << 30) {
        units = Math.min(units, Math.max(1, Math.round((k * sliceMs) / Math.max(ms, 1e-3))));
        break;
      }
      k *= 2;
    }
  }
  return units;
}

/**
 * Times each slice `units` at a time, round after round, until `budgetMs` has passed (at
 * least `minRounds`). The order within a round rotates and reverses, so no variant always
 * runs first or after the same neighbour. Returns times[variant][round] in ms.
 */
export function interleave(slices: Slice[], units: number, budgetMs: number, minRounds = 30): number[][] {
  const k = slices.length;
  const times: number[][] = slices.map(() => []);
  const start = performance.now();
  for (let r = 0; ; r++) {
    const rot = r % k;
    const reverse = Math.floor(r / k) % 2 === 1;
    for (let j = 0; j < k; j++) {
      const v = reverse ? (rot + k - 1 - j) % k : (rot + j) % k;
      times[v].push(timeSlice(slices[v], units));
    }
    if (r + 1 >= minRounds && performance.now() - start >= budgetMs) break;
  }
  return times;
}

function quantile(sorted: number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
}

/** Median (and quartiles) over rounds of times[num] / times[den]. */
export function ratio(times: number[][], num: number, den: number): Ratio {
  const r = times[num].map((t, i) => t / times[den][i]).sort((a, b) => a - b);
  return { median: round3(quantile(r, 0.5)), p25: round3(quantile(r, 0.25)), p75: round3(quantile(r, 0.75)), rounds: r.length };
}

/** Median time per unit of one variant, in ns (indicative only: absolute, so noisy). */
export function nsPerUnit(times: number[][], v: number, units: number): number {
  const s = [...times[v]].sort((a, b) => a - b);
  return round3((quantile(s, 0.5) * 1e6) / units);
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
