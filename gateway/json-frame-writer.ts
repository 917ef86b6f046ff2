// Writes a topic's JSON update as bytes straight into a reused scratch buffer, and hands
// back the whole websocket frame (ws-frame.ts) in one exact-size buffer: no string is built
// per level or per frame, nothing is UTF-8 encoded, and the only allocation per frame is the
// frame itself. Numbers are written as their decimal digits, as `${n}` would write them;
// anything that is not a non-negative safe integer goes through String() (never on the feed's
// integers, but never wrong either).
import { formatPrice4 } from '../protocol';
import { wsFrameHeaderLength, writeWsFrameHeader } from './ws-frame';

/** Room before the payload for the longest frame header (RFC 6455 5.2: 10 bytes). */
const HEAD_ROOM = 10;
const DIGITS = new Uint8Array(20);

/** A constant JSON fragment, encoded once. */
export function jsonFragment(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

export class JsonFrameWriter {
  private buf: Buffer;
  private pos = HEAD_ROOM;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Starts a frame (forgets one not finished). */
  begin(): void {
    this.pos = HEAD_ROOM;
  }

  /** Payload bytes written since `begin`. */
  get length(): number {
    return this.pos - HEAD_ROOM;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A constant fragment (jsonFragment). */
  fragment(bytes: Uint8Array): void {
    const n = bytes.length;
    this.room(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = bytes[i];
    this.pos = p;
  }

  /** One ASCII byte (a comma, a bracket). */
  byte(c: number): void {
    this.room(1);
    this.buf[this.pos++] = c;
  }

  /** A number as `${v}` writes it. */
  number(v: number): void {
    if (v >= 0 && v <= Number.MAX_SAFE_INTEGER && Math.floor(v) === v) this.digits(v);
    else this.ascii(String(v));
  }

  /** A Price(4) as protocol's formatPrice4 writes it ("192.3400"), without the quotes. */
  price4(v: number): void {
    if (!(v >= 0 && v <= Number.MAX_SAFE_INTEGER && Math.floor(v) === v)) {
      this.ascii(formatPrice4(v));
      return;
    }
    const whole = Math.floor(v / 10000);
    const frac = v - whole * 10000;
    this.digits(whole);
    this.room(5);
    const buf = this.buf;
    const p = this.pos;
    buf[p] = 0x2e;
    let r = frac | 0;
    const d0 = (r / 1000) | 0;
    r -= d0 * 1000;
    const d1 = (r / 100) | 0;
    r -= d1 * 100;
    const d2 = (r / 10) | 0;
    buf[p + 1] = 0x30 + d0;
    buf[p + 2] = 0x30 + d1;
    buf[p + 3] = 0x30 + d2;
    buf[p + 4] = 0x30 + r - d2 * 10;
    this.pos = p + 5;
  }

  /** Text of one-byte characters only (the fallbacks above). */
  private ascii(text: string): void {
    this.room(text.length * 3);
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  /** The decimal digits of a non-negative safe integer. */
  private digits(v: number): void {
    let i = DIGITS.length;
    if (v < 2147483648) {
      let x = v | 0;
      do {
        const q = (x / 10) | 0;
        DIGITS[--i] = 0x30 + (x - q * 10);
        x = q;
      } while (x > 0);
    } else {
      let x = v;
      do {
        const q = Math.floor(x / 10);
        DIGITS[--i] = 0x30 + (x - q * 10);
        x = q;
      } while (x > 0);
    }
    const n = DIGITS.length - i;
    this.room(n);
    const buf = this.buf;
    let p = this.pos;
    for (; i < DIGITS.length; i++) buf[p++] = DIGITS[i];
    this.pos = p;
  }

  /** The whole websocket text frame of what was written since `begin`, in a buffer of its own. */
  finish(): Buffer {
    const n = this.pos - HEAD_ROOM;
    const h = wsFrameHeaderLength(n);
    const out = Buffer.allocUnsafe(h + n);
    writeWsFrameHeader(out, n);
    this.buf.copy(out, h, HEAD_ROOM, this.pos);
    return out;
  }
}
