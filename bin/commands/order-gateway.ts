// tickwire order-gateway: a stateless client gateway for an HA exchange (issue 20). REST,
// FIX 4.4 and OUCH 4.2 as `tickwire run` serves them, forwarding every order to whichever
// node etcd names primary (ha.etcd), and following the next one after a failover.
import type { Command } from 'commander';
import { collect, resolveConfig } from '../cli-config';
import { createLogger, startOrderGateway } from '../../runtime';

interface OrderGatewayOptions {
  config?: string;
  set?: string[];
}

export function registerOrderGateway(program: Command): void {
  program
    .command('order-gateway')
    .description('a stateless client gateway (REST, FIX, OUCH) in front of an HA primary found through etcd')
    .option('--config <file>', 'JSON config file')
    .option('--set <path=value>', 'any setting, e.g. --set ha.etcd.endpoints=["http://10.0.0.5:2379"] (repeatable)', collect, [])
    .addHelpText('after', '\nExample:\n  tickwire order-gateway --set orderEntry.port=8091 --set orderEntry.fix.port=0 --set orderEntry.ouch.port=0')
    .action(async (opts: OrderGatewayOptions) => {
      const config = resolveConfig(opts, {});
      const logger = createLogger(config.log);
      const gw = await startOrderGateway(config, { logger });
      const s = gw.service;
      process.stdout.write(
        `tickwire order-gateway: primary from etcd ${config.ha.etcd.endpoints.join(',')} (key ${config.ha.etcd.key})\n` +
          `order entry: ${s.url} (REST /v1/order, sessions, private websocket /v1/stream; \`tickwire accounts\`)` +
          (s.fixAddress === '' ? '' : `; FIX 4.4 on tcp ${s.fixAddress}`) +
          (s.ouchAddress === '' ? '' : `; OUCH 4.2 over SoupBinTCP on tcp ${s.ouchAddress}`) +
          '\nCtrl-C stops it.\n',
      );
      const figures = setInterval(() => process.stdout.write(`link: ${JSON.stringify(gw.trading.figures)}\n`), 1000);
      figures.unref();
      let ending = false;
      const shutdown = (): void => {
        if (ending) return;
        ending = true;
        void gw.close().then(() => process.exit(0));
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
}
