// A room's face as sim/index.ts and book/index.ts are: `export *` mixed with named
// re-exports. tsc's CommonJS output first sets each named one to undefined, then redefines
// it as a getter, which turns the exports object into a dictionary (slow properties).
export * from './filler.js';
export { Kind, STEP } from './kinds.js';
export { mix } from './codec.js';
