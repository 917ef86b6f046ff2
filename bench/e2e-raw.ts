// The raw pair of bench/e2e.ts (issue 17): a minimal Node sender and receiver, each in its
// own process, with no ITCH, book or journal: the baseline our pipeline's latency is read
// against. The sender sends, on each 1-ms tick, the packets due at the packet rate our
// pipeline had in its last slice, with that slice's packet sizes and message counts in order
// (replayed), to both bench multicast groups on the same interface as our lines (ports + 100,
// so neither side's receiver gets the other's datagrams). Each packet carries its send time
// (CLOCK_MONOTONIC, mono-clock.ts), a sequence number, its message count and whether it falls
// in the measured part of the slice. The receiver joins both groups, takes the first copy of
// each sequence (as a feed handler arbitrates lines A and B) and records now - send time, once
// per message the packet stands for, so its percentiles are per message as ours are.
//
// argv[2] is 'sender' or 'receiver'. IPC:
//   sender:   parent -> { type: 'start', lines, interface }; -> parent { type: 'ready' };
//             parent -> { type: 'slice', packetsPerSec, sizes, counts, warmupMs } (send from now);
//             parent -> { type: 'pause' } (stop sending); -> parent { type: 'paused', packets }.
//   receiver: parent -> { type: 'start', lines, interface }; -> parent { type: 'ready' };
//             parent -> { type: 'stop' }; -> parent { type: 'report', ... }.
import * as dgram from 'node:dgram';
import { LatencyHistogram } from '../gateway';
import { MonotonicNs } from './mono-clock';

export interface RawStart {
  type: 'start';
  lines: Array<{ group: string; port: number }>;
  interface: string;
}

export interface RawSlice {
  type: 'slice';
  packetsPerSec: number;
  /** Our slice's packet lengths and message counts, in send order: replayed round and round. */
  sizes: number[];
  counts: number[];
  /** Packets sent in the first warmupMs of the slice are not measured (as ours after a switch). */
  warmupMs: number;
}

export interface RawReport {
  type: 'report';
  messages: number;
  packets: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  p9999Us: number;
  maxUs: number;
  meanUs: number;
  negative: number;
}

/** Byte offsets in a raw packet: send time (float64), sequence (uint32), count (uint16), measured (uint8). */
const AT_TIME = 0;
const AT_SEQ = 8;
const AT_COUNT = 12;
const AT_MEASURED = 14;
const HEADER = 15;
const MAX_US = 60_000_000;
const mono = new MonotonicNs();

function sender(): void {
  const sockets: dgram.Socket[] = [];
  const packet = Buffer.alloc(1500);
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  let slice: RawSlice | null = null;
  let timer: NodeJS.Timeout | null = null;
  let seq = 0;
  let sent = 0;
  let next = 0;
  let due = 0;
  let last = 0;
  let measureFrom = 0;
  // One send callback for all packets: dgram holds `packet` until it completes, so each send
  // copies into a fresh pooled slice of a big buffer, as FeedLines copies into its pool.
  const pool = Buffer.alloc(1 << 22);
  let poolAt = 0;
  const tick = (): void => {
    const s = slice as RawSlice;
    const now = performance.now();
    due = Math.min(due + ((now - last) / 1000) * s.packetsPerSec, s.packetsPerSec / 100);
    last = now;
    while (due >= 1) {
      const len = Math.max(HEADER, s.sizes[next]);
      const count = s.counts[next];
      next = (next + 1) % s.sizes.length;
      view.setFloat64(AT_TIME, mono.now(), true);
      view.setUint32(AT_SEQ, ++seq, true);
      view.setUint16(AT_COUNT, count, true);
      packet[AT_MEASURED] = now >= measureFrom ? 1 : 0;
      if (poolAt + len > pool.length) poolAt = 0;
      const out = pool.subarray(poolAt, poolAt + len);
      poolAt += len;
      packet.copy(out, 0, 0, len);
      for (const socket of sockets) socket.send(out, 0, len);
      sent++;
      due--;
    }
  };
  process.on('message', (raw: unknown) => {
    const msg = raw as { type: string };
    if (msg.type === 'start') {
      const s = raw as RawStart;
      void (async () => {
        for (const line of s.lines) {
          const socket = dgram.createSocket({ type: 'udp4' });
          await new Promise<void>((resolve) => socket.bind(0, () => resolve()));
          socket.setSendBufferSize(4 << 20);
          socket.setMulticastInterface(s.interface);
          socket.setMulticastTTL(1);
          socket.setMulticastLoopback(true);
          await new Promise<void>((resolve) => socket.connect(line.port, line.group, () => resolve()));
          sockets.push(socket);
        }
        process.send?.({ type: 'ready' });
      })();
    } else if (msg.type === 'slice') {
      slice = raw as RawSlice;
      next = 0;
      due = 0;
      last = performance.now();
      measureFrom = last + slice.warmupMs;
      sent = 0;
      if (slice.sizes.length > 0 && slice.packetsPerSec > 0) timer = setInterval(tick, 1);
    } else if (msg.type === 'pause') {
      if (timer !== null) clearInterval(timer);
      timer = null;
      process.send?.({ type: 'paused', packets: sent });
    }
  });
}

function receiver(): void {
  const histogram = new LatencyHistogram(MAX_US);
  const seen = new Uint32Array(1 << 20);
  let packets = 0;
  let negative = 0;
  const sockets: dgram.Socket[] = [];
  const onMessage = (buf: Buffer): void => {
    const now = mono.now();
    if (buf.length < HEADER) return;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const seq = view.getUint32(AT_SEQ, true);
    const slot = seq & (seen.length - 1);
    if (seen[slot] === seq) return; // line B's copy of what line A brought, or the reverse
    seen[slot] = seq;
    if (buf[AT_MEASURED] !== 1) return;
    packets++;
    let us = Math.round((now - view.getFloat64(AT_TIME, true)) / 1000);
    if (us < 0) {
      negative++;
      us = 0;
    }
    histogram.record(us, view.getUint16(AT_COUNT, true));
  };
  process.on('message', (raw: unknown) => {
    const msg = raw as { type: string };
    if (msg.type === 'start') {
      const s = raw as RawStart;
      void (async () => {
        for (const line of s.lines) {
          const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: 4 << 20 });
          socket.on('message', onMessage);
          await new Promise<void>((resolve) => socket.bind({ port: line.port, address: line.group }, () => resolve()));
          socket.addMembership(line.group, s.interface);
          sockets.push(socket);
        }
        process.send?.({ type: 'ready' });
      })();
    } else if (msg.type === 'stop') {
      for (const socket of sockets) socket.close();
      const report: RawReport = {
        type: 'report',
        messages: histogram.totalCount,
        packets,
        p50Us: histogram.valueAtPercentile(50),
        p99Us: histogram.valueAtPercentile(99),
        p999Us: histogram.valueAtPercentile(99.9),
        p9999Us: histogram.valueAtPercentile(99.99),
        maxUs: histogram.maxValue,
        meanUs: Math.round(histogram.mean),
        negative,
      };
      process.send?.(report, () => process.exit(0));
    }
  });
}

process.on('disconnect', () => process.exit(0));
if (process.argv[2] === 'sender') sender();
else receiver();
