// The handler's clock and timers, passed in (STYLE.md, "Seams for tests"): recovery waits,
// the stale check and the record flush all go through one FeedClock, so a test can drive
// them with a ManualClock and no wall clock.

export type TimerHandle = unknown;

export interface FeedClock {
  /** Milliseconds from a fixed origin. */
  nowMs(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** A repeating timer that does not keep the process alive. */
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

/** performance.now() and Node's timers; `nowMs` may be replaced (the old `nowMs` option). */
export function systemClock(nowMs: () => number = () => performance.now()): FeedClock {
  return {
    nowMs,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    setInterval: (fn, ms) => setInterval(fn, ms).unref(),
    clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
  };
}

interface ManualTimer {
  id: number;
  at: number;
  every: number;
  fn: () => void;
}

/** A clock that moves only when told (`advance`), firing due timers in time order. For tests. */
export class ManualClock implements FeedClock {
  private now: number;
  private nextId = 1;
  private timers: ManualTimer[] = [];

  constructor(startMs = 0) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, 0);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, Math.max(1, ms));
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  clearInterval(handle: TimerHandle): void {
    this.clearTimeout(handle);
  }

  /** Timers waiting. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves the clock `ms` forward, running every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let next: ManualTimer | null = null;
      for (const t of this.timers) if (t.at <= end && (next === null || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
      if (next === null) break;
      this.now = Math.max(this.now, next.at);
      if (next.every > 0) next.at += next.every;
      else this.timers = this.timers.filter((t) => t !== next);
      next.fn();
    }
    this.now = end;
  }

  private add(fn: () => void, ms: number, every: number): number {
    const id = this.nextId++;
    this.timers.push({ id, at: this.now + Math.max(0, ms), every, fn });
    return id;
  }
}
