// MoldUDP64 constants and the retransmission request (FEED.md, "MoldUDP64 downstream
// packet" and "Retransmission request"), shared by the packetizer and the parser.

import { readU16, readU64, writeU16, writeU64 } from './bytes';
import { Fault } from './errors';

export const MOLD_HEADER_SIZE = 20;
export const MOLD_SESSION_SIZE = 10;
/** Default UDP payload limit: an Ethernet MTU minus IP and UDP headers (FEED.md). */
export const MOLD_DEFAULT_MAX_PAYLOAD = 1472;
/** Message count of a heartbeat packet. */
export const MOLD_HEARTBEAT_COUNT = 0;
/** Message count of an end-of-session packet. */
export const MOLD_END_OF_SESSION_COUNT = 0xffff;
/** A retransmission request: session (10), first sequence (8), count (2). */
export const MOLD_REQUEST_SIZE = 20;

/** A session name as its 10 wire bytes (ASCII, left-justified, space-padded). */
export function moldSessionBytes(session: string): Uint8Array {
  if (session.length > MOLD_SESSION_SIZE) throw new RangeError(`MoldUDP64 session "${session}" is longer than 10 characters`);
  const b = new Uint8Array(MOLD_SESSION_SIZE).fill(0x20);
  for (let i = 0; i < session.length; i++) b[i] = session.charCodeAt(i) & 0x7f;
  return b;
}

/** Writes a downstream header at `o`: session, sequence of the first message, message count. */
export function writeMoldHeader(b: Uint8Array, o: number, session: Uint8Array, sequence: number, count: number): void {
  b.set(session, o);
  writeU64(b, o + 10, sequence);
  writeU16(b, o + 18, count);
}

/** Encodes a retransmission request at `o`; returns the offset after it. */
export function encodeRetransmissionRequest(b: Uint8Array, o: number, session: Uint8Array, sequence: number, count: number): number {
  writeMoldHeader(b, o, session, sequence, count);
  return o + MOLD_REQUEST_SIZE;
}

/** A decoded retransmission request (reused by the rewinder). */
export class RetransmissionRequest {
  /** The session's 10 bytes, as a view into the decoded packet (valid while it is). */
  sessionOffset = 0;
  sequence = 0;
  count = 0;
}

/**
 * Decodes a retransmission request from `b[o, o + length)`. Returns 0 or a Fault code
 * (errors.ts): MoldBadRequest for a wrong size, U64OverSafe for an absurd sequence.
 */
export function decodeRetransmissionRequest(b: Uint8Array, o: number, length: number, out: RetransmissionRequest): number {
  if (length !== MOLD_REQUEST_SIZE || o + length > b.length) return Fault.MoldBadRequest;
  if (b[o + 10] > 0 || b[o + 11] > 0x1f) return Fault.U64OverSafe;
  out.sessionOffset = o;
  out.sequence = readU64(b, o + 10);
  out.count = readU16(b, o + 18);
  return 0;
}

/** True if `b[o, o + 10)` is the given session's bytes. */
export function sessionMatches(b: Uint8Array, o: number, session: Uint8Array): boolean {
  for (let i = 0; i < MOLD_SESSION_SIZE; i++) if (b[o + i] !== session[i]) return false;
  return true;
}
