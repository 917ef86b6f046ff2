// A TEST DOUBLE of the exchange core behind protocol's TradingPort, for order-entry/'s tests:
// a toy price-time matcher per symbol, a toy wallet (cash and shares, reservations for open
// buys and sells) and a kill switch, answering each batch of requests with one batch of
// reports on a later turn (as the core's group commit does). It is not the core (sim/):
// no risk classes, no collar, no journal. `pause()` holds requests unanswered (timeouts),
// `emit()` injects reports (a replay), and the house account 0 has unlimited cash and shares.
import {
  HOUSE_ACCOUNT,
  type BalanceView,
  type ExecutionReport,
  type NewOrderRequest,
  type OrderEntryReport,
  type OrderEntryRequest,
  type OrderReport,
  type OrderStatus,
  type TradingPort,
} from '../../protocol';

interface ToyOrder {
  orderId: number;
  account: number;
  clientOrderId: string;
  locate: number;
  side: 'B' | 'S';
  orderType: 'L' | 'I' | 'M';
  price: number;
  shares: number;
  filled: number;
  notional: number;
  status: OrderStatus;
  creationNs: number;
  /** Cash reserved (buys) or shares reserved (sells) still held. */
  reserved: number;
}

interface Wallet {
  cash: number;
  cashReserved: number;
  shares: Map<number, { shares: number; reserved: number }>;
  killSwitch: boolean;
  allowShort: boolean;
}

export class ToyTradingPort implements TradingPort {
  readonly requests: OrderEntryRequest[] = [];
  private listener: ((reports: readonly OrderEntryReport[]) => void) | null = null;
  private queue: OrderEntryRequest[] = [];
  private paused = false;
  private scheduled = false;
  private seq = 0;
  private matchNumber = 0;
  private clockNs = 34_200_000_000_000; // 09:30
  private readonly orders = new Map<number, ToyOrder>();
  private readonly books = new Map<number, ToyOrder[]>();
  private readonly wallets = new Map<number, Wallet>();
  private readonly clientIds = new Set<string>();

  submit(request: OrderEntryRequest): void {
    this.requests.push(request);
    this.queue.push(request);
    this.schedule();
  }

  onReports(listener: (reports: readonly OrderEntryReport[]) => void): void {
    this.listener = listener;
  }

  async balances(account: number): Promise<BalanceView> {
    const w = this.wallet(account);
    const positions = [...w.shares.entries()].filter(([, p]) => p.shares !== 0 || p.reserved !== 0).map(([locate, p]) => ({ locate, shares: p.shares, sharesReserved: p.reserved }));
    return { account, cash: w.cash, cashReserved: w.cashReserved, positions };
  }

  /** Holds requests unanswered until `resume`. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.schedule();
  }

  /** Delivers reports as if the core sent them (a replay at start-up). */
  emit(reports: readonly OrderEntryReport[]): void {
    this.listener?.(reports);
  }

  /** A resting order of the house account, straight onto the book (no report). */
  rest(locate: number, side: 'B' | 'S', price: number, shares: number): void {
    const o = this.newToyOrder({ kind: 'new', requestId: 0, account: HOUSE_ACCOUNT, clientOrderId: `house-${this.seq + 1}`, locate, side, orderType: 'L', price, shares });
    this.book(locate, side).push(o);
  }

  private schedule(): void {
    if (this.scheduled || this.paused || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.paused) return;
      const batch = this.queue;
      this.queue = [];
      const out: OrderEntryReport[] = [];
      for (const r of batch) this.apply(r, out);
      this.listener?.(out);
    });
  }

  private apply(r: OrderEntryRequest, out: OrderEntryReport[]): void {
    this.seq++;
    this.clockNs += 1000;
    switch (r.kind) {
      case 'new':
        return this.newOrder(r, out);
      case 'cancel': {
        const o = this.orders.get(r.orderId);
        if (o === undefined || o.account !== r.account) {
          out.push({ kind: 'account', requestId: r.requestId, account: r.account, reject: 'TW_REJECT_UNKNOWN_ORDER', seq: this.seq });
          return;
        }
        if (o.status !== 'new' && o.status !== 'partiallyFilled') {
          out.push(this.report(o, r.requestId, 'TW_REJECT_ORDER_CLOSED'));
          return;
        }
        this.cancel(o);
        out.push(this.report(o, r.requestId, ''));
        return;
      }
      case 'deposit':
      case 'withdraw': {
        const w = this.wallet(r.account);
        const sign = r.kind === 'deposit' ? 1 : -1;
        if (r.locate === 0) {
          if (sign < 0 && w.cash - w.cashReserved < r.amount) {
            out.push({ kind: 'account', requestId: r.requestId, account: r.account, reject: 'TW_REJECT_INSUFFICIENT_FUNDS', seq: this.seq });
            return;
          }
          w.cash += sign * r.amount;
        } else {
          const p = this.position(w, r.locate);
          if (sign < 0 && p.shares - p.reserved < r.amount) {
            out.push({ kind: 'account', requestId: r.requestId, account: r.account, reject: 'TW_REJECT_INSUFFICIENT_SHARES', seq: this.seq });
            return;
          }
          p.shares += sign * r.amount;
        }
        out.push({ kind: 'account', requestId: r.requestId, account: r.account, reject: '', seq: this.seq });
        return;
      }
      case 'settings': {
        const w = this.wallet(r.account);
        w.killSwitch = r.killSwitch;
        w.allowShort = r.allowShort;
        if (r.killSwitch) {
          for (const o of this.orders.values()) {
            if (o.account === r.account && (o.status === 'new' || o.status === 'partiallyFilled')) {
              this.cancel(o);
              out.push(this.report(o, 0, ''));
            }
          }
        }
        out.push({ kind: 'account', requestId: r.requestId, account: r.account, reject: '', seq: this.seq });
        return;
      }
      case 'replace':
        out.push({ kind: 'account', requestId: r.requestId, account: r.account, reject: 'TW_REJECT_NOT_SUPPORTED', seq: this.seq });
    }
  }

  private newOrder(r: NewOrderRequest, out: OrderEntryReport[]): void {
    const o = this.newToyOrder(r);
    const w = this.wallet(r.account);
    const key = `${r.account}:${r.clientOrderId}`;
    const house = r.account === HOUSE_ACCOUNT;
    let reject = '';
    if (this.clientIds.has(key)) reject = 'TW_REJECT_DUPLICATE_CLIENT_ORDER_ID';
    else if (w.killSwitch) reject = 'TW_REJECT_KILL_SWITCH';
    else if (!house && r.side === 'B') {
      const need = (r.orderType === 'M' ? this.bestPrice(r.locate, 'S') : r.price) * r.shares;
      if (r.orderType === 'M' && need === 0) reject = 'TW_REJECT_NO_LIQUIDITY';
      else if (w.cash - w.cashReserved < need) reject = 'TW_REJECT_INSUFFICIENT_FUNDS';
      else (o.reserved = need), (w.cashReserved += need);
    } else if (!house) {
      const p = this.position(w, r.locate);
      if (p.shares - p.reserved < r.shares && !w.allowShort) reject = 'TW_REJECT_INSUFFICIENT_SHARES';
      else (o.reserved = r.shares), (p.reserved += r.shares);
    }
    this.clientIds.add(key);
    if (reject !== '') {
      o.status = 'rejected';
      out.push(this.report(o, r.requestId, reject));
      return;
    }
    const opposite = this.book(r.locate, o.side === 'B' ? 'S' : 'B');
    // Best price first, then time (order id).
    opposite.sort((a, b) => (a.side === 'S' ? a.price - b.price : b.price - a.price) || a.orderId - b.orderId);
    for (const rest of opposite) {
      if (o.filled === o.shares) break;
      if (o.orderType !== 'M' && (o.side === 'B' ? rest.price > o.price : rest.price < o.price)) break;
      const shares = Math.min(o.shares - o.filled, rest.shares - rest.filled);
      this.fill(rest, shares, rest.price, 'A', out);
      this.fill(o, shares, rest.price, 'R', out);
      out.push(this.report(rest, 0, ''));
    }
    const live = opposite.filter((x) => x.status === 'new' || x.status === 'partiallyFilled');
    opposite.splice(0, opposite.length, ...live);
    if (o.filled < o.shares) {
      if (o.orderType === 'L') this.book(r.locate, o.side).push(o);
      else this.cancel(o);
    }
    out.push(this.report(o, r.requestId, ''));
  }

  private fill(o: ToyOrder, shares: number, price: number, liquidity: 'A' | 'R', out: OrderEntryReport[]): void {
    if (liquidity === 'A') this.matchNumber++;
    o.filled += shares;
    o.notional += shares * price;
    o.status = o.filled === o.shares ? 'filled' : 'partiallyFilled';
    if (o.account !== HOUSE_ACCOUNT) {
      const w = this.wallet(o.account);
      const p = this.position(w, o.locate);
      if (o.side === 'B') {
        const release = Math.min(o.reserved, o.orderType === 'M' ? shares * price : shares * o.price);
        o.reserved -= release;
        w.cashReserved -= release;
        w.cash -= shares * price;
        p.shares += shares;
      } else {
        o.reserved -= shares;
        p.reserved -= shares;
        p.shares -= shares;
        w.cash += shares * price;
      }
      if (o.status === 'filled') this.release(o);
    }
    const e: ExecutionReport = {
      kind: 'execution',
      account: o.account,
      executionId: this.matchNumber * 2 + (liquidity === 'A' ? 0 : 1),
      matchNumber: this.matchNumber,
      orderId: o.orderId,
      clientOrderId: o.clientOrderId,
      locate: o.locate,
      side: o.side,
      orderType: o.orderType,
      price,
      shares,
      liquidity,
      timeNs: this.clockNs,
      seq: this.seq,
    };
    out.push(e);
  }

  private cancel(o: ToyOrder): void {
    o.status = 'cancelled';
    this.release(o);
    const book = this.book(o.locate, o.side);
    const i = book.indexOf(o);
    if (i >= 0) book.splice(i, 1);
  }

  private release(o: ToyOrder): void {
    if (o.account === HOUSE_ACCOUNT || o.reserved === 0) return;
    const w = this.wallet(o.account);
    if (o.side === 'B') w.cashReserved -= o.reserved;
    else this.position(w, o.locate).reserved -= o.reserved;
    o.reserved = 0;
  }

  private report(o: ToyOrder, requestId: number, reject: string): OrderReport {
    return {
      kind: 'order',
      requestId,
      account: o.account,
      orderId: o.orderId,
      ref: o.orderId,
      clientOrderId: o.clientOrderId,
      locate: o.locate,
      side: o.side,
      orderType: o.orderType,
      price: o.price,
      shares: o.shares,
      filledShares: o.filled,
      remainingShares: o.status === 'new' || o.status === 'partiallyFilled' ? o.shares - o.filled : 0,
      status: o.status,
      reject,
      filledNotional: o.notional,
      creationNs: o.creationNs,
      updateNs: this.clockNs,
      seq: this.seq,
    };
  }

  private newToyOrder(r: NewOrderRequest): ToyOrder {
    const o: ToyOrder = {
      orderId: r.requestId === 0 ? ++this.seq : this.seq,
      account: r.account,
      clientOrderId: r.clientOrderId,
      locate: r.locate,
      side: r.side,
      orderType: r.orderType,
      price: r.price,
      shares: r.shares,
      filled: 0,
      notional: 0,
      status: 'new',
      creationNs: this.clockNs,
      reserved: 0,
    };
    this.orders.set(o.orderId, o);
    return o;
  }

  private bestPrice(locate: number, side: 'B' | 'S'): number {
    let best = 0;
    for (const o of this.book(locate, side)) {
      if (best === 0 || (side === 'S' ? o.price < best : o.price > best)) best = o.price;
    }
    return best;
  }

  private book(locate: number, side: 'B' | 'S'): ToyOrder[] {
    const key = locate * 2 + (side === 'B' ? 0 : 1);
    let b = this.books.get(key);
    if (b === undefined) this.books.set(key, (b = []));
    return b;
  }

  private wallet(account: number): Wallet {
    let w = this.wallets.get(account);
    if (w === undefined) this.wallets.set(account, (w = { cash: 0, cashReserved: 0, shares: new Map(), killSwitch: false, allowShort: false }));
    return w;
  }

  private position(w: Wallet, locate: number): { shares: number; reserved: number } {
    let p = w.shares.get(locate);
    if (p === undefined) w.shares.set(locate, (p = { shares: 0, reserved: 0 }));
    return p;
  }
}
