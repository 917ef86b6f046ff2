// Placeholder until the ITCH file reader lands (issue 3).
import type { Command } from 'commander';

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('read an ITCH 5.0 file, build books and candles, print counts and top of book')
    .argument('<file>', 'ITCH 5.0 binary file (u16 length + message)')
    .action(() => {
      process.stderr.write('tickwire replay is not built yet\n');
      process.exit(1);
    });
}
