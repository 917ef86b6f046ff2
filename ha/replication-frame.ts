// The replication wire format, primary <-> standby over TCP. Little-endian, like the journal.
//
//   u32 body length | u32 CRC-32 of the body | body
//   body: u8 kind | 3 zero bytes | u32 count | f64 epoch | f64 seq | payload
//
//   'B' batch   primary -> standby: epoch = the leader's, seq = the first record's inbound
//               sequence, count records of 56 bytes exactly as in the journal file
//               (u32 length 48 | u32 CRC-32 | 48-byte command).
//   'H' hello   standby -> primary: epoch = the highest the standby has seen, seq = the last
//               sequence number it holds (it asks for seq + 1 on), count = the CRC-32 of
//               that record (0 if none; the primary refuses a standby whose record differs),
//               payload = its node name.
//   'L' level   primary -> standby: the catch-up is done; seq = the primary's last record.
//   'K' ack     standby -> primary: seq = the last sequence number durable on the standby.
//   'X' refuse  either way: seq = the refuser's last sequence, count = the TW_ERR_HA_ code,
//               payload = the message (UTF-8); the connection closes after it.
import { crc32 } from '../protocol';
import { HaError } from './errors';

export const FRAME_HEADER_SIZE = 8;
export const BODY_HEADER_SIZE = 24;
/** A frame's body may not exceed this (about 149,000 records). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;
export const RECORD_SIZE = 56;
/** Records per batch frame a primary sends at most (catch-up reads this many at a time). */
export const MAX_BATCH_RECORDS = 65536;

export const FrameKind = { Batch: 0x42, Hello: 0x48, Ack: 0x4b, Level: 0x4c, Refuse: 0x58 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** One frame: `payload` is a view into the decoder's buffer, valid only during the callback. */
export interface Frame {
  kind: number;
  count: number;
  epoch: number;
  seq: number;
  payload: Uint8Array;
}

/** Encodes one frame; `payload` bytes (optional) are copied after the body header. */
export function encodeFrame(kind: FrameKind, count: number, epoch: number, seq: number, payload?: Uint8Array, payloadBytes = payload?.length ?? 0): Buffer {
  const bodyBytes = BODY_HEADER_SIZE + payloadBytes;
  const out = Buffer.allocUnsafe(FRAME_HEADER_SIZE + bodyBytes);
  const v = new DataView(out.buffer, out.byteOffset, out.length);
  v.setUint32(0, bodyBytes, true);
  v.setUint32(8, kind, true); // kind in the low byte, then 3 zero bytes
  v.setUint32(12, count >>> 0, true);
  v.setFloat64(16, epoch, true);
  v.setFloat64(24, seq, true);
  if (payload !== undefined && payloadBytes > 0) out.set(payload.subarray(0, payloadBytes), FRAME_HEADER_SIZE + BODY_HEADER_SIZE);
  v.setUint32(4, crc32(out, FRAME_HEADER_SIZE, out.length), true);
  return out;
}

export function encodeText(kind: FrameKind, code: number, epoch: number, seq: number, text: string): Buffer {
  return encodeFrame(kind, code, epoch, seq, Buffer.from(text.slice(0, 1024), 'utf8'));
}

/**
 * Splits a TCP byte stream into frames, checking length, CRC and layout. A bad frame calls
 * `onError` once with its TW_ERR_HA_ code and stops the decoder (the caller closes the
 * connection: after a bad length nothing later can be trusted).
 */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(64 * 1024);
  private start = 0;
  private end = 0;
  private readonly frame: Frame = { kind: 0, count: 0, epoch: 0, seq: 0, payload: new Uint8Array(0) };
  failed = false;
  frames = 0;

  constructor(
    private readonly onFrame: (frame: Frame) => void,
    private readonly onError: (code: HaError, detail: string) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.failed) return;
    this.ensure(chunk.length);
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
    while (!this.failed && this.end - this.start >= FRAME_HEADER_SIZE) {
      const b = this.buf;
      const at = this.start;
      const bodyBytes = b.readUInt32LE(at);
      if (bodyBytes > MAX_BODY_BYTES) return this.fail(HaError.FrameTooLarge, `body length ${bodyBytes} bytes, the limit is ${MAX_BODY_BYTES}`);
      if (bodyBytes < BODY_HEADER_SIZE) return this.fail(HaError.BadFrame, `body length ${bodyBytes} bytes, at least ${BODY_HEADER_SIZE}`);
      if (this.end - at < FRAME_HEADER_SIZE + bodyBytes) {
        this.ensure(FRAME_HEADER_SIZE + bodyBytes - (this.end - at));
        return;
      }
      const bodyAt = at + FRAME_HEADER_SIZE;
      const stored = b.readUInt32LE(at + 4);
      const computed = crc32(b, bodyAt, bodyAt + bodyBytes);
      if (stored !== computed) return this.fail(HaError.BadCrc, `stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)}, frame ${this.frames + 1}`);
      const f = this.frame;
      f.kind = b[bodyAt];
      if (b[bodyAt + 1] !== 0 || b[bodyAt + 2] !== 0 || b[bodyAt + 3] !== 0) return this.fail(HaError.BadFrame, 'reserved bytes 1-3 of the body are not zero');
      f.count = b.readUInt32LE(bodyAt + 4);
      f.epoch = b.readDoubleLE(bodyAt + 8);
      f.seq = b.readDoubleLE(bodyAt + 16);
      f.payload = b.subarray(bodyAt + BODY_HEADER_SIZE, bodyAt + bodyBytes);
      const problem = checkLayout(f);
      if (problem !== '') return this.fail(HaError.BadFrame, problem);
      this.start = bodyAt + bodyBytes;
      this.frames++;
      this.onFrame(f);
    }
    if (this.start === this.end) this.start = this.end = 0;
  }

  private fail(code: HaError, detail: string): void {
    this.failed = true;
    this.onError(code, detail);
  }

  /** Room for `more` bytes after `end`, compacting or growing the buffer. */
  private ensure(more: number): void {
    if (this.end + more <= this.buf.length) return;
    const live = this.end - this.start;
    if (live + more <= this.buf.length) {
      this.buf.copy(this.buf, 0, this.start, this.end);
    } else {
      const bigger = Buffer.alloc(Math.max(this.buf.length * 2, live + more));
      this.buf.copy(bigger, 0, this.start, this.end);
      this.buf = bigger;
    }
    this.start = 0;
    this.end = live;
  }
}

function checkLayout(f: Frame): string {
  if (!(Number.isSafeInteger(f.epoch) && f.epoch >= 0)) return `epoch ${f.epoch} is not a whole number`;
  if (!(Number.isSafeInteger(f.seq) && f.seq >= 0)) return `sequence ${f.seq} is not a whole number`;
  switch (f.kind) {
    case FrameKind.Batch:
      if (f.count === 0 || f.count > MAX_BATCH_RECORDS * 2) return `batch of ${f.count} records`;
      if (f.payload.length !== f.count * RECORD_SIZE) return `batch of ${f.count} records carries ${f.payload.length} bytes, expected ${f.count * RECORD_SIZE}`;
      if (f.seq < 1) return 'batch starting at sequence 0';
      return '';
    case FrameKind.Hello:
      return f.payload.length > 256 ? 'hello with a node name over 256 bytes' : '';
    case FrameKind.Ack:
    case FrameKind.Level:
      return f.payload.length !== 0 ? 'ack or level with a payload' : '';
    case FrameKind.Refuse:
      return '';
    default:
      return `unknown kind 0x${f.kind.toString(16)}`;
  }
}

/**
 * Checks a batch's records: each length 48, each CRC-32 intact, sequence numbers
 * `firstSeq`, `firstSeq` + 1, ... in order. Returns '' or what is wrong and where.
 */
export function checkRecords(records: Uint8Array, count: number, firstSeq: number): string {
  const v = new DataView(records.buffer, records.byteOffset, records.byteLength);
  for (let i = 0; i < count; i++) {
    const at = i * RECORD_SIZE;
    const length = v.getUint32(at, true);
    if (length !== RECORD_SIZE - 8) return `record ${i} (sequence ${firstSeq + i}): length ${length}, expected ${RECORD_SIZE - 8}`;
    const stored = v.getUint32(at + 4, true);
    const computed = crc32(records, at + 8, at + RECORD_SIZE);
    if (stored !== computed) return `record ${i} (sequence ${firstSeq + i}): CRC-32 stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)}`;
    const seq = v.getFloat64(at + 8 + 16, true);
    if (seq !== firstSeq + i) return `record ${i}: sequence ${seq}, expected ${firstSeq + i}`;
  }
  return '';
}
