// FIX order entry benchmark (issue 19), against `tickwire run --rate 0` in a child process
// (temp dir; client gateway, FIX acceptor and its stores, order manager, risk, wallet,
// journal with group-commit fsync, engine, publisher on the bench's own multicast groups;
// market-data gateway and storage off; every port free or 0, read from the banner), with
// jspurefix initiators (test/support/fix-client.ts) in this process as the clients.
// - fixRoundTripP50Us/P99Us: NewOrderSingle to its first ExecutionReport (New, or Rejected),
//   paced open loop at TW_BENCH_FIX_RATE (5,000, the issue's) orders/s over TW_BENCH_FIX_SESSIONS (4)
//   sessions (one account each) for TW_BENCH_FIX_SECONDS (20) after TW_BENCH_FIX_WARMUP_S (2)
//   unmeasured, from the instant each order was due (a late send counts against the server
//   that made it late). Orders (seeded, TW_SEED): one in ten a resting day sell just above the
//   reference price, one in ten an aggressive IOC buy through it (also timed to its first
//   Trade report: fixExecutedP50Us/P99Us), the rest IOC buys below the market (New, then
//   Canceled at once: the book stays bounded).
// - Beside it, in the same run and the same server, OUCH 4.2 (the baseline the issue names:
//   fixP99OverOuch): as many OuchClient sessions of their own accounts, the same seeded flow at
//   the same rate, Enter Order to its Accepted (or Rejected), an aggressive one to its
//   Executed. The flow alternates by due time: TW_BENCH_FIX_SLICE_S (2) s to FIX, then as long
//   to OUCH, the first TW_BENCH_FIX_SLICE_WARMUP_MS (250) of each slice unmeasured; an order
//   counts for the slice it was due in, however late its answer. The p50s of the first and
//   the last measured slice of each (`...SliceP50FirstLastUs`) show a backlog: one that climbs.
// - fixSessions: TW_BENCH_FIX_HELD (200) sessions logged on at once (one account each), each
//   sending one order a second (staggered over the second) for TW_BENCH_FIX_HELD_SECONDS (10);
//   the number still logged on at the end whose every order was answered (fixSessionsLoggedOn
//   beside it). The clients share this process, so their cost (jspurefix's encoder and parser)
//   is in the figures; the server has the other core.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listing } from '../config';
import { OuchClient } from '../order-entry';
import { OuchLength, OuchType, Prng, readAlpha } from '../protocol';
import { connectFixClient, type FixTestClient, type Received } from '../test/support/fix-client';
import { adminPost, startExchangeChild, type ExchangeChild } from './exchange-child';
import { percentile } from './stats';

const RATE = Number(process.env.TW_BENCH_FIX_RATE ?? 5000);
const SESSIONS = Number(process.env.TW_BENCH_FIX_SESSIONS ?? 4);
const SECONDS = Number(process.env.TW_BENCH_FIX_SECONDS ?? 20);
const WARMUP_S = Number(process.env.TW_BENCH_FIX_WARMUP_S ?? 2);
const HELD = Number(process.env.TW_BENCH_FIX_HELD ?? 200);
const HELD_SECONDS = Number(process.env.TW_BENCH_FIX_HELD_SECONDS ?? 10);
const SEED = Number(process.env.TW_SEED ?? 1);
const SYMBOLS = 5;
const LISTED = listing(SYMBOLS);
const GROUPS = ['239.192.79.1', '239.192.79.2'] as const;
const SLICE_S = Number(process.env.TW_BENCH_FIX_SLICE_S ?? 2);
const SLICE_WARMUP_MS = Number(process.env.TW_BENCH_FIX_SLICE_WARMUP_MS ?? 250);
/** At most 10 characters: OUCH (SoupBinTCP) logs in with it; FIX with the API key. */
const PASSWORD = 'bench-pw01';

/** Funded institutional accounts (cash, and shares of every symbol when `shares`), `concurrency` at a time. */
async function accounts(ex: ExchangeChild, prefix: string, n: number, shares: boolean): Promise<Array<{ name: string; apiKey: string; loginId: string }>> {
  const out: Array<{ name: string; apiKey: string; loginId: string }> = new Array(n);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const name = `${prefix}${i}`;
      const a = await adminPost(ex, '/admin/v1/accounts', { name, password: PASSWORD, kyc: 'approved', riskClass: 'institutional', cash: '1000000000', actor: 'bench' });
      if (shares) for (const s of LISTED) await adminPost(ex, `/admin/v1/accounts/${a.id}/fund`, { symbol: s.ticker, shares: 10_000_000, actor: 'bench' });
      out[i] = { name, apiKey: String(a.apiKey), loginId: String(a.loginId) };
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return out;
}

const px = (price4: number): string => (price4 / 10_000).toFixed(2);

interface BenchOrder {
  ticker: string;
  side: 'B' | 'S';
  /** Price(4): dollars times 10,000. */
  price4: number;
  ioc: boolean;
  /** An IOC buy through the resting sells: timed to its first fill as well. */
  aggressive: boolean;
}

/** Order n of the seeded flow (the same for FIX and OUCH: which protocol carries it depends only on its slice). */
function nextOrder(rng: Prng, n: number): BenchOrder {
  const sym = LISTED[n % SYMBOLS];
  const r = rng.next();
  const ticks = 1 + Math.floor(rng.next() * 10);
  const ref = sym.referencePrice;
  // A resting day sell just above the reference; an aggressive IOC buy through it; an IOC buy below the market.
  if (r < 0.1) return { ticker: sym.ticker, side: 'S', price4: ref + 100 * ticks, ioc: false, aggressive: false };
  if (r < 0.2) return { ticker: sym.ticker, side: 'B', price4: ref + 100 * 20, ioc: true, aggressive: true };
  return { ticker: sym.ticker, side: 'B', price4: ref - 100 * ticks, ioc: true, aggressive: false };
}

/** One protocol's round trips: due times (performance.now ms) of the measured orders not yet answered, and the samples (us). */
class Side {
  readonly firstUs: number[] = [];
  readonly tradeUs: number[] = [];
  /** p50 of each measured slice, to see a backlog (a p50 that climbs from slice to slice). */
  private readonly bySlice = new Map<number, number[]>();
  private readonly dueFirst = new Map<string, { ms: number; slice: number }>();
  private readonly dueTrade = new Map<string, number>();
  rejected = 0;

  due(id: string, ms: number, aggressive: boolean, slice: number): void {
    this.dueFirst.set(id, { ms, slice });
    if (aggressive) this.dueTrade.set(id, ms);
  }

  answered(id: string, rejected: boolean): void {
    const d = this.dueFirst.get(id);
    if (d === undefined) return;
    this.dueFirst.delete(id);
    if (rejected) this.rejected++;
    const us = (performance.now() - d.ms) * 1000;
    this.firstUs.push(us);
    const list = this.bySlice.get(d.slice);
    if (list === undefined) this.bySlice.set(d.slice, [us]);
    else list.push(us);
  }

  traded(id: string): void {
    const ms = this.dueTrade.get(id);
    if (ms === undefined) return;
    this.dueTrade.delete(id);
    this.tradeUs.push((performance.now() - ms) * 1000);
  }

  /** Measured orders with no first answer yet. */
  get waiting(): number {
    return this.dueFirst.size;
  }

  /** The p50 of the first and of the last measured slice. */
  sliceP50s(): [number, number] {
    const keys = [...this.bySlice.keys()].sort((a, b) => a - b);
    if (keys.length === 0) return [0, 0];
    const p50 = (k: number): number => Math.round(percentile(this.bySlice.get(k) as number[], 50));
    return [p50(keys[0]), p50(keys[keys.length - 1])];
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-bench-fix-'));
  const ex = await startExchangeChild(dir, GROUPS, Math.max(RATE, 1000));
  try {
    // ---- round trips: SESSIONS FIX and SESSIONS OUCH sessions, in alternating slices -----
    const rtAccounts = await accounts(ex, 'bench-rt-', SESSIONS, true);
    const ouchAccounts = await accounts(ex, 'bench-ouch-', SESSIONS, true);
    const rt = { fix: new Side(), ouch: new Side() };
    const onFix = (m: Received): void => {
      if (m.msgType !== '8') return;
      const execType = m.get(150);
      const id = m.get(11) ?? '';
      if (execType === '0' || execType === '8') rt.fix.answered(id, execType === '8');
      else if (execType === 'F') rt.fix.traded(id);
    };
    const onOuch = (b: Uint8Array, o: number, n: number): void => {
      const type = b[o];
      if ((type === OuchType.Accepted && n === OuchLength.Accepted) || (type === OuchType.Rejected && n === OuchLength.Rejected)) rt.ouch.answered(readAlpha(b, o + 9, 14), type === OuchType.Rejected);
      else if (type === OuchType.Executed && n === OuchLength.Executed) rt.ouch.traded(readAlpha(b, o + 9, 14));
    };
    const clients: FixTestClient[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      clients.push(await connectFixClient({ port: ex.fixPort, senderCompId: `RT${i}`, user: rtAccounts[i].name, password: rtAccounts[i].apiKey, keep: false, onMessage: onFix }));
    }
    const ouchClients: OuchClient[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const c = await OuchClient.connect({ host: '127.0.0.1', port: ex.ouchPort, keepMessages: false, onSequenced: onOuch });
      await c.logIn(ouchAccounts[i].loginId, PASSWORD, 0);
      ouchClients.push(c);
    }
    const rng = new Prng(SEED);
    const total = Math.floor(RATE * (WARMUP_S + SECONDS));
    let sent = 0;
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const now = performance.now();
        const shouldHave = Math.min(total, Math.floor(((now - t0) / 1000) * RATE));
        while (sent < shouldHave) {
          const dueMs = t0 + (sent * 1000) / RATE;
          const sinceMs = dueMs - t0 - WARMUP_S * 1000;
          // Slices by due time: even ones FIX, odd ones OUCH; the warm-up and the start of each slice unmeasured.
          const slice = sinceMs < 0 ? 0 : Math.floor(sinceMs / (SLICE_S * 1000));
          const measured = sinceMs >= 0 && sinceMs - slice * SLICE_S * 1000 >= SLICE_WARMUP_MS;
          const o = nextOrder(rng, sent);
          if (slice % 2 === 0) {
            const id = `o${sent}`;
            if (measured) rt.fix.due(id, dueMs, o.aggressive, slice);
            clients[sent % SESSIONS].sendMsg('D', {
              ClOrdID: id,
              Instrument: { Symbol: o.ticker },
              Side: o.side === 'B' ? '1' : '2',
              TransactTime: new Date(),
              OrderQtyData: { OrderQty: 100 },
              OrdType: '2',
              Price: px(o.price4),
              TimeInForce: o.ioc ? '3' : '0',
            });
          } else {
            const token = `q${sent}`;
            if (measured) rt.ouch.due(token, dueMs, o.aggressive, slice);
            ouchClients[sent % SESSIONS].enterOrder({ token, side: o.side, shares: 100, stock: o.ticker, price: o.price4, timeInForce: o.ioc ? 0 : 99_999 });
          }
          sent++;
        }
        if (sent >= total) {
          clearInterval(tick);
          resolve();
        }
      }, 1);
    });
    const drainUntil = performance.now() + 10_000;
    while (rt.fix.waiting + rt.ouch.waiting > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
    const rtDropped = clients.filter((c) => c.stopError !== undefined).length + ouchClients.filter((c) => !c.connected).length;
    for (const c of clients) await c.logoutAndWait(5000);
    for (const c of ouchClients) await c.close();

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
    const fixP99 = us(rt.fix.firstUs, 99);
    const ouchP99 = us(rt.ouch.firstUs, 99);
    const ouchP50 = us(rt.ouch.firstUs, 50);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'fix-order-entry',
        server: 'tickwire run --rate 0 (child process)',
        fixOrdersPerSec: RATE,
        fixRoundTripSessions: SESSIONS,
        seconds: SECONDS,
        sliceSeconds: SLICE_S,
        ordersSent: sent,
        fixRoundTripSamples: rt.fix.firstUs.length,
        fixRoundTripP50Us: us(rt.fix.firstUs, 50),
        fixRoundTripP99Us: fixP99,
        fixRoundTripP999Us: us(rt.fix.firstUs, 99.9),
        fixExecutedSamples: rt.fix.tradeUs.length,
        fixExecutedP50Us: us(rt.fix.tradeUs, 50),
        fixExecutedP99Us: us(rt.fix.tradeUs, 99),
        fixSliceP50FirstLastUs: rt.fix.sliceP50s(),
        fixRejected: rt.fix.rejected,
        fixUnanswered: rt.fix.waiting,
        ouchRoundTripSamples: rt.ouch.firstUs.length,
        ouchRoundTripP50Us: us(rt.ouch.firstUs, 50),
        ouchRoundTripP99Us: ouchP99,
        ouchExecutedP50Us: us(rt.ouch.tradeUs, 50),
        ouchExecutedP99Us: us(rt.ouch.tradeUs, 99),
        ouchSliceP50FirstLastUs: rt.ouch.sliceP50s(),
        ouchRejected: rt.ouch.rejected,
        ouchUnanswered: rt.ouch.waiting,
        fixP99OverOuch: ouchP99 > 0 ? Math.round((fixP99 / ouchP99) * 1000) / 1000 : null,
        fixP50OverOuch: ouchP50 > 0 ? Math.round((us(rt.fix.firstUs, 50) / ouchP50) * 1000) / 1000 : null,
        roundTripSessionsDropped: rtDropped,
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
