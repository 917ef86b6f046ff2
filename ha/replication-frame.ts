// The replication wire format, primary <-> standby over TCP. Little-endian, like the journal.
//
//   u32 body length | u32 CRC-32 of the body (a batch: of its 24-byte body header) | body
//   body: u8 kind | 3 zero bytes | u32 count | f64 epoch | f64 seq | payload
//
// A batch's records carry their own CRC-32s (stamped by the primary's journal), and the
// standby checks every one (checkRecords): a CRC over the whole body would check the same
// bytes twice and cost the primary a pass over every record it sends.
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
//   'C' commit  primary -> standby: seq = the primary's commit point (its journal's durableSeq:
//               on the sync standby too). A standby's engine applies records only through it,
//               so a spare never applies what a new primary may not hold (standby-replicator.ts).
//   'X' refuse  either way: seq = the refuser's last sequence, count = the TW_ERR_HA_ code,
//               payload = the message (UTF-8); the connection closes after it.
import * as zlib from 'node:zlib';
import { crc32, crc32View } from '../protocol';
import { HaError } from './errors';

// Module-local copies: a CommonJS `export *` re-export is a getter, paid on every call (bench:facts).
const jsCrc32 = crc32;
const recordCrc = crc32View;

// zlib.crc32 (Node >= 22.2 and 20.15) is the journal's CRC-32 (IEEE, reflected), in C: over a
// 14 KB frame 4.9 us against 15-20 us for protocol's JS slicing-by-8 (bench/README.md). Its
// call and the view it needs cost more than the JS loop on short frames (acks, hellos).
// (Here, not in protocol/crc32.ts: the browser bundle compiles that file.)
const nativeCrc32: ((data: Uint8Array, value?: number) => number) | null = typeof zlib.crc32 === 'function' ? zlib.crc32 : null;
/** Below this many bytes `frameCrc` stays in JS. */
export const CRC32_NATIVE_MIN_BYTES = 512;

/** CRC-32 of `bytes[start, end)`: zlib's where this Node has it and the range is long, else protocol's. */
export function frameCrc(bytes: Uint8Array, start: number, end: number): number {
  if (nativeCrc32 === null || end - start < CRC32_NATIVE_MIN_BYTES) return jsCrc32(bytes, start, end);
  return nativeCrc32(new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start)) >>> 0;
}

export const FRAME_HEADER_SIZE = 8;
export const BODY_HEADER_SIZE = 24;
/** A frame's body may not exceed this (about 149,000 records). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;
export const RECORD_SIZE = 56;
/** Records per batch frame a primary sends at most (catch-up reads this many at a time). */
export const MAX_BATCH_RECORDS = 65536;

export const FrameKind = { Batch: 0x42, Commit: 0x43, Hello: 0x48, Ack: 0x4b, Level: 0x4c, Refuse: 0x58 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** One frame: `payload` is a view into the decoder's buffer, valid only during the callback. */
export interface Frame {
  kind: number;
  count: number;
  epoch: number;
  seq: number;
  payload: Uint8Array;
}

/** Encodes one frame into a new Buffer; `payload` bytes (optional) are copied after the body header. */
export function encodeFrame(kind: FrameKind, count: number, epoch: number, seq: number, payload?: Uint8Array, payloadBytes = payload?.length ?? 0): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_SIZE + BODY_HEADER_SIZE + payloadBytes);
  encodeFrameInto(out, 0, kind, count, epoch, seq, payload, payloadBytes);
  return out;
}

/**
 * Encodes one frame at `out[at]` (a reused buffer) and returns its
 * length in bytes. `out` must have room for FRAME_HEADER_SIZE + BODY_HEADER_SIZE + payloadBytes.
 */
export function encodeFrameInto(out: Uint8Array, at: number, kind: FrameKind, count: number, epoch: number, seq: number, payload?: Uint8Array, payloadBytes = payload?.length ?? 0): number {
  const bodyBytes = BODY_HEADER_SIZE + payloadBytes;
  const v = new DataView(out.buffer, out.byteOffset + at, FRAME_HEADER_SIZE + bodyBytes);
  v.setUint32(0, bodyBytes, true);
  v.setUint32(8, kind, true); // kind in the low byte, then 3 zero bytes
  v.setUint32(12, count >>> 0, true);
  v.setFloat64(16, epoch, true);
  v.setFloat64(24, seq, true);
  const bodyAt = at + FRAME_HEADER_SIZE;
  if (payload !== undefined && payloadBytes > 0) out.set(payload.subarray(0, payloadBytes), bodyAt + BODY_HEADER_SIZE);
  v.setUint32(4, frameCrc(out, bodyAt, bodyAt + crcBytes(kind, bodyBytes)), true);
  return FRAME_HEADER_SIZE + bodyBytes;
}

/**
 * Writes the frame and body headers of a batch whose `count` records already lie at
 * `out[at + FRAME_HEADER_SIZE + BODY_HEADER_SIZE]` (the primary gathers them there); returns
 * the frame's length in bytes. No pass over the records: the CRC covers the body header.
 */
export function encodeBatchHeaderInto(out: Uint8Array, at: number, count: number, epoch: number, seq: number): number {
  const bodyBytes = BODY_HEADER_SIZE + count * RECORD_SIZE;
  const v = new DataView(out.buffer, out.byteOffset + at, FRAME_HEADER_SIZE + BODY_HEADER_SIZE);
  v.setUint32(0, bodyBytes, true);
  v.setUint32(8, FrameKind.Batch, true);
  v.setUint32(12, count >>> 0, true);
  v.setFloat64(16, epoch, true);
  v.setFloat64(24, seq, true);
  v.setUint32(4, jsCrc32(out, at + FRAME_HEADER_SIZE, at + FRAME_HEADER_SIZE + BODY_HEADER_SIZE), true);
  return FRAME_HEADER_SIZE + bodyBytes;
}

/** How many bytes of a body its frame CRC covers: a batch's header only (its records have their own). */
function crcBytes(kind: number, bodyBytes: number): number {
  return kind === FrameKind.Batch ? BODY_HEADER_SIZE : bodyBytes;
}

export function encodeText(kind: FrameKind, code: number, epoch: number, seq: number, text: string): Buffer {
  return encodeFrame(kind, code, epoch, seq, Buffer.from(text.slice(0, 1024), 'utf8'));
}

/**
 * Splits a TCP byte stream into frames, checking length, CRC and layout. A bad frame calls
 * `onError` once with its TW_ERR_HA_ code and stops the decoder (the caller closes the
 * connection: after a bad length nothing later can be trusted). Frames that arrive whole in
 * a chunk are read where they lie (a 14 KB batch is not copied); only a frame split across
 * chunks is gathered in the decoder's own buffer.
 */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(64 * 1024);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  private start = 0;
  private end = 0;
  private readonly frame: Frame = { kind: 0, count: 0, epoch: 0, seq: 0, payload: new Uint8Array(0) };
  failed = false;
  frames = 0;

  /**
   * `onParsed`, if given, is called at the end of every `push` once its whole frames have
   * been handed over, while their payloads are still valid: a receiver may keep the views
   * until then (the standby gathers a chunk's batches into one journal write).
   */
  constructor(
    private readonly onFrame: (frame: Frame) => void,
    private readonly onError: (code: HaError, detail: string) => void,
    private readonly onParsed?: () => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.failed) return;
    const at = this.parseChunk(chunk);
    this.onParsed?.();
    if (at < 0 || this.failed) return;
    // Keep the partial frame at the chunk's end, with room for all of it once its length is known.
    this.ensure(chunk.length - at);
    chunk.copy(this.buf, this.end, at);
    this.end += chunk.length - at;
    if (this.end - this.start >= FRAME_HEADER_SIZE) {
      const frameBytes = FRAME_HEADER_SIZE + this.view.getUint32(this.start, true);
      if (frameBytes <= FRAME_HEADER_SIZE + MAX_BODY_BYTES) this.ensure(frameBytes - (this.end - this.start));
    }
  }

  /**
   * Parses what is held and then `chunk`; returns where in `chunk` an incomplete frame starts
   * (to be kept), or -1 when nothing of it is left to keep.
   */
  private parseChunk(chunk: Buffer): number {
    let used = 0;
    if (this.end > this.start) {
      // A frame split across chunks: complete it in our buffer, then read the rest in place.
      used = this.fillHeld(chunk);
      if (!this.heldReady()) return -1;
      this.start = this.parse(this.buf, this.view, this.start, this.end);
      if (this.failed) return -1;
      this.start = this.end = 0;
    }
    const at = this.parse(chunk, new DataView(chunk.buffer, chunk.byteOffset, chunk.length), used, chunk.length);
    return this.failed || at === chunk.length ? -1 : at;
  }

  /** Copies from `chunk` what the held partial frame still lacks (no more); returns the bytes taken. */
  private fillHeld(chunk: Buffer): number {
    let used = 0;
    if (this.end - this.start < FRAME_HEADER_SIZE) {
      used = Math.min(FRAME_HEADER_SIZE - (this.end - this.start), chunk.length);
      this.ensure(used);
      chunk.copy(this.buf, this.end, 0, used);
      this.end += used;
      if (this.end - this.start < FRAME_HEADER_SIZE) return used;
    }
    const bodyBytes = this.view.getUint32(this.start, true);
    if (bodyBytes > MAX_BODY_BYTES || bodyBytes < BODY_HEADER_SIZE) return used; // parse() refuses it
    const n = Math.min(FRAME_HEADER_SIZE + bodyBytes - (this.end - this.start), chunk.length - used);
    this.ensure(n);
    chunk.copy(this.buf, this.end, used, used + n);
    this.end += n;
    return used + n;
  }

  /** The held frame is whole, or its length is already known to be bad: parse() can decide. */
  private heldReady(): boolean {
    const held = this.end - this.start;
    if (held < FRAME_HEADER_SIZE) return false;
    const bodyBytes = this.view.getUint32(this.start, true);
    return bodyBytes > MAX_BODY_BYTES || bodyBytes < BODY_HEADER_SIZE || held >= FRAME_HEADER_SIZE + bodyBytes;
  }

  /**
   * Hands every whole frame in `b[at, end)` to `onFrame`; returns where the first incomplete
   * one starts (`end` if none). `v` views the same bytes as `b`, from b's offset 0.
   */
  private parse(b: Buffer, v: DataView, at: number, end: number): number {
    while (!this.failed && end - at >= FRAME_HEADER_SIZE) {
      const bodyBytes = v.getUint32(at, true);
      if (bodyBytes > MAX_BODY_BYTES) {
        this.fail(HaError.FrameTooLarge, `body length ${bodyBytes} bytes, the limit is ${MAX_BODY_BYTES}`);
        return at;
      }
      if (bodyBytes < BODY_HEADER_SIZE) {
        this.fail(HaError.BadFrame, `body length ${bodyBytes} bytes, at least ${BODY_HEADER_SIZE}`);
        return at;
      }
      if (end - at < FRAME_HEADER_SIZE + bodyBytes) return at;
      const bodyAt = at + FRAME_HEADER_SIZE;
      const stored = v.getUint32(at + 4, true);
      const computed = frameCrc(b, bodyAt, bodyAt + crcBytes(b[bodyAt], bodyBytes));
      if (stored !== computed) {
        this.fail(HaError.BadCrc, `stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)}, frame ${this.frames + 1}`);
        return at;
      }
      const f = this.frame;
      f.kind = b[bodyAt];
      if (b[bodyAt + 1] !== 0 || b[bodyAt + 2] !== 0 || b[bodyAt + 3] !== 0) {
        this.fail(HaError.BadFrame, 'reserved bytes 1-3 of the body are not zero');
        return at;
      }
      f.count = v.getUint32(bodyAt + 4, true);
      f.epoch = v.getFloat64(bodyAt + 8, true);
      f.seq = v.getFloat64(bodyAt + 16, true);
      f.payload = b.subarray(bodyAt + BODY_HEADER_SIZE, bodyAt + bodyBytes);
      const problem = checkLayout(f);
      if (problem !== '') {
        this.fail(HaError.BadFrame, problem);
        return at;
      }
      at = bodyAt + bodyBytes;
      this.frames++;
      this.onFrame(f);
    }
    return at;
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
      this.view = new DataView(bigger.buffer, bigger.byteOffset, bigger.length);
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
    case FrameKind.Commit:
      return f.payload.length !== 0 ? 'ack, level or commit with a payload' : '';
    case FrameKind.Refuse:
      return '';
    default:
      return `unknown kind 0x${f.kind.toString(16)}`;
  }
}

/**
 * Checks a batch's records: each length 48, each CRC-32 intact, sequence numbers
 * `firstSeq`, `firstSeq` + 1, ... in order. Returns '' or what is wrong and where.
 * The only check of the records' bytes (a batch's frame CRC covers its header): it shows
 * damage on the link, and damage before it (in the primary's memory after its journal
 * stamped the CRC, or read back from its journal file for a catch-up), which a CRC the
 * primary computed over the bytes it sends would not.
 */
export function checkRecords(records: Uint8Array, count: number, firstSeq: number): string {
  const v = new DataView(records.buffer, records.byteOffset, records.byteLength);
  for (let i = 0; i < count; i++) {
    const at = i * RECORD_SIZE;
    const length = v.getUint32(at, true);
    if (length !== RECORD_SIZE - 8) return `record ${i} (sequence ${firstSeq + i}): length ${length}, expected ${RECORD_SIZE - 8}`;
    const stored = v.getUint32(at + 4, true);
    const computed = recordCrc(v, at + 8, at + RECORD_SIZE);
    if (stored !== computed) return `record ${i} (sequence ${firstSeq + i}): CRC-32 stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)}`;
    const seq = v.getFloat64(at + 8 + 16, true);
    if (seq !== firstSeq + i) return `record ${i}: sequence ${seq}, expected ${firstSeq + i}`;
  }
  return '';
}
