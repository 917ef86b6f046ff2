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
// Storage (issue 19): orders live in one struct-of-arrays table of slots (typed arrays, a
// free list, the client order id as bytes), found through two open-addressing indexes in
// Int32Arrays (account and order id; account and client order id); each account's orders
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

  // ---- the slot table (struct of arrays) ------------------------------------------------------
  private capacity = 0;
  private freeHead = NONE;
  private orderIdOf: Float64Array = new Float64Array(0);
  private accountOf: Float64Array = new Float64Array(0);
  private locateOf: Int32Array = new Int32Array(0);
  /** Character codes of side and order type; status code; interned reject (0 none). */
  private sideOf: Uint8Array = new Uint8Array(0);
  private typeOf: Uint8Array = new Uint8Array(0);
  private statusOf: Uint8Array = new Uint8Array(0);
  private rejectOf: Int32Array = new Int32Array(0);
  private firstPriceOf: Float64Array = new Float64Array(0);
  private firstSharesOf: Float64Array = new Float64Array(0);
  private priceOf: Float64Array = new Float64Array(0);
  private sharesOf: Float64Array = new Float64Array(0);
  private filledOf: Float64Array = new Float64Array(0);
  private remainingOf: Float64Array = new Float64Array(0);
  private notionalOf: Float64Array = new Float64Array(0);
  private creationOf: Float64Array = new Float64Array(0);
  private updateOf: Float64Array = new Float64Array(0);
  /** Creation-order list of the slot's account (next doubles as the free list's link). */
  private prevOf: Int32Array = new Int32Array(0);
  private nextOf: Int32Array = new Int32Array(0);
  private closedNextOf: Int32Array = new Int32Array(0);
  /**
   * Each slot's hash in the two indexes, kept so that a removal's backward shift and a growth
   * read them instead of hashing every entry they move again (the client order id byte by byte).
   */
  private orderHashOf: Int32Array = new Int32Array(0);
  private idHashOf: Int32Array = new Int32Array(0);
  /** Whether the slot is in its account's queue of closed orders. */
  private queuedOf: Uint8Array = new Uint8Array(0);
  private readonly ids: IdBytes;
  /** Whether the slot is the one its client order id finds (the first order of that id). */
  private indexedIdOf: Uint8Array = new Uint8Array(0);
  /** TW_REJECT_* codes, interned (index 0 is ''). */
  private readonly rejects: string[] = [''];
  private readonly rejectCode = new Map<string, number>([['', 0]]);
  private readonly byOrderId: SlotIndex;
  private readonly byClientId: SlotIndex;

  constructor(bounds: MirrorBounds = DEFAULT_MIRROR_BOUNDS) {
    this.bounds = bounds;
    this.ids = new IdBytes(0);
    this.byOrderId = new SlotIndex((s) => this.orderHashOf[s], 1024);
    this.byClientId = new SlotIndex((s) => this.idHashOf[s], 1024);
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
    this.priceOf[s] = r.price;
    this.sharesOf[s] = r.shares;
    this.filledOf[s] = r.filledShares;
    this.remainingOf[s] = r.remainingShares;
    this.notionalOf[s] = r.filledNotional;
    const code = STATUS_CODE[r.status];
    if (isOpenCode(this.statusOf[s]) && !isOpenCode(code)) this.closed(a, s);
    this.statusOf[s] = code;
    this.updateOf[s] = r.updateNs;
    // A replace's own client order id is not indexed: this gateway sends no replaces (FIX and OUCH will).
    return s;
  }

  /** The order in `slot` (from applyOrder), as an object. */
  orderAt(slot: number): MirroredOrder {
    const side = this.sideOf[slot];
    const type = this.typeOf[slot];
    return {
      orderId: this.orderIdOf[slot],
      account: this.accountOf[slot],
      clientOrderId: this.ids.get(slot),
      locate: this.locateOf[slot],
      side: side === B ? 'B' : 'S',
      orderType: type === L ? 'L' : type === I ? 'I' : 'M',
      firstPrice: this.firstPriceOf[slot],
      firstShares: this.firstSharesOf[slot],
      price: this.priceOf[slot],
      shares: this.sharesOf[slot],
      filledShares: this.filledOf[slot],
      remainingShares: this.remainingOf[slot],
      filledNotional: this.notionalOf[slot],
      status: STATUS_OF[this.statusOf[slot]],
      reject: this.rejects[this.rejectOf[slot]],
      creationNs: this.creationOf[slot],
      updateNs: this.updateOf[slot],
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
    for (let s = a.head; s !== NONE; s = this.nextOf[s]) if (which === 'all' || isOpenCode(this.statusOf[s])) out.push(this.orderAt(s));
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
    for (let c = idx.start(this.orderHash(account, orderId)); ; c = idx.next(c)) {
      const s = idx.at(c);
      if (s === NONE || (this.orderIdOf[s] === orderId && this.accountOf[s] === account)) return s;
    }
  }

  private findClientId(account: number, clientOrderId: string): number {
    return this.findClientIdHashed(account, clientOrderId, clientIdHash(account, clientOrderId));
  }

  private findClientIdHashed(account: number, clientOrderId: string, hash: number): number {
    const idx = this.byClientId;
    for (let c = idx.start(hash); ; c = idx.next(c)) {
      const s = idx.at(c);
      if (s === NONE || (this.accountOf[s] === account && this.ids.equals(s, clientOrderId))) return s;
    }
  }

  private add(a: AccountRecord, r: OrderReport): number {
    if (this.freeHead === NONE) this.grow(this.capacity * 2);
    const s = this.freeHead;
    this.freeHead = this.nextOf[s];
    this.orderIdOf[s] = r.orderId;
    this.accountOf[s] = r.account;
    this.locateOf[s] = r.locate;
    this.sideOf[s] = r.side.charCodeAt(0);
    this.typeOf[s] = r.orderType.charCodeAt(0);
    const code = STATUS_CODE[r.status];
    this.statusOf[s] = code;
    this.rejectOf[s] = code === 5 ? this.intern(r.reject) : 0;
    this.firstPriceOf[s] = r.price;
    this.firstSharesOf[s] = r.shares;
    this.priceOf[s] = r.price;
    this.sharesOf[s] = r.shares;
    this.filledOf[s] = r.filledShares;
    this.remainingOf[s] = r.remainingShares;
    this.notionalOf[s] = r.filledNotional;
    this.creationOf[s] = r.creationNs;
    this.updateOf[s] = r.updateNs;
    this.ids.set(s, r.clientOrderId);
    // Creation order: append to the account's list.
    this.prevOf[s] = a.tail;
    this.nextOf[s] = NONE;
    if (a.tail === NONE) a.head = s;
    else this.nextOf[a.tail] = s;
    a.tail = s;
    a.count++;
    this.closedNextOf[s] = NONE;
    this.queuedOf[s] = 0;
    const orderHash = this.orderHash(r.account, r.orderId) | 0;
    this.orderHashOf[s] = orderHash;
    this.byOrderId.insert(orderHash, s);
    this.indexedIdOf[s] = 0;
    if (r.clientOrderId !== '') {
      const idHash = clientIdHash(r.account, r.clientOrderId) | 0;
      if (this.findClientIdHashed(r.account, r.clientOrderId, idHash) === NONE) {
        this.idHashOf[s] = idHash;
        this.byClientId.insert(idHash, s);
        this.indexedIdOf[s] = 1;
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
    if (this.queuedOf[s] === 1) return;
    this.queuedOf[s] = 1;
    this.closedNextOf[s] = NONE;
    if (a.closedTail === NONE) a.closedHead = s;
    else this.closedNextOf[a.closedTail] = s;
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
    a.closedHead = this.closedNextOf[s];
    if (a.closedHead === NONE) a.closedTail = NONE;
    this.byOrderId.remove(s);
    if (this.indexedIdOf[s] === 1) this.byClientId.remove(s);
    const prev = this.prevOf[s];
    const next = this.nextOf[s];
    if (prev === NONE) a.head = next;
    else this.nextOf[prev] = next;
    if (next === NONE) a.tail = prev;
    else this.prevOf[next] = prev;
    a.count--;
    this.nextOf[s] = this.freeHead;
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
    const f64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(capacity);
      b.set(a);
      return b;
    };
    const u8 = (a: Uint8Array): Uint8Array => {
      const b = new Uint8Array(capacity);
      b.set(a);
      return b;
    };
    this.orderIdOf = f64(this.orderIdOf);
    this.accountOf = f64(this.accountOf);
    this.locateOf = i32(this.locateOf);
    this.sideOf = u8(this.sideOf);
    this.typeOf = u8(this.typeOf);
    this.statusOf = u8(this.statusOf);
    this.rejectOf = i32(this.rejectOf);
    this.firstPriceOf = f64(this.firstPriceOf);
    this.firstSharesOf = f64(this.firstSharesOf);
    this.priceOf = f64(this.priceOf);
    this.sharesOf = f64(this.sharesOf);
    this.filledOf = f64(this.filledOf);
    this.remainingOf = f64(this.remainingOf);
    this.notionalOf = f64(this.notionalOf);
    this.creationOf = f64(this.creationOf);
    this.updateOf = f64(this.updateOf);
    this.prevOf = i32(this.prevOf);
    this.nextOf = i32(this.nextOf);
    this.closedNextOf = i32(this.closedNextOf);
    this.orderHashOf = i32(this.orderHashOf);
    this.idHashOf = i32(this.idHashOf);
    this.indexedIdOf = u8(this.indexedIdOf);
    this.queuedOf = u8(this.queuedOf);
    this.ids.grow(capacity);
    // New slots, lowest first, onto the free list.
    for (let s = capacity - 1; s >= old; s--) {
      this.nextOf[s] = this.freeHead;
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
