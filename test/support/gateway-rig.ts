// A publisher driven by the seeded exchange core with a gateway on its books, on an
// ephemeral port, for the gateway's end-to-end tests.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { configSchema, type TickwireConfig } from '../../config';
import { Gateway, KeyStore, type MarketHistory } from '../../gateway';
import { FeedPublisher, feedPublisherOptions, type PacketSink } from '../../publisher';
import { SeededDay } from '../../sim';

export const SESSION_DATE = '2024-03-08';

class NullSink implements PacketSink {
  sendPacket(): void {}
}

export interface GatewayRig {
  config: TickwireConfig;
  publisher: FeedPublisher;
  gateway: Gateway;
  day: SeededDay;
  keys: KeyStore;
  url: string;
  http: string;
}

export async function gatewayRig(gateway: Record<string, unknown> = {}, history: MarketHistory | null = null, sim: Record<string, unknown> = {}, logger?: Logger): Promise<GatewayRig> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-gw-'));
  const config = configSchema.parse({ sim: { seed: 11, symbols: 5, ...sim }, gateway: { port: 0, keysFile: path.join(dir, 'keys.json'), realtimeIntervalMs: 0, ...gateway } });
  const publisher = new FeedPublisher(feedPublisherOptions(config, SESSION_DATE, new NullSink()));
  const keys = new KeyStore(config.gateway.keysFile);
  const gw = new Gateway({ source: publisher, config: config.gateway, keys, history, logger });
  const port = await gw.start();
  const day = new SeededDay(config, publisher);
  day.open();
  return { config, publisher, gateway: gw, day, keys, url: `ws://127.0.0.1:${port}/v1/ws`, http: `http://127.0.0.1:${port}` };
}

/** One turn of the event loop: the gateway's real-time flush runs. */
export const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
