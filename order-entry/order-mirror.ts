// The gateway's memory of each account's orders and executions, built only from the
// exchange core's report stream (live, and the journal replay the runtime delivers before
// the port opens), so it always agrees with the core. It answers GET /v1/order(s) and
// /v1/execution and finds an order by its clientOrderId for safe retries.
//
// Bounded: per account at most `ordersPerAccount` orders (the oldest closed ones, filled,
// cancelled or rejected, are forgotten first; open orders are never forgotten, and the core
// holds them to the risk class's maxOpenOrders) and at most `executionsPerAccount`
// executions (a ring per account: the oldest is forgotten as each new one comes).
// The house account (the order-flow generator) is never mirrored.
//
// Storage (issue 19): orders live in one table of slots (each slot's fields interleaved in
// two typed arrays, a free list, the client order id as bytes), found through two
// open-addressing indexes in Int32Arrays (account and order id; account and client order id,
// each cell with its key's hash); each account's orders
// are a linked list of slots in creation order, its closed ones a queue in closing order.
// An OrderMirror holds no object per order: at 43,000 orders/s the mirror's second of
// orders as objects made every scavenge copy and promote them (40-130 ms pauses, the OUCH
// round trip's p99). A MirroredOrder is made only when something reads one.
import { HOUSE_ACCOUNT, type ExecutionReport, type OrderReport, type OrderSideCode, type OrderStatus, type OrderTypeCode } from '../protocol';
import { ExecutionRing } from './execution-ring';
import { hashString, IdBytes } from './id-bytes';
import { finishHash, hashNumber, SlotIndex } from './slot-index';

export interface MirrorBounds {
  /** Orders remembered per account (default 10,000). */
  ordersPerAccount: number;
  /** Executions remembered per account (default 10,000). */
  executionsPerAccount: number;
}

export const DEFAULT_MIRROR_BOUNDS: MirrorBounds = { ordersPerAccount: 10_000, executionsPerAccount: 10_000 };

/** One order as its reports left it (a copy, made when read). */
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
  readonly price: number;
  readonly shares: number;
  readonly filledShares: number;
  readonly remainingShares: number;
  readonly filledNotional: number;
  readonly status: OrderStatus;
  /** The TW_REJECT_* code of the order's rejection ('' if none). */
  readonly reject: string;
  readonly creationNs: number;
  readonly updateNs: number;
}

export type MirroredExecution = ExecutionReport;

export interface MirrorFigures {
  accounts: number;
  orders: number;
  executions: number;
  ordersForgotten: number;
  executionsForgotten: number;
}

/** Status codes in a slot. */
const STATUS_CODE: Record<OrderStatus, number> = { new: 1, partiallyFilled: 2, filled: 3, cancelled: 4, rejected: 5 };
const STATUS_OF: readonly OrderStatus[] = ['new', 'new', 'partiallyFilled', 'filled', 'cancelled', 'rejected'];
const B = 0x42;
const L = 0x4c;
const I = 0x49;
const NONE = -1;
/** A slot's numbers (Float64: ids past 2^32, prices, shares, notional, ns times), at slot * F. */
const F_ORDER_ID = 0;
const F_ACCOUNT = 1;
const F_FIRST_PRICE = 2;
const F_FIRST_SHARES = 3;
const F_PRICE = 4;
const F_SHARES = 5;
const F_FILLED = 6;
const F_REMAINING = 7;
const F_NOTIONAL = 8;
const F_CREATION = 9;
const F_UPDATE = 10;
const F = 11;
/** A slot's small fields (Int32): locate, interned reject, list links, index hashes, side and order type character codes, status code, flags; at slot * N. */
const N_LOCATE = 0;
const N_REJECT = 1;
const N_PREV = 2;
const N_NEXT = 3;
const N_CLOSED_NEXT = 4;
const N_ORDER_HASH = 5;
const N_ID_HASH = 6;
const N_SIDE = 7;
const N_TYPE = 8;
const N_STATUS = 9;
const N_QUEUED = 10;
const N_INDEXED_ID = 11;
const N = 12;

class AccountRecord {
  /** Its orders in creation order (slots, linked through the table's prev/next). */
  head = NONE;
  tail = NONE;
  count = 0;
  /** Its orders as they closed, oldest first (linked through closedNext): the next to forget. */
  closedHead = NONE;
  closedTail = NONE;
  executions: ExecutionRing | null = null;
}

export function isOpen(status: OrderStatus): boolean {
  return status === 'new' || status === 'partiallyFilled';
}

function isOpenCode(code: number): boolean {
  return code === 1 || code === 2;
}

export class OrderMirror {
  readonly bounds: MirrorBounds;
  readonly figures: MirrorFigures = { accounts: 0, orders: 0, executions: 0, ordersForgotten: 0, executionsForgotten: 0 };
  private readonly accounts = new Map<number, AccountRecord>();
  /** The last record looked up: one account's reports come in runs. */
  private lastAccount = -1;
  private lastRecord: AccountRecord | null = null;

  // ---- the slot table ---------------------------------------------------------------------
  // One record per slot, interleaved (not one array per field): a report writes or reads a
  // whole slot, and the slot a new order reuses is the one forgotten just before, cold, so
  // each separate array was a cache miss of its own (23 per new order).
  private capacity = 0;
  private freeHead = NONE;
  /** F_* fields of slot s at s * F. */
  private f: Float64Array = new Float64Array(0);
  /** N_* fields of slot s at s * N (the creation-order list's next doubles as the free list's link). */
  private n: Int32Array = new Int32Array(0);
  private readonly ids: IdBytes;
  /** TW_REJECT_* codes, interned (index 0 is ''). */
  private readonly rejects: string[] = [''];
  private readonly rejectCode = new Map<string, number>([['', 0]]);
  private readonly byOrderId: SlotIndex;
  private readonly byClientId: SlotIndex;

  constructor(bounds: MirrorBounds = DEFAULT_MIRROR_BOUNDS) {
    this.bounds = bounds;
    this.ids = new IdBytes(0);
    this.byOrderId = new SlotIndex((s) => this.n[s * N + N_ORDER_HASH], 1024);
    this.byClientId = new SlotIndex((s) => this.n[s * N + N_ID_HASH], 1024);
    this.grow(1024);
  }

  /**
   * Applies an order report; returns the order's slot (read it with orderAt), or -1 when
   * nothing is mirrored: the house account, and refusals that name no order of the account (a
   * refusal before the order existed has orderId 0; a refused cancel of an unknown order has
   * locate 0). A slot stays valid until the next report is applied.
   */
  applyOrder(r: OrderReport): number {
    if (r.account === HOUSE_ACCOUNT) return NONE;
    const a = this.record(r.account);
    const s = this.find(r.account, r.orderId);
    if (s === NONE) {
      if (r.orderId === 0 || (r.status === 'rejected' && r.locate === 0)) return NONE;
      return this.add(a, r);
    }
    // A refused cancel or replace leaves the order as it was (protocol: "the order keeps its status").
    if (r.reject !== '') return s;
    this.f[s * F + F_PRICE] = r.price;
    this.f[s * F + F_SHARES] = r.shares;
    this.f[s * F + F_FILLED] = r.filledShares;
    this.f[s * F + F_REMAINING] = r.remainingShares;
    this.f[s * F + F_NOTIONAL] = r.filledNotional;
    const code = STATUS_CODE[r.status];
    if (isOpenCode(this.n[s * N + N_STATUS]) && !isOpenCode(code)) this.closed(a, s);
    this.n[s * N + N_STATUS] = code;
    this.f[s * F + F_UPDATE] = r.updateNs;
    // A replace's own client order id is not indexed: this gateway sends no replaces (FIX and OUCH will).
    return s;
  }

  /** The order in `slot` (from applyOrder), as an object. */
  orderAt(slot: number): MirroredOrder {
    const side = this.n[slot * N + N_SIDE];
    const type = this.n[slot * N + N_TYPE];
    return {
      orderId: this.f[slot * F + F_ORDER_ID],
      account: this.f[slot * F + F_ACCOUNT],
      clientOrderId: this.ids.get(slot),
      locate: this.n[slot * N + N_LOCATE],
      side: side === B ? 'B' : 'S',
      orderType: type === L ? 'L' : type === I ? 'I' : 'M',
      firstPrice: this.f[slot * F + F_FIRST_PRICE],
      firstShares: this.f[slot * F + F_FIRST_SHARES],
      price: this.f[slot * F + F_PRICE],
      shares: this.f[slot * F + F_SHARES],
      filledShares: this.f[slot * F + F_FILLED],
      remainingShares: this.f[slot * F + F_REMAINING],
      filledNotional: this.f[slot * F + F_NOTIONAL],
      status: STATUS_OF[this.n[slot * N + N_STATUS]],
      reject: this.rejects[this.n[slot * N + N_REJECT]],
      creationNs: this.f[slot * F + F_CREATION],
      updateNs: this.f[slot * F + F_UPDATE],
    };
  }

  /** Records an execution (false for the house account). */
  applyExecution(r: ExecutionReport): boolean {
    if (r.account === HOUSE_ACCOUNT) return false;
    const a = this.record(r.account);
    if (a.executions === null) a.executions = new ExecutionRing(this.bounds.executionsPerAccount);
    if (a.executions.push(r)) {
      this.figures.executionsForgotten++;
    } else {
      this.figures.executions++;
    }
    return true;
  }

  order(account: number, orderId: number): MirroredOrder | null {
    const s = this.find(account, orderId);
    return s === NONE ? null : this.orderAt(s);
  }

  byClientOrderId(account: number, clientOrderId: string): MirroredOrder | null {
    const s = this.findClientId(account, clientOrderId);
    return s === NONE ? null : this.orderAt(s);
  }

  /** True when the account has a remembered order of this client order id (no object made). */
  hasClientOrderId(account: number, clientOrderId: string): boolean {
    return this.findClientId(account, clientOrderId) !== NONE;
  }

  /** The account's orders, oldest first: open ones only, or all remembered. */
  orders(account: number, which: 'open' | 'all'): MirroredOrder[] {
    const a = this.accounts.get(account);
    const out: MirroredOrder[] = [];
    if (a === undefined) return out;
    for (let s = a.head; s !== NONE; s = this.n[s * N + N_NEXT]) if (which === 'all' || isOpenCode(this.n[s * N + N_STATUS])) out.push(this.orderAt(s));
    return out;
  }

  /** The account's executions, oldest first, matching the filter. */
  executions(account: number, filter: { locate?: number; orderId?: number; fromNs?: number; toNs?: number } = {}): MirroredExecution[] {
    const ring = this.accounts.get(account)?.executions;
    if (ring === undefined || ring === null) return [];
    return ring.select(account, filter);
  }

  // ---- slots -------------------------------------------------------------------------------

  private orderHash(account: number, orderId: number): number {
    return hashNumber(hashNumber(0x2545f491, account), orderId);
  }

  private find(account: number, orderId: number): number {
    const idx = this.byOrderId;
    const h = this.orderHash(account, orderId) | 0;
    for (let c = idx.start(h); ; c = idx.next(c)) {
      const s = idx.at(c);
      // The hash in the cell first: a slot of another key is not read (a cache miss each).
      if (s === NONE || (idx.hashAt(c) === h && this.f[s * F + F_ORDER_ID] === orderId && this.f[s * F + F_ACCOUNT] === account)) return s;
    }
  }

  private findClientId(account: number, clientOrderId: string): number {
    return this.findClientIdHashed(account, clientOrderId, clientIdHash(account, clientOrderId));
  }

  private findClientIdHashed(account: number, clientOrderId: string, hash: number): number {
    const idx = this.byClientId;
    const h = hash | 0;
    for (let c = idx.start(h); ; c = idx.next(c)) {
      const s = idx.at(c);
      if (s === NONE || (idx.hashAt(c) === h && this.f[s * F + F_ACCOUNT] === account && this.ids.equals(s, clientOrderId))) return s;
    }
  }

  private add(a: AccountRecord, r: OrderReport): number {
    if (this.freeHead === NONE) this.grow(this.capacity * 2);
    const s = this.freeHead;
    this.freeHead = this.n[s * N + N_NEXT];
    this.f[s * F + F_ORDER_ID] = r.orderId;
    this.f[s * F + F_ACCOUNT] = r.account;
    this.n[s * N + N_LOCATE] = r.locate;
    this.n[s * N + N_SIDE] = r.side.charCodeAt(0);
    this.n[s * N + N_TYPE] = r.orderType.charCodeAt(0);
    const code = STATUS_CODE[r.status];
    this.n[s * N + N_STATUS] = code;
    this.n[s * N + N_REJECT] = code === 5 ? this.intern(r.reject) : 0;
    this.f[s * F + F_FIRST_PRICE] = r.price;
    this.f[s * F + F_FIRST_SHARES] = r.shares;
    this.f[s * F + F_PRICE] = r.price;
    this.f[s * F + F_SHARES] = r.shares;
    this.f[s * F + F_FILLED] = r.filledShares;
    this.f[s * F + F_REMAINING] = r.remainingShares;
    this.f[s * F + F_NOTIONAL] = r.filledNotional;
    this.f[s * F + F_CREATION] = r.creationNs;
    this.f[s * F + F_UPDATE] = r.updateNs;
    this.ids.set(s, r.clientOrderId);
    // Creation order: append to the account's list.
    this.n[s * N + N_PREV] = a.tail;
    this.n[s * N + N_NEXT] = NONE;
    if (a.tail === NONE) a.head = s;
    else this.n[a.tail * N + N_NEXT] = s;
    a.tail = s;
    a.count++;
    this.n[s * N + N_CLOSED_NEXT] = NONE;
    this.n[s * N + N_QUEUED] = 0;
    const orderHash = this.orderHash(r.account, r.orderId) | 0;
    this.n[s * N + N_ORDER_HASH] = orderHash;
    this.byOrderId.insert(orderHash, s);
    this.n[s * N + N_INDEXED_ID] = 0;
    if (r.clientOrderId !== '') {
      const idHash = clientIdHash(r.account, r.clientOrderId) | 0;
      if (this.findClientIdHashed(r.account, r.clientOrderId, idHash) === NONE) {
        this.n[s * N + N_ID_HASH] = idHash;
        this.byClientId.insert(idHash, s);
        this.n[s * N + N_INDEXED_ID] = 1;
      }
    }
    this.figures.orders++;
    if (!isOpenCode(code)) this.closed(a, s);
    if (a.count > this.bounds.ordersPerAccount) this.forgetOldestClosed(a);
    return s;
  }

  /** The order in slot `s` closed: it joins the account's queue of closed orders. */
  private closed(a: AccountRecord, s: number): void {
    // Once only: a second close (a reopened order, never reported) would loop the queue.
    if (this.n[s * N + N_QUEUED] === 1) return;
    this.n[s * N + N_QUEUED] = 1;
    this.n[s * N + N_CLOSED_NEXT] = NONE;
    if (a.closedTail === NONE) a.closedHead = s;
    else this.n[a.closedTail * N + N_CLOSED_NEXT] = s;
    a.closedTail = s;
  }

  /**
   * Forgets the order that closed longest ago (none while every remembered order is open).
   * The slot keeps its contents until reused, so the order just added (forgotten at once
   * when it came closed and every other is open) still reads from the slot returned.
   */
  private forgetOldestClosed(a: AccountRecord): void {
    const s = a.closedHead;
    if (s === NONE) return;
    a.closedHead = this.n[s * N + N_CLOSED_NEXT];
    if (a.closedHead === NONE) a.closedTail = NONE;
    this.byOrderId.remove(s);
    if (this.n[s * N + N_INDEXED_ID] === 1) this.byClientId.remove(s);
    const prev = this.n[s * N + N_PREV];
    const next = this.n[s * N + N_NEXT];
    if (prev === NONE) a.head = next;
    else this.n[prev * N + N_NEXT] = next;
    if (next === NONE) a.tail = prev;
    else this.n[next * N + N_PREV] = prev;
    a.count--;
    this.n[s * N + N_NEXT] = this.freeHead;
    this.freeHead = s;
    this.figures.orders--;
    this.figures.ordersForgotten++;
  }

  private intern(reject: string): number {
    let code = this.rejectCode.get(reject);
    if (code === undefined) {
      code = this.rejects.length;
      this.rejects.push(reject);
      this.rejectCode.set(reject, code);
    }
    return code;
  }

  /** Room for `capacity` slots; the new ones join the free list. */
  private grow(capacity: number): void {
    const old = this.capacity;
    const f = new Float64Array(capacity * F);
    f.set(this.f);
    this.f = f;
    const n = new Int32Array(capacity * N);
    n.set(this.n);
    this.n = n;
    this.ids.grow(capacity);
    // New slots, lowest first, onto the free list.
    for (let s = capacity - 1; s >= old; s--) {
      this.n[s * N + N_NEXT] = this.freeHead;
      this.freeHead = s;
    }
    this.capacity = capacity;
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
}

/** An order as one report shows it (a refusal that is not mirrored). */
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

/** The client order id index's hash of (account, id). */
function clientIdHash(account: number, clientOrderId: string): number {
  return finishHash(hashString(account | 0, clientOrderId));
}
