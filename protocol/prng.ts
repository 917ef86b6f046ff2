// The seeded PRNGs, in one place. `Prng` (xoshiro128** with 32-bit state words, no
// BigInt, seeded through splitmix32 so nearby seeds give unrelated streams) makes every
// random choice of the sim and the publisher's unicast shuffle: its stream must never
// change, seeded sim outputs and their digests are checked by tests. `mulberry32` is the
// small one for property tests and benchmarks: the same seed gives the same inputs on
// every machine, and the seed is printed so a failure replays.


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

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Uniform uint32. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Geometric count of failures before a success with probability p (0, 1, 2, ...). */
  geometric(p: number): number {
    const u = 1 - this.next();
    return Math.floor(Math.log(u) / Math.log(1 - p));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
