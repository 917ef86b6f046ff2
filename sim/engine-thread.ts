// `publisher.thread: 'own'`: the exchange core (LiveSim: generator, sequencer, journal,
// matching engine) on a worker thread, writing its events into a SharedArrayBuffer ring;
// the publisher on the main thread drains that ring without blocking its loop (lines,
// rewinder, snapshot server, timers keep running). Two busy threads instead of one.
//
// Start-up handshake, so a restart's replay stays muted: the worker recovers the journal
// (its replayed events go through the ring like live ones), commits, and reports
// 'replayed' without generating; the main thread takes every replayed event muted, re-sends
// after the sent-watermark, and answers 'go'. Stop: 'stop' -> the worker submits the closing
// commands, closes the journal and reports 'stopped' with its figures; the main thread then
// drains the rest (through End of Messages).

import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { TickwireConfig } from '../config';
import { EngineEventRing, EngineEventRingReader, type EngineEventHandler } from '../protocol';
import type { JournalRecovery } from './journal';
import { LiveSim, type LiveSimStatus } from './live-sim';
import { workerScript } from './worker-script';

/** What `tickwire publish` and `run` need of the exchange core, wherever it runs. */
export interface SimHandle {
  /** Orders generated so far (from the worker's last report when remote). */
  readonly orders: number;
  status(ordersPerSec: number): LiveSimStatus;
  /** Orders per second over the last few samples (call once a second). */
  sampleRate(): number;
  /** Ends the day (closing commands when `endOfDay`) and closes the journal; resolves once every event is handed to the publisher. */
  stop(endOfDay: boolean): Promise<void>;
}

/** LiveSim in the publisher's loop. */
export class InlineSim implements SimHandle {
  constructor(readonly sim: LiveSim) {}
  get orders(): number {
    return this.sim.orders;
  }
  status(ordersPerSec: number): LiveSimStatus {
    return this.sim.status(ordersPerSec);
  }
  sampleRate(): number {
    return this.sim.sampleRate();
  }
  stop(endOfDay: boolean): Promise<void> {
    this.sim.stop(endOfDay);
    return Promise.resolve();
  }
}

interface EngineThreadData {
  kind: 'tickwire-engine-thread';
  config: TickwireConfig;
  journalPath: string;
  sab: SharedArrayBuffer;
  statusMs: number;
}

type ToEngine = { kind: 'go' } | { kind: 'stop'; endOfDay: boolean };
type FromEngine =
  | { kind: 'replayed'; recovery: JournalRecovery }
  | { kind: 'status'; status: LiveSimStatus }
  | { kind: 'stopped'; status: LiveSimStatus }
  | { kind: 'failed'; message: string };

/** The handler's hooks around the replay: mute before, and what to do once it is all taken. */
export interface ReplayHooks {
  /** Called before any event is drained when the journal is being replayed. */
  beginReplay(): void;
  /** Every replayed event has been handed to the handler; live generation starts after this returns. */
  endReplay(recovery: JournalRecovery): void;
}

/** The exchange core on a worker thread, its events drained into `handler` on this one. */
export class RemoteSim implements SimHandle {
  private readonly worker: Worker;
  private readonly reader: EngineEventRingReader;
  private last: LiveSimStatus;
  private rateWindow: number[] = [];
  private draining = true;
  private pumpDone: Promise<void>;
  private stopped: Promise<void> | null = null;
  private failure = '';
  /** Engine events drained into the handler. */
  events = 0;

  private constructor(config: TickwireConfig, journalPath: string, private readonly handler: EngineEventHandler, ring: EngineEventRing) {
    this.reader = new EngineEventRingReader(ring);
    const data: EngineThreadData = { kind: 'tickwire-engine-thread', config, journalPath, sab: ring.sab, statusMs: 200 };
    this.worker = new Worker(workerScript(__filename), { workerData: data });
    this.last = { orders: 0, events: 0, executions: 0, restingOrders: 0, rejects: 0, ordersPerSec: 0, journalPath, recovered: null };
    this.pumpDone = this.pump();
  }

  /**
   * Starts the worker and resolves with its journal recovery once the replay (if any) is
   * handed over; `hooks` mute the publisher around it.
   */
  static start(config: TickwireConfig, journalPath: string, handler: EngineEventHandler, hooks: ReplayHooks, restart: boolean): Promise<{ sim: RemoteSim; recovery: JournalRecovery }> {
    const ring = EngineEventRing.create(config.engine.ringCapacity);
    if (restart) hooks.beginReplay();
    const sim = new RemoteSim(config, journalPath, handler, ring);
    return new Promise((resolve, reject) => {
      sim.worker.on('message', (m: FromEngine) => {
        if (m.kind === 'replayed') {
          // The worker committed the replay and waits: take all of it before live events.
          sim.drainAll();
          if (restart) hooks.endReplay(m.recovery);
          sim.last = { ...sim.last, recovered: m.recovery };
          sim.worker.postMessage({ kind: 'go' } satisfies ToEngine);
          resolve({ sim, recovery: m.recovery });
        } else if (m.kind === 'status' || m.kind === 'stopped') {
          sim.last = { ...m.status, recovered: sim.last.recovered };
        } else {
          sim.failure = m.message;
          reject(new Error(m.message));
        }
      });
      sim.worker.once('error', (err) => {
        sim.failure = err.message;
        reject(err);
      });
    });
  }

  get orders(): number {
    return this.last.orders;
  }

  /** Why the engine thread stopped, '' while it runs. */
  get error(): string {
    return this.failure;
  }

  status(ordersPerSec: number): LiveSimStatus {
    return { ...this.last, events: this.events, ordersPerSec };
  }

  sampleRate(): number {
    this.rateWindow.push(this.last.orders);
    if (this.rateWindow.length > 6) this.rateWindow.shift();
    const w = this.rateWindow;
    return w.length < 2 ? 0 : (w[w.length - 1] - w[0]) / (w.length - 1);
  }

  stop(endOfDay: boolean): Promise<void> {
    if (this.stopped === null) {
      this.stopped = new Promise<void>((resolve) => {
        const done = (): void => {
          this.draining = false;
          void this.pumpDone.then(() => {
            this.drainAll();
            void this.worker.terminate().then(() => resolve());
          });
        };
        if (this.failure !== '') return done();
        this.worker.on('message', (m: FromEngine) => {
          if (m.kind === 'stopped') done();
        });
        this.worker.once('exit', done);
        this.worker.postMessage({ kind: 'stop', endOfDay } satisfies ToEngine);
      });
    }
    return this.stopped;
  }

  private drainAll(): void {
    while (this.reader.available() > 0) this.events += this.reader.drain(this.handler);
  }

  /** Drains as events come; yields to the loop after each batch so sockets and timers run. */
  private async pump(): Promise<void> {
    while (this.draining) {
      const n = this.reader.drain(this.handler);
      this.events += n;
      if (n === 0) await this.reader.waitForEventsAsync(20);
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

function runEngineThread(data: EngineThreadData): void {
  const port = parentPort!;
  const sim = new LiveSim(data.config, data.journalPath, null, new EngineEventRing(data.sab));
  let statusTimer: NodeJS.Timeout | null = null;
  port.on('message', (m: ToEngine) => {
    if (m.kind === 'go') {
      sim.resume();
      statusTimer = setInterval(() => port.postMessage({ kind: 'status', status: sim.status(0) } satisfies FromEngine), data.statusMs);
    } else {
      if (statusTimer !== null) clearInterval(statusTimer);
      sim.stop(m.endOfDay);
      port.postMessage({ kind: 'stopped', status: sim.status(0) } satisfies FromEngine);
    }
  });
  try {
    const recovery = sim.start(true);
    port.postMessage({ kind: 'replayed', recovery } satisfies FromEngine);
  } catch (err) {
    port.postMessage({ kind: 'failed', message: (err as Error).message } satisfies FromEngine);
  }
}

if (!isMainThread && (workerData as EngineThreadData | null)?.kind === 'tickwire-engine-thread') runEngineThread(workerData as EngineThreadData);
