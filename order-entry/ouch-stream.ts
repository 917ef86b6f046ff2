// One account's OUCH stream for the day: the exchange core's reports for the account's
// orders turned into OUCH 4.2 outbound messages (Accepted, Replaced, Canceled, Executed,
// Rejected, System Event), numbered and stored (ouch-store.ts), whether or not a client is
// connected. The stream carries the account's orders whose client order id is an OUCH order
// token (1..14 printable characters): those entered over OUCH, and REST orders with such
// ids entered while the stream exists.
//
// Reports come one at a time in sequence order (ReportRouter.addListener). A command's fills
// come before its order report (the core reports a fill as it happens), so executions are
// held until the order's report arrives and the messages go out in OUCH's order: Accepted
// or Replaced first, then the Executed, then a Canceled for what was left (an IOC's rest).
// The reports of the journal's replay after a restart rebuild the state and are stored only
// where the store does not have them yet (the store's keys).
import {
  encodeOuchAccepted,
  encodeOuchCanceled,
  encodeOuchExecuted,
  encodeOuchRejected,
  encodeOuchReplaced,
  encodeOuchSystemEvent,
  OUCH_MAX_MESSAGE,
  OuchCancelReason,
  OuchLength,
  OuchPrice,
  OuchTimeInForce,
  OuchType,
  readAlpha,
  readU32,
  type ExecutionReport,
  type OrderReport,
  type OuchOrderView,
} from '../protocol';
import { InFlightTable } from './in-flight-table';
import { OrderIdTable } from './order-id-table';
import { ouchRejectReason } from './ouch-reasons';
import type { OuchMessageStore } from './ouch-store';

/** What an order's Enter Order said that the core does not keep (echoed in Accepted and Replaced). */
export interface OuchOrderExtras {
  /** Buy/Sell Indicator: character codes as the client sent them. */
  buySell: number;
  /** Price as the client sent it (OuchPrice.Market for a market order). */
  ouchPrice: number;
  timeInForce: number;
  firm: string;
  display: number;
  capacity: number;
  intermarketSweep: number;
  minimumQuantity: number;
  crossType: number;
}

const SPACE = 0x20;
const LIVE = 0x4c; // 'L'
const DEAD = 0x44; // 'D'
/** True for a client order id that can be an OUCH order token (1..14 of 0x21..0x7e; a loop, not a RegExp: twice per order). */
export function isOuchToken(s: string): boolean {
  const n = s.length;
  if (n < 1 || n > 14) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

interface OrderState {
  readonly orderId: number;
  token: string;
  /** The core's price (Price(4); 0 for market). */
  price: number;
  remaining: number;
  extras: OuchOrderExtras;
}

export interface OuchStreamFigures {
  messages: number;
  skippedOnReplay: number;
}

export class OuchStream {
  readonly figures: OuchStreamFigures = { messages: 0, skippedOnReplay: 0 };
  /**
   * Live orders of the stream by order id, and their current token: open-addressing tables,
   * not Maps, as they are set and deleted once per resting order (in-flight-table.ts: a churned
   * Map's obsolete tables keep what they held alive through scavenges).
   */
  private readonly orders = new OrderIdTable<OrderState>(64);
  private readonly byToken = new InFlightTable<number>(64);
  /**
   * Fills held until their order's report, as (order id, fill) pairs in arrival order: a
   * command's fills come just before its order reports, so only a few wait at a time (two
   * reused arrays, no Map or array per order).
   */
  private readonly heldOrders: number[] = [];
  private readonly heldFills: ExecutionReport[] = [];
  /** The fills of the order being reported (reused). */
  private readonly fills: ExecutionReport[] = [];
  /** Replaces sent to the core and not yet answered: the replacement's extras by token. */
  private readonly entered = new Map<string, OuchOrderExtras>();
  /** Extras of stored Accepted and Replaced messages, by token (after a restart). */
  private readonly recoveredExtras = new Map<string, OuchOrderExtras>();
  /** Replaces this stream's session asked for, by order id: the replacement token. */
  private readonly replacing = new Map<number, string>();
  /** Cancels this stream's session asked for. */
  private readonly cancelling = new Set<number>();
  /** The sequence number of the last report seen, and how many messages it made so far. */
  private reportSeq = -1;
  private reportSub = -1;
  private readonly scratch = new Uint8Array(OUCH_MAX_MESSAGE);
  private readonly view: OuchOrderView = {
    token: '',
    side: 0,
    shares: 0,
    stock: '',
    price: 0,
    timeInForce: 0,
    firm: '',
    display: 0,
    orderRef: 0,
    capacity: 0,
    intermarketSweep: 0,
    minimumQuantity: 0,
    crossType: 0,
    orderState: 0,
    bboWeight: SPACE,
  };

  constructor(
    readonly account: number,
    readonly store: OuchMessageStore,
    /** Ticker of a locate. */
    private readonly ticker: (locate: number) => string,
    /** The extras of an Enter Order in flight (the order desk holds it until answered), by token. */
    private readonly inflightExtras: (token: string) => OuchOrderExtras | undefined = () => undefined,
  ) {
    for (const m of store.recovered) this.learn(m);
    store.recovered.length = 0;
  }

  /** The order id of a live order's current token, or undefined. */
  orderOf(token: string): number | undefined {
    return this.byToken.get(token);
  }

  /** Open shares of a live order. */
  remainingOf(orderId: number): number {
    return this.orders.get(orderId)?.remaining ?? 0;
  }

  /** True when the token names a live order or a replacement on its way (an Enter Order on its way: the desk's in-flight orders). */
  tokenInUse(token: string): boolean {
    return this.byToken.has(token) || this.entered.has(token);
  }

  /** Order ids of the live orders (cancel on disconnect). */
  liveOrders(): number[] {
    const ids: number[] = [];
    this.orders.forEachValue((st) => ids.push(st.orderId));
    return ids;
  }

  extrasOf(orderId: number): OuchOrderExtras | undefined {
    return this.orders.get(orderId)?.extras;
  }

  /** A replace is going to the core. */
  replacingOrder(orderId: number, replacementToken: string, extras: OuchOrderExtras): void {
    this.replacing.set(orderId, replacementToken);
    this.entered.set(replacementToken, extras);
  }

  replaceDone(orderId: number, replacementToken: string): void {
    if (this.replacing.get(orderId) === replacementToken) this.replacing.delete(orderId);
    this.entered.delete(replacementToken);
  }

  cancellingOrder(orderId: number, on: boolean): void {
    if (on) this.cancelling.add(orderId);
    else this.cancelling.delete(orderId);
  }

  /** One report of this account, in sequence order. */
  onReport(r: OrderReport | ExecutionReport): void {
    if (r.seq !== this.reportSeq) {
      this.reportSeq = r.seq;
      this.reportSub = -1;
    }
    if (r.kind === 'execution') {
      this.heldOrders.push(r.orderId);
      this.heldFills.push(r);
      return;
    }
    const fills = this.takeHeld(r.orderId);
    const st = this.orders.get(r.orderId);
    if (st === undefined) this.newOrder(r, fills);
    else this.knownOrder(r, st, fills);
    if (fills !== undefined) fills.length = 0;
  }

  /** The held fills of `orderId` in arrival order (the reused list, emptied after use), or undefined. */
  private takeHeld(orderId: number): ExecutionReport[] | undefined {
    const ids = this.heldOrders;
    if (ids.length === 0) return undefined;
    const fills = this.fills;
    const held = this.heldFills;
    let kept = 0;
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] === orderId) fills.push(held[i]);
      else {
        ids[kept] = ids[i];
        held[kept] = held[i];
        kept++;
      }
    }
    ids.length = kept;
    held.length = kept;
    return fills.length === 0 ? undefined : fills;
  }

  /** A gateway-side refusal of an Enter or Replace Order (never reached the core). */
  rejectLocally(timestampNs: number, token: string, reason: number): void {
    const n = encodeOuchRejected(this.scratch, 0, timestampNs, token, reason);
    this.appendLocal(n);
  }

  /** System Event: 'S' start of day (a new stream's first message), 'E' end of day. */
  systemEvent(timestampNs: number, eventCode: number): void {
    const n = encodeOuchSystemEvent(this.scratch, 0, timestampNs, eventCode);
    this.appendLocal(n);
  }

  // ---- reports to messages ------------------------------------------------------------------

  private newOrder(r: OrderReport, fills: ExecutionReport[] | undefined): void {
    // Only the command that made the order (its id is that command's sequence number) brings it in.
    const token = r.clientOrderId;
    if (r.orderId !== r.seq || !isOuchToken(token)) return;
    const extras = this.inflightExtras(token) ?? this.recoveredExtras.get(token) ?? defaultExtras(r.side, r.price, r.orderType === 'L' ? OuchTimeInForce.SystemHours : OuchTimeInForce.ImmediateOrCancel);
    if (r.status === 'rejected') {
      this.append(r.seq, encodeOuchRejected(this.scratch, 0, r.updateNs, token, ouchRejectReason(r.reject)));
      return;
    }
    const live = r.status === 'new' || r.status === 'partiallyFilled';
    const dead = !live && r.filledShares === 0;
    this.fillView(token, r, extras, r.shares, dead ? DEAD : LIVE);
    this.append(r.seq, encodeOuchAccepted(this.scratch, 0, r.creationNs, this.view));
    if (fills !== undefined) for (const e of fills) this.executed(token, e);
    if (r.status === 'cancelled' && !dead) {
      const left = r.shares - r.filledShares;
      if (left > 0) this.append(r.seq, encodeOuchCanceled(this.scratch, 0, r.updateNs, token, left, this.cancelReason(r)));
    }
    if (live) {
      // A copy: the Enter Order's object (its session, its desk) is not kept for the order's life.
      this.orders.set(r.orderId, { orderId: r.orderId, token, price: r.price, remaining: r.remainingShares, extras: extrasWith(extras, extras.ouchPrice) });
      this.byToken.set(token, r.orderId);
    }
  }

  private knownOrder(r: OrderReport, st: OrderState, fills: ExecutionReport[] | undefined): void {
    const replacement = this.replacing.get(r.orderId);
    if (r.reject !== '' && r.status !== 'cancelled') {
      // A refused replace (answered with Rejected on the replacement token) or cancel (OUCH 4.2 has no answer to it).
      if (replacement !== undefined) {
        this.replacing.delete(r.orderId);
        this.entered.delete(replacement);
        this.append(r.seq, encodeOuchRejected(this.scratch, 0, r.updateNs, replacement, ouchRejectReason(r.reject)));
      }
      return;
    }
    let filled = 0;
    if (fills !== undefined) for (const e of fills) filled += e.shares;
    const tokenChanged = r.clientOrderId !== '' && r.clientOrderId !== st.token;
    const replaced = replacement !== undefined || tokenChanged || r.price !== st.price;
    const live = r.status === 'new' || r.status === 'partiallyFilled';
    if (replaced) {
      this.replacing.delete(r.orderId);
      const previous = st.token;
      const token = tokenChanged ? r.clientOrderId : st.token;
      const extras = this.entered.get(token) ?? this.recoveredExtras.get(token) ?? extrasWith(st.extras, r.price);
      if (replacement !== undefined) this.entered.delete(replacement);
      this.byToken.delete(previous);
      st.token = token;
      st.price = r.price;
      st.extras = extras;
      if (live) this.byToken.set(token, st.orderId);
      this.fillView(token, r, extras, r.remainingShares + filled, live || filled > 0 ? LIVE : DEAD);
      this.append(r.seq, encodeOuchReplaced(this.scratch, 0, r.updateNs, this.view, previous));
      st.remaining = r.remainingShares + filled;
    }
    if (fills !== undefined) {
      for (const e of fills) {
        this.executed(st.token, e);
        st.remaining -= e.shares;
      }
    }
    if (r.status === 'cancelled') {
      if (st.remaining > 0) this.append(r.seq, encodeOuchCanceled(this.scratch, 0, r.updateNs, st.token, st.remaining, this.cancelReason(r)));
      this.forget(st);
    } else if (r.status === 'filled' || r.status === 'rejected') {
      this.forget(st);
    } else {
      if (r.remainingShares < st.remaining) {
        // A partial cancel (Cancel Order with a smaller intended size).
        this.append(r.seq, encodeOuchCanceled(this.scratch, 0, r.updateNs, st.token, st.remaining - r.remainingShares, OuchCancelReason.UserRequested));
      }
      st.remaining = r.remainingShares;
    }
  }

  private executed(token: string, e: ExecutionReport): void {
    const n = encodeOuchExecuted(this.scratch, 0, e.timeNs, token, e.shares, e.price, e.liquidity === 'A' ? 0x41 : 0x52, e.matchNumber);
    this.append(e.seq, n);
  }

  private cancelReason(r: OrderReport): number {
    if (r.reject === 'TW_REJECT_SELF_MATCH') return OuchCancelReason.SelfMatchPrevention;
    if (r.reject === 'TW_REJECT_KILL_SWITCH') return OuchCancelReason.Supervisory;
    if (r.orderType !== 'L' && r.orderId === r.seq) return OuchCancelReason.ImmediateOrCancel;
    if (this.cancelling.has(r.orderId) || r.requestId !== 0) return OuchCancelReason.UserRequested;
    return OuchCancelReason.Supervisory;
  }

  private forget(st: OrderState): void {
    this.orders.delete(st.orderId);
    if (this.byToken.get(st.token) === st.orderId) this.byToken.delete(st.token);
    this.cancelling.delete(st.orderId);
    this.replacing.delete(st.orderId);
  }

  private fillView(token: string, r: OrderReport, x: OuchOrderExtras, shares: number, state: number): void {
    const v = this.view;
    v.token = token;
    v.side = x.buySell;
    v.shares = shares;
    v.stock = this.ticker(r.locate);
    v.price = r.orderType === 'M' ? x.ouchPrice : r.price;
    v.timeInForce = x.timeInForce;
    v.firm = x.firm;
    v.display = x.display;
    v.orderRef = r.ref;
    v.capacity = x.capacity;
    v.intermarketSweep = x.intermarketSweep;
    v.minimumQuantity = x.minimumQuantity;
    v.crossType = x.crossType;
    v.orderState = state;
  }

  // ---- the store ------------------------------------------------------------------------------

  /** A message from the report of command `seq`: stored unless the store has it (a replay). */
  private append(seq: number, end: number): void {
    this.reportSub++;
    const k = this.store.openedKey;
    if (seq < k.seq || (seq === k.seq && this.reportSub <= k.sub)) {
      this.figures.skippedOnReplay++;
      return;
    }
    this.store.append(seq, this.reportSub, this.scratch, end);
    this.figures.messages++;
  }

  /** A message of the gateway's own (no command): keyed just after the last one stored. */
  private appendLocal(end: number): void {
    const last = this.store.lastKey;
    this.store.append(last.seq, last.sub + 1, this.scratch, end, true);
    this.figures.messages++;
  }

  /** Learns the extras of a stored Accepted or Replaced (after a restart). */
  private learn(m: Buffer): void {
    const type = m[0];
    if (m.length === OuchLength.Accepted && type === OuchType.Accepted) this.recoveredExtras.set(readAlpha(m, 9, 14), extrasOf(m));
    else if (m.length === OuchLength.Replaced && type === OuchType.Replaced) this.recoveredExtras.set(readAlpha(m, 9, 14), extrasOf(m));
  }
}

function extrasOf(m: Buffer): OuchOrderExtras {
  return {
    buySell: m[23],
    ouchPrice: readU32(m, 36),
    timeInForce: readU32(m, 40),
    firm: readAlpha(m, 44, 4),
    display: m[48],
    capacity: m[57],
    intermarketSweep: m[58],
    minimumQuantity: readU32(m, 59),
    crossType: m[63],
  };
}

/** The extras (a plain copy) with another price. */
export function extrasWith(x: OuchOrderExtras, ouchPrice: number): OuchOrderExtras {
  return {
    buySell: x.buySell,
    ouchPrice,
    timeInForce: x.timeInForce,
    firm: x.firm,
    display: x.display,
    capacity: x.capacity,
    intermarketSweep: x.intermarketSweep,
    minimumQuantity: x.minimumQuantity,
    crossType: x.crossType,
  };
}

/** What an order not entered over OUCH (or whose Enter Order is forgotten) shows. */
export function defaultExtras(side: 'B' | 'S', price: number, timeInForce: number): OuchOrderExtras {
  return {
    buySell: side.charCodeAt(0),
    ouchPrice: price === 0 ? OuchPrice.Market : price,
    timeInForce,
    firm: '',
    display: 0x59, // 'Y'
    capacity: 0x50, // 'P'
    intermarketSweep: 0x4e, // 'N'
    minimumQuantity: 0,
    crossType: 0x4e, // 'N'
  };
}
