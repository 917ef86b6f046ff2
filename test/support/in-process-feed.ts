// A publisher on real sockets in this process, for feed handler tests: the exchange core on
// a seeded day (sim/SeededDay, simulated time) paced by a timer, PublisherService onto the
// two multicast lines, the rewinder and the snapshot server on free ports.
import { configSchema, type TickwireConfig } from '../../config';
import { publisherServiceFromConfig, Rewinder, rewinderOptions, SnapshotServer, snapshotServerOptions, type PublisherService } from '../../publisher';
import { SeededDay } from '../../sim';

export const SESSION_DATE = '2024-03-08';

export interface InProcessFeedOptions {
  seed: number;
  symbols: number;
  lineA: { group: string; port: number };
  lineB: { group: string; port: number };
  /** Simulated orders a second (sim.ordersPerSec): sets how much simulated time a batch covers (candles). */
  simOrdersPerSec?: number;
  /** publisher.rewinder overrides (port 0 by default). */
  rewinder?: Record<string, number | string>;
}

export class InProcessFeed {
  readonly config: TickwireConfig;
  readonly service: PublisherService;
  readonly rewinder: Rewinder;
  readonly snapshot: SnapshotServer;
  readonly day: SeededDay;
  rewinderPort = 0;
  snapshotPort = 0;
  private timer: NodeJS.Timeout | null = null;
  private closedDay = false;

  private constructor(options: InProcessFeedOptions) {
    this.config = configSchema.parse({
      sim: { seed: options.seed, symbols: options.symbols, ...(options.simOrdersPerSec === undefined ? {} : { ordersPerSec: options.simOrdersPerSec }) },
      journal: { path: '' },
      publisher: {
        lineA: options.lineA,
        lineB: options.lineB,
        rewinder: { port: 0, ...options.rewinder },
        snapshot: { port: 0 },
        heartbeatIntervalMs: 200,
        endOfSessionRepeats: 3,
        endOfSessionIntervalMs: 50,
      },
    });
    this.service = publisherServiceFromConfig(this.config, SESSION_DATE);
    this.rewinder = new Rewinder(rewinderOptions(this.config, this.service.publisher));
    this.snapshot = new SnapshotServer(snapshotServerOptions(this.config, this.service.publisher));
    this.day = new SeededDay(this.config, this.service);
  }

  static async start(options: InProcessFeedOptions): Promise<InProcessFeed> {
    const feed = new InProcessFeed(options);
    await feed.service.open();
    feed.rewinderPort = await feed.rewinder.start();
    feed.snapshotPort = await feed.snapshot.start();
    return feed;
  }

  /** Start of day (S O, S S, R and H per symbol, S Q). */
  openDay(): void {
    this.day.open();
  }

  get session(): string {
    return this.service.publisher.session;
  }

  /** The last sequence published. */
  get lastSequence(): number {
    return this.service.publisher.nextSequence - 1;
  }

  /** Trades at `ordersPerSec` (in batches every 5 ms) for `seconds`. */
  async trade(ordersPerSec: number, seconds: number): Promise<void> {
    const perTick = Math.max(1, Math.round((ordersPerSec * 5) / 1000));
    const ticks = Math.round((seconds * 1000) / 5);
    let done = 0;
    await new Promise<void>((resolve) => {
      this.timer = setInterval(() => {
        this.day.batch(perTick);
        if (++done >= ticks) {
          if (this.timer !== null) clearInterval(this.timer);
          this.timer = null;
          resolve();
        }
      }, 5);
    });
  }

  /** Ends the day: S M, S E, S C, end of session repeated; the lines close. The rewinder and snapshot stay up. */
  async endDay(): Promise<void> {
    if (this.closedDay) return;
    this.closedDay = true;
    this.day.close();
    await this.service.finish();
  }

  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    if (!this.closedDay) {
      this.closedDay = true;
      await this.service.finish();
    }
    await this.rewinder.close();
    await this.snapshot.close();
  }
}
