// Recent executions (prints from E, printable C and P) per symbol, in rings of typed arrays:
// what the trades channel streams and /v1/marketdata/trades answers without storage. Recording is
// a few array writes, no allocation; a symbol's ring is allocated on its first print.

const F_SEQ = 0;
const F_TS = 1;
const F_PRICE = 2;
const F_SHARES = 3;
const F_REF = 4;
const F_MATCH = 5;
const STRIDE = 6;

/** One execution, built on demand off the hot path. */
export interface Execution {
  seq: number;
  /** ITCH timestamp, ns since New York midnight. */
  timestampNs: number;
  price: number;
  shares: number;
  /** The resting order's ref (ITCH E/C name only it). */
  orderRef: number;
  matchNumber: number;
}

export class ExecutionLog {
  readonly capacity: number;
  private readonly rings: (Float64Array | null)[] = new Array<Float64Array | null>(65536).fill(null);
  /** Executions ever recorded per locate (a cursor for readers; the ring holds the last `capacity`). */
  readonly counts = new Float64Array(65536);
  /** Timestamp of the first message the gateway saw (what memory covers when a ring has not wrapped). */
  firstTimestampNs = -1;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  record(locate: number, seq: number, timestampNs: number, price: number, shares: number, orderRef: number, matchNumber: number): void {
    let ring = this.rings[locate];
    if (ring === null) {
      ring = new Float64Array(this.capacity * STRIDE);
      this.rings[locate] = ring;
    }
    const n = this.counts[locate];
    const at = (n % this.capacity) * STRIDE;
    ring[at + F_SEQ] = seq;
    ring[at + F_TS] = timestampNs;
    ring[at + F_PRICE] = price;
    ring[at + F_SHARES] = shares;
    ring[at + F_REF] = orderRef;
    ring[at + F_MATCH] = matchNumber;
    this.counts[locate] = n + 1;
  }

  /** The oldest index still held for `locate`. */
  oldest(locate: number): number {
    const n = this.counts[locate];
    return n > this.capacity ? n - this.capacity : 0;
  }

  /** True once `locate`'s ring has overwritten executions. */
  wrapped(locate: number): boolean {
    return this.counts[locate] > this.capacity;
  }

  /** The execution with absolute index `index` (oldest(locate) <= index < counts[locate]). */
  get(locate: number, index: number): Execution {
    const ring = this.rings[locate] as Float64Array;
    const at = (index % this.capacity) * STRIDE;
    return {
      seq: ring[at + F_SEQ],
      timestampNs: ring[at + F_TS],
      price: ring[at + F_PRICE],
      shares: ring[at + F_SHARES],
      orderRef: ring[at + F_REF],
      matchNumber: ring[at + F_MATCH],
    };
  }

  /** Field reads without building an object (the trades channel's path). */
  seqAt(locate: number, index: number): number {
    return (this.rings[locate] as Float64Array)[(index % this.capacity) * STRIDE + F_SEQ];
  }
  timestampAt(locate: number, index: number): number {
    return (this.rings[locate] as Float64Array)[(index % this.capacity) * STRIDE + F_TS];
  }
  priceAt(locate: number, index: number): number {
    return (this.rings[locate] as Float64Array)[(index % this.capacity) * STRIDE + F_PRICE];
  }
  sharesAt(locate: number, index: number): number {
    return (this.rings[locate] as Float64Array)[(index % this.capacity) * STRIDE + F_SHARES];
  }
  refAt(locate: number, index: number): number {
    return (this.rings[locate] as Float64Array)[(index % this.capacity) * STRIDE + F_REF];
  }
  matchAt(locate: number, index: number): number {
    return (this.rings[locate] as Float64Array)[(index % this.capacity) * STRIDE + F_MATCH];
  }
}
