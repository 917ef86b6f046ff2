// The PublisherService's hand-off from the engine's loop: a part-filled packet goes out when
// the engine's turn ends (endOfBatch, which LiveSim calls after each tick), not only at the
// setImmediate its first message armed. The lines are muted (never opened): packets are
// counted, not sent.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { configSchema } from '../config';
import type { EngineEventView } from '../protocol';
import { LiveSim, SeededDay } from '../sim';
import { FeedPublisher, feedLinesFromConfig, feedPublisherOptions, PublisherService } from './index';

const SESSION_DATE = '2024-03-08';
const SEED = Number(process.env.TW_SEED ?? 5);

function mutedService(ordersPerSec: number): { service: PublisherService; config: ReturnType<typeof configSchema.parse> } {
  const config = configSchema.parse({ sim: { seed: SEED, symbols: 8, ordersPerSec, intradayPeakRatio: 1 } });
  const lines = feedLinesFromConfig(config);
  lines.muted = true;
  const publisher = new FeedPublisher(feedPublisherOptions(config, SESSION_DATE, lines));
  return { service: new PublisherService({ publisher, lines }), config };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('PublisherService hand-off', () => {
  test(`endOfBatch sends the part-filled packet at once; the armed setImmediate then finds nothing to send (seed ${SEED})`, async () => {
    const { service, config } = mutedService(1000);
    const day = new SeededDay(config, service);
    day.open();
    service.endOfBatch();
    await nextTurn();
    const p = service.publisher;
    day.batch(3);
    expect(p.pendingCount).toBeGreaterThan(0);
    const packets = service.lines.mutedPackets;
    const flushes = service.timedFlushes;
    service.endOfBatch();
    expect(p.pendingCount).toBe(0);
    expect(service.lines.mutedPackets).toBe(packets + 1);
    expect(service.timedFlushes).toBe(flushes + 1);
    await nextTurn();
    expect(service.lines.mutedPackets).toBe(packets + 1);
    // Nothing pending: another end of turn sends nothing.
    service.endOfBatch();
    expect(service.lines.mutedPackets).toBe(packets + 1);
    day.close();
    await service.lines.close(100);
  });

  test(`LiveSim ends every tick's turn with the publisher holding no part-filled packet (seed ${SEED})`, async () => {
    const { service, config } = mutedService(20_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-pub-turn-'));
    let turns = 0;
    let heldAtTurnEnd = 0;
    const handler = {
      onEngineEvent: (view: EngineEventView, base: number): void => service.onEngineEvent(view, base),
      endOfBatch: (): void => {
        service.endOfBatch();
        turns++;
        if (service.publisher.pendingCount !== 0) heldAtTurnEnd++;
      },
    };
    const live = new LiveSim({ ...config, journal: { ...config.journal, fsync: false } }, path.join(dir, 'day.journal'), handler);
    try {
      live.start();
      const until = Date.now() + 5000;
      while ((turns < 20 || live.orders < 100) && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
      expect(turns).toBeGreaterThanOrEqual(20);
      expect(heldAtTurnEnd).toBe(0);
      expect(service.publisher.packetsSent).toBeGreaterThan(0);
    } finally {
      live.stop(false);
      await service.lines.close(100);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
