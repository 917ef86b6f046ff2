// GET /metrics: Prometheus text from the gateway's own prom-client registry (a market-data
// gateway in the same process keeps its own). Every value is read when scraped.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { OrderEntryErrorCodes, type OrderEntryErrorCounts } from './errors';
import type { OrderDeskFigures } from './order-desk';
import type { MirrorFigures } from './order-mirror';
import type { PrivateStreamFigures } from './private-stream';
import type { ReportRouter } from './report-router';

export interface OrderEntryMetricsSources {
  errors: OrderEntryErrorCounts;
  desk: OrderDeskFigures;
  router: ReportRouter;
  mirror: MirrorFigures;
  stream: PrivateStreamFigures;
  httpRequests: () => number;
}

export interface OrderEntryMetrics {
  registry: Registry;
  /** POST /v1/order, request in to answer out, seconds. */
  orderSeconds: Histogram;
}

function counter(reg: Registry, name: string, help: string, value: () => number): void {
  new Counter({
    name,
    help,
    registers: [reg],
    collect() {
      this.reset();
      this.inc(value());
    },
  });
}

function gauge(reg: Registry, name: string, help: string, value: () => number): void {
  new Gauge({
    name,
    help,
    registers: [reg],
    collect() {
      this.set(value());
    },
  });
}

export function orderEntryMetrics(s: OrderEntryMetricsSources): OrderEntryMetrics {
  const reg = new Registry();
  collectDefaultMetrics({ register: reg });
  const r = s.router.figures;
  counter(reg, 'tickwire_order_entry_http_requests_total', 'HTTP requests', s.httpRequests);
  counter(reg, 'tickwire_order_entry_orders_total', 'New orders submitted to the exchange core', () => s.desk.orders);
  counter(reg, 'tickwire_order_entry_cancels_total', 'Cancels submitted to the exchange core', () => s.desk.cancels);
  counter(reg, 'tickwire_order_entry_retries_total', 'Orders answered as retries (same clientOrderId, same body)', () => s.desk.retries);
  counter(reg, 'tickwire_order_entry_suspensions_total', 'Sessions (or API-key accounts) suspended for abnormal traffic', () => s.desk.suspensions);
  counter(reg, 'tickwire_order_entry_requests_submitted_total', 'Requests submitted to the exchange core', () => r.submitted);
  counter(reg, 'tickwire_order_entry_reports_total', 'Reports received from the exchange core', () => r.reports);
  counter(reg, 'tickwire_order_entry_answers_total', 'Requests answered by a report', () => r.answered);
  counter(reg, 'tickwire_order_entry_timeouts_total', 'Requests the exchange core did not answer in time', () => r.timeouts);
  gauge(reg, 'tickwire_order_entry_pending_requests', 'Requests waiting for their report', () => s.router.pendingCount);
  gauge(reg, 'tickwire_order_entry_mirror_accounts', 'Accounts in the order mirror', () => s.mirror.accounts);
  gauge(reg, 'tickwire_order_entry_mirror_orders', 'Orders in the order mirror', () => s.mirror.orders);
  gauge(reg, 'tickwire_order_entry_mirror_executions', 'Executions in the order mirror', () => s.mirror.executions);
  counter(reg, 'tickwire_order_entry_mirror_forgotten_total', 'Closed orders and executions forgotten past the mirror bounds', () => s.mirror.ordersForgotten + s.mirror.executionsForgotten);
  gauge(reg, 'tickwire_order_entry_ws_connections', 'Private websocket connections', () => s.stream.connections);
  counter(reg, 'tickwire_order_entry_ws_connections_total', 'Private websocket connections accepted', () => s.stream.connectionsTotal);
  counter(reg, 'tickwire_order_entry_ws_messages_total', 'Private websocket messages sent', () => s.stream.messagesSent);
  counter(reg, 'tickwire_order_entry_ws_slow_closed_total', 'Private websocket clients closed as slow consumers (4001)', () => s.stream.slowClosed);
  new Counter({
    name: 'tickwire_order_entry_errors_total',
    help: 'Refusals and errors by TW_ERR_OE_ code',
    labelNames: ['code'],
    registers: [reg],
    collect() {
      this.reset();
      for (const code of OrderEntryErrorCodes) this.inc({ code }, s.errors.get(code));
    },
  });
  new Counter({
    name: 'tickwire_order_entry_rejects_total',
    help: 'Orders the exchange core rejected, by TW_REJECT_ code',
    labelNames: ['reason'],
    registers: [reg],
    collect() {
      this.reset();
      for (const [reason, n] of s.desk.rejects) this.inc({ reason }, n);
    },
  });
  const orderSeconds = new Histogram({
    name: 'tickwire_order_entry_order_seconds',
    help: 'POST /v1/order from request to answer (durable in the journal), seconds',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1, 5],
    registers: [reg],
  });
  return { registry: reg, orderSeconds };
}
