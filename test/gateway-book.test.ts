// End to end: the publisher driven by the real exchange core (sim/), the gateway serving
// its books, and real websocket clients that rebuild L2 books from snapshot plus updates,
// check every checksum, and end equal to the publisher's books.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUY, SELL, type OrderBook } from '../book';
import { configSchema, type TickwireConfig } from '../config';
import { formatPrice4 } from '../protocol';
import { Gateway, KeyStore } from '../gateway';
import { FeedPublisher, feedPublisherOptions, type PacketSink } from '../publisher';
import { SeededDay } from '../sim';
import { waitUntil } from './support/feed';
import { TestClient, type ClientBook, type Level } from './support/gateway-client';

const SESSION_DATE = '2024-03-08';
const SEED = Number(process.env.TW_SEED ?? 11);

class NullSink implements PacketSink {
  packets = 0;
  sendPacket(): void {
    this.packets++;
  }
}

interface Rig {
  config: TickwireConfig;
  publisher: FeedPublisher;
  gateway: Gateway;
  day: SeededDay;
  keys: KeyStore;
  url: string;
}

async function rig(gateway: Record<string, unknown> = {}): Promise<Rig> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-gw-'));
  const config = configSchema.parse({ sim: { seed: SEED, symbols: 5 }, gateway: { port: 0, keysFile: path.join(dir, 'keys.json'), realtimeIntervalMs: 0, ...gateway } });
  const publisher = new FeedPublisher(feedPublisherOptions(config, SESSION_DATE, new NullSink()));
  const keys = new KeyStore(config.gateway.keysFile);
  const gw = new Gateway({ source: publisher, config: config.gateway, keys });
  const port = await gw.start();
  const day = new SeededDay(config, publisher);
  day.open();
  return { config, publisher, gateway: gw, day, keys, url: `ws://127.0.0.1:${port}/v1/ws` };
}

function levelsOf(book: OrderBook, side: number, depth: number): Level[] {
  return book.levels(side, depth).map((l) => [formatPrice4(l.price), l.shares]);
}

function sameBook(client: ClientBook | undefined, book: OrderBook, depth: number): boolean {
  if (client === undefined) return false;
  return JSON.stringify([client.bids, client.asks]) === JSON.stringify([levelsOf(book, BUY, depth), levelsOf(book, SELL, depth)]);
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('gateway book channel, end to end', () => {
  let r: Rig;
  afterEach(async () => {
    await r.gateway.close();
  });

  test('clients rebuild the book from snapshot and updates, every checksum holds, and they end equal to the publisher', async () => {
    r = await rig();
    const pro = r.keys.create('pro', 'e2e-pro').key;
    const proClient = new TestClient(r.url, { Authorization: `Bearer ${pro}` });
    const freeClient = new TestClient(r.url);
    await Promise.all([proClient.open(), freeClient.open()]);
    const ack10 = await proClient.request({ op: 'subscribe', channel: 'book', symbol: 'AAPL', depth: 10 }, 1);
    expect(ack10).toEqual({ type: 'ack', op: 'subscribe', channel: 'book', symbol: 'AAPL', depth: 10, id: 1 });
    await proClient.request({ op: 'subscribe', channel: 'book', symbol: 'MSFT', depth: 5 }, 2);
    await freeClient.request({ op: 'subscribe', channel: 'book', symbol: 'AAPL' }, 1);
    await proClient.next('the AAPL snapshot', (m) => 'checksum' in m && m.type === 'snapshot' && m.symbol === 'AAPL');

    // Elapsed on the registry's own clock (performance.now), the one its conflation follows.
    const started = performance.now();
    // Trade in small batches, letting the gateway flush between them (one turn per batch).
    for (let i = 0; i < 400; i++) {
      r.day.batch(25);
      await turn();
    }
    const aapl = r.publisher.books.bookBySymbol('AAPL') as OrderBook;
    const msft = r.publisher.books.bookBySymbol('MSFT') as OrderBook;
    await waitUntil('the pro AAPL book to equal the publisher', () => sameBook(proClient.books.get('AAPL:10'), aapl, 10), 20_000);
    await waitUntil('the pro MSFT book to equal the publisher', () => sameBook(proClient.books.get('MSFT:5'), msft, 5), 20_000);
    await waitUntil('the free AAPL book to equal the publisher', () => sameBook(freeClient.books.get('AAPL:5'), aapl, 5), 20_000);
    const elapsedMs = performance.now() - started;

    const b10 = proClient.books.get('AAPL:10') as ClientBook;
    const free = freeClient.books.get('AAPL:5') as ClientBook;
    expect(b10.updates).toBeGreaterThan(100);
    for (const b of [b10, proClient.books.get('MSFT:5') as ClientBook, free]) {
      expect(b.checksumFailures).toBe(0);
      expect(b.crossed).toBe(0);
      expect(b.seqRegressions).toBe(0);
    }
    // Every checksum was the publisher's at that depth for the last one.
    const last = [...proClient.messages].reverse().find((m) => 'checksum' in m && m.symbol === 'AAPL');
    expect(last && 'checksum' in last ? last.checksum : -1).toBe(aapl.checksum(10));
    // Free: conflated to at most 10 updates a second (plus the first).
    expect(free.updates).toBeLessThanOrEqual(Math.ceil(elapsedMs / 100) + 2);
    expect(free.updates).toBeLessThan(b10.updates);
    // Nothing the server sent failed its schema.
    expect(proClient.invalid).toEqual([]);
    expect(freeClient.invalid).toEqual([]);
    proClient.close();
    freeClient.close();
  });

  test('a client joining mid-day gets a snapshot equal to the book, then updates', async () => {
    r = await rig();
    r.day.trade(3000, 100);
    await turn();
    const c = new TestClient(r.url);
    await c.open();
    await c.request({ op: 'subscribe', channel: 'book', symbol: 'NVDA', depth: 5 }, 7);
    const nvda = r.publisher.books.bookBySymbol('NVDA') as OrderBook;
    await waitUntil('the snapshot', () => c.books.get('NVDA:5') !== undefined, 10_000);
    expect(sameBook(c.books.get('NVDA:5'), nvda, 5)).toBe(true);
    expect(c.books.get('NVDA:5')?.seq).toBe(r.publisher.sequence);
    for (let i = 0; i < 50; i++) {
      r.day.batch(40);
      await turn();
    }
    await waitUntil('NVDA to equal the publisher', () => sameBook(c.books.get('NVDA:5'), nvda, 5), 20_000);
    expect(c.books.get('NVDA:5')?.checksumFailures).toBe(0);
    c.close();
  });
});
