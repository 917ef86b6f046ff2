// The orders of the accounts that trade over FIX, as FIX sees them: the current ClOrdID
// and the chain of them (a cancel or replace names the order by OrigClOrdID), cumulative
// quantity and notional, and the cancels and replaces in flight. It turns the exchange
// core's report stream into ExecutionReports and OrderCancelRejects, in the order FIX
// 4.4 Vol 4's state matrices show them: New before the fills of an aggressive order
// (the core reports those fills first), Replaced before a crossing replace's fills.
//
// Every order of the account is reported (a REST or OUCH order too: a drop copy), so a
// FIX client sees every execution of its account. Bounded: per account at most
// `closedPerAccount` closed orders are remembered (oldest forgotten first).
import type { ListedSymbol } from '../config';
import { HOUSE_ACCOUNT, type ExecutionReport, type OrderReport, type OrderSideCode, type OrderStatus, type OrderTypeCode, type OrderEntryReport } from '../protocol';
import { CxlRejReason, ExecType, FixMsgType, OrdStatus, cancelReject, executionReport, ordRejReason, ordStatusOf, type ReportFields } from './fix-messages';
import type { OrderMirror } from './order-mirror';

export interface TrackedOrder {
  readonly orderId: number;
  readonly account: number;
  readonly locate: number;
  readonly side: OrderSideCode;
  readonly orderType: OrderTypeCode;
  clOrdId: string;
  origClOrdId: string;
  /** Every ClOrdID the order has had (so a late cancel naming an old one is still found). */
  readonly clOrdIds: string[];
  price: number;
  qty: number;
  cum: number;
  notional: number;
  leaves: number;
  status: OrderStatus;
}

/** A cancel or replace sent for an order and not yet answered. */
export interface PendingChange {
  readonly clOrdId: string;
  readonly origClOrdId: string;
}

/** Where the tracker's messages go: to every FIX session of the account. */
export type FixSink = (account: number, msgType: string, body: Record<string, unknown>) => void;

export interface FixTrackerFigures {
  executionReports: number;
  cancelRejects: number;
  /** Executions of an order neither the tracker nor the mirror knew (not reported). */
  unknownOrders: number;
  forgotten: number;
}

class AccountOrders {
  readonly byClOrdId = new Map<string, TrackedOrder>();
  readonly closed: number[] = [];
}

export class FixOrderTracker {
  readonly figures: FixTrackerFigures = { executionReports: 0, cancelRejects: 0, unknownOrders: 0, forgotten: 0 };
  private readonly orders = new Map<number, TrackedOrder>();
  private readonly accounts = new Map<number, AccountOrders>();
  private readonly cancels = new Map<number, PendingChange>();
  private readonly replaces = new Map<number, PendingChange>();
  /** Fills of an order as the incoming side, held until the report that ends its command. */
  private readonly held = new Map<number, ExecutionReport[]>();
  private readonly tickers: string[] = [];
  private readonly midnightMs: number;
  /** Off during the journal's replay: state only, no messages. */
  live = false;

  constructor(
    symbols: readonly ListedSymbol[],
    private readonly mirror: OrderMirror,
    private readonly tracks: (account: number) => boolean,
    private readonly sink: FixSink,
    midnightUtcMs: number,
    private readonly closedPerAccount = 10_000,
  ) {
    for (const s of symbols) this.tickers[s.locate] = s.ticker;
    this.midnightMs = midnightUtcMs;
  }

  symbolOf(locate: number): string {
    return this.tickers[locate] ?? String(locate);
  }

  /** The account's order a ClOrdID (current or earlier) names, or an order id (OrderID(37)). */
  find(account: number, clOrdId: string, orderId = 0): TrackedOrder | null {
    if (orderId > 0) {
      const o = this.orders.get(orderId);
      if (o !== undefined && o.account === account) return o;
    }
    const hit = this.accounts.get(account)?.byClOrdId.get(clOrdId);
    if (hit !== undefined) return hit;
    const m = this.mirror.byClientOrderId(account, clOrdId) ?? (orderId > 0 ? this.mirror.order(account, orderId) : null);
    return m === null ? null : this.adopt(m.orderId, account);
  }

  /** True when the account already used this ClOrdID today (as far as remembered). */
  knows(account: number, clOrdId: string): boolean {
    return this.accounts.get(account)?.byClOrdId.has(clOrdId) === true || this.mirror.hasClientOrderId(account, clOrdId);
  }

  expectCancel(orderId: number, change: PendingChange): void {
    this.cancels.set(orderId, change);
  }

  expectReplace(orderId: number, change: PendingChange): void {
    this.replaces.set(orderId, change);
  }

  /** The gateway refused the cancel or replace before the core saw it (or it failed): if still pending, the FIX answer is the caller's. */
  settle(orderId: number, kind: 'cancel' | 'replace'): boolean {
    return (kind === 'cancel' ? this.cancels : this.replaces).delete(orderId);
  }

  transactTime(ns: number): Date {
    return new Date(this.midnightMs + Math.floor(ns / 1e6));
  }

  apply(r: OrderEntryReport): void {
    if (r.kind === 'account' || r.account === HOUSE_ACCOUNT || !this.tracks(r.account)) return;
    if (r.kind === 'execution') this.execution(r);
    else this.order(r);
  }

  private execution(e: ExecutionReport): void {
    if (e.liquidity === 'R' && (!this.orders.has(e.orderId) || this.replaces.has(e.orderId))) {
      const h = this.held.get(e.orderId);
      if (h === undefined) this.held.set(e.orderId, [e]);
      else h.push(e);
      return;
    }
    const o = this.orders.get(e.orderId) ?? this.adopt(e.orderId, e.account);
    if (o === null) {
      this.figures.unknownOrders++;
      return;
    }
    this.fill(o, e);
  }

  private fill(o: TrackedOrder, e: ExecutionReport): void {
    o.cum += e.shares;
    o.notional += e.shares * e.price;
    o.leaves = Math.max(0, o.qty - o.cum);
    o.status = o.leaves === 0 ? 'filled' : 'partiallyFilled';
    this.report(o, {
      execType: ExecType.Trade,
      ordStatus: o.leaves === 0 ? OrdStatus.Filled : OrdStatus.PartiallyFilled,
      execId: `T${e.executionId}`,
      clOrdId: o.clOrdId,
      origClOrdId: o.origClOrdId,
      lastQty: e.shares,
      lastPx: e.price,
      transactTime: this.transactTime(e.timeNs),
    });
    if (o.leaves === 0) this.closed(o);
  }

  private order(r: OrderReport): void {
    const known = this.orders.get(r.orderId);
    const cancel = this.cancels.get(r.orderId);
    const replace = this.replaces.get(r.orderId);
    if (r.reject !== '' && r.status !== 'cancelled' && (known !== undefined || r.locate === 0)) {
      // A refused cancel or replace (the order, if any, keeps its status).
      const change = r.requestId === 0 ? undefined : (cancel ?? replace);
      if (change === undefined) return;
      const isCancel = change === cancel;
      (isCancel ? this.cancels : this.replaces).delete(r.orderId);
      this.cancelRejected(r.account, known ?? null, change, isCancel ? '1' : '2', r.reject.includes('UNKNOWN') ? CxlRejReason.UnknownOrder : CxlRejReason.Other, r.reject, this.transactTime(r.updateNs));
      this.release(r.orderId, known ?? null);
      return;
    }
    if (known === undefined) {
      this.entered(r);
      return;
    }
    const o = known;
    const when = this.transactTime(r.updateNs);
    if (replace !== undefined && r.requestId !== 0) {
      this.replaces.delete(r.orderId);
      o.origClOrdId = replace.origClOrdId;
      this.rename(o, replace.clOrdId);
      o.qty = r.shares;
      o.price = r.price;
      o.leaves = Math.max(0, o.qty - o.cum);
      this.report(o, { execType: ExecType.Replaced, ordStatus: o.cum > 0 ? OrdStatus.PartiallyFilled : OrdStatus.New, execId: `R${r.seq}.${o.orderId}`, clOrdId: o.clOrdId, origClOrdId: o.origClOrdId, transactTime: when });
    } else if (r.clientOrderId !== '' && r.clientOrderId !== o.clOrdId && r.status !== 'cancelled') {
      // Replaced through another channel (OUCH).
      o.origClOrdId = o.clOrdId;
      this.rename(o, r.clientOrderId);
      o.qty = r.shares;
      o.price = r.price;
      o.leaves = Math.max(0, o.qty - o.cum);
      this.report(o, { execType: ExecType.Replaced, ordStatus: o.cum > 0 ? OrdStatus.PartiallyFilled : OrdStatus.New, execId: `R${r.seq}.${o.orderId}`, clOrdId: o.clOrdId, origClOrdId: o.origClOrdId, transactTime: when });
    }
    this.release(r.orderId, o);
    if (r.status === 'cancelled' && o.status !== 'cancelled' && o.status !== 'filled') {
      let clOrdId = o.clOrdId;
      let origClOrdId = '';
      if (cancel !== undefined && r.requestId !== 0) {
        this.cancels.delete(r.orderId);
        origClOrdId = o.clOrdId;
        clOrdId = cancel.clOrdId;
        this.rename(o, clOrdId);
        o.origClOrdId = origClOrdId;
      }
      o.cum = r.filledShares;
      o.notional = r.filledNotional;
      o.leaves = 0;
      o.status = 'cancelled';
      this.report(o, { execType: ExecType.Canceled, ordStatus: OrdStatus.Canceled, execId: `C${r.seq}.${o.orderId}`, clOrdId, origClOrdId, text: r.reject, transactTime: when });
      this.closed(o);
      return;
    }
    // Fills were reported from the executions; keep in step with the core.
    o.qty = r.shares;
    o.price = r.price;
    o.cum = r.filledShares;
    o.notional = r.filledNotional;
    o.leaves = r.remainingShares;
    if (o.status !== r.status) {
      o.status = r.status;
      if (r.status === 'filled') this.closed(o);
    }
  }

  /** The first report of an order: New (then its fills, then Canceled if its rest was), or Rejected. */
  private entered(r: OrderReport): void {
    const when = this.transactTime(r.updateNs);
    const held = this.held.get(r.orderId);
    this.held.delete(r.orderId);
    if (r.status === 'rejected' || r.orderId === 0) {
      const o: TrackedOrder = this.make(r);
      o.leaves = 0;
      o.status = 'rejected';
      this.report(o, { execType: ExecType.Rejected, ordStatus: OrdStatus.Rejected, execId: `J${r.seq}.${r.orderId}`, clOrdId: r.clientOrderId, ordRejReason: ordRejReason(r.reject), text: r.reject, transactTime: when });
      return;
    }
    const o = this.make(r);
    this.orders.set(o.orderId, o);
    this.account(o.account).byClOrdId.set(o.clOrdId, o);
    this.report(o, { execType: ExecType.New, ordStatus: OrdStatus.New, execId: `N${r.seq}.${o.orderId}`, clOrdId: o.clOrdId, transactTime: when });
    if (held !== undefined) for (const e of held) this.fill(o, e);
    o.cum = r.filledShares;
    o.notional = r.filledNotional;
    o.leaves = r.remainingShares;
    o.status = r.status;
    if (r.status === 'cancelled') {
      o.leaves = 0;
      this.report(o, { execType: ExecType.Canceled, ordStatus: OrdStatus.Canceled, execId: `C${r.seq}.${o.orderId}`, clOrdId: o.clOrdId, text: r.reject, transactTime: when });
    }
    if (r.status === 'cancelled' || r.status === 'filled') this.closed(o);
  }

  /** A cancel or replace refused by the core or the gateway: OrderCancelReject(9) to the account's sessions. */
  cancelRejected(account: number, o: TrackedOrder | null, change: PendingChange, responseTo: '1' | '2', reason: string, text: string, when: Date): void {
    this.figures.cancelRejects++;
    if (!this.live) return;
    this.sinkTo(
      account,
      FixMsgType.OrderCancelReject,
      cancelReject({ orderId: o?.orderId ?? 0, clOrdId: change.clOrdId, origClOrdId: change.origClOrdId, ordStatus: o === null ? OrdStatus.Rejected : ordStatusOf(o.status), responseTo, reason, text, transactTime: when }),
    );
  }

  /** An ExecutionReport about `o` with the given fields, to its account's sessions. */
  report(o: TrackedOrder | { orderId: number; account: number; locate: number; side: OrderSideCode; orderType: OrderTypeCode; price: number; qty: number; cum: number; leaves: number; notional: number }, f: ReportFields): void {
    if (!this.live) return;
    this.figures.executionReports++;
    this.sinkTo(o.account, FixMsgType.ExecutionReport, executionReport({ ...o, symbol: this.symbolOf(o.locate) }, f));
  }

  private sinkTo(account: number, msgType: string, body: Record<string, unknown>): void {
    if (account > 0) this.sink(account, msgType, body);
  }

  /** A replace's held fills, now that its Replaced was reported (or it was refused). */
  private release(orderId: number, o: TrackedOrder | null): void {
    const held = this.held.get(orderId);
    if (held === undefined) return;
    this.held.delete(orderId);
    if (o !== null) for (const e of held) this.fill(o, e);
  }

  private make(r: OrderReport): TrackedOrder {
    return {
      orderId: r.orderId,
      account: r.account,
      locate: r.locate,
      side: r.side,
      orderType: r.orderType,
      clOrdId: r.clientOrderId,
      origClOrdId: '',
      clOrdIds: [r.clientOrderId],
      price: r.price,
      qty: r.shares,
      cum: 0,
      notional: 0,
      leaves: r.shares,
      status: 'new',
    };
  }

  /** An order the tracker never saw (entered before the account's first FIX logon): from the mirror. */
  private adopt(orderId: number, account: number): TrackedOrder | null {
    const existing = this.orders.get(orderId);
    if (existing !== undefined) return existing.account === account ? existing : null;
    const m = this.mirror.order(account, orderId);
    if (m === null) return null;
    const o: TrackedOrder = {
      orderId,
      account,
      locate: m.locate,
      side: m.side,
      orderType: m.orderType,
      clOrdId: m.clientOrderId,
      origClOrdId: '',
      clOrdIds: [m.clientOrderId],
      price: m.price,
      qty: m.shares,
      cum: m.filledShares,
      notional: m.filledNotional,
      leaves: m.remainingShares,
      status: m.status,
    };
    this.orders.set(orderId, o);
    this.account(account).byClOrdId.set(o.clOrdId, o);
    return o;
  }

  private rename(o: TrackedOrder, clOrdId: string): void {
    o.clOrdId = clOrdId;
    o.clOrdIds.push(clOrdId);
    this.account(o.account).byClOrdId.set(clOrdId, o);
  }

  private account(id: number): AccountOrders {
    let a = this.accounts.get(id);
    if (a === undefined) {
      a = new AccountOrders();
      this.accounts.set(id, a);
    }
    return a;
  }

  private closed(o: TrackedOrder): void {
    const a = this.account(o.account);
    a.closed.push(o.orderId);
    if (a.closed.length <= this.closedPerAccount) return;
    const old = this.orders.get(a.closed.shift() as number);
    if (old === undefined) return;
    this.orders.delete(old.orderId);
    for (const id of old.clOrdIds) if (a.byClOrdId.get(id) === old) a.byClOrdId.delete(id);
    this.figures.forgotten++;
  }
}
