// The one listener on the exchange core's report stream (TradingPort.onReports). Each batch
// (a group commit: every report in it is durable) goes, in order, into the order mirror
// and out to the private websocket; then every request of this gateway that a report in the
// batch answered is settled with its reports, so an answer sees the whole command's effect
// (an aggressive order's immediate fills included). Requests carry a requestId from this
// process; one unanswered after `timeoutMs` fails with TW_ERR_OE_CORE_TIMEOUT (the command
// may still happen: the client retries with the same clientOrderId).
import type { AccountReport, ExecutionReport, OrderEntryReport, OrderEntryRequest, OrderReport, TradingPort } from '../protocol';
import { OrderEntryError } from './errors';
import type { MirroredOrder, OrderMirror } from './order-mirror';
import { PendingRequests } from './pending-requests';

type Unnumbered<T> = T extends OrderEntryRequest ? Omit<T, 'requestId'> : never;
/** A request before the router numbers it. */
export type OutgoingRequest = Unnumbered<OrderEntryRequest>;

/**
 * Who hears a request's answer: a promise's resolvers (request()) or, on a protocol
 * session's hot path, an object of its own (submit()), with no promise or closure per
 * request. All of a command's reports are durable together and arrive in one batch.
 */
export abstract class PendingRequest {
  /** Set by the router when the request is submitted. */
  requestId = 0;
  account = 0;
  deadlineMs = 0;
  /** In the batch being delivered (answered at its end). */
  batched = false;
  /** One report answering the request (order or account report), in sequence order. */
  abstract report(r: OrderReport | AccountReport): void;
  /** Every report of the batch has been given: the request is answered. */
  abstract answered(): void;
  /** No answer (timeout, the gateway closing, the core refusing the request). */
  abstract failed(error: OrderEntryError): void;
}

/** request()'s pending: collects the reports, then resolves with them. */
class PromisedRequest extends PendingRequest {
  readonly reports: OrderEntryReport[] = [];
  constructor(
    private readonly resolve: (reports: OrderEntryReport[]) => void,
    private readonly reject: (error: OrderEntryError) => void,
  ) {
    super();
  }
  report(r: OrderReport | AccountReport): void {
    this.reports.push(r);
  }
  answered(): void {
    this.resolve(this.reports);
  }
  failed(error: OrderEntryError): void {
    this.reject(error);
  }
}

/** Where each mirrored change goes as it happens (the private websocket). */
export interface ReportSink {
  /** How many listen for the account's changes (none: no order object is made for it). */
  connectionsOf(account: number): number;
  order(order: MirroredOrder): void;
  execution(execution: ExecutionReport): void;
}

export interface ReportRouterFigures {
  submitted: number;
  reports: number;
  answered: number;
  timeouts: number;
  /** Reports answering a requestId this process is not waiting for (replay, or after a timeout). */
  unmatched: number;
}

/** Largest requestId before wrapping to 1 (a u31, whatever width the core keeps). */
const MAX_REQUEST_ID = 0x7fffffff;

export class ReportRouter {
  readonly figures: ReportRouterFigures = { submitted: 0, reports: 0, answered: 0, timeouts: 0, unmatched: 0 };
  /** By requestId, in submission order, which is deadline order (one timeout for all); a ring, not a Map (pending-requests.ts). */
  private readonly pending = new PendingRequests(MAX_REQUEST_ID);
  private nextRequestId = 1;
  private sink: ReportSink | null = null;
  /** Protocol sessions (FIX, OUCH) that hear every report, after the mirror took it. */
  private readonly listeners: Array<(report: OrderEntryReport) => void> = [];
  private closed = false;
  private sweepTimer: NodeJS.Timeout | null = null;
  /** Requests answered by the batch being delivered. */
  private readonly settled: PendingRequest[] = [];

  constructor(
    private readonly port: TradingPort,
    private readonly mirror: OrderMirror,
    private readonly timeoutMs: number,
    private readonly now: () => number,
  ) {
    port.onReports((reports) => this.deliver(reports));
  }

  /** Starts the timeout sweep (every quarter of the timeout, at most 250 ms). */
  start(): void {
    if (this.sweepTimer !== null) return;
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(10, Math.min(250, this.timeoutMs >> 2)));
    this.sweepTimer.unref();
  }

  setSink(sink: ReportSink): void {
    this.sink = sink;
  }

  /** Hears every report in sequence order, after the mirror and the websocket sink (FIX and OUCH sessions route them to their owners). */
  addListener(listener: (report: OrderEntryReport) => void): void {
    this.listeners.push(listener);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Submits a request; resolves with the reports that answer it. */
  request(req: OutgoingRequest): Promise<OrderEntryReport[]> {
    return new Promise<OrderEntryReport[]>((resolve, reject) => {
      this.submit({ ...req, requestId: 0 } as OrderEntryRequest, new PromisedRequest(resolve, reject));
    });
  }

  /**
   * Submits `req` (its requestId is set here) and tells `pending` the answer: the hot path
   * of protocol sessions, one request object and one pending object per order. `failed` may
   * be called before this returns (the gateway closing, the core refusing the request).
   */
  submit(req: OrderEntryRequest, pending: PendingRequest): void {
    if (this.closed) {
      pending.failed(new OrderEntryError('TW_ERR_OE_CORE_UNAVAILABLE', 'the gateway is shutting down'));
      return;
    }
    const requestId = this.nextRequestId;
    this.nextRequestId = requestId === MAX_REQUEST_ID ? 1 : requestId + 1;
    (req as { requestId: number }).requestId = requestId;
    pending.requestId = requestId;
    pending.account = req.account;
    pending.deadlineMs = this.now() + this.timeoutMs;
    this.pending.add(pending);
    try {
      this.port.submit(req);
      this.figures.submitted++;
    } catch (error) {
      this.pending.remove(pending);
      pending.failed(new OrderEntryError('TW_ERR_OE_CORE_UNAVAILABLE', `the exchange core did not take the request: ${(error as Error).message}`));
    }
  }

  /** Fails every waiting request; later reports still reach the mirror. */
  close(): void {
    this.closed = true;
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    const waiting = this.pending.takeAll();
    for (const p of waiting) p.failed(new OrderEntryError('TW_ERR_OE_CORE_UNAVAILABLE', 'the gateway is shutting down'));
  }

  private deliver(reports: readonly OrderEntryReport[]): void {
    const settled = this.settled;
    for (const r of reports) {
      this.figures.reports++;
      if (r.kind === 'order') {
        const slot = this.mirror.applyOrder(r);
        // The order as an object only for a sink that has someone to tell (a websocket of the account).
        if (slot >= 0 && this.sink !== null && this.sink.connectionsOf(r.account) > 0) this.sink.order(this.mirror.orderAt(slot));
      } else if (r.kind === 'execution') {
        if (this.mirror.applyExecution(r) && this.sink !== null) this.sink.execution(r);
      }
      for (let i = 0; i < this.listeners.length; i++) this.listeners[i](r);
      if (r.kind === 'execution' || r.requestId === 0) continue;
      const p = this.pending.get(r.requestId);
      if (p === null || p.account !== r.account) {
        this.figures.unmatched++;
        continue;
      }
      p.report(r);
      if (!p.batched) {
        p.batched = true;
        settled.push(p);
      }
    }
    for (let i = 0; i < settled.length; i++) {
      const p = settled[i];
      p.batched = false;
      if (!this.pending.remove(p)) continue;
      this.figures.answered++;
      p.answered();
    }
    settled.length = 0;
  }

  private sweep(): void {
    const now = this.now();
    for (let p = this.pending.oldest(); p !== null && p.deadlineMs <= now; p = this.pending.oldest()) {
      this.pending.remove(p);
      this.figures.timeouts++;
      p.failed(new OrderEntryError('TW_ERR_OE_CORE_TIMEOUT', `no answer from the exchange core in ${this.timeoutMs} ms; the request may still happen: retry with the same clientOrderId, or GET /v1/orders`));
    }
  }
}
