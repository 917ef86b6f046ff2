// The feed lines on real sockets (FEED.md: lines A and B carry identical packets): a
// PacketSink that sends every MoldUDP64 packet to two UDP multicast groups, or, on
// networks without multicast, to a list of unicast receivers in a freshly shuffled order
// per packet so that no receiver is systematically first (issue 4, fairness).
//
// dgram.send keeps a reference to the bytes until its callback (Node does not copy), and
// the packetizer reuses its buffer for the next packet, so each packet is copied into a
// buffer from a pool preallocated at start-up and returned to the pool when every send of
// it has completed. Pacing is a token bucket per packet (both lines send the same packets
// at the same moment, so one bucket paces each line); when it is empty, packets wait in a
// FIFO queue, never dropped. Send errors are counted and reported, never thrown.

import * as dgram from 'node:dgram';
import * as dns from 'node:dns';
import { Prng } from '../protocol';
import { PublisherError } from './errors';
import type { PacketSink } from './packet-sink';

export interface FeedLineAddress {
  group: string;
  port: number;
}

export interface FeedLinesOptions {
  lineA: FeedLineAddress;
  lineB: FeedLineAddress;
  /** Local interface the multicast leaves from (default 127.0.0.1). */
  interface?: string;
  /** Multicast TTL (default 1). */
  ttl?: number;
  /** Largest packet in bytes: the size of each pooled buffer (default 1,472). */
  maxPayloadBytes?: number;
  /** Socket send buffer, bytes (default 4 MiB; the kernel may cap it). */
  sendBufferBytes?: number;
  /** Most packets a second per line; 0 = unpaced (default). */
  maxPacketsPerSec?: number;
  /** Packet buffers preallocated (default 4,096). */
  queuePackets?: number;
  /** "host:port" receivers; when non-empty, packets go to them instead of the multicast groups. */
  unicastDestinations?: readonly string[];
  /** Seed of the per-packet shuffle of unicast receivers (0: from the clock). */
  unicastSeed?: number;
}

/** One pooled packet buffer; its send callback is made once, not per packet. */
class PacketSlot {
  readonly buffer: Buffer;
  length = 0;
  /** Sends of this packet not yet completed. */
  pending = 0;
  readonly onSent: (err: Error | null) => void;

  constructor(buffer: Buffer, lines: FeedLines) {
    this.buffer = buffer;
    this.onSent = (err: Error | null): void => lines.sendCompleted(this, err);
  }
}

export interface UnicastReceiver {
  host: string;
  port: number;
}

export class FeedLines implements PacketSink {
  readonly lineA: FeedLineAddress;
  readonly lineB: FeedLineAddress;
  readonly interfaceAddress: string;
  readonly ttl: number;
  readonly maxPacketsPerSec: number;
  /** The unicast receivers (host names resolved to IPv4 addresses by open()). */
  readonly unicast: readonly UnicastReceiver[];
  /** The seed the unicast shuffle used (printed so a run can be replayed). */
  readonly unicastSeed: number;
  /** Packets accepted while muted are counted and not sent (journal replay on restart). */
  muted = false;

  /** Packets sent (each to both lines, or to every unicast receiver). */
  packetsSent = 0;
  bytesSent = 0;
  /** Packets dropped because the lines were muted. */
  mutedPackets = 0;
  /**
   * Highest MoldUDP64 sequence number whose packet both lines have finished sending (the
   * send callbacks came back): the sent-watermark a restart re-sends after.
   */
  sentThrough = 0;
  /** Sends that failed (callback error or socket error event). */
  sendErrors = 0;
  lastSendError = '';
  /** Packets that had to wait in the pacing queue. */
  queuedPackets = 0;
  /** Most packets ever waiting in the queue at once. */
  maxQueueDepth = 0;
  /** Packets that found the preallocated pool empty (a buffer was allocated: the queue is deep). */
  poolExhausted = 0;
  /** Per unicast receiver, how many packets it was sent first. */
  readonly firstReceiverCounts: Float64Array;
  /** The socket send buffer the kernel granted, bytes (after open). */
  sendBufferBytes = 0;

  private readonly socketA: dgram.Socket;
  private readonly socketB: dgram.Socket | null;
  private readonly requestedSendBuffer: number;
  private readonly slotBytes: number;
  private readonly free: PacketSlot[] = [];
  private queue: Array<PacketSlot | null>;
  private queueHead = 0;
  private queueSize = 0;
  private inFlight = 0;
  private readonly order: Int32Array;
  private readonly random: Prng;
  private tokens = 0;
  private readonly bucketSize: number;
  private lastRefillMs = 0;
  private pumpTimer: NodeJS.Timeout | null = null;
  private opened = false;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(options: FeedLinesOptions) {
    this.lineA = { ...options.lineA };
    this.lineB = { ...options.lineB };
    this.interfaceAddress = options.interface ?? '127.0.0.1';
    this.ttl = options.ttl ?? 1;
    this.slotBytes = options.maxPayloadBytes ?? 1472;
    this.requestedSendBuffer = options.sendBufferBytes ?? 4 << 20;
    this.maxPacketsPerSec = options.maxPacketsPerSec ?? 0;
    if (!Number.isInteger(this.maxPacketsPerSec) || this.maxPacketsPerSec < 0) {
      throw new PublisherError('TW_ERR_PUB_BAD_CONFIG', `maxPacketsPerSec must be a whole number >= 0 (0: unpaced), got ${this.maxPacketsPerSec}; set publisher.maxPacketsPerSec`);
    }
    // A burst of up to 1 ms of the rate (at least one packet) leaves the bucket at once,
    // since Node timers cannot wake more often than every millisecond.
    this.bucketSize = Math.max(1, Math.ceil(this.maxPacketsPerSec / 1000));
    this.tokens = this.bucketSize;
    this.unicast = (options.unicastDestinations ?? []).map(parseDestination);
    const seed = options.unicastSeed ?? 0;
    this.unicastSeed = seed !== 0 ? seed >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0 || 1;
    this.random = new Prng(this.unicastSeed);
    this.order = new Int32Array(this.unicast.length);
    this.firstReceiverCounts = new Float64Array(this.unicast.length);

    const count = options.queuePackets ?? 4096;
    const arena = Buffer.alloc(count * this.slotBytes);
    for (let i = 0; i < count; i++) this.free.push(new PacketSlot(arena.subarray(i * this.slotBytes, (i + 1) * this.slotBytes), this));
    this.queue = new Array<PacketSlot | null>(count).fill(null);

    const onError = (err: Error): void => this.countError(err);
    this.socketA = dgram.createSocket({ type: 'udp4' });
    this.socketA.on('error', onError);
    // Unicast needs one socket (it sends to many addresses); multicast connects one socket per line.
    this.socketB = this.unicast.length === 0 ? dgram.createSocket({ type: 'udp4' }) : null;
    this.socketB?.on('error', onError);
  }

  /** True when packets go to unicast receivers instead of the multicast lines. */
  get isUnicast(): boolean {
    return this.unicast.length > 0;
  }

  /** Packets waiting for the pacer. */
  get queueDepth(): number {
    return this.queueSize;
  }

  /**
   * Binds the sockets, sets the multicast interface, TTL and send buffers, and connects
   * each line to its group (a connected socket sends without an address lookup). Rejects
   * with TW_ERR_PUB_LINE_SETUP saying which step failed.
   */
  async open(): Promise<void> {
    if (this.opened) return;
    // Resolve names once here, not per send (dgram would look each one up per packet).
    for (const r of this.unicast) {
      try {
        r.host = (await dns.promises.lookup(r.host, { family: 4 })).address;
      } catch (err) {
        throw new PublisherError('TW_ERR_PUB_LINE_SETUP', `unicast destination ${r.host}:${r.port}: ${err instanceof Error ? err.message : String(err)}; fix publisher.unicastDestinations`);
      }
    }
    await this.setUp(this.socketA, this.isUnicast ? null : this.lineA, 'line A');
    if (this.socketB !== null) await this.setUp(this.socketB, this.lineB, 'line B');
    this.opened = true;
  }

  private async setUp(socket: dgram.Socket, line: FeedLineAddress | null, name: string): Promise<void> {
    const what = line === null ? 'unicast socket' : `${name} ${line.group}:${line.port}`;
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      socket.setSendBufferSize(this.requestedSendBuffer);
      this.sendBufferBytes = socket.getSendBufferSize();
      if (line !== null) {
        socket.setMulticastInterface(this.interfaceAddress);
        socket.setMulticastTTL(this.ttl);
        socket.setMulticastLoopback(true);
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.connect(line.port, line.group, () => {
            socket.off('error', reject);
            resolve();
          });
        });
      }
    } catch (err) {
      throw new PublisherError(
        'TW_ERR_PUB_LINE_SETUP',
        `${what} (interface ${this.interfaceAddress}): ${err instanceof Error ? err.message : String(err)}; check that the interface exists and supports multicast (publisher.interface), or set publisher.unicastDestinations`,
      );
    }
  }

  /** PacketSink: copies the packet into a pooled buffer and sends it now, or queues it behind the pacer. */
  sendPacket(packet: Uint8Array, length: number): void {
    if (this.muted || this.closed) {
      this.mutedPackets++;
      return;
    }
    let slot = this.free.pop();
    if (slot === undefined) {
      // Every pooled buffer is queued or in flight: allocate rather than drop, and count it.
      this.poolExhausted++;
      slot = new PacketSlot(Buffer.allocUnsafe(this.slotBytes), this);
    }
    const n = Math.min(length, this.slotBytes);
    slot.buffer.set(packet.subarray(0, n), 0);
    slot.length = n;
    if (this.queueSize === 0 && this.takeToken()) this.transmit(slot);
    else this.enqueue(slot);
  }

  /** Called by a slot when one of its sends completes. */
  sendCompleted(slot: PacketSlot, err: Error | null): void {
    if (err !== null) this.countError(err);
    if (--slot.pending === 0) {
      this.inFlight--;
      this.advanceWatermark(slot.buffer, slot.length);
      // Buffers allocated when the pool ran dry join it: the pool grows to the deepest queue seen.
      this.free.push(slot);
      if (this.inFlight === 0 && this.queueSize === 0) this.wakeIdle();
    }
  }

  /** Resolves when nothing is queued or in flight (bounded by `timeoutMs`; false if it timed out). */
  whenIdle(timeoutMs = 5000): Promise<boolean> {
    if (this.inFlight === 0 && this.queueSize === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
    });
  }

  /** Sends what is queued (waiting up to `timeoutMs`), then closes the sockets. */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.closed) return;
    await this.whenIdle(timeoutMs);
    this.closed = true;
    if (this.pumpTimer !== null) clearTimeout(this.pumpTimer);
    this.pumpTimer = null;
    await Promise.all([closeSocket(this.socketA), this.socketB === null ? Promise.resolve() : closeSocket(this.socketB)]);
  }

  /** Data packets (FEED.md: count 1..0xFFFE) move the watermark to their last message. */
  private advanceWatermark(buf: Buffer, length: number): void {
    if (length < 20) return;
    const count = buf.readUInt16BE(18);
    if (count === 0 || count === 0xffff) return;
    const last = buf.readUInt32BE(10) * 4294967296 + buf.readUInt32BE(14) + count - 1;
    if (last > this.sentThrough) this.sentThrough = last;
  }

  private transmit(slot: PacketSlot): void {
    const buf = slot.buffer;
    const len = slot.length;
    this.inFlight++;
    this.packetsSent++;
    this.bytesSent += len;
    const receivers = this.unicast;
    try {
      if (receivers.length === 0) {
        slot.pending = 2;
        this.socketA.send(buf, 0, len, slot.onSent);
        (this.socketB as dgram.Socket).send(buf, 0, len, slot.onSent);
      } else {
        // Fisher-Yates on the preallocated index array: a fresh order for every packet.
        const order = this.order;
        const n = order.length;
        for (let i = 0; i < n; i++) order[i] = i;
        for (let i = n - 1; i > 0; i--) {
          const j = this.random.nextInt(i + 1);
          const t = order[i];
          order[i] = order[j];
          order[j] = t;
        }
        this.firstReceiverCounts[order[0]]++;
        slot.pending = n;
        for (let i = 0; i < n; i++) {
          const r = receivers[order[i]];
          this.socketA.send(buf, 0, len, r.port, r.host, slot.onSent);
        }
      }
    } catch (err) {
      // A synchronous throw (socket closed underneath us): count it and release the slot.
      this.countError(err instanceof Error ? err : new Error(String(err)));
      slot.pending = 1;
      this.sendCompleted(slot, null);
    }
  }

  private takeToken(): boolean {
    if (this.maxPacketsPerSec === 0) return true;
    if (this.tokens < 1) {
      const now = performance.now();
      this.tokens = Math.min(this.bucketSize, this.tokens + ((now - this.lastRefillMs) * this.maxPacketsPerSec) / 1000);
      this.lastRefillMs = now;
      if (this.tokens < 1) return false;
    }
    this.tokens--;
    return true;
  }

  private enqueue(slot: PacketSlot): void {
    if (this.queueSize === this.queue.length) {
      // Unroll the ring into a larger one (rare: only when deeper than the pool).
      const grown = new Array<PacketSlot | null>(this.queue.length * 2).fill(null);
      for (let i = 0; i < this.queueSize; i++) grown[i] = this.queue[(this.queueHead + i) % this.queue.length];
      this.queue = grown;
      this.queueHead = 0;
    }
    this.queue[(this.queueHead + this.queueSize) % this.queue.length] = slot;
    this.queueSize++;
    this.queuedPackets++;
    if (this.queueSize > this.maxQueueDepth) this.maxQueueDepth = this.queueSize;
    this.schedulePump();
  }

  private schedulePump(): void {
    if (this.pumpTimer !== null || this.closed) return;
    this.pumpTimer = setTimeout(() => this.pump(), 1);
  }

  private pump(): void {
    this.pumpTimer = null;
    while (this.queueSize > 0 && this.takeToken()) {
      const slot = this.queue[this.queueHead] as PacketSlot;
      this.queue[this.queueHead] = null;
      this.queueHead = (this.queueHead + 1) % this.queue.length;
      this.queueSize--;
      this.transmit(slot);
    }
    if (this.queueSize > 0) this.schedulePump();
    else if (this.inFlight === 0) this.wakeIdle();
  }

  private countError(err: Error): void {
    this.sendErrors++;
    const code = (err as NodeJS.ErrnoException).code;
    this.lastSendError = code !== undefined ? `${code}: ${err.message}` : err.message;
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    if (waiters.length === 0) return;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

function parseDestination(text: string): UnicastReceiver {
  const colon = text.lastIndexOf(':');
  const port = Number(text.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new PublisherError('TW_ERR_PUB_BAD_CONFIG', `unicast destination "${text}" is not host:port with a port in 1..65535; fix publisher.unicastDestinations`);
  }
  return { host: text.slice(0, colon), port };
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed or never bound
    }
  });
}
