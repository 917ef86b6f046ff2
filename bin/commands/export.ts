// tickwire export --date YYYY-MM-DD [--out DIR]: one day of the DuckDB store as Parquet
// (zstd, Hive partitions date=/symbol=) with a manifest; a progress bar on a terminal.
import * as path from 'node:path';
import type { Command } from 'commander';
import { checkExportDate, ensureSchema, exportDay, openDuckDb, StorageError } from '../../storage';
import { collect, resolveConfig } from '../cli-config';
import { ProgressBar } from '../progress';

interface ExportOptions {
  date?: string;
  out?: string;
  config?: string;
  set?: string[];
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('export one trading day of the store as Parquet (trades, candles, feed messages) with a manifest')
    .requiredOption('--date <YYYY-MM-DD>', 'the trading day (New York)')
    .option('--out <dir>', 'output folder (storage.export.outDir)')
    .option('--config <file>', 'JSON config file')
    .option('--set <path=value>', 'any setting, e.g. --set storage.path=data/tickwire.duckdb (repeatable)', collect, [])
    .addHelpText('after', '\nExamples:\n  tickwire export --date 2025-03-14\n  tickwire export --date 2025-03-14 --out /tmp/history')
    .action(async (opts: ExportOptions) => {
      const config = resolveConfig(opts, opts.out === undefined ? {} : { 'storage.export.outDir': opts.out });
      const s = config.storage;
      try {
        const date = checkExportDate(opts.date);
        if (s.engine !== 'duckdb') throw new StorageError('TW_ERR_STORAGE_EXPORT', `the Parquet export reads the DuckDB store, and storage.engine is ${s.engine}`);
        // Read-only: a running tickwire holding the file makes this a clear TW_ERR_STORAGE_OPEN.
        const db = await openDuckDb(s.path, true);
        const con = await db.connect();
        await ensureSchema(con, s.path, true);
        const bar = new ProgressBar(`export ${date}`);
        const started = performance.now();
        const manifest = await exportDay(con, date, s.export.outDir, (fraction) => bar.progress(Math.round(fraction * 1000), 1000));
        bar.done();
        con.closeSync();
        db.closeSync();
        const counts = Object.entries(manifest.tables).map(([t, v]) => `${t} ${v.rows.toLocaleString('en-US')} rows in ${v.files.length} files`);
        process.stdout.write(
          `exported ${date} to ${path.resolve(s.export.outDir, `date=${date}`)} in ${((performance.now() - started) / 1000).toFixed(1)} s: ${counts.join(', ')}\n`,
        );
      } catch (err) {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      }
    });
}
