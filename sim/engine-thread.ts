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
//
// Both are the core's TradingPort. Across the thread: requests go in by postMessage
// (gathered per event-loop turn), reports come out in batches as the worker's group commit
// releases them, balances are asked and answered by id.

import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { TickwireConfig } from '../config';
import {
  EngineEventRing,
  EngineEventRingReader,
  type BalanceView,
  type EngineEventHandler,
  type OrderEntryReport,
  type OrderEntryRequest,
  type TradingPort,
  type CarryState,
} from '../protocol';
import type { JournalRecovery } from './journal';
import { LiveSim, type LiveSimStatus } from './live-sim';
import { workerScript } from './worker-script';

/** What `tickwire publish` and `run` need of the exchange core, wherever it runs; also the client gateway's TradingPort. */
export interface SimHandle extends TradingPort {
  /** Orders generated so far (from the worker's last report when remote). */
  readonly orders: number;
  status(ordersPerSec: number): LiveSimStatus;
  /** Orders per second over the last few samples (call once a second). */
  sampleRate(): number;
  /** Ends the day (closing commands when `endOfDay`) and closes the journal; resolves once every event is handed to the publisher. */
  stop(endOfDay: boolean): Promise<void>;
  /** The carry transfers this session has journaled so far (runtime/wallet-carry.ts resumes after them). */
  carryState(): Promise<CarryState>;
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
  /** Gated on a standby's commit (ha/), the day's closing events wait up to 2 s to be acknowledged and published. */
  async stop(endOfDay: boolean): Promise<void> {
    this.sim.stop(endOfDay);
    await this.sim.whenPublished(2000);
  }
  submit(request: OrderEntryRequest): void {
    this.sim.submit(request);
  }
  onReports(listener: (reports: readonly OrderEntryReport[]) => void): void {
    this.sim.onReports(listener);
  }
  carryState(): Promise<CarryState> {
    return Promise.resolve(this.sim.carryState);
  }
  balances(account: number): Promise<BalanceView> {
    return this.sim.balances(account);
  }
}

interface EngineThreadData {
  kind: 'tickwire-engine-thread';
  config: TickwireConfig;
  journalPath: string;
  sab: SharedArrayBuffer;
  statusMs: number;
}

type ToEngine =
  | { kind: 'go' }
  | { kind: 'stop'; endOfDay: boolean }
  | { kind: 'requests'; requests: OrderEntryRequest[] }
  | { kind: 'balances'; id: number; account: number }
  | { kind: 'carryState'; id: number };
type FromEngine =
  | { kind: 'replayed'; recovery: JournalRecovery }
  | { kind: 'reports'; reports: readonly OrderEntryReport[] }
  | { kind: 'balances'; id: number; view: BalanceView }
  | { kind: 'carryState'; id: number; state: CarryState }
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
  private outbox: OrderEntryRequest[] = [];
  private reportListener: ((reports: readonly OrderEntryReport[]) => void) | null = null;
  private heldReports: OrderEntryReport[] = [];
  private balanceAsks = new Map<number, (view: BalanceView) => void>();
  private carryAsks = new Map<number, (state: CarryState) => void>();
  private nextAsk = 1;
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
        } else if (m.kind === 'reports') {
          sim.takeReports(m.reports);
        } else if (m.kind === 'balances') {
          sim.balanceAsks.get(m.id)?.(m.view);
          sim.balanceAsks.delete(m.id);
        } else if (m.kind === 'carryState') {
          sim.carryAsks.get(m.id)?.(m.state);
          sim.carryAsks.delete(m.id);
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

  submit(request: OrderEntryRequest): void {
    if (this.outbox.length === 0) {
      // One message per event-loop turn carries every request made in it.
      setImmediate(() => {
        const requests = this.outbox;
        this.outbox = [];
        if (this.failure === '' && this.stopped === null) this.worker.postMessage({ kind: 'requests', requests } satisfies ToEngine);
      });
    }
    this.outbox.push(request);
  }

  onReports(listener: (reports: readonly OrderEntryReport[]) => void): void {
    this.reportListener = listener;
    if (this.heldReports.length > 0) {
      const held = this.heldReports;
      this.heldReports = [];
      listener(held);
    }
  }

  carryState(): Promise<CarryState> {
    const id = this.nextAsk++;
    return new Promise((resolve) => {
      this.carryAsks.set(id, resolve);
      this.worker.postMessage({ kind: 'carryState', id } satisfies ToEngine);
    });
  }

  balances(account: number): Promise<BalanceView> {
    const id = this.nextAsk++;
    return new Promise((resolve) => {
      this.balanceAsks.set(id, resolve);
      this.worker.postMessage({ kind: 'balances', id, account } satisfies ToEngine);
    });
  }

  private takeReports(reports: readonly OrderEntryReport[]): void {
    if (this.reportListener !== null) this.reportListener(reports);
    else for (const r of reports) this.heldReports.push(r);
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
  sim.onReports((reports) => port.postMessage({ kind: 'reports', reports } satisfies FromEngine));
  port.on('message', (m: ToEngine) => {
    if (m.kind === 'requests') {
      for (const r of m.requests) sim.submit(r);
    } else if (m.kind === 'balances') {
      void sim.balances(m.account).then((view) => port.postMessage({ kind: 'balances', id: m.id, view } satisfies FromEngine));
    } else if (m.kind === 'carryState') {
      port.postMessage({ kind: 'carryState', id: m.id, state: sim.carryState } satisfies FromEngine);
    } else if (m.kind === 'go') {
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
