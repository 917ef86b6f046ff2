// bench/carry.ts: how long a new session waits for its opening balances. One seeded day is
// journaled through a real exchange core (sequencer, journal, order manager, engine):
// TW_BENCH_CARRY_ACCOUNTS (1,000) client accounts opened and funded, then
// TW_BENCH_CARRY_ORDERS (5,000,000) generated orders handed to them (sim/client-flow.ts),
// then the day's end as LiveSim.stop(true) writes it: the closing statement, the closing
// events. The next session's carry is then read both ways, alternately, from the same file:
//  - `statementReadMs`: the closing statement from the journal's tail (what a session does
//    when the day before ended);
//  - `replayMs`: the whole journal replayed through a fresh core (what it did before, and
//    still does after a day that did not end).
// `sameBalances` says both give the same carry list. Figures: medians over
// TW_BENCH_CARRY_RUNS (3) of each; `replayMsPerMillionRecords`, and the design basis's day
// (a billion orders) at that rate, beside them. The last line printed is one JSON object.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../config';
import type { EngineEventHandler } from '../protocol';
import { carryList, replayedBalances } from '../runtime';
import {
  ClientFlow,
  COMMAND_SIZE,
  CommandBuffer,
  drainingCore,
  JOURNAL_RECORD_SIZE,
  OrderFlowGenerator,
  readClosingStatement,
  riskLimitsOf,
  statementLines,
  TransferCode,
  writeStatement,
} from '../sim';
import { median } from './stats';

const SEED = Number(process.env.TW_SEED ?? 20261208);
const ORDERS = Number(process.env.TW_BENCH_CARRY_ORDERS ?? 5_000_000);
const ACCOUNTS = Number(process.env.TW_BENCH_CARRY_ACCOUNTS ?? 1_000);
const RUNS = Number(process.env.TW_BENCH_CARRY_RUNS ?? 3);
const SYMBOLS = 100;
const BATCH = 256;
const P = 10_000;

const config = loadConfig({ flags: { 'sim.seed': SEED, 'sim.symbols': SYMBOLS, 'sim.ordersPerSec': 0, 'journal.fsync': false } });
const NO_EVENTS: EngineEventHandler = { onEngineEvent: () => undefined };

/** Journals the day to `file`; returns its record count and the statement's length. */
function journalDay(file: string): { records: number; statementRecords: number } {
  const { core, reader } = drainingCore(config, NO_EVENTS, file);
  const sequencer = core.sequencer;
  if (sequencer === null) throw new Error('bench:carry: the core has no sequencer');
  const cmds = new CommandBuffer(BATCH);
  let seq = 1;
  let n = 0;
  const flush = (): void => {
    if (n === 0) return;
    sequencer.submitBatch(cmds, 0, n);
    reader.drain(NO_EVENTS);
    seq += n;
    n = 0;
  };
  const next = (): number => {
    if (n === BATCH) flush();
    return n++ * COMMAND_SIZE;
  };
  const generator = OrderFlowGenerator.fromConfig(config, core.engine);
  for (const c of generator.openingCommands()) cmds.write(next(), c.type, 0, 0, c.code, c.locate, 0, 0, 0);
  const limits = riskLimitsOf(config.orderEntry.riskClasses[1]);
  for (let a = 1; a <= ACCOUNTS; a++) {
    cmds.writeSettings(next(), a, 1, false, false, limits);
    cmds.writeTransfer(next(), TransferCode.Deposit, a, 0, 1e7 * P);
    for (let l = 1 + (a % 10); l <= SYMBOLS; l += 10) cmds.writeTransfer(next(), TransferCode.Deposit, a, l, 1_000_000);
  }
  flush();
  const flow = new ClientFlow(SEED, ACCOUNTS);
  for (let i = 0; i < ORDERS; i++) {
    const base = next();
    generator.next(cmds, base / COMMAND_SIZE, seq + n - 1);
    flow.assign(cmds, base, seq + n - 1);
  }
  flush();
  // The day's end as LiveSim.stop(true) journals it.
  const lines = statementLines(core.trading.wallet);
  let from = 0;
  do {
    const k = writeStatement(cmds, lines, from, BATCH);
    n = k;
    flush();
    from += k;
  } while (from < lines.length);
  for (const c of generator.closingCommands()) cmds.write(next(), c.type, 0, 0, c.code, c.locate, 0, 0, 0);
  flush();
  core.close();
  return { records: seq - 1, statementRecords: Math.max(1, lines.length) };
}


function main(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-bench-carry-'));
  const file = path.join(dir, 'day.journal');
  try {
    const started = performance.now();
    const { records, statementRecords } = journalDay(file);
    const journalSeconds = (performance.now() - started) / 1000;
    const statementMs: number[] = [];
    const replayMs: number[] = [];
    let same = true;
    let balances = 0;
    for (let r = 0; r < RUNS; r++) {
      let t = performance.now();
      const fromStatement = readClosingStatement(file);
      statementMs.push(performance.now() - t);
      t = performance.now();
      const replayed = replayedBalances(config, file);
      replayMs.push(performance.now() - t);
      const a = JSON.stringify(carryList(fromStatement ?? []));
      same = same && fromStatement !== null && a === JSON.stringify(carryList(replayed));
      balances = carryList(replayed).length;
      process.stderr.write(`run ${r + 1}/${RUNS}: statement ${statementMs[r].toFixed(1)} ms, replay ${Math.round(replayMs[r])} ms\n`);
    }
    const statement = median(statementMs);
    const replay = median(replayMs);
    const perMillion = (replay / records) * 1e6;
    console.log(
      JSON.stringify({
        bench: 'carry',
        orders: ORDERS,
        accounts: ACCOUNTS,
        records,
        journalBytes: fs.statSync(file).size,
        journalSeconds: Number(journalSeconds.toFixed(1)),
        balances,
        statementRecords,
        statementReadMs: Number(statement.toFixed(2)),
        replayMs: Math.round(replay),
        replayOverStatement: Math.round(replay / statement),
        replayMsPerMillionRecords: Math.round(perMillion),
        // A billion records: a thousand millions, at perMillion ms each, in seconds.
        replaySecondsAtBillionRecords: Math.round(perMillion),
        sameBalances: same,
        runs: RUNS,
        recordBytes: JOURNAL_RECORD_SIZE,
        seed: SEED,
        cpu: os.cpus()[0]?.model ?? 'unknown',
        node: process.version,
      }),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
