// tickwire feed: a feed handler on lines A and B (issue 5). Prints live counters and top of
// book (JSON lines with --json), gaps and recoveries as they happen, and at the end of the
// session the final figures with a digest of every book (equal digests: equal books).
// --verify-every checks the books against a fresh snapshot periodically.
import type { Command } from 'commander';
import type { TickwireConfig } from '../../config';
import { booksDigest, FeedFault, FeedHandler, FeedHandlerError, verifyAgainstSnapshot, type FeedHandlerOptions } from '../../feed-handler';
import { CANDLE_INTERVALS, type Candle, type OrderBook } from '../../book';
import { formatPrice4, nySessionDate, resolveSessionName } from '../../protocol';
import { collect, resolveConfig } from '../cli-config';
import { badFlag } from '../errors';

interface FeedOptions {
  symbol?: string[];
  json?: boolean;
  record?: string;
  verifyEvery?: string;
  date?: string;
  join?: string;
  config?: string;
  set?: string[];
}

/** FeedHandler options from the configuration: the `publisher` section's addresses, the `feedHandler` section's settings. */
export function feedHandlerOptions(config: TickwireConfig, sessionDate: string, extra: Partial<FeedHandlerOptions> = {}): FeedHandlerOptions {
  const p = config.publisher;
  const f = config.feedHandler;
  return {
    session: resolveSessionName(p.session, sessionDate),
    sessionDate,
    lineA: p.lineA,
    lineB: p.lineB,
    interface: p.interface,
    recvBufferBytes: f.recvBufferBytes,
    rewinder: { host: p.rewinder.host, port: p.rewinder.port },
    snapshot: { host: p.snapshot.host, port: p.snapshot.port, username: p.snapshot.username, password: p.snapshot.password },
    join: f.join,
    rewindDelayMs: f.rewindDelayMs,
    rewindTimeoutMs: f.rewindTimeoutMs,
    maxRewindRetries: f.maxRewindRetries,
    maxRewindMessages: f.maxRewindMessages,
    rewindRequestsPerSecond: f.rewindRequestsPerSecond,
    snapshotTimeoutMs: f.snapshotTimeoutMs,
    snapshotRetryMs: f.snapshotRetryMs,
    staleAfterMs: f.staleAfterMs,
    maxBufferedPackets: f.maxBufferedPackets,
    books: { orderCapacity: config.engine.orderCapacity },
    ...extra,
  };
}

export function registerFeed(program: Command): void {
  program
    .command('feed')
    .description('run a feed handler: rebuild the books from lines A and B with gap recovery, print counters and top of book')
    .option('--symbol <symbol>', 'show this symbol (repeat for several; default: the first 10)', collect, [])
    .option('--json', 'print JSON lines (status every second, events, the end) instead of text')
    .option('--record <file>', 'write every applied message to an ITCH 5.0 file (tickwire replay reads it)')
    .option('--verify-every <seconds>', 'compare the books with a fresh snapshot this often')
    .option('--join <mode>', "'auto' (from sequence 1, snapshot if far behind) or 'snapshot' (feedHandler.join)")
    .option('--date <YYYY-MM-DD>', 'session date (New York): names the session and the candles; default today')
    .option('--config <file>', 'JSON config file')
    .option('--set <path=value>', 'any setting, e.g. --set publisher.lineA.port=31001 (repeatable)', collect, [])
    .addHelpText('after', '\nExamples:\n  tickwire feed --symbol AAPL --symbol MSFT\n  tickwire feed --json --verify-every 10 --record day.itch')
    .action(async (opts: FeedOptions) => {
      process.exitCode = await runFeed(opts);
    });
}

async function runFeed(opts: FeedOptions): Promise<number> {
  const config = resolveConfig(opts, { 'feedHandler.join': opts.join });
  const verifyEvery = opts.verifyEvery === undefined ? 0 : Number(opts.verifyEvery);
  if (!Number.isFinite(verifyEvery) || verifyEvery < 0) {
    badFlag(`--verify-every must be a number of seconds >= 0, got "${opts.verifyEvery}"`);
    return 2;
  }
  const sessionDate = opts.date ?? nySessionDate(Date.now());
  if (!/^\d{4}-\d{2}-\d{2}$/.test(sessionDate)) {
    badFlag(`--date must be YYYY-MM-DD, got "${sessionDate}"`);
    return 2;
  }
  const json = opts.json === true;
  const tty = process.stdout.isTTY === true && !json;
  const out = (line: string): void => void process.stdout.write(line + '\n');
  const emit = (record: Record<string, unknown>): void => out(JSON.stringify(record));

  let handler: FeedHandler;
  try {
    handler = new FeedHandler(feedHandlerOptions(config, sessionDate, { record: opts.record ?? null }));
    await handler.start();
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof FeedHandlerError && err.code === 'TW_ERR_FEED_BAD_OPTIONS' ? 2 : 1;
  }
  const p = config.publisher;
  const where = `session ${handler.session}, line A ${p.lineA.group}:${p.lineA.port}, line B ${p.lineB.group}:${p.lineB.port} on ${p.interface}, rewinder ${p.rewinder.host}:${p.rewinder.port}, snapshot ${p.snapshot.host}:${p.snapshot.port}`;
  if (json) emit({ type: 'start', session: handler.session, sessionDate, lineA: p.lineA, lineB: p.lineB, recvBufferBytes: handler.recvBufferSizes, join: config.feedHandler.join });
  else out(`tickwire feed: ${where}${opts.record ? `; recording to ${opts.record}` : ''}\nCtrl-C stops.`);

  const note = (record: Record<string, unknown>, text: string): void => {
    if (json) emit(record);
    else out(`${tty ? '\r\x1b[2K' : ''}${text}`);
  };
  handler.subscribe({
    onStatus: (s) => note({ type: 'state', ...s }, `state ${s.state}${s.valid ? '' : ' (books not valid)'} at sequence ${s.sequence}`),
    onGap: (g) => note({ type: 'gap', ...g }, `gap: ${g.count} messages from sequence ${g.first}`),
    onRecovery: (r) => note({ type: 'recovery', ...r, durationMs: round(r.durationMs) }, `recovered ${r.count} sequences from ${r.first} by ${r.method} in ${round(r.durationMs)} ms`),
    onCandlesIncomplete: (r) =>
      note(
        { type: 'candles-incomplete', ...r },
        `candles incomplete from ${nsClock(r.fromNs)} to ${nsClock(r.toNs)}: ${r.count} sequences from ${r.first} came by snapshot, their prints are missing`,
      ),
    onFault: (code, detail) => note({ type: 'fault', code, detail }, `${code}: ${detail}`),
  });

  let verifyMismatches = 0;
  let verifications = 0;
  let verifyTimer: NodeJS.Timeout | null = null;
  let verifying = false;
  if (verifyEvery > 0) {
    verifyTimer = setInterval(() => {
      if (verifying || handler.ended) return;
      verifying = true;
      const endpoint = { host: p.snapshot.host, port: p.snapshot.port, username: p.snapshot.username, password: p.snapshot.password };
      verifyAgainstSnapshot(handler, endpoint, config.feedHandler.snapshotTimeoutMs)
        .then((r) => {
          if (r.skipped !== '') return note({ type: 'verify', ...r }, `verify: skipped (${r.skipped})`);
          verifications++;
          if (!r.equal) {
            verifyMismatches++;
            handler.faults[FeedFault.VerifyMismatch]++;
          }
          note(
            { type: 'verify', ...r, code: r.equal ? undefined : 'TW_ERR_FEED_VERIFY_MISMATCH' },
            r.equal
              ? `verify: books equal the snapshot at sequence ${r.sequence} (snapshot ${r.snapshotSequence})`
              : `TW_ERR_FEED_VERIFY_MISMATCH at sequence ${r.sequence}: ${r.differences.join('; ')}`,
          );
        })
        .catch((err: unknown) => note({ type: 'verify', error: (err as Error).message }, `verify: ${(err as Error).message}`))
        .finally(() => (verifying = false));
    }, verifyEvery * 1000);
  }

  const symbols = (opts.symbol ?? []).map((s) => s.toUpperCase());
  const shown = (): OrderBook[] => {
    if (symbols.length === 0) return handler.books.allBooks().slice(0, 10);
    return symbols.map((s) => handler.books.bookBySymbol(s)).filter((b): b is OrderBook => b !== null);
  };
  let lastApplied = 0;
  let seconds = 0;
  const status = setInterval(() => {
    seconds++;
    const f = handler.figures();
    const rate = f.messagesApplied - lastApplied;
    lastApplied = f.messagesApplied;
    if (json) {
      emit({ type: 'status', messagesPerSec: rate, ...f, top: shown().map(top) });
      return;
    }
    const line =
      `${f.state}${f.valid ? '' : ' (invalid)'}  sequence ${f.sequence.toLocaleString('en-US')}  messages/s ${rate.toLocaleString('en-US')}` +
      `  gaps ${f.gaps}  recovered: lines ${f.recoveredByLines}, rewind ${f.recoveredByRewind} msgs, snapshot ${f.recoveredBySnapshot} seqs` +
      `  A ${f.lines.lineA.packets} pkts/${f.lines.lineA.gaps} gaps  B ${f.lines.lineB.packets} pkts/${f.lines.lineB.gaps} gaps` +
      (f.lines.lineA.malformed || f.lines.lineB.malformed ? `  malformed ${Number(f.lines.lineA.malformed) + Number(f.lines.lineB.malformed)}` : '');
    if (tty) {
      const books = shown().map((b) => `  ${textTop(top(b))}`);
      process.stdout.write(`\x1b[2K${line}\n${books.map((b) => `\x1b[2K${b}`).join('\n')}\n\x1b[${books.length + 1}A`);
    } else if (seconds % 5 === 0) {
      out(line);
    }
  }, 1000);
  status.unref();

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (why: string): void => {
      if (stopping) return;
      stopping = true;
      clearInterval(status);
      if (verifyTimer !== null) clearInterval(verifyTimer);
      void handler.close().then(() => {
        const f = handler.figures();
        const digest = booksDigest(handler.books);
        if (json) emit({ type: 'end', reason: why, digest, verifications, verifyMismatches, ...f, top: shown().map(top) });
        else {
          if (tty) process.stdout.write('\x1b[J');
          out(`${why}: sequence ${f.sequence.toLocaleString('en-US')}, ${f.messagesApplied.toLocaleString('en-US')} messages applied, ${f.gaps} gaps (recovered: ${f.recoveredByLines} by the lines, ${f.recoveredByRewind} messages by the rewinder, ${f.recoveredBySnapshot} sequences by ${f.snapshots} snapshots), ${f.restingOrders.toLocaleString('en-US')} resting orders`);
          if (f.candlesIncompleteRanges > 0) out(`candles: ${f.candlesIncompleteRanges} skipped ranges (${handler.incompleteRanges.map((r) => `${nsClock(r.fromNs)}-${nsClock(r.toNs)}`).join(', ')}); candles overlapping them are incomplete`);
          out(`faults: ${Object.entries(f.faults).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}${verifications > 0 ? `; verified ${verifications} times, ${verifyMismatches} mismatches` : ''}`);
          for (const b of shown()) out(`  ${textTop(top(b))}`);
          out(`books digest ${digest}`);
        }
        resolve(verifyMismatches > 0 ? 1 : 0);
      });
    };
    handler.subscribe({ onEndOfSession: () => setTimeout(() => stop('end of session'), 0) });
    process.once('SIGINT', () => stop('stopped'));
    process.once('SIGTERM', () => stop('stopped'));
  });
}

interface Top {
  symbol: string;
  bid: string | null;
  bidShares: number;
  ask: string | null;
  askShares: number;
  bidLevels: number;
  askLevels: number;
  checksum: number;
  /** The day's candle (null without candles or prints); `incomplete` when prints of a skipped range may be missing from it. */
  day: { open: string; high: string; low: string; close: string; volume: number; trades: number; incomplete: boolean } | null;
  /** The current 1m candle, likewise. */
  minute: { startMs: number; open: string; high: string; low: string; close: string; volume: number; trades: number; incomplete: boolean } | null;
  /** Incomplete candles held, all intervals. */
  incompleteCandles: number;
}

function top(b: OrderBook): Top {
  return {
    symbol: b.symbol,
    bid: b.bidDepth > 0 ? formatPrice4(b.bestBidPrice()) : null,
    bidShares: b.bestBidShares(),
    ask: b.askDepth > 0 ? formatPrice4(b.bestAskPrice()) : null,
    askShares: b.bestAskShares(),
    bidLevels: b.bidDepth,
    askLevels: b.askDepth,
    checksum: b.checksum(),
    day: candleTop(b.candles?.d1.get(0) ?? null),
    minute: minuteTop(b.candles?.m1.get(0) ?? null),
    incompleteCandles: incompleteCandles(b),
  };
}

function candleTop(c: Candle | null): Top['day'] {
  if (c === null) return null;
  return { open: formatPrice4(c.open), high: formatPrice4(c.high), low: formatPrice4(c.low), close: formatPrice4(c.close), volume: c.volume, trades: c.trades, incomplete: c.incomplete };
}

function minuteTop(c: Candle | null): Top['minute'] {
  const t = candleTop(c);
  return t === null ? null : { startMs: (c as Candle).startMs, ...t };
}

function incompleteCandles(b: OrderBook): number {
  let n = 0;
  if (b.candles === null) return 0;
  for (const interval of CANDLE_INTERVALS) {
    const ring = b.candles.ring(interval);
    for (let k = 0; k < ring.size; k++) if (ring.isIncomplete(k)) n++;
  }
  return n;
}

/** ITCH ns since New York midnight as HH:MM:SS.mmm. */
function nsClock(ns: number): string {
  const ms = Math.floor(ns / 1e6);
  const pad = (x: number, n = 2): string => String(x).padStart(n, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}

function textTop(t: Top): string {
  const day = t.day === null ? '' : `  day O ${t.day.open} H ${t.day.high} L ${t.day.low} C ${t.day.close} V ${t.day.volume.toLocaleString('en-US')}${t.day.incomplete ? ' (incomplete)' : ''}`;
  return `${t.symbol.padEnd(6)} ${t.bid === null ? '-' : `${t.bidShares.toLocaleString('en-US')} @ ${t.bid}`}  |  ${t.ask === null ? '-' : `${t.ask} x ${t.askShares.toLocaleString('en-US')}`}${day}`;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
