// `--record FILE`: every applied message, in the order applied, as an ITCH 5.0 file
// (FEED.md: u16 length + message), which `tickwire replay` reads back to the same books.
// Messages are copied into a preallocated buffer and written with one synchronous write
// when it fills, on flush() (the handler calls it on a timer) and on close(): no
// allocation per message, one syscall per ~1 MiB. A write failure stops the recording
// (counted by the handler as TW_ERR_FEED_RECORD_FAILED), never the feed.
import * as fs from 'node:fs';
import { FeedHandlerError } from './errors';

const DEFAULT_BUFFER_BYTES = 1 << 20;

export class FeedRecorder {
  readonly path: string;
  /** Messages and bytes written so far (the file's length once flushed). */
  messages = 0;
  bytes = 0;
  /** The error that stopped the recording, '' while it works. */
  error = '';
  private fd: number;
  private readonly buffer: Uint8Array;
  private used = 0;

  /** Opens (truncates) the file; throws TW_ERR_FEED_RECORD_FAILED if it cannot. */
  constructor(path: string, bufferBytes = DEFAULT_BUFFER_BYTES) {
    this.path = path;
    this.buffer = new Uint8Array(Math.max(1024, bufferBytes));
    try {
      this.fd = fs.openSync(path, 'w');
    } catch (err) {
      throw new FeedHandlerError('TW_ERR_FEED_RECORD_FAILED', `cannot open the record file ${path}: ${(err as Error).message}; check --record`);
    }
  }

  /** Appends one message `src[at, at + length)` as u16 length + message. Returns false once recording has stopped. */
  append(src: Uint8Array, at: number, length: number): boolean {
    if (this.fd < 0) return false;
    if (this.used + 2 + length > this.buffer.length && !this.flush()) return false;
    const b = this.buffer;
    let p = this.used;
    b[p] = length >>> 8;
    b[p + 1] = length & 0xff;
    p += 2;
    for (let i = 0; i < length; i++) b[p + i] = src[at + i];
    this.used = p + length;
    this.messages++;
    return true;
  }

  /** Writes what is buffered. Returns false (and stops recording) on a write error. */
  flush(): boolean {
    if (this.fd < 0) return false;
    let done = 0;
    try {
      while (done < this.used) done += fs.writeSync(this.fd, this.buffer, done, this.used - done);
    } catch (err) {
      this.error = `writing ${this.path} failed after ${this.bytes + done} bytes: ${(err as Error).message}`;
      this.closeFd();
      return false;
    }
    this.bytes += this.used;
    this.used = 0;
    return true;
  }

  get stopped(): boolean {
    return this.fd < 0;
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    this.closeFd();
  }

  private closeFd(): void {
    const fd = this.fd;
    this.fd = -1;
    try {
      fs.closeSync(fd);
    } catch {
      // already reported through `error`, or nothing to report
    }
  }
}
