// The exchange core wired together: event ring, matching engine, journal (recovered
// at start-up) and sequencer.
import * as fs from 'node:fs';
import type { EngineConfig, JournalConfig } from '../config';
import { EngineEventRing, EngineEventRingWriter, type RingFullPolicy } from '../protocol';
import type { Clock } from './clock';
import { readJournal, JournalWriter, type JournalRecovery } from './journal';
import { MatchingEngine } from './matching-engine';
import { Sequencer } from './sequencer';

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
        const engine = this.engine;
        recovery = readJournal(path, (cmds, base) => engine.apply(cmds, base), { repair: true });
        engine.publish();
      }
      this.journal = new JournalWriter(path, this.options.journal, recovery.validBytes);
    }
    this.recovery = recovery;
    this.sequencer = new Sequencer(this.engine, this.options.clock, this.journal, recovery.lastSeq);
    return recovery;
  }

  close(): void {
    this.writer.commit();
    if (this.journal !== null) this.journal.close();
    this.journal = null;
  }
}
