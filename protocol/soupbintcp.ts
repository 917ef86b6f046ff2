// SoupBinTCP 4.0 framing (FEED.md, "Snapshot"): each frame is a u16 length (of what
// follows), a type byte and a payload. Encoders write a frame into the caller's buffer
// and return the offset after it; the stream decoder copes with frames split or merged
// across TCP reads and reports bad frames with their stream offset instead of throwing.
// Alpha fields (username, password, session) are left-justified and space-padded;
// numeric fields (sequence numbers) are right-justified and left-padded with spaces, as
// SoupBinTCP 4.0 writes them. The decoder accepts padding on either side. SoupBinTCP 3.0
// (which OUCH 4.2 sessions use) has the same frames, fields and widths.

import { readAlpha, readNumeric, readU16, writeAlpha, writeNumeric, writeU16 } from './bytes';
import { Fault } from './errors';

export const SoupType = {
  Debug: 0x2b, // '+' either direction
  LoginAccepted: 0x41, // 'A'
  LoginRejected: 0x4a, // 'J'
  SequencedData: 0x53, // 'S'
  ServerHeartbeat: 0x48, // 'H'
  EndOfSession: 0x5a, // 'Z'
  LoginRequest: 0x4c, // 'L'
  UnsequencedData: 0x55, // 'U'
  ClientHeartbeat: 0x52, // 'R'
  LogoutRequest: 0x4f, // 'O'
} as const;

/** Login Rejected reason codes. */
export const SoupRejectReason = {
  NotAuthorized: 0x41, // 'A'
  SessionUnavailable: 0x53, // 'S'
} as const;

/** Frame sizes including the 2-byte length (FEED.md field widths). */
export const SoupFrameSize = {
  LoginRequest: 2 + 1 + 6 + 10 + 10 + 20,
  LoginAccepted: 2 + 1 + 10 + 20,
  LoginRejected: 2 + 1 + 1,
  Empty: 2 + 1,
} as const;

/** Largest frame: a u16 length plus what it counts. */
export const SOUP_MAX_FRAME = 2 + 0xffff;

export function encodeSoupLoginRequest(
  b: Uint8Array,
  o: number,
  username: string,
  password: string,
  session: string,
  sequence: number,
): number {
  writeU16(b, o, SoupFrameSize.LoginRequest - 2);
  b[o + 2] = SoupType.LoginRequest;
  writeAlpha(b, o + 3, username, 6);
  writeAlpha(b, o + 9, password, 10);
  writeAlpha(b, o + 19, session, 10);
  writeNumeric(b, o + 29, sequence, 20);
  return o + SoupFrameSize.LoginRequest;
}

export function encodeSoupLoginAccepted(b: Uint8Array, o: number, session: string, sequence: number): number {
  writeU16(b, o, SoupFrameSize.LoginAccepted - 2);
  b[o + 2] = SoupType.LoginAccepted;
  writeAlpha(b, o + 3, session, 10);
  writeNumeric(b, o + 13, sequence, 20);
  return o + SoupFrameSize.LoginAccepted;
}

export function encodeSoupLoginRejected(b: Uint8Array, o: number, reason: number): number {
  writeU16(b, o, 2);
  b[o + 2] = SoupType.LoginRejected;
  b[o + 3] = reason;
  return o + SoupFrameSize.LoginRejected;
}

/**
 * Writes the header of a Sequenced Data frame whose payload is `payloadLength` bytes and
 * returns the payload's offset, so the ITCH encoder can write the message in place.
 */
export function encodeSoupSequencedHeader(b: Uint8Array, o: number, payloadLength: number): number {
  writeU16(b, o, payloadLength + 1);
  b[o + 2] = SoupType.SequencedData;
  return o + 3;
}

/** A Sequenced Data frame carrying `src[start, start + length)`. */
export function encodeSoupSequencedData(b: Uint8Array, o: number, src: Uint8Array, start: number, length: number): number {
  const at = encodeSoupSequencedHeader(b, o, length);
  b.set(src.subarray(start, start + length), at);
  return at + length;
}

/** An Unsequenced Data frame (client to server) carrying `src[start, start + length)`. */
export function encodeSoupUnsequencedData(b: Uint8Array, o: number, src: Uint8Array, start: number, length: number): number {
  writeU16(b, o, length + 1);
  b[o + 2] = SoupType.UnsequencedData;
  b.set(src.subarray(start, start + length), o + 3);
  return o + 3 + length;
}

/** A frame with no payload: ServerHeartbeat, ClientHeartbeat, EndOfSession or LogoutRequest. */
export function encodeSoupEmpty(b: Uint8Array, o: number, type: number): number {
  writeU16(b, o, 1);
  b[o + 2] = type;
  return o + SoupFrameSize.Empty;
}

export function encodeSoupDebug(b: Uint8Array, o: number, text: string): number {
  writeU16(b, o, text.length + 1);
  b[o + 2] = SoupType.Debug;
  for (let i = 0; i < text.length; i++) b[o + 3 + i] = text.charCodeAt(i) & 0x7f;
  return o + 3 + text.length;
}

/** What the stream decoder calls; extend SoupBinHandlerBase to implement only some. */
export interface SoupBinHandler {
  onLoginRequest(username: string, password: string, session: string, sequence: number): void;
  onLoginAccepted(session: string, sequence: number): void;
  onLoginRejected(reason: number): void;
  /** Payload at `bytes[offset, offset + length)`, valid only during the call. */
  onSequencedData(bytes: Uint8Array, offset: number, length: number): void;
  onUnsequencedData(bytes: Uint8Array, offset: number, length: number): void;
  onServerHeartbeat(): void;
  onClientHeartbeat(): void;
  onEndOfSession(): void;
  onLogout(): void;
  onDebug(text: string): void;
  /** A bad frame (skipped) at `streamOffset`, the offset of its length field in the stream. */
  onFault(fault: number, streamOffset: number): void;
}

/** A handler that ignores everything: extend it and override what you need. */
export class SoupBinHandlerBase implements SoupBinHandler {
  onLoginRequest(_username: string, _password: string, _session: string, _sequence: number): void {}
  onLoginAccepted(_session: string, _sequence: number): void {}
  onLoginRejected(_reason: number): void {}
  onSequencedData(_bytes: Uint8Array, _offset: number, _length: number): void {}
  onUnsequencedData(_bytes: Uint8Array, _offset: number, _length: number): void {}
  onServerHeartbeat(): void {}
  onClientHeartbeat(): void {}
  onEndOfSession(): void {}
  onLogout(): void {}
  onDebug(_text: string): void {}
  onFault(_fault: number, _streamOffset: number): void {}
}

/**
 * Turns TCP reads into SoupBinTCP frames. A frame split across reads is assembled in a
 * preallocated carry buffer (at most one frame, 65,537 bytes); whole frames are handled
 * in place in the read buffer.
 */
export class SoupBinStreamDecoder {
  private readonly handler: SoupBinHandler;
  private readonly carry = new Uint8Array(SOUP_MAX_FRAME);
  private carryLength = 0;
  /** Stream offset of the next byte to be framed. */
  private streamOffset = 0;
  /** Longest frame accepted, counting its length field; a longer one halts the decoder. */
  private readonly maxFrame: number;
  private stopped = false;
  frames = 0;
  faults = 0;

  /**
   * `maxFrameLength`: the largest length field a peer may send (default 65,535). A server
   * whose clients send only small frames sets it low: a frame over it is a fault (the
   * framing cannot be trusted after it), reported once, and the decoder halts.
   */
  constructor(handler: SoupBinHandler, maxFrameLength = 0xffff) {
    this.handler = handler;
    this.maxFrame = 2 + Math.max(1, Math.min(0xffff, maxFrameLength));
  }

  /** True once halted (by `halt()` or an oversized frame): further bytes are ignored. */
  get halted(): boolean {
    return this.stopped;
  }

  /** Stops framing: the rest of the chunk being pushed and every later one are ignored (after a logout or a disconnect). */
  halt(): void {
    this.stopped = true;
    this.carryLength = 0;
  }

  /** Bytes held back waiting for the rest of a frame. */
  get pendingBytes(): number {
    return this.carryLength;
  }

  push(chunk: Uint8Array): void {
    if (this.stopped) return;
    const n = chunk.length;
    let p = 0;
    if (this.carryLength > 0) {
      const c = this.carry;
      while (this.carryLength < 2 && p < n) c[this.carryLength++] = chunk[p++];
      if (this.carryLength < 2) return;
      const total = 2 + readU16(c, 0);
      if (total > this.maxFrame) return this.oversized();
      const take = Math.min(total - this.carryLength, n - p);
      c.set(chunk.subarray(p, p + take), this.carryLength);
      this.carryLength += take;
      p += take;
      if (this.carryLength < total) return;
      this.carryLength = 0;
      this.dispatch(c, 0, total);
    }
    while (n - p >= 2 && !this.stopped) {
      const total = 2 + readU16(chunk, p);
      if (total > this.maxFrame) return this.oversized();
      if (n - p < total) break;
      this.dispatch(chunk, p, total);
      p += total;
    }
    if (p < n && !this.stopped) {
      this.carry.set(chunk.subarray(p, n), 0);
      this.carryLength = n - p;
    }
  }

  private dispatch(b: Uint8Array, o: number, total: number): void {
    const at = this.streamOffset;
    this.streamOffset += total;
    this.frames++;
    const h = this.handler;
    if (total < 3) return this.fault(Fault.SoupBadLength, at);
    const type = b[o + 2];
    const payload = o + 3;
    const length = total - 3;
    switch (type) {
      case SoupType.SequencedData:
        return h.onSequencedData(b, payload, length);
      case SoupType.UnsequencedData:
        return h.onUnsequencedData(b, payload, length);
      case SoupType.ServerHeartbeat:
      case SoupType.ClientHeartbeat:
      case SoupType.EndOfSession:
      case SoupType.LogoutRequest:
        if (length !== 0) return this.fault(Fault.SoupBadLength, at);
        if (type === SoupType.ServerHeartbeat) return h.onServerHeartbeat();
        if (type === SoupType.ClientHeartbeat) return h.onClientHeartbeat();
        if (type === SoupType.EndOfSession) return h.onEndOfSession();
        return h.onLogout();
      case SoupType.LoginRequest: {
        if (total !== SoupFrameSize.LoginRequest) return this.fault(Fault.SoupBadLength, at);
        const blank = isBlank(b, payload + 26, 20);
        const sequence = blank ? 0 : readNumeric(b, payload + 26, 20);
        if (sequence < 0) return this.fault(Fault.SoupBadField, at + 3 + 26);
        return h.onLoginRequest(readAlpha(b, payload, 6), readAlpha(b, payload + 6, 10), readAlpha(b, payload + 16, 10), sequence);
      }
      case SoupType.LoginAccepted: {
        if (total !== SoupFrameSize.LoginAccepted) return this.fault(Fault.SoupBadLength, at);
        const sequence = readNumeric(b, payload + 10, 20);
        if (sequence < 0) return this.fault(Fault.SoupBadField, at + 3 + 10);
        return h.onLoginAccepted(readAlpha(b, payload, 10), sequence);
      }
      case SoupType.LoginRejected:
        if (total !== SoupFrameSize.LoginRejected) return this.fault(Fault.SoupBadLength, at);
        return h.onLoginRejected(b[payload]);
      case SoupType.Debug:
        return h.onDebug(readAlpha(b, payload, length));
      default:
        return this.fault(Fault.SoupUnknownType, at + 2);
    }
  }

  private oversized(): void {
    const at = this.streamOffset;
    this.halt();
    this.fault(Fault.SoupBadLength, at);
  }

  private fault(code: number, at: number): void {
    this.faults++;
    this.handler.onFault(code, at);
  }
}

function isBlank(b: Uint8Array, o: number, width: number): boolean {
  for (let i = 0; i < width; i++) if (b[o + i] !== 0x20) return false;
  return true;
}
