// `tickwire replay FILE`: the flags and the printing around feed-handler/'s replayFile (an
// ITCH 5.0 file into books and candles: counts by type, orphans, errors with byte offsets,
// speed, and the final top of book and checksum of chosen symbols).

import type { Command } from 'commander';
import { replayFile, type ReplayReport as Report } from '../../feed-handler';
import { badFlag } from '../errors';

interface ReplayOptions {
  symbol?: string[];
  json?: boolean;
  date?: string;
  depth?: string;
}

const PROGRESS_MIN_BYTES = 32 << 20;

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('read an ITCH 5.0 file, build books and candles, print counts and top of book')
    .argument('<file>', 'ITCH 5.0 binary file (u16 length + message)')
    .option('--symbol <symbol>', 'show this symbol (repeat for several; default: all, up to 20)', collect, [])
    .option('--json', 'print one JSON object instead of text')
    .option('--date <YYYY-MM-DD>', 'session date (New York) for candles; default: from the file name, else today')
    .option('--depth <n>', 'levels in the checksum and the printed book', '10')
    .action((file: string, options: ReplayOptions) => {
      const code = replay(file, options);
      if (code !== 0) process.exitCode = code;
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function replay(file: string, options: ReplayOptions): number {
  const depth = Number(options.depth ?? '10');
  if (!Number.isInteger(depth) || depth < 1 || depth > 1000) {
    badFlag(`--depth must be an integer from 1 to 1000, got "${options.depth}"`);
    return 2;
  }
  const result = replayFile(file, { date: options.date, depth, symbols: options.symbol ?? [], onProgress: drawProgress });
  if ('error' in result) {
    process.stderr.write(result.error + '\n');
    return result.exitCode;
  }
  if (options.json) process.stdout.write(JSON.stringify(result) + '\n');
  else printText(result);
  return result.unknownSymbols.length > 0 ? 3 : 0;
}

/** A progress bar on a terminal for large files; done -1 clears it. */
function drawProgress(done: number, total: number): void {
  if (total < PROGRESS_MIN_BYTES || process.stderr.isTTY !== true) return;
  if (done < 0) {
    process.stderr.write('\r\x1b[2K');
    return;
  }
  const width = 30;
  const filled = Math.round((done / total) * width);
  const pct = ((done / total) * 100).toFixed(1);
  process.stderr.write(`\rreplay [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% of ${(total / 1e6).toFixed(0)} MB`);
}

const n = (v: number) => v.toLocaleString('en-US');
const counts = (r: Record<string, number>) =>
  Object.entries(r)
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(', ') || 'none';

function printText(r: Report): void {
  const out: string[] = [];
  out.push(`file         ${r.file} (${n(r.bytes)} bytes, session ${r.sessionDate})`);
  out.push(`messages     ${n(r.messages)} in ${r.seconds.toFixed(3)} s (${n(r.messagesPerSec)} msg/s)`);
  out.push(`by type      ${counts(r.byType)}`);
  out.push(`orphans      ${n(r.orphans)} (${counts(r.orphansByType)})`);
  out.push(`input errors ${n(r.inputErrors)}${r.inputErrors > 0 ? ` (${counts(r.inputErrorsByCode)})` : ''}`);
  for (const e of r.firstInputErrors.slice(0, 10)) out.push(`  ${e.code} at byte ${n(e.offset)}${e.type ? ` (type ${e.type})` : ''}`);
  out.push(`integrity    ${n(r.integrityErrors)}${r.integrityErrors > 0 ? ` (${counts(r.integrityErrorsByCode)})` : ''}`);
  for (const e of r.firstIntegrityErrors.slice(0, 10)) out.push(`  ${e.code} at sequence ${n(e.sequence)} (locate ${e.locate}, order ${e.orderRef})`);
  out.push(`resting      ${n(r.restingOrders)} orders`);
  for (const b of r.books) {
    out.push('');
    const bid = b.bestBid ? `${n(b.bestBid.shares)} @ ${b.bestBid.price}` : '-';
    const ask = b.bestAsk ? `${n(b.bestAsk.shares)} @ ${b.bestAsk.price}` : '-';
    out.push(`${b.symbol || `locate ${b.locate}`}  bid ${bid}  ask ${ask}  checksum ${b.checksum} (top ${b.checksumDepth})${b.tradingState ? `  state ${b.tradingState}` : ''}`);
    const rows = Math.max(b.bids.length, b.asks.length);
    for (let i = 0; i < Math.min(rows, 5); i++) {
      const bl = b.bids[i] ? `${n(b.bids[i][1]).padStart(10)} ${b.bids[i][0].padStart(12)}` : ' '.repeat(23);
      const al = b.asks[i] ? `${b.asks[i][0].padEnd(12)} ${n(b.asks[i][1]).padEnd(10)}` : '';
      out.push(`  ${bl} | ${al}`);
    }
    const c = b.dayCandle;
    out.push(
      `  trades ${n(b.trades)}, volume ${n(b.volume)}, orphans ${n(b.orphans)}` +
        (c ? `; day O ${c.open} H ${c.high} L ${c.low} C ${c.close} VWAP ${c.vwap}` : ''),
    );
  }
  if (r.hiddenBooks > 0) out.push(`\n(${r.hiddenBooks} more symbols; choose with --symbol)`);
  if (r.readError) out.push(r.readError);
  for (const s of r.unknownSymbols) out.push(`TW_ERR_BAD_SYMBOL: no book for symbol "${s}" in this file`);
  process.stdout.write(out.join('\n') + '\n');
}
