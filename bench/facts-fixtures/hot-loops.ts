// The same hot loop three ways: reading a constant and calling a small function imported
// through an `export *` index, through a mixed (named re-export) index, and through
// module-local copies (the workaround in book/market-books.ts, sim/matching-engine.ts...).
// Each iteration reads three imported names: a function, a number, an enum-like object.
import { Kind, mix, STEP } from './index.js';
import { Kind as KindNamed, mix as mixNamed, STEP as STEP_NAMED } from './index-named.js';

// The workaround: module-local bindings, read once at load.
const mixLocal = mix;
const STEP_LOCAL = STEP;
const ADD_LOCAL = Kind.Add;

export function loopThroughIndex(n: number, seed: number): number {
  let acc = seed & 0xfffff;
  for (let i = 0; i < n; i++) {
    acc = mix(acc, i + STEP) ^ Kind.Add;
  }
  return acc;
}

export function loopThroughNamedIndex(n: number, seed: number): number {
  let acc = seed & 0xfffff;
  for (let i = 0; i < n; i++) {
    acc = mixNamed(acc, i + STEP_NAMED) ^ KindNamed.Add;
  }
  return acc;
}

export function loopLocal(n: number, seed: number): number {
  let acc = seed & 0xfffff;
  for (let i = 0; i < n; i++) {
    acc = mixLocal(acc, i + STEP_LOCAL) ^ ADD_LOCAL;
  }
  return acc;
}
