// The handler side of bench/e2e.ts: a FeedHandler in its own process (forked), joined to both
// bench lines with the publisher's rewinder and snapshot server. For every applied message it
// records, in a log-linear histogram (LatencyHistogram below), the time from the engine's
// event (the message's ITCH timestamp, which the bench's sim clock makes a CLOCK_MONOTONIC
// reading) to the end of the packet that applied it (one clock read per packet, after its last
// message: a message's figure includes the messages applied after it in the same packet).
//
// IPC: parent -> child { type: 'start', ... }; child -> parent { type: 'ready' };
//      parent -> child { type: 'window', fromItchNs } (latency counted for events from then on);
//      parent -> child { type: 'windowEnd', toItchNs }; child -> parent { type: 'windowEnded' };
//      parent -> child { type: 'stop', lastSequence }; child -> parent { type: 'report', ... }.
import { booksDigest, FeedHandler } from '../feed-handler';
import type { ItchMessage } from '../protocol';
import { LatencyHistogram } from './latency-histogram';
import { MonotonicNs } from './mono-clock';

export interface E2eStart {
  type: 'start';
  session: string;
  sessionDate: string;
  lines: Array<{ group: string; port: number }>;
  interface: string;
  rewinderPort: number;
  snapshotPort: number;
  baseMonoNs: number;
  baseItchNs: number;
}

export interface E2eReport {
  type: 'report';
  messages: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  p9999Us: number;
  maxUs: number;
  meanUs: number;
  /** p99 of each second of the window, us. */
  p99UsPerSecond: number[];
  /** Latencies below zero (clock calibration error), recorded as 0. */
  negative: number;
  sequence: number;
  ended: boolean;
  gaps: number;
  recovered: number;
  recoveredByRewind: number;
  recoveredBySnapshot: number;
  snapshots: number;
  digest: string;
  cpuPct: number;
  lineGaps: [number, number];
  recvBufferBytes: number[];
  faults: Record<string, number>;
}

const MAX_US = 60_000_000;
const mono = new MonotonicNs();
const histogram = new LatencyHistogram(MAX_US);
/** The same figures per second of event time (within 1%), to tell a disturbed second (a shared machine) from the pipeline. */
const perSecond: LatencyHistogram[] = [];
let handler: FeedHandler | null = null;
let start: E2eStart | null = null;
let windowFromNs = Infinity;
let windowToNs = Infinity;
let negative = 0;
let cpu0 = process.cpuUsage();
let t0 = 0;

/** Timestamps of the current packet's messages, recorded at its end. */
const pending = new Float64Array(1 << 16);
let pendingCount = 0;

const latency = {
  onMessage(_sequence: number, m: ItchMessage): void {
    if (pendingCount < pending.length) pending[pendingCount++] = m.timestampNs;
  },
  onBoundary(): void {
    const s = start as E2eStart;
    const now = mono.now();
    const offset = s.baseMonoNs - s.baseItchNs;
    for (let i = 0; i < pendingCount; i++) {
      const ts = pending[i];
      if (ts < windowFromNs || ts > windowToNs) continue;
      let us = Math.round((now - (ts + offset)) / 1000);
      if (us < 0) {
        negative++;
        us = 0;
      }
      histogram.record(us);
      const second = Math.floor((ts - windowFromNs) / 1e9);
      while (perSecond.length <= second) perSecond.push(new LatencyHistogram(MAX_US, 8));
      perSecond[second].record(us);
    }
    pendingCount = 0;
  },
};

process.on('message', (raw: unknown) => {
  const msg = raw as { type: string };
  if (msg.type === 'start') void begin(raw as E2eStart);
  else if (msg.type === 'window') {
    windowFromNs = (raw as { fromItchNs: number }).fromItchNs;
    cpu0 = process.cpuUsage();
    t0 = performance.now();
  } else if (msg.type === 'windowEnd') {
    windowToNs = (raw as { toItchNs: number }).toItchNs;
    process.send?.({ type: 'windowEnded' });
  } else if (msg.type === 'stop') void finish((raw as { lastSequence: number }).lastSequence);
});

async function begin(s: E2eStart): Promise<void> {
  start = s;
  handler = new FeedHandler({
    session: s.session,
    sessionDate: s.sessionDate,
    lineA: s.lines[0],
    lineB: s.lines[1],
    interface: s.interface,
    rewinder: { host: '127.0.0.1', port: s.rewinderPort },
    snapshot: { host: '127.0.0.1', port: s.snapshotPort },
  });
  handler.subscribe(latency);
  await handler.start();
  process.send?.({ type: 'ready' });
}

async function finish(lastSequence: number): Promise<void> {
  const h = handler as FeedHandler;
  const until = performance.now() + 20_000;
  while (!(h.ended && h.sequence >= lastSequence) && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const f = h.figures();
  const report: E2eReport = {
    type: 'report',
    messages: histogram.totalCount,
    p50Us: histogram.valueAtPercentile(50),
    p99Us: histogram.valueAtPercentile(99),
    p999Us: histogram.valueAtPercentile(99.9),
    p9999Us: histogram.valueAtPercentile(99.99),
    maxUs: histogram.maxValue,
    meanUs: Math.round(histogram.mean),
    p99UsPerSecond: perSecond.map((h) => h.valueAtPercentile(99)),
    negative,
    sequence: h.sequence,
    ended: h.ended,
    gaps: f.gaps,
    recovered: f.recoveries.count,
    recoveredByRewind: f.recoveredByRewind,
    recoveredBySnapshot: f.recoveredBySnapshot,
    snapshots: f.snapshots,
    digest: booksDigest(h.books),
    cpuPct: Math.round(((cpu.user + cpu.system) / 1e6 / seconds) * 1000) / 10,
    lineGaps: [h.lines[0].gaps, h.lines[1].gaps],
    recvBufferBytes: h.recvBufferSizes,
    faults: f.faults,
  };
  await h.close();
  process.send?.(report, () => process.exit(0));
}
