// FIX order entry benchmark (issue 19), against `tickwire run --rate 0` in a child process
// (temp dir; client gateway, FIX acceptor and its stores, order manager, risk, wallet,
// journal with group-commit fsync, engine, publisher on the bench's own multicast groups;
// market-data gateway and storage off; every port free or 0, read from the banner), with
// jspurefix initiators (test/support/fix-client.ts) in this process as the clients.
// - fixRoundTripP50Us/P99Us: NewOrderSingle to its first ExecutionReport (New, or Rejected),
//   paced open loop at TW_BENCH_FIX_RATE (5,000) orders/s over TW_BENCH_FIX_SESSIONS (4)
//   sessions (one account each) for TW_BENCH_FIX_SECONDS (20) after TW_BENCH_FIX_WARMUP_S (2)
//   unmeasured, from the instant each order was due (a late send counts against the server
//   that made it late). Orders (seeded, TW_SEED): one in ten a resting day sell just above the
//   reference price, one in ten an aggressive IOC buy through it (also timed to its first
//   Trade report: fixExecutedP50Us/P99Us), the rest IOC buys below the market (New, then
//   Canceled at once: the book stays bounded).
// - fixSessions: TW_BENCH_FIX_HELD (200) sessions logged on at once (one account each), each
//   sending one order a second (staggered over the second) for TW_BENCH_FIX_HELD_SECONDS (10);
//   the number still logged on at the end whose every order was answered (fixSessionsLoggedOn
//   beside it). The clients share this process, so their cost (jspurefix's encoder and parser)
//   is in the figures; the server has the other core.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listing } from '../config';
import { Prng } from '../protocol';
import { connectFixClient, type FixTestClient, type Received } from '../test/support/fix-client';
import { adminPost, startExchangeChild, type ExchangeChild } from './exchange-child';
import { percentile } from './stats';

const RATE = Number(process.env.TW_BENCH_FIX_RATE ?? 5_000);
const SESSIONS = Number(process.env.TW_BENCH_FIX_SESSIONS ?? 4);
const SECONDS = Number(process.env.TW_BENCH_FIX_SECONDS ?? 20);
const WARMUP_S = Number(process.env.TW_BENCH_FIX_WARMUP_S ?? 2);
const HELD = Number(process.env.TW_BENCH_FIX_HELD ?? 200);
const HELD_SECONDS = Number(process.env.TW_BENCH_FIX_HELD_SECONDS ?? 10);
const SEED = Number(process.env.TW_SEED ?? 1);
const SYMBOLS = 5;
const LISTED = listing(SYMBOLS);
const GROUPS = ['239.192.79.1', '239.192.79.2'] as const;

/** Funded institutional accounts (cash, and shares of every symbol when `shares`), `concurrency` at a time. */
async function accounts(ex: ExchangeChild, prefix: string, n: number, shares: boolean): Promise<Array<{ name: string; apiKey: string }>> {
  const out: Array<{ name: string; apiKey: string }> = new Array(n);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const name = `${prefix}${i}`;
      const a = await adminPost(ex, '/admin/v1/accounts', { name, password: 'bench-password', kyc: 'approved', riskClass: 'institutional', cash: '1000000000', actor: 'bench' });
      if (shares) for (const s of LISTED) await adminPost(ex, `/admin/v1/accounts/${a.id}/fund`, { symbol: s.ticker, shares: 10_000_000, actor: 'bench' });
      out[i] = { name, apiKey: String(a.apiKey) };
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return out;
}

const px = (price4: number): string => (price4 / 10_000).toFixed(2);

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-bench-fix-'));
  const ex = await startExchangeChild(dir, GROUPS, Math.max(RATE, 1000));
  try {
    // ---- round trips: SESSIONS sessions, RATE orders/s open loop -------------------------
    const rtAccounts = await accounts(ex, 'bench-rt-', SESSIONS, true);
    const dueNew = new Map<string, number>();
    const dueTrade = new Map<string, number>();
    const newUs: number[] = [];
    const tradeUs: number[] = [];
    let rejected = 0;
    let measuring = false;
    const onMessage = (m: Received): void => {
      if (m.msgType !== '8') return;
      const execType = m.get(150);
      const id = m.get(11) ?? '';
      if (execType === '0' || execType === '8') {
        const due = dueNew.get(id);
        if (due === undefined) return;
        dueNew.delete(id);
        if (execType === '8') rejected++;
        if (measuring) newUs.push((performance.now() - due) * 1000);
      } else if (execType === 'F') {
        const due = dueTrade.get(id);
        if (due === undefined) return;
        dueTrade.delete(id);
        if (measuring) tradeUs.push((performance.now() - due) * 1000);
      }
    };
    const clients: FixTestClient[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      clients.push(await connectFixClient({ port: ex.fixPort, senderCompId: `RT${i}`, user: rtAccounts[i].name, password: rtAccounts[i].apiKey, keep: false, onMessage }));
    }
    const rng = new Prng(SEED);
    const order = (n: number): Record<string, unknown> => {
      const sym = LISTED[n % SYMBOLS];
      const r = rng.next();
      const ticks = 1 + Math.floor(rng.next() * 10);
      const ref = sym.referencePrice;
      const base = { ClOrdID: `o${n}`, Instrument: { Symbol: sym.ticker }, TransactTime: new Date(), OrderQtyData: { OrderQty: 100 }, OrdType: '2' };
      // A resting day sell just above the reference; an aggressive IOC buy through it; an IOC buy below the market.
      if (r < 0.1) return { ...base, Side: '2', Price: px(ref + 100 * ticks), TimeInForce: '0' };
      if (r < 0.2) return { ...base, Side: '1', Price: px(ref + 100 * 20), TimeInForce: '3' };
      return { ...base, Side: '1', Price: px(ref - 100 * ticks), TimeInForce: '3' };
    };
    const total = Math.floor(RATE * (WARMUP_S + SECONDS));
    let sent = 0;
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const now = performance.now();
        measuring = now - t0 >= WARMUP_S * 1000;
        const shouldHave = Math.min(total, Math.floor(((now - t0) / 1000) * RATE));
        while (sent < shouldHave) {
          const due = t0 + (sent * 1000) / RATE;
          const body = order(sent);
          const id = body.ClOrdID as string;
          // Only orders due inside the window are timed.
          if (due - t0 >= WARMUP_S * 1000) {
            dueNew.set(id, due);
            if (body.Side === '1' && body.TimeInForce === '3' && Number(body.Price) > LISTED[sent % SYMBOLS].referencePrice / 10_000) dueTrade.set(id, due);
          }
          clients[sent % SESSIONS].sendMsg('D', body);
          sent++;
        }
        if (sent >= total) {
          clearInterval(tick);
          resolve();
        }
      }, 1);
    });
    const drainUntil = performance.now() + 10_000;
    while (dueNew.size > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
    measuring = false;
    const unanswered = dueNew.size;
    const rtDropped = clients.filter((c) => c.stopError !== undefined).length;
    for (const c of clients) await c.logoutAndWait(5000);

    // ---- sessions held: HELD sessions, one order a second each ---------------------------
    const heldAccounts = await accounts(ex, 'bench-held-', HELD, false);
    const answered = new Map<FixTestClient, Set<string>>();
    const held: FixTestClient[] = [];
    const stopped = new Set<FixTestClient>();
    let refused = 0;
    for (let i = 0; i < HELD; i++) {
      const got = new Set<string>();
      try {
        const c = await connectFixClient({
          port: ex.fixPort,
          senderCompId: `H${i}`,
          user: heldAccounts[i].name,
          password: heldAccounts[i].apiKey,
          keep: false,
          onMessage: (m) => {
            if (m.msgType === '8' && (m.get(150) === '0' || m.get(150) === '8')) got.add(m.get(11) ?? '');
          },
        });
        void c.stopped.then(() => stopped.add(c));
        answered.set(c, got);
        held.push(c);
      } catch {
        refused++;
      }
    }
    const heldStart = performance.now();
    const timers: NodeJS.Timeout[] = [];
    held.forEach((c, i) => {
      const offsetMs = (i * 1000) / Math.max(1, held.length);
      for (let s = 0; s < HELD_SECONDS; s++) {
        const at = heldStart + offsetMs + s * 1000;
        timers.push(setTimeout(() => {
          if (!stopped.has(c)) c.sendMsg('D', { ClOrdID: `h${i}-${s}`, Instrument: { Symbol: LISTED[i % SYMBOLS].ticker }, Side: '1', TransactTime: new Date(), OrderQtyData: { OrderQty: 1 }, OrdType: '2', Price: px(LISTED[i % SYMBOLS].referencePrice - 100 * 50), TimeInForce: '0' });
        }, Math.max(0, at - performance.now())));
      }
    });
    const everyAnswer = (c: FixTestClient): boolean => answered.get(c)?.size === HELD_SECONDS;
    const heldUntil = heldStart + HELD_SECONDS * 1000 + 5_000;
    while (performance.now() < heldUntil && !held.every((c) => everyAnswer(c) || stopped.has(c))) await new Promise((r) => setTimeout(r, 100));
    for (const t of timers) clearTimeout(t);
    const loggedOn = held.filter((c) => !stopped.has(c)).length;
    const fixSessions = held.filter((c) => !stopped.has(c) && everyAnswer(c)).length;
    for (const c of held) c.requestStop('bench over');

    const us = (values: number[], p: number): number => Math.round(percentile(values, p));
    process.stdout.write(
      `${JSON.stringify({
        bench: 'fix-order-entry',
        server: 'tickwire run --rate 0 (child process)',
        fixOrdersPerSec: RATE,
        fixRoundTripSessions: SESSIONS,
        seconds: SECONDS,
        ordersSent: sent,
        fixRoundTripSamples: newUs.length,
        fixRoundTripP50Us: us(newUs, 50),
        fixRoundTripP99Us: us(newUs, 99),
        fixRoundTripP999Us: us(newUs, 99.9),
        fixExecutedSamples: tradeUs.length,
        fixExecutedP50Us: us(tradeUs, 50),
        fixExecutedP99Us: us(tradeUs, 99),
        fixRejected: rejected,
        fixUnanswered: unanswered,
        fixRoundTripSessionsDropped: rtDropped,
        fixSessionsTried: HELD,
        fixSessionsRefused: refused,
        fixSessionsLoggedOn: loggedOn,
        fixSessions,
        fixSessionsSeconds: HELD_SECONDS,
        fsync: 'journal group commit (tickwire run default)',
        seed: SEED,
        cpu: os.cpus()[0]?.model.split(' ').slice(0, 2).join(' ') ?? '',
        node: process.version,
      })}\n`,
    );
  } finally {
    ex.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  setTimeout(() => process.exit(0), 200);
}

void main().catch((err: unknown) => {
  process.stderr.write(`bench:fix-order-entry failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
