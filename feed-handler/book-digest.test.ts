import { MarketBooks } from '../book';
import { ItchMessage } from '../protocol';
import { booksDigest, diffBooks } from './book-digest';

function books(extraShares: number): MarketBooks {
  const b = new MarketBooks();
  const m = new ItchMessage();
  m.type = 0x52;
  m.locate = 1;
  m.setStock('AAA');
  b.apply(m, 1);
  b.addOrder(2, 1, 10, 0x42, 100, 1_000_000, 5);
  b.addOrder(3, 1, 11, 0x42, 200 + extraShares, 1_000_000, 6);
  b.addOrder(4, 1, 12, 0x53, 300, 1_010_000, 7);
  return b;
}

describe('book digest', () => {
  test('equal books give equal digests and no differences', () => {
    expect(booksDigest(books(0))).toBe(booksDigest(books(0)));
    expect(diffBooks(books(0), books(0))).toEqual([]);
  });

  test('one order differing changes the digest and is named with its symbol and level', () => {
    expect(booksDigest(books(0))).not.toBe(booksDigest(books(100)));
    const diffs = diffBooks(books(0), books(100));
    expect(diffs).toHaveLength(1);
    expect(diffs[0]).toMatch(/^AAA: line 1: B 1000000: 10\/100@5 11\/200@6 != B 1000000: 10\/100@5 11\/300@6/);
  });

  test('order priority within a level counts', () => {
    const a = new MarketBooks();
    const b = new MarketBooks();
    a.addOrder(1, 1, 10, 0x42, 100, 1_000_000, 5);
    a.addOrder(2, 1, 11, 0x42, 100, 1_000_000, 5);
    b.addOrder(1, 1, 11, 0x42, 100, 1_000_000, 5);
    b.addOrder(2, 1, 10, 0x42, 100, 1_000_000, 5);
    expect(booksDigest(a)).not.toBe(booksDigest(b));
  });
});
