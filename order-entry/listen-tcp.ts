// Listening for a binary protocol (FIX, OUCH): one place that turns a failed bind into a
// counted TW_ERR_OE_BIND naming the settings to change, and logs later listener errors.
import type * as net from 'node:net';
import type { OrderEntryLogger } from './directories';
import { OrderEntryError, type OrderEntryErrorCounts } from './errors';

/** Listens on host:port and resolves with the port bound (port 0: any free one). */
export async function listenTcp(server: net.Server, host: string, port: number, what: string, setting: string, errors: OrderEntryErrorCounts, log: OrderEntryLogger): Promise<number> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    errors.count('TW_ERR_OE_BIND');
    throw new OrderEntryError('TW_ERR_OE_BIND', `${what} cannot listen on ${host}:${port} (${(error as Error).message}); set ${setting}.host/port (0: any free port)`);
  }
  server.on('error', (error) => log.error({ code: 'TW_ERR_OE_INTERNAL', err: error }, `${what} listener error`));
  const a = server.address();
  return a !== null && typeof a === 'object' ? a.port : port;
}
