// The leader's lease renewals, on their own thread. On the main thread they queued behind
// the engine, the publisher and the replication catch-up: on a loaded 2-core machine a
// loop busy for half a TTL fenced a healthy primary (CI, a 1 s TTL under 3,000 orders/s).
// Here a worker thread with its own etcd client renews every TTL/6 and writes, into shared
// memory, when the last renewal that etcd answered was sent; the main thread's fencing
// check (`LeaderElection.leaseValid`) reads it synchronously. Safety does not depend on
// which thread renews: a renewal sent at t keeps the lease alive on etcd until t + TTL, and
// the main thread acknowledges only before t + TTL/2. Attempts overlap, each allowed TTL/2.
//
// Liveness: a main thread that is wedged must not hold leadership through a healthy worker.
// The main thread stamps a heartbeat (its fence timer, every few tens of ms); the worker
// stops renewing once the heartbeat is older than a whole TTL, so the lease lapses and a
// standby takes over, and the main thread fences itself when it wakes.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Etcd3 } from 'etcd3';

/** A monotonic clock in ms that every thread of the process shares (performance.now() has a per-thread origin). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

// Slots of the shared Float64Array. Aligned 8-byte stores do not tear on x64 or arm64, and
// each slot has one writer.
const LAST_RENEW = 0; // worker: monotonicMs() when the last answered renewal was sent
const RENEWALS = 1; // worker
const HEARTBEAT = 2; // main: monotonicMs() of its last fence-timer turn
const EXPIRED = 3; // worker: 1 once etcd said the lease is gone
const STOPPED = 4; // main: 1 once fenced or closed (renew nothing more)
const SLOTS = 5;

interface KeeperData {
  keeper: true;
  shared: SharedArrayBuffer;
  endpoints: string[];
  ttlMs: number;
}

/** The main thread's one message: renew this lease from now on. */
interface AdoptMessage {
  leaseId: string;
}

/** What the worker tells the main thread (problems are counted there, under TW_ERR_HA_ETCD). */
export type KeeperMessage = { kind: 'ready' } | { kind: 'problem'; detail: string } | { kind: 'expired' };

export interface LeaseKeeperOptions {
  endpoints: string[];
  ttlMs: number;
  onMessage: (message: KeeperMessage) => void;
}

/**
 * Main-thread side: owns the worker and reads the shared figures. Started before the
 * campaign, so the thread has loaded etcd3 and connected by the time it is handed a lease
 * (a cold start took longer than TTL/2 with a 1 s TTL).
 */
export class LeaseKeeper {
  private readonly shared: Float64Array;
  private readonly worker: Worker;
  /** The thread has loaded etcd3 and tried to connect: a lease handed over now is renewed in time. */
  ready = false;

  constructor(options: LeaseKeeperOptions) {
    const buffer = new SharedArrayBuffer(SLOTS * 8);
    this.shared = new Float64Array(buffer);
    this.shared[HEARTBEAT] = monotonicMs();
    const data: KeeperData = { keeper: true, shared: buffer, endpoints: options.endpoints, ttlMs: options.ttlMs };
    // Loaded here, not at import: the worker loads this file and needs none of sim/.
    const { workerScript } = require('../sim') as typeof import('../sim');
    this.worker = new Worker(workerScript(__filename), { workerData: data });
    this.worker.on('message', (m: KeeperMessage) => {
      if (m.kind === 'ready') this.ready = true;
      options.onMessage(m);
    });
    this.worker.on('error', (err) => options.onMessage({ kind: 'problem', detail: `the lease keeper thread failed: ${err.message}` }));
    // The keeper never keeps a process alive on its own.
    this.worker.unref();
  }

  /** When the last renewal etcd answered was sent (monotonicMs). */
  get lastRenewMs(): number {
    return this.shared[LAST_RENEW];
  }

  get renewals(): number {
    return this.shared[RENEWALS];
  }

  /** etcd said the lease no longer exists. */
  get expired(): boolean {
    return this.shared[EXPIRED] === 1;
  }

  /** Renews `leaseId` from now on; `grantedSentMs` (monotonicMs) is when its grant was sent. */
  adopt(leaseId: string, grantedSentMs: number): void {
    this.shared[LAST_RENEW] = grantedSentMs;
    this.shared[HEARTBEAT] = monotonicMs();
    const m: AdoptMessage = { leaseId };
    this.worker.postMessage(m);
  }

  /** The main thread is alive: called from its fence timer. */
  heartbeat(nowMs: number): void {
    this.shared[HEARTBEAT] = nowMs;
  }

  /** Renews nothing more, at once (the flag), then ends the thread. */
  async stop(): Promise<void> {
    this.shared[STOPPED] = 1;
    await this.worker.terminate();
  }
}

// ---- the worker ----

function runKeeper(data: KeeperData): void {
  const shared = new Float64Array(data.shared);
  const { Etcd3: Client } = require('etcd3') as typeof import('etcd3');
  const client: Etcd3 = new Client({ hosts: data.endpoints, dialTimeout: 1000 });
  const every = data.ttlMs / 6;
  // An answer sent more than TTL/2 ago cannot keep the main thread acknowledging, so an
  // attempt waits up to that long; attempts overlap (one every TTL/6, up to MAX_IN_FLIGHT),
  // because under load a slow answer is still an answer: abandoning attempts after a short
  // deadline and retrying fenced healthy primaries on a machine at load 13.
  const allowMs = data.ttlMs / 2;
  const MAX_IN_FLIGHT = 4;
  let inFlight = 0;
  let saidStalled = false;
  let lastProblemMs = 0;
  let leaseId = '';
  const post = (m: KeeperMessage): void => parentPort?.postMessage(m);
  const problem = (detail: string): void => {
    // At most one a second: a down endpoint would otherwise report every attempt.
    const now = monotonicMs();
    if (now - lastProblemMs < 1000) return;
    lastProblemMs = now;
    post({ kind: 'problem', detail });
  };

  const once = (): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from etcd within ${Math.round(allowMs)} ms`)), allowMs);
      client.leaseClient
        .leaseKeepAlive({ deadline: Date.now() + allowMs })
        .then((stream) => {
          stream.on('data', (res: { TTL: string }) => {
            clearTimeout(timer);
            stream.end();
            resolve(Number(res.TTL));
          });
          stream.on('error', (err: Error) => {
            clearTimeout(timer);
            reject(err);
          });
          stream.write({ ID: leaseId });
        })
        .catch((err: Error) => {
          clearTimeout(timer);
          reject(err);
        });
    });

  const attempt = async (): Promise<void> => {
    if (shared[STOPPED] === 1 || shared[EXPIRED] === 1 || inFlight >= MAX_IN_FLIGHT) return;
    const sent = monotonicMs();
    inFlight++;
    try {
      const ttl = await once();
      if (shared[STOPPED] === 1) return;
      if (ttl <= 0) {
        shared[EXPIRED] = 1;
        post({ kind: 'expired' });
        return;
      }
      if (sent > shared[LAST_RENEW]) shared[LAST_RENEW] = sent;
      shared[RENEWALS]++;
    } catch (err) {
      if (shared[STOPPED] === 1) return;
      problem(`renewing the lease: ${(err as Error).message}`);
      // A quick failure (an endpoint refusing) is tried again soon, through the next member.
      if (monotonicMs() - sent < every / 2) setTimeout(() => void attempt(), 20);
    } finally {
      inFlight--;
    }
  };

  const tick = (): void => {
    if (shared[STOPPED] === 1 || shared[EXPIRED] === 1) return;
    setTimeout(tick, every);
    const now = monotonicMs();
    if (now - shared[HEARTBEAT] > data.ttlMs) {
      if (!saidStalled) post({ kind: 'problem', detail: `the main thread has not run for ${Math.round(now - shared[HEARTBEAT])} ms (over the ${data.ttlMs} ms TTL): the lease is left to lapse` });
      saidStalled = true;
      return;
    }
    saidStalled = false;
    void attempt();
  };
  parentPort?.on('message', (m: AdoptMessage) => {
    if (leaseId !== '') return;
    leaseId = m.leaseId;
    tick();
  });
  // Connect now, while a follower: the first renewal then costs one round trip. Loading
  // etcd3 alone takes most of a second, so the main thread campaigns only after 'ready'.
  client.maintenance
    .status()
    .catch(() => undefined)
    .finally(() => post({ kind: 'ready' }));
}

if (!isMainThread && (workerData as KeeperData | null)?.keeper === true) runKeeper(workerData as KeeperData);
