// The websocket gateway and HTTP API in a process: built from the `gateway` config section
// over any MarketDataSource. `tickwire run`/`publish` pass the publisher (live-feed.ts); an
// edge `tickwire gateway` passes a feed handler the same way.
import * as path from 'node:path';
import type { MarketDataSource } from '../book';
import type { TickwireConfig } from '../config';
import { Gateway, type ExtraGauge, type MarketHistory } from '../gateway';
import type { PublisherService, Rewinder, SnapshotServer } from '../publisher';
import { createLogger, type Logger } from './logger';

export interface GatewayWiring {
  /** Storage for ranges older than memory (null: /v1/marketdata/trades beyond memory is 503 TW_ERR_GW_NO_STORAGE). */
  history?: MarketHistory | null;
  /** Extra figures for /metrics. */
  extraGauges?: readonly ExtraGauge[];
  /** The process's logger (fastify's and the gateway's lines); default: one from `config.log`. */
  logger?: Logger;
}

/** Starts the gateway on `source`; throws TW_ERR_GW_BIND (address, setting) or TW_ERR_GW_BAD_KEYS_FILE. */
export async function startGateway(config: TickwireConfig, source: MarketDataSource, wiring: GatewayWiring = {}): Promise<Gateway> {
  const gateway = new Gateway({ source, config: config.gateway, history: wiring.history ?? null, extraGauges: wiring.extraGauges, webDir: webPageDir(), logger: wiring.logger ?? createLogger(config.log) });
  await gateway.start();
  return gateway;
}

/** dist/web, where `npm run build` bundles the page (from dist/bin, or from bin/ under Jest). */
export function webPageDir(): string {
  const root = path.resolve(__dirname, '..');
  return path.basename(root) === 'dist' ? path.join(root, 'web') : path.join(root, 'dist', 'web');
}

/** The publisher's figures for the gateway's /metrics. */
export function publisherGauges(service: PublisherService, rewinder: Rewinder, snapshot: SnapshotServer): ExtraGauge[] {
  const p = service.publisher;
  const l = service.lines;
  return [
    { name: 'tickwire_publisher_messages', help: 'ITCH messages published this session', value: () => p.messages },
    { name: 'tickwire_publisher_next_sequence', help: 'Next MoldUDP64 sequence number', value: () => p.nextSequence },
    { name: 'tickwire_publisher_engine_events', help: 'Engine events received', value: () => p.events },
    { name: 'tickwire_publisher_skipped_events', help: 'Engine events not published (bad input, TW_ERR_PUB_*)', value: () => p.skippedEvents },
    { name: 'tickwire_publisher_packets_sent', help: 'Packets sent per line', value: () => l.packetsSent },
    { name: 'tickwire_publisher_send_errors', help: 'Line send errors', value: () => l.sendErrors },
    { name: 'tickwire_publisher_heartbeats', help: 'Heartbeats sent', value: () => service.heartbeats },
    { name: 'tickwire_publisher_max_packet_delay_us', help: 'Largest packet delay seen, us', value: () => service.maxPacketDelayUs },
    { name: 'tickwire_rewinder_requests', help: 'Retransmission requests', value: () => rewinder.figures().requests },
    { name: 'tickwire_rewinder_refused', help: 'Retransmission requests refused', value: () => rewinder.figures().refused },
    { name: 'tickwire_snapshot_sent', help: 'Snapshots sent', value: () => snapshot.figures().snapshotsSent },
  ];
}

/** A line for the start-up banner. */
export function describeGateway(gateway: Gateway): string {
  const c = gateway.config;
  const page = gateway.webPage ? `web page http://${gateway.host}:${gateway.port}/, ` : '';
  return `gateway: ${page}API http://${gateway.host}:${gateway.port}/v1/ (websocket /v1/ws, /metrics, /v1/openapi.json; keys ${c.keysFile}, ${gateway.keys?.list().length ?? 0} loaded)`;
}
