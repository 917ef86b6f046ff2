// The publisher as a running service: the FeedPublisher (engine events to packets) on the
// feed lines, with the timers issue 4 asks for. It is the engine's event handler, so it
// runs in the engine's own loop (the setting for few cores):
// - maxDelayUs: a part-filled packet is flushed when the engine has handed over a batch
//   (`endOfBatch()`, which LiveSim calls after each batch of a tick), else at the latest
//   when the current macrotask ends (setImmediate, armed by the first pending message), and
//   within a long batch when a check every 16 events finds the first pending message older
//   than maxDelayUs. The delay achieved is measured
//   (`maxPacketDelayUs`, `lateFlushes`) rather than promised: it cannot be shorter than
//   the work between two events, and timers in Node wake no more often than every 1 ms.
// - heartbeats after heartbeatIntervalMs with no packet (count 0, next expected sequence);
// - end of session repeated endOfSessionRepeats times, endOfSessionIntervalMs apart, after
//   the one the publisher sends right after S C.

import type { TickwireConfig } from '../config';
import type { EngineEventHandler, EngineEventView } from '../protocol';
import { FeedLines } from './feed-lines';
import { FeedPublisher, feedPublisherOptions } from './feed-publisher';

/**
 * Where each packet's delay goes, in whole microseconds: from the moment its first message
 * entered the empty packet to the moment the packet was handed to the lines (the call into
 * `FeedLines.sendPacket` returned; unpaced, that call is the socket send). An
 * hdr-histogram-js `Histogram` is one. Called once per packet; it must not allocate.
 */
export interface PacketDelayRecorder {
  recordValue(us: number): void;
}

export interface PublisherServiceOptions {
  publisher: FeedPublisher;
  lines: FeedLines;
  /** Longest a message should wait in a part-filled packet (default 100). */
  maxDelayUs?: number;
  /** Heartbeat after this long without a packet (default 1,000). */
  heartbeatIntervalMs?: number;
  /** End-of-session packets after the first (default 3). */
  endOfSessionRepeats?: number;
  /** Gap between them (default 1,000). */
  endOfSessionIntervalMs?: number;
  /** Every packet's delay (benchmarks); absent: only `maxPacketDelayUs` and `lateFlushes` are kept. */
  delayRecorder?: PacketDelayRecorder | null;
}

/** Events between two clock reads for the maxDelayUs check (a clock read costs ~40 ns). */
const DELAY_CHECK_MASK = 15;

export class PublisherService implements EngineEventHandler {
  readonly publisher: FeedPublisher;
  readonly lines: FeedLines;
  readonly maxDelayUs: number;
  readonly heartbeatIntervalMs: number;
  readonly endOfSessionRepeats: number;
  readonly endOfSessionIntervalMs: number;
  /** Heartbeats sent. */
  heartbeats = 0;
  /** End-of-session packets sent by finish() (after the publisher's own first one). */
  endOfSessionRepeatsSent = 0;
  /** Packets sent because of the maxDelayUs bound or the end of a macrotask. */
  timedFlushes = 0;
  /** Packets whose first message waited longer than maxDelayUs. */
  lateFlushes = 0;
  /** Longest wait of a first message before its packet went out, microseconds. */
  maxPacketDelayUs = 0;

  private readonly maxDelayMs: number;
  private readonly delayRecorder: PacketDelayRecorder | null;
  private firstPendingMs = 0;
  private packetsSeen = 0;
  private eventCount = 0;
  private flushScheduled = false;
  private readonly flushFromImmediate = (): void => {
    this.flushScheduled = false;
    this.timedFlush();
  };
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private lastActivityMs = 0;
  private packetsAtCheck = -1;
  private finished = false;

  constructor(options: PublisherServiceOptions) {
    this.publisher = options.publisher;
    this.lines = options.lines;
    this.maxDelayUs = options.maxDelayUs ?? 100;
    this.maxDelayMs = this.maxDelayUs / 1000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1000;
    this.endOfSessionRepeats = options.endOfSessionRepeats ?? 3;
    this.endOfSessionIntervalMs = options.endOfSessionIntervalMs ?? 1000;
    this.delayRecorder = options.delayRecorder ?? null;
  }

  /** Opens the lines (TW_ERR_PUB_LINE_SETUP if they cannot be) and starts the heartbeat timer. */
  async open(): Promise<void> {
    await this.lines.open();
    this.lastActivityMs = performance.now();
    // Checked a few times per interval so an idle line hears a heartbeat within ~1.25 intervals.
    this.heartbeatTimer = setInterval(() => this.checkIdle(), Math.max(10, Math.floor(this.heartbeatIntervalMs / 4)));
    this.heartbeatTimer.unref();
  }

  /** EngineEventHandler: publish the event, then keep the maxDelayUs bound. */
  onEngineEvent(view: EngineEventView, base: number): void {
    const p = this.publisher;
    p.onEngineEvent(view, base);
    if (p.packetsSent !== this.packetsSeen) {
      // A packet went out inside the publisher (full, or at a group end): its wait is over.
      this.packetsSeen = p.packetsSent;
      if (this.firstPendingMs !== 0) this.recordDelay(performance.now() - this.firstPendingMs);
      this.firstPendingMs = 0;
    }
    if (p.pendingCount === 0) return;
    if (this.firstPendingMs === 0) {
      this.firstPendingMs = performance.now();
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flushFromImmediate);
      }
    } else if ((++this.eventCount & DELAY_CHECK_MASK) === 0 && performance.now() - this.firstPendingMs >= this.maxDelayMs) {
      this.timedFlush();
    }
  }

  /**
   * The engine has handed over a batch (LiveSim calls it after each batch of a tick): the
   * part-filled packet goes now, before the next batch is matched. The setImmediate armed by
   * its first message would send it only after the tick and the loop's poll phase (send
   * completions, the journal's fdatasync callback, sockets): ~50 us later at the median at
   * 43,000 orders/s, ~290 us at p99 (bench:e2e). Costs a part-filled packet per batch.
   */
  endOfBatch(): void {
    this.timedFlush();
  }

  /**
   * Runs `replay` (a journal replay on restart) with the lines muted, so receivers do not
   * see the day again; the session then continues at the next sequence. What a crashed
   * process had not yet sent is re-sent from the store by the caller (`resendFromStore`,
   * from the persisted sent-watermark).
   */
  muted<T>(replay: () => T): T {
    this.lines.muted = true;
    try {
      return replay();
    } finally {
      this.publisher.flush();
      this.packetsSeen = this.publisher.packetsSent;
      this.firstPendingMs = 0;
      this.lines.muted = false;
    }
  }

  /**
   * The end of the day, after the engine's S C has gone through: repeats end of session,
   * stops the timers, sends what is queued and closes the lines.
   */
  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    this.timedFlush();
    if (this.publisher.ended) {
      for (let i = 0; i < this.endOfSessionRepeats; i++) {
        await new Promise((resolve) => setTimeout(resolve, this.endOfSessionIntervalMs));
        this.publisher.endOfSession();
        this.endOfSessionRepeatsSent++;
      }
    }
    await this.lines.close();
  }

  private timedFlush(): void {
    const p = this.publisher;
    if (p.pendingCount !== 0) {
      p.flush();
      // Measured once the packet has been handed to the lines, as for a full packet above.
      if (this.firstPendingMs !== 0) this.recordDelay(performance.now() - this.firstPendingMs);
      this.timedFlushes++;
    }
    this.packetsSeen = p.packetsSent;
    this.firstPendingMs = 0;
  }

  private recordDelay(ms: number): void {
    const us = ms * 1000;
    if (us > this.maxPacketDelayUs) this.maxPacketDelayUs = us;
    if (us > this.maxDelayUs) this.lateFlushes++;
    if (this.delayRecorder !== null) this.delayRecorder.recordValue(Math.round(us));
  }

  private checkIdle(): void {
    const p = this.publisher;
    if (this.finished || p.ended) return;
    const now = performance.now();
    if (p.packetsSent !== this.packetsAtCheck) {
      this.packetsAtCheck = p.packetsSent;
      this.lastActivityMs = now;
    } else if (now - this.lastActivityMs >= this.heartbeatIntervalMs) {
      this.heartbeatNow();
    }
  }

  /**
   * Sends any pending messages, then a heartbeat (the next sequence) now rather than after
   * an idle interval: a new HA primary tells receivers where the session stands at once.
   */
  heartbeatNow(): void {
    const p = this.publisher;
    if (this.finished || p.ended) return;
    p.heartbeat(); // sends any pending messages first
    this.heartbeats++;
    this.packetsAtCheck = p.packetsSent;
    this.packetsSeen = p.packetsSent;
    this.firstPendingMs = 0;
    this.lastActivityMs = performance.now();
  }
}

/** FeedLines options from the `publisher` config section. */
export function feedLinesFromConfig(config: TickwireConfig): FeedLines {
  const c = config.publisher;
  return new FeedLines({
    lineA: c.lineA,
    lineB: c.lineB,
    interface: c.interface,
    ttl: c.ttl,
    maxPayloadBytes: c.maxPayloadBytes,
    sendBufferBytes: c.sendBufferBytes,
    maxPacketsPerSec: c.maxPacketsPerSec,
    queuePackets: c.queuePackets,
    unicastDestinations: c.unicastDestinations,
    unicastSeed: c.unicastSeed,
  });
}

/**
 * The publisher, its lines and timers, from the configuration; call open() before events flow.
 * `delayRecorder` (benchmarks) receives every packet's delay.
 */
export function publisherServiceFromConfig(config: TickwireConfig, sessionDate: string, delayRecorder: PacketDelayRecorder | null = null): PublisherService {
  const lines = feedLinesFromConfig(config);
  const publisher = new FeedPublisher(feedPublisherOptions(config, sessionDate, lines));
  const c = config.publisher;
  return new PublisherService({
    publisher,
    lines,
    maxDelayUs: c.maxDelayUs,
    heartbeatIntervalMs: c.heartbeatIntervalMs,
    endOfSessionRepeats: c.endOfSessionRepeats,
    endOfSessionIntervalMs: c.endOfSessionIntervalMs,
    delayRecorder,
  });
}
