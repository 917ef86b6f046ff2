// One clock for two processes: CLOCK_MONOTONIC, which every process on a Linux machine
// shares. process.hrtime() reads it but allocates an array per call; performance.now() is
// the same clock (libuv's uv_hrtime) minus the process's own origin, and allocates nothing.
// So each process measures its origin once: the monotonic time at which its performance.now()
// was 0, from back-to-back readings of both (the pair with the smallest gap, within ~1 us).
// Then `monoNs()` is CLOCK_MONOTONIC in ns, comparable across processes, from performance.now().

import * as fs from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';

/** CLOCK_MONOTONIC ns at this process's performance.now() = 0. */
export function monotonicOriginNs(): number {
  let best = Infinity;
  let origin = 0;
  for (let i = 0; i < 200; i++) {
    const a = performance.now();
    const [s, ns] = process.hrtime();
    const b = performance.now();
    if (b - a < best) {
      best = b - a;
      origin = s * 1e9 + ns - ((a + b) / 2) * 1e6;
    }
  }
  return origin;
}

/** CLOCK_MONOTONIC in ns (a double, exact to well under a nanosecond at these magnitudes). */
export class MonotonicNs {
  readonly originNs = monotonicOriginNs();
  now(): number {
    return this.originNs + performance.now() * 1e6;
  }
}

/**
 * The sim's clock for the end-to-end benchmark: ITCH nanoseconds since New York midnight
 * that advance with CLOCK_MONOTONIC from a base. An event's ITCH timestamp is then its
 * monotonic time: `baseMonoNs + (timestampNs - baseItchNs)`, readable in another process.
 */
export class MonotonicItchClock {
  readonly mono = new MonotonicNs();
  readonly baseMonoNs: number;
  readonly baseItchNs: number;

  constructor(baseItchNs: number) {
    this.baseItchNs = baseItchNs;
    this.baseMonoNs = Math.round(this.mono.now());
  }

  /** While held (>= 0), the one reading every nowNs() returns. */
  private held = -1;

  nowNs(): number {
    return this.held >= 0 ? this.held : Math.round(this.baseItchNs + (this.mono.now() - this.baseMonoNs));
  }

  /**
   * Reads the clock once and returns that reading from nowNs() until release(): the bench
   * holds it around a sequencer batch, so the batch's commands share the stamp of its start
   * (one clock read per batch, not per command: ~3% of the parent's CPU at 215,000 orders/s).
   * An event's measured latency then also counts the stamping of the commands before it in
   * its batch (a few us at most): the figure can only grow by it, never shrink.
   */
  hold(): void {
    this.held = -1;
    this.held = this.nowNs();
  }

  release(): void {
    this.held = -1;
  }
}

/**
 * This process's main thread's scheduler figures from /proc/self/schedstat (Linux): time on a
 * CPU and time runnable but waiting for one (another process or thread had it), in ns. Zeros
 * where the file is missing.
 */
export function mainThreadSchedNs(): { runNs: number; waitNs: number } {
  try {
    const text = fs.readFileSync('/proc/self/schedstat', 'utf8');
    const [run, wait] = text.trim().split(/\s+/).map(Number);
    return { runNs: run || 0, waitNs: wait || 0 };
  } catch {
    return { runNs: 0, waitNs: 0 };
  }
}

/** This process's garbage collections from now on: count, total and longest pause by kind (ms). */
export function gcWatch(): { figures(): Record<string, { count: number; totalMs: number; maxMs: number }> } {
  const kinds: Record<string, { count: number; totalMs: number; maxMs: number }> = {};
  const names: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weak', 16: 'minorMarkSweep' };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = names[((e as unknown as { detail?: { kind?: number } }).detail)?.kind ?? 0] ?? 'other';
      const k = kinds[kind] ?? (kinds[kind] = { count: 0, totalMs: 0, maxMs: 0 });
      k.count++;
      k.totalMs += e.duration;
      if (e.duration > k.maxMs) k.maxMs = e.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    figures() {
      const out: Record<string, { count: number; totalMs: number; maxMs: number }> = {};
      for (const [k, v] of Object.entries(kinds)) out[k] = { count: v.count, totalMs: Math.round(v.totalMs * 10) / 10, maxMs: Math.round(v.maxMs * 100) / 100 };
      return out;
    },
  };
}
