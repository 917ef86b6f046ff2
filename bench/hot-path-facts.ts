// The "Hot paths" facts of STYLE.md, re-measured on whichever Node runs this file: each
// figure is a ratio of two variants timed in alternating short slices in one process
// (facts-fixtures/interleave.ts), the median of the per-round ratios, with quartiles.
//   1. DataView.getUint32 vs Buffer.readUInt32BE over the same bytes.
//   2. An open-addressing Int32Array table vs Map for integer order refs (add/get/delete).
//   3. process.hrtime.bigint() vs process.hrtime() vs performance.now(): cost per call,
//      and minor GCs over a million calls of each (perf_hooks 'gc' entries).
//   4. Random access in 64 MB vs 256 KB Int32Arrays: dependent (pointer chase: latency)
//      and independent (seeded LCG indices: throughput).
//   5. CommonJS `export *` getters: a hot loop through a re-exporting index vs module-local
//      copies, as tsc's CommonJS, as an esbuild bundle and as unbundled ESM (esbuild), each
//      in a child process (facts-fixtures/getter-child.ts).
// `npm run bench:facts`; TW_SEED (20261122), TW_FACTS_BUDGET_MS (1500) per fact.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';
import { Prng } from '../sim';
import { calibrate, consume, interleave, nsPerUnit, type Ratio, ratio, round3, sinkValue } from './facts-fixtures/interleave';

const SEED = Number(process.env.TW_SEED ?? 20261122);
const BUDGET_MS = Number(process.env.TW_FACTS_BUDGET_MS ?? 1500);
const SLICE_MS = 2;
const rng = new Prng(SEED);

// ---- 1. DataView.getUint32 vs Buffer.readUInt32BE --------------------------------------

function dataViewVsBuffer(): { ratio: Ratio; getUint32Ns: number } {
  const LEN = 1 << 16;
  const buf = Buffer.alloc(LEN + 8);
  for (let i = 0; i < buf.length; i++) buf[i] = rng.nextU32() & 0xff;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const mask = LEN - 1;
  let offDv = 0;
  let offBuf = 0;
  // Unaligned offsets (ITCH fields are), the same sequence for both.
  const viaDataView = (n: number): number => {
    let s = 0;
    let off = offDv;
    for (let i = 0; i < n; i++) {
      s ^= dv.getUint32(off);
      off = (off + 5) & mask;
    }
    offDv = off;
    return s;
  };
  const viaBuffer = (n: number): number => {
    let s = 0;
    let off = offBuf;
    for (let i = 0; i < n; i++) {
      s ^= buf.readUInt32BE(off);
      off = (off + 5) & mask;
    }
    offBuf = off;
    return s;
  };
  const slices = [viaDataView, viaBuffer];
  const units = calibrate(slices, SLICE_MS);
  const times = interleave(slices, units, BUDGET_MS);
  return { ratio: ratio(times, 1, 0), getUint32Ns: nsPerUnit(times, 0, units) };
}

// ---- 2. Int32Array open addressing vs Map ----------------------------------------------

const OP_ADD = 0;
const OP_GET = 1;
const OP_DELETE = 2;

/** A seeded day in miniature: 30,000 live refs, then add 30% / get 40% / delete 30%, then drain. */
function refWorkload(live: number, steps: number): { kinds: Uint8Array; refs: Int32Array } {
  const kinds: number[] = [];
  const refs: number[] = [];
  const held: number[] = [];
  let next = 1 + rng.nextInt(1000);
  const add = () => {
    kinds.push(OP_ADD);
    refs.push(next);
    held.push(next);
    next += 1 + rng.nextInt(4); // refs rise, with gaps (other participants' orders)
  };
  const remove = () => {
    const i = rng.nextInt(held.length);
    kinds.push(OP_DELETE);
    refs.push(held[i]);
    held[i] = held[held.length - 1];
    held.pop();
  };
  for (let i = 0; i < live; i++) add();
  for (let s = 0; s < steps; s++) {
    const u = rng.next();
    if (u < 0.3 || held.length === 0) add();
    else if (u < 0.7) {
      kinds.push(OP_GET);
      // 1 in 20 looks up an unknown ref (an orphan).
      refs.push(rng.nextInt(20) === 0 ? next + 1 + rng.nextInt(1000) : held[rng.nextInt(held.length)]);
    } else remove();
  }
  while (held.length > 0) remove();
  return { kinds: Uint8Array.from(kinds), refs: Int32Array.from(refs) };
}

/** Open addressing, linear probing, backward-shift deletion (no tombstones); ref 0 = empty. */
class RefTable32 {
  private readonly keys: Int32Array;
  private readonly values: Int32Array;
  private readonly mask: number;
  private readonly shift: number;

  constructor(bits: number) {
    this.keys = new Int32Array(1 << bits);
    this.values = new Int32Array(1 << bits);
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
  }

  private home(ref: number): number {
    return Math.imul(ref, 0x9e3779b1) >>> this.shift;
  }

  set(ref: number, value: number): void {
    const keys = this.keys;
    let i = this.home(ref);
    while (keys[i] !== 0 && keys[i] !== ref) i = (i + 1) & this.mask;
    keys[i] = ref;
    this.values[i] = value;
  }

  get(ref: number): number {
    const keys = this.keys;
    let i = this.home(ref);
    for (;;) {
      const k = keys[i];
      if (k === ref) return this.values[i];
      if (k === 0) return -1;
      i = (i + 1) & this.mask;
    }
  }

  delete(ref: number): boolean {
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    let i = this.home(ref);
    for (;;) {
      const k = keys[i];
      if (k === 0) return false;
      if (k === ref) break;
      i = (i + 1) & mask;
    }
    // Shift later entries of the run back into the hole (Knuth, Algorithm R).
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = keys[j];
      if (k === 0) break;
      const h = this.home(k);
      if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
        keys[i] = k;
        values[i] = values[j];
        i = j;
      }
    }
    keys[i] = 0;
    return true;
  }
}

function tableVsMap(): { ratio: Ratio; tableNsPerOp: number; ops: number } {
  const { kinds, refs } = refWorkload(30_000, 120_000);
  const table = new RefTable32(16); // 65,536 slots: load <= 0.46
  const map = new Map<number, number>();
  const viaTable = (n: number): number => {
    let s = 0;
    for (let pass = 0; pass < n; pass++) {
      for (let i = 0; i < kinds.length; i++) {
        const kind = kinds[i];
        const ref = refs[i];
        if (kind === OP_ADD) table.set(ref, i);
        else if (kind === OP_GET) s = (s + table.get(ref)) | 0;
        else if (table.delete(ref)) s++;
      }
    }
    return s;
  };
  const viaMap = (n: number): number => {
    let s = 0;
    for (let pass = 0; pass < n; pass++) {
      for (let i = 0; i < kinds.length; i++) {
        const kind = kinds[i];
        const ref = refs[i];
        if (kind === OP_ADD) map.set(ref, i);
        else if (kind === OP_GET) s = (s + (map.get(ref) ?? -1)) | 0;
        else if (map.delete(ref)) s++;
      }
    }
    return s;
  };
  if (viaTable(1) !== viaMap(1)) throw new Error('RefTable32 and Map disagree on the workload');
  const slices = [viaTable, viaMap];
  const units = calibrate(slices, SLICE_MS);
  const times = interleave(slices, units, BUDGET_MS);
  return { ratio: ratio(times, 1, 0), tableNsPerOp: nsPerUnit(times, 0, units * kinds.length), ops: kinds.length };
}

// ---- 3. Clocks: cost per call, and allocation ------------------------------------------

const hrtimeBigint = (n: number): number => {
  let prev = process.hrtime.bigint();
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    acc += Number(t - prev);
    prev = t;
  }
  return acc;
};
const hrtimeArray = (n: number): number => {
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const t = process.hrtime();
    acc += t[1];
  }
  return acc;
};
const perfNow = (n: number): number => {
  let prev = performance.now();
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    acc += t - prev;
    prev = t;
  }
  return acc;
};
const emptyLoop = (n: number): number => {
  let acc = 0;
  for (let i = 0; i < n; i++) acc += i & 7;
  return acc;
};

/** Minor GCs while `fn` makes `calls` calls (perf_hooks 'gc' entries, delivered after a tick). */
async function minorGcs(fn: (n: number) => number, calls: number): Promise<number> {
  let minor = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) minor++;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  await new Promise((r) => setTimeout(r, 20));
  minor = 0;
  consume(fn(calls));
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  return minor;
}

async function clocks(): Promise<Record<string, unknown>> {
  const slices = [perfNow, hrtimeArray, hrtimeBigint];
  const units = calibrate(slices, SLICE_MS);
  const times = interleave(slices, units, BUDGET_MS);
  const CALLS = 1_000_000;
  return {
    hrtimeBigintOverHrtime: ratio(times, 2, 1),
    hrtimeBigintOverPerformanceNow: ratio(times, 2, 0),
    hrtimeOverPerformanceNow: ratio(times, 1, 0),
    performanceNowNsPerCall: nsPerUnit(times, 0, units),
    hrtimeNsPerCall: nsPerUnit(times, 1, units),
    hrtimeBigintNsPerCall: nsPerUnit(times, 2, units),
    minorGcsPerMillionCalls: {
      emptyLoop: await minorGcs(emptyLoop, CALLS),
      performanceNow: await minorGcs(perfNow, CALLS),
      hrtime: await minorGcs(hrtimeArray, CALLS),
      hrtimeBigint: await minorGcs(hrtimeBigint, CALLS),
    },
  };
}

// ---- 4. Random access: 64 MB vs 256 KB -------------------------------------------------

/** A single random cycle through all n slots (Sattolo), so a chase visits every slot. */
function cycle(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

function chaser(a: Int32Array): (n: number) => number {
  let p = 0; // carried across slices: a slice never re-walks the last one's (now cached) path
  return (n: number): number => {
    for (let i = 0; i < n; i++) p = a[p];
    return p;
  };
}

function reader(a: Int32Array): (n: number) => number {
  const shift = 32 - Math.log2(a.length);
  let x = SEED | 0;
  return (n: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) | 0;
      s ^= a[x >>> shift];
    }
    return s;
  };
}

function randomAccess(): Record<string, unknown> {
  const small = cycle((256 * 1024) / 4);
  const big = cycle((64 * 1024 * 1024) / 4);
  const chase = [chaser(small), chaser(big)];
  const chaseUnits = calibrate(chase, SLICE_MS);
  const chaseTimes = interleave(chase, chaseUnits, BUDGET_MS);
  const read = [reader(small), reader(big)];
  const readUnits = calibrate(read, SLICE_MS);
  const readTimes = interleave(read, readUnits, BUDGET_MS);
  return {
    dependent64MbOver256Kb: ratio(chaseTimes, 1, 0),
    independent64MbOver256Kb: ratio(readTimes, 1, 0),
    dependent256KbNsPerAccess: nsPerUnit(chaseTimes, 0, chaseUnits),
    dependent64MbNsPerAccess: nsPerUnit(chaseTimes, 1, chaseUnits),
    independent256KbNsPerAccess: nsPerUnit(readTimes, 0, readUnits),
    independent64MbNsPerAccess: nsPerUnit(readTimes, 1, readUnits),
  };
}

// ---- 5. CommonJS re-export getters, bundled, ESM ---------------------------------------

interface ChildFigures {
  reexportOverLocal: Ratio;
  namedReexportOverLocal: Ratio;
  localNsPerIteration: number;
  getterNsPerRead: number;
}

function runChild(file: string): ChildFigures {
  const out = spawnSync(process.execPath, [file], {
    encoding: 'utf8',
    env: { ...process.env, TW_FACTS_BUDGET_MS: String(BUDGET_MS), TW_FACTS_SEED: String(SEED) },
  });
  if (out.status !== 0) throw new Error(`${file} exited ${out.status}: ${out.stderr}`);
  const lines = out.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as ChildFigures;
}

function getters(): Record<string, unknown> {
  // Sources sit beside the compiled tree: dist/bench/ -> bench/facts-fixtures/.
  const srcDir = path.resolve(__dirname, '..', '..', 'bench', 'facts-fixtures');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-facts-'));
  try {
    const esbuild = require('esbuild') as typeof import('esbuild');
    const bundle = path.join(tmp, 'bundle.cjs');
    esbuild.buildSync({ entryPoints: [path.join(srcDir, 'getter-child.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'error' });
    // Unbundled ESM: every fixture file transpiled alone, imports kept ('./index.js').
    const esmDir = path.join(tmp, 'esm');
    const sources = fs.readdirSync(srcDir).filter((f) => f.endsWith('.ts')).map((f) => path.join(srcDir, f));
    esbuild.buildSync({ entryPoints: sources, bundle: false, platform: 'node', format: 'esm', outdir: esmDir, logLevel: 'error' });
    fs.writeFileSync(path.join(esmDir, 'package.json'), '{"type":"module"}\n');
    const cjs = runChild(path.join(__dirname, 'facts-fixtures', 'getter-child.js'));
    const bundled = runChild(bundle);
    const esm = runChild(path.join(esmDir, 'getter-child.js'));
    return {
      reexportGetterOverLocal: cjs.reexportOverLocal,
      namedReexportGetterOverLocal: cjs.namedReexportOverLocal,
      bundledOverLocal: bundled.reexportOverLocal,
      bundledNamedOverLocal: bundled.namedReexportOverLocal,
      esmReexportOverLocal: esm.reexportOverLocal,
      esmNamedReexportOverLocal: esm.namedReexportOverLocal,
      localNsPerIteration: { cjs: cjs.localNsPerIteration, bundled: bundled.localNsPerIteration, esm: esm.localNsPerIteration },
      cjsGetterNsPerRead: cjs.getterNsPerRead,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const log = (what: string, x: unknown) => console.log(`${what}: ${JSON.stringify(x)}`);
  const dv = dataViewVsBuffer();
  log('1 DataView vs Buffer', dv);
  const table = tableVsMap();
  log('2 Int32Array table vs Map', table);
  const clock = await clocks();
  log('3 clocks', clock);
  const access = randomAccess();
  log('4 random access', access);
  const getter = getters();
  log('5 getters', getter);
  console.log(
    JSON.stringify({
      bench: 'hot-path-facts',
      node: process.version,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      seed: SEED,
      budgetMsPerFact: BUDGET_MS,
      readUInt32BEOverGetUint32: dv.ratio,
      getUint32Ns: dv.getUint32Ns,
      mapOverInt32Table: table.ratio,
      int32TableNsPerOp: table.tableNsPerOp,
      refOpsPerPass: table.ops,
      ...clock,
      ...access,
      ...getter,
      wallS: round3((performance.now() - started) / 1000),
      sink: sinkValue(),
    }),
  );
}

void main();
