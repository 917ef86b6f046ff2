// Token buckets: per websocket connection (client messages) and per IP address (HTTP).

export class TokenBucket {
  private tokens: number;
  private lastMs: number;
  readonly ratePerSec: number;
  readonly burst: number;

  constructor(ratePerSec: number, burst: number, nowMs: number) {
    this.ratePerSec = ratePerSec;
    this.burst = burst;
    this.tokens = burst;
    this.lastMs = nowMs;
  }

  /** Takes one token if there is one. */
  take(nowMs: number): boolean {
    this.refill(nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until a token is available. */
  waitMs(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSec);
  }

  /** True when the bucket is full (the requester can be forgotten). */
  full(nowMs: number): boolean {
    this.refill(nowMs);
    return this.tokens >= this.burst;
  }

  private refill(nowMs: number): void {
    const elapsed = nowMs - this.lastMs;
    if (elapsed <= 0) return;
    this.lastMs = nowMs;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSec) / 1000);
  }
}

/** One bucket per key (an IP address); idle full buckets are swept so memory stays bounded by the active set. */
export class KeyedLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly rate: number;
  private readonly burst: number;
  private lastSweepMs = 0;

  constructor(ratePerSec: number, burst: number) {
    this.rate = ratePerSec;
    this.burst = burst;
  }

  /** 0 if allowed, else the milliseconds to wait (Retry-After). */
  take(key: string, nowMs: number): number {
    if (nowMs - this.lastSweepMs > 10_000) this.sweep(nowMs);
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = new TokenBucket(this.rate, this.burst, nowMs);
      this.buckets.set(key, b);
    }
    return b.take(nowMs) ? 0 : Math.max(1, b.waitMs(nowMs));
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(nowMs: number): void {
    this.lastSweepMs = nowMs;
    for (const [k, b] of this.buckets) if (b.full(nowMs)) this.buckets.delete(k);
  }
}
