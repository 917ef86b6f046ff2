// MoldUDP64 downstream packet parser (FEED.md, "MoldUDP64 downstream packet"). `parse`
// checks the whole packet's framing first, so a malformed packet is dropped whole with
// the offset of its first bad byte (its range is then recovered like a gap) instead of
// being half applied; `nextMessage` then walks the message blocks in place.

import { readU16, readU64 } from './bytes';
import { Fault } from './errors';
import { MOLD_END_OF_SESSION_COUNT, MOLD_HEADER_SIZE, sessionMatches } from './moldudp64';

export const MoldPacketKind = { Data: 0, Heartbeat: 1, EndOfSession: 2 } as const;
export type MoldPacketKind = (typeof MoldPacketKind)[keyof typeof MoldPacketKind];

/** One parsed packet, reused for every packet. */
export class MoldUdp64Packet {
  bytes: Uint8Array = new Uint8Array(0);
  /** Offset of the packet's first byte in `bytes` (its session field). */
  start = 0;
  length = 0;
  kind: MoldPacketKind = MoldPacketKind.Data;
  /** Sequence number of the first message (heartbeat and end of session: the next expected). */
  sequence = 0;
  /** Messages in the packet (0 for heartbeat and end of session). */
  count = 0;
  /** After a failed parse: offset in `bytes` of the first byte at fault. */
  faultOffset = 0;
  /** After nextMessage: the message's length. */
  messageLength = 0;
  private cursor = 0;
  private remaining = 0;

  /**
   * Parses the packet at `b[o, o + length)`. With `session` given, a packet of another
   * session is a fault. Returns 0 or a Fault code (errors.ts), with faultOffset set.
   */
  parse(b: Uint8Array, o: number, length: number, session: Uint8Array | null = null): number {
    this.bytes = b;
    this.start = o;
    this.length = length;
    this.remaining = 0;
    const end = o + length;
    if (length < MOLD_HEADER_SIZE || end > b.length) return this.fail(Math.min(end, b.length), Fault.Truncated);
    if (session !== null && !sessionMatches(b, o, session)) return this.fail(o, Fault.MoldWrongSession);
    if (b[o + 10] > 0 || b[o + 11] > 0x1f) return this.fail(o + 10, Fault.U64OverSafe);
    this.sequence = readU64(b, o + 10);
    const count = readU16(b, o + 18);
    let p = o + MOLD_HEADER_SIZE;
    if (count === 0 || count === MOLD_END_OF_SESSION_COUNT) {
      if (p !== end) return this.fail(p, Fault.MoldTrailingBytes);
      this.kind = count === 0 ? MoldPacketKind.Heartbeat : MoldPacketKind.EndOfSession;
      this.count = 0;
      return 0;
    }
    for (let i = 0; i < count; i++) {
      // A block's u16 length does not count itself (FEED.md).
      if (p + 2 > end) return this.fail(p, Fault.MoldBadBlocks);
      const n = readU16(b, p);
      if (p + 2 + n > end) return this.fail(p, Fault.MoldBadBlocks);
      p += 2 + n;
    }
    if (p !== end) return this.fail(p, Fault.MoldTrailingBytes);
    this.kind = MoldPacketKind.Data;
    this.count = count;
    this.cursor = o + MOLD_HEADER_SIZE;
    this.remaining = count;
    return 0;
  }

  /** Offset of the next message in `bytes` (its length in messageLength), or -1 after the last. */
  nextMessage(): number {
    if (this.remaining === 0) return -1;
    this.remaining--;
    const n = readU16(this.bytes, this.cursor);
    const at = this.cursor + 2;
    this.messageLength = n;
    this.cursor = at + n;
    return at;
  }

  /** The sequence number after this packet's messages (what the feed handler expects next). */
  get nextSequence(): number {
    return this.sequence + this.count;
  }

  private fail(at: number, fault: number): number {
    this.faultOffset = at;
    this.count = 0;
    return fault;
  }
}
