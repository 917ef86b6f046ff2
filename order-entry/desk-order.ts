// A new order a binary protocol session (OUCH) hands the order desk already in the core's
// terms: no JSON body, no schema parse, no price text. The desk checks it as it checks a REST
// order (who may trade, the symbol, shares, price and tick, the client order id, duplicates,
// the order rate, the traffic watch: the same TW_ERR_OE_* codes and counters), submits it
// through the report router, and this object is the router's pending request: the answer
// comes back through `accepted`/`refused` with no promise or closure per order. The session
// subclasses it and keeps what it needs to echo (one object per order).
import type { AccountReport, OrderReport, OrderSideCode, OrderTypeCode } from '../protocol';
import type { Principal } from './auth';
import type { OrderEntryError } from './errors';
import type { MirroredOrder } from './order-mirror';
import { orderFingerprint } from './order-request';
import { PendingRequest } from './report-router';

/** What the desk does when the order's request is answered (OrderDesk implements it). */
export interface DeskOrderSettler {
  settleOrder(o: DeskOrder, order: OrderReport | null, accountReject: string): void;
  failOrder(o: DeskOrder, error: OrderEntryError): void;
}

export abstract class DeskOrder extends PendingRequest {
  principal: Principal | null = null;
  clientOrderId = '';
  locate = 0;
  side: OrderSideCode = 'B';
  orderType: OrderTypeCode = 'L';
  /** Price(4); 0 for a market order. */
  price = 0;
  shares = 0;
  /** The desk that submitted it (set by OrderDesk.enter). */
  settler: DeskOrderSettler | null = null;
  /** The command's last order report in the answer, and an account report's reject ('' none). */
  private last: OrderReport | null = null;
  private accountReject = '';
  /** A REST retry of the same client order id while this is in flight waits here (rare). */
  waiters: Array<{ resolve: (o: MirroredOrder) => void; reject: (e: OrderEntryError) => void }> | null = null;

  /** The core answered: `order` is its report of the order (a refusal is one with status rejected). */
  abstract accepted(order: OrderReport): void;
  /** No order: refused before the core (the desk's checks), an account-level refusal, a timeout or shutdown. */
  abstract refused(error: OrderEntryError): void;

  /**
   * Ready for another order (a session reusing its answered objects): what the last answer
   * left is cleared; the caller sets the order's fields. Only once the desk and the router
   * have let go of it (after `accepted`/`refused`).
   */
  protected clearAnswer(): void {
    this.last = null;
    this.accountReject = '';
    this.waiters = null;
    this.settler = null;
    this.batched = false;
  }

  /** What a retry with the same client order id must match. */
  fingerprint(): string {
    return orderFingerprint(this);
  }

  // ---- PendingRequest (the router) -----------------------------------------------------------

  report(r: OrderReport | AccountReport): void {
    if (r.kind === 'order') this.last = r;
    else if (r.reject !== '') this.accountReject = r.reject;
  }

  answered(): void {
    const order = this.last;
    this.last = null;
    (this.settler as DeskOrderSettler).settleOrder(this, order, this.accountReject);
  }

  failed(error: OrderEntryError): void {
    this.last = null;
    (this.settler as DeskOrderSettler).failOrder(this, error);
  }
}
