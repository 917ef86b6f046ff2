// The snapshot client against small SoupBinTCP servers on real loopback sockets that answer
// with frames built by protocol/'s encoders: a good snapshot, a refusal, a cut connection,
// garbage. (The real snapshot server is exercised in test/feed-faults and test/feed-cli.)
import * as net from 'node:net';
import {
  encodeAddOrder,
  encodeEndOfSnapshot,
  encodeSoupLoginAccepted,
  encodeSoupLoginRejected,
  encodeSoupSequencedData,
  encodeSystemEvent,
  SoupRejectReason,
} from '../protocol';
import { loadSnapshot } from './snapshot-client';

async function server(answer: (socket: net.Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const s = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => answer(socket));
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  return { port: (s.address() as net.AddressInfo).port, close: () => new Promise<void>((resolve) => s.close(() => resolve())) };
}

function frames(parts: Array<(b: Uint8Array, o: number) => number>): Buffer {
  const b = new Uint8Array(4096);
  let o = 0;
  for (const p of parts) o = p(b, o);
  return Buffer.from(b.subarray(0, o));
}

function message(encode: (b: Uint8Array, o: number) => number): (b: Uint8Array, o: number) => number {
  const m = new Uint8Array(64);
  const n = encode(m, 0);
  return (b, o) => encodeSoupSequencedData(b, o, m, 0, n);
}

describe('loadSnapshot', () => {
  test('collects every message up to End of Snapshot, whose sequence is the first live one, across split reads', async () => {
    const bytes = frames([
      (b, o) => encodeSoupLoginAccepted(b, o, 'TWTEST0001', 42),
      message((b, o) => encodeSystemEvent(b, o, 0, 1, 0x4f)),
      message((b, o) => encodeAddOrder(b, o, 1, 0, 2, 7, 0x42, 100, 'AAA', 1_000_000)),
      message((b, o) => encodeAddOrder(b, o, 1, 0, 3, 8, 0x53, 200, 'AAA', 1_010_000)),
      message((b, o) => encodeEndOfSnapshot(b, o, 0, 4, 42)),
    ]);
    const s = await server((socket) => {
      // One byte at a time: frames split everywhere.
      let i = 0;
      const drip = (): void => {
        if (i < bytes.length) socket.write(bytes.subarray(i, ++i), () => setImmediate(drip));
      };
      drip();
    });
    try {
      const image = await loadSnapshot({ host: '127.0.0.1', port: s.port }, 'TWTEST0001', 10_000);
      expect({ session: image.session, next: image.nextSequence, count: image.count, orders: image.orders }).toEqual({ session: 'TWTEST0001', next: 42, count: 3, orders: 2 });
      expect(image.bytes[image.offsets[1]]).toBe(0x41);
      expect(image.lengths[1]).toBe(36);
    } finally {
      await s.close();
    }
  });

  test('a refused login is TW_ERR_FEED_SNAPSHOT_REJECTED saying why', async () => {
    const s = await server((socket) => socket.end(frames([(b, o) => encodeSoupLoginRejected(b, o, SoupRejectReason.NotAuthorized)])));
    try {
      await expect(loadSnapshot({ host: '127.0.0.1', port: s.port }, '', 10_000)).rejects.toThrow(/TW_ERR_FEED_SNAPSHOT_REJECTED.*not authorized/);
    } finally {
      await s.close();
    }
  });

  test('a connection cut before End of Snapshot, garbage, and no server are TW_ERR_FEED_SNAPSHOT_FAILED', async () => {
    const cut = await server((socket) => socket.end(frames([(b, o) => encodeSoupLoginAccepted(b, o, 'TWTEST0001', 5), message((b, o) => encodeSystemEvent(b, o, 0, 1, 0x4f))])));
    const garbage = await server((socket) => socket.end(Buffer.from([0, 3, 0x7e, 1, 2])));
    try {
      await expect(loadSnapshot({ host: '127.0.0.1', port: cut.port }, '', 10_000)).rejects.toThrow(/TW_ERR_FEED_SNAPSHOT_FAILED.*closed the connection before End of Snapshot \(1 messages/);
      await expect(loadSnapshot({ host: '127.0.0.1', port: garbage.port }, '', 10_000)).rejects.toThrow(/TW_ERR_FEED_SNAPSHOT_FAILED.*bad SoupBinTCP frame/);
      const unused = cut.port;
      await cut.close();
      await expect(loadSnapshot({ host: '127.0.0.1', port: unused }, '', 10_000)).rejects.toThrow(/TW_ERR_FEED_SNAPSHOT_FAILED.*ECONNREFUSED/);
    } finally {
      await garbage.close();
    }
  });
});
