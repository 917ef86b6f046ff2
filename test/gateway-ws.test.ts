// The websocket protocol end to end: tiers and keys, every channel, malformed input,
// protections (rate, subscriptions, payload, connections per IP), slow consumers.
import { BUY, SELL, type OrderBook } from '../book';
import type { z } from 'zod';
import { formatPrice4, type ordersMessageSchema, type ServerMessage } from '../protocol';
import { waitUntil } from './support/feed';
import { TestClient } from './support/gateway-client';
import { gatewayRig, turn, type GatewayRig } from './support/gateway-rig';

type OrdersMessage = z.infer<typeof ordersMessageSchema>;

let r: GatewayRig;
const clients: TestClient[] = [];
async function client(headers: Record<string, string> = {}): Promise<TestClient> {
  const c = new TestClient(r.url, headers);
  clients.push(c);
  await c.open();
  return c;
}
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await r.gateway.close();
});

/** Trades in small batches, a turn of the event loop after each (the gateway flushes), until `done`. */
async function tradeUntil(what: string, done: () => boolean, waitMs = 90_000, batch = 20): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${waitMs} ms trading until ${what}`);
    r.day.batch(batch);
    await turn();
  }
}

const errorCode = (m: ServerMessage): string => (m.type === 'error' ? m.code : `not an error: ${JSON.stringify(m)}`);

describe('tiers and keys', () => {
  test('free gets l1/trades/candles/book 5; pro gets book 10; only premium gets orders; beyond the tier is an error', async () => {
    r = await gatewayRig({ messagesPerSecond: 50 });
    const pro = r.keys.create('pro', 'p').key;
    const premium = r.keys.create('premium', 'q').key;
    const free = await client();
    expect(errorCode(await free.request({ op: 'subscribe', channel: 'book', symbol: 'AAPL', depth: 10 }, 1))).toBe('TW_ERR_GW_TIER');
    expect(errorCode(await free.request({ op: 'subscribe', channel: 'orders', symbol: 'AAPL' }, 2))).toBe('TW_ERR_GW_TIER');
    for (const [i, ch] of ['l1', 'trades', 'candles'].entries()) expect((await free.request({ op: 'subscribe', channel: ch, symbol: 'AAPL' }, 10 + i)).type).toBe('ack');
    expect(await free.request({ op: 'subscribe', channel: 'book', symbol: 'AAPL' }, 3)).toMatchObject({ type: 'ack', depth: 5 });
    const p = await client({ Authorization: `Bearer ${pro}` });
    expect(await p.request({ op: 'subscribe', channel: 'book', symbol: 'AAPL' }, 1)).toMatchObject({ type: 'ack', depth: 10 });
    expect(errorCode(await p.request({ op: 'subscribe', channel: 'orders', symbol: 'AAPL' }, 2))).toBe('TW_ERR_GW_TIER');
    const q = await client({ Authorization: `Bearer ${premium}` });
    expect((await q.request({ op: 'subscribe', channel: 'orders', symbol: 'AAPL' }, 1)).type).toBe('ack');
  });

  test('an unknown key or a malformed Authorization header is refused at the upgrade with 401; a revoked key stops working', async () => {
    r = await gatewayRig();
    const bad = new TestClient(r.url, { Authorization: 'Bearer tw_nope_nope' });
    const malformed = new TestClient(r.url, { Authorization: 'Basic abc' });
    clients.push(bad, malformed);
    await waitUntil('both refusals', () => bad.closeCode === 0 && malformed.closeCode === 0, 10_000);
    expect(bad.upgradeStatus).toBe(401);
    expect(JSON.parse(bad.upgradeBody).code).toBe('TW_ERR_GW_BAD_KEY');
    expect(malformed.upgradeStatus).toBe(401);
    const { key, record } = r.keys.create('pro', 'soon revoked');
    await client({ Authorization: `Bearer ${key}` });
    r.keys.revoke(record.id);
    const after = new TestClient(r.url, { Authorization: `Bearer ${key}` });
    clients.push(after);
    await waitUntil('the refusal', () => after.closeCode === 0, 10_000);
    expect(after.upgradeStatus).toBe(401);
    expect(r.gateway.errors.get('TW_ERR_GW_BAD_KEY')).toBe(3);
  });
});

describe('channels', () => {
  test('l1, trades and candles follow the publisher; orders (L3) rebuilds the book order by order', async () => {
    r = await gatewayRig();
    const premium = r.keys.create('premium', 'q').key;
    const c = await client({ Authorization: `Bearer ${premium}` });
    for (const [i, ch] of ['l1', 'trades', 'candles', 'orders'].entries()) await c.request({ op: 'subscribe', channel: ch, symbol: 'AAPL' }, i + 1);
    await c.request({ op: 'subscribe', channel: 'candles', symbol: 'AAPL', interval: '5m' }, 9);
    for (let i = 0; i < 200; i++) {
      r.day.batch(25);
      await turn();
    }
    const aapl = r.publisher.books.bookBySymbol('AAPL') as OrderBook;
    const l1 = (): ServerMessage | undefined => [...c.messages].reverse().find((m) => 'channel' in m && m.channel === 'l1');
    await waitUntil('l1 to show the book', () => {
      const m = l1();
      return m !== undefined && 'bid' in m && m.bid?.[0] === formatPrice4(aapl.bestBidPrice()) && m.ask?.[0] === formatPrice4(aapl.bestAskPrice()) && m.volume === aapl.volume;
    }, 20_000);
    // trades: every print of the symbol since the subscription, in order, once.
    const executions = r.gateway.registry.executions;
    await waitUntil('every trade', () => c.messages.reduce((n, m) => n + ('trades' in m ? m.trades.length : 0), 0) === executions.counts[aapl.locate], 20_000);
    const trades = c.messages.flatMap((m) => ('trades' in m ? m.trades : []));
    expect(trades.length).toBeGreaterThan(10);
    expect(trades.every((t, i) => i === 0 || t.seq > trades[i - 1].seq)).toBe(true);
    expect(trades.reduce((n, t) => n + t.shares, 0)).toBe(aapl.volume);
    // candles: the last 1m and 5m messages equal the book's current candles.
    for (const interval of ['1m', '5m'] as const) {
      const ring = aapl.candles?.ring(interval);
      const cur = ring?.get(0);
      await waitUntil(`the ${interval} candle`, () => {
        const m = [...c.messages].reverse().find((x) => 'interval' in x && x.interval === interval && 'candle' in x);
        return m !== undefined && 'candle' in m && m.candle?.start === cur?.startMs && m.candle?.trades === cur?.trades && m.candle?.close === formatPrice4(cur?.close ?? 0);
      }, 20_000);
    }
    // orders: snapshot + events rebuild every resting order.
    const resting = new Map<number, { side: string; price: string; shares: number }>();
    let snapshotSeq = -1;
    for (const x of c.messages) {
      if (!('channel' in x) || x.channel !== 'orders' || x.type === 'ack') continue;
      const m = x as OrdersMessage;
      if (m.type === 'snapshot') {
        snapshotSeq = m.seq;
        for (const [ref, side, price, shares] of m.orders ?? []) resting.set(ref, { side, price, shares });
        continue;
      }
      for (const e of m.events ?? []) {
        expect(e.seq).toBeGreaterThan(snapshotSeq);
        const o = resting.get(e.ref);
        if (e.kind === 'add') resting.set(e.ref, { side: e.side as string, price: e.price as string, shares: e.shares as number });
        else if (o === undefined) throw new Error(`event for unknown ref ${e.ref}`);
        else if (e.kind === 'delete') resting.delete(e.ref);
        else if (e.kind === 'replace') {
          resting.delete(e.ref);
          resting.set(e.newRef as number, { side: o.side, price: e.price as string, shares: e.shares as number });
        } else {
          o.shares -= e.shares as number;
          if (o.shares === 0) resting.delete(e.ref);
        }
      }
    }
    const expected = [...aapl.orders(BUY), ...aapl.orders(SELL)].map((o) => [o.ref, o.side === BUY ? 'B' : 'S', formatPrice4(o.price), o.shares]);
    const rebuilt = [...resting.entries()].map(([ref, o]) => [ref, o.side, o.price, o.shares]);
    const byRef = (a: unknown[], b: unknown[]): number => (a[0] as number) - (b[0] as number);
    expect(rebuilt.sort(byRef)).toEqual(expected.sort(byRef));
    expect(c.invalid).toEqual([]);
  });
});

describe('bad input and protections', () => {
  test('bad JSON, unknown ops, unknown symbols, bad fields and binary frames get an error; the connection stays', async () => {
    r = await gatewayRig({ messagesPerSecond: 100 });
    const c = await client();
    const expectError = async (raw: string | Buffer, code: string): Promise<void> => {
      const from = c.messages.length;
      c.ws.send(raw);
      expect(errorCode(await c.next(`an error for ${String(raw)}`, (m) => m.type === 'error', from))).toBe(code);
    };
    await expectError('{not json', 'TW_ERR_GW_BAD_JSON');
    await expectError('{"op":"hack"}', 'TW_ERR_GW_UNKNOWN_OP');
    await expectError('[1,2]', 'TW_ERR_GW_UNKNOWN_OP');
    await expectError('{"op":"subscribe","channel":"book","symbol":"ZZZZ"}', 'TW_ERR_GW_UNKNOWN_SYMBOL');
    await expectError('{"op":"subscribe","channel":"book","symbol":"AAPL","depth":7}', 'TW_ERR_GW_BAD_MESSAGE');
    await expectError('{"op":"subscribe","channel":"l1","symbol":"AAPL","depth":5}', 'TW_ERR_GW_BAD_MESSAGE');
    await expectError('{"op":"subscribe","channel":"tape","symbol":"AAPL"}', 'TW_ERR_GW_BAD_MESSAGE');
    await expectError('{"op":"subscribe","channel":"l1","symbol":"AAPL","extra":1}', 'TW_ERR_GW_BAD_MESSAGE');
    await expectError('{"op":"unsubscribe","channel":"l1","symbol":"AAPL"}', 'TW_ERR_GW_NOT_SUBSCRIBED');
    await expectError(Buffer.from([1, 2, 3]), 'TW_ERR_GW_BINARY');
    expect((await c.request({ op: 'subscribe', channel: 'l1', symbol: 'AAPL' }, 1)).type).toBe('ack');
    expect(errorCode(await c.request({ op: 'subscribe', channel: 'l1', symbol: 'AAPL' }, 2))).toBe('TW_ERR_GW_ALREADY_SUBSCRIBED');
    expect(await c.request({ op: 'ping' }, 3)).toEqual({ type: 'pong', id: 3 });
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    expect(r.gateway.errors.get('TW_ERR_GW_BAD_MESSAGE')).toBe(4);
  });

  test('over the message rate: errors, then closed as abuse (1008); over the payload limit: closed (1009)', async () => {
    r = await gatewayRig({ messagesPerSecond: 5, abuseStrikes: 10, maxPayloadBytes: 256 });
    const c = await client();
    for (let i = 0; i < 40; i++) c.send({ op: 'ping', id: i });
    await waitUntil('the abuse close', () => c.closeCode !== -1, 10_000);
    expect(c.closeCode).toBe(1008);
    const codes = c.messages.map((m) => (m.type === 'error' ? m.code : m.type));
    expect(codes.filter((x) => x === 'pong').length).toBe(5);
    expect(codes.filter((x) => x === 'TW_ERR_GW_RATE_LIMITED').length).toBe(9);
    expect(codes[codes.length - 1]).toBe('TW_ERR_GW_ABUSE');
    const big = await client();
    big.send({ op: 'ping', id: 'x'.repeat(300) });
    await waitUntil('the payload close', () => big.closeCode !== -1, 10_000);
    expect(big.closeCode).toBe(1009);
  });

  test('subscriptions per connection and connections per IP are capped', async () => {
    r = await gatewayRig({ maxSubscriptions: 2, maxConnectionsPerIp: 2, messagesPerSecond: 50 });
    const a = await client();
    await client();
    expect((await a.request({ op: 'subscribe', channel: 'l1', symbol: 'AAPL' }, 1)).type).toBe('ack');
    expect((await a.request({ op: 'subscribe', channel: 'l1', symbol: 'MSFT' }, 2)).type).toBe('ack');
    expect(errorCode(await a.request({ op: 'subscribe', channel: 'l1', symbol: 'NVDA' }, 3))).toBe('TW_ERR_GW_TOO_MANY_SUBSCRIPTIONS');
    const third = new TestClient(r.url);
    clients.push(third);
    await waitUntil('the refusal', () => third.closeCode === 0, 10_000);
    expect(third.upgradeStatus).toBe(429);
    expect(JSON.parse(third.upgradeBody).code).toBe('TW_ERR_GW_TOO_MANY_CONNECTIONS');
    // A closed connection frees its place.
    a.close();
    await waitUntil('the slot to free', () => r.gateway.sessions.size === 1, 10_000);
    await client();
  });

  test('a client that does not answer pings is dropped', async () => {
    r = await gatewayRig({ pingIntervalMs: 100 });
    const c = await client();
    // ws answers pings automatically; stop reading so no pong goes back.
    c.ws.pause();
    await waitUntil('the drop', () => r.gateway.errors.get('TW_ERR_GW_PING_TIMEOUT') === 1, 10_000);
    await waitUntil('the session to go', () => r.gateway.sessions.size === 0, 10_000);
  });

  test('a slow consumer is conflated (skipped, then a fresh snapshot), then closed (4001); queued bytes stay bounded', async () => {
    const soft = 16 * 1024;
    const hard = 256 * 1024;
    r = await gatewayRig({ softBufferedBytes: soft, hardBufferedBytes: hard, pingIntervalMs: 600_000, messagesPerSecond: 100 });
    const key = r.keys.create('premium', 'slow').key;
    const slow = await client({ Authorization: `Bearer ${key}` });
    const symbols = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL'];
    for (const [i, s] of symbols.entries()) await slow.request({ op: 'subscribe', channel: 'book', symbol: s, depth: 10 }, i);
    const session = [...r.gateway.sessions][0];
    let maxBuffered = 0;
    const watch = (): void => {
      maxBuffered = Math.max(maxBuffered, session.bufferedAmount());
    };
    // Phase 1: stop reading for a while: book updates are skipped past the soft threshold
    // (the queue stops growing), then a fresh snapshot follows once the client reads again.
    slow.ws.pause();
    await tradeUntil('updates to be skipped', () => {
      watch();
      return r.gateway.fan.figures.skipped > 100;
    });
    const queuedWhileSkipping = session.bufferedAmount();
    expect(queuedWhileSkipping).toBeLessThan(hard);
    slow.ws.resume();
    await tradeUntil('a resync snapshot', () => r.gateway.fan.figures.resyncs > 0);
    await waitUntil('a snapshot after the first', () => slow.messages.filter((m) => 'checksum' in m && m.type === 'snapshot').length > symbols.length, 20_000);
    await tradeUntil('books to match the publisher again', () =>
      symbols.every((s) => {
        const b = slow.books.get(`${s}:10`);
        const book = r.publisher.books.bookBySymbol(s) as OrderBook;
        return b !== undefined && b.checksumFailures === 0 && b.bids[0]?.[0] === formatPrice4(book.bestBidPrice()) && b.asks[0]?.[0] === formatPrice4(book.bestAskPrice());
      }),
    );
    for (const b of slow.books.values()) expect(b.checksumFailures).toBe(0);
    expect(slow.invalid).toEqual([]);
    // Phase 2: trades (an event stream, never skipped), and the client stops reading for
    // good: past the hard limit it is closed with 4001.
    for (const [i, s] of symbols.entries()) await slow.request({ op: 'subscribe', channel: 'trades', symbol: s }, 100 + i);
    slow.ws.pause();
    await tradeUntil(
      'the slow-consumer close',
      () => {
        watch();
        return session.closed;
      },
      150_000,
      200,
    );
    expect(r.gateway.errors.get('TW_ERR_GW_SLOW_CONSUMER')).toBe(1);
    // Bounded: never more than the hard limit plus one frame.
    expect(maxBuffered).toBeLessThanOrEqual(hard + 64 * 1024);
    slow.ws.resume();
    await waitUntil('the close frame', () => slow.closeCode !== -1, 20_000);
    expect(slow.closeCode).toBe(4001);
  }, 180_000);
});
