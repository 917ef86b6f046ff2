// Storage's catch-up source (storage/catch-up-source.ts): the journal, the source of
// truth, replayed read-only (runtime/journal-replay.ts) with a storage tap on the replay's
// publisher limited to the wanted range. Replay is deterministic (the same journal
// gives the same engine events, feed sequence numbers, books, candles and snapshot times),
// so the records are exactly those the live tap wrote or would have written. Loaded by
// path in the storage worker thread (storage/ may not import sim/ or publisher/).
//
// Each call replays from the start of the journal and stops once the range is covered:
// simple and always correct; a gap near the end of a long day costs a replay of the day
// (about 1M engine events/s).
import type { TickwireConfig } from '../config';
import { StorageTap } from '../publisher';
import { StorageRecordReader, StorageRecordRing } from '../protocol';
import { StorageError, StorageErrorCode, type CatchUpSource } from '../storage';
import { JournalReplay } from './journal-replay';

export interface JournalCatchUpOptions {
  config: TickwireConfig;
  journalPath: string;
  sessionDate: string;
}

export function createCatchUpSource(options: unknown): CatchUpSource {
  const o = options as JournalCatchUpOptions;
  return {
    replay(from, to, onRecord) {
      if (o.journalPath === '') throw new StorageError(StorageErrorCode.CatchUp, 'no journal (journal.path is empty): sequences that missed the ring cannot be re-derived');
      const config = o.config;
      const replay = new JournalReplay({ ...o, storeCapacity: 1024 });
      const publisher = replay.publisher;
      const ring = StorageRecordRing.create(1 << 14);
      const records = new StorageRecordReader(ring);
      const drainRecords = (): void => {
        tap.flush();
        const n = records.available();
        let i = 0;
        while (i < n) {
          const base = records.baseOf(i);
          const slots = records.view.u8[base + 1];
          if (records.view.u8[base] !== 0) onRecord(records.view, base);
          i += slots;
        }
        records.advance(n);
      };
      const tap: StorageTap = new StorageTap(publisher, ring, {
        snapshotIntervalMs: config.storage.snapshotIntervalMs,
        emitFrom: from,
        emitTo: to,
        onRingFull: drainRecords,
      });
      publisher.subscribe(tap);
      replay.advance(256, () => {
        drainRecords();
        return publisher.sequence >= to;
      });
      if (publisher.sequence < to) {
        throw new StorageError(StorageErrorCode.CatchUp, `the journal ${o.journalPath} reaches sequence ${publisher.sequence}, short of ${to} (not yet written?)`);
      }
    },
  };
}
