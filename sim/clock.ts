// Clocks give nanoseconds since midnight, America/New_York: the ITCH timestamp.
import { nsSinceMidnight, nyMidnightBeforeMs } from '../protocol';

// Bound once: a CommonJS re-export through protocol's index is a getter call per use.
const nsSince = nsSinceMidnight;

export interface Clock {
  nowNs(): number;
}

/** Wall-clock time of day in New York, with sub-millisecond resolution, no allocation per call. */
export class SystemClock implements Clock {
  private readonly midnightMs: number;

  constructor(now = Date.now()) {
    this.midnightMs = nyMidnightBeforeMs(now);
  }

  nowNs(): number {
    return nsSince(performance.timeOrigin + performance.now(), this.midnightMs);
  }
}

/** A clock the order-flow generator drives, for runs that must repeat exactly. */
export class SimulatedClock implements Clock {
  timeNs: number;

  constructor(startNs: number) {
    this.timeNs = startNs;
  }

  nowNs(): number {
    return this.timeNs;
  }
}

export const MARKET_OPEN_NS = 34_200 * 1e9; // 09:30
export const MARKET_CLOSE_NS = 57_600 * 1e9; // 16:00
