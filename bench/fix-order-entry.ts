// FIX order entry benchmark (issue 19), in one process: the exchange core (sim/'s LiveSim
// with a journal, group commit, fsync per TW_BENCH_FIX_FSYNC, default on), the client
// gateway and its FIX acceptor, and jspurefix initiators as clients.
// - fixRoundTripP50Us/P99Us: NewOrderSingle to its ExecutionReport New, paced open loop at
//   TW_BENCH_FIX_RATE (5,000) orders/s over TW_BENCH_FIX_SESSIONS (4) sessions for
//   TW_BENCH_FIX_SECONDS (20), measured from the instant each order was due.
// - fixSessions: TW_BENCH_FIX_HELD (200) sessions logged on at once, each sending one order
//   a second for TW_BENCH_FIX_HELD_SECONDS (10); the number still logged on at the end
//   whose every order was answered.
// The clients share the process with the server, so the figures include their cost; run
// beside `tickwire run` once the runtime starts the acceptor for the deployment figure.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AbnormalTrafficDetector, AccountStore, AccountsDb, IpRules, SessionStore } from '../accounts';
import { listing, loadConfig } from '../config';
import { FixAcceptor, OrderEntry } from '../order-entry';
import { LiveSim } from '../sim';
import { connectFixClient, type FixTestClient } from '../test/support/fix-client';
import { percentile } from './stats';

const RATE = Number(process.env.TW_BENCH_FIX_RATE ?? 5_000);
const SESSIONS = Number(process.env.TW_BENCH_FIX_SESSIONS ?? 4);
const SECONDS = Number(process.env.TW_BENCH_FIX_SECONDS ?? 20);
const HELD = Number(process.env.TW_BENCH_FIX_HELD ?? 200);
const HELD_SECONDS = Number(process.env.TW_BENCH_FIX_HELD_SECONDS ?? 10);
const FSYNC = (process.env.TW_BENCH_FIX_FSYNC ?? '1') !== '0';
const ADMIN = 'bench-fix-admin-token-0123456';

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-bench-fix-'));
  const config = loadConfig({
    flags: {
      'sim.ordersPerSec': 0,
      'sim.symbols': 5,
      'journal.fsync': FSYNC,
      'orderEntry.port': 0,
      'orderEntry.fix.port': 0,
      'orderEntry.fix.storePath': path.join(dir, 'fix'),
      'orderEntry.ordersPerSecondPerAccount': 1_000_000,
    },
  });
  const db = new AccountsDb(path.join(dir, 'accounts.sqlite'));
  const accounts = new AccountStore(db, { scrypt: { N: 16, r: 1, p: 1 } });
  const sim = new LiveSim(config, path.join(dir, 'day.journal'), { onEngineEvent: () => undefined });
  const oe = new OrderEntry({
    config,
    trading: sim,
    accounts,
    sessions: new SessionStore(db),
    traffic: new AbnormalTrafficDetector({ minRatePerSec: 1_000_000, rejectBurst: 10_000 }),
    ipAccess: new IpRules(),
    adminToken: ADMIN,
    symbols: listing(5),
  });
  const fix = new FixAcceptor({ config: config.orderEntry.fix, engine: config.engine, gateway: oe, accounts, symbols: listing(5), limits: { maxConnections: HELD + SESSIONS + 16 } });
  sim.start();
  await oe.start();
  await fix.start();
  const admin = async (route: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${oe.address.url}${route}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await res.json()) as Record<string, unknown>;
  };
  const trader = async (name: string): Promise<string> => {
    await admin('/admin/v1/accounts', { name, password: `pw-${name}-secret`, kyc: 'approved', cash: '100000000000', actor: 'bench' });
    return `pw-${name}-secret`;
  };

  // Round trip: buys resting well below the reference price (no fills), paced open loop.
  const clients: FixTestClient[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const name = `bench-rt-${i}`;
    clients.push(await connectFixClient({ port: fix.port, senderCompId: `RT${i}`, user: name, password: await trader(name) }));
  }
  const due = new Map<string, number>();
  const samplesUs: number[] = [];
  const warmupMs = 1000;
  const t0 = performance.now();
  for (const c of clients) {
    const seen = c.received;
    const poll = setInterval(() => {
      while (seen.length > 0) {
        const m = seen.shift();
        if (m === undefined || m.msgType !== '8' || m.get(150) !== '0') continue;
        const at = due.get(m.get(11) ?? '');
        if (at === undefined) continue;
        due.delete(m.get(11) ?? '');
        if (at - t0 > warmupMs) samplesUs.push((performance.now() - at) * 1000);
      }
    }, 1);
    poll.unref();
  }
  const total = Math.floor(RATE * SECONDS);
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const now = performance.now();
      const shouldHave = Math.min(total, Math.floor(((now - t0) / 1000) * RATE));
      while (sent < shouldHave) {
        const id = `o${sent}`;
        due.set(id, t0 + (sent * 1000) / RATE);
        clients[sent % SESSIONS].sendMsg('D', { ClOrdID: id, Instrument: { Symbol: 'AAPL' }, Side: '1', TransactTime: new Date(), OrderQtyData: { OrderQty: 1 }, OrdType: '2', Price: '180.00', TimeInForce: '0' });
        sent++;
      }
      if (sent >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 1);
  });
  const deadline = performance.now() + 10_000;
  while (due.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const unanswered = due.size;
  samplesUs.sort((a, b) => a - b);

  // Sessions held: HELD sessions, one order a second each.
  const held: FixTestClient[] = [];
  for (let i = 0; i < HELD; i++) {
    const name = `bench-held-${i}`;
    try {
      held.push(await connectFixClient({ port: fix.port, senderCompId: `H${i}`, user: name, password: await trader(name) }));
    } catch {
      // Counted as not held.
    }
  }
  for (let s = 0; s < HELD_SECONDS; s++) {
    held.forEach((c, i) => c.sendMsg('D', { ClOrdID: `h${i}-${s}`, Instrument: { Symbol: 'MSFT' }, Side: '1', TransactTime: new Date(), OrderQtyData: { OrderQty: 1 }, OrdType: '2', Price: '300.00', TimeInForce: '0' }));
    await new Promise((r) => setTimeout(r, 1000));
  }
  await new Promise((r) => setTimeout(r, 500));
  const answered = (c: FixTestClient): number => c.received.filter((m) => m.msgType === '8').length;
  const fixSessions = held.filter((c) => c.stopError === undefined && answered(c) >= HELD_SECONDS).length;

  for (const c of [...clients, ...held]) c.requestStop('bench over');
  await fix.close();
  await oe.close();
  sim.stop(false);
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      bench: 'fix-order-entry',
      fixRoundTripP50Us: Math.round(percentile(samplesUs, 0.5)),
      fixRoundTripP99Us: Math.round(percentile(samplesUs, 0.99)),
      fixOrdersPerSec: RATE,
      fixRoundTripSamples: samplesUs.length,
      fixUnanswered: unanswered,
      fixSessionsTried: HELD,
      fixSessions,
      fsync: FSYNC,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
    }),
  );
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
