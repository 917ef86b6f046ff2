// The handler side of bench/e2e.ts: a FeedHandler in its own process (forked), joined to both
// bench lines with the publisher's rewinder and snapshot server. For every applied message it
// records, in a log-linear histogram (LatencyHistogram below), the time from the engine's
// event (the message's ITCH timestamp, which the bench's sim clock makes a CLOCK_MONOTONIC
// reading) to the end of the packet that applied it (one clock read per packet, after its last
// message: a message's figure includes the messages applied after it in the same packet).
//
// IPC: parent -> child { type: 'start', ... }; child -> parent { type: 'ready' };
//      parent -> child { type: 'window', fromItchNs } (latency counted for events from then on);
//      parent -> child { type: 'sliceFrom', fromItchNs } / { type: 'sliceTo', toItchNs } (with the
//      raw pair, only our slices count, past their warm-up: events stamped in [from, to]);
//      parent -> child { type: 'windowEnd', toItchNs }; child -> parent { type: 'windowEnded' };
//      parent -> child { type: 'stop', lastSequence, stealPctPerSecond };
//      child -> parent { type: 'report', ... }.
import * as fs from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { booksDigest, FeedHandler } from '../feed-handler';
import type { ItchMessage } from '../protocol';
import { LatencyHistogram } from '../gateway';
import { gcWatch, mainThreadSchedNs, MonotonicNs } from './mono-clock';

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
  /** % of the main thread's time runnable but waiting for a CPU, each second of the window. */
  runqueueWaitPctPerSecond: number[];
  /** Seconds where the machine's steal (the parent's figure) and this process's run-queue wait were both at most 5%. */
  quietSeconds: number;
  /** p99 of the messages of those seconds (0 without any), us. */
  quietP99Us: number;
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
  /** Share of the window the main thread was runnable but waiting for a CPU, %. */
  runqueueWaitPct: number;
  /** Involuntary context switches a second. */
  preemptionsPerSec: number;
  lineGaps: [number, number];
  recvBufferBytes: number[];
  faults: Record<string, number>;
  /** Ours split at the handler's receive callback (p50/p99/max us, per message): stamp to the datagram's callback, callback to the book; the handler's GCs. */
  stages: { arrivalUs: [number, number, number]; applyUs: [number, number, number]; gc: ReturnType<ReturnType<typeof gcWatch>['figures']>; lateMessages: number; lateIdleBeforeUs: [number, number, number]; latePackets: number; latePacketsAfterGc: [number, number]; latePacketCpus: number[] };
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
/** The window's first instant: per-second figures count from it. */
let firstWindowNs = Infinity;
let negative = 0;
let cpu0 = process.cpuUsage();
let sched0 = mainThreadSchedNs();
let switches0 = 0;
let t0 = 0;
/** CPU, scheduler and wall figures over the window, taken at its end. */
let windowFigures = { cpuPct: 0, runqueueWaitPct: 0, preemptionsPerSec: 0 };
/** Run-queue wait per second of the window, %; sampled by a 1-s timer from the window's start. */
const waitPerSecond: number[] = [];
let waitTimer: NodeJS.Timeout | null = null;

const arrival = new LatencyHistogram(MAX_US);
const apply = new LatencyHistogram(MAX_US);
const gc = gcWatch();
/** When the datagram being applied reached the handler's socket callback (mono ns). */
let receivedAt = 0;
/** When the previous datagram's callback returned, and how long before this one's callback the handler had been idle. */
let lastReturnAt = 0;
let idleBefore = 0;
/** For messages that arrived over 1 ms after their stamp: how long the handler had been idle before their datagram's callback (us). */
const lateIdle = new LatencyHistogram(MAX_US);

/** Late packets (first message over 1 ms at the callback): their callback (perf ms), how long idle before (ms); for those after 0.2 ms idle, the CPU the handler's main thread was on (/proc/self/stat field 39). */
const LATE_MAX = 1 << 16;
const lateAt = new Float64Array(LATE_MAX);
const lateIdleMs = new Float64Array(LATE_MAX);
let latePackets = 0;
const latePacketCpus = [0, 0, 0, 0];
/** The handler's GC pauses (perf ms), start and end, to tell which late packets came right after one. */
const gcSpans: number[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcSpans.push(e.startTime, e.startTime + e.duration);
}).observe({ entryTypes: ['gc'] });
function currentCpu(): number {
  try {
    const text = fs.readFileSync('/proc/self/stat', 'utf8');
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[36]);
  } catch {
    return -1;
  }
}
/** [late packets after an idle spell of 0.2 ms or more, late packets whose idle time before the callback (and 50 us more) overlapped a GC pause of the handler]: a pause over 0.2 ms between two callbacks is itself such a spell, so the second bounds how many spells a GC made. */
function latePacketsAfterGc(): [number, number] {
  let n = 0;
  let starts = 0;
  for (let i = 0; i < Math.min(latePackets, LATE_MAX); i++) {
    if (lateIdleMs[i] >= 0.2) starts++;
    const to = lateAt[i];
    const from = to - lateIdleMs[i] - 0.05;
    for (let g = 0; g < gcSpans.length; g += 2) {
      if (gcSpans[g] <= to && gcSpans[g + 1] >= from) {
        n++;
        break;
      }
    }
  }
  return [starts, n];
}

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
    if (pendingCount > 0 && receivedAt > 0 && pending[0] >= windowFromNs && pending[0] <= windowToNs && receivedAt - (pending[0] + offset) > 1e6) {
      if (latePackets < LATE_MAX) {
        lateAt[latePackets] = performance.now() - (now - receivedAt) / 1e6;
        lateIdleMs[latePackets] = idleBefore / 1e6;
      }
      latePackets++;
      // The CPU only at the first late packet after an idle spell (a file read: not for every packet of a backlog).
      if (idleBefore >= 2e5) {
        const cpu = currentCpu();
        if (cpu >= 0 && cpu < latePacketCpus.length) latePacketCpus[cpu]++;
      }
    }
    for (let i = 0; i < pendingCount; i++) {
      const ts = pending[i];
      if (ts < windowFromNs || ts > windowToNs) continue;
      let us = Math.round((now - (ts + offset)) / 1000);
      if (us < 0) {
        negative++;
        us = 0;
      }
      histogram.record(us);
      if (receivedAt > 0) {
        const arrivalUs = Math.max(0, Math.round((receivedAt - (ts + offset)) / 1000));
        arrival.record(arrivalUs);
        if (arrivalUs > 1000) lateIdle.record(Math.max(0, Math.round(idleBefore / 1000)));
        apply.record(Math.max(0, Math.round((now - receivedAt) / 1000)));
      }
      const second = Math.floor((ts - firstWindowNs) / 1e9);
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
    firstWindowNs = windowFromNs;
    cpu0 = process.cpuUsage();
    sched0 = mainThreadSchedNs();
    switches0 = process.resourceUsage().involuntaryContextSwitches;
    t0 = performance.now();
    let last = sched0;
    waitTimer = setInterval(() => {
      const now = mainThreadSchedNs();
      waitPerSecond.push(Math.round((now.waitNs - last.waitNs) / 1e7));
      last = now;
    }, 1000);
  } else if (msg.type === 'sliceFrom') {
    windowFromNs = (raw as { fromItchNs: number }).fromItchNs;
    windowToNs = Infinity;
  } else if (msg.type === 'sliceTo') {
    windowToNs = (raw as { toItchNs: number }).toItchNs;
  } else if (msg.type === 'windowEnd') {
    windowToNs = (raw as { toItchNs: number }).toItchNs;
    if (waitTimer !== null) clearInterval(waitTimer);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const sched1 = mainThreadSchedNs();
    windowFigures = {
      cpuPct: Math.round(((cpu.user + cpu.system) / 1e6 / seconds) * 1000) / 10,
      runqueueWaitPct: Math.round(((sched1.waitNs - sched0.waitNs) / 1e9 / seconds) * 1000) / 10,
      preemptionsPerSec: Math.round((process.resourceUsage().involuntaryContextSwitches - switches0) / seconds),
    };
    process.send?.({ type: 'windowEnded' });
  } else if (msg.type === 'stop') {
    const stop = raw as { lastSequence: number; stealPctPerSecond: number[] };
    void finish(stop.lastSequence, stop.stealPctPerSecond);
  }
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
  const h = handler;
  const receive = h.receive.bind(h);
  h.receive = (source: number, bytes: Uint8Array): void => {
    receivedAt = mono.now();
    idleBefore = lastReturnAt > 0 ? receivedAt - lastReturnAt : 0;
    receive(source, bytes);
    receivedAt = 0;
    lastReturnAt = mono.now();
  };
  await handler.start();
  process.send?.({ type: 'ready' });
}

/** A second is quiet when steal and the handler's run-queue wait were both at most this, %: even then a VM's wake-ups from idle cost a few % of run-queue wait. */
const QUIET_PCT = 5;

/** The seconds where steal and this process's run-queue wait were both at most 5%, and the p99 of their messages. */
function quietSeconds(stealPerSecond: number[]): { seconds: number; p99Us: number } {
  const merged = new LatencyHistogram(MAX_US, 8);
  let seconds = 0;
  const n = Math.min(perSecond.length, stealPerSecond.length, waitPerSecond.length);
  for (let i = 0; i < n; i++) {
    if (stealPerSecond[i] > QUIET_PCT || waitPerSecond[i] > QUIET_PCT) continue;
    merged.add(perSecond[i]);
    seconds++;
  }
  return { seconds, p99Us: merged.valueAtPercentile(99) };
}

async function finish(lastSequence: number, stealPerSecond: number[]): Promise<void> {
  const h = handler as FeedHandler;
  const until = performance.now() + 20_000;
  while (!(h.ended && h.sequence >= lastSequence) && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
  const f = h.figures();
  const quiet = quietSeconds(stealPerSecond);
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
    runqueueWaitPctPerSecond: waitPerSecond,
    quietSeconds: quiet.seconds,
    quietP99Us: quiet.p99Us,
    negative,
    sequence: h.sequence,
    ended: h.ended,
    gaps: f.gaps,
    recovered: f.recoveries.count,
    recoveredByRewind: f.recoveredByRewind,
    recoveredBySnapshot: f.recoveredBySnapshot,
    snapshots: f.snapshots,
    digest: booksDigest(h.books),
    ...windowFigures,
    lineGaps: [h.lines[0].gaps, h.lines[1].gaps],
    recvBufferBytes: h.recvBufferSizes,
    faults: f.faults,
    stages: {
      arrivalUs: [arrival.valueAtPercentile(50), arrival.valueAtPercentile(99), arrival.maxValue],
      applyUs: [apply.valueAtPercentile(50), apply.valueAtPercentile(99), apply.maxValue],
      gc: gc.figures(),
      lateMessages: lateIdle.totalCount,
      lateIdleBeforeUs: [lateIdle.valueAtPercentile(10), lateIdle.valueAtPercentile(50), lateIdle.valueAtPercentile(90)],
      latePackets,
      latePacketsAfterGc: latePacketsAfterGc(),
      latePacketCpus,
    },
  };
  await h.close();
  process.send?.(report, () => process.exit(0));
}
