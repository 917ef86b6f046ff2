// MoldUDP64 packetizer (FEED.md, "MoldUDP64 downstream packet"): packs sequenced ITCH
// messages into packets no larger than the payload limit, and makes heartbeats and
// end-of-session packets. The packet is built in one reused buffer: callers write each
// message straight into it (no copy), and the sink gets the finished bytes.

import { writeU16 } from './bytes';
import {
  MOLD_DEFAULT_MAX_PAYLOAD,
  MOLD_END_OF_SESSION_COUNT,
  MOLD_HEADER_SIZE,
  MOLD_HEARTBEAT_COUNT,
  moldSessionBytes,
  writeMoldHeader,
} from './moldudp64';

export interface MoldPacketSink {
  /**
   * One finished packet in `packet[0, length)`. The buffer is reused for the next packet:
   * copy it, or finish with it (a synchronous send), before returning.
   */
  sendPacket(packet: Uint8Array, length: number, firstSequence: number, count: number): void;
}

export interface MoldPacketizerOptions {
  /** Session name, up to 10 ASCII characters. */
  session: string;
  /** Sequence number of the first message to send (1 at the start of a session; resumes after a restart). */
  nextSequence?: number;
  /** Largest UDP payload in bytes; default 1,472. */
  maxPayloadBytes?: number;
}

export class MoldUdp64Packetizer {
  /** The packet being built; `reserve` says where the next message goes. */
  readonly buffer: Uint8Array;
  readonly maxPayloadBytes: number;
  private readonly sink: MoldPacketSink;
  private readonly session: Uint8Array;
  private used = MOLD_HEADER_SIZE;
  private count = 0;
  private firstSequence: number;
  packetsSent = 0;

  constructor(sink: MoldPacketSink, options: MoldPacketizerOptions) {
    const max = options.maxPayloadBytes ?? MOLD_DEFAULT_MAX_PAYLOAD;
    if (!Number.isInteger(max) || max < MOLD_HEADER_SIZE + 2 + 1 || max > 65507) {
      throw new RangeError(`maxPayloadBytes must be an integer from 23 to 65507 (a UDP payload), got ${max}`);
    }
    this.sink = sink;
    this.session = moldSessionBytes(options.session);
    this.maxPayloadBytes = max;
    this.buffer = new Uint8Array(max);
    this.firstSequence = options.nextSequence ?? 1;
  }

  /** Sequence number the next message will get. */
  get nextSequence(): number {
    return this.firstSequence + this.count;
  }

  /** Messages waiting in the current packet. */
  get pendingCount(): number {
    return this.count;
  }

  /**
   * Makes room for a message of `length` bytes and gives it the next sequence number.
   * Returns the offset in `buffer` where the caller writes it (before any other call).
   * Sends the current packet first if the message would not fit.
   */
  reserve(length: number): number {
    const need = 2 + length;
    if (this.used + need > this.maxPayloadBytes) {
      if (MOLD_HEADER_SIZE + need > this.maxPayloadBytes) {
        throw new RangeError(`a ${length}-byte message cannot fit a ${this.maxPayloadBytes}-byte MoldUDP64 packet`);
      }
      this.flush();
    }
    writeU16(this.buffer, this.used, length);
    const at = this.used + 2;
    this.used += need;
    this.count++;
    return at;
  }

  /** Copies a message in (for messages already encoded elsewhere). */
  append(src: Uint8Array, start: number, length: number): void {
    const at = this.reserve(length);
    this.buffer.set(src.subarray(start, start + length), at);
  }

  /** Sends the current packet if it holds any message. */
  flush(): void {
    if (this.count === 0) return;
    writeMoldHeader(this.buffer, 0, this.session, this.firstSequence, this.count);
    const first = this.firstSequence;
    const count = this.count;
    this.firstSequence += count;
    this.count = 0;
    const length = this.used;
    this.used = MOLD_HEADER_SIZE;
    this.packetsSent++;
    this.sink.sendPacket(this.buffer, length, first, count);
  }

  /** Sends pending messages, then a heartbeat: count 0, sequence = next expected. */
  heartbeat(): void {
    this.flush();
    this.sendEmpty(MOLD_HEARTBEAT_COUNT);
  }

  /** Sends pending messages, then an end-of-session packet: count 0xFFFF, sequence = next expected. */
  endOfSession(): void {
    this.flush();
    this.sendEmpty(MOLD_END_OF_SESSION_COUNT);
  }

  private sendEmpty(count: number): void {
    writeMoldHeader(this.buffer, 0, this.session, this.firstSequence, count);
    this.packetsSent++;
    this.sink.sendPacket(this.buffer, MOLD_HEADER_SIZE, this.firstSequence, count);
  }
}
