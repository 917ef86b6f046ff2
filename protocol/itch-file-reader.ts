// Reader of ITCH 5.0 files as Nasdaq distributes them (FEED.md: "a sequence of u16 length
// + message"; a length of 0 means "take it from the type"). It does framing only: each
// framed message goes to the handler, which decodes it. Bytes arrive in chunks of any
// size; a message split between chunks is carried over. Framing faults (a cut-off tail,
// or a zero length before an unknown type) are reported with their file offset and never
// thrown; after lost framing it skips to the next place where two messages frame cleanly.

import { readU16 } from './bytes';
import { Fault } from './errors';
import { itchLengthOfType } from './itch-messages';

export interface ItchFileHandler {
  /** One framed message at `bytes[offset, offset + length)`; `fileOffset` is its first byte's offset in the file. Valid only during the call. */
  onMessage(bytes: Uint8Array, offset: number, length: number, fileOffset: number): void;
  /** A framing fault at `fileOffset`; `detail` is the number of bytes skipped (Resync) or left over (Truncated). */
  onFault(fault: number, fileOffset: number, detail: number): void;
}

export class ItchFileReader {
  private readonly handler: ItchFileHandler;
  private tail: Uint8Array = new Uint8Array(0);
  /** File offset of the first byte not yet consumed (the start of `tail`). */
  private consumed = 0;
  messages = 0;
  faults = 0;

  constructor(handler: ItchFileHandler) {
    this.handler = handler;
  }

  /** File offset up to which input has been framed. */
  get position(): number {
    return this.consumed;
  }

  /** Frames every complete message in `chunk` (after any carried-over bytes). */
  push(chunk: Uint8Array): void {
    let w = chunk;
    if (this.tail.length > 0) {
      // One copy per chunk (not per message) when a message straddles the boundary.
      w = new Uint8Array(this.tail.length + chunk.length);
      w.set(this.tail, 0);
      w.set(chunk, this.tail.length);
    }
    const p = this.frame(w, false);
    this.tail = p < w.length ? w.slice(p) : new Uint8Array(0);
  }

  /** Call once after the last chunk: reports bytes left over as a truncated message. */
  end(): void {
    if (this.tail.length > 0) {
      const p = this.frame(this.tail, true);
      if (p < this.tail.length) {
        this.faults++;
        this.handler.onFault(Fault.Truncated, this.consumed, this.tail.length - p);
      }
      this.consumed += this.tail.length - p;
      this.tail = new Uint8Array(0);
    }
  }

  /** Frames from the start of `w`; returns how many bytes were consumed. */
  private frame(w: Uint8Array, final: boolean): number {
    const end = w.length;
    const base = this.consumed;
    let p = 0;
    while (end - p >= 2) {
      let len = readU16(w, p);
      if (len === 0) {
        if (end - p < 3) break;
        len = itchLengthOfType(w[p + 2]);
        if (len === 0) {
          const q = resync(w, p + 1, end, final);
          if (q < 0) break; // not enough bytes yet to find the next clean frame
          this.faults++;
          this.handler.onFault(Fault.Resync, base + p, q - p);
          p = q;
          continue;
        }
      }
      if (end - p - 2 < len) break;
      this.messages++;
      this.handler.onMessage(w, p + 2, len, base + p + 2);
      p += 2 + len;
    }
    this.consumed = base + p;
    return p;
  }
}

/** Total size of a plausible frame at q, 0 if implausible, -1 if more bytes are needed to tell. */
function frameAt(w: Uint8Array, q: number, end: number): number {
  if (end - q < 3) return -1;
  const declared = readU16(w, q);
  const typeLength = itchLengthOfType(w[q + 2]);
  if (typeLength === 0) return 0;
  if (declared !== 0 && declared !== typeLength) return 0;
  return 2 + typeLength;
}

/**
 * The first offset from `from` where a frame and the one after it are plausible (or the
 * first frame ends exactly at the end of final input); -1 if the bytes run out first
 * and more may come; `end` when final input holds no clean frame at all.
 */
function resync(w: Uint8Array, from: number, end: number, final: boolean): number {
  for (let q = from; q < end; q++) {
    const n = frameAt(w, q, end);
    if (n === 0) continue;
    if (n < 0) return final ? end : -1;
    if (q + n > end) return final ? end : -1;
    if (q + n === end) {
      if (final) return q;
      return -1;
    }
    const n2 = frameAt(w, q + n, end);
    if (n2 > 0) return q;
    if (n2 < 0) return final ? q : -1;
  }
  return final ? end : -1;
}

/** Frames a whole file held in memory (tests and small files). */
export function readItchFile(bytes: Uint8Array, handler: ItchFileHandler): ItchFileReader {
  const reader = new ItchFileReader(handler);
  reader.push(bytes);
  reader.end();
  return reader;
}
