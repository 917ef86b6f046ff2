import { clientMessageSchema } from './gateway-messages';

describe('gateway client messages', () => {
  test('subscribe, unsubscribe and ping are accepted in their documented shapes', () => {
    for (const m of [
      { op: 'subscribe', channel: 'book', symbol: 'AAPL', depth: 10 },
      { op: 'subscribe', channel: 'candles', symbol: 'AAPL', interval: '1M', id: 'a' },
      { op: 'unsubscribe', channel: 'l1', symbol: 'MSFT', id: 3 },
      { op: 'ping' },
    ]) {
      expect(clientMessageSchema.safeParse(m).success).toBe(true);
    }
  });

  test('depth other than 5 or 10, depth off the book, interval off candles, unknown fields and channels are refused', () => {
    for (const m of [
      { op: 'subscribe', channel: 'book', symbol: 'AAPL', depth: 20 },
      { op: 'subscribe', channel: 'l1', symbol: 'AAPL', depth: 5 },
      { op: 'subscribe', channel: 'book', symbol: 'AAPL', interval: '1m' },
      { op: 'subscribe', channel: 'l1', symbol: 'AAPL', x: 1 },
      { op: 'subscribe', channel: 'tape', symbol: 'AAPL' },
      { op: 'subscribe', channel: 'l1', symbol: '' },
      { op: 'ping', id: -1 },
    ]) {
      expect(clientMessageSchema.safeParse(m).success).toBe(false);
    }
  });
});
