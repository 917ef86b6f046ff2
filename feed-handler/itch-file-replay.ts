// The ITCH file replay engine (what `tickwire replay` runs): reads a file of ITCH 5.0
// messages (u16 length + message, FEED.md "ITCH 5.0 messages") in 4 MiB chunks into books
// and candles, and reports counts by type, orphans, input errors with their byte offsets,
// integrity errors, speed, and chosen books' tops, levels, checksums and day candles. Bad
// input is counted and reported; framing resumes where it can and nothing throws out of
// the loop. A FeedRecorder's file replays here to the books its handler had.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUY, MarketBooks, SELL, type Candle, type OrderBook } from '../book';
import { faultName, formatPrice4, ITCH_IGNORED, ItchFileReader, type ItchFileHandler } from '../protocol';

/** One reported input error. */
export interface ReplayInputError {
  code: string;
  offset: number;
  type: string;
}

const CHUNK_BYTES = 4 << 20;
const ERRORS_KEPT = 50;
const DEFAULT_SYMBOLS_SHOWN = 20;

class ReplayHandler implements ItchFileHandler {
  readonly books: MarketBooks;
  readonly byType = new Float64Array(256);
  readonly errorCounts = new Map<string, number>();
  readonly errors: ReplayInputError[] = [];
  errorTotal = 0;
  sequence = 0;
  /** An I/O failure part-way (the report covers what was read before it). */
  readError = '';

  constructor(books: MarketBooks) {
    this.books = books;
  }

  onMessage(bytes: Uint8Array, offset: number, length: number, fileOffset: number): void {
    const seq = ++this.sequence;
    const status = this.books.decodeAndApply(bytes, offset, length, seq);
    if (status === 0 || status === ITCH_IGNORED) {
      this.byType[bytes[offset]]++;
      return;
    }
    const at = fileOffset + (this.books.message.faultOffset - offset);
    this.error(status, at, bytes[offset]);
  }

  onFault(fault: number, fileOffset: number): void {
    this.error(fault, fileOffset, -1);
  }

  private error(fault: number, offset: number, type: number): void {
    const code = faultName(fault);
    this.errorTotal++;
    this.errorCounts.set(code, (this.errorCounts.get(code) ?? 0) + 1);
    if (this.errors.length < ERRORS_KEPT) this.errors.push({ code, offset, type: type < 0 ? '' : printableType(type) });
  }
}

function printableType(type: number): string {
  return type >= 0x21 && type <= 0x7e ? String.fromCharCode(type) : `0x${type.toString(16).padStart(2, '0')}`;
}

/** Session date from names like ex20101224.* (YYYYMMDD) or 12302019.NASDAQ_ITCH50 (MMDDYYYY). */
export function sessionDateFromName(file: string): string | null {
  const m = /(\d{8})/.exec(path.basename(file));
  if (m === null) return null;
  const d = m[1];
  const iso = /^(19|20)/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}` : `${d.slice(4)}-${d.slice(0, 2)}-${d.slice(2, 4)}`;
  const t = Date.parse(`${iso}T00:00:00Z`);
  return Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== iso ? null : iso;
}

export interface ReplayFileOptions {
  date?: string;
  depth?: number;
  symbols?: string[];
  /** Called about every 200 ms of reading with bytes read and the file's size, then once with done = -1 at the end. */
  onProgress?: (done: number, total: number) => void;
}

/** Replays a file and returns the report (what `--json` prints), or an error for a bad flag or an unreadable file. */
export function replayFile(file: string, options: ReplayFileOptions = {}): ReplayReport | { error: string; exitCode: number } {
  const depth = options.depth ?? 10;
  const sessionDate = options.date ?? sessionDateFromName(file) ?? new Date().toISOString().slice(0, 10);
  let books: MarketBooks;
  try {
    books = new MarketBooks({ sessionDate });
  } catch (err) {
    return { error: `TW_ERR_BAD_FLAG: --date: ${(err as Error).message}`, exitCode: 2 };
  }
  let fd: number;
  let size: number;
  try {
    fd = fs.openSync(file, 'r');
    size = fs.fstatSync(fd).size;
  } catch (err) {
    return { error: `TW_ERR_FILE: cannot read ${file}: ${(err as Error).message}`, exitCode: 1 };
  }

  const handler = new ReplayHandler(books);
  const reader = new ItchFileReader(handler);
  const chunk = new Uint8Array(Math.min(CHUNK_BYTES, Math.max(size, 1)));
  const progress = options.onProgress ?? null;
  const started = process.hrtime();
  let done = 0;
  let lastDraw = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      reader.push(n === chunk.length ? chunk : chunk.subarray(0, n));
      done += n;
      if (progress !== null && Date.now() - lastDraw > 200) {
        lastDraw = Date.now();
        progress(done, size);
      }
    }
  } catch (err) {
    handler.readError = `TW_ERR_FILE: reading ${file} failed at byte ${done}: ${(err as Error).message}`;
  } finally {
    fs.closeSync(fd);
  }
  reader.end();
  const [sec, ns] = process.hrtime(started);
  if (progress !== null) progress(-1, size);
  const shown = chooseBooks(books, options.symbols ?? []);
  return buildReport(file, size, sessionDate, sec + ns / 1e9, handler, books, shown, depth);
}

interface ChosenBooks {
  books: OrderBook[];
  unknown: string[];
  hidden: number;
}

function chooseBooks(books: MarketBooks, symbols: string[]): ChosenBooks {
  const all = books.allBooks();
  if (symbols.length === 0) return { books: all.slice(0, DEFAULT_SYMBOLS_SHOWN), unknown: [], hidden: Math.max(0, all.length - DEFAULT_SYMBOLS_SHOWN) };
  const chosen: OrderBook[] = [];
  const unknown: string[] = [];
  for (const s of symbols) {
    const b = books.bookBySymbol(s.toUpperCase());
    if (b === null) unknown.push(s);
    else chosen.push(b);
  }
  return { books: chosen, unknown, hidden: 0 };
}

export interface ReplayBookReport {
  symbol: string;
  locate: number;
  tradingState: string;
  bestBid: { price: string; shares: number } | null;
  bestAsk: { price: string; shares: number } | null;
  bids: [string, number, number][];
  asks: [string, number, number][];
  checksum: number;
  checksumDepth: number;
  orphans: number;
  trades: number;
  volume: number;
  lastTrade: { price: string; shares: number } | null;
  dayCandle: { open: string; high: string; low: string; close: string; volume: number; trades: number; vwap: string } | null;
}

export interface ReplayReport {
  file: string;
  readError: string;
  bytes: number;
  sessionDate: string;
  messages: number;
  seconds: number;
  messagesPerSec: number;
  byType: Record<string, number>;
  orphans: number;
  orphansByType: Record<string, number>;
  inputErrors: number;
  inputErrorsByCode: Record<string, number>;
  firstInputErrors: ReplayInputError[];
  integrityErrors: number;
  integrityErrorsByCode: Record<string, number>;
  firstIntegrityErrors: { code: string; sequence: number; locate: number; orderRef: number }[];
  restingOrders: number;
  books: ReplayBookReport[];
  /** Requested symbols with no book in the file. */
  unknownSymbols: string[];
  /** Books not shown (more than 20 and no --symbol). */
  hiddenBooks: number;
}

function byTypeRecord(counts: Float64Array): Record<string, number> {
  const out: Record<string, number> = {};
  for (let t = 0; t < 256; t++) if (counts[t] > 0) out[printableType(t)] = counts[t];
  return out;
}

function buildReport(
  file: string,
  bytes: number,
  sessionDate: string,
  seconds: number,
  h: ReplayHandler,
  books: MarketBooks,
  shown: ChosenBooks,
  depth: number,
): ReplayReport {
  return {
    file,
    readError: h.readError,
    bytes,
    sessionDate,
    messages: h.sequence,
    seconds: Number(seconds.toFixed(4)),
    messagesPerSec: Math.round(h.sequence / Math.max(seconds, 1e-9)),
    byType: byTypeRecord(h.byType),
    orphans: books.orphans,
    orphansByType: byTypeRecord(books.orphansByType),
    inputErrors: h.errorTotal,
    inputErrorsByCode: Object.fromEntries(h.errorCounts),
    firstInputErrors: h.errors,
    integrityErrors: books.integrity.total,
    integrityErrorsByCode: books.integrity.byCode(),
    firstIntegrityErrors: books.integrity.recent().slice(0, ERRORS_KEPT),
    restingOrders: books.liveOrders,
    books: shown.books.map((b) => bookReport(b, depth)),
    unknownSymbols: shown.unknown,
    hiddenBooks: shown.hidden,
  };
}

function bookReport(b: OrderBook, depth: number): ReplayBookReport {
  const level = (l: { price: number; shares: number; orders: number }): [string, number, number] => [formatPrice4(l.price), l.shares, l.orders];
  const day: Candle | null = b.candles?.d1.get(0) ?? null;
  return {
    symbol: b.symbol,
    locate: b.locate,
    tradingState: b.tradingState === 0 ? '' : String.fromCharCode(b.tradingState),
    bestBid: b.bidDepth > 0 ? { price: formatPrice4(b.bestBidPrice()), shares: b.bestBidShares() } : null,
    bestAsk: b.askDepth > 0 ? { price: formatPrice4(b.bestAskPrice()), shares: b.bestAskShares() } : null,
    bids: b.levels(BUY, depth).map(level),
    asks: b.levels(SELL, depth).map(level),
    checksum: b.checksum(depth),
    checksumDepth: depth,
    orphans: b.orphans,
    trades: b.trades,
    volume: b.volume,
    lastTrade: b.trades > 0 ? { price: formatPrice4(b.lastTradePrice), shares: b.lastTradeShares } : null,
    dayCandle:
      day === null
        ? null
        : {
            open: formatPrice4(day.open),
            high: formatPrice4(day.high),
            low: formatPrice4(day.low),
            close: formatPrice4(day.close),
            volume: day.volume,
            trades: day.trades,
            vwap: formatPrice4(Math.round(day.vwap)),
          },
  };
}

