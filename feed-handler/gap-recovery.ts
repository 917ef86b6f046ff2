// Gap recovery (FEED.md, "Retransmission request" and "Snapshot"): from a detected gap to
// the books being whole again. The rewinder is preferred: it answers from the whole day (its
// message store, the journal archive behind it), so what it fills is exact, prints and candles
// included, where a snapshot carries resting orders only. After `rewindDelayMs` (time for the
// other line's copy to arrive) the first missing range is asked of the rewinder, one packet
// per request, asking again when an answer makes progress, paced to `rewindRequestsPerSecond`
// (a token bucket kept under the rewinder's per-requester cap, so it is not refused for rate);
// an unanswered request (lost, or refused) is repeated with doubling waits up to
// `maxRewindRetries`. The snapshot server is the fall-back: for a gap larger than
// `maxRewindMessages` (a late join is one), a rewinder that does not fill it, or no rewinder
// (retried with backoff); a join by snapshot goes the same way. Timing comes from the
// injected FeedClock only.
import { FeedFault, type FeedHandlerError } from './errors';
import type { FeedClock, TimerHandle } from './feed-clock';
import { FeedState, type FeedGap, type FeedRecovery, type RecoveryMethod, RecoveryTimes } from './feed-events';
import { loadSnapshot, type SnapshotEndpoint, type SnapshotImage } from './snapshot-client';

const MAX_BACKOFF_MS = 1000;
const MAX_SNAPSHOT_BACKOFF_MS = 10_000;
/** Default pace of rewinder requests: under the rewinder's default 50 per requester per second (publisher.rewinder.maxRequestsPerSecond). */
export const DEFAULT_REWIND_REQUESTS_PER_SECOND = 40;

/** What recovery needs of the handler: its position, its held packets, and its ways out. */
export interface RecoveryHost {
  /** Next sequence to apply. */
  readonly expectedSequence: number;
  /** The sequence after the first missing range: the first held packet, or the latest known. */
  missingEnd(): number;
  /** Whether every known message is applied and nothing is held. */
  caughtUp(): boolean;
  /** The session to ask the snapshot server for. */
  readonly session: string;
  /** Whether rewinder requests can be sent (a rewinder socket is open). */
  canRewind(): boolean;
  sendRewindRequest(first: number, count: number): void;
  /** Applies held packets that have become next in line. */
  drainPending(): void;
  /** drainPending, then what follows progress (a late copy arrived between checks). */
  drainHeld(): void;
  /** Reloads the books as of the image, if it is ahead of them. */
  applySnapshotImage(image: SnapshotImage): void;
  /** After a snapshot was applied: the end of the session may have been reached. */
  checkEnded(): void;
  setState(state: FeedState): void;
  setValid(valid: boolean, state: FeedState): void;
  fault(code: number, detail: string): void;
  tellGap(gap: FeedGap): void;
  tellRecovery(recovery: FeedRecovery): void;
}

export interface RecoveryTimings {
  rewindDelayMs: number;
  rewindTimeoutMs: number;
  maxRewindRetries: number;
  maxRewindMessages: number;
  /** Rewinder requests a second at most, with a burst of as many (default DEFAULT_REWIND_REQUESTS_PER_SECOND). */
  rewindRequestsPerSecond?: number;
  snapshotTimeoutMs: number;
  snapshotRetryMs: number;
}

/** Loads one snapshot (the default: snapshot-client's loadSnapshot); a seam for tests. */
export type SnapshotLoader = (endpoint: SnapshotEndpoint, session: string, timeoutMs: number) => Promise<SnapshotImage>;

export class GapRecovery {
  readonly times = new RecoveryTimes();
  gaps = 0;
  /** Gaps the other line (or a late copy) filled before any recovery. */
  recoveredByLines = 0;
  snapshots = 0;

  /** A gap (or a join by snapshot) is being recovered. */
  gapOpen = false;
  /** A snapshot is loading: live packets are held. */
  snapshotLoading = false;

  private readonly host: RecoveryHost;
  private readonly clock: FeedClock;
  private readonly timings: RecoveryTimings;
  private readonly snapshotEndpoint: SnapshotEndpoint | null;
  private readonly load: SnapshotLoader;
  private gapFirst = 0;
  private gapSinceMs = 0;
  private gapUsedRewinder = false;
  private gapUsedSnapshot = false;
  private rewindRetries = 0;
  private snapshotFailures = 0;
  private timer: TimerHandle | null = null;
  /** The request pace: a token bucket of rewindRequestsPerSecond, full at start. */
  private readonly requestsPerMs: number;
  private readonly requestBurst: number;
  private requestTokens: number;
  private requestTokensMs: number;
  /** Bumped by reset(): a snapshot of an earlier session that arrives late is dropped. */
  private epoch = 0;
  private closed = false;

  constructor(host: RecoveryHost, clock: FeedClock, timings: RecoveryTimings, snapshot: SnapshotEndpoint | null, load: SnapshotLoader = loadSnapshot) {
    this.host = host;
    this.clock = clock;
    this.timings = timings;
    this.snapshotEndpoint = snapshot;
    this.load = load;
    const perSecond = timings.rewindRequestsPerSecond ?? DEFAULT_REWIND_REQUESTS_PER_SECOND;
    this.requestsPerMs = perSecond / 1000;
    this.requestBurst = perSecond;
    this.requestTokens = perSecond;
    this.requestTokensMs = clock.nowMs();
  }

  /** A gap was seen (a packet, heartbeat or answer past the next expected sequence). */
  noteGap(): void {
    if (this.gapOpen || this.snapshotLoading) return;
    const h = this.host;
    this.gapOpen = true;
    this.gapFirst = h.expectedSequence;
    this.gapSinceMs = this.clock.nowMs();
    this.gapUsedRewinder = false;
    this.gapUsedSnapshot = false;
    this.rewindRetries = 0;
    this.gaps++;
    h.setValid(false, FeedState.FillingGap);
    h.tellGap({ first: h.expectedSequence, count: h.missingEnd() - h.expectedSequence });
    this.schedule(this.timings.rewindDelayMs);
  }

  /** Messages from the rewinder were applied. */
  noteRewinderApplied(): void {
    this.gapUsedRewinder = true;
  }

  /**
   * After messages were applied while a gap is open: closes it when all is applied, or (an
   * answer made progress) asks the rewinder at once for the rest, as it answers one packet a request.
   */
  onProgress(fromRewinder: boolean): void {
    if (!this.gapOpen) return;
    if (this.host.caughtUp()) this.closeGap();
    else if (fromRewinder && !this.snapshotLoading) {
      this.rewindRetries = 0;
      this.clearTimer();
      this.step();
    }
  }

  /** Loads a snapshot (a join, a gap too large, a rewinder that gave up); live packets are held meanwhile. */
  beginSnapshot(): void {
    const endpoint = this.snapshotEndpoint;
    if (endpoint === null || this.snapshotLoading || this.closed) return;
    const h = this.host;
    this.clearTimer();
    this.snapshotLoading = true;
    if (!this.gapOpen) {
      // A join (or a forced reload): measured like a gap's recovery, not counted as one.
      this.gapOpen = true;
      this.gapFirst = h.expectedSequence;
      this.gapSinceMs = this.clock.nowMs();
      this.gapUsedRewinder = false;
    }
    this.gapUsedSnapshot = true;
    this.snapshots++;
    h.setValid(false, FeedState.LoadingSnapshot);
    const epoch = this.epoch;
    this.load(endpoint, h.session, this.timings.snapshotTimeoutMs).then(
      (image) => {
        if (epoch === this.epoch) this.snapshotLoaded(image);
      },
      (err: unknown) => {
        if (epoch !== this.epoch) return;
        this.snapshotLoading = false;
        if (this.closed) return;
        const e = err as FeedHandlerError;
        h.fault(e.code === 'TW_ERR_FEED_SNAPSHOT_REJECTED' ? FeedFault.SnapshotRejected : FeedFault.SnapshotFailed, e.message);
        const wait = Math.min(MAX_SNAPSHOT_BACKOFF_MS, this.timings.snapshotRetryMs * 2 ** Math.min(this.snapshotFailures++, 16));
        this.clearTimer();
        this.timer = this.clock.setTimeout(() => {
          this.timer = null;
          this.beginSnapshot();
        }, wait);
      },
    );
  }

  /** Forgets every gap and wait (a new session starts from nothing); figures are kept. */
  reset(): void {
    this.epoch++;
    this.clearTimer();
    this.gapOpen = false;
    this.snapshotLoading = false;
    this.snapshotFailures = 0;
    this.rewindRetries = 0;
  }

  close(): void {
    this.closed = true;
    this.clearTimer();
  }

  private snapshotLoaded(image: SnapshotImage): void {
    this.snapshotLoading = false;
    if (this.closed) return;
    this.snapshotFailures = 0;
    const h = this.host;
    h.applySnapshotImage(image);
    // Held packets wholly before the snapshot are covered by it.
    h.setState(FeedState.FillingGap);
    h.drainPending();
    if (h.caughtUp()) this.closeGap();
    else this.schedule(this.timings.rewindDelayMs);
    h.checkEnded();
  }

  private closeGap(): void {
    const h = this.host;
    this.gapOpen = false;
    this.clearTimer();
    const durationMs = this.clock.nowMs() - this.gapSinceMs;
    const method: RecoveryMethod = this.gapUsedSnapshot ? 'snapshot' : this.gapUsedRewinder ? 'rewinder' : 'lines';
    if (method === 'lines') this.recoveredByLines++;
    this.times.record(durationMs);
    h.setValid(true, FeedState.Synchronized);
    h.tellRecovery({ first: this.gapFirst, count: h.expectedSequence - this.gapFirst, method, durationMs });
  }

  private schedule(ms: number): void {
    this.clearTimer();
    if (this.closed) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.step();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Asks the rewinder for the first missing range, or falls back to the snapshot. */
  private step(): void {
    if (!this.gapOpen || this.snapshotLoading || this.closed) return;
    const h = this.host;
    const expected = h.expectedSequence;
    const missing = h.missingEnd() - expected;
    if (missing <= 0) {
      h.drainHeld();
      return;
    }
    const o = this.timings;
    const snapshot = this.snapshotEndpoint !== null;
    if (!h.canRewind() || (snapshot && missing > o.maxRewindMessages)) {
      if (snapshot) this.beginSnapshot();
      return;
    }
    // Paced: a request the rewinder would refuse for rate is not sent, it waits for its turn.
    const waitMs = this.takeRequestToken();
    if (waitMs > 0) {
      this.schedule(waitMs);
      return;
    }
    if (this.rewindRetries > 0) h.fault(FeedFault.RewindTimeout, `no answer to the request for ${missing} messages from sequence ${expected} (attempt ${this.rewindRetries})`);
    if (this.rewindRetries >= o.maxRewindRetries && snapshot) {
      h.fault(FeedFault.RewindGaveUp, `the rewinder did not fill sequence ${expected} after ${this.rewindRetries} requests; loading a snapshot`);
      this.beginSnapshot();
      return;
    }
    h.sendRewindRequest(expected, Math.min(missing, 0xfffe));
    const wait = Math.min(MAX_BACKOFF_MS, o.rewindTimeoutMs * 2 ** Math.min(this.rewindRetries, 16));
    this.rewindRetries++;
    this.schedule(wait);
  }

  /** Takes a request token: 0, or the ms until one is available (none taken). */
  private takeRequestToken(): number {
    const now = this.clock.nowMs();
    let tokens = this.requestTokens + (now - this.requestTokensMs) * this.requestsPerMs;
    if (tokens > this.requestBurst) tokens = this.requestBurst;
    this.requestTokensMs = now;
    this.requestTokens = tokens;
    if (tokens >= 1) {
      this.requestTokens = tokens - 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - tokens) / this.requestsPerMs));
  }
}
