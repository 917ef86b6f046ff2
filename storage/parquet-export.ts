// The end-of-day export: one trading day of trades, candles and feed messages as Parquet
// (zstd) in Hive partitions, with a manifest of row counts and SHA-256 per file:
//
//   OUT/date=YYYY-MM-DD/trades/symbol=AAPL/data_0.parquet
//   OUT/date=YYYY-MM-DD/candles/symbol=AAPL/data_0.parquet
//   OUT/date=YYYY-MM-DD/feed_messages/symbol=AAPL/data_0.parquet   (system events: symbol=_)
//   OUT/date=YYYY-MM-DD/manifest.json
//
// Read back with read_parquet('OUT/date=*/trades/*/*.parquet', hive_partitioning = true).
// The day is written into a staging folder beside it and swapped in by renames, so a
// reader never sees a half-written day or old and new files mixed; a failed export leaves
// the previous one in place.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { StorageError, StorageErrorCode, messageOf } from './errors';
import { SCHEMA_VERSION } from './tables';

export const EXPORT_TABLES = ['trades', 'candles', 'feed_messages'] as const;

export interface ExportedFile {
  /** Relative to the day's folder. */
  path: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface ExportManifest {
  date: string;
  createdAt: string;
  schemaVersion: number;
  compression: 'zstd';
  tables: Record<string, { rows: number; files: ExportedFile[] }>;
}

/** Told how far the export is, 0..1, and what it is doing. */
export type ExportProgress = (fraction: number, step: string) => void;

const ORDER: Record<string, string> = {
  trades: 'ts, session, sequence',
  candles: 'start_ts, resolution, session',
  feed_messages: 'session, sequence',
};

export function checkExportDate(date: unknown): string {
  if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw new StorageError(StorageErrorCode.BadQuery, `date must be YYYY-MM-DD, got ${JSON.stringify(date)}`);
  }
  return date;
}

/** Exports one day from the store on `con` into `outDir`; returns its manifest. */
export async function exportDay(con: DuckDBConnection, date: string, outDir: string, progress: ExportProgress = () => {}): Promise<ExportManifest> {
  checkExportDate(date);
  const root = path.resolve(outDir);
  const dayDir = path.join(root, `date=${date}`);
  const staging = path.join(root, `.staging-date=${date}-${process.pid}-${Date.now()}`);
  try {
    fs.mkdirSync(staging, { recursive: true });
  } catch (err) {
    throw new StorageError(StorageErrorCode.Export, `cannot create ${staging}: ${messageOf(err)} (storage.export.outDir, or --out)`);
  }
  try {
    const steps = EXPORT_TABLES.length + 1;
    for (let i = 0; i < EXPORT_TABLES.length; i++) {
      const table = EXPORT_TABLES[i];
      const target = path.join(staging, table).replace(/'/g, "''");
      const sql = `COPY (
          SELECT * EXCLUDE (session_date) REPLACE (CASE WHEN symbol = '' THEN '_' ELSE symbol END AS symbol)
          FROM ${table} WHERE session_date = '${date}'::DATE ORDER BY ${ORDER[table]})
        TO '${target}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (symbol), OVERWRITE_OR_IGNORE)`;
      await withProgress(con, con.run(sql), (p) => progress((i + p) / steps, `${table}`));
    }
    progress(EXPORT_TABLES.length / steps, 'manifest');
    const manifest: ExportManifest = { date, createdAt: new Date().toISOString(), schemaVersion: SCHEMA_VERSION, compression: 'zstd', tables: {} };
    for (const table of EXPORT_TABLES) {
      const files: ExportedFile[] = [];
      const dir = path.join(staging, table);
      for (const rel of listFiles(dir)) {
        const file = path.join(dir, rel);
        const rows = (await con.runAndReadAll(`SELECT num_rows FROM parquet_file_metadata('${file.replace(/'/g, "''")}')`)).getRows();
        files.push({ path: path.join(table, rel), rows: Number(rows[0][0]), bytes: fs.statSync(file).size, sha256: await sha256(file) });
      }
      manifest.tables[table] = { rows: files.reduce((n, f) => n + f.rows, 0), files };
    }
    fs.writeFileSync(path.join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    swapIn(staging, dayDir);
    progress(1, 'done');
    return manifest;
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (err instanceof StorageError) throw err;
    throw new StorageError(StorageErrorCode.Export, `exporting ${date} to ${root}: ${messageOf(err)}; the previous export of the day (if any) is unchanged`);
  }
}

/** Replaces `dayDir` by `staging`: the old day moves aside, the new one moves in, the old one goes. */
function swapIn(staging: string, dayDir: string): void {
  const old = `${staging}-old`;
  const hadOld = fs.existsSync(dayDir);
  if (hadOld) fs.renameSync(dayDir, old);
  try {
    fs.renameSync(staging, dayDir);
  } catch (err) {
    if (hadOld) fs.renameSync(old, dayDir);
    throw err;
  }
  if (hadOld) fs.rmSync(old, { recursive: true, force: true });
}

function listFiles(dir: string, prefix = ''): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix === '' ? e.name : path.join(prefix, e.name);
    if (e.isDirectory()) out.push(...listFiles(path.join(dir, e.name), rel));
    else out.push(rel);
  }
  return out;
}

function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    fs.createReadStream(file)
      .on('data', (d) => hash.update(d))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

/** Polls the connection's query progress while `work` runs. */
async function withProgress<T>(con: DuckDBConnection, work: Promise<T>, report: (fraction: number) => void): Promise<T> {
  const timer = setInterval(() => {
    const p = con.progress;
    if (p.percentage >= 0) report(Math.min(1, p.percentage / 100));
  }, 100);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    report(1);
  }
}
