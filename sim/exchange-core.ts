// The exchange core wired together: event ring, matching engine behind the order manager
// (the trading core), journal (recovered at start-up) and sequencer.
import * as fs from 'node:fs';
import type { EngineConfig, JournalConfig, TickwireConfig } from '../config';
import { EngineEventRing, EngineEventRingReader, EngineEventRingWriter, type EngineEventHandler, type RingFullPolicy } from '../protocol';
import type { Clock } from './clock';
import { readJournal, JournalWriter, type JournalRecovery } from './journal';
import { MatchingEngine } from './matching-engine';
import { Sequencer } from './sequencer';
import { TradingCore } from './trading-core';

export interface ExchangeCoreOptions {
  symbols: number;
  engine: EngineConfig;
  /** Journal settings with the path resolved; path '' runs without a journal. */
  journal: JournalConfig;
  /** Null: commands keep the time they carry (simulated flow). */
  clock: Clock | null;
  /** An existing ring (shared with a consumer thread); one is made otherwise. */
  ring?: EngineEventRing;
  /** What the engine does when the ring is full; default waits for the consumer thread. */
  ringFullPolicy?: RingFullPolicy | null;
}

export class ExchangeCore {
  readonly ring: EngineEventRing;
  readonly writer: EngineEventRingWriter;
  readonly engine: MatchingEngine;
  /** Order manager, risk checks and wallet in front of `engine`: everything applies commands through it. */
  readonly trading: TradingCore;
  private readonly options: ExchangeCoreOptions;
  journal: JournalWriter | null = null;
  sequencer: Sequencer | null = null;
  recovery: JournalRecovery | null = null;

  constructor(options: ExchangeCoreOptions) {
    this.options = options;
    this.ring = options.ring ?? EngineEventRing.create(options.engine.ringCapacity);
    this.writer = new EngineEventRingWriter(this.ring, options.ringFullPolicy ?? null);
    this.engine = new MatchingEngine(
      {
        symbols: options.symbols,
        orderCapacity: options.engine.orderCapacity,
        levelCapacity: options.engine.levelCapacity,
        maxOrderShares: options.engine.maxOrderShares,
        tickSize: options.engine.tickSize,
      },
      this.writer,
    );
    this.trading = new TradingCore(this.engine, { tickSize: options.engine.tickSize, maxOrderShares: options.engine.maxOrderShares });
  }

  /**
   * Replays the journal (if any) into the engine, truncating a torn tail, then opens it
   * for append and makes the sequencer continue from the last inbound sequence. The
   * replayed commands' events go to the ring like live ones: a consumer rebuilds from them.
   */
  start(): JournalRecovery {
    const path = this.options.journal.path;
    let recovery: JournalRecovery = { records: 0, lastSeq: 0, validBytes: 0, truncatedBytes: 0, tornDetail: '' };
    if (path !== '') {
      if (fs.existsSync(path)) {
        const trading = this.trading;
        recovery = readJournal(path, (cmds, base) => void trading.apply(cmds, base), { repair: true });
        trading.publish();
      }
      this.journal = new JournalWriter(path, this.options.journal, recovery.validBytes);
      this.journal.markRecovered(recovery.lastSeq);
    }
    this.recovery = recovery;
    this.sequencer = new Sequencer(this.trading, this.options.clock, this.journal, recovery.lastSeq);
    return recovery;
  }

  /**
   * The sequencer continues after the journal's last record: a hot standby (ha/) whose
   * journal grew by replication becomes the primary.
   */
  resequence(): void {
    const last = this.journal?.writtenThrough ?? this.sequencer?.nextSeq ?? 1;
    this.sequencer = new Sequencer(this.trading, this.options.clock, this.journal, this.journal === null ? last - 1 : last);
  }

  close(): void {
    this.writer.commit();
    if (this.journal !== null) this.journal.close();
    this.journal = null;
  }
}

/**
 * A started core on simulated time (commands keep the time they carry) whose events go to
 * `handler` in this thread: a full ring is drained into it, and the caller drains the rest
 * after each batch with `reader`. Replays, seeded days, re-encoders. No journal unless
 * `journalPath` is given.
 */
export function drainingCore(config: TickwireConfig, handler: EngineEventHandler, journalPath = ''): { core: ExchangeCore; reader: EngineEventRingReader } {
  const holder: { reader: EngineEventRingReader | null } = { reader: null };
  const core = new ExchangeCore({
    symbols: config.sim.symbols,
    engine: config.engine,
    journal: { ...config.journal, path: journalPath },
    clock: null,
    ringFullPolicy: { onRingFull: () => holder.reader?.drain(handler) },
  });
  const reader = new EngineEventRingReader(core.ring);
  holder.reader = reader;
  core.start();
  return { core, reader };
}
