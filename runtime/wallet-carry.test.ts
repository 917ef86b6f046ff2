// Balances carried from one session (journal) to the next, with real LiveSims journaling to
// real files: the next session's opening carries every closing balance once, an opening cut
// short by a crash is completed on restart without carrying anything twice, and a complete
// one reads no journal again.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../config';
import { type BalanceView, crc32, type OrderEntryReport, type TransferRequest } from '../protocol';
import { JOURNAL_HEADER_SIZE, JOURNAL_RECORD_SIZE, journalLastSeq, LiveSim, RejectReason, readClosingStatement } from '../sim';
import { carryBalances, carryList, closingBalances, describeCarry, replayedBalances, staleOpening } from './wallet-carry';

const NO_EVENTS = { onEngineEvent: (): void => undefined };

/** The index of the first closing statement record ('T' code 'S') in a journal's bytes. */
function firstStatement(bytes: Buffer, records: number): number {
  for (let i = 0; i < records; i++) {
    const at = JOURNAL_HEADER_SIZE + i * JOURNAL_RECORD_SIZE + 8;
    if (bytes[at] === 0x54 && bytes[at + 3] === 0x53) return i;
  }
  return -1;
}
const P = 10_000;
const config = loadConfig({ flags: { 'sim.ordersPerSec': 0, 'sim.symbols': 5, 'journal.fsync': true } });

async function until(what: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits until `sim` has applied `records` carry records and its journal holds them durably. */
async function settled(sim: LiveSim, records: number): Promise<void> {
  await until(() => sim.carryState.records === records && sim.core.journal !== null && sim.core.journal.durableSeq >= sim.core.journal.writtenThrough);
}

async function balancesOf(sim: LiveSim, accounts: number[]): Promise<BalanceView[]> {
  return Promise.all(accounts.map((a) => sim.balances(a)));
}

describe('carrying balances into the next session', () => {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-carry-'));
  });

  test('the next session carries every closing balance once; an opening cut short by a crash is completed on restart, nothing twice', async () => {
    // Day 1: two accounts trade; one order is still open at the close (its reservation is released).
    const day1 = path.join(dir, 'day1.journal');
    const a = new LiveSim(config, day1, NO_EVENTS);
    const got: OrderEntryReport[] = [];
    a.onReports((rs) => got.push(...rs));
    a.start();
    a.submit({ kind: 'settings', requestId: 1, account: 7, riskClass: 0, allowShort: false, killSwitch: false });
    a.submit({ kind: 'settings', requestId: 2, account: 8, riskClass: 0, allowShort: false, killSwitch: false });
    a.submit({ kind: 'deposit', requestId: 3, account: 7, locate: 0, amount: 100_000 * P });
    a.submit({ kind: 'deposit', requestId: 4, account: 8, locate: 1, amount: 500 });
    a.submit({ kind: 'deposit', requestId: 5, account: 8, locate: 2, amount: 30 });
    a.submit({ kind: 'new', requestId: 6, account: 8, clientOrderId: 's-1', locate: 1, side: 'S', orderType: 'L', price: 190 * P, shares: 40 });
    a.submit({ kind: 'new', requestId: 7, account: 7, clientOrderId: 'b-1', locate: 1, side: 'B', orderType: 'L', price: 190 * P, shares: 100 });
    await until(() => got.some((r) => r.kind === 'order' && r.requestId === 7));
    const closing = await balancesOf(a, [7, 8]);
    a.stop(true);
    expect(closing[0]).toMatchObject({ cash: (100_000 - 40 * 190) * P, cashReserved: 60 * 190 * P });
    const expected = closingBalances(config, day1);
    // The day ended: its closing statement gives what a replay of the whole day gives.
    expect(readClosingStatement(day1)).not.toBeNull();
    expect(carryList(expected)).toEqual(carryList(replayedBalances(config, day1)));
    const list = carryList(expected);
    // 7: cash and 40 AAPL; 8: cash, the rest of locate 1 and locate 2.
    expect(list).toEqual([
      { account: 7, locate: 0, amount: (100_000 - 40 * 190) * P },
      { account: 7, locate: 1, amount: 40 },
      { account: 8, locate: 0, amount: 40 * 190 * P },
      { account: 8, locate: 1, amount: 460 },
      { account: 8, locate: 2, amount: 30 },
    ]);

    // Day 2: the opening is cut short after two carries (the process is killed).
    fs.utimesSync(day1, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const day2 = path.join(dir, 'day2.journal');
    const b = new LiveSim(config, day2, NO_EVENTS);
    b.start();
    expect(b.carryState).toEqual({ records: 0, total: 0 });
    const first: TransferRequest[] = [];
    const r1 = carryBalances(config, day2, b.carryState, (r) => first.push(r));
    expect(r1).toMatchObject({ previous: day1, total: 5, submitted: 5, mismatch: false, source: 'statement' });
    for (const r of first.slice(0, 2)) b.submit(r);
    await settled(b, 2);
    expect(b.carryState).toEqual({ records: 2, total: 5 });
    b.stop(false);

    // The restart replays the two, carries the other three, and the balances are day 1's closing ones.
    const c = new LiveSim(config, day2, NO_EVENTS);
    c.start();
    expect(c.carryState).toEqual({ records: 2, total: 5 });
    const r2 = carryBalances(config, day2, c.carryState, (r) => c.submit(r));
    expect(r2).toMatchObject({ total: 5, submitted: 3, mismatch: false });
    expect(describeCarry(r2)).toMatch(/^5 balances carried from day1\.journal \(its closing statement, \d+ ms\) \(3 after an interrupted opening\)$/);
    await settled(c, 5);
    expect(c.carryState).toEqual({ records: 5, total: 5 });
    expect(await balancesOf(c, [7, 8])).toEqual(expected.filter((e) => e.account === 7 || e.account === 8));
    // Complete: nothing more, and no journal read (no previous named).
    const again: TransferRequest[] = [];
    expect(carryBalances(config, day2, c.carryState, (r) => again.push(r))).toEqual({ previous: '', total: 5, submitted: 0, mismatch: false, source: '', readMs: 0 });
    expect(again).toHaveLength(0);
    const digest = c.core.trading.stateDigest();
    c.stop(false);

    // A replay of day 2 alone rebuilds the same balances.
    const d = new LiveSim(config, day2, NO_EVENTS);
    d.start(true);
    expect(d.core.trading.stateDigest()).toBe(digest);
    d.stop(false);

    // An opening whose count differs from this node's previous journal carries nothing more.
    const none: TransferRequest[] = [];
    const mismatch = carryBalances(config, day2, { records: 1, total: 9 }, (r) => none.push(r));
    expect(mismatch.mismatch).toBe(true);
    expect(none).toHaveLength(0);
    expect(describeCarry(mismatch)).toMatch(/TW_ERR_CARRY_MISMATCH/);
  });

  test('with nothing to carry, the opening journals one marker, and a restart does not replay the previous journal again', async () => {
    const day1 = path.join(dir, 'day1.journal');
    const a = new LiveSim(config, day1, NO_EVENTS);
    a.start();
    a.stop(true);
    fs.utimesSync(day1, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const day2 = path.join(dir, 'day2.journal');
    const b = new LiveSim(config, day2, NO_EVENTS);
    b.start();
    const r = carryBalances(config, day2, b.carryState, (q) => b.submit(q));
    expect(r).toMatchObject({ previous: day1, total: 0, submitted: 1, source: 'statement' });
    expect(readClosingStatement(day1)).toEqual([]); // the marker: a day with no client balance
    expect(describeCarry(r)).toBe('');
    await settled(b, 1);
    expect(b.carryState).toEqual({ records: 1, total: 0 });
    expect(b.core.engine.rejects.reduce((x, y) => x + y, 0)).toBe(0); // the marker is not a refusal
    b.stop(false);
    const c = new LiveSim(config, day2, NO_EVENTS);
    c.start(true);
    expect(carryBalances(config, day2, c.carryState, () => undefined)).toEqual({ previous: '', total: 0, submitted: 0, mismatch: false, source: '', readMs: 0 });
    c.stop(false);
  });

  /** Day 1 of the first test, shorter: two accounts trade, one order left open. */
  async function tradingDay(file: string, endOfDay: boolean): Promise<number> {
    const a = new LiveSim(config, file, NO_EVENTS);
    const got: OrderEntryReport[] = [];
    a.onReports((rs) => got.push(...rs));
    a.start();
    a.submit({ kind: 'settings', requestId: 1, account: 7, riskClass: 0, allowShort: false, killSwitch: false });
    a.submit({ kind: 'settings', requestId: 2, account: 8, riskClass: 0, allowShort: false, killSwitch: false });
    a.submit({ kind: 'deposit', requestId: 3, account: 7, locate: 0, amount: 100_000 * P });
    a.submit({ kind: 'deposit', requestId: 4, account: 8, locate: 1, amount: 500 });
    a.submit({ kind: 'new', requestId: 5, account: 8, clientOrderId: 's-1', locate: 1, side: 'S', orderType: 'L', price: 190 * P, shares: 40 });
    a.submit({ kind: 'new', requestId: 6, account: 7, clientOrderId: 'b-1', locate: 1, side: 'B', orderType: 'L', price: 190 * P, shares: 100 });
    await until(() => got.some((r) => r.kind === 'order' && r.requestId === 6) && a.core.journal !== null && a.core.journal.durableSeq >= a.core.journal.writtenThrough);
    a.stop(endOfDay);
    return a.balancesThroughSeq;
  }

  test('a day that did not end (killed before its close, or its statement cut short) is replayed instead, to the same balances', async () => {
    const ended = path.join(dir, 'ended.journal');
    await tradingDay(ended, true);
    const want = carryList(closingBalances(config, ended));
    expect(want.length).toBe(4);

    const killed = path.join(dir, 'killed.journal');
    await tradingDay(killed, false);
    expect(readClosingStatement(killed)).toBeNull();
    expect(carryList(closingBalances(config, killed))).toEqual(want);

    // The ended day's journal cut inside its statement (a crash while it was written): no block is complete.
    const records = (fs.statSync(ended).size - JOURNAL_HEADER_SIZE) / JOURNAL_RECORD_SIZE;
    const cut = path.join(dir, 'cut.journal');
    fs.copyFileSync(ended, cut);
    const bytes = fs.readFileSync(ended);
    let statementRecords = 0;
    for (let i = 0; i < records; i++) {
      const at = JOURNAL_HEADER_SIZE + i * JOURNAL_RECORD_SIZE + 8;
      if (bytes[at] === 0x54 && bytes[at + 3] === 0x53) statementRecords++;
    }
    expect(statementRecords).toBe(4); // one line per carried balance here (all four are positive)
    fs.truncateSync(cut, JOURNAL_HEADER_SIZE + (firstStatement(bytes, records) + 2) * JOURNAL_RECORD_SIZE);
    expect(readClosingStatement(cut)).toBeNull();
    expect(carryList(closingBalances(config, cut))).toEqual(want);
  });

  test('a statement that does not match the wallet is refused on replay (TW_REJECT_STATEMENT_MISMATCH) and counted', async () => {
    const file = path.join(dir, 'day.journal');
    await tradingDay(file, true);
    const bytes = fs.readFileSync(file);
    const records = (bytes.length - JOURNAL_HEADER_SIZE) / JOURNAL_RECORD_SIZE;
    const at = JOURNAL_HEADER_SIZE + firstStatement(bytes, records) * JOURNAL_RECORD_SIZE;
    bytes.writeDoubleLE(bytes.readDoubleLE(at + 8 + 32) + 1, at + 8 + 32); // one more than the wallet holds
    bytes.writeUInt32LE(crc32(bytes.subarray(at + 8, at + 8 + 48)) >>> 0, at + 4);
    fs.writeFileSync(file, bytes);
    const sim = new LiveSim(config, file, NO_EVENTS);
    sim.start(true);
    expect(sim.core.engine.rejects[RejectReason.StatementMismatch]).toBe(1);
    expect(sim.core.trading.orders.statementRecords).toBeGreaterThan(0);
    sim.stop(false);
  });

  test("staleOpening: the previous journal must be the session that closed last, to its last record", async () => {
    const day1 = path.join(dir, 'day1.journal');
    const through = await tradingDay(day1, true);
    fs.utimesSync(day1, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const day2 = path.join(dir, 'day2.journal');
    const last = journalLastSeq(day1);
    // The statement's four lines and the closing events come after the last record that moves a balance.
    expect(through).toBeGreaterThan(0);
    expect(last).toBeGreaterThan(through + 4);
    expect(staleOpening(null, day2)).toBe(''); // nothing recorded: a first day, or a day that did not end
    expect(staleOpening({ journal: 'day1.journal', balancesThroughSeq: last }, day2)).toBe('');
    expect(staleOpening({ journal: 'day0.journal', balancesThroughSeq: last }, day2)).toMatch(/closed last is day0\.journal; this node's previous journal is day1\.journal/);
    expect(staleOpening({ journal: 'day1.journal', balancesThroughSeq: last + 5 }, day2)).toMatch(new RegExp(`moved balances through sequence ${last + 5}; this node's copy ends at ${last}`));
    // A standby's copy that lacks only the closing statement and events may open: they move no balance.
    const short = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-carry-short-'));
    fs.copyFileSync(day1, path.join(short, 'day1.journal'));
    fs.truncateSync(path.join(short, 'day1.journal'), JOURNAL_HEADER_SIZE + through * JOURNAL_RECORD_SIZE);
    fs.utimesSync(path.join(short, 'day1.journal'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    expect(journalLastSeq(path.join(short, 'day1.journal'))).toBe(through);
    expect(staleOpening({ journal: 'day1.journal', balancesThroughSeq: through }, path.join(short, 'day2.journal'))).toBe('');
    expect(staleOpening({ journal: 'day1.journal', balancesThroughSeq: through + 1 }, path.join(short, 'day2.journal'))).not.toBe('');
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-carry-none-'));
    expect(staleOpening({ journal: 'day1.journal', balancesThroughSeq: last }, path.join(elsewhere, 'day2.journal'))).toMatch(/has no journal before day2\.journal/);
  });
});
