// The exchange core at a live pace: orders generated against the wall clock at the
// configured average rate, shaped by the intraday U curve, journaled and matched in
// small batches from a timer. Used by `tickwire run`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TickwireConfig } from '../config';
import { EngineEventRingReader, type EngineEventHandler, type EngineEventRing, type RingFullPolicy } from '../protocol';
import { SystemClock } from './clock';
import { COMMAND_SIZE, CommandBuffer } from './command';
import { ExchangeCore } from './exchange-core';
import type { JournalRecovery } from './journal';
import { OrderFlowGenerator } from './order-flow-generator';
import { journalPathFor } from './sim-runner';

export interface LiveSimStatus {
  orders: number;
  events: number;
  executions: number;
  restingOrders: number;
  rejects: number;
  ordersPerSec: number;
  journalPath: string;
  recovered: JournalRecovery | null;
}

/**
 * The journal for today's session: the template's path, or, when that session already
 * ended (a clean shutdown sends end of messages), the next free `-N` suffix.
 */
export function sessionJournalPath(template: string, date: string, ended: (p: string) => boolean): string {
  const first = journalPathFor(template, date);
  if (first === '') return '';
  const ext = path.extname(first);
  const stem = first.slice(0, first.length - ext.length);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? first : `${stem}-${n}${ext}`;
    if (!fs.existsSync(candidate) || !ended(candidate)) return candidate;
  }
}

export class LiveSim {
  readonly core: ExchangeCore;
  readonly generator: OrderFlowGenerator;
  readonly reader: EngineEventRingReader;
  private readonly config: TickwireConfig;
  private readonly cmds: CommandBuffer;
  /** Null: the consumer is another thread reading `ring` (events are committed, not drained). */
  private readonly handler: EngineEventHandler | null;
  private timer: NodeJS.Timeout | null = null;
  private due = 0;
  private lastTickMs = 0;
  private readonly clock = new SystemClock();
  orders = 0;
  events = 0;
  private rateWindow: number[] = [];

  /**
   * `handler` receives every engine event in this loop (the publisher); events are released
   * after it. With `handler` null, `ring` is shared with a consumer thread: events are
   * committed to it, and a full ring waits for that thread.
   */
  constructor(config: TickwireConfig, journalPath: string, handler: EngineEventHandler | null, ring?: EngineEventRing) {
    this.config = config;
    this.handler = handler;
    const drainPolicy: RingFullPolicy = { onRingFull: () => this.drainEvents() };
    this.core = new ExchangeCore({
      symbols: config.sim.symbols,
      engine: config.engine,
      journal: { ...config.journal, path: journalPath },
      clock: this.clock,
      ring,
      ringFullPolicy: handler === null ? null : drainPolicy,
    });
    this.reader = new EngineEventRingReader(this.core.ring);
    this.generator = OrderFlowGenerator.fromConfig(config, this.core.engine);
    this.cmds = new CommandBuffer(Math.max(256, config.sim.batchSize));
  }

  /**
   * Recovers the journal, opens the day if it is new, and starts generating (unless
   * `paused`: then `resume()` starts it, after the consumer has taken the replay).
   */
  start(paused = false): JournalRecovery {
    const recovery = this.core.start();
    const engine = this.core.engine;
    this.drainEvents();
    if (recovery.records === 0) {
      this.submitSession(this.generator.openingCommands());
    } else {
      // The generator cancels and replaces only the house's own orders.
      engine.forEachRestingOrder((o) => {
        if (o.account === 0) this.generator.remember(o.ref, o.locate, o.side === 'B' ? 0x42 : 0x53);
      });
    }
    if (!paused) this.resume();
    return recovery;
  }

  /** Starts generating orders at the configured pace. */
  resume(): void {
    if (this.timer !== null) return;
    this.lastTickMs = performance.now();
    this.timer = setInterval(() => this.tick(), 1);
  }

  private submitSession(list: Array<{ type: number; code: number; locate: number }>): void {
    const sequencer = this.core.sequencer as NonNullable<ExchangeCore['sequencer']>;
    list.forEach((c, i) => this.cmds.write(i * COMMAND_SIZE, c.type, 0, 0, c.code, c.locate, 0, 0, 0));
    sequencer.submitBatch(this.cmds, 0, list.length);
    this.drainEvents();
  }

  private tick(): void {
    const now = performance.now();
    const rate = this.config.sim.ordersPerSec * this.generator.intensity(this.clock.nowNs());
    this.due += ((now - this.lastTickMs) / 1000) * rate;
    this.lastTickMs = now;
    const sequencer = this.core.sequencer as NonNullable<ExchangeCore['sequencer']>;
    const limit = this.config.sim.orders;
    while (this.due >= 1) {
      let n = Math.min(Math.floor(this.due), this.cmds.capacity);
      if (limit > 0) n = Math.min(n, limit - this.orders);
      if (n <= 0) break;
      const firstSeq = sequencer.nextSeq;
      for (let i = 0; i < n; i++) this.generator.next(this.cmds, i, firstSeq + i);
      sequencer.submitBatch(this.cmds, 0, n);
      this.due -= n;
      this.orders += n;
      this.drainEvents();
    }
    if (limit > 0 && this.orders >= limit) this.due = 0;
    // Under the 'interval' policy, records buffered in a quiet spell still go out on time.
    this.core.journal?.endBatch();
  }

  private drainEvents(): void {
    if (this.handler !== null) this.events += this.reader.drain(this.handler);
    else {
      this.core.writer.commit();
      this.events = this.core.engine.lastEventSeq;
    }
  }

  /** Orders per second over the last few samples (call once a second). */
  sampleRate(): number {
    this.rateWindow.push(this.orders);
    if (this.rateWindow.length > 6) this.rateWindow.shift();
    const w = this.rateWindow;
    return w.length < 2 ? 0 : (w[w.length - 1] - w[0]) / (w.length - 1);
  }

  status(ordersPerSec: number): LiveSimStatus {
    const engine = this.core.engine;
    let rejects = 0;
    engine.rejects.forEach((n) => (rejects += n));
    return {
      orders: this.orders,
      events: this.events,
      executions: engine.executions,
      restingOrders: engine.restingOrders,
      rejects,
      ordersPerSec,
      journalPath: this.core.journal?.path ?? '',
      recovered: this.core.recovery,
    };
  }

  /** Ends the day (end of market hours, of system hours, of messages) and closes the journal. */
  stop(endOfDay: boolean): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (endOfDay) this.submitSession(this.generator.closingCommands());
    this.drainEvents();
    this.core.close();
  }
}
