// The machine's own pauses (after jHiccup): threads that do nothing but read the clock in
// a tight loop, recording every gap between two reads longer than TW_BENCH_HICCUP_MIN_US
// (50 us). A gap is time the thread was not running: the hypervisor took the CPU (steal),
// the OS ran something else, an interrupt. No latency figure measured on this machine can
// be better than what these pauses allow: a message in flight when one starts waits for it
// to end. Run with one spinning thread (the rest of the machine idle), then one per CPU.
// `npm run bench:hiccups`; TW_BENCH_HICCUP_SECONDS (10) per part.
import * as os from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { LatencyHistogram } from '../gateway';

const SECONDS = Number(process.env.TW_BENCH_HICCUP_SECONDS ?? 10);
const MIN_US = Number(process.env.TW_BENCH_HICCUP_MIN_US ?? 50);

interface SpinReport {
  seconds: number;
  pauses: number;
  pausesOver1ms: number;
  /** Share of the wall time spent in pauses over 1 ms, and in all pauses (%). */
  lostOver1msPct: number;
  lostPct: number;
  pauseP50Us: number;
  pauseP99Us: number;
  pauseMaxUs: number;
  /** Share of 1-ms windows that a pause over 1 ms touched (%). */
  windowsHitPct: number;
}

function spin(seconds: number): SpinReport {
  const h = new LatencyHistogram(60_000_000, 8);
  const start = performance.now();
  const end = start + seconds * 1000;
  const minMs = MIN_US / 1000;
  let last = start;
  let lost = 0;
  let lostOver1 = 0;
  let over1 = 0;
  let windowsHit = 0;
  let lastWindowHit = -1;
  for (;;) {
    const t = performance.now();
    const gap = t - last;
    if (gap > minMs) {
      h.record(Math.round(gap * 1000));
      lost += gap;
      if (gap > 1) {
        over1++;
        lostOver1 += gap;
        // Every 1-ms window from the pause's start to its end was touched.
        const from = Math.max(lastWindowHit + 1, Math.floor(last - start));
        const to = Math.floor(t - start);
        if (to >= from) {
          windowsHit += to - from + 1;
          lastWindowHit = to;
        }
      }
    }
    last = t;
    if (t >= end) break;
  }
  const wall = last - start;
  const pct = (x: number): number => Math.round((x / wall) * 10000) / 100;
  return {
    seconds: Math.round(wall) / 1000,
    pauses: h.totalCount,
    pausesOver1ms: over1,
    lostOver1msPct: pct(lostOver1),
    lostPct: pct(lost),
    pauseP50Us: h.valueAtPercentile(50),
    pauseP99Us: h.valueAtPercentile(99),
    pauseMaxUs: h.maxValue,
    windowsHitPct: Math.round((windowsHit / Math.max(1, Math.floor(wall))) * 10000) / 100,
  };
}

function spinInWorker(seconds: number): Promise<SpinReport> {
  return new Promise((resolve, reject) => {
    const w = new Worker(__filename, { workerData: { seconds } });
    w.once('message', (r: SpinReport) => resolve(r));
    w.once('error', reject);
  });
}

async function main(): Promise<void> {
  const cpus = os.cpus().length;
  process.stderr.write(`hiccups: one spinning thread for ${SECONDS} s, then ${cpus} at once\n`);
  const alone = spin(SECONDS);
  const together = await Promise.all(Array.from({ length: cpus }, () => spinInWorker(SECONDS)));
  const out = {
    bench: 'hiccups',
    minPauseUs: MIN_US,
    oneThread: alone,
    allCpus: together,
    cpus,
    loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
    cpu: os.cpus()[0]?.model ?? '',
    node: process.version,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

if (isMainThread) {
  void main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
} else {
  parentPort?.postMessage(spin((workerData as { seconds: number }).seconds));
}
