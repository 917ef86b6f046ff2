// The garbage collector's pauses in a bench:ouch-order-entry child, from its start of service:
// young-generation (scavenge, minor mark-sweep) and full (mark-compact) collections, their
// count and longest and total pause, and the old generation's largest size seen after a
// collection. Reported beside the loop delay: a pause is latency no order escapes.
import { constants, PerformanceObserver } from 'node:perf_hooks';
import * as v8 from 'node:v8';

export interface GcFigures {
  gcYoungCount: number;
  gcYoungMaxMs: number;
  gcYoungTotalMs: number;
  gcFullCount: number;
  gcFullMaxMs: number;
  heapUsedMaxMb: number;
}

export class GcWatch {
  private readonly f: GcFigures = { gcYoungCount: 0, gcYoungMaxMs: 0, gcYoungTotalMs: 0, gcFullCount: 0, gcFullMaxMs: 0, heapUsedMaxMb: 0 };
  private readonly observer: PerformanceObserver;

  constructor() {
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
        if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
          this.f.gcFullCount++;
          this.f.gcFullMaxMs = Math.max(this.f.gcFullMaxMs, e.duration);
        } else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
          this.f.gcYoungCount++;
          this.f.gcYoungMaxMs = Math.max(this.f.gcYoungMaxMs, e.duration);
          this.f.gcYoungTotalMs += e.duration;
        }
      }
      this.f.heapUsedMaxMb = Math.max(this.f.heapUsedMaxMb, v8.getHeapStatistics().used_heap_size / 1048576);
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  figures(): GcFigures {
    const f = this.f;
    return { gcYoungCount: f.gcYoungCount, gcYoungMaxMs: Math.round(f.gcYoungMaxMs), gcYoungTotalMs: Math.round(f.gcYoungTotalMs), gcFullCount: f.gcFullCount, gcFullMaxMs: Math.round(f.gcFullMaxMs), heapUsedMaxMb: Math.round(f.heapUsedMaxMb) };
  }
}
