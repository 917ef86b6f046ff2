// Delivery lag at the gateway: how old the state in each frame is when the frame has been
// written to its clients' sockets (engine event to kernel), one sample per subscriber.
// Beside the lag a client measures on receipt, it tells whether a delay is built in the
// gateway or after it (socket buffers, a client that reads slowly). Log-linear buckets (16
// per power of two: percentiles within ~4%), weighted samples, no allocation.

const SUB_BITS = 4;
const SUB = 1 << SUB_BITS;
/** Up to 2^31 us (~36 minutes). */
const BUCKETS = (32 - SUB_BITS) * SUB;

export class LagHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  total = 0;
  maxUs = 0;

  /** Adds `weight` samples of `us` microseconds. */
  record(us: number, weight: number): void {
    if (weight <= 0) return;
    const v = us < 1 ? 1 : us > 0x7fffffff ? 0x7fffffff : Math.floor(us);
    this.counts[bucketOf(v)] += weight;
    this.total += weight;
    if (v > this.maxUs) this.maxUs = v;
  }

  /** The value (us, the bucket's upper bound) at or below which `p` percent of samples fall; 0 when empty. */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const want = (Math.min(100, Math.max(0, p)) / 100) * this.total;
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b];
      if (seen >= want && this.counts[b] > 0) return Math.min(upperOf(b), this.maxUs);
    }
    return this.maxUs;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.maxUs = 0;
  }
}

/** Values below SUB get a bucket each; above, SUB buckets per power of two. */
function bucketOf(v: number): number {
  if (v < SUB) return v;
  const exp = 31 - Math.clz32(v); // >= SUB_BITS
  const shift = exp - SUB_BITS;
  return (shift + 1) * SUB + ((v >>> shift) - SUB);
}

function upperOf(b: number): number {
  if (b < SUB) return b;
  const shift = Math.floor(b / SUB) - 1;
  const mantissa = (b % SUB) + SUB;
  return (mantissa + 1) * 2 ** shift - 1;
}
