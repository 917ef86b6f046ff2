// tickwire gateway: an edge gateway. A feed handler rebuilds the books from lines A and B
// (with gap recovery), and the websocket gateway and HTTP API serve them, on a machine of
// their own when one publisher process cannot carry every client (issue 6). The gateway
// sees the handler only as a MarketDataSource, as it sees the publisher in `tickwire run`.
// `--processes N` runs N such gateways on one port (node:cluster: the primary hands each
// new connection to the next process), each with its own feed handler, so the websocket
// fan-out uses N cores of one machine.
import cluster from 'node:cluster';
import * as net from 'node:net';
import type { Command } from 'commander';
import { FeedHandler } from '../../feed-handler';
import { nySessionDate } from '../../protocol';
import { collect, resolveConfig } from '../cli-config';
import { describeGateway, startGateway } from '../../runtime';
import type { Gateway } from '../../gateway';
import { feedHandlerOptions } from './feed';
import { badFlag } from '../errors';

interface GatewayCommandOptions {
  date?: string;
  config?: string;
  set?: string[];
  processes?: string;
}

/** A gateway process that dies on its own is started again after this long. */
const RESTART_DELAY_MS = 1000;
/** A process that dies sooner than this after its start failed to start (bad config, a port taken). */
const START_GRACE_MS = 5000;
/** Failed starts in a row before the primary gives up (exit 1). */
const MAX_FAILED_STARTS = 3;

/** Null if `host:port` can be listened on (0 always can), else why not. */
function portTaken(host: string, port: number): Promise<string | null> {
  if (port === 0) return Promise.resolve(null);
  return new Promise((resolve) => {
    const server = net.createServer();
    server.on('error', (err) => resolve(err.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(null)));
  });
}

/** The cluster's primary: starts `n` gateway processes, restarts one that dies, stops them on SIGINT/SIGTERM. */
function runPrimary(n: number): void {
  let stopping = false;
  let restarts = 0;
  let failedStarts = 0;
  /** SIGINT lets each process close its clients (1001); SIGKILL for processes that are failing to start anyway. */
  const stopAll = (signal: NodeJS.Signals = 'SIGINT'): void => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(process.exitCode ?? 0);
    for (const w of workers) w?.process.kill(signal);
  };
  const fork = (): void => {
    const startedAt = Date.now();
    cluster.fork().once('exit', (code, signal) => {
      if (stopping) {
        if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(process.exitCode ?? 0);
        return;
      }
      failedStarts = Date.now() - startedAt < START_GRACE_MS ? failedStarts + 1 : 0;
      if (failedStarts >= MAX_FAILED_STARTS) {
        process.stderr.write(`tickwire gateway: ${failedStarts} processes in a row exited within ${START_GRACE_MS} ms of starting (see above); stopping\n`);
        process.exitCode = 1;
        stopAll('SIGKILL');
        return;
      }
      restarts++;
      process.stderr.write(`tickwire gateway: process exited (${signal ?? `code ${code}`}); starting another in ${RESTART_DELAY_MS} ms (${restarts} restarts)\n`);
      setTimeout(fork, RESTART_DELAY_MS);
    });
  };
  for (let i = 0; i < n; i++) fork();
  process.stdout.write(`tickwire gateway: ${n} gateway processes on one port, connections handed out in turn\n`);
  process.on('SIGINT', () => stopAll());
  process.on('SIGTERM', () => stopAll());
}

export function registerGateway(program: Command): void {
  program
    .command('gateway')
    .description('run an edge gateway: a feed handler on lines A and B serving the websocket gateway, HTTP API and web page')
    .option('--date <YYYY-MM-DD>', 'session date (New York): names the session; default today')
    .option('--config <file>', 'JSON config file')
    .option('--set <path=value>', 'any setting, e.g. --set gateway.port=8081 (repeatable)', collect, [])
    .option('--processes <n>', 'gateway processes sharing the port, one feed handler each (1-64)', '1')
    .addHelpText('after', '\nExamples (beside tickwire run, on another port):\n  tickwire gateway --set gateway.port=8081\n  tickwire gateway --processes 4 --set gateway.port=8081')
    .action(async (opts: GatewayCommandOptions) => {
      const processes = Number(opts.processes ?? '1');
      if (!Number.isInteger(processes) || processes < 1 || processes > 64) {
        badFlag(`--processes must be a whole number from 1 to 64, got "${opts.processes}"`);
        process.exit(2);
      }
      const config = resolveConfig(opts, {});
      const sessionDate = opts.date ?? nySessionDate(Date.now());
      if (!/^\d{4}-\d{2}-\d{2}$/.test(sessionDate)) {
        badFlag(`--date must be YYYY-MM-DD, got "${sessionDate}"`);
        process.exit(2);
      }
      if (processes > 1 && cluster.isPrimary) {
        // The port is checked here first: a taken port is one clear error, not N failing processes.
        const taken = await portTaken(config.gateway.host, config.gateway.port);
        if (taken !== null) {
          process.stderr.write(`TW_ERR_GW_BIND: cannot listen on ${config.gateway.host}:${config.gateway.port} (${taken}); set gateway.host/gateway.port (0: any free port)\n`);
          process.exit(1);
        }
        runPrimary(processes);
        return;
      }
      const handler = new FeedHandler(feedHandlerOptions(config, sessionDate));
      try {
        await handler.start();
      } catch (err) {
        process.stderr.write(`${(err as Error).message}\n`);
        process.exit(1);
      }
      let gateway: Gateway;
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
      // on, not once: Ctrl-C reaches a cluster's processes both from the terminal and from the primary.
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
