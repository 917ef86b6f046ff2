import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../config';
import type { OrderEntryReport, OrderReport } from '../protocol';
import { LiveSim } from './live-sim';

const NO_EVENTS = { onEngineEvent: (): void => undefined };
const P = 10_000;

function config(fsync: boolean) {
  return loadConfig({ flags: { 'sim.ordersPerSec': 0, 'sim.symbols': 5, 'journal.fsync': fsync } });
}

async function until(what: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('LiveSim as the in-thread TradingPort', () => {
  test('with the generator off, client requests are journaled and matched; reports come once durable; a restart rebuilds every balance', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tw-live-')), 'day.journal');
    const sim = new LiveSim(config(true), file, NO_EVENTS);
    const got: OrderEntryReport[] = [];
    let lateReport = 0;
    sim.onReports((rs) => {
      for (const r of rs) {
        if (r.seq > (sim.core.journal?.durableSeq ?? 0)) lateReport++;
        got.push(r);
      }
    });
    sim.start();
    sim.submit({ kind: 'settings', requestId: 1, account: 7, riskClass: 0, allowShort: false, killSwitch: false });
    sim.submit({ kind: 'deposit', requestId: 2, account: 7, locate: 0, amount: 100_000 * P });
    sim.submit({ kind: 'settings', requestId: 3, account: 8, riskClass: 1, allowShort: true, killSwitch: false });
    sim.submit({ kind: 'new', requestId: 4, account: 7, clientOrderId: 'b-1', locate: 1, side: 'B', orderType: 'L', price: 190 * P, shares: 100 });
    sim.submit({ kind: 'new', requestId: 5, account: 8, clientOrderId: 's-1', locate: 1, side: 'S', orderType: 'L', price: 190 * P, shares: 40 });
    sim.submit({ kind: 'new', requestId: 6, account: 0, clientOrderId: 'house', locate: 1, side: 'S', orderType: 'M', price: 0, shares: 40 });
    sim.submit({ kind: 'new', requestId: 7, account: 7, clientOrderId: 'b-1', locate: 1, side: 'B', orderType: 'L', price: 190 * P, shares: 1 });
    await until(() => got.some((r) => r.kind === 'order' && r.requestId === 7));
    expect(lateReport).toBe(0);
    const byRequest = (id: number) => got.find((r) => (r.kind === 'order' || r.kind === 'account') && r.requestId === id);
    expect(byRequest(1)).toMatchObject({ kind: 'account', reject: '' });
    expect(byRequest(4)).toMatchObject({ status: 'new', clientOrderId: 'b-1' });
    expect(byRequest(5)).toMatchObject({ status: 'filled', filledShares: 40 });
    expect(byRequest(6)).toMatchObject({ status: 'rejected', reject: 'TW_REJECT_UNKNOWN_ACCOUNT', seq: 0 }); // never the house
    expect(byRequest(7)).toMatchObject({ status: 'rejected', reject: 'TW_REJECT_DUPLICATE_CLIENT_ORDER_ID' });
    const executions = got.filter((r) => r.kind === 'execution');
    expect(executions.map((e) => [e.account, e.liquidity])).toEqual([
      [7, 'A'],
      [8, 'R'],
    ]);
    const before = [await sim.balances(7), await sim.balances(8)];
    expect(before[0]).toMatchObject({ cash: (100_000 - 40 * 190) * P, cashReserved: 60 * 190 * P });
    const state = sim.core.trading.stateDigest();
    sim.stop(false);

    // A restart: the journal rebuilds every order, fill and balance; the replay's reports wait for a listener.
    const again = new LiveSim(config(true), file, NO_EVENTS);
    again.start(true);
    expect(again.core.trading.stateDigest()).toBe(state);
    expect([await again.balances(7), await again.balances(8)]).toEqual(before);
    const replayed: OrderEntryReport[] = [];
    again.onReports((rs) => replayed.push(...rs));
    expect(replayed).toHaveLength(0); // held until the caller's set-up in this turn is done
    await Promise.resolve();
    expect(replayed.filter((r) => r.kind === 'execution')).toHaveLength(2);
    expect((replayed.filter((r) => r.kind === 'order') as OrderReport[]).every((r) => r.requestId === 0)).toBe(true);
    again.stop(false);
  });

  test('accountsKnown counts client accounts with settings: 0 on a fresh session (the house, and carried balances, are not accounts opened)', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tw-live-')), 'day.journal');
    const sim = new LiveSim(config(false), file, NO_EVENTS);
    sim.start();
    expect(sim.accountsKnown).toBe(0);
    sim.submit({ kind: 'deposit', carried: 1, requestId: 1, account: 9, locate: 0, amount: 5 * P });
    await until(() => sim.carryState.records === 1);
    expect(sim.accountsKnown).toBe(0);
    sim.submit({ kind: 'settings', requestId: 2, account: 9, riskClass: 0, allowShort: false, killSwitch: false });
    await until(() => sim.accountsKnown === 1);
    expect(await sim.balances(9)).toMatchObject({ cash: 5 * P });
    sim.stop(false);
  });
});
