// The book checksum the gateway sends with every book message (book/order-book.ts
// OrderBook.checksum): CRC-32 over the top asks from the lowest price up, then the top bids
// from the highest down, each level's price and shares as decimal digits with the '.'
// removed and leading zeros stripped (Kraken's convention).
import { crc32 } from '../../../protocol/crc32';

const encoder = new TextEncoder();

function digits(decimal: string): string {
  const s = decimal.replace('.', '').replace(/^0+/, '');
  return s === '' ? '0' : s;
}

/** `asks` lowest first, `bids` highest first, each [price "192.3400", shares]. */
export function bookChecksum(asks: ReadonlyArray<readonly [string, number]>, bids: ReadonlyArray<readonly [string, number]>): number {
  let text = '';
  for (const [p, q] of asks) text += digits(p) + String(q);
  for (const [p, q] of bids) text += digits(p) + String(q);
  return crc32(encoder.encode(text)) >>> 0;
}
