// The gateway's memory of each account's orders and executions, built only from the
// exchange core's report stream (live, and the journal replay the runtime delivers before
// the port opens), so it always agrees with the core. It answers GET /v1/order(s) and
// /v1/execution and finds an order by its clientOrderId for safe retries.
//
// Bounded: per account at most `ordersPerAccount` orders (the oldest closed ones, filled,
// cancelled or rejected, are forgotten first; open orders are never forgotten, and the core
// holds them to the risk class's maxOpenOrders) and at most `executionsPerAccount`
// executions (oldest forgotten first; the array is trimmed when it passes 1.25x that).
// The house account (the order-flow generator) is never mirrored.
import { HOUSE_ACCOUNT, type ExecutionReport, type OrderReport, type OrderSideCode, type OrderStatus, type OrderTypeCode } from '../protocol';

export interface MirrorBounds {
  /** Orders remembered per account (default 10,000). */
  ordersPerAccount: number;
  /** Executions remembered per account (default 10,000). */
  executionsPerAccount: number;
}

export const DEFAULT_MIRROR_BOUNDS: MirrorBounds = { ordersPerAccount: 10_000, executionsPerAccount: 10_000 };

/** One order as its reports left it. */
export interface MirroredOrder {
  readonly orderId: number;
  readonly account: number;
  readonly clientOrderId: string;
  readonly locate: number;
  readonly side: OrderSideCode;
  readonly orderType: OrderTypeCode;
  /** As first reported (a replace changes price and shares; a retry is compared with these). */
  readonly firstPrice: number;
  readonly firstShares: number;
  price: number;
  shares: number;
  filledShares: number;
  remainingShares: number;
  filledNotional: number;
  status: OrderStatus;
  /** The TW_REJECT_* code of the order's rejection ('' if none). */
  reject: string;
  readonly creationNs: number;
  updateNs: number;
}

export type MirroredExecution = ExecutionReport;

export interface MirrorFigures {
  accounts: number;
  orders: number;
  executions: number;
  ordersForgotten: number;
  executionsForgotten: number;
}

class AccountRecord {
  /** By order id, in creation order (Map keeps insertion order). */
  readonly orders = new Map<number, MirroredOrder>();
  readonly byClientOrderId = new Map<string, MirroredOrder>();
  executions: MirroredExecution[] = [];
  /**
   * Orders as they closed, oldest first, from `closedHead` on: the next one to forget is found
   * at once. (A scan of `orders` for the oldest closed one walked past every open order on
   * each new order once the bound was reached: 15% of an OUCH server at 43,000/s.)
   */
  closedIds: MirroredOrder[] = [];
  closedHead = 0;
}

export function isOpen(status: OrderStatus): boolean {
  return status === 'new' || status === 'partiallyFilled';
}

export class OrderMirror {
  readonly bounds: MirrorBounds;
  readonly figures: MirrorFigures = { accounts: 0, orders: 0, executions: 0, ordersForgotten: 0, executionsForgotten: 0 };
  private readonly accounts = new Map<number, AccountRecord>();
  /** The last record looked up: one account's reports come in runs. */
  private lastAccount = -1;
  private lastRecord: AccountRecord | null = null;

  constructor(bounds: MirrorBounds = DEFAULT_MIRROR_BOUNDS) {
    this.bounds = bounds;
  }

  /**
   * Applies an order report; returns the order as it now stands, or null when nothing is
   * mirrored: the house account, and refusals that name no order of the account (a refusal
   * before the order existed has orderId 0; a refused cancel of an unknown order has locate 0).
   */
  applyOrder(r: OrderReport): MirroredOrder | null {
    if (r.account === HOUSE_ACCOUNT) return null;
    const a = this.record(r.account);
    let o = a.orders.get(r.orderId);
    if (o === undefined) {
      if (r.orderId === 0 || (r.status === 'rejected' && r.locate === 0)) return null;
      o = mirroredFromReport(r);
      a.orders.set(r.orderId, o);
      this.figures.orders++;
      if (r.clientOrderId !== '' && !a.byClientOrderId.has(r.clientOrderId)) a.byClientOrderId.set(r.clientOrderId, o);
      if (!isOpen(o.status)) a.closedIds.push(o);
      if (a.orders.size > this.bounds.ordersPerAccount) this.forgetOldestClosed(a);
      return o;
    }
    // A refused cancel or replace leaves the order as it was (protocol: "the order keeps its status").
    if (r.reject !== '') return o;
    o.price = r.price;
    o.shares = r.shares;
    o.filledShares = r.filledShares;
    o.remainingShares = r.remainingShares;
    o.filledNotional = r.filledNotional;
    if (isOpen(o.status) && !isOpen(r.status)) a.closedIds.push(o);
    o.status = r.status;
    o.updateNs = r.updateNs;
    // A replace's own client order id is not indexed: this gateway sends no replaces (FIX and OUCH will).
    return o;
  }

  /** Records an execution (false for the house account). */
  applyExecution(r: ExecutionReport): boolean {
    if (r.account === HOUSE_ACCOUNT) return false;
    const a = this.record(r.account);
    a.executions.push(r);
    this.figures.executions++;
    const cap = this.bounds.executionsPerAccount;
    if (a.executions.length > cap + (cap >> 2)) {
      const drop = a.executions.length - cap;
      a.executions.splice(0, drop);
      this.figures.executions -= drop;
      this.figures.executionsForgotten += drop;
    }
    return true;
  }

  order(account: number, orderId: number): MirroredOrder | null {
    return this.accounts.get(account)?.orders.get(orderId) ?? null;
  }

  byClientOrderId(account: number, clientOrderId: string): MirroredOrder | null {
    return this.accounts.get(account)?.byClientOrderId.get(clientOrderId) ?? null;
  }

  /** The account's orders, oldest first: open ones only, or all remembered. */
  orders(account: number, which: 'open' | 'all'): MirroredOrder[] {
    const a = this.accounts.get(account);
    if (a === undefined) return [];
    const out: MirroredOrder[] = [];
    for (const o of a.orders.values()) if (which === 'all' || isOpen(o.status)) out.push(o);
    return out;
  }

  /** The account's executions, oldest first, matching the filter. */
  executions(account: number, filter: { locate?: number; orderId?: number; fromNs?: number; toNs?: number } = {}): MirroredExecution[] {
    const a = this.accounts.get(account);
    if (a === undefined) return [];
    return a.executions.filter(
      (e) =>
        (filter.locate === undefined || e.locate === filter.locate) &&
        (filter.orderId === undefined || e.orderId === filter.orderId) &&
        (filter.fromNs === undefined || e.timeNs >= filter.fromNs) &&
        (filter.toNs === undefined || e.timeNs <= filter.toNs),
    );
  }

  private record(account: number): AccountRecord {
    if (account === this.lastAccount) return this.lastRecord as AccountRecord;
    let a = this.accounts.get(account);
    if (a === undefined) {
      a = new AccountRecord();
      this.accounts.set(account, a);
      this.figures.accounts++;
    }
    this.lastAccount = account;
    this.lastRecord = a;
    return a;
  }

  /** Forgets the order that closed longest ago (none while every remembered order is open). */
  private forgetOldestClosed(a: AccountRecord): void {
    const ids = a.closedIds;
    while (a.closedHead < ids.length) {
      const o = ids[a.closedHead++];
      // Each order closes once and leaves only here.
      if (!a.orders.delete(o.orderId)) continue;
      if (a.byClientOrderId.get(o.clientOrderId) === o) a.byClientOrderId.delete(o.clientOrderId);
      this.figures.orders--;
      this.figures.ordersForgotten++;
      break;
    }
    if (a.closedHead > 1024 && a.closedHead * 2 > ids.length) {
      a.closedIds = ids.slice(a.closedHead);
      a.closedHead = 0;
    }
  }
}

/** An order as one report shows it (the first report of a mirrored order, or a refusal that is not mirrored). */
export function mirroredFromReport(r: OrderReport): MirroredOrder {
  return {
    orderId: r.orderId,
    account: r.account,
    clientOrderId: r.clientOrderId,
    locate: r.locate,
    side: r.side,
    orderType: r.orderType,
    firstPrice: r.price,
    firstShares: r.shares,
    price: r.price,
    shares: r.shares,
    filledShares: r.filledShares,
    remainingShares: r.remainingShares,
    filledNotional: r.filledNotional,
    status: r.status,
    reject: r.status === 'rejected' ? r.reject : '',
    creationNs: r.creationNs,
    updateNs: r.updateNs,
  };
}
