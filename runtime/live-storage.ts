// Storage beside the live feed: a storage tap on the publisher, the writer's worker
// thread, and the end-of-day export schedule. startLiveFeed calls startLiveStorage before
// the sim starts (so a restart's journal replay reaches the tap too) and close() at the end
// of the day.
import * as path from 'node:path';
import type { TickwireConfig } from '../config';
import { journalPathFor } from '../sim';
import { nySessionMidnightMs, StorageRecordRing } from '../protocol';
import { StorageTap, type FeedPublisher } from '../publisher';
import { scheduleExport, StorageError, StorageErrorCode, StorageService, type ExportSchedule } from '../storage';
import type { JournalCatchUpOptions } from './storage-catch-up';
import { SILENT_LOGGER, type Logger } from './logger';

export interface LiveStorage {
  service: StorageService;
  tap: StorageTap;
  /** The session name rows are stored under. */
  session: string;
  schedule: ExportSchedule | null;
  /** Stores everything the publisher sent (waiting up to `timeoutMs`), then closes. Idempotent. */
  close(timeoutMs?: number): Promise<boolean>;
}

/**
 * The storage session: the feed's MoldUDP64 session, with the journal's "-N" when a day
 * had a closed session before (the feed then reuses the session name from sequence 1).
 */
export function storageSessionName(config: TickwireConfig, journalPath: string, sessionDate: string, feedSession: string): string {
  const first = journalPathFor(config.journal.path, sessionDate);
  const stem = (p: string): string => p.slice(0, p.length - path.extname(p).length);
  const suffix = journalPath !== '' && journalPath !== first ? stem(journalPath).slice(stem(first).length) : '';
  const name = feedSession.trim() + suffix;
  if (name.length > 12) throw new StorageError(StorageErrorCode.BadConfig, `the storage session "${name}" is longer than 12 characters: shorten publisher.session`);
  return name;
}

/** The compiled catch-up module for the worker (from TypeScript sources under Jest: its dist/ twin). */
function catchUpModule(): string {
  return __filename.endsWith('.ts') ? path.resolve(__dirname, '../dist/runtime/storage-catch-up.js') : require.resolve('./storage-catch-up');
}

export async function startLiveStorage(
  config: TickwireConfig,
  publisher: FeedPublisher,
  journalPath: string,
  sessionDate: string,
  logger: Logger = SILENT_LOGGER,
): Promise<LiveStorage | null> {
  const s = config.storage;
  if (s.engine === 'off') return null;
  const session = storageSessionName(config, journalPath, sessionDate, publisher.session);
  const midnightMs = nySessionMidnightMs(sessionDate);
  const ring = StorageRecordRing.create(s.ringSlots);
  const catchUp: JournalCatchUpOptions = { config, journalPath, sessionDate };
  // The schedule first: a bad expression is a clear error before any thread starts.
  const holder: { service: StorageService | null } = { service: null };
  let schedule: ExportSchedule | null = null;
  if (s.engine === 'duckdb' && s.export.schedule !== '') {
    schedule = scheduleExport(s.export.schedule, s.export.timezone, async (date) => {
      if (holder.service === null) return;
      try {
        const m = await holder.service.exportDay(date, s.export.outDir);
        const rows = Object.values(m.tables).reduce((n, t) => n + t.rows, 0);
        logger.info({ date, dir: path.resolve(s.export.outDir, `date=${date}`), rows }, 'storage: exported the day to Parquet');
      } catch (err) {
        const code = err instanceof StorageError ? err.code : StorageErrorCode.Export;
        logger.error({ code, date }, `storage: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  }
  let lastLogged = '';
  let lastLoggedAt = 0;
  const service = await StorageService.start({
    storage: s,
    session: { session, sessionDate, midnightMs },
    ring,
    // The writer reads the messages from the publisher's store: the tap does not copy them.
    store: { sab: publisher.store.bytes.buffer as SharedArrayBuffer, capacity: publisher.store.capacity },
    catchUp: journalPath === '' ? null : { module: catchUpModule(), options: catchUp },
    onEvent: (e) => {
      if (e.type !== 'error') return;
      // The writer retries every storage.retryMs: say each new problem, and a repeat every 30 s.
      const now = Date.now();
      if (e.message !== lastLogged || now - lastLoggedAt > 30_000) logger.warn({ code: e.code, retryMs: s.retryMs }, `storage: ${e.message} (retrying; the feed goes on)`);
      lastLogged = e.message;
      lastLoggedAt = now;
    },
  });
  holder.service = service;
  const tap = new StorageTap(publisher, ring, { snapshotIntervalMs: s.snapshotIntervalMs, emitFrom: service.resumeFrom + 1, sharedStore: true });
  const unsubscribe = publisher.subscribe(tap);
  // The tap publishes records to the writer in bunches; this hands over the rest when the feed is quiet.
  const flushTimer = setInterval(() => tap.flush(), 50);
  flushTimer.unref();
  let closing: Promise<boolean> | null = null;
  const close = (timeoutMs = 30_000): Promise<boolean> => {
    if (closing === null) {
      closing = (async () => {
        schedule?.stop();
        clearInterval(flushTimer);
        tap.flush();
        // A store that never opened cannot be flushed: the next start catches up from the journal.
        const flushed = service.opened ? await service.flush(publisher.sequence, timeoutMs) : false;
        unsubscribe();
        if (!flushed) {
          logger.warn(
            { code: StorageErrorCode.Flush, storedThrough: service.storedThrough, sequence: publisher.sequence },
            'storage: not everything was stored at close; the rest is caught up from the journal at the next start of this session',
          );
        }
        await service.close();
        return flushed;
      })();
    }
    return closing;
  };
  return { service, tap, session, schedule, close };
}
