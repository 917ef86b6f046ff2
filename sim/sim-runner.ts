// Headless runs of the exchange core: a seeded run of N orders, and the replay of a
// journal. Both print the SHA-256 of the engine event stream, so a run and its replay
// (or two runs with one seed) can be compared.
import * as fs from 'node:fs';
import type { TickwireConfig } from '../config';
import { EngineEventRingReader } from '../protocol';
import { MARKET_OPEN_NS } from './clock';
import { COMMAND_SIZE, CommandBuffer, CommandType } from './command';
import { JournalIoError, REJECT_CODES } from './errors';
import { EventDigest } from './event-digest';
import { ExchangeCore } from './exchange-core';
import { readJournal } from './journal';
import type { MatchingEngine } from './matching-engine';
import type { TradingCore } from './trading-core';
import { OrderFlowGenerator } from './order-flow-generator';

export interface SimFigures {
  seed: number | null;
  orders: number;
  commands: number;
  seconds: number;
  ordersPerSec: number;
  events: number;
  executions: number;
  restingOrders: number;
  rejects: Record<string, number>;
  journalRecords: number;
  eventsSha256: string;
  /** SHA-256 of the trading core: books, client orders, balances, reservations, settings. */
  stateSha256: string;
  /** Client accounts the journal's transfers and settings made. */
  clientAccounts: number;
  /** Client orders open at the end. */
  clientOrdersOpen: number;
}

export interface ProgressSink {
  progress(done: number, total: number): void;
}

function rejectsOf(engine: MatchingEngine): Record<string, number> {
  const out: Record<string, number> = {};
  engine.rejects.forEach((n, i) => {
    if (i > 0 && n > 0) out[REJECT_CODES[i]] = n;
  });
  return out;
}

function figuresOf(
  seed: number | null,
  orders: number,
  startedMs: number,
  trading: TradingCore,
  digest: EventDigest,
  journalRecords: number,
): SimFigures {
  const engine = trading.engine;
  const seconds = (performance.now() - startedMs) / 1000;
  return {
    seed,
    orders,
    commands: engine.commands,
    seconds,
    ordersPerSec: Math.round(orders / seconds),
    events: digest.events,
    executions: digest.executions,
    restingOrders: engine.restingOrders,
    rejects: rejectsOf(engine),
    journalRecords,
    eventsSha256: digest.digest(),
    stateSha256: trading.stateDigest(),
    clientAccounts: trading.wallet.accounts - 1,
    clientOrdersOpen: trading.orders.openOrders,
  };
}

/** An exchange core on simulated time whose events are digested as they come. */
export function digestingCore(config: TickwireConfig, journalPath: string): { core: ExchangeCore; digest: EventDigest } {
  const holder: { digest: EventDigest | null } = { digest: null };
  const core = new ExchangeCore({
    symbols: config.sim.symbols,
    engine: config.engine,
    journal: { ...config.journal, path: journalPath },
    clock: null,
    ringFullPolicy: { onRingFull: () => holder.digest?.drain() },
  });
  const digest = new EventDigest(new EngineEventRingReader(core.ring));
  holder.digest = digest;
  return { core, digest };
}

/** Replaces {date} in a journal path template. */
export function journalPathFor(template: string, date: string): string {
  return template.replace(/\{date\}/g, date);
}

/**
 * Runs `orders` generated orders as fast as possible with simulated time, opening and
 * closing the day around them. With `journalPath` the commands are journaled.
 */
export function runSeededSim(config: TickwireConfig, orders: number, journalPath: string, progress?: ProgressSink): SimFigures {
  if (journalPath !== '' && fs.existsSync(journalPath) && fs.statSync(journalPath).size > 0) {
    throw new JournalIoError(journalPath, 'a journal already exists there; replay it with --replay, or choose another path');
  }
  const { core, digest } = digestingCore(config, journalPath);
  core.start();
  const sequencer = core.sequencer as NonNullable<typeof core.sequencer>;
  const engine = core.engine;
  const generator = OrderFlowGenerator.fromConfig(config, engine);
  const batch = config.sim.batchSize;
  const cmds = new CommandBuffer(Math.max(batch, 256));

  const submitSession = (list: Array<{ type: number; code: number; locate: number }>, timeNs: number): void => {
    list.forEach((c, i) => {
      cmds.write(i * COMMAND_SIZE, c.type, 0, 0, c.code, c.locate, 0, 0, 0);
      cmds.stamp(i * COMMAND_SIZE, 0, timeNs);
    });
    sequencer.submitBatch(cmds, 0, list.length);
  };

  const started = performance.now();
  submitSession(generator.openingCommands(), MARKET_OPEN_NS);
  let done = 0;
  while (done < orders) {
    const n = Math.min(batch, orders - done);
    const firstSeq = sequencer.nextSeq;
    for (let i = 0; i < n; i++) generator.next(cmds, i, firstSeq + i);
    sequencer.submitBatch(cmds, 0, n);
    done += n;
    digest.drain();
    if (progress && (done & 0xffff) < n) progress.progress(done, orders);
  }
  submitSession(generator.closingCommands(), generator.timeNs);
  core.close();
  return figuresOf(config.sim.seed, orders, started, core.trading, digest, journalPath === '' ? 0 : engine.commands);
}

/** Replays a journal (read-only) through a fresh trading core (order manager + engine) and digests its events. */
export function replayJournal(config: TickwireConfig, journalPath: string): SimFigures {
  if (!fs.existsSync(journalPath)) throw new JournalIoError(journalPath, 'no such journal');
  const { core, digest } = digestingCore(config, '');
  const trading = core.trading;
  const started = performance.now();
  let orders = 0;
  const recovery = readJournal(
    journalPath,
    (cmds, base) => {
      const t = cmds.type(base);
      if (t === CommandType.NewOrder || t === CommandType.Cancel || t === CommandType.Replace) orders++;
      trading.apply(cmds, base);
    },
    { repair: false },
  );
  trading.publish();
  return figuresOf(null, orders, started, trading, digest, recovery.records);
}
