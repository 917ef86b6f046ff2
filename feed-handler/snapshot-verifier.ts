// `--verify-every`: checks a running handler's books against a fresh snapshot at the
// snapshot's sequence. The snapshot describes the publisher's books after message S; by the
// time it has arrived the handler has usually applied more. So the verifier logs every
// message the handler applies from just before the login on (re-encoded from the decoded
// record), builds reference books from the snapshot, rolls them forward with the logged
// messages after S up to the handler's own sequence, and compares the two at that one
// sequence, synchronously, between two packets. The live feed is never paused.
import { MarketBooks } from '../book';
import { encodeItch, type ItchMessage } from '../protocol';
import { diffBooks } from './book-digest';
import type { FeedHandler } from './feed-handler';
import { FeedState, type FeedStatus } from './feed-events';
import { loadSnapshot, SnapshotImage, type SnapshotEndpoint } from './snapshot-client';

export interface VerifyResult {
  /** The sequence both sides were compared at (0 when skipped). */
  sequence: number;
  /** The snapshot's own sequence (End of Snapshot's minus one). */
  snapshotSequence: number;
  equal: boolean;
  /** The first differences (symbol and line), empty when equal. */
  differences: string[];
  /** Why no comparison was made ('' when one was). */
  skipped: string;
}

/** Verifies `handler`'s books against one snapshot from `endpoint`. Rejects only if the snapshot cannot be had. */
export async function verifyAgainstSnapshot(handler: FeedHandler, endpoint: SnapshotEndpoint, timeoutMs = 15_000): Promise<VerifyResult> {
  const log = new SnapshotImage();
  const sequences: number[] = [];
  const scratch = new Uint8Array(64);
  let reloaded = false;
  let caughtUp: (() => void) | null = null;
  let target = Infinity;
  const unsubscribe = handler.subscribe({
    onMessage(sequence: number, message: ItchMessage): void {
      const end = encodeItch(message, scratch, 0);
      if (end > 0) {
        log.add(scratch, 0, end);
        sequences.push(sequence);
      }
    },
    onBoundary(sequence: number): void {
      if (sequence >= target && caughtUp !== null) caughtUp();
    },
    onStatus(status: FeedStatus): void {
      if (status.state === FeedState.LoadingSnapshot) reloaded = true;
    },
  });
  try {
    const image = await loadSnapshot(endpoint, handler.session, timeoutMs);
    const at = image.nextSequence - 1;
    const skipped = (why: string): VerifyResult => ({ sequence: 0, snapshotSequence: at, equal: false, differences: [], skipped: why });
    if (handler.sequence < at) {
      // The handler is behind the snapshot: wait until it has applied message S.
      target = at;
      const reached = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        caughtUp = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      if (!reached) return skipped(`the handler did not reach the snapshot's sequence ${at} within ${timeoutMs} ms (it is at ${handler.sequence})`);
    }
    if (reloaded) return skipped('the handler reloaded its books from a snapshot meanwhile');
    const reference = new MarketBooks();
    for (let i = 0; i < image.count; i++) reference.decodeAndApply(image.bytes, image.offsets[i], image.lengths[i], at);
    const now = handler.sequence;
    for (let i = 0; i < sequences.length; i++) {
      const s = sequences[i];
      if (s > at && s <= now) reference.decodeAndApply(log.bytes, log.offsets[i], log.lengths[i], s);
    }
    const differences = diffBooks(handler.books, reference);
    return { sequence: now, snapshotSequence: at, equal: differences.length === 0, differences, skipped: '' };
  } finally {
    unsubscribe();
  }
}
