// The feed lines on real loopback sockets: a seeded trading day from the exchange core
// through the PublisherService onto lines A and B (or unicast receivers), captured by real
// receiving sockets and decoded with protocol/'s MoldUDP64 parser and ITCH decoder.
// Waits are bounded and generous; nothing asserts on timing. If multicast does not work
// here the tests fail saying so (they do not skip).
import * as dgram from 'node:dgram';
import { configSchema } from '../config';
import { decodeItch, ItchMessage, MoldPacketKind, MoldUdp64Packet, moldSessionBytes } from '../protocol';
import { SeededDay } from '../sim';
import { FeedLines, FeedPublisher, feedPublisherOptions, PublisherService, type FeedLinesOptions } from './index';

const SESSION_DATE = '2024-03-08';
const SEED = Number(process.env.TW_SEED ?? 11);
const IFACE = '127.0.0.1';
// Groups of their own (not the defaults), so a `tickwire run` elsewhere on the machine is not heard.
const GROUP_A = '239.192.77.11';
const GROUP_B = '239.192.77.12';

/** A receiving socket that keeps a copy of every datagram. */
class Receiver {
  readonly socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  readonly packets: Buffer[] = [];
  port = 0;

  async open(group: string | null): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.socket.once('error', reject);
      // Port 0: the test asks for a free port and gives it to the publisher as the line's port.
      this.socket.bind(0, () => resolve());
    });
    if (group !== null) {
      try {
        this.socket.addMembership(group, IFACE);
      } catch (err) {
        throw new Error(`multicast is not available on ${IFACE} here (addMembership ${group} failed: ${(err as Error).message}); these tests need loopback multicast`);
      }
    }
    this.port = this.socket.address().port;
    this.socket.on('message', (msg) => this.packets.push(msg));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** Waits until `done()` holds, checking every 20 ms, for at most `timeoutMs`; false if it never did. */
async function waitFor(done: () => boolean, timeoutMs = 20_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

interface Decoded {
  /** Data packets: first sequence and count; heartbeat 0, end of session 0xFFFF. */
  kinds: number[];
  sequences: number[];
  counts: number[];
  messages: number;
  /** Every message's sequence was the next one expected (from 1). */
  contiguous: boolean;
  maxLength: number;
  decodeFaults: number;
  types: string;
}

function decode(packets: Buffer[], session: string): Decoded {
  const p = new MoldUdp64Packet();
  const m = new ItchMessage();
  const sessionBytes = moldSessionBytes(session);
  const out: Decoded = { kinds: [], sequences: [], counts: [], messages: 0, contiguous: true, maxLength: 0, decodeFaults: 0, types: '' };
  let expected = 1;
  for (const b of packets) {
    out.maxLength = Math.max(out.maxLength, b.length);
    if (p.parse(b, 0, b.length, sessionBytes) !== 0) {
      out.decodeFaults++;
      continue;
    }
    out.kinds.push(p.kind);
    out.sequences.push(p.sequence);
    out.counts.push(p.count);
    if (p.kind === MoldPacketKind.Data) {
      if (p.sequence !== expected) out.contiguous = false;
      for (let at = p.nextMessage(); at >= 0; at = p.nextMessage()) {
        if (decodeItch(b, at, p.messageLength, m) < 0) out.decodeFaults++;
        if (out.types.length < 4096) out.types += String.fromCharCode(b[at]);
        out.messages++;
      }
      expected = p.nextSequence;
    } else if (p.sequence !== expected) {
      out.contiguous = false; // heartbeat and end of session carry the next expected sequence
    }
  }
  return out;
}

/** A seeded day with the service as its event handler; driven in chunks so the receivers keep up. */
function exchange(service: PublisherService, symbols: number) {
  const day = new SeededDay(configSchema.parse({ sim: { seed: SEED, symbols } }), service);
  return {
    open: () => day.open(),
    orders: async (total: number): Promise<void> => {
      for (let done = 0; done < total; ) {
        done += day.batch(Math.min(200, total - done));
        await new Promise((r) => setTimeout(r, 2)); // the engine's loop yields between batches, as live
      }
    },
    close: () => day.close(),
  };
}

function makeService(lines: Partial<FeedLinesOptions> & Pick<FeedLinesOptions, 'lineA' | 'lineB'>, symbols: number, heartbeatIntervalMs = 1000) {
  const config = configSchema.parse({ sim: { seed: SEED, symbols } });
  const feedLines = new FeedLines({ interface: IFACE, ttl: 1, ...lines });
  const publisher = new FeedPublisher(feedPublisherOptions(config, SESSION_DATE, feedLines));
  const service = new PublisherService({ publisher, lines: feedLines, heartbeatIntervalMs, endOfSessionRepeats: 2, endOfSessionIntervalMs: 50 });
  return { service, publisher, feedLines };
}

describe('feed lines on loopback sockets', () => {
  test(`lines A and B carry identical packets, sequences contiguous from 1, heartbeats when idle, end of session at the end (seed ${SEED})`, async () => {
    const a = new Receiver();
    const b = new Receiver();
    try {
      await a.open(GROUP_A);
      await b.open(GROUP_B);
      const { service, publisher, feedLines } = makeService({ lineA: { group: GROUP_A, port: a.port }, lineB: { group: GROUP_B, port: b.port } }, 20);
      await service.open();
      const day = exchange(service, 20);
      day.open();
      await day.orders(3000);
      // Idle: no orders for a while; the service sends heartbeats.
      const heard = await waitFor(() => decode(a.packets, publisher.session).kinds.includes(MoldPacketKind.Heartbeat), 15_000);
      await day.orders(2000);
      day.close();
      await service.finish();
      const total = feedLines.packetsSent;
      const arrived = await waitFor(() => a.packets.length >= total && b.packets.length >= total);
      expect({ arrived, heard, total: a.packets.length, sendErrors: feedLines.sendErrors }).toEqual({ arrived: true, heard: true, total, sendErrors: 0 });

      const da = decode(a.packets, publisher.session);
      // Both lines: the same bytes, packet for packet.
      expect(b.packets.length).toBe(a.packets.length);
      let differing = 0;
      for (let i = 0; i < a.packets.length; i++) if (!a.packets[i].equals(b.packets[i])) differing++;
      expect(differing).toBe(0);

      expect(da.decodeFaults).toBe(0);
      expect(da.contiguous).toBe(true);
      expect(da.messages).toBe(publisher.messages);
      expect(da.maxLength).toBeLessThanOrEqual(publisher.maxPayloadBytes);
      expect(da.types.startsWith('SSR')).toBe(true); // S O, S S, then the directory
      expect(da.kinds.filter((k) => k === MoldPacketKind.Heartbeat).length).toBe(service.heartbeats);
      // The day ends with end of session: the first right after S C, then the repeats.
      const tail = da.kinds.slice(-3);
      expect(tail).toEqual([MoldPacketKind.EndOfSession, MoldPacketKind.EndOfSession, MoldPacketKind.EndOfSession]);
      expect(da.sequences[da.sequences.length - 1]).toBe(publisher.nextSequence);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('unicast destinations each receive every packet, in a freshly shuffled order (every receiver is sometimes first)', async () => {
    const receivers = [new Receiver(), new Receiver(), new Receiver()];
    try {
      for (const r of receivers) await r.open(null);
      const { service, publisher, feedLines } = makeService(
        {
          lineA: { group: GROUP_A, port: 9 },
          lineB: { group: GROUP_B, port: 9 },
          unicastDestinations: receivers.map((r) => `127.0.0.1:${r.port}`),
          unicastSeed: SEED,
        },
        10,
      );
      await service.open();
      const day = exchange(service, 10);
      day.open();
      await day.orders(3000);
      day.close();
      await service.finish();
      const total = feedLines.packetsSent;
      const arrived = await waitFor(() => receivers.every((r) => r.packets.length >= total));
      expect({ arrived, sendErrors: feedLines.sendErrors }).toEqual({ arrived: true, sendErrors: 0 });
      for (const r of receivers) {
        const d = decode(r.packets, publisher.session);
        expect(d.contiguous).toBe(true);
        expect(d.messages).toBe(publisher.messages);
        expect(d.kinds[d.kinds.length - 1]).toBe(MoldPacketKind.EndOfSession);
      }
      // Each of 3 receivers first in about a third of the packets; at the least, each sometimes.
      const firsts = Array.from(feedLines.firstReceiverCounts);
      expect(firsts.reduce((s, n) => s + n, 0)).toBe(total);
      for (const n of firsts) expect(n).toBeGreaterThan(0);
    } finally {
      for (const r of receivers) await r.close();
    }
  });

  test('pacing queues a burst instead of dropping it: every packet arrives, in order', async () => {
    const a = new Receiver();
    const b = new Receiver();
    try {
      await a.open(GROUP_A);
      await b.open(GROUP_B);
      // 2,000 packets/s with a small pool: a burst of ~600 packets must queue and grow the pool.
      const { service, publisher, feedLines } = makeService(
        { lineA: { group: GROUP_A, port: a.port }, lineB: { group: GROUP_B, port: b.port }, maxPacketsPerSec: 2000, queuePackets: 16 },
        10,
      );
      await service.open();
      const day = exchange(service, 10);
      day.open();
      await day.orders(4000);
      day.close();
      await service.finish();
      const total = feedLines.packetsSent;
      const arrived = await waitFor(() => a.packets.length >= total && b.packets.length >= total);
      expect({ arrived, sendErrors: feedLines.sendErrors }).toEqual({ arrived: true, sendErrors: 0 });
      expect(feedLines.queuedPackets).toBeGreaterThan(0);
      expect(feedLines.maxQueueDepth).toBeGreaterThan(0);
      const d = decode(b.packets, publisher.session);
      expect(d.contiguous).toBe(true);
      expect(d.messages).toBe(publisher.messages);
      expect(d.kinds[d.kinds.length - 1]).toBe(MoldPacketKind.EndOfSession);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('muted lines send nothing and count what they held back', async () => {
    const lines = new FeedLines({ lineA: { group: GROUP_A, port: 9 }, lineB: { group: GROUP_B, port: 9 }, interface: IFACE });
    await lines.open();
    lines.muted = true;
    lines.sendPacket(new Uint8Array(40), 40);
    expect({ muted: lines.mutedPackets, sent: lines.packetsSent }).toEqual({ muted: 1, sent: 0 });
    await lines.close();
  });
});
