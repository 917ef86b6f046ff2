// The CommonJS-getter question, measured on whatever build this file was compiled into:
// tsc's CommonJS (getters), an esbuild bundle (no getters), or unbundled ESM (live bindings).
import * as all from './index.js';
import * as allNamed from './index-named.js';
import { loopLocal, loopThroughIndex, loopThroughNamedIndex } from './hot-loops.js';
import { calibrate, consume, interleave, nsPerUnit, type Ratio, ratio, round3 } from './interleave.js';

export interface GetterFigures {
  reexportOverLocal: Ratio;
  namedReexportOverLocal: Ratio;
  localNsPerIteration: number;
  /** What one read of an imported name through the `export *` index adds (3 per iteration). */
  getterNsPerRead: number;
}

/** Reads every re-exported name once, as a real process's start-up does through its indexes. */
function touchAllNames(): void {
  for (const ns of [all, allNamed] as Record<string, unknown>[]) {
    for (const name of Object.keys(ns)) consume(typeof ns[name] === 'number' ? (ns[name] as number) : 1);
  }
}

export function measureGetters(budgetMs: number, seed: number): GetterFigures {
  touchAllNames();
  const slices = [
    (n: number) => loopLocal(n, seed),
    (n: number) => loopThroughIndex(n, seed),
    (n: number) => loopThroughNamedIndex(n, seed),
  ];
  const units = calibrate(slices, 1);
  const times = interleave(slices, units, budgetMs);
  return {
    reexportOverLocal: ratio(times, 1, 0),
    namedReexportOverLocal: ratio(times, 2, 0),
    localNsPerIteration: nsPerUnit(times, 0, units),
    getterNsPerRead: round3((nsPerUnit(times, 1, units) - nsPerUnit(times, 0, units)) / 3),
  };
}
