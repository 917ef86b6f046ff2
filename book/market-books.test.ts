import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import {
  encodeAddOrder,
  encodeOrderExecuted,
  encodeOrderExecutedWithPrice,
  encodeStockDirectory,
  encodeStockTradingAction,
  encodeTrade,
  readItchFile,
  ITCH_IGNORED,
  type StockDirectoryFields,
} from '../protocol';
import { commandsOptions, propertyOptions } from '../test/support/property';
import { Integrity, integrityName } from './errors';
import { MarketBooks } from './market-books';
import { BUY, SELL, type OrderBook } from './order-book';

const B = BUY;
const S = SELL;
const L = 7; // stock locate used by the tests

function books(): MarketBooks {
  const m = new MarketBooks({ orderCapacity: 16, levelCapacity: 16 });
  // Small pools so growth is exercised; a stock directory names the book.
  const b = new Uint8Array(64);
  encodeStockDirectory(b, 0, L, 0, 0, 'TEST', DIRECTORY);
  expect(m.decodeAndApply(b, 0, 39, 1)).toBe(0);
  return m;
}
const DIRECTORY: StockDirectoryFields = {
  marketCategory: 0x51, financialStatus: 0x4e, roundLotSize: 100, roundLotsOnly: 0x4e, issueClassification: 0x43,
  issueSubType: 'Z', authenticity: 0x50, shortSaleThreshold: 0x4e, ipoFlag: 0x4e, luldTier: 0x31, etpFlag: 0x4e,
  etpLeverage: 0, inverse: 0x4e,
};
const book = (m: MarketBooks) => m.book(L) as OrderBook;
const refs = (b: OrderBook, side: number) => b.orders(side).map((o) => o.ref);

describe('MarketBooks: L3, L2 and L1 from ITCH semantics', () => {
  test('adds queue in time priority; L2 sums them; L1 is the best of each side', () => {
    const m = books();
    m.addOrder(2, L, 1, B, 100, 1_000_000, 1);
    m.addOrder(3, L, 2, B, 200, 1_000_000, 2);
    m.addOrder(4, L, 3, B, 50, 990_000, 3);
    m.addOrder(5, L, 4, S, 300, 1_010_000, 4);
    m.addOrder(6, L, 5, S, 10, 1_020_000, 5);
    const b = book(m);
    expect(b.symbol).toBe('TEST');
    expect(refs(b, B)).toEqual([1, 2, 3]);
    expect(b.levels(B)).toEqual([{ price: 1_000_000, shares: 300, orders: 2 }, { price: 990_000, shares: 50, orders: 1 }]);
    expect(b.levels(S)).toEqual([{ price: 1_010_000, shares: 300, orders: 1 }, { price: 1_020_000, shares: 10, orders: 1 }]);
    expect([b.bestBidPrice(), b.bestBidShares(), b.bestAskPrice(), b.bestAskShares()]).toEqual([1_000_000, 300, 1_010_000, 300]);
    const prices = new Int32Array(1);
    const shares = new Float64Array(1);
    expect(b.topLevels(S, 1, prices, shares)).toBe(1);
    expect([prices[0], shares[0]]).toEqual([1_010_000, 300]);
  });

  test('cancel keeps priority of the rest of the level; an order at zero shares is gone', () => {
    const m = books();
    m.addOrder(2, L, 1, B, 100, 1_000_000, 1);
    m.addOrder(3, L, 2, B, 200, 1_000_000, 2);
    expect(m.cancelOrder(4, L, 1, 40)).toBe(true);
    expect(book(m).orders(B).map((o) => [o.ref, o.shares])).toEqual([[1, 60], [2, 200]]);
    expect(m.cancelOrder(5, L, 1, 60)).toBe(true);
    expect(refs(book(m), B)).toEqual([2]);
    expect(m.liveOrders).toBe(1);
  });

  test('execution prints at the resting price and empties the level', () => {
    const m = books();
    m.addOrder(2, L, 1, S, 100, 1_000_000, 1);
    expect(m.executeOrder(3, 0x45, L, 1, 100, 9, -1)).toBe(true);
    const b = book(m);
    expect(b.askDepth).toBe(0);
    expect([b.lastTradePrice, b.lastTradeShares, b.volume, b.trades]).toEqual([1_000_000, 100, 100, 1]);
  });

  test('replace loses time priority and takes the new shares and price, keeping the side', () => {
    const m = books();
    m.addOrder(2, L, 1, B, 100, 1_000_000, 1);
    m.addOrder(3, L, 2, B, 200, 1_000_000, 2);
    expect(m.replaceOrder(4, L, 1, 10, 150, 1_000_000, 5)).toBe(true);
    expect(refs(book(m), B)).toEqual([2, 10]);
    expect(m.replaceOrder(5, L, 10, 11, 70, 995_000, 6)).toBe(true);
    expect(book(m).levels(B)).toEqual([{ price: 1_000_000, shares: 200, orders: 1 }, { price: 995_000, shares: 70, orders: 1 }]);
    expect(m.deleteOrder(6, L, 10)).toBe(false); // the old ref is gone: an orphan
    expect(m.orphans).toBe(1);
  });

  test('unknown refs are counted as orphans and never crash', () => {
    const m = books();
    expect(m.executeOrder(2, 0x45, L, 99, 1, 0, -1)).toBe(false);
    expect(m.cancelOrder(3, L, 99, 1)).toBe(false);
    expect(m.deleteOrder(4, L, 99)).toBe(false);
    expect(m.replaceOrder(5, L, 99, 100, 1, 1, 0)).toBe(false);
    expect(m.orphans).toBe(4);
    expect(book(m).orphans).toBe(4);
    expect(m.integrity.total).toBe(0);
  });
});

describe('MarketBooks: integrity errors are counted with their sequence and not applied', () => {
  test('a crossed or locked add is refused while trading, allowed while halted', () => {
    const m = books();
    m.addOrder(2, L, 1, S, 100, 1_000_000, 1);
    expect(m.addOrder(3, L, 2, B, 100, 1_000_000, 2)).toBe(false); // locked
    expect(m.addOrder(4, L, 3, B, 100, 1_010_000, 3)).toBe(false); // crossed
    expect(book(m).bidDepth).toBe(0);
    expect(m.integrity.recent()).toEqual([
      { code: 'TW_ERR_BOOK_CROSSED', sequence: 3, locate: L, orderRef: 2 },
      { code: 'TW_ERR_BOOK_CROSSED', sequence: 4, locate: L, orderRef: 3 },
    ]);
    const b = new Uint8Array(32);
    encodeStockTradingAction(b, 0, L, 0, 0, 'TEST', 0x48, 'LUDP'); // halted: orders accumulate for the reopening cross
    m.decodeAndApply(b, 0, 25, 5);
    expect(m.addOrder(6, L, 4, B, 100, 1_010_000, 4)).toBe(true);
  });

  test('over-execution, over-cancel, duplicate refs, a wrong locate and empty orders are refused', () => {
    const m = books();
    m.addOrder(2, L, 1, B, 100, 1_000_000, 1);
    expect(m.executeOrder(3, 0x45, L, 1, 101, 0, -1)).toBe(false);
    expect(m.cancelOrder(4, L, 1, 101)).toBe(false);
    expect(m.addOrder(5, L, 1, B, 5, 999_000, 1)).toBe(false);
    expect(m.deleteOrder(6, L + 1, 1)).toBe(false);
    expect(m.addOrder(7, L, 2, B, 0, 999_000, 1)).toBe(false);
    expect(m.replaceOrder(8, L, 1, 1, 0, 999_000, 1)).toBe(false);
    expect(m.integrity.byCode()).toEqual({
      TW_ERR_BOOK_OVER_EXECUTION: 1,
      TW_ERR_BOOK_OVER_CANCEL: 1,
      TW_ERR_BOOK_DUPLICATE_REF: 1,
      TW_ERR_BOOK_LOCATE_MISMATCH: 1,
      TW_ERR_BOOK_BAD_ORDER: 2,
    });
    expect(book(m).orders(B).map((o) => [o.ref, o.shares, o.price])).toEqual([[1, 100, 1_000_000]]);
    expect(integrityName(Integrity.NegativeLevel)).toBe('TW_ERR_BOOK_NEGATIVE_LEVEL');
  });

  test('a listener hears each error as it happens', () => {
    const heard: number[] = [];
    const m = new MarketBooks({ listener: { onIntegrityError: (code, seq) => heard.push(code, seq) } });
    m.addOrder(1, L, 1, B, 0, 1, 0);
    expect(heard).toEqual([Integrity.BadOrder, 1]);
  });
});

describe('book checksum (Kraken convention over Price(4) strings)', () => {
  /** The convention spelled out with strings, as a client would write it. */
  function reference(b: OrderBook, depth = 10): number {
    const fmt = (price: number) => (price / 10000).toFixed(4); // "192.3400"
    const strip = (t: string) => t.replace('.', '').replace(/^0+/, '');
    let text = '';
    for (const l of b.levels(S, depth)) text += strip(fmt(l.price)) + strip(String(l.shares));
    for (const l of b.levels(B, depth)) text += strip(fmt(l.price)) + strip(String(l.shares));
    return crc32Reference(text);
  }

  test('matches a value computed independently (Python binascii.crc32)', () => {
    const m = books();
    m.addOrder(2, L, 1, B, 100, 1_923_400, 0);
    m.addOrder(3, L, 2, B, 1200, 1_923_300, 0);
    m.addOrder(4, L, 3, S, 300, 1_923_500, 0);
    m.addOrder(5, L, 4, S, 50, 1_923_600, 0);
    // "1923500300" + "192360050" + "1923400100" + "19233001200"
    expect(book(m).checksum()).toBe(3_888_854_305);
    expect(reference(book(m))).toBe(3_888_854_305);
    const m2 = books();
    m2.addOrder(2, L, 1, S, 5, 100, 0); // 0.0100 -> "00100" -> "100"
    expect(book(m2).checksum()).toBe(3_293_403_032);
  });

  test('random books agree with the string-built reference', () => {
    const order = fc.record({ buy: fc.boolean(), tick: fc.integer({ min: 0, max: 29 }), shares: fc.integer({ min: 1, max: 5000 }) });
    fc.assert(
      fc.property(fc.array(order, { maxLength: 60, size: 'max' }), fc.integer({ min: 1, max: 25 }), (orders, depth) => {
        const m = books();
        orders.forEach((o, i) => {
          // Bids at or below 100.0000, asks from 100.0100: never crossed.
          const price = o.buy ? 1_000_000 - o.tick * 100 : 1_000_100 + o.tick * 100;
          m.addOrder(i, L, i + 1, o.buy ? B : S, o.shares, price, i);
        });
        expect(book(m).checksum(depth)).toBe(reference(book(m), depth));
      }),
      propertyOptions(100),
    );
  });
});

describe('MarketBooks against a naive model (property)', () => {
  // The model: every live order with its arrival time; the books must show exactly these
  // orders, best price first and oldest first within a price (FIFO), with L2 levels the
  // sums of their orders, L1 the best level, and no crossed book.
  type O = { ref: number; side: number; shares: number; price: number; locate: number; t: number };
  type Model = { orders: Map<number, O>; nextRef: number; clock: number; step: number };
  type Real = { m: MarketBooks };
  type BooksCommand = fc.Command<Model, Real>;

  const LOCATES = 3;
  const live = (model: Model, locate: number): O[] => [...model.orders.values()].filter((o) => o.locate === locate);
  /** Bids at or below 100.0000, asks from 100.0100: never crossed. */
  const priceOf = (side: number, tick: number): number => (side === B ? 1_000_000 - tick * 100 : 1_000_100 + tick * 100);
  /** `pick` chooses one of the live orders of `locate` (the model decides which exist). */
  const chosen = (model: Model, locate: number, pick: number): O => {
    const all = live(model, locate);
    return all[pick % all.length];
  };
  /** 1..shares, from a number that shrinks towards 1. */
  const part = (amount: number, shares: number): number => 1 + ((amount - 1) % shares);
  const sideName = (side: number) => (side === B ? 'B' : 'S');

  /** Plain string comparisons: this runs after every command, and expect's deep equality is slow. */
  function same(got: string, want: string, what: string): void {
    if (got !== want) throw new Error(`${what}: got ${got}, want ${want}`);
  }

  function checkBooks(model: Model, m: MarketBooks): void {
    for (let loc = 1; loc <= LOCATES; loc++) {
      const b = m.book(loc);
      const mine = live(model, loc);
      if (b === null) {
        same(String(mine.length), '0', `locate ${loc} has orders but no book`);
        continue;
      }
      for (const side of [B, S]) {
        const what = `locate ${loc} side ${sideName(side)}`;
        const expected = mine
          .filter((o) => o.side === side)
          .sort((x, y) => (side === B ? y.price - x.price : x.price - y.price) || x.t - y.t);
        // L3: the queues, in price then time priority (FIFO within a price).
        same(b.orders(side).map((o) => `${o.ref}:${o.shares}@${o.price}`).join(), expected.map((o) => `${o.ref}:${o.shares}@${o.price}`).join(), `${what} L3`);
        // L2: each level is the sum of its orders.
        const levels: { price: number; shares: number; orders: number }[] = [];
        for (const o of expected) {
          const last = levels[levels.length - 1];
          if (last !== undefined && last.price === o.price) {
            last.shares += o.shares;
            last.orders++;
          } else {
            levels.push({ price: o.price, shares: o.shares, orders: 1 });
          }
        }
        const text = (l: { price: number; shares: number; orders: number }) => `${l.shares}x${l.orders}@${l.price}`;
        same(b.levels(side).map(text).join(), levels.map(text).join(), `${what} L2`);
        // L1: the best level.
        const top = levels[0] ?? { price: 0, shares: 0 };
        const l1 = side === B ? [b.bestBidPrice(), b.bestBidShares()] : [b.bestAskPrice(), b.bestAskShares()];
        same(l1.join(), `${top.price},${top.shares}`, `${what} L1`);
      }
      if (b.bidDepth > 0 && b.askDepth > 0 && b.bestBidPrice() >= b.bestAskPrice()) throw new Error(`locate ${loc} crossed: ${b.bestBidPrice()} >= ${b.bestAskPrice()}`);
    }
    same(String(m.integrity.total), '0', 'integrity errors');
    same(String(m.liveOrders), String(model.orders.size), 'live orders');
  }

  class Add implements BooksCommand {
    constructor(readonly locate: number, readonly side: number, readonly tick: number, readonly shares: number) {}
    check(): boolean {
      return true;
    }
    run(model: Model, real: Real): void {
      const o = { ref: model.nextRef++, side: this.side, shares: this.shares, price: priceOf(this.side, this.tick), locate: this.locate, t: model.clock++ };
      expect(real.m.addOrder(model.step++, o.locate, o.ref, o.side, o.shares, o.price, o.t)).toBe(true);
      model.orders.set(o.ref, o);
      checkBooks(model, real.m);
    }
    toString(): string {
      return `add(locate ${this.locate}, ${sideName(this.side)} ${this.shares} @ ${priceOf(this.side, this.tick)})`;
    }
  }

  /** Execute, cancel or delete one live order. */
  class Reduce implements BooksCommand {
    constructor(readonly kind: 'execute' | 'cancel' | 'delete', readonly locate: number, readonly pick: number, readonly amount: number) {}
    check(model: Readonly<Model>): boolean {
      return live(model as Model, this.locate).length > 0;
    }
    run(model: Model, real: Real): void {
      const o = chosen(model, this.locate, this.pick);
      const n = this.kind === 'delete' ? o.shares : part(this.amount, o.shares);
      const step = model.step++;
      const applied =
        this.kind === 'execute'
          ? real.m.executeOrder(step, 0x45, o.locate, o.ref, n, model.clock, -1)
          : this.kind === 'cancel'
            ? real.m.cancelOrder(step, o.locate, o.ref, n)
            : real.m.deleteOrder(step, o.locate, o.ref);
      expect(applied).toBe(true);
      o.shares -= n;
      if (o.shares === 0) model.orders.delete(o.ref);
      checkBooks(model, real.m);
    }
    toString(): string {
      return `${this.kind}(locate ${this.locate}, pick ${this.pick}, amount ${this.amount})`;
    }
  }

  /** Replace loses priority: a new ref, shares and price, the same side. */
  class Replace implements BooksCommand {
    constructor(readonly locate: number, readonly pick: number, readonly tick: number, readonly shares: number) {}
    check(model: Readonly<Model>): boolean {
      return live(model as Model, this.locate).length > 0;
    }
    run(model: Model, real: Real): void {
      const o = chosen(model, this.locate, this.pick);
      const n = { ...o, ref: model.nextRef++, shares: this.shares, price: priceOf(o.side, this.tick), t: model.clock++ };
      expect(real.m.replaceOrder(model.step++, o.locate, o.ref, n.ref, n.shares, n.price, n.t)).toBe(true);
      model.orders.delete(o.ref);
      model.orders.set(n.ref, n);
      checkBooks(model, real.m);
    }
    toString(): string {
      return `replace(locate ${this.locate}, pick ${this.pick}, ${this.shares} at tick ${this.tick})`;
    }
  }

  const locate = fc.integer({ min: 1, max: LOCATES });
  const pick = fc.nat({ max: 1000 });
  const tick = fc.integer({ min: 0, max: 39 });
  const shares = fc.integer({ min: 1, max: 1000 });
  // The mix of the old hand-rolled stream: 45% adds; of the rest 30% executions, 30%
  // cancels, 25% deletes, 15% replaces.
  const command: fc.Arbitrary<BooksCommand> = fc.oneof(
    { weight: 45, arbitrary: fc.tuple(locate, fc.constantFrom(B, S), tick, shares).map(([l, sd, t, n]) => new Add(l, sd, t, n)) },
    { weight: 17, arbitrary: fc.tuple(locate, pick, shares).map(([l, p, a]) => new Reduce('execute', l, p, a)) },
    { weight: 17, arbitrary: fc.tuple(locate, pick, shares).map(([l, p, a]) => new Reduce('cancel', l, p, a)) },
    { weight: 13, arbitrary: fc.tuple(locate, pick).map(([l, p]) => new Reduce('delete', l, p, 0)) },
    { weight: 8, arbitrary: fc.tuple(locate, pick, tick, shares).map(([l, p, t, n]) => new Replace(l, p, t, n)) },
  );

  test('random add/execute/cancel/delete/replace streams leave the same L3 queues, L2 levels and L1 tops', () => {
    fc.assert(
      fc.property(fc.commands([command], commandsOptions(500)), (commands) => {
        // Small pools so growth is exercised.
        const real = { m: new MarketBooks({ orderCapacity: 16, levelCapacity: 16 }) };
        const model: Model = { orders: new Map(), nextRef: 1, clock: 0, step: 0 };
        fc.modelRun(() => ({ model, real }), commands);
        checkBooks(model, real.m);
      }),
      propertyOptions(60),
    );
  });
});

describe('MarketBooks on the RITCH sample', () => {
  test('applies all 12,012 messages without a throw, counting orphans and integrity errors', () => {
    const file = path.resolve(__dirname, '../test/fixtures/ritch/ex20101224.TEST_ITCH_50');
    const m = new MarketBooks({ sessionDate: '2010-12-24' });
    let seq = 0;
    let bad = 0;
    readItchFile(new Uint8Array(fs.readFileSync(file)), {
      onMessage(bytes, o, n) {
        const status = m.decodeAndApply(bytes, o, n, ++seq);
        if (status !== 0 && status !== ITCH_IGNORED) bad++;
      },
      onFault() {
        bad++;
      },
    });
    expect(seq).toBe(12_012);
    expect(bad).toBe(0);
    expect(m.allBooks().map((b) => b.symbol)).toEqual(['ALC', 'BOB', 'CHAR']);
    // The sample is not contiguous: executions and deletes of unseen adds are orphans.
    expect(m.orphans).toBeGreaterThan(0);
    expect(m.applied[0x41]).toBe(4997);
    for (const b of m.allBooks()) {
      expect(b.bidDepth === 0 || b.askDepth === 0 || b.bestBidPrice() < b.bestAskPrice() || !b.continuousTrading).toBe(true);
      expect(b.checksum()).toBe(b.checksum());
    }
  });
});

describe('trade prints for candles', () => {
  test('E prints at the resting price, printable C at its price, non-printable C not at all, P always', () => {
    const m = new MarketBooks({ sessionDate: '2024-03-08' });
    const b = new Uint8Array(64);
    const T0 = 34_200_000_000_000; // 09:30
    encodeAddOrder(b, 0, L, 0, T0, 1, S, 1000, 'TEST', 1_000_000);
    m.decodeAndApply(b, 0, 36, 1);
    encodeOrderExecuted(b, 0, L, 0, T0 + 1e9, 1, 100, 1);
    m.decodeAndApply(b, 0, 31, 2);
    encodeOrderExecutedWithPrice(b, 0, L, 0, T0 + 2e9, 1, 100, 2, true, 1_000_500);
    m.decodeAndApply(b, 0, 36, 3);
    encodeOrderExecutedWithPrice(b, 0, L, 0, T0 + 3e9, 1, 100, 3, false, 1_009_900);
    m.decodeAndApply(b, 0, 36, 4);
    encodeTrade(b, 0, L, 0, T0 + 61e9, 0, B, 300, 'TEST', 999_900, 4);
    m.decodeAndApply(b, 0, 44, 5);
    const bk = book(m);
    expect(bk.orders(S)[0].shares).toBe(700); // the non-printable C still executed
    const m1 = bk.candles?.m1.toArray() ?? [];
    expect(m1.map((c) => [new Date(c.startMs).toISOString(), c.open, c.high, c.low, c.close, c.volume, c.trades])).toEqual([
      ['2024-03-08T14:30:00.000Z', 1_000_000, 1_000_500, 1_000_000, 1_000_500, 200, 2],
      ['2024-03-08T14:31:00.000Z', 999_900, 999_900, 999_900, 999_900, 300, 1],
    ]);
    const day = bk.candles?.d1.get(0);
    expect(day?.volume).toBe(500);
    expect(day?.vwap).toBeCloseTo((1_000_000 * 100 + 1_000_500 * 100 + 999_900 * 300) / 500, 6);
  });
});

/** Bit-by-bit CRC-32 (IEEE), independent of the table-driven one under test. */
function crc32Reference(text: string): number {
  let c = 0xffffffff;
  for (let i = 0; i < text.length; i++) {
    c ^= text.charCodeAt(i);
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
