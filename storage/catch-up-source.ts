// Where the writer gets records the ring never held (the tap overflowed, or the process
// that had them crashed): re-derived from the exchange journal, the source of truth.
// storage/ may not import the simulator or the publisher, so bin/ implements this
// (bin/storage-catch-up.ts: the journal replayed through a muted publisher with a tap).
import type { StorageRecordView } from '../protocol';

export interface CatchUpSource {
  /**
   * Regenerates, in order and synchronously, every storage record tagged `from..to`
   * (inclusive) into `onRecord`: exactly the records a live tap wrote or would have.
   * Throws TW_ERR_STORAGE_CATCH_UP when the journal does not reach `to` (yet).
   */
  replay(from: number, to: number, onRecord: (view: StorageRecordView, base: number) => void): void;
}

/** A module the writer's worker loads by path to make its catch-up source (it cannot import bin/). */
export interface CatchUpModule {
  createCatchUpSource(options: unknown): CatchUpSource;
}
