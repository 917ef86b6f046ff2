// A seeded trading day through a publisher with a storage tap into a real StorageService
// (worker thread, DuckDB file): what the storage tests and the crash child drive.
import * as path from 'node:path';
import { configSchema, type TickwireConfig } from '../../config';
import { nyMidnightUtcMs, parseSessionDate } from '../../book';
import { EngineEventRingReader, StorageRecordRing } from '../../protocol';
import { FeedPublisher, feedPublisherOptions, StorageTap, type PacketSink } from '../../publisher';
import { ExchangeCore, SeededDay } from '../../sim';
import { StorageService, type StorageServiceOptions } from '../../storage';

export const DATE = '2025-03-14';
export const SESSION = 'TW20250314';
const NO_PACKETS: PacketSink = { sendPacket: () => {} };

export function dayConfig(dbPath: string, symbols = 8, seed = 7): TickwireConfig {
  return configSchema.parse({ sim: { seed, symbols }, storage: { path: dbPath, retryMs: 100, batchRecords: 4096 } });
}

export function storageSession() {
  const d = parseSessionDate(DATE);
  return { session: SESSION, sessionDate: DATE, midnightMs: nyMidnightUtcMs(d.year, d.month, d.day) };
}

/** The compiled catch-up module (the worker runs dist/). */
export function catchUpOption(config: TickwireConfig, journalPath: string): StorageServiceOptions['catchUp'] {
  const module = __filename.endsWith('.ts') ? path.resolve(__dirname, '../../dist/bin/storage-catch-up.js') : path.resolve(__dirname, '../../bin/storage-catch-up.js');
  return { module, options: { config, journalPath, sessionDate: DATE } };
}

export interface StoredDay {
  publisher: FeedPublisher;
  tap: StorageTap;
  service: StorageService;
}

/** Starts storage, then trades `orders` seeded orders (journaled) through a publisher with a tap. */
export async function storeSeededDay(
  config: TickwireConfig,
  journalPath: string,
  orders: number,
  extra: Partial<StorageServiceOptions> = {},
  ringSlots = 1 << 16,
): Promise<StoredDay> {
  const publisher = new FeedPublisher(feedPublisherOptions(config, DATE, NO_PACKETS));
  const ring = StorageRecordRing.create(ringSlots);
  const service = await StorageService.start({ storage: config.storage, session: storageSession(), ring, catchUp: catchUpOption(config, journalPath), ...extra });
  const tap = new StorageTap(publisher, ring, { snapshotIntervalMs: config.storage.snapshotIntervalMs, emitFrom: service.resumeFrom + 1 });
  publisher.subscribe(tap);
  const day = new SeededDay(config, publisher, journalPath);
  day.open();
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
