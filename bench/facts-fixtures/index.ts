// A room's face as protocol/index.ts is: only `export *`. tsc's CommonJS output makes each
// name a getter (__createBinding); the exports object keeps fast properties.
export * from './kinds.js';
export * from './codec.js';
export * from './filler.js';
