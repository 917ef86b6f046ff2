// tickwire run: the whole system on one machine with embedded defaults (for now the
// exchange core at a live pace; the publisher and servers join it as they land).
import type { Command } from 'commander';
import type { EngineEventHandler, EngineEventView } from '../../protocol';
import { LiveSim, newYorkDate, readJournal, sessionJournalPath } from '../../sim';
import { collect, numberFlag, resolveConfig } from '../cli-config';

interface RunOptions {
  rate?: string;
  seed?: string;
  config?: string;
  set?: string[];
}

/** True when a journal holds End of Messages: its session is over. */
function sessionEnded(file: string): boolean {
  let ended = false;
  try {
    readJournal(
      file,
      (cmds, base) => {
        if (cmds.type(base) === 0x53 && cmds.code(base) === 0x43) ended = true;
      },
      { repair: false },
    );
  } catch {
    return false; // a damaged journal is reported when it is opened for real
  }
  return ended;
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
    .action((opts: RunOptions) => {
      const config = resolveConfig(opts, { 'sim.ordersPerSec': numberFlag(opts.rate), 'sim.seed': numberFlag(opts.seed) });
      const journalPath = sessionJournalPath(config.journal.path, newYorkDate(Date.now()), sessionEnded);
      const counter: EngineEventHandler = { onEngineEvent: (_v: EngineEventView, _b: number) => undefined };
      const sim = new LiveSim(config, journalPath, counter);
      const recovery = sim.start();
      const tty = process.stdout.isTTY === true;
      process.stdout.write(
        `tickwire run: exchange core, ${config.sim.symbols} symbols, ${config.sim.ordersPerSec.toLocaleString('en-US')} orders/s on average, seed ${config.sim.seed}\n` +
          `journal ${journalPath || '(none)'}` +
          (recovery.records > 0 ? `: resumed after ${recovery.records.toLocaleString('en-US')} commands (last inbound seq ${recovery.lastSeq})` : '') +
          (recovery.truncatedBytes > 0 ? `; ${recovery.tornDetail}, ${recovery.truncatedBytes} bytes truncated` : '') +
          '\nCtrl-C ends the day and exits.\n',
      );
      let seconds = 0;
      const statusTimer = setInterval(() => {
        seconds++;
        const s = sim.status(Math.round(sim.sampleRate()));
        const line =
          `orders/s ${s.ordersPerSec.toLocaleString('en-US')}  orders ${s.orders.toLocaleString('en-US')}  events ${s.events.toLocaleString('en-US')}` +
          `  executions ${s.executions.toLocaleString('en-US')}  resting ${s.restingOrders.toLocaleString('en-US')}  rejects ${s.rejects}`;
        if (tty) process.stdout.write(`\r\x1b[2K${line}`);
        else if (seconds % 5 === 0) process.stdout.write(line + '\n');
      }, 1000);
      const shutdown = (): void => {
        clearInterval(statusTimer);
        sim.stop(true);
        const s = sim.status(0);
        process.stdout.write(`${tty ? '\n' : ''}end of day: ${s.orders.toLocaleString('en-US')} orders, ${s.events.toLocaleString('en-US')} events; journal closed\n`);
        process.exit(0);
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
}
