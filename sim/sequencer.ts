// The sequencer stamps each command with the next inbound sequence number and the
// time, journals it, and hands it to the engine: a batch is written to the journal
// before the engine sees any of it (write-ahead), so every published event is backed
// by a journaled command under the 'batch' flush policy.

import type { Clock } from './clock';
import type { CommandBuffer } from './command';
import { COMMAND_SIZE } from './command';
import type { RejectReason } from './errors';
import type { JournalWriter } from './journal';
import type { CommandApplier } from './trading-core';

const CMD_SIZE = COMMAND_SIZE; // a module-local copy: the import is read per command

export class Sequencer {
  private next: number;
  private readonly clock: Clock | null;
  private readonly journal: JournalWriter | null;
  private readonly engine: CommandApplier;

  /**
   * `engine`: the trading core (order manager + engine), or a bare MatchingEngine where no
   * client trades. With `clock` null, commands keep the time they carry (simulated or recorded flow).
   */
  constructor(engine: CommandApplier, clock: Clock | null, journal: JournalWriter | null, lastSeq = 0) {
    this.engine = engine;
    this.clock = clock;
    this.journal = journal;
    this.next = lastSeq + 1;
  }

  /** The inbound sequence number the next command will get. */
  get nextSeq(): number {
    return this.next;
  }

  /** Sequences, journals and applies `count` commands from `cmds` starting at record `first`. */
  submitBatch(cmds: CommandBuffer, first: number, count: number): void {
    const journal = this.journal;
    for (let i = 0; i < count; i++) {
      const base = (first + i) * CMD_SIZE;
      cmds.stamp(base, this.next++, this.clock === null ? cmds.timestampNs(base) : this.clock.nowNs());
      if (journal !== null) journal.append(cmds, base);
    }
    if (journal !== null) journal.endBatch();
    const engine = this.engine;
    for (let i = 0; i < count; i++) engine.apply(cmds, (first + i) * CMD_SIZE);
    engine.publish();
  }

  /** Sequences, journals and applies one command; returns the engine's verdict. */
  submit(cmds: CommandBuffer, base: number): RejectReason {
    cmds.stamp(base, this.next++, this.clock === null ? cmds.timestampNs(base) : this.clock.nowNs());
    if (this.journal !== null) {
      this.journal.append(cmds, base);
      this.journal.endBatch();
    }
    const reason = this.engine.apply(cmds, base);
    this.engine.publish();
    return reason;
  }
}
