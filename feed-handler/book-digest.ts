// A canonical form of every book (symbol, trading state, every level, every order in book
// priority with its ref, shares, price and timestamp), to tell whether two sets of books
// are the same: a handler's against the publisher's, two handlers', a handler's against a
// snapshot (`--verify-every`). Trade statistics and candles are left out: a handler that
// joined by snapshot cannot have the trades before it joined. Off the hot path (allocates).
import { createHash } from 'node:crypto';
import { BUY, SELL, type MarketBooks, type OrderBook } from '../book';

/** One book as comparable text: a header line, then one line per level with its orders. */
export function bookText(book: OrderBook): string {
  const out: string[] = [`${book.locate} ${book.symbol} state=${book.tradingState}`];
  for (const side of [BUY, SELL]) {
    const tag = side === BUY ? 'B' : 'S';
    let line = '';
    let price = -1;
    book.forEachOrder(side, {
      onOrder(ref: number, _side: number, shares: number, p: number, timestampNs: number): void {
        if (p !== price) {
          if (line !== '') out.push(line);
          line = `${tag} ${p}:`;
          price = p;
        }
        line += ` ${ref}/${shares}@${timestampNs}`;
      },
    });
    if (line !== '') out.push(line);
  }
  return out.join('\n');
}

/** SHA-256 over every book's text, by stock locate. Equal digests: equal books. */
export function booksDigest(books: MarketBooks): string {
  const hash = createHash('sha256');
  for (const book of sortedBooks(books)) hash.update(bookText(book)).update('\n');
  return hash.digest('hex');
}

/**
 * The first differences between two sets of books, one line each (empty: equal). Says
 * which symbol and the first line (level and its orders) that differs.
 */
export function diffBooks(a: MarketBooks, b: MarketBooks, max = 5): string[] {
  const diffs: string[] = [];
  const left = new Map(sortedBooks(a).map((x) => [x.locate, x]));
  const right = new Map(sortedBooks(b).map((x) => [x.locate, x]));
  const locates = [...new Set([...left.keys(), ...right.keys()])].sort((x, y) => x - y);
  for (const locate of locates) {
    if (diffs.length >= max) break;
    const x = left.get(locate);
    const y = right.get(locate);
    if (x === undefined || y === undefined) {
      diffs.push(`locate ${locate}: a book on one side only (${x === undefined ? 'second' : 'first'} has ${(x ?? y)!.symbol})`);
      continue;
    }
    const tx = bookText(x).split('\n');
    const ty = bookText(y).split('\n');
    for (let i = 0; i < Math.max(tx.length, ty.length); i++) {
      if (tx[i] !== ty[i]) {
        diffs.push(`${x.symbol || `locate ${locate}`}: line ${i}: ${clip(tx[i])} != ${clip(ty[i])}`);
        break;
      }
    }
  }
  return diffs;
}

function sortedBooks(books: MarketBooks): OrderBook[] {
  return [...books.allBooks()].sort((x, y) => x.locate - y.locate);
}

function clip(s: string | undefined): string {
  if (s === undefined) return '(nothing)';
  return s.length > 160 ? `${s.slice(0, 160)}...` : s;
}
