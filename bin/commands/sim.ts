// tickwire sim: the exchange core headless, seeded, as fast as it goes.
import type { Command } from 'commander';
import { replayJournal, runSeededSim, type SimFigures } from '../../sim';
import { collect, numberFlag, resolveConfig } from '../cli-config';
import { ProgressBar } from '../progress';
import { badFlag } from '../errors';

interface SimOptions {
  seed?: string;
  orders?: string;
  journal?: string;
  replay?: string;
  json?: boolean;
  config?: string;
  set?: string[];
}

function print(figures: SimFigures, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(figures) + '\n');
    return;
  }
  const n = (x: number): string => x.toLocaleString('en-US');
  const lines = [
    figures.seed === null ? 'replay of a journal' : `seed            ${figures.seed}`,
    `orders          ${n(figures.orders)} in ${figures.seconds.toFixed(3)} s (${n(figures.ordersPerSec)} orders/s)`,
    `commands        ${n(figures.commands)}`,
    `events          ${n(figures.events)}`,
    `trades          ${n(figures.executions)} (executions against resting orders)`,
    `resting orders  ${n(figures.restingOrders)}`,
    `rejects         ${Object.keys(figures.rejects).length === 0 ? 'none' : Object.entries(figures.rejects).map(([k, v]) => `${k}=${n(v)}`).join(' ')}`,
    `journal records ${n(figures.journalRecords)}`,
    `events sha256   ${figures.eventsSha256}`,
    `client accounts ${n(figures.clientAccounts)} (${n(figures.clientOrdersOpen)} client orders open)`,
    `state sha256    ${figures.stateSha256} (books, client orders, balances)`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('run the exchange core headless on seeded order flow; print its figures and the SHA-256 of its event stream')
    .option('--seed <n>', 'seed of the order-flow generator (sim.seed)')
    .option('--orders <n>', 'orders to generate', '1000000')
    .option('--journal <path>', 'write the sequenced commands to this journal (must not exist)')
    .option('--replay <path>', 'replay this journal instead of generating orders')
    .option('--json', 'print one JSON line')
    .option('--config <file>', 'JSON config file')
    .option('--set <path=value>', 'any setting, e.g. --set sim.symbols=10 (repeatable)', collect, [])
    .addHelpText('after', '\nExample:\n  tickwire sim --seed 7 --orders 1000000 --journal /tmp/day.journal\n  tickwire sim --replay /tmp/day.journal   # prints the same events sha256')
    .action((opts: SimOptions) => {
      const config = resolveConfig(opts, { 'sim.seed': numberFlag(opts.seed), 'sim.ordersPerSec': 0 });
      const orders = Number(opts.orders);
      if (!Number.isInteger(orders) || orders < 0) {
        badFlag(`--orders must be a whole number of orders, got "${opts.orders}"`);
        process.exit(2);
      }
      if (opts.replay) {
        print(replayJournal(config, opts.replay), opts.json === true);
        return;
      }
      const bar = new ProgressBar('sim');
      const figures = runSeededSim(config, orders, opts.journal ?? '', bar);
      bar.done();
      print(figures, opts.json === true);
    });
}
