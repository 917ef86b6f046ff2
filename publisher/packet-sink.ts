// Where finished MoldUDP64 packets go. The feed lines (UDP sockets, lines A and B) will
// implement PacketSink; tests and in-process tools use MemoryPacketSink. The packet buffer
// is reused for the next packet, so a sink copies it or sends it before returning.

import type { MoldPacketSink } from '../protocol';

/** One finished packet in `packet[0, length)`; copy or send it before returning. */
export type PacketSink = MoldPacketSink;

/**
 * Keeps copies of every packet in one growing byte arena (no object per packet), for
 * tests and in-process receivers. `packet(i)` gives a view of the i-th packet.
 */
export class MemoryPacketSink implements PacketSink {
  private arena: Uint8Array;
  private starts: Float64Array;
  private used = 0;
  /** Packets received. */
  count = 0;
  /** Payload bytes received. */
  bytes = 0;

  constructor(initialBytes = 1 << 20) {
    this.arena = new Uint8Array(initialBytes);
    this.starts = new Float64Array(1024);
  }

  sendPacket(packet: Uint8Array, length: number): void {
    if (this.used + length > this.arena.length) {
      let size = this.arena.length * 2;
      while (size < this.used + length) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.arena.subarray(0, this.used));
      this.arena = grown;
    }
    if (this.count + 1 >= this.starts.length) {
      const grown = new Float64Array(this.starts.length * 2);
      grown.set(this.starts);
      this.starts = grown;
    }
    this.arena.set(packet.subarray(0, length), this.used);
    this.starts[this.count] = this.used;
    this.used += length;
    this.count++;
    this.starts[this.count] = this.used;
    this.bytes += length;
  }

  /** A view of the i-th packet (valid until the next sendPacket, which may move the arena). */
  packet(i: number): Uint8Array {
    if (i < 0 || i >= this.count) throw new RangeError(`no packet ${i}: ${this.count} received`);
    return this.arena.subarray(this.starts[i], this.starts[i + 1]);
  }

  /** Forgets every packet (keeps the memory). */
  clear(): void {
    this.used = 0;
    this.count = 0;
    this.bytes = 0;
    this.starts[0] = 0;
  }
}
