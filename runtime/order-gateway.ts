// A stateless client gateway (`tickwire order-gateway`, issue 20): REST, FIX and OUCH for
// brokers, in a process of its own that holds no order state. It finds the HA primary in
// etcd, forwards every request over the order link and follows the next primary after a
// failover (runtime/remote-trading.ts). Several can run side by side on one account
// database; each hears every report and routes it to its own sessions.
import * as os from 'node:os';
import type { TickwireConfig } from '../config';
import { haErrorName, LeaderWatch } from '../ha';
import { nySessionDate } from '../protocol';
import { RuntimeErrorCode } from './errors';
import type { Logger } from './logger';
import { openSession, startOrderEntryService, type OrderEntryService } from './order-entry';
import { RemoteTradingPort } from './remote-trading';

export interface OrderGateway {
  readonly service: OrderEntryService;
  readonly trading: RemoteTradingPort;
  close(): Promise<void>;
}

export async function startOrderGateway(config: TickwireConfig, options: { logger: Logger }): Promise<OrderGateway> {
  const logger = options.logger;
  const name = config.ha.node !== '' ? config.ha.node : `gateway-${os.hostname()}-${process.pid}`;
  let service: OrderEntryService | null = null;
  let opening = false;
  // A fresh session on the primary (no account journaled yet): this gateway journals every
  // account's settings (idempotent: settings, not balances; see README limits).
  const openFresh = (): void => {
    if (service === null || opening) return;
    opening = true;
    const s = service;
    void openSession(config, s.server, s.accounts)
      .then((what) => {
        if (what !== '') logger.info({}, `order gateway: ${what} on the primary`);
      })
      .catch((err: Error) => logger.warn({ code: RuntimeErrorCode.LinkOpenSession }, `opening the session on the primary: ${err.message}`))
      .finally(() => {
        opening = false;
      });
  };
  let fresh = false;
  const trading = new RemoteTradingPort({
    name,
    logger,
    onFreshSession: () => {
      fresh = true;
      openFresh();
    },
  });
  const watch = new LeaderWatch({
    endpoints: config.ha.etcd.endpoints,
    key: config.ha.etcd.key,
    pollMs: config.ha.etcd.pollMs,
    onLeader: (leader) => {
      if (leader !== null) logger.info({ epoch: leader.epoch }, `order gateway: the primary is ${leader.node} (epoch ${leader.epoch}, order link ${leader.orderLinkHost}:${leader.orderLinkPort})`);
      trading.follow(leader);
    },
    onProblem: (code, detail) => logger.warn({ code: haErrorName(code) }, detail),
  });
  service = await startOrderEntryService(config, { trading, logger, journalPath: '', resumed: true, sessionDate: nySessionDate(Date.now()) });
  if (fresh) openFresh();
  watch.start();
  const s = service;
  return {
    service: s,
    trading,
    close: async () => {
      watch.close();
      await s.close();
      trading.close();
    },
  };
}
