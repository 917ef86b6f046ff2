// GapRecovery's timing on a ManualClock: when the rewinder is asked, the doubling waits, the
// fall-back to a snapshot, and a snapshot retry; no wall clock, no sockets.
import { FeedFault } from './errors';
import { ManualClock } from './feed-clock';
import { FeedState } from './feed-events';
import { GapRecovery, type RecoveryHost } from './gap-recovery';
import { SnapshotImage } from './snapshot-client';

function rig(missing: number, snapshot: boolean, pace: { rewindRequestsPerSecond?: number; maxRewindMessages?: number } = {}) {
  const clock = new ManualClock(1000);
  const requests: Array<[number, number, number]> = [];
  const faults: number[] = [];
  const states: string[] = [];
  const loads: Array<{ session: string; resolve: (i: SnapshotImage) => void; reject: (e: Error) => void }> = [];
  const pos = { expected: 10, known: 10 + missing };
  const host: RecoveryHost = {
    get expectedSequence() {
      return pos.expected;
    },
    session: 'TW20240308',
    missingEnd: () => pos.known,
    caughtUp: () => pos.expected >= pos.known,
    canRewind: () => true,
    sendRewindRequest: (first, count) => void requests.push([clock.nowMs(), first, count]),
    drainPending: () => {},
    drainHeld: () => {},
    applySnapshotImage: (image) => void (pos.expected = Math.max(pos.expected, image.nextSequence)),
    checkEnded: () => {},
    setState: (s) => void states.push(s),
    setValid: (_v, s) => void states.push(s),
    fault: (code) => void faults.push(code),
    tellGap: () => {},
    tellRecovery: () => {},
  };
  const timings = { rewindDelayMs: 2, rewindTimeoutMs: 50, maxRewindRetries: 3, maxRewindMessages: 100, snapshotTimeoutMs: 1000, snapshotRetryMs: 500, ...pace };
  const load = (_e: unknown, session: string) => new Promise<SnapshotImage>((resolve, reject) => void loads.push({ session, resolve, reject }));
  const recovery = new GapRecovery(host, clock, timings, snapshot ? { host: '127.0.0.1', port: 1 } : null, load);
  return { clock, requests, faults, states, loads, pos, recovery };
}

describe('GapRecovery', () => {
  test('asks the rewinder after rewindDelayMs, repeats an unanswered request with doubling waits, then loads a snapshot', async () => {
    const r = rig(40, true);
    r.recovery.noteGap();
    expect(r.states).toEqual([FeedState.FillingGap]);
    r.clock.advance(1);
    expect(r.requests).toEqual([]);
    r.clock.advance(1);
    expect(r.requests).toEqual([[1002, 10, 40]]);
    r.clock.advance(50 + 100 + 200);
    expect(r.requests.map((q) => q[0])).toEqual([1002, 1052, 1152]); // maxRewindRetries requests; the next timeout gives up
    expect(r.faults).toEqual([FeedFault.RewindTimeout, FeedFault.RewindTimeout, FeedFault.RewindTimeout, FeedFault.RewindGaveUp]);
    expect(r.loads.map((l) => l.session)).toEqual(['TW20240308']);
    expect(r.recovery.snapshotLoading).toBe(true);
    const image = new SnapshotImage();
    image.nextSequence = 50;
    r.loads[0].resolve(image);
    await Promise.resolve();
    expect(r.recovery.gapOpen).toBe(false);
    expect(r.recovery.times.count).toBe(1);
    expect(r.states.slice(-1)).toEqual([FeedState.Synchronized]);
  });

  test('a gap larger than maxRewindMessages goes straight to the snapshot; a failed one is retried after snapshotRetryMs', async () => {
    const r = rig(500, true);
    r.recovery.noteGap();
    r.clock.advance(2);
    expect(r.requests).toEqual([]);
    expect(r.loads).toHaveLength(1);
    r.loads[0].reject(Object.assign(new Error('refused'), { code: 'TW_ERR_FEED_SNAPSHOT_FAILED' }));
    await Promise.resolve();
    expect(r.faults).toEqual([FeedFault.SnapshotFailed]);
    r.clock.advance(499);
    expect(r.loads).toHaveLength(1);
    r.clock.advance(1);
    expect(r.loads).toHaveLength(2);
  });

  test('reset() forgets the gap and drops a snapshot of the earlier session that arrives late', async () => {
    const r = rig(500, true);
    r.recovery.noteGap();
    r.clock.advance(2);
    r.recovery.reset();
    const image = new SnapshotImage();
    image.nextSequence = 600;
    r.loads[0].resolve(image);
    await Promise.resolve();
    expect(r.pos.expected).toBe(10);
    expect(r.recovery.gapOpen).toBe(false);
    expect(r.clock.pending).toBe(0);
  });

  test('a long gap is asked at rewindRequestsPerSecond (a burst, then one request per token), not refused for rate; no snapshot', () => {
    const r = rig(200, true, { rewindRequestsPerSecond: 10, maxRewindMessages: 1000 });
    r.recovery.noteGap();
    r.clock.advance(2);
    // Each answer brings 10 messages and progress asks again at once, while tokens last.
    const answer = (): void => {
      r.pos.expected += 10;
      r.recovery.onProgress(true);
    };
    for (let i = 0; i < 9; i++) answer();
    expect(r.requests).toHaveLength(10); // the burst
    answer(); // progress, but no token: the next request waits for one (100 ms at 10/s)
    expect(r.requests).toHaveLength(10);
    r.clock.advance(99);
    expect(r.requests).toHaveLength(10);
    r.clock.advance(1);
    expect(r.requests).toHaveLength(11);
    for (let i = 0; i < 9; i++) {
      answer();
      r.clock.advance(100);
    }
    expect(r.requests.slice(10).map((q) => q[0] - r.requests[9][0])).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(r.faults).toEqual([]); // waiting for a token is not a timeout
    expect(r.loads).toHaveLength(0);
  });
});
