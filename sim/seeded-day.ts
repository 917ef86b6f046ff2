// A seeded trading day on simulated time, its engine events handed to a consumer as they
// come: opening commands, batches of generated orders, closing commands. What tests and
// benchmarks drive a publisher (or anything that reads engine events) with.
import type { TickwireConfig } from '../config';
import { EngineEventRingReader, type EngineEventHandler } from '../protocol';
import { MARKET_OPEN_NS } from './clock';
import { COMMAND_SIZE, CommandBuffer } from './command';
import { drainingCore, ExchangeCore } from './exchange-core';
import { OrderFlowGenerator, type SessionCommand } from './order-flow-generator';
import type { Sequencer } from './sequencer';

export class SeededDay {
  readonly core: ExchangeCore;
  readonly generator: OrderFlowGenerator;
  private readonly sequencer: Sequencer;
  private readonly reader: EngineEventRingReader;
  private readonly handler: EngineEventHandler;
  private readonly cmds: CommandBuffer;
  /** Orders generated so far. */
  orders = 0;

  /** `config.sim` sets the seed, symbols and mix; no journal unless `journalPath` is given. */
  constructor(config: TickwireConfig, handler: EngineEventHandler, journalPath = '') {
    this.handler = handler;
    const { core, reader } = drainingCore(config, handler, journalPath);
    this.core = core;
    this.reader = reader;
    this.sequencer = this.core.sequencer as Sequencer;
    this.generator = OrderFlowGenerator.fromConfig(config, this.core.engine);
    this.cmds = new CommandBuffer(Math.max(config.sim.batchSize, 512));
  }

  /** Start of day (S O, S S, H T per symbol, S Q) at 09:30. */
  open(): void {
    this.session(this.generator.openingCommands(), MARKET_OPEN_NS);
  }

  /** One batch of up to `n` generated orders, matched and handed over. Returns how many. */
  batch(n: number): number {
    const count = Math.min(n, this.cmds.capacity);
    const firstSeq = this.sequencer.nextSeq;
    for (let i = 0; i < count; i++) this.generator.next(this.cmds, i, firstSeq + i);
    this.sequencer.submitBatch(this.cmds, 0, count);
    this.reader.drain(this.handler);
    this.orders += count;
    return count;
  }

  /** `orders` generated orders in batches of `batchSize`. */
  trade(orders: number, batchSize: number): void {
    for (let done = 0; done < orders; ) done += this.batch(Math.min(batchSize, orders - done));
  }

  /** End of day (S M, S E, S C); closes the journal. */
  close(): void {
    this.session(this.generator.closingCommands(), this.generator.timeNs);
    this.core.close();
    this.reader.drain(this.handler);
  }

  private session(list: SessionCommand[], timeNs: number): void {
    list.forEach((c, i) => {
      this.cmds.write(i * COMMAND_SIZE, c.type, 0, 0, c.code, c.locate, 0, 0, 0);
      this.cmds.stamp(i * COMMAND_SIZE, 0, timeNs);
    });
    this.sequencer.submitBatch(this.cmds, 0, list.length);
    this.reader.drain(this.handler);
  }
}
