// The first screen, as a new user sees it: `tickwire run` (sim, publisher, gateway), the
// page at / in Debian's chromium driven by playwright-core. Checks that live updates arrive
// and verify, that the ladder's best bid and offer equal GET /v1/marketdata/orderBook/L2 at
// the same sequence, and that the chart has candles. Saves a screenshot to test-artifacts/.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const BIN = path.resolve(__dirname, '../dist/bin/tickwire.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../test-artifacts');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface PageState {
  symbol: string;
  seq: number;
  candles: number;
  trades: number;
  connected: boolean;
  book: { seq: number; verified: number; mismatches: number; history: Array<{ seq: number; bid: string | null; ask: string | null }> };
}

async function waitFor<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms: number, log: () => string): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}\noutput:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the web page', () => {
  let child: ChildProcess | null = null;
  let browser: Browser | null = null;
  afterAll(async () => {
    await browser?.close();
    if (child !== null && child.exitCode === null) child.kill('SIGKILL');
  });

  test('shows a live, verified market: ladder equals the L2 endpoint at the same sequence, the chart has candles', async () => {
    expect(fs.existsSync(CHROMIUM)).toBe(true); // .ci/run installs Debian's chromium
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-web-'));
    // The browser starts first: on a loaded machine its start-up can outlast a short market.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    const ORDERS = 8000;
    child = spawn(
      process.execPath,
      [
        BIN, 'run', '--rate', '800', '--set', 'orderEntry.enabled=false',
        '--set', `sim.orders=${ORDERS}`, '--set', 'sim.symbols=10',
        '--set', `journal.path=${path.join(dir, '{date}.journal')}`,
        '--set', 'publisher.rewinder.port=0', '--set', 'publisher.snapshot.port=0', '--set', 'publisher.endOfSessionIntervalMs=100',
        '--set', 'gateway.port=0', '--set', `gateway.keysFile=${path.join(dir, 'keys.json')}`,
        '--set', 'storage.engine=off',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (c) => resolve(c)));
    const log = (): string => out;
    const url = await waitFor('the page address', async () => /https?:\/\/127\.0\.0\.1:\d+/.exec(out)?.[0] ?? '', (u) => u !== '', 30_000, log);

    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url + '/');
    const state = (): Promise<PageState> => page.evaluate(() => {
      const s = (globalThis as unknown as { __tickwire: PageState }).__tickwire;
      return { symbol: s.symbol, seq: s.seq, candles: s.candles, trades: s.trades, connected: s.connected, book: { seq: s.book.seq, verified: s.book.verified, mismatches: s.book.mismatches, history: s.book.history } };
    });
    // Live updates: several book messages applied and verified while the market runs.
    await waitFor('live book updates', state, (s) => s.connected && s.book.verified >= 5, 30_000, log);
    await waitFor('candles on the chart', state, (s) => s.candles > 0, 30_000, log);
    await waitFor('trades on the tape', state, (s) => s.trades > 0, 30_000, log);

    // Then the market goes quiet (sim.orders reached): the book stands still at one
    // sequence, and the page's ladder must equal the L2 endpoint there.
    const l2Seq = async (symbol: string): Promise<number> => ((await (await fetch(`${url}/v1/marketdata/orderBook/L2?symbol=${symbol}&depth=5`)).json()) as { seq: number }).seq;
    const symbol = (await state()).symbol;
    let previous = -1;
    await waitFor(
      'the market to go quiet (the feed sequence standing still)',
      async () => {
        const seq = await l2Seq(symbol);
        const still = seq === previous;
        previous = seq;
        await new Promise((r) => setTimeout(r, 1000));
        return still;
      },
      (still) => still,
      60_000,
      log,
    );
    const l2 = await waitFor(
      'the L2 endpoint to agree with the page',
      async () => {
        const s = await state();
        const res = await fetch(`${url}/v1/marketdata/orderBook/L2?symbol=${s.symbol}&depth=5`);
        const body = (await res.json()) as { seq: number; bids: Array<[string, number]>; asks: Array<[string, number]> };
        const last = s.book.history[s.book.history.length - 1];
        const ladder = await page.evaluate(() => {
          // In the page: the DOM (this file is typed for Node).
          const doc = (globalThis as unknown as { document: { getElementById(id: string): { dataset: Record<string, string | undefined> } } }).document;
          const t = doc.getElementById('ladder');
          return { bid: t.dataset.bestBid ?? '', ask: t.dataset.bestAsk ?? '', seq: Number(t.dataset.seq) };
        });
        return { body, last, ladder, pageSeq: s.book.seq };
      },
      (v) => v.last !== undefined && v.pageSeq <= v.body.seq && v.ladder.bid === (v.body.bids[0]?.[0] ?? '') && v.ladder.ask === (v.body.asks[0]?.[0] ?? ''),
      60_000,
      log,
    );
    const final = await state();
    expect(final.book.mismatches).toBe(0);
    expect(final.book.verified).toBeGreaterThan(5);
    expect(l2.ladder.bid).toBe(l2.body.bids[0]?.[0] ?? '');
    expect(l2.ladder.ask).toBe(l2.body.asks[0]?.[0] ?? '');
    expect(l2.ladder.seq).toBeLessThanOrEqual(l2.body.seq);
    expect(Number(await page.getAttribute('#chart', 'data-candles'))).toBeGreaterThan(0);
    expect(errors).toEqual([]);

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-page.png') });

    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 180_000);
});
