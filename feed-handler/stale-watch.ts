// The stale check (issue 5): a line silent for `staleAfterMs` is counted as a silence; both
// silent make the handler stale, and while they stay quiet the rewinder is probed once per
// interval, since the tail of the feed may have been lost with nothing after it to show the
// gap (the rewinder's answer, data or an empty packet naming its next sequence, tells).
// Heartbeats count as packets: an idle feed that heartbeats is not stale.
import type { FeedClock, TimerHandle } from './feed-clock';
import { LINE_A } from './feed-events';
import type { LineCounters } from './line-counters';

export interface StaleHost {
  /** False once the handler is closed or the session ended: nothing to watch. */
  watching(): boolean;
  /** Both lines quiet for the interval. */
  onQuiet(): void;
  /** Whether a probe makes sense now (no gap is being recovered). */
  canProbe(): boolean;
  /** Asks the rewinder for the next expected sequence. */
  probe(): void;
}

export class StaleWatch {
  /** Clock reading of the last datagram on either line (set by the handler per datagram). */
  lastPacketMs = 0;
  private startedMs = 0;
  private lastProbeMs = 0;
  private timer: TimerHandle | null = null;
  private readonly host: StaleHost;
  private readonly clock: FeedClock;
  private readonly staleAfterMs: number;
  private readonly lines: readonly LineCounters[];
  private readonly joined: readonly boolean[];

  /** `lines[i]` is watched for silences when `joined[i]` (lines A and B). */
  constructor(host: StaleHost, clock: FeedClock, staleAfterMs: number, lines: readonly LineCounters[], joined: readonly boolean[]) {
    this.host = host;
    this.clock = clock;
    this.staleAfterMs = staleAfterMs;
    this.lines = lines;
    this.joined = joined;
  }

  /** Starts checking, a quarter of the interval apart (5 to 250 ms). */
  start(): void {
    this.lastPacketMs = this.clock.nowMs();
    this.startedMs = this.lastPacketMs;
    const tick = Math.max(5, Math.min(250, Math.floor(this.staleAfterMs / 4)));
    this.timer = this.clock.setInterval(() => this.check(), tick);
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearInterval(this.timer);
    this.timer = null;
  }

  check(): void {
    if (!this.host.watching()) return;
    const now = this.clock.nowMs();
    const stale = this.staleAfterMs;
    for (let i = LINE_A; i < this.joined.length; i++) {
      const line = this.lines[i];
      // A line that never spoke is measured from start().
      if (this.joined[i] && !line.silent && now - (line.lastPacketMs || this.startedMs) > stale) {
        line.silent = true;
        line.silences++;
      }
    }
    if (now - this.lastPacketMs > stale) {
      this.host.onQuiet();
      if (this.host.canProbe() && now - this.lastProbeMs > stale) {
        this.lastProbeMs = now;
        this.host.probe();
      }
    }
  }
}
