#!/usr/bin/env node
// The tickwire command: wires the pieces into processes.
import { Command } from 'commander';
import { registerAccounts } from './commands/accounts';
import { registerExport } from './commands/export';
import { registerKeys } from './commands/keys';
import { registerFeed } from './commands/feed';
import { registerGateway } from './commands/gateway';
import { registerOrderGateway } from './commands/order-gateway';
import { registerPublish } from './commands/publish';
import { registerReplay } from './commands/replay';
import { registerRun } from './commands/run';
import { registerSim } from './commands/sim';

const program = new Command();
program
  .name('tickwire')
  .description('Market-data publishing and distribution for a stock exchange (ITCH 5.0 over MoldUDP64).')
  .version('0.1.0')
  .showHelpAfterError();

registerRun(program);
registerPublish(program);
registerSim(program);
registerReplay(program);
registerExport(program);
registerKeys(program);
registerFeed(program);
registerGateway(program);
registerOrderGateway(program);
registerAccounts(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
