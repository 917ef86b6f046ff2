// tickwire gateway: an edge gateway. A feed handler rebuilds the books from lines A and B
// (with gap recovery), and the websocket gateway and HTTP API serve them, on a machine of
// their own when one publisher process cannot carry every client (issue 6). The gateway
// sees the handler only as a MarketDataSource, as it sees the publisher in `tickwire run`.
import type { Command } from 'commander';
import { FeedHandler } from '../../feed-handler';
import { newYorkDate } from '../../sim';
import { collect, resolveConfig } from '../cli-config';
import { describeGateway, startGateway } from '../gateway';
import { feedHandlerOptions } from './feed';

interface GatewayCommandOptions {
  date?: string;
  config?: string;
  set?: string[];
}

export function registerGateway(program: Command): void {
  program
    .command('gateway')
    .description('run an edge gateway: a feed handler on lines A and B serving the websocket gateway, HTTP API and web page')
    .option('--date <YYYY-MM-DD>', 'session date (New York): names the session; default today')
    .option('--config <file>', 'JSON config file')
    .option('--set <path=value>', 'any setting, e.g. --set gateway.port=8081 (repeatable)', collect, [])
    .addHelpText('after', '\nExample (beside tickwire run, on another port):\n  tickwire gateway --set gateway.port=8081')
    .action(async (opts: GatewayCommandOptions) => {
      const config = resolveConfig(opts, {});
      const sessionDate = opts.date ?? newYorkDate(Date.now());
      if (!/^\d{4}-\d{2}-\d{2}$/.test(sessionDate)) {
        process.stderr.write(`--date must be YYYY-MM-DD, got "${sessionDate}"\n`);
        process.exit(2);
      }
      const handler = new FeedHandler(feedHandlerOptions(config, sessionDate));
      try {
        await handler.start();
      } catch (err) {
        process.stderr.write(`${(err as Error).message}\n`);
        process.exit(1);
      }
      let gateway;
      try {
        gateway = await startGateway(config, handler);
      } catch (err) {
        await handler.close();
        process.stderr.write(`${(err as Error).message}\n`);
        process.exit(1);
      }
      const p = config.publisher;
      process.stdout.write(
        `tickwire gateway: feed handler on line A ${p.lineA.group}:${p.lineA.port}, line B ${p.lineB.group}:${p.lineB.port} (session ${handler.session}; rewinder ${p.rewinder.host}:${p.rewinder.port}, snapshot ${p.snapshot.host}:${p.snapshot.port})\n` +
          `${describeGateway(gateway)}\nCtrl-C stops.\n`,
      );
      let stopping = false;
      const stop = (): void => {
        if (stopping) return;
        stopping = true;
        void gateway.close().then(() => handler.close()).then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
