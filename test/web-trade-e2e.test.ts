// Issue 18's web page, end to end: `tickwire run` (house flow, publisher, market-data
// gateway, client gateway) as a real process, an account made with `tickwire accounts create`,
// and Debian's chromium on the page: log in, buy at the ask (a market order), then see the
// fill, the balance change and the trade on the tape.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ExchangeProcess } from './support/exchange-process';

jest.setTimeout(180_000);

const BIN = path.resolve(__dirname, '../dist/bin/tickwire.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../test-artifacts');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function waitFor<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const text = (page: Page, selector: string): Promise<string> => page.locator(selector).innerText();

describe('trading on the web page', () => {
  let ex: ExchangeProcess | null = null;
  let browser: Browser | null = null;
  afterAll(async () => {
    await browser?.close();
    await ex?.kill();
  });

  test('log in, buy at the ask, see the fill, the balance change and the trade on the tape', async () => {
    expect(fs.existsSync(CHROMIUM)).toBe(true); // .ci/run installs Debian's chromium
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-web-trade-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    ex = new ExchangeProcess({ dir, rate: 600, groups: ['239.192.92.1', '239.192.92.2'], gateway: true });
    await ex.start();
    expect(ex.gatewayUrl).not.toBe('');

    // The account, as an operator makes it: the CLI, against the running exchange.
    const made = spawnSync(
      process.execPath,
      [BIN, 'accounts', 'create', '--name', 'carol', '--password', 'pw-123456', '--cash', '100000', '--kyc', 'approved', '--json', '--url', ex.url, '--set', `orderEntry.adminTokenFile=${path.join(dir, 'admin.token')}`],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(made.stderr).toBe('');
    const account = JSON.parse(made.stdout) as { id: number; loginId: string; apiKey: string };
    expect(account.loginId).toMatch(/^[A-Z0-9]{6}$/);

    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${ex.gatewayUrl}?symbol=AAPL&orderEntry=${encodeURIComponent(ex.url)}`);
    await page.fill('#trade-login-name', 'carol');
    await page.fill('#trade-login-password', 'pw-123456');
    await page.click('#trade-login-submit');
    await page.waitForSelector('#trade-panel[data-state="in"]', { timeout: 30_000 });
    const cashBefore = await waitFor('the balances', () => text(page, '#trade-cash'), (t) => /100,000/.test(t), 15_000);

    // A market buy takes the ask.
    await page.selectOption('#trade-type', 'market');
    await page.selectOption('#trade-side', 'buy');
    await page.fill('#trade-qty', '5');
    await page.click('#trade-submit');
    const fill = await waitFor(
      'the fill in the panel',
      async () => (await page.locator('#trade-fills tr').allInnerTexts()).map((r) => r.split('\t').map((c) => c.trim())),
      (rows) => rows.some((r) => r.some((c) => /^\$?\d+\.\d{2}/.test(c))),
      20_000,
    );
    const cells = fill.find((r) => r.some((c) => /^\$?\d+\.\d{2}/.test(c))) ?? [];
    expect(cells.join(' ')).toContain('AAPL');
    const price = cells.find((c) => /^\$?\d+\.\d{2}/.test(c.trim()))?.replace(/[$,]/g, '') ?? '';
    expect(Number(price)).toBeGreaterThan(0);

    // The balance moved: cash down by what the shares cost, AAPL held.
    const cashAfter = await waitFor('the cash to change', () => text(page, '#trade-cash'), (t) => t !== cashBefore, 15_000);
    expect(Number(cashAfter.replace(/[$,]/g, ''))).toBeLessThan(100_000);
    await waitFor('the AAPL position', () => text(page, '#trade-positions'), (t) => /AAPL/.test(t) && /\b5\b/.test(t), 15_000);

    // The same trade on the public tape (the market-data side published it).
    const tape = await waitFor(
      'the trade on the tape',
      async () => (await page.locator('#tape tr').allInnerTexts()).map((r) => r.split('\t').map((c) => c.trim())),
      (rows) => rows.some((r) => Number(r[1]) === Number(price)),
      20_000,
    );
    expect(tape.some((r) => Number(r[1]) === Number(price))).toBe(true);

    // And through the API: the account's own execution, the order filled.
    const execs = await ex.request('GET', '/v1/execution?symbol=AAPL', account.apiKey);
    expect(execs.status).toBe(200);
    expect(execs.body.executions.reduce((s: number, e: { quantity: number }) => s + e.quantity, 0)).toBe(5);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-trade-e2e.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
