// Options for fast-check properties (fc.assert): a fresh seed every run, or TW_SEED to
// replay one. A failure's report carries `{ seed, path }` and the shrunk counterexample;
// `TW_SEED=<seed> TW_PATH=<path> npx jest <file> -t '<test name>'` replays exactly that
// case (TW_PATH belongs to one property, so pick the test with -t).
import type { Parameters } from 'fast-check';

function envInteger(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`${name}=${text}: expected an integer seed (as printed in a fast-check failure report)`);
  return n | 0;
}

/** `numRuns` inputs per property; the seed from TW_SEED when set (fast-check picks one otherwise). */
export function propertyOptions<T = unknown>(numRuns: number, extra: Parameters<T> = {}): Parameters<T> {
  const seed = envInteger('TW_SEED');
  const path = process.env.TW_PATH;
  return {
    numRuns,
    ...(seed === undefined ? {} : { seed }),
    ...(path === undefined || path === '' ? {} : { path }),
    ...extra,
  };
}
