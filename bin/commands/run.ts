// tickwire run: the whole system on one machine with embedded defaults (for now the
// exchange core at a live pace and the publisher on the feed lines; the servers join it
// as they land).
import type { Command } from 'commander';
import { collect, numberFlag, resolveConfig } from '../cli-config';
import { describeFeedEnd, describeLines, describeResend, createLogger, startHaNode, startLiveFeed, type HaNode } from '../../runtime';

interface RunOptions {
  rate?: string;
  seed?: string;
  config?: string;
  set?: string[];
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run everything on one machine with embedded defaults (what npm start runs)')
    .option('--rate <orders/s>', 'average orders per second (sim.ordersPerSec)')
    .option('--seed <n>', 'seed of the order-flow generator (sim.seed)')
    .option('--config <file>', 'JSON config file')
    .option('--set <path=value>', 'any setting, e.g. --set journal.fsync=true (repeatable)', collect, [])
    .addHelpText('after', '\nExample:\n  tickwire run --rate 5000')
    .action(async (opts: RunOptions) => {
      const config = resolveConfig(opts, { 'sim.ordersPerSec': numberFlag(opts.rate), 'sim.seed': numberFlag(opts.seed) });
      const logger = createLogger(config.log);
      // ha.enabled: a hot standby until etcd elects it (runtime/ha-node.ts); otherwise one machine.
      const ha: HaNode | null = config.ha.enabled ? await startHaNode(config, { logger }) : null;
      const feed = ha?.feed ?? (await startLiveFeed(config, { logger, orderEntry: true }));
      if (ha !== null) {
        process.stdout.write(`ha: node ${ha.node}, standby until elected (etcd ${config.ha.etcd.endpoints.join(',')}, replication ${config.ha.replication.host}:${config.ha.replication.port})\n`);
        ha.onPromoted((epoch) => process.stdout.write(`ha: primary, epoch ${epoch}\n`));
        ha.onFenced((reason) => {
          process.stdout.write(`ha: fenced: ${reason}\n`);
          process.exit(3); // quiet at once; a supervisor restarts it as a standby
        });
        setInterval(() => process.stdout.write(`ha: ${JSON.stringify(ha.figures())}\n`), 200).unref();
      }
      const sim = feed.sim;
      const recovery = feed.recovery;
      const journalPath = feed.journalPath;
      const tty = process.stdout.isTTY === true;
      process.stdout.write(
        `tickwire run: exchange core, ${config.sim.symbols} symbols, ${config.sim.ordersPerSec.toLocaleString('en-US')} orders/s on average, seed ${config.sim.seed}\n` +
          `journal ${journalPath || '(none)'}` +
          (recovery.records > 0 ? `: resumed after ${recovery.records.toLocaleString('en-US')} commands (last inbound seq ${recovery.lastSeq})` : '') +
          (recovery.truncatedBytes > 0 ? `; ${recovery.tornDetail}, ${recovery.truncatedBytes} bytes truncated` : '') +
          `\n${describeLines(feed)}\n` +
          describeResend(feed) +
          'Ctrl-C ends the day and exits.\n',
      );
      let seconds = 0;
      let lastMessages = feed.service.publisher.messages;
      const statusTimer = setInterval(() => {
        seconds++;
        const s = sim.status(Math.round(sim.sampleRate()));
        const p = feed.service.publisher;
        const clients = feed.gateway === null ? '' : `  clients ${feed.gateway.figures().connections.toLocaleString('en-US')}`;
        const storage = feed.storage === null ? '' : `  storage lag ${Math.max(0, p.sequence - feed.storage.service.storedThrough).toLocaleString('en-US')} msgs`;
        const line =
          `orders/s ${s.ordersPerSec.toLocaleString('en-US')}  messages/s ${(p.messages - lastMessages).toLocaleString('en-US')}` +
          `  feed seq ${p.nextSequence.toLocaleString('en-US')}${clients}${storage}` +
          `  orders ${s.orders.toLocaleString('en-US')}  executions ${s.executions.toLocaleString('en-US')}  resting ${s.restingOrders.toLocaleString('en-US')}` +
          (s.rejects > 0 ? `  rejects ${s.rejects}` : '');
        lastMessages = p.messages;
        if (tty) process.stdout.write(`\r\x1b[2K${line}`);
        else if (seconds % 5 === 0) process.stdout.write(line + '\n');
      }, 1000);
      let ending = false;
      const shutdown = (): void => {
        if (ending) return;
        ending = true;
        clearInterval(statusTimer);
        void (ha !== null ? ha.close() : feed.endDay()).then(() => {
          const s = sim.status(0);
          process.stdout.write(
            `${tty ? '\n' : ''}end of day: ${s.orders.toLocaleString('en-US')} orders, ${s.events.toLocaleString('en-US')} events; journal closed\n${describeFeedEnd(feed)}\n`,
          );
          process.exit(0);
        });
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
}
