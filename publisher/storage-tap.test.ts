// The storage tap on a real publisher fed by a seeded day: one record per message in
// sequence order, prints priced from the book, candle closes matching the books' candles,
// L2 snapshots matching the books at their boundary, gaps on a full ring, and the same
// bytes on every replay (what the writer's journal catch-up relies on).
import { configSchema } from '../config';
import {
  BLOCK_HEADER_BYTES,
  BLOCK_MESSAGE_BYTES,
  blockSlots,
  itchLengthOfType,
  CANDLE_INTERVAL_CODES,
  L2_SLOTS,
  STORE_HEAD_CELL,
  STORE_HEAD_EVERY,
  StorageRecordKind,
  StorageRecordReader,
  StorageRecordRing,
  type StorageRecordView,
} from '../protocol';
import { BUY, SELL } from '../book';
import { SeededDay } from '../sim';
import { RecordDecoder } from '../storage';
import { FeedPublisher, feedPublisherOptions } from './feed-publisher';
import { StorageTap, type StorageTapOptions } from './storage-tap';
import type { PacketSink } from './packet-sink';

const NO_PACKETS: PacketSink = { sendPacket: () => {} };
const DATE = '2025-03-14';

interface Rec {
  kind: number;
  tag: number;
  bytes: string;
}

/**
 * Every record drained, a message block as one entry per message (its ITCH bytes): how
 * messages are cut into blocks depends on when the writer drains, what they hold does not.
 */
function readAll(reader: StorageRecordReader, out: Rec[], onEach?: (view: StorageRecordView, base: number) => void): void {
  const n = reader.available();
  const v = reader.view;
  for (let i = 0; i < n; ) {
    const base = reader.baseOf(i);
    const slots = v.u8[base + 1];
    const kind = v.u8[base];
    if (kind === StorageRecordKind.Message) {
      const count = v.u16[(base >> 1) + 1];
      const first = v.f64[(base >> 3) + 2];
      expect(v.f64[(base >> 3) + 1]).toBe(first + count - 1);
      expect(slots).toBe(blockSlots(count));
      for (let k = 0; k < count; k++) {
        const o = base + BLOCK_HEADER_BYTES + k * BLOCK_MESSAGE_BYTES;
        out.push({ kind, tag: first + k, bytes: Buffer.from(v.u8.subarray(o, o + itchLengthOfType(v.u8[o]))).toString('hex') });
      }
      onEach?.(v, base);
    } else if (kind !== StorageRecordKind.Pad) {
      out.push({ kind, tag: v.f64[(base >> 3) + 1], bytes: Buffer.from(v.u8.subarray(base, base + slots * 64)).toString('hex') });
      onEach?.(v, base);
    }
    i += slots;
  }
  reader.advance(n);
}

/** A seeded day through a publisher with a tap; records drained after every boundary (a fast writer). */
function run(orders: number, options: StorageTapOptions = {}, ringSlots = 1 << 16, drainEvery = true) {
  const config = configSchema.parse({ sim: { seed: 11, symbols: 6 } });
  const publisher = new FeedPublisher(feedPublisherOptions(config, DATE, NO_PACKETS));
  const ring = StorageRecordRing.create(ringSlots);
  const reader = new StorageRecordReader(ring);
  const tap = new StorageTap(publisher, ring, options);
  publisher.subscribe(tap);
  const records: Rec[] = [];
  if (drainEvery) publisher.subscribe({ onMessage: () => {}, onBoundary: () => (tap.flush(), readAll(reader, records)) });
  const day = new SeededDay(config, publisher);
  day.open();
  day.trade(orders, 256);
  day.close();
  tap.flush();
  readAll(reader, records);
  return { publisher, tap, records, reader };
}

describe('StorageTap', () => {
  test('every message once, in order, the bytes sent; decoded prints match the books; candle closes match the books', () => {
    const config = configSchema.parse({ sim: { seed: 11, symbols: 6 } });
    const publisher = new FeedPublisher(feedPublisherOptions(config, DATE, NO_PACKETS));
    const ring = StorageRecordRing.create(1 << 16);
    const reader = new StorageRecordReader(ring);
    const tap = new StorageTap(publisher, ring);
    publisher.subscribe(tap);
    const records: Rec[] = [];
    let blocks = 0;
    const decoder = new RecordDecoder({ session: 'TW20250314', sessionDate: DATE, midnightMs: 0 });
    let printVolume = 0;
    let printsPriced = 0;
    const drain = (): void => {
      tap.flush();
      decoder.clear();
      readAll(reader, records, (v, base) => {
        if (v.u8[base] === StorageRecordKind.Message) blocks++;
        decoder.decode(v, base);
      });
      const t = decoder.trades;
      for (let r = 0; r < t.rows; r++) {
        printVolume += (t.columns[9] as Uint32Array)[2 * r] + (t.columns[9] as Uint32Array)[2 * r + 1] * 2 ** 32;
        if ((t.columns[10] as Int32Array)[r] > 0) printsPriced++;
      }
    };
    publisher.subscribe({ onMessage: () => {}, onBoundary: drain });
    const day = new SeededDay(config, publisher);
    day.open();
    day.trade(20_000, 256);
    day.close();
    drain();
    const messages = records.filter((r) => r.kind === StorageRecordKind.Message);
    expect(messages.map((r) => r.tag)).toEqual(Array.from({ length: publisher.sequence }, (_, i) => i + 1));
    for (const r of messages) expect(r.bytes).toBe(Buffer.from(publisher.store.copyRange(r.tag, 1)[0]).toString('hex'));
    expect(tap.records).toBe(records.length - messages.length + blocks);
    // Tags never decrease along the ring.
    for (let i = 1; i < records.length; i++) expect(records[i].tag).toBeGreaterThanOrEqual(records[i - 1].tag);
    // The decoder's trades (E priced from the order it follows): the books' prints, each priced.
    let trades = 0;
    let bookVolume = 0;
    for (const b of publisher.books.allBooks()) {
      trades += b.trades;
      bookVolume += b.volume;
    }
    expect(printsPriced).toBe(trades);
    expect(printVolume).toBe(bookVolume);
    expect(decoder.badMessages).toBe(0);
    // Candle records: every 1m candle of every book exactly once (closed ones, then the last at S C).
    const candles = records.filter((r) => r.kind === StorageRecordKind.Candle).map((r) => Buffer.from(r.bytes, 'hex'));
    for (const book of publisher.books.allBooks()) {
      for (let iv = 0; iv < CANDLE_INTERVAL_CODES.length; iv++) {
        const ring = book.candles?.ring(CANDLE_INTERVAL_CODES[iv]);
        const expected = (ring?.toArray() ?? []).map((k) => [k.startMs / 60000, k.open, k.high, k.low, k.close, k.volume, k.trades]);
        const got = candles
          .filter((b) => b.readUInt16LE(4) === book.locate && b[2] === iv)
          .map((b) => [b.readUInt32LE(16), b.readUInt32LE(48), b.readUInt32LE(52), b.readUInt32LE(56), b.readUInt32LE(60), b.readDoubleLE(32), b.readUInt32LE(20)]);
        expect(got).toEqual(expected);
      }
    }
  });

  test('sharedStore: one StoredMessages slot per block naming the sequences in order, the store head published; the other records as when copying', () => {
    const copied = run(20_000);
    const config = configSchema.parse({ sim: { seed: 11, symbols: 6 } });
    const publisher = new FeedPublisher(feedPublisherOptions(config, DATE, NO_PACKETS));
    const ring = StorageRecordRing.create(1 << 16);
    const reader = new StorageRecordReader(ring);
    const tap = new StorageTap(publisher, ring, { sharedStore: true });
    publisher.subscribe(tap);
    const records: Rec[] = [];
    let behind = 0;
    publisher.subscribe({
      onMessage: () => {
        // The writer's overrun check counts on the head never lagging more than this.
        behind = Math.max(behind, publisher.store.nextSequence - 1 - Atomics.load(ring.ctrl, STORE_HEAD_CELL));
      },
      onBoundary: () => (tap.flush(), readAll(reader, records)),
    });
    const day = new SeededDay(config, publisher);
    day.open();
    day.trade(20_000, 256);
    day.close();
    tap.flush();
    readAll(reader, records);
    expect(publisher.sequence).toBe(copied.publisher.sequence);
    expect(behind).toBeLessThanOrEqual(STORE_HEAD_EVERY);
    expect(Atomics.load(ring.ctrl, STORE_HEAD_CELL)).toBe(publisher.sequence);
    const stored = records.filter((r) => r.kind === StorageRecordKind.StoredMessages);
    let next = 1;
    for (const r of stored) {
      const b = Buffer.from(r.bytes, 'hex');
      const n = b.readUInt16LE(2);
      expect(b[1]).toBe(1);
      expect(b.readDoubleLE(16)).toBe(next);
      expect(r.tag).toBe(next + n - 1);
      next += n;
    }
    expect(next).toBe(publisher.sequence + 1);
    const others = (rs: Rec[]): Rec[] => rs.filter((r) => r.kind !== StorageRecordKind.Message && r.kind !== StorageRecordKind.StoredMessages);
    expect(others(records)).toEqual(others(copied.records));
  });

  test('L2 snapshots are the books\' top 10 at the boundary they were taken, every interval of feed time', () => {
    const config = configSchema.parse({ sim: { seed: 11, symbols: 6 } });
    const publisher = new FeedPublisher(feedPublisherOptions(config, DATE, NO_PACKETS));
    const ring = StorageRecordRing.create(1 << 16);
    const reader = new StorageRecordReader(ring);
    const tap = new StorageTap(publisher, ring, { snapshotIntervalMs: 100 });
    publisher.subscribe(tap);
    let snapshots = 0;
    const times: number[] = [];
    publisher.subscribe({
      onMessage: () => {},
      onBoundary: () => {
        tap.flush();
        const out: Rec[] = [];
        readAll(reader, out, (v, base) => {
          if (v.u8[base] !== StorageRecordKind.L2) return;
          snapshots++;
          const book = publisher.books.book(v.u16[(base >> 1) + 2]);
          expect(book).not.toBeNull();
          const b = book as NonNullable<typeof book>;
          const w = base >> 2;
          const f = base >> 3;
          times.push(v.f64[f + 2]);
          const bids = b.levels(BUY, 10);
          const asks = b.levels(SELL, 10);
          expect(v.u8[base + 1]).toBe(L2_SLOTS);
          expect(v.u8[base + 2]).toBe(bids.length);
          expect(v.u8[base + 3]).toBe(asks.length);
          bids.forEach((l, i) => expect([v.u32[w + 8 + i], v.f64[f + 24 + i], v.u32[w + 28 + i]]).toEqual([l.price, l.shares, l.orders]));
          asks.forEach((l, i) => expect([v.u32[w + 18 + i], v.f64[f + 34 + i], v.u32[w + 38 + i]]).toEqual([l.price, l.shares, l.orders]));
        });
      },
    });
    const day = new SeededDay(config, publisher);
    day.open();
    day.trade(20_000, 256);
    day.close();
    expect(snapshots).toBeGreaterThan(10);
    // Snapshot rounds are at least one interval of feed time apart.
    const rounds = [...new Set(times)].sort((a, b) => a - b);
    for (let i = 1; i < rounds.length; i++) expect(Math.floor(rounds[i] / 1e8)).toBeGreaterThan(Math.floor(rounds[i - 1] / 1e8));
  });

  test("a full ring nobody drains: the tap drops the group it was writing, opens a gap, and what it wrote is the full run's prefix", () => {
    const full = run(20_000).records;
    // Nobody drains a 1,024-slot ring until the end: it overflows at once.
    const { records, tap } = run(20_000, {}, 1024, false);
    expect(tap.overflows).toBe(1);
    const gap = records.find((r) => r.kind === StorageRecordKind.Gap);
    expect(gap).toBeUndefined(); // the gap stays open: nothing drained, no room to close it
    expect(tap.gapFrom).toBeGreaterThan(1);
    // What it wrote is exactly the full run's records before the gap.
    expect(records.map((r) => r.bytes)).toEqual(full.filter((r) => r.tag < tap.gapFrom).map((r) => r.bytes));
  });

  test('a gap closes once the writer has drained half the ring, and the records after it are the full run\'s', () => {
    const full = run(20_000).records;
    const config = configSchema.parse({ sim: { seed: 11, symbols: 6 } });
    const publisher = new FeedPublisher(feedPublisherOptions(config, DATE, NO_PACKETS));
    const ring = StorageRecordRing.create(1024);
    const reader = new StorageRecordReader(ring);
    const tap = new StorageTap(publisher, ring);
    publisher.subscribe(tap);
    const records: Rec[] = [];
    let boundaries = 0;
    // A slow writer: drains every 2,000th boundary (about 2,200 records into a 1,024-slot ring).
    publisher.subscribe({ onMessage: () => {}, onBoundary: () => void (++boundaries % 2000 === 0 && (tap.flush(), readAll(reader, records))) });
    const day = new SeededDay(config, publisher);
    day.open();
    day.trade(20_000, 256);
    day.close();
    tap.flush();
    readAll(reader, records);
    expect(tap.overflows).toBeGreaterThan(0);
    const gaps = records.filter((r) => r.kind === StorageRecordKind.Gap).map((r) => Buffer.from(r.bytes, 'hex'));
    expect(gaps.length).toBeGreaterThan(0);
    // Every record outside the gaps is the full run's, and every full-run record is inside a gap or present.
    const inGap = (tag: number): boolean => gaps.some((g) => tag >= g.readDoubleLE(8) && tag <= g.readDoubleLE(16));
    const kept = records.filter((r) => r.kind !== StorageRecordKind.Gap).map((r) => r.bytes);
    const expected = full.filter((r) => !inGap(r.tag) && r.tag < (tap.gapFrom === 0 ? Infinity : tap.gapFrom)).map((r) => r.bytes);
    expect(kept).toEqual(expected);
    expect(tap.skippedSequences).toBe(gaps.reduce((n, g) => n + g.readDoubleLE(16) - g.readDoubleLE(8) + 1, 0));
  });

  test('emitFrom/emitTo select a range: the same bytes as the full run\'s records in it', () => {
    const full = run(10_000).records;
    const { records } = run(10_000, { emitFrom: 3000, emitTo: 7000 });
    expect(records.map((r) => r.bytes)).toEqual(full.filter((r) => r.tag >= 3000 && r.tag <= 7000).map((r) => r.bytes));
    expect(records.filter((r) => r.kind === StorageRecordKind.Message).length).toBe(7000 - 3000 + 1);
  });
});
