// What happens to an order between the HTTP route and the exchange core: who may trade,
// validation, safe retries by clientOrderId, the per-account order rate, abnormal-traffic
// watch (and the suspension it leads to), submission through the report router, and the
// answer from the mirror once the core's report is durable.
import { randomBytes } from 'node:crypto';
import { CLIENT_ORDER_ID_MAX, type OrderEntryReport, type OrderReport } from '../protocol';
import type { Authenticator, Principal } from './auth';
import type { DeskOrder, DeskOrderSettler } from './desk-order';
import type { AccountDirectory, OrderEntryLogger, SessionDirectory, TrafficWatch } from './directories';
import { OrderEntryError, fromDirectoryError, trafficReason, type OrderEntryErrorCounts } from './errors';
import { InFlightTable } from './in-flight-table';
import { isOpen, mirroredFromReport, type MirroredOrder, type OrderMirror } from './order-mirror';
import type { AccountOrderRate } from './order-rate';
import { orderFingerprint, parseNewOrder, type OrderRules } from './order-request';
import { MAX_PRICE4 } from './prices';
import type { PrivateStream } from './private-stream';
import type { ReportRouter } from './report-router';

export interface OrderDeskDeps {
  router: ReportRouter;
  mirror: OrderMirror;
  rules: OrderRules;
  orderRate: AccountOrderRate;
  traffic: TrafficWatch;
  accounts: AccountDirectory;
  sessions: SessionDirectory;
  auth: Authenticator;
  stream: PrivateStream;
  errors: OrderEntryErrorCounts;
  log: OrderEntryLogger;
  now: () => number;
}

export interface OrderDeskFigures {
  orders: number;
  cancels: number;
  retries: number;
  suspensions: number;
  /** Orders the exchange core rejected, by TW_REJECT_ code. */
  rejects: Map<string, number>;
}

export interface NewOrderOutcome {
  order: MirroredOrder;
  /** True when this is a retry answered with the first order. */
  retry: boolean;
}

/** An order submitted and not yet answered: a REST order's, or a protocol session's DeskOrder. */
interface InFlightOrder {
  fingerprint(): string;
  /** Resolves with the order once answered (a retry meanwhile waits for it). */
  answer(): Promise<MirroredOrder>;
}

export class OrderDesk implements DeskOrderSettler {
  readonly figures: OrderDeskFigures = { orders: 0, cancels: 0, retries: 0, suspensions: 0, rejects: new Map() };
  /** Orders submitted and not yet answered, by account, then clientOrderId (a retry meanwhile waits for the same answer); not a Map per account (in-flight-table.ts). */
  private readonly inFlight = new Map<number, InFlightTable<InFlightOrder | DeskOrder>>();
  /** Traffic keys tied to their account in the traffic watch. */
  private readonly attached = new Set<number>();

  /** Listed locates (a typed order names its symbol by locate). */
  private readonly locates: ReadonlySet<number>;

  constructor(private readonly d: OrderDeskDeps) {
    this.locates = new Set([...d.rules.symbols.values()].map((s) => s.locate));
  }

  /** Refuses a caller who may not trade now: session suspended, account suspended, KYC not approved. */
  assertMayTrade(p: Principal): void {
    this.assertSessionLive(p);
    if (p.account.status !== 'active') throw new OrderEntryError('TW_ERR_OE_ACCOUNT_SUSPENDED', `account ${p.account.id} is suspended; an admin resumes it (tickwire accounts resume)`);
    if (p.account.kyc !== 'approved') throw new OrderEntryError('TW_ERR_OE_KYC_NOT_APPROVED', `account ${p.account.id} has KYC ${p.account.kyc}; only approved accounts trade`);
    if (p.account.killSwitch) throw new OrderEntryError('TW_ERR_OE_KILL_SWITCH', `account ${p.account.id} has its kill switch on; an admin turns it off`);
  }

  /** The session ended (logout): the traffic watch forgets it. */
  forgetSession(sessionId: number): void {
    if (this.attached.delete(sessionId)) this.d.traffic.forget(sessionId);
  }

  /** An admin lifted the session's suspension: its traffic starts clean. */
  liftedSession(sessionId: number): void {
    this.d.traffic.reset(sessionId);
  }

  /** Refuses a suspended session (everything but logout). */
  assertSessionLive(p: Principal): void {
    if (p.session?.suspended) {
      throw new OrderEntryError('TW_ERR_OE_SESSION_SUSPENDED', `session ${p.session.id} is suspended (${p.session.suspendReason || 'abnormal traffic'}); only an admin lifts it`);
    }
  }

  async newOrder(p: Principal, body: unknown): Promise<NewOrderOutcome> {
    this.assertMayTrade(p);
    const account = p.account.id;
    let fields: ReturnType<typeof parseNewOrder>;
    try {
      fields = parseNewOrder(body, this.d.rules);
    } catch (error) {
      await this.rejected(p);
      throw error;
    }
    const fingerprint = orderFingerprint(fields);
    if (fields.clientOrderId !== null) {
      const flying = this.flying(account, fields.clientOrderId);
      const known = flying === undefined ? this.d.mirror.byClientOrderId(account, fields.clientOrderId) : null;
      const firstFingerprint = flying?.fingerprint() ?? (known === null ? null : orderFingerprint({ ...known, price: known.firstPrice, shares: known.firstShares }));
      if (firstFingerprint !== null) {
        if (firstFingerprint !== fingerprint) {
          await this.rejected(p);
          throw new OrderEntryError('TW_ERR_OE_DUPLICATE_CLIENT_ORDER_ID', `clientOrderId ${JSON.stringify(fields.clientOrderId)} was already used for a different order; a retry must repeat the same body`, { field: 'clientOrderId' });
        }
        this.figures.retries++;
        return { order: flying !== undefined ? await answerOf(flying) : (known as MirroredOrder), retry: true };
      }
    }
    await this.admit(p);
    const clientOrderId = fields.clientOrderId ?? `oe-${randomBytes(9).toString('base64url')}`;
    this.figures.orders++;
    const answer = this.d.router
      .request({ kind: 'new', account, clientOrderId, locate: fields.locate, side: fields.side, orderType: fields.orderType, price: fields.price, shares: fields.shares })
      .then((reports) => this.answeredOrder(account, reports));
    const entry: InFlightOrder = { fingerprint: () => fingerprint, answer: () => answer };
    this.flyingOf(account).set(clientOrderId, entry);
    try {
      const order = await answer;
      if (order.status === 'rejected') {
        this.countReject(order.reject);
        await this.rejected(p);
      }
      return { order, retry: false };
    } finally {
      this.landed(account, clientOrderId, entry);
    }
  }

  /**
   * A protocol session's new order (OUCH), already in the core's terms: the REST checks
   * (who may trade, symbol, shares, price and tick, client order id, duplicates, the order
   * rate, the traffic watch) with their codes and counters, without a body to parse, and
   * no promise: `o` hears the answer (DeskOrder.accepted / refused). Returns true when
   * submitted, false for a retry of the same order (same client order id and fields) already
   * in flight or known; throws OrderEntryError when refused here (nothing submitted).
   * `duplicatesChecked`: the caller has already found the id neither in flight
   * (`inFlightOrder`) nor in the mirror (OUCH ignores a duplicate token before this).
   */
  enter(o: DeskOrder, duplicatesChecked = false): boolean {
    const p = o.principal as Principal;
    this.assertMayTrade(p);
    const account = p.account.id;
    const problem = this.typedProblem(o);
    if (problem !== null) {
      this.rejectedSoon(p);
      throw problem;
    }
    const token = o.clientOrderId;
    if (!duplicatesChecked) {
      const flying = this.flying(account, token);
      const known = flying === undefined ? this.d.mirror.byClientOrderId(account, token) : null;
      if (flying !== undefined || known !== null) {
        const first = flying !== undefined ? flying.fingerprint() : orderFingerprint({ ...(known as MirroredOrder), price: (known as MirroredOrder).firstPrice, shares: (known as MirroredOrder).firstShares });
        if (first !== o.fingerprint()) {
          this.rejectedSoon(p);
          throw new OrderEntryError('TW_ERR_OE_DUPLICATE_CLIENT_ORDER_ID', `clientOrderId ${JSON.stringify(token)} was already used for a different order`, { field: 'clientOrderId' });
        }
        this.figures.retries++;
        return false;
      }
    }
    this.admitNow(p);
    this.figures.orders++;
    o.settler = this;
    this.flyingOf(account).set(token, o);
    this.d.router.submit({ kind: 'new', requestId: 0, account, clientOrderId: token, locate: o.locate, side: o.side, orderType: o.orderType, price: o.price, shares: o.shares }, o);
    return true;
  }

  /** True while an order under this client order id is in flight (any protocol's). */
  hasInFlight(account: number, clientOrderId: string): boolean {
    return this.flying(account, clientOrderId) !== undefined;
  }

  /** A protocol session's order in flight under this client order id, or null (none, or a REST order). */
  inFlightOrder(account: number, clientOrderId: string): DeskOrder | null {
    const f = this.flying(account, clientOrderId);
    return f === undefined || !('waiters' in f) ? null : f;
  }

  /** The account's protocol session orders in flight. */
  inFlightOrders(account: number): DeskOrder[] {
    const out: DeskOrder[] = [];
    const m = this.inFlight.get(account);
    if (m !== undefined) m.forEachValue((f) => {
      if ('waiters' in f) out.push(f);
    });
    return out;
  }

  /** @internal The router answered a DeskOrder: the order's report (or none: an account-level refusal). */
  settleOrder(o: DeskOrder, order: OrderReport | null, accountReject: string): void {
    const p = o.principal as Principal;
    const account = p.account.id;
    this.landed(account, o.clientOrderId, o);
    if (order === null) {
      const error = new OrderEntryError('TW_ERR_OE_ACCOUNT_REJECTED', `the exchange refused the order${accountReject === '' ? '' : `: ${accountReject}`}`, { reason: accountReject || undefined });
      this.wake(o, null, error);
      o.refused(error);
      return;
    }
    if (order.status === 'rejected') {
      this.countReject(order.reject);
      this.rejectedSoon(p);
    }
    if (o.waiters !== null) this.wake(o, (order.orderId === 0 ? null : this.d.mirror.order(account, order.orderId)) ?? mirroredFromReport(order), null);
    o.accepted(order);
  }

  /** @internal A DeskOrder's request failed (timeout, shutdown, the core refusing it). */
  failOrder(o: DeskOrder, error: OrderEntryError): void {
    this.landed((o.principal as Principal).account.id, o.clientOrderId, o);
    this.wake(o, null, error);
    o.refused(error);
  }

  async cancel(p: Principal, orderId: number): Promise<MirroredOrder> {
    // Cancels reduce risk: allowed to a suspended or unapproved account, not to a suspended session.
    this.assertSessionLive(p);
    const account = p.account.id;
    const o = this.d.mirror.order(account, orderId);
    if (o === null) throw new OrderEntryError('TW_ERR_OE_UNKNOWN_ORDER', `no order ${orderId} of this account (GET /v1/orders lists them)`, { field: 'id' });
    if (!isOpen(o.status)) throw new OrderEntryError('TW_ERR_OE_ORDER_CLOSED', `order ${orderId} is already ${o.status}`, { field: 'id' });
    await this.admit(p);
    this.figures.cancels++;
    const reports = await this.d.router.request({ kind: 'cancel', account, orderId, shares: 0 });
    for (const r of reports) {
      if (r.kind !== 'execution' && r.reject !== '') {
        await this.rejected(p);
        throw new OrderEntryError('TW_ERR_OE_CANCEL_REJECTED', `the exchange refused the cancel of order ${orderId}: ${r.reject}`, { reason: r.reject });
      }
    }
    return this.d.mirror.order(account, orderId) ?? o;
  }

  /**
   * A replace (FIX G, OUCH U): the order's new price and open shares under a new client
   * order id. Resolves with the core's reports (a refusal is a report with its reject).
   */
  async replace(p: Principal, orderId: number, clientOrderId: string, price: number, shares: number): Promise<OrderEntryReport[]> {
    this.assertMayTrade(p);
    const account = p.account.id;
    const o = this.d.mirror.order(account, orderId);
    if (o === null) throw new OrderEntryError('TW_ERR_OE_UNKNOWN_ORDER', `no order ${orderId} of this account`, { field: 'id' });
    if (!isOpen(o.status)) throw new OrderEntryError('TW_ERR_OE_ORDER_CLOSED', `order ${orderId} is already ${o.status}`, { field: 'id' });
    await this.admit(p);
    const reports = await this.d.router.request({ kind: 'replace', account, orderId, clientOrderId, price, shares });
    for (const r of reports) {
      if (r.kind === 'order' && r.reject !== '') {
        await this.rejected(p);
        break;
      }
    }
    return reports;
  }

  /** A refusal of this caller's order: counted by the traffic watch, which may suspend. */
  async rejected(p: Principal): Promise<void> {
    const v = this.d.traffic.onReject(this.traffic(p), this.d.now());
    if (v !== 0) await this.suspend(p, v);
  }

  /** The principal's traffic key, tied to its account the first time. */
  private traffic(p: Principal): number {
    const key = p.trafficKey;
    if (!this.attached.has(key)) {
      this.d.traffic.attach(key, p.account.id);
      this.attached.add(key);
    }
    return key;
  }

  /** The order rate and the traffic watch, before a command goes to the core (protocol sessions call it before a cancel or replace). */
  async admit(p: Principal): Promise<void> {
    const account = p.account.id;
    if (!this.d.orderRate.take(account)) {
      await this.rejected(p);
      const retryAfterS = this.d.orderRate.retryAfterS(account);
      throw new OrderEntryError('TW_ERR_OE_RATE_LIMITED', `at most ${this.d.orderRate.ratePerSec} orders per second per account (a burst of twice that); retry after ${retryAfterS} s`, { retryAfterS });
    }
    const v = this.d.traffic.onOrder(this.traffic(p), this.d.now());
    if (v !== 0) {
      const reason = await this.suspend(p, v);
      throw new OrderEntryError(p.session === null ? 'TW_ERR_OE_ACCOUNT_SUSPENDED' : 'TW_ERR_OE_SESSION_SUSPENDED', `suspended for abnormal traffic (${reason}); only an admin lifts it`);
    }
  }

  /**
   * Suspends the session the traffic came through (an API key has none: its account is
   * suspended instead, actor "abnormal-traffic"); counted, logged, its websockets closed.
   * Returns the reason's name.
   */
  private async suspend(p: Principal, verdict: number): Promise<string> {
    const reason = trafficReason(verdict);
    const detail = this.d.traffic.describe(p.trafficKey);
    this.figures.suspensions++;
    this.d.errors.count('TW_ERR_OE_ABNORMAL_TRAFFIC');
    this.d.log.warn({ code: 'TW_ERR_OE_ABNORMAL_TRAFFIC', reason, account: p.account.id, session: p.session?.id ?? null, keyId: p.keyId }, `suspended for abnormal traffic: ${detail}`);
    try {
      if (p.session !== null) {
        await this.d.sessions.suspend(p.session.id, reason, detail);
        this.d.stream.closeSession(p.session.id, 'session suspended');
      } else {
        await this.d.accounts.suspend(p.account.id, 'abnormal-traffic');
      }
    } catch (error) {
      throw fromDirectoryError(error);
    } finally {
      this.d.auth.forgetAccount(p.account.id);
    }
    return reason;
  }

  /** The first problem of a typed order, as parseNewOrder would find it in a body; null when fine. */
  private typedProblem(o: DeskOrder): OrderEntryError | null {
    const rules = this.d.rules;
    if (!this.locates.has(o.locate)) return new OrderEntryError('TW_ERR_OE_UNKNOWN_SYMBOL', `unknown symbol (locate ${o.locate})`, { field: 'symbol' });
    if (!Number.isInteger(o.shares) || o.shares < 1 || o.shares > rules.maxShares) {
      return new OrderEntryError('TW_ERR_OE_BAD_QUANTITY', `quantity must be a whole number of shares from 1 to ${rules.maxShares}, got ${o.shares}`, { field: 'quantity' });
    }
    if (o.orderType === 'M') {
      if (o.price !== 0) return new OrderEntryError('TW_ERR_OE_BAD_PRICE', 'a market order has no price', { field: 'price' });
    } else {
      if (!Number.isInteger(o.price) || o.price <= 0 || o.price > MAX_PRICE4) return new OrderEntryError('TW_ERR_OE_BAD_PRICE', `price must be above 0 and at most 429496.7295, got ${o.price} (Price(4))`, { field: 'price' });
      if (o.price % rules.tickSize !== 0) return new OrderEntryError('TW_ERR_OE_OFF_TICK', `price ${o.price / 10_000} is not on the tick of ${rules.tickSize / 10_000} (engine.tickSize)`, { field: 'price' });
    }
    const id = o.clientOrderId;
    if (!isPrintableId(id)) {
      return new OrderEntryError('TW_ERR_OE_BAD_CLIENT_ORDER_ID', `clientOrderId must be 1..${CLIENT_ORDER_ID_MAX} printable ASCII characters without spaces`, { field: 'clientOrderId' });
    }
    return null;
  }

  private countReject(reject: string): void {
    this.figures.rejects.set(reject, (this.figures.rejects.get(reject) ?? 0) + 1);
  }

  private flying(account: number, clientOrderId: string): InFlightOrder | DeskOrder | undefined {
    return this.inFlight.get(account)?.get(clientOrderId);
  }

  private flyingOf(account: number): InFlightTable<InFlightOrder | DeskOrder> {
    let m = this.inFlight.get(account);
    if (m === undefined) {
      m = new InFlightTable();
      this.inFlight.set(account, m);
    }
    return m;
  }

  private landed(account: number, clientOrderId: string, entry: InFlightOrder | DeskOrder): void {
    const m = this.inFlight.get(account);
    if (m !== undefined) m.deleteValue(clientOrderId, entry);
  }

  /** Answers the REST retries that waited for a DeskOrder. */
  private wake(o: DeskOrder, order: MirroredOrder | null, error: OrderEntryError | null): void {
    const w = o.waiters;
    if (w === null) return;
    o.waiters = null;
    for (const x of w) {
      if (order !== null) x.resolve(order);
      else x.reject(error as OrderEntryError);
    }
  }

  /** `rejected` without waiting: the suspension it may lead to is written in the background. */
  private rejectedSoon(p: Principal): void {
    const v = this.d.traffic.onReject(this.traffic(p), this.d.now());
    if (v !== 0) this.suspendSoon(p, v);
  }

  private suspendSoon(p: Principal, verdict: number): void {
    this.suspend(p, verdict).catch((error: unknown) => this.d.log.error({ code: 'TW_ERR_OE_ABNORMAL_TRAFFIC', err: error, account: p.account.id }, 'the suspension could not be written'));
  }

  /** `admit` without a promise: throws at once; a suspension is written in the background. */
  private admitNow(p: Principal): void {
    const account = p.account.id;
    if (!this.d.orderRate.take(account)) {
      this.rejectedSoon(p);
      const retryAfterS = this.d.orderRate.retryAfterS(account);
      throw new OrderEntryError('TW_ERR_OE_RATE_LIMITED', `at most ${this.d.orderRate.ratePerSec} orders per second per account (a burst of twice that); retry after ${retryAfterS} s`, { retryAfterS });
    }
    const v = this.d.traffic.onOrder(this.traffic(p), this.d.now());
    if (v !== 0) {
      this.suspendSoon(p, v);
      throw new OrderEntryError(p.session === null ? 'TW_ERR_OE_ACCOUNT_SUSPENDED' : 'TW_ERR_OE_SESSION_SUSPENDED', `suspended for abnormal traffic (${trafficReason(v)}); only an admin lifts it`);
    }
  }

  private answeredOrder(account: number, reports: OrderEntryReport[]): MirroredOrder {
    for (let i = reports.length - 1; i >= 0; i--) {
      const r = reports[i];
      // The mirrored order, or (a refusal before the order existed) the report itself.
      if (r.kind === 'order') return (r.orderId === 0 ? null : this.d.mirror.order(account, r.orderId)) ?? mirroredFromReport(r);
    }
    const reject = reports.find((r) => r.kind === 'account')?.reject ?? '';
    throw new OrderEntryError('TW_ERR_OE_ACCOUNT_REJECTED', `the exchange refused the order${reject === '' ? '' : `: ${reject}`}`, { reason: reject || undefined });
  }
}

/** schemas.ts's CLIENT_ORDER_ID within 1..CLIENT_ORDER_ID_MAX, as a loop (once per typed order; no RegExp). */
function isPrintableId(id: string): boolean {
  const n = id.length;
  if (n < 1 || n > CLIENT_ORDER_ID_MAX) return false;
  for (let i = 0; i < n; i++) {
    const c = id.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/** The answer of an order in flight (a DeskOrder's on demand). */
function answerOf(f: InFlightOrder | DeskOrder): Promise<MirroredOrder> {
  if (!('waiters' in f)) return f.answer();
  return new Promise<MirroredOrder>((resolve, reject) => {
    if (f.waiters === null) f.waiters = [];
    f.waiters.push({ resolve, reject });
  });
}
