// The book channel at one depth: a snapshot, then updates carrying only the levels that
// changed, with absolute shares (0 removes the level), the boundary's sequence and the
// book/ CRC-32 checksum over exactly the levels the client then holds (the top `depth`).
// Change detection reads the top levels into preallocated arrays and compares them with
// the published ones: nothing is allocated unless a frame goes out.
import { BUY, SELL, type OrderBook } from '../book';
import { formatPrice4 as formatPrice4Export } from '../protocol';
import { Topic, type TopicContext } from './topic';

const formatPrice4 = formatPrice4Export;

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
  private readonly head: string;

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
    this.head = `{"channel":"book","type":"update","symbol":${JSON.stringify(book.symbol)},"depth":${depth},"seq":`;
  }

  protected capture(): void {
    this.nb = this.book.topLevels(BUY, this.depth, this.bidP, this.bidS);
    this.na = this.book.topLevels(SELL, this.depth, this.askP, this.askS);
    this.checksum = this.book.checksum(this.depth);
  }

  protected update(seq: number, ts: number): string | null {
    const nb = this.book.topLevels(BUY, this.depth, this.nextBidP, this.nextBidS);
    const na = this.book.topLevels(SELL, this.depth, this.nextAskP, this.nextAskS);
    if (same(this.bidP, this.bidS, this.nb, this.nextBidP, this.nextBidS, nb) && same(this.askP, this.askS, this.na, this.nextAskP, this.nextAskS, na)) return null;
    const bids = diffSide(this.bidP, this.bidS, this.nb, this.nextBidP, this.nextBidS, nb, 1);
    const asks = diffSide(this.askP, this.askS, this.na, this.nextAskP, this.nextAskS, na, -1);
    this.checksum = this.book.checksum(this.depth);
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
    return `${this.head}${seq},"ts":${ts},"bids":[${bids}],"asks":[${asks}],"checksum":${this.checksum}}`;
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
 * The changed levels of one side, both lists best first (`dir` 1 for bids: higher is
 * better; -1 for asks): a level gone from the view is sent with 0, a new or resized one
 * with its shares.
 */
function diffSide(oldP: Float64Array, oldS: Float64Array, on: number, newP: Float64Array, newS: Float64Array, nn: number, dir: number): string {
  let out = '';
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
    out += `${out === '' ? '' : ','}["${formatPrice4(price)}",${shares}]`;
  }
  return out;
}
