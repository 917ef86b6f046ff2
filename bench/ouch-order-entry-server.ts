// bench:ouch-order-entry's "ours" (a child process): the exchange core (LiveSim, journal with
// group-commit fsync), the client gateway and the OUCH server (stores fsynced), with
// ACCOUNTS funded accounts whose OUCH credentials it sends to the parent.
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { GcWatch } from './ouch-order-entry-gc';
import { AbnormalTrafficDetector, AccountStore, AccountsDb, IpRules, SessionStore } from '../accounts';
import { listing, loadConfig } from '../config';
import { OrderEntry, OuchServer } from '../order-entry';
import { LiveSim } from '../sim';

const dir = process.argv[2];
const accountsWanted = Number(process.argv[3] ?? 4);
const symbols = Number(process.argv[4] ?? 20);
if (dir === undefined) throw new Error('usage: ouch-order-entry-server.js DIR [ACCOUNTS] [SYMBOLS]');

async function main(): Promise<void> {
  const config = loadConfig({
    flags: {
      'sim.ordersPerSec': 0,
      'sim.symbols': symbols,
      'journal.fsync': true,
      'orderEntry.port': 0,
      'orderEntry.ordersPerSecondPerAccount': 1_000_000,
      'orderEntry.abnormalRateFloor': 1_000_000,
      'orderEntry.ouch.port': 0,
      'orderEntry.ouch.storePath': path.join(dir, 'ouch'),
    },
  });
  const db = new AccountsDb(path.join(dir, 'accounts.sqlite'));
  const accounts = new AccountStore(db, { scrypt: { N: 16, r: 1, p: 1 } });
  const sim = new LiveSim(config, path.join(dir, 'day.journal'), { onEngineEvent: () => undefined });
  const admin = 'bench-ouch-admin-token-0123456';
  const oe = new OrderEntry({
    config,
    trading: sim,
    accounts,
    sessions: new SessionStore(db),
    traffic: new AbnormalTrafficDetector({ minRatePerSec: 1_000_000, rejectBurst: 1_000_000 }),
    ipAccess: new IpRules(),
    adminToken: admin,
    symbols: listing(symbols),
  });
  // TW_BENCH_OUCH_STORE_SYNC: 'afterJournal' to sync the stores after the journal (default: the server's, beside it).
  const storeSync = process.env.TW_BENCH_OUCH_STORE_SYNC === 'afterJournal' ? 'afterJournal' : 'overlapped';
  const ouch = new OuchServer({ config, orderEntry: oe, accounts, symbols: listing(symbols), fsync: true, storeSync });
  sim.start();
  const url = (await oe.start()).url;
  const port = (await ouch.start()).port;
  const logins: Array<{ loginId: string; password: string }> = [];
  for (let i = 0; i < accountsWanted; i++) {
    const res = await fetch(`${url}/admin/v1/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `bench-ouch-${i}`, password: 'pw-bench01', kyc: 'approved', riskClass: 'institutional', allowShort: true, cash: '100000000000', actor: 'bench' }),
    });
    const a = (await res.json()) as { loginId: string };
    logins.push({ loginId: a.loginId, password: 'pw-bench01' });
  }
  // Startup's survivors (modules, config, the accounts' setup: ~15 MB) out of the young
  // generation before service, when the parent gave this process `--expose-gc` with a young
  // generation fixed at its largest (bench/ouch-order-entry.ts OURS_FLAGS): else the first
  // scavenge in service copies them all (42-92 ms measured). Its pause is over before the
  // watches below start.
  const gcNow = (globalThis as { gc?: () => void }).gc;
  if (gcNow !== undefined) {
    gcNow();
    await new Promise((r) => setTimeout(r, 50));
  }
  // The event loop's delay while it serves: a stall here is latency no order escapes.
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  // CPU time (user + system) from here on: both children idle in the other's slices, so this is the work.
  const cpuAtStart = process.cpuUsage();
  const gc = new GcWatch();
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'figures') process.send?.({ type: 'figures', cpuMs: cpuMsSince(cpuAtStart), loopDelayP50Us: Math.round(loop.percentile(50) / 1000), loopDelayP99Us: Math.round(loop.percentile(99) / 1000), loopDelayMaxUs: Math.round(loop.max / 1000), ...gc.figures() });
  });
  process.send?.({ type: 'listening', port, logins });
  // The parent ends us with SIGTERM (or goes away): close the ports and stores and exit with a
  // code, not by the signal, so `--cpu-prof` (inherited through fork) writes its profile.
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), 2000).unref();
    void ouch
      .close()
      .then(() => oe.close())
      .finally(() => {
        sim.stop(false);
        process.exit(0);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
}

process.on('disconnect', () => setTimeout(() => process.exit(0), 2000).unref());
void main().catch((err: unknown) => {
  process.stderr.write(`ouch-order-entry-server failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return Math.round((d.user + d.system) / 1000);
}
