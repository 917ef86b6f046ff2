import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { registerHttpRateLimit } from './http-rate-limit';
import { TokenBucket } from '../protocol';

describe('rate limits', () => {
  test('a token bucket allows its burst, then its rate', () => {
    // A websocket connection's bucket (gateway/session.ts): protocol's TokenBucket, one slot.
    let now = 0;
    const b = new TokenBucket({ slots: 1, ratePerSec: 5, burst: 5, nowMs: () => now });
    for (let i = 0; i < 5; i++) expect(b.take(0)).toBe(true);
    expect(b.take(0)).toBe(false);
    expect(b.waitMs(0)).toBe(200);
    now = 199;
    expect(b.take(0)).toBe(false);
    now = 200;
    expect(b.take(0)).toBe(true);
    now = 10_000;
    expect(b.take(0)).toBe(true);
    now = 20_000;
    expect(b.full(0)).toBe(true);
  });

  describe('the HTTP limiter (@fastify/rate-limit)', () => {
    let app: FastifyInstance;
    let nowMs = 1_000_000;
    afterEach(async () => {
      jest.restoreAllMocks();
      await app.close();
    });

    /** The limiter on a ready server, asked about requests from `ip` (with key `key`): 0 if allowed, else the seconds to wait. */
    async function limited(entries?: number): Promise<(ip: string, key?: string) => Promise<number>> {
      jest.spyOn(Date, 'now').mockImplementation(() => nowMs);
      app = Fastify();
      const check = registerHttpRateLimit(app, { requestsPerSecond: 1, keyId: (req) => (req.headers['x-key'] as string | undefined) ?? null, entries });
      await app.ready();
      return async (ip, key) => {
        // What the limiter reads of a request (fastify's inject needs ESM that Jest does not load here).
        const req = { ip, headers: key === undefined ? {} : { 'x-key': key }, routeOptions: { config: {} } } as unknown as FastifyRequest;
        const refused = await check(req);
        return refused === null ? 0 : refused.retryAfterS;
      };
    }

    test('limits each address apart, and each key apart whatever its address', async () => {
      const take = await limited();
      // A burst of twice the rate, then the rest of the 2 s window to wait.
      expect(await take('10.0.0.1')).toBe(0);
      expect(await take('10.0.0.1')).toBe(0);
      expect(await take('10.0.0.1')).toBe(2);
      expect(await take('10.0.0.2')).toBe(0);
      expect(await take('10.0.0.3', 'k')).toBe(0);
      expect(await take('10.0.0.4', 'k')).toBe(0);
      expect(await take('10.0.0.5', 'k')).toBe(2);
      expect(await take('10.0.0.5', 'other')).toBe(0);
    });

    test('forgets idle addresses: a window passes, and the table keeps only the most recent', async () => {
      const take = await limited(2);
      await take('a');
      await take('a');
      expect(await take('a')).toBe(2);
      nowMs += 20_000;
      expect(await take('a')).toBe(0);
      await take('a');
      expect(await take('a')).toBe(2);
      await take('b');
      await take('c');
      // 'a' was pushed out of the two-entry table: it starts afresh.
      expect(await take('a')).toBe(0);
    });
  });
});
