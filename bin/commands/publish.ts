// tickwire publish: the exchange core at a live pace with the publisher in its loop, onto
// the feed lines (issue 4). Ends the day on Ctrl-C, SIGTERM, --duration or --orders.
import type { Command } from 'commander';
import { collect, numberFlag, resolveConfig } from '../cli-config';
import { describeFeedEnd, describeLines, describeResend, createLogger, startLiveFeed, type LiveFeed } from '../../runtime';
import { badFlag } from '../errors';

interface PublishOptions {
  rate?: string;
  seed?: string;
  orders?: string;
  duration?: string;
  config?: string;
  set?: string[];
}

export function registerPublish(program: Command): void {
  program
    .command('publish')
    .description('run the exchange core at a live pace and publish its ITCH 5.0 feed on lines A and B (MoldUDP64 multicast)')
    .option('--rate <orders/s>', 'average orders per second (sim.ordersPerSec)')
    .option('--seed <n>', 'seed of the order-flow generator (sim.seed)')
    .option('--orders <n>', 'end the day after this many orders (sim.orders)')
    .option('--duration <seconds>', 'end the day after this many seconds')
    .option('--config <file>', 'JSON config file')
    .option('--set <path=value>', 'any setting, e.g. --set publisher.lineA.port=31001 (repeatable)', collect, [])
    .addHelpText('after', '\nExamples:\n  tickwire publish --rate 5000\n  tickwire publish --orders 100000 --set publisher.maxPacketsPerSec=20000')
    .action(async (opts: PublishOptions) => {
      const config = resolveConfig(opts, {
        'sim.ordersPerSec': numberFlag(opts.rate),
        'sim.seed': numberFlag(opts.seed),
        'sim.orders': numberFlag(opts.orders),
      });
      const durationS = opts.duration === undefined ? 0 : Number(opts.duration);
      if (!Number.isFinite(durationS) || durationS < 0) {
        badFlag(`--duration must be a number of seconds >= 0, got "${opts.duration}"`);
        process.exit(2);
      }
      const feed = await startLiveFeed(config, { logger: createLogger(config.log) });
      const tty = process.stdout.isTTY === true;
      process.stdout.write(
        `tickwire publish: ${describeLines(feed)}\n` +
          `exchange core: ${config.sim.symbols} symbols, ${config.sim.ordersPerSec.toLocaleString('en-US')} orders/s on average, seed ${config.sim.seed}` +
          (config.sim.orders > 0 ? `, ${config.sim.orders.toLocaleString('en-US')} orders` : '') +
          (durationS > 0 ? `, ${durationS} s` : '') +
          `\njournal ${feed.journalPath || '(none)'}` +
          (feed.recovery.records > 0 ? `: resumed after ${feed.recovery.records.toLocaleString('en-US')} commands, feed continues at sequence ${feed.service.publisher.nextSequence}` : '') +
          '\n' +
          describeResend(feed) +
          'Ctrl-C ends the day and exits.\n',
      );
      const status = liveStatus(feed, tty);
      let ending = false;
      const shutdown = (): void => {
        if (ending) return;
        ending = true;
        clearInterval(status);
        clearInterval(watch);
        if (durationTimer !== null) clearTimeout(durationTimer);
        void feed.endDay().then(() => {
          const s = feed.sim.status(0);
          process.stdout.write(
            `${tty ? '\n' : ''}end of day: ${s.orders.toLocaleString('en-US')} orders, ${s.events.toLocaleString('en-US')} events; journal closed\n${describeFeedEnd(feed)}\n`,
          );
          process.exit(0);
        });
      };
      // The sim stops generating at sim.orders by itself; this notices and ends the day.
      const watch = setInterval(() => {
        if (config.sim.orders > 0 && feed.sim.orders >= config.sim.orders) shutdown();
      }, 20);
      const durationTimer = durationS > 0 ? setTimeout(shutdown, durationS * 1000) : null;
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
}

/** Live figures once a second: in place on a terminal, every 5 s when piped. */
export function liveStatus(feed: LiveFeed, tty: boolean): NodeJS.Timeout {
  let seconds = 0;
  let lastMessages = feed.service.publisher.messages;
  let lastPackets = feed.service.lines.packetsSent;
  return setInterval(() => {
    seconds++;
    const p = feed.service.publisher;
    const l = feed.service.lines;
    const s = feed.sim.status(Math.round(feed.sim.sampleRate()));
    const line =
      `orders/s ${s.ordersPerSec.toLocaleString('en-US')}  messages/s ${(p.messages - lastMessages).toLocaleString('en-US')}` +
      `  packets/s ${(l.packetsSent - lastPackets).toLocaleString('en-US')}  next sequence ${p.nextSequence.toLocaleString('en-US')}` +
      `  orders ${s.orders.toLocaleString('en-US')}  executions ${s.executions.toLocaleString('en-US')}` +
      (l.sendErrors > 0 ? `  send errors ${l.sendErrors}` : '') +
      (l.queueDepth > 0 ? `  queued ${l.queueDepth}` : '');
    lastMessages = p.messages;
    lastPackets = l.packetsSent;
    if (tty) process.stdout.write(`\r\x1b[2K${line}`);
    else if (seconds % 5 === 0) process.stdout.write(line + '\n');
  }, 1000);
}
