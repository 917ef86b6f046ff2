// GET /metrics: Prometheus text from its own prom-client registry (several gateways in one
// process, as in tests, do not clash): process figures (prom-client defaults), the
// source's figures (sequence, validity, messages applied, integrity errors), the gateway's,
// and any extra gauges the process wiring adds (the publisher's lines, rewinder, snapshot).
// Every value is read when scraped: nothing on the hot path.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { MarketDataSource } from '../book';
import { GatewayErrorCodes, type GatewayErrorCounts } from './errors';
import type { FanOut } from './fan-out';
import type { SubscriptionRegistry } from './subscription-registry';

/** A figure the wiring adds, read at scrape time. */
export interface ExtraGauge {
  /** Prometheus name, e.g. tickwire_publisher_packets_sent. */
  name: string;
  help: string;
  value: () => number;
}

export interface GatewayMetricsSources {
  source: MarketDataSource;
  registry: SubscriptionRegistry;
  fan: FanOut;
  errors: GatewayErrorCounts;
  connections: () => number;
  connectionsTotal: () => number;
  messagesReceived: () => number;
  httpRequests: () => number;
  extra?: readonly ExtraGauge[];
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

export function gatewayMetrics(s: GatewayMetricsSources): Registry {
  const reg = new Registry();
  collectDefaultMetrics({ register: reg });
  const books = s.source.books;
  gauge(reg, 'tickwire_source_sequence', 'Last feed sequence applied to the books', () => s.source.sequence);
  gauge(reg, 'tickwire_source_valid', '1 while the books are valid (0: a feed handler filling a gap)', () => (s.source.valid ? 1 : 0));
  counter(reg, 'tickwire_book_messages_total', 'ITCH messages applied to the books', () => {
    let n = 0;
    for (let i = 0; i < 256; i++) n += books.applied[i];
    return n;
  });
  counter(reg, 'tickwire_book_integrity_errors_total', 'Book integrity errors (TW_ERR_BOOK_*)', () => books.integrity.total);
  counter(reg, 'tickwire_book_orphans_total', 'Messages naming an order ref not on the book', () => books.orphans);
  gauge(reg, 'tickwire_book_resting_orders', 'Resting orders across all books', () => books.liveOrders);
  gauge(reg, 'tickwire_gateway_connections', 'Websocket clients connected', s.connections);
  counter(reg, 'tickwire_gateway_connections_total', 'Websocket clients accepted', s.connectionsTotal);
  counter(reg, 'tickwire_gateway_client_messages_total', 'Websocket messages received from clients', s.messagesReceived);
  counter(reg, 'tickwire_gateway_frames_total', 'Frames serialized (each sent to every subscriber)', () => s.fan.figures.frames);
  counter(reg, 'tickwire_gateway_sends_total', 'Frames handed to client sockets', () => s.fan.figures.sends);
  counter(reg, 'tickwire_gateway_socket_writes_total', 'Socket writes of frames (one per client per flush)', () => s.fan.figures.writes);
  counter(reg, 'tickwire_gateway_sent_bytes_total', 'Bytes handed to client sockets (payload)', () => s.fan.figures.bytes);
  counter(reg, 'tickwire_gateway_skipped_updates_total', 'Updates skipped for clients behind the soft bufferedAmount threshold', () => s.fan.figures.skipped);
  counter(reg, 'tickwire_gateway_resyncs_total', 'Snapshots sent to clients that caught up', () => s.fan.figures.resyncs);
  counter(reg, 'tickwire_gateway_slow_closed_total', 'Clients closed past the hard bufferedAmount limit (4001)', () => s.fan.figures.slowClosed);
  counter(reg, 'tickwire_gateway_flushes_total', 'Flushes of dirty topics at event-group boundaries', () => s.registry.figures.flushes);
  gauge(reg, 'tickwire_gateway_delivery_lag_p99_us', 'Engine event to frame written to the client sockets, p99 since start (us, per subscriber)', () => s.registry.deliveryLag.valueAtPercentile(99));
  gauge(reg, 'tickwire_gateway_delivery_lag_max_us', 'Engine event to frame written to the client sockets, max since start (us)', () => s.registry.deliveryLag.maxValue);
  gauge(reg, 'tickwire_gateway_topics', 'Distinct (symbol, channel, depth, rate) topics with subscribers', () => s.registry.figures.topics);
  counter(reg, 'tickwire_gateway_http_requests_total', 'HTTP requests', s.httpRequests);
  new Gauge({
    name: 'tickwire_gateway_subscriptions',
    help: 'Subscriptions by channel',
    labelNames: ['channel'],
    registers: [reg],
    collect() {
      for (const [channel, n] of Object.entries(s.registry.subscriptionCounts())) this.set({ channel }, n);
    },
  });
  new Counter({
    name: 'tickwire_gateway_errors_total',
    help: 'Errors and refusals by TW_ERR_GW_ code',
    labelNames: ['code'],
    registers: [reg],
    collect() {
      this.reset();
      for (const code of GatewayErrorCodes) this.inc({ code }, s.errors.get(code));
    },
  });
  for (const g of s.extra ?? []) gauge(reg, g.name, g.help, g.value);
  return reg;
}
