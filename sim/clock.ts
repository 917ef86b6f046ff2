// Clocks give nanoseconds since midnight, America/New_York: the ITCH timestamp.

export interface Clock {
  nowNs(): number;
}

/** Offset of America/New_York from UTC at an instant, in ms (negative: behind UTC). */
export function newYorkOffsetMs(epochMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/New_York',
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(epochMs));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/** Wall-clock time of day in New York, with sub-millisecond resolution, no allocation per call. */
export class SystemClock implements Clock {
  private readonly midnightMs: number;

  constructor(now = Date.now()) {
    const local = now + newYorkOffsetMs(now);
    const localMidnight = local - (((local % 86_400_000) + 86_400_000) % 86_400_000);
    // Local midnight back to UTC (the offset at midnight can differ on a DST day).
    this.midnightMs = localMidnight - newYorkOffsetMs(localMidnight - newYorkOffsetMs(now));
  }

  nowNs(): number {
    return Math.round((performance.timeOrigin + performance.now() - this.midnightMs) * 1e6);
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
