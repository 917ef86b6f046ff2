// The book channel at one depth: a snapshot, then updates carrying only the levels that
// changed, with absolute shares (0 removes the level), the boundary's sequence and the
// book/ CRC-32 checksum over exactly the levels the client then holds (the top `depth`).
// Change detection reads the top levels into preallocated arrays and compares them with
// the published ones: nothing is allocated unless a frame goes out. An update is written as
// bytes straight into its websocket frame (json-frame-writer.ts), and its checksum is taken
// from the levels just read, as book/'s OrderBook.checksum takes it from the book.
import { BUY, SELL, type OrderBook } from '../book';
import { crc32 as crc32Export, formatPrice4 as formatPrice4Export } from '../protocol';
import { JsonFrameWriter, jsonFragment } from './json-frame-writer';
import { Topic, type TopicContext } from './topic';

// Module-local copies: CommonJS re-exports are getters.
const formatPrice4 = formatPrice4Export;
const crc32 = crc32Export;

/** Every book topic writes its updates here, one at a time (one thread). */
const writer = new JsonFrameWriter();
const TS = jsonFragment(',"ts":');
const BIDS = jsonFragment(',"bids":[');
const ASKS = jsonFragment('],"asks":[');
const CHECKSUM = jsonFragment('],"checksum":');
const COMMA = 0x2c;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const QUOTE = 0x22;
const END = 0x7d;
const digits = new Uint8Array(20);
/** The levels' digits for one checksum (grown if a depth needs more). */
let checksumDigits = new Uint8Array(4096);

export class BookTopic extends Topic {
  readonly resyncable = true;
  readonly depth: number;
  private bidP: Float64Array;
  private bidS: Float64Array;
  private askP: Float64Array;
  private askS: Float64Array;
  private nb = 0;
  private na = 0;
  private nextBidP: Float64Array;
  private nextBidS: Float64Array;
  private nextAskP: Float64Array;
  private nextAskS: Float64Array;
  private checksum = 0;
  private readonly head: Uint8Array;

  constructor(ctx: TopicContext, key: string, book: OrderBook, depth: number, group: number) {
    super(ctx, key, 'book', book, group);
    this.depth = depth;
    this.bidP = new Float64Array(depth);
    this.bidS = new Float64Array(depth);
    this.askP = new Float64Array(depth);
    this.askS = new Float64Array(depth);
    this.nextBidP = new Float64Array(depth);
    this.nextBidS = new Float64Array(depth);
    this.nextAskP = new Float64Array(depth);
    this.nextAskS = new Float64Array(depth);
    this.head = jsonFragment(`{"channel":"book","type":"update","symbol":${JSON.stringify(book.symbol)},"depth":${depth},"seq":`);
  }

  protected capture(): void {
    this.nb = this.book.topLevels(BUY, this.depth, this.bidP, this.bidS);
    this.na = this.book.topLevels(SELL, this.depth, this.askP, this.askS);
    this.checksum = levelsChecksum(this.askP, this.askS, this.na, this.bidP, this.bidS, this.nb);
  }

  protected override updateWire(seq: number, ts: number): Buffer | null {
    const nb = this.book.topLevels(BUY, this.depth, this.nextBidP, this.nextBidS);
    const na = this.book.topLevels(SELL, this.depth, this.nextAskP, this.nextAskS);
    if (same(this.bidP, this.bidS, this.nb, this.nextBidP, this.nextBidS, nb) && same(this.askP, this.askS, this.na, this.nextAskP, this.nextAskS, na)) return null;
    const w = writer;
    w.begin();
    w.fragment(this.head);
    w.number(seq);
    w.fragment(TS);
    w.number(ts);
    w.fragment(BIDS);
    diffSide(w, this.bidP, this.bidS, this.nb, this.nextBidP, this.nextBidS, nb, 1);
    w.fragment(ASKS);
    diffSide(w, this.askP, this.askS, this.na, this.nextAskP, this.nextAskS, na, -1);
    w.fragment(CHECKSUM);
    this.checksum = levelsChecksum(this.nextAskP, this.nextAskS, na, this.nextBidP, this.nextBidS, nb);
    w.number(this.checksum);
    w.byte(END);
    // Take the new state by swapping buffers.
    let t = this.bidP;
    this.bidP = this.nextBidP;
    this.nextBidP = t;
    t = this.bidS;
    this.bidS = this.nextBidS;
    this.nextBidS = t;
    t = this.askP;
    this.askP = this.nextAskP;
    this.nextAskP = t;
    t = this.askS;
    this.askS = this.nextAskS;
    this.nextAskS = t;
    this.nb = nb;
    this.na = na;
    return w.finish();
  }

  protected buildSnapshot(): Buffer {
    return Buffer.from(
      `{"channel":"book","type":"snapshot","symbol":${JSON.stringify(this.symbol)},"depth":${this.depth},"seq":${this.seq},"ts":${this.ts},` +
        `"bids":[${levels(this.bidP, this.bidS, this.nb)}],"asks":[${levels(this.askP, this.askS, this.na)}],"checksum":${this.checksum}}`,
    );
  }
}

function same(p: Float64Array, s: Float64Array, n: number, q: Float64Array, t: Float64Array, m: number): boolean {
  if (n !== m) return false;
  for (let i = 0; i < n; i++) if (p[i] !== q[i] || s[i] !== t[i]) return false;
  return true;
}

function levels(p: Float64Array, s: Float64Array, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += `${i === 0 ? '' : ','}["${formatPrice4(p[i])}",${s[i]}]`;
  return out;
}

/**
 * Writes the changed levels of one side, both lists best first (`dir` 1 for bids: higher is
 * better; -1 for asks): a level gone from the view is sent with 0, a new or resized one
 * with its shares.
 */
function diffSide(w: JsonFrameWriter, oldP: Float64Array, oldS: Float64Array, on: number, newP: Float64Array, newS: Float64Array, nn: number, dir: number): void {
  let first = true;
  let i = 0;
  let j = 0;
  while (i < on || j < nn) {
    let price: number;
    let shares: number;
    if (j >= nn || (i < on && oldP[i] * dir > newP[j] * dir)) {
      price = oldP[i++];
      shares = 0;
    } else if (i >= on || newP[j] * dir > oldP[i] * dir) {
      price = newP[j];
      shares = newS[j++];
    } else {
      price = newP[j];
      shares = newS[j];
      const unchanged = oldS[i] === shares;
      i++;
      j++;
      if (unchanged) continue;
    }
    if (!first) w.byte(COMMA);
    first = false;
    w.byte(OPEN);
    w.byte(QUOTE);
    w.price4(price);
    w.byte(QUOTE);
    w.byte(COMMA);
    w.number(shares);
    w.byte(CLOSE);
  }
}

/**
 * book/'s checksum (OrderBook.checksum) over levels already read: CRC-32 over the asks from
 * the lowest price up, then the bids from the highest down, each level's price then shares
 * as decimal digits (a Price(4) "192.3400" without its '.' is the integer itself). The
 * digits of all levels are laid out first and checksummed in one pass: a CRC chained over
 * parts is the CRC of the whole.
 */
export function levelsChecksum(askP: Float64Array, askS: Float64Array, na: number, bidP: Float64Array, bidS: Float64Array, nb: number): number {
  const need = (na + nb) * 2 * 16;
  if (need > checksumDigits.length) checksumDigits = new Uint8Array(need * 2);
  let n = 0;
  for (let k = 0; k < na; k++) {
    n = writeDigits(askP[k], n);
    n = writeDigits(askS[k], n);
  }
  for (let k = 0; k < nb; k++) {
    n = writeDigits(bidP[k], n);
    n = writeDigits(bidS[k], n);
  }
  return crc32(checksumDigits, 0, n, 0);
}

/** Appends the decimal digits of a non-negative integer (no leading zeros) at `at`; returns the end. */
function writeDigits(value: number, at: number): number {
  let i = digits.length;
  if (value < 2147483648) {
    let v = value | 0;
    do {
      const q = (v / 10) | 0;
      digits[--i] = 0x30 + (v - q * 10);
      v = q;
    } while (v > 0);
  } else {
    let v = value;
    do {
      const q = Math.floor(v / 10);
      digits[--i] = 0x30 + (v - q * 10);
      v = q;
    } while (v > 0);
  }
  const out = checksumDigits;
  let p = at;
  for (; i < digits.length; i++) out[p++] = digits[i];
  return p;
}
