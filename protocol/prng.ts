// A small seeded PRNG (mulberry32) for property tests and the benchmark: the same seed
// gives the same inputs on every machine, and the seed is printed so a failure replays.

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed for a property test: TW_SEED if set (to replay a failure), else time-based. */
export function testSeed(): number {
  const fromEnv = process.env.TW_SEED;
  return fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
}
