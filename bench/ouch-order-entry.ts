// OUCH order entry benchmark (issue 19). Enter Order round trips over SoupBinTCP, paced open
// loop at TW_BENCH_OUCH_RATE (43,000) orders/s over TW_BENCH_OUCH_SESSIONS (4) sessions,
// against two servers in alternating slices of one run (TW_BENCH_OUCH_SLICE_S, 2 s each, the
// first TW_BENCH_OUCH_SLICE_WARMUP_MS (250) of each unmeasured):
// - ours (bench/ouch-order-entry-server.ts, a child): the OUCH server, the client gateway's
//   desk and router, the exchange core (risk, wallet, matching) with the journal's
//   group-commit fsync, and the OUCH stores' group-commit fsync;
// - raw (bench/ouch-order-entry-raw.ts, a child): SoupBinTCP framing and OUCH decoding, the
//   same bytes appended with the same GroupCommitter, the answers sent after the fsync.
// Orders: one in ten a resting day sell just above the reference price (liquidity), one in
// ten an aggressive IOC buy through it (Enter Order to Executed), the rest IOC buys below
// the market (Accepted dead at once, so the book stays bounded). A round trip runs from the
// instant the order was due (a late send counts against the server that made it late) to its
// Accepted (or Rejected), and for an aggressive order to its first Executed.
// An order counts for the side whose slice it was due in, however late its answer comes
// (ouchUnanswered, rawUnanswered: measured orders still unanswered 10 s after the last send).
// Prints ouchRoundTripP50Us/P99Us (Accepted), ouchExecutedP50Us/P99Us, the raw figures and
// ouchP99OverRaw (floor <= 1.5); oursCpuUsPerOrder and rawCpuUsPerOrder: each child's CPU
// time (user + system, from its start of service to the end) over the orders sent to it, the
// work per order whatever the machine's noise did to the latencies; each child's garbage
// collections from its start of service (bench/ouch-order-entry-gc.ts: young and full
// pauses, count, longest, total; its largest heap in use after one).
// The client corks each session per pacing tick (one socket write per session per ms, for
// both servers alike). Profiles: `node --cpu-prof --cpu-prof-dir=DIR
// dist/bench/ouch-order-entry.js` writes one per process (the children inherit the flags
// through fork, and exit cleanly on the SIGTERM that ends the run, so theirs are written).
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listing } from '../config';
import { OuchClient } from '../order-entry';
import { OuchLength, OuchType } from '../protocol';
import { nextMessage } from './child-messages';
import type { GcFigures } from './ouch-order-entry-gc';
import { percentile } from './stats';

const RATE = Number(process.env.TW_BENCH_OUCH_RATE ?? 43_000);
const SESSIONS = Number(process.env.TW_BENCH_OUCH_SESSIONS ?? 4);
const SECONDS = Number(process.env.TW_BENCH_OUCH_SECONDS ?? 40);
const SLICE_S = Number(process.env.TW_BENCH_OUCH_SLICE_S ?? 2);
const SLICE_WARMUP_MS = Number(process.env.TW_BENCH_OUCH_SLICE_WARMUP_MS ?? 250);
const SEED = Number(process.env.TW_SEED ?? 1);
/**
 * V8's young generation for both children, MB per semi-space (0: V8's default). Ours kept a
 * second of orders alive as objects (the order mirror's, now typed arrays; the core's client
 * order id strings still): with V8's default (tens of MB) each scavenge copied them all at
 * once; a small young generation copies the same objects in many short pauses but promotes
 * more. Both children run with the same setting.
 */
const SEMI_SPACE_MB = Number(process.env.TW_BENCH_OUCH_SEMI_SPACE_MB ?? 0);
/**
 * Node flags of ours' child only (space-separated; '' for V8's defaults; add `--trace-gc-nvp`
 * to see its collections). By default ours runs as our server should: its young generation
 * fixed at the 64 MB V8 grows it to under this load (`--min-semi-space-size=64`), and startup's
 * survivors collected before service (`--expose-gc`, used once by the child). V8 grows the young
 * generation only after as many bytes survived as it holds: a process that loaded jspurefix at
 * start reached 64 MB during startup, one without it served at 16-32 MB (twice the scavenges)
 * and grew mid-service, each growth a 17-33 ms pause on this VM (`resize_new_space`). What the
 * child does per order is unchanged; raw keeps V8's defaults (its heap is ~15 MB).
 */
const OURS_FLAGS = (process.env.TW_BENCH_OUCH_OURS_FLAGS ?? '--min-semi-space-size=64 --expose-gc').split(' ').filter((f) => f !== '');
const SYMBOLS = 20;
const LISTED = listing(SYMBOLS);
const DAY = 99_999;

type Name = 'ours' | 'raw';
interface Target {
  name: Name;
  clients: OuchClient[];
  child: ChildProcess;
}

/**
 * Order n was due at startNs + n / RATE s; its token is 'N' or 'X' and n in base 36, so an
 * answer names its order without a table of strings. One byte per order says what of it has
 * been answered (bit 0 Accepted or Rejected, bit 1 Executed): only the first answer counts.
 */
let startNs = 0;
let answered = new Uint8Array(0);
/** Which side's measured part order n was due in (1 ours, 2 raw, 0 none): it counts there, however late its answer. */
let measuredBy = new Uint8Array(0);
/** Measured orders not yet answered. */
const waiting: Record<Name, number> = { ours: 0, raw: 0 };
/** Orders sent to each side (measured or not): its CPU time per order is over these. */
const sent: Record<Name, number> = { ours: 0, raw: 0 };
/**
 * Round trips (us) per side, in typed arrays sized for the run at its start: growing JS arrays
 * of a million numbers made this process's own scavenges copy them (14 ms on average, about
 * one a second), a stall of the client that landed on whichever side's slice it fell in.
 */
class Samples {
  values: Float64Array;
  n = 0;
  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
  }
  push(us: number): void {
    this.values[this.n++] = us;
  }
  get length(): number {
    return this.n;
  }
  /** The samples taken (a view, no copy). */
  all(): Float64Array {
    return this.values.subarray(0, this.n);
  }
}
let samples: Record<Name, { accepted: Samples; executed: Samples }> = { ours: { accepted: new Samples(0), executed: new Samples(0) }, raw: { accepted: new Samples(0), executed: new Samples(0) } };
let rejects = 0;

/** The order number in a bench token ('N' or 'X' then base 36, space-padded to 14), or -1. */
function orderOf(b: Uint8Array, o: number): number {
  let n = 0;
  let i = o + 1;
  const end = o + 14;
  for (; i < end; i++) {
    const c = b[i];
    if (c >= 0x30 && c <= 0x39) n = n * 36 + (c - 0x30);
    else if (c >= 0x61 && c <= 0x7a) n = n * 36 + (c - 0x61 + 10);
    else break;
  }
  return i === o + 1 || n >= answered.length ? -1 : n;
}

function nowNs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e9 + ns;
}

async function start(script: string, args: string[], who: Name): Promise<{ child: ChildProcess; port: number; logins: Array<{ loginId: string; password: string }> }> {
  const shared = SEMI_SPACE_MB > 0 ? [...process.execArgv, `--max-semi-space-size=${SEMI_SPACE_MB}`] : process.execArgv;
  const execArgv = who === 'ours' ? [...shared, ...OURS_FLAGS] : shared;
  const child = fork(path.join(__dirname, script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const m = await nextMessage<{ type: 'listening'; port: number; logins?: Array<{ loginId: string; password: string }> }>(child, 'listening', 60_000, who);
  return { child, port: m.port, logins: m.logins ?? Array.from({ length: SESSIONS }, () => ({ loginId: 'RAW000', password: 'raw' })) };
}

function onMessage(target: Name, b: Uint8Array, o: number, n: number): void {
  const type = b[o];
  let bit = 0;
  if ((type === OuchType.Accepted && n === OuchLength.Accepted) || (type === OuchType.Rejected && n === OuchLength.Rejected)) {
    if (type === OuchType.Rejected) rejects++;
    bit = 1;
  } else if (type === OuchType.Executed && n === OuchLength.Executed && b[o + 31] === 0x52 && b[o + 9] === 0x58) bit = 2;
  if (bit === 0) return;
  const order = orderOf(b, o + 9);
  if (order < 0 || (answered[order] & bit) !== 0) return;
  answered[order] |= bit;
  if (measuredBy[order] === (target === 'ours' ? 1 : 2)) {
    if (bit === 1) waiting[target]--;
    const us = (nowNs() - (startNs + (order / RATE) * 1e9)) / 1000;
    if (bit === 1) samples[target].accepted.push(us);
    else samples[target].executed.push(us);
  }
}

async function connect(name: Name, child: ChildProcess, port: number, logins: Array<{ loginId: string; password: string }>): Promise<Target> {
  const clients: OuchClient[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const c = await OuchClient.connect({ host: '127.0.0.1', port, keepMessages: false, onSequenced: (b, o, n) => onMessage(name, b, o, n) });
    await c.logIn(logins[i % logins.length].loginId, logins[i % logins.length].password, 0);
    clients.push(c);
  }
  return { name, clients, child };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-bench-ouch-'));
  fs.mkdirSync(path.join(dir, 'ours'));
  fs.mkdirSync(path.join(dir, 'raw'));
  const oursChild = await start('ouch-order-entry-server.js', [path.join(dir, 'ours'), String(SESSIONS), String(SYMBOLS)], 'ours');
  const rawChild = await start('ouch-order-entry-raw.js', [path.join(dir, 'raw')], 'raw');
  const ours = await connect('ours', oursChild.child, oursChild.port, oursChild.logins);
  const raw = await connect('raw', rawChild.child, rawChild.port, rawChild.logins);

  let n = 0;
  answered = new Uint8Array(Math.ceil(RATE * (SECONDS + 1)));
  measuredBy = new Uint8Array(answered.length);
  // Each side answers at most every order (untouched pages of a typed array cost nothing).
  const most = answered.length;
  samples = { ours: { accepted: new Samples(most), executed: new Samples(most) }, raw: { accepted: new Samples(most), executed: new Samples(most) } };
  startNs = nowNs();
  const totalNs = SECONDS * 1e9;
  const sliceNs = SLICE_S * 1e9;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const t = nowNs() - startNs;
      if (t >= totalNs) {
        clearInterval(timer);
        resolve();
        return;
      }
      const due = Math.floor((t / 1e9) * RATE);
      // One socket write per session per tick (cork), on both sides alike.
      for (const c of ours.clients) c.cork();
      for (const c of raw.clients) c.cork();
      for (; n < due; n++) {
        // Each order goes to the side whose slice it was due in, measured when due past the
        // slice's warm-up (a tick that ran late still sends it where it belongs).
        const dueNs = (n / RATE) * 1e9;
        const slice = Math.floor(dueNs / sliceNs);
        const target = slice % 2 === 0 ? ours : raw;
        const c = target.clients[n % SESSIONS];
        sent[target.name]++;
        if (dueNs - slice * sliceNs >= SLICE_WARMUP_MS * 1e6 && n < measuredBy.length) {
          measuredBy[n] = target.name === 'ours' ? 1 : 2;
          waiting[target.name]++;
        }
        const sym = LISTED[(Math.floor(n / 10) * 7 + SEED) % SYMBOLS];
        const ref = sym.referencePrice - (sym.referencePrice % 100);
        const kind = n % 10;
        const token = `${kind === 1 ? 'X' : 'N'}${n.toString(36)}`;
        if (kind === 0) c.enterOrder({ token, side: 'S', shares: 100, stock: sym.ticker, price: ref + 100, timeInForce: DAY });
        else if (kind === 1) c.enterOrder({ token, side: 'B', shares: 100, stock: sym.ticker, price: ref + 500, timeInForce: 0 });
        else c.enterOrder({ token, side: 'B', shares: 100, stock: sym.ticker, price: ref - 500, timeInForce: 0 });
      }
      for (const c of ours.clients) c.uncork();
      for (const c of raw.clients) c.uncork();
    }, 1);
  });
  // Let the measured orders be answered (a backlog drains), at most 10 s.
  const drainUntil = nowNs() + 10e9;
  while (waiting.ours + waiting.raw > 0 && nowNs() < drainUntil) await new Promise((r) => setTimeout(r, 20));
  type LoopFigures = { type: 'figures'; cpuMs: number; loopDelayP50Us: number; loopDelayP99Us: number; loopDelayMaxUs: number } & GcFigures;
  const figuresOf = (c: ChildProcess, who: Name): Promise<LoopFigures | null> => {
    // A backlogged child answers late: it reads the request only after the work queued before it.
    const got = nextMessage<LoopFigures>(c, 'figures', 30_000, who).catch(() => null);
    c.send({ type: 'figures' });
    return got;
  };
  const [oursLoop, rawLoop] = await Promise.all([figuresOf(ours.child, 'ours'), figuresOf(raw.child, 'raw')]);
  const round = (x: number): number => Math.round(x);
  const o = samples.ours;
  const r = samples.raw;
  const p99 = percentile(o.accepted.all(), 99);
  const rawP99 = percentile(r.accepted.all(), 99);
  for (const c of [...ours.clients, ...raw.clients]) void c.close();
  // The children exit cleanly on SIGTERM (so `--cpu-prof` writes their profiles): wait for them.
  const exited = (c: ChildProcess): Promise<void> => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', () => r())));
  ours.child.kill('SIGTERM');
  raw.child.kill('SIGTERM');
  await Promise.race([Promise.all([exited(ours.child), exited(raw.child)]), new Promise((r) => setTimeout(r, 10_000))]);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'ouch-order-entry',
      ratePerSec: RATE,
      sessions: SESSIONS,
      seconds: SECONDS,
      sliceSeconds: SLICE_S,
      orders: n,
      ouchMeasured: o.accepted.length,
      rawMeasured: r.accepted.length,
      ouchExecutedMeasured: o.executed.length,
      rejects,
      ouchUnanswered: waiting.ours,
      rawUnanswered: waiting.raw,
      ouchRoundTripP50Us: round(percentile(o.accepted.all(), 50)),
      ouchRoundTripP99Us: round(p99),
      ouchExecutedP50Us: round(percentile(o.executed.all(), 50)),
      ouchExecutedP99Us: round(percentile(o.executed.all(), 99)),
      rawRoundTripP50Us: round(percentile(r.accepted.all(), 50)),
      rawRoundTripP99Us: round(rawP99),
      rawExecutedP99Us: round(percentile(r.executed.all(), 99)),
      ouchP99OverRaw: Math.round((p99 / rawP99) * 1000) / 1000,
      oursCpuUsPerOrder: oursLoop === null ? null : Math.round(((oursLoop.cpuMs * 1000) / sent.ours) * 10) / 10,
      rawCpuUsPerOrder: rawLoop === null ? null : Math.round(((rawLoop.cpuMs * 1000) / sent.raw) * 10) / 10,
      oursLoopDelayP99Us: oursLoop?.loopDelayP99Us ?? null,
      oursLoopDelayMaxUs: oursLoop?.loopDelayMaxUs ?? null,
      rawLoopDelayP99Us: rawLoop?.loopDelayP99Us ?? null,
      rawLoopDelayMaxUs: rawLoop?.loopDelayMaxUs ?? null,
      oursGcYoungMaxMs: oursLoop?.gcYoungMaxMs ?? null,
      oursGcYoungTotalMs: oursLoop?.gcYoungTotalMs ?? null,
      oursGcYoungCount: oursLoop?.gcYoungCount ?? null,
      oursGcFullMaxMs: oursLoop?.gcFullMaxMs ?? null,
      oursGcFullCount: oursLoop?.gcFullCount ?? null,
      oursHeapUsedMaxMb: oursLoop?.heapUsedMaxMb ?? null,
      rawGcYoungMaxMs: rawLoop?.gcYoungMaxMs ?? null,
      rawGcYoungTotalMs: rawLoop?.gcYoungTotalMs ?? null,
      rawHeapUsedMaxMb: rawLoop?.heapUsedMaxMb ?? null,
      fsync: 'group commit (one fsync in flight; journal and OUCH store on ours, the same bytes on raw)',
      semiSpaceMb: SEMI_SPACE_MB,
      oursFlags: OURS_FLAGS.join(' '),
      storeSync: process.env.TW_BENCH_OUCH_STORE_SYNC === 'afterJournal' ? 'afterJournal' : 'overlapped',
      seed: SEED,
      cpu: os.cpus()[0]?.model.split(' ').slice(0, 2).join(' ') ?? '',
      node: process.version,
    })}\n`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
  setTimeout(() => process.exit(0), 300);
}

void main().catch((err: unknown) => {
  process.stderr.write(`bench:ouch-order-entry failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
