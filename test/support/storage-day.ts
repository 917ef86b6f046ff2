// A seeded trading day through a publisher with a storage tap into a real StorageService
// (worker thread, DuckDB file): what the storage tests and the crash child drive.
import * as path from 'node:path';
import { configSchema, type TickwireConfig } from '../../config';
import { EngineEventRingReader, nySessionMidnightMs, StorageRecordRing } from '../../protocol';
import { RING_READ, RING_WRITE } from '../../protocol/ring-reader';
import { FeedPublisher, feedPublisherOptions, StorageTap, type PacketSink } from '../../publisher';
import { ExchangeCore, SeededDay } from '../../sim';
import { StorageService, type StorageServiceOptions } from '../../storage';

export const DATE = '2025-03-14';
export const SESSION = 'TW20250314';
const NO_PACKETS: PacketSink = { sendPacket: () => {} };

/** A day's settings; `store` is a DuckDB file, or a QuestDB URL (http://...) to store there instead. */
export function dayConfig(store: string, symbols = 8, seed = 7): TickwireConfig {
  const where = /^https?:\/\//.test(store) ? { engine: 'questdb', questdb: { url: store } } : { path: store };
  return configSchema.parse({ sim: { seed, symbols }, storage: { ...where, retryMs: 100, batchRecords: 4096 } });
}

/** The storage session of the day (`session`: another name, so that runs sharing one QuestDB keep apart). */
export function storageSession(session = SESSION) {
  return { session, sessionDate: DATE, midnightMs: nySessionMidnightMs(DATE) };
}

/** The compiled catch-up module (the worker runs dist/). */
export function catchUpOption(config: TickwireConfig, journalPath: string): StorageServiceOptions['catchUp'] {
  const module = __filename.endsWith('.ts') ? path.resolve(__dirname, '../../dist/runtime/storage-catch-up.js') : path.resolve(__dirname, '../../runtime/storage-catch-up.js');
  return { module, options: { config, journalPath, sessionDate: DATE } };
}

export interface StoredDay {
  publisher: FeedPublisher;
  tap: StorageTap;
  service: StorageService;
}

/**
 * Starts storage, then trades `orders` seeded orders (journaled) through a publisher with a
 * tap. With `writerLate`, the writer starts only after half the day, so a small ring
 * overflows whatever the machine's speed (a fresh store: the tap emits from sequence 1);
 * the second half starts once the writer has drained the ring, so the tap's gap closes
 * and the writer re-derives it from the journal.
 */
export async function storeSeededDay(
  config: TickwireConfig,
  journalPath: string,
  orders: number,
  extra: Partial<StorageServiceOptions> = {},
  ringSlots = 1 << 16,
  writerLate = false,
): Promise<StoredDay> {
  const publisher = new FeedPublisher(feedPublisherOptions(config, DATE, NO_PACKETS));
  const ring = StorageRecordRing.create(ringSlots);
  const start = (): Promise<StorageService> => StorageService.start({ storage: config.storage, session: storageSession(), ring, catchUp: catchUpOption(config, journalPath), ...extra });
  const early = writerLate ? null : await start();
  const tap = new StorageTap(publisher, ring, { snapshotIntervalMs: config.storage.snapshotIntervalMs, emitFrom: early === null ? 1 : early.resumeFrom + 1 });
  publisher.subscribe(tap);
  const day = new SeededDay(config, publisher, journalPath);
  day.open();
  let service = early;
  if (service === null) {
    const half = Math.floor(orders / 512) * 256; // whole batches: the same day as in one go
    day.trade(half, 256);
    orders -= half;
    tap.flush();
    service = await start();
    const until = Date.now() + 60_000;
    while (Atomics.load(ring.ctrl, RING_READ) !== Atomics.load(ring.ctrl, RING_WRITE) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  }
  day.trade(orders, 256);
  day.close();
  tap.flush();
  return { publisher, tap, service };
}

/** A restart: the journal replayed through a fresh publisher with a tap from where the store is. */
export async function resumeFromJournal(config: TickwireConfig, journalPath: string, extra: Partial<StorageServiceOptions> = {}): Promise<StoredDay> {
  const publisher = new FeedPublisher(feedPublisherOptions(config, DATE, NO_PACKETS));
  const ring = StorageRecordRing.create(1 << 16);
  const service = await StorageService.start({ storage: config.storage, session: storageSession(), ring, catchUp: catchUpOption(config, journalPath), ...extra });
  const tap = new StorageTap(publisher, ring, { snapshotIntervalMs: config.storage.snapshotIntervalMs, emitFrom: service.resumeFrom + 1 });
  publisher.subscribe(tap);
  const holder: { reader: EngineEventRingReader | null } = { reader: null };
  const core = new ExchangeCore({
    symbols: config.sim.symbols,
    engine: config.engine,
    journal: { ...config.journal, path: journalPath },
    clock: null,
    ringFullPolicy: { onRingFull: () => holder.reader?.drain(publisher) },
  });
  holder.reader = new EngineEventRingReader(core.ring);
  core.start();
  holder.reader.drain(publisher);
  core.close();
  tap.flush();
  return { publisher, tap, service };
}
