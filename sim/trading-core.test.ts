import type { ExecutionReport, OrderReport } from '../protocol';
import { TradingHarness } from './trading-harness';

const ALICE = 101;
const BOB = 102;
const P = 10_000; // Price(4) units per dollar
const AAPL = 1; // reference 192.34

function funded(cash = 1_000_000, shares = 0): TradingHarness {
  const h = new TradingHarness();
  h.open();
  for (const a of [ALICE, BOB]) {
    h.settings(a);
    h.deposit(a, 0, cash * P);
    if (shares > 0) h.deposit(a, AAPL, shares);
  }
  return h;
}

const orderReports = (rs: unknown[]): OrderReport[] => rs.filter((r) => (r as OrderReport).kind === 'order') as OrderReport[];
const executions = (rs: unknown[]): ExecutionReport[] => rs.filter((r) => (r as ExecutionReport).kind === 'execution') as ExecutionReport[];

describe('trading core: wallet and fills', () => {
  test('a resting buy reserves price x shares; a house sell fills it at its price and settles both sides', () => {
    const h = funded();
    const buy = h.order(ALICE, AAPL, 'B', 100, 190);
    expect(buy.reason).toBe(0);
    expect(orderReports(buy.reports)[0]).toMatchObject({ status: 'new', orderId: buy.seq, remainingShares: 100, account: ALICE });
    expect(h.balances(ALICE).cashReserved).toBe(100 * 190 * P);
    const sell = h.order(0, AAPL, 'S', 60, 189); // the house, aggressive
    expect(sell.reason).toBe(0);
    const ex = executions(sell.reports);
    expect(ex).toHaveLength(1);
    expect(ex[0]).toMatchObject({ account: ALICE, orderId: buy.seq, price: 190 * P, shares: 60, liquidity: 'A' });
    expect(ex[0].executionId).toBe(ex[0].matchNumber * 2);
    expect(orderReports(sell.reports)[0]).toMatchObject({ status: 'partiallyFilled', filledShares: 60, remainingShares: 40, requestId: 0 });
    const b = h.balances(ALICE);
    expect(b.cash).toBe((1_000_000 - 60 * 190) * P);
    expect(b.cashReserved).toBe(40 * 190 * P);
    expect(b.positions).toEqual([{ locate: AAPL, shares: 60, sharesReserved: 0 }]);
    // The house's side: shares out, cash in.
    expect(h.balances(0).positions).toEqual([{ locate: AAPL, shares: -60, sharesReserved: 0 }]);
    expect(h.balances(0).cash).toBe(60 * 190 * P);
  });

  test('an aggressive buy filled below its limit gets the difference back, and its report shows the fill', () => {
    const h = funded();
    h.order(0, AAPL, 'S', 100, 191);
    const buy = h.order(ALICE, AAPL, 'B', 100, 195);
    const ex = executions(buy.reports);
    expect(ex).toHaveLength(1);
    expect(ex[0]).toMatchObject({ liquidity: 'R', price: 191 * P, shares: 100 });
    expect(ex[0].executionId).toBe(ex[0].matchNumber * 2 + 1);
    expect(orderReports(buy.reports).pop()).toMatchObject({ status: 'filled', filledShares: 100, remainingShares: 0, filledNotional: 100 * 191 * P });
    const b = h.balances(ALICE);
    expect(b.cash).toBe((1_000_000 - 100 * 191) * P);
    expect(b.cashReserved).toBe(0);
  });

  test('two client accounts trading: two executions, one to each owner', () => {
    const h = funded(1_000_000, 500);
    const sell = h.order(BOB, AAPL, 'S', 200, 192);
    expect(h.balances(BOB).positions[0]).toEqual({ locate: AAPL, shares: 500, sharesReserved: 200 });
    const buy = h.order(ALICE, AAPL, 'B', 150, 192);
    const ex = executions(buy.reports);
    expect(ex.map((e) => [e.account, e.liquidity, e.orderId])).toEqual([
      [BOB, 'A', sell.seq],
      [ALICE, 'R', buy.seq],
    ]);
    expect(h.balances(BOB).positions[0]).toEqual({ locate: AAPL, shares: 350, sharesReserved: 50 });
    expect(h.balances(BOB).cash).toBe((1_000_000 + 150 * 192) * P);
    expect(h.balances(ALICE).positions[0]).toEqual({ locate: AAPL, shares: 650, sharesReserved: 0 });
  });

  test('a cancel releases its reservation; a partial cancel releases its part', () => {
    const h = funded();
    const buy = h.order(ALICE, AAPL, 'B', 100, 190);
    const part = h.cancel(ALICE, buy.seq, 30);
    expect(orderReports(part.reports)[0]).toMatchObject({ status: 'new', remainingShares: 70 });
    expect(h.balances(ALICE).cashReserved).toBe(70 * 190 * P);
    const all = h.cancel(ALICE, buy.seq);
    expect(orderReports(all.reports)[0]).toMatchObject({ status: 'cancelled', remainingShares: 0 });
    expect(h.balances(ALICE).cashReserved).toBe(0);
    expect(h.engine.engine.restingOrders).toBe(0);
  });

  test('a replace keeps the order id, moves the reservation, and a later cancel by order id finds the new ref', () => {
    const h = funded();
    const buy = h.order(ALICE, AAPL, 'B', 100, 190);
    const rep = h.replace(ALICE, buy.seq, 200, 189, 'rep-1');
    expect(rep.reason).toBe(0);
    expect(orderReports(rep.reports)[0]).toMatchObject({ orderId: buy.seq, ref: rep.seq, clientOrderId: 'rep-1', remainingShares: 200, price: 189 * P });
    expect(h.balances(ALICE).cashReserved).toBe(200 * 189 * P);
    expect(h.cancel(ALICE, buy.seq).reason).toBe(0);
    expect(h.balances(ALICE).cashReserved).toBe(0);
  });

  test('a market buy reserves at the collar, enters as IOC at the collar and releases the rest', () => {
    const h = funded();
    h.order(0, AAPL, 'S', 50, 193);
    h.order(0, AAPL, 'S', 50, 250); // far beyond the collar: never reached
    const mkt = h.order(ALICE, AAPL, 'B', 100, 0, 'M');
    const last = orderReports(mkt.reports).pop();
    expect(last).toMatchObject({ status: 'cancelled', filledShares: 50, orderType: 'M', price: 0 });
    expect(h.balances(ALICE).cashReserved).toBe(0);
    expect(h.balances(ALICE).cash).toBe((1_000_000 - 50 * 193) * P);
    expect(h.engine.engine.levels(AAPL, 'S')).toEqual([{ price: 250 * P, shares: 50, orders: 1 }]);
  });
});

describe('trading core: risk checks', () => {
  test('each refusal names its reason and the book never sees the order', () => {
    const h = funded(10_000, 100);
    const events = h.engine.events.length;
    const cases: Array<[string, () => { reason: number; reports: unknown[] }]> = [
      ['TW_REJECT_INSUFFICIENT_FUNDS', () => h.order(ALICE, AAPL, 'B', 100, 190)],
      ['TW_REJECT_INSUFFICIENT_SHARES', () => h.order(ALICE, AAPL, 'S', 101, 190)],
      ['TW_REJECT_MAX_SHARES', () => h.order(ALICE, AAPL, 'S', 100_001, 190)],
      ['TW_REJECT_PRICE_COLLAR', () => h.order(ALICE, AAPL, 'S', 10, 220)],
      ['TW_REJECT_UNKNOWN_ACCOUNT', () => h.order(999, AAPL, 'B', 1, 190)],
      ['TW_REJECT_UNKNOWN_SYMBOL', () => h.order(ALICE, 9, 'B', 1, 190)],
      ['TW_REJECT_BAD_PRICE', () => h.order(ALICE, AAPL, 'B', 1, 190.001)],
    ];
    for (const [code, send] of cases) {
      const r = send();
      expect(r.reason).not.toBe(0);
      expect(orderReports(r.reports)[0]).toMatchObject({ status: 'rejected', reject: code });
    }
    expect(h.engine.events.length).toBe(events);
    expect(h.balances(ALICE).cashReserved).toBe(0);
  });

  test('max notional and max open orders per the risk class', () => {
    const h = new TradingHarness();
    h.open();
    h.settings(ALICE, { cls: { name: 'tiny', maxOrderShares: 1000, maxOrderNotional: 20_000, priceCollar: 0.1, maxOpenOrders: 2 } });
    h.deposit(ALICE, 0, 1_000_000 * P);
    expect(orderReports(h.order(ALICE, AAPL, 'B', 200, 190).reports)[0].reject).toBe('TW_REJECT_MAX_NOTIONAL');
    expect(h.order(ALICE, AAPL, 'B', 10, 190).reason).toBe(0);
    expect(h.order(ALICE, AAPL, 'B', 10, 189).reason).toBe(0);
    expect(orderReports(h.order(ALICE, AAPL, 'B', 10, 188).reports)[0].reject).toBe('TW_REJECT_MAX_OPEN_ORDERS');
  });

  test('a client order id used twice in a day is refused', () => {
    const h = funded();
    expect(h.order(ALICE, AAPL, 'B', 1, 190, 'L', 'abc').reason).toBe(0);
    const again = h.order(ALICE, AAPL, 'B', 1, 190, 'L', 'abc');
    expect(orderReports(again.reports)[0]).toMatchObject({ reject: 'TW_REJECT_DUPLICATE_CLIENT_ORDER_ID', clientOrderId: 'abc' });
    expect(h.order(BOB, AAPL, 'B', 1, 190, 'L', 'abc').reason).toBe(0); // another account's own id
  });

  test('a client may act only on its own orders; the house may not touch a client order', () => {
    const h = funded();
    const buy = h.order(ALICE, AAPL, 'B', 10, 190);
    const house = h.order(0, AAPL, 'B', 10, 189);
    expect(orderReports(h.cancel(BOB, buy.seq).reports)[0].reject).toBe('TW_REJECT_NOT_OWNER');
    expect(orderReports(h.cancel(BOB, house.seq).reports)[0].reject).toBe('TW_REJECT_NOT_OWNER');
    expect(h.cancel(0, buy.seq).reason).not.toBe(0);
    expect(orderReports(h.cancel(ALICE, 99_999).reports)[0].reject).toBe('TW_REJECT_UNKNOWN_ORDER');
    expect(h.engine.engine.isLive(buy.seq)).toBe(true);
  });

  test('self-match prevention cancels the incoming order and leaves the book untouched', () => {
    const h = funded(1_000_000, 100);
    const house = h.order(0, AAPL, 'S', 30, 191);
    const mine = h.order(ALICE, AAPL, 'S', 50, 192);
    const buy = h.order(ALICE, AAPL, 'B', 100, 193);
    const ex = executions(buy.reports);
    expect(ex).toHaveLength(1); // against the house only
    expect(orderReports(buy.reports).pop()).toMatchObject({ status: 'cancelled', reject: 'TW_REJECT_SELF_MATCH', filledShares: 30 });
    expect(h.engine.engine.order(mine.seq)?.shares).toBe(50);
    expect(h.engine.engine.isLive(house.seq)).toBe(false);
    expect(h.balances(ALICE).cashReserved).toBe(0);
  });

  test('the kill switch deletes every open order of the account (events on the feed) and refuses new ones', () => {
    const h = funded(1_000_000, 100);
    const a = h.order(ALICE, AAPL, 'B', 10, 190);
    const b = h.order(ALICE, AAPL, 'S', 10, 195);
    const other = h.order(BOB, AAPL, 'B', 10, 189);
    const before = h.engine.events.length;
    const kill = h.settings(ALICE, { killSwitch: true });
    const deleted = h.engine.events.slice(before);
    expect(deleted.map((e) => [e.type, e.orderRef])).toEqual([
      ['D', a.seq],
      ['D', b.seq],
    ]);
    expect(deleted[1].groupEnd).toBe(true);
    expect(orderReports(kill.reports).map((r) => [r.orderId, r.status, r.reject])).toEqual([
      [a.seq, 'cancelled', 'TW_REJECT_KILL_SWITCH'],
      [b.seq, 'cancelled', 'TW_REJECT_KILL_SWITCH'],
    ]);
    expect(h.engine.engine.isLive(other.seq)).toBe(true);
    expect(orderReports(h.order(ALICE, AAPL, 'B', 1, 190).reports)[0].reject).toBe('TW_REJECT_KILL_SWITCH');
    expect(h.balances(ALICE)).toMatchObject({ cashReserved: 0, positions: [{ locate: AAPL, shares: 100, sharesReserved: 0 }] });
  });

  test('allowShort lets a sell go without shares; withdrawals cannot touch reserved funds', () => {
    const h = funded(1000);
    h.settings(ALICE, { allowShort: true });
    expect(h.order(ALICE, AAPL, 'S', 10, 192).reason).toBe(0);
    h.order(0, AAPL, 'B', 10, 192);
    expect(h.balances(ALICE).positions[0]).toEqual({ locate: AAPL, shares: -10, sharesReserved: 0 });
    expect(h.order(BOB, AAPL, 'B', 2, 185).reason).toBe(0);
    expect(h.withdraw(BOB, 0, 1000 * P).reason).not.toBe(0);
    expect(h.withdraw(BOB, 0, 500 * P).reason).toBe(0);
    expect(h.balances(BOB).cash).toBe(500 * P);
  });

  test("the engine's refusals reach the client too (a halted symbol)", () => {
    const h = funded();
    h.engine.tradingState(AAPL, 'H');
    const r = h.order(ALICE, AAPL, 'B', 10, 190);
    expect(orderReports(r.reports)[0]).toMatchObject({ status: 'rejected', reject: 'TW_REJECT_SYMBOL_HALTED' });
    expect(h.balances(ALICE).cashReserved).toBe(0);
  });
});
