// One restart contract for every sink: the writer's process SIGKILLed in the middle of a
// batch, then restarted from the journal, ends with exactly the tables of a clean run
// (every row of every table, by content, ordered by sequence) and a trade row for every
// execution on the feed. The kill comes while a batch is held before its last sequence is
// committed: on DuckDB the batch is an open transaction (nothing of it is stored); on
// QuestDB its rows are already stored past the stored position (each flush of ILP rows is
// its own transaction), which is what a restart must ignore or rewrite identically.
// QuestDB runs when QUESTDB_URL is set (.ci/run starts one), and says why it is skipped
// otherwise.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { TABLES, questdbExec, type TableDef } from '../storage';
import { waitUntil } from './support/feed';

const CHILD = path.resolve(__dirname, '../dist/test/support/storage-crash-child.js');
const ORDERS = 20_000;
const QUESTDB_URL = process.env.QUESTDB_URL ?? '';
/** Each table's rows in a fixed order (a store's content, to compare two of them). */
const ORDER: Record<string, string> = {
  feed_messages: 'sequence',
  trades: 'sequence',
  candles: 'sequence, resolution, symbol',
  l2_snapshots: 'sequence, symbol',
};

/** What the test reads from a store: one session's rows (all columns but the session's name, as text) and its stored position. */
interface StoreReader {
  rows(table: TableDef, session: string): Promise<string[][]>;
  position(session: string): Promise<number>;
  close(): Promise<void>;
}

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const columnsOf = (t: TableDef): string[] => t.columns.map((c) => c.name).filter((n) => n !== 'session');

async function duckDbReader(file: string): Promise<StoreReader> {
  const db = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const c = await db.connect();
  return {
    async rows(t, session) {
      const sql = `SELECT ${columnsOf(t).join(', ')} FROM ${t.name} WHERE session = '${session}' ORDER BY ${ORDER[t.name]}`;
      return (await c.runAndReadAll(sql)).getRows().map((r) => r.map(text));
    },
    async position(session) {
      const r = (await c.runAndReadAll(`SELECT last_sequence FROM tw_streams WHERE session = '${session}'`)).getRows();
      return r.length === 0 ? 0 : Number(r[0][0]);
    },
    async close() {
      c.closeSync();
      db.closeSync();
    },
  };
}

/** Waits until QuestDB has applied every WAL transaction it has accepted (its tables are read as of then). */
async function questDbApplied(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await questdbExec(url, 'SELECT name, writerTxn, sequencerTxn, suspended FROM wal_tables()');
    if (r.some((t) => t[3] === true)) throw new Error(`a QuestDB WAL table is suspended: ${JSON.stringify(r)}`);
    if (r.every((t) => Number(t[1]) >= Number(t[2]))) return;
    if (Date.now() > deadline) throw new Error(`QuestDB has not applied its WAL tables in 60 s: ${JSON.stringify(r)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function questDbReader(url: string): Promise<StoreReader> {
  await questDbApplied(url);
  return {
    async rows(t, session) {
      const sql = `SELECT ${columnsOf(t).map((c) => `"${c}"`).join(', ')} FROM ${t.name} WHERE session = '${session}' ORDER BY ${ORDER[t.name]}`;
      return (await questdbExec(url, sql)).map((r) => r.map(text));
    },
    async position(session) {
      const r = await questdbExec(url, `SELECT max(last_sequence) FROM tw_streams WHERE session = '${session}'`);
      return r.length === 0 || r[0][0] === null ? 0 : Number(r[0][0]);
    },
    async close() {},
  };
}

interface Content {
  /** Per table: rows and a SHA-256 of them in order. */
  hashes: string[];
  rows: Map<string, string[]>;
  /** Trade rows, and execution messages on the feed (E, P, and printable C). */
  trades: number;
  executions: number;
  /** E, C, X, D and U rows whose order's side was not known. */
  emptySides: number;
}

async function content(reader: StoreReader, session: string): Promise<Content> {
  const hashes: string[] = [];
  const rows = new Map<string, string[]>();
  let executions = 0;
  let emptySides = 0;
  for (const t of TABLES) {
    const lines = (await reader.rows(t, session)).map((r) => r.join('\t'));
    rows.set(t.name, lines);
    hashes.push(`${t.name}:${lines.length}:${createHash('sha256').update(lines.join('\n')).digest('hex')}`);
  }
  const fm = await reader.rows(TABLES[0], session);
  const cols = columnsOf(TABLES[0]);
  const [type, side, code] = ['type', 'side', 'code'].map((c) => cols.indexOf(c));
  for (const r of fm) {
    if (r[type] === 'E' || r[type] === 'P' || (r[type] === 'C' && r[code] === 'Y')) executions++;
    if ('ECXDU'.includes(r[type]) && r[side] === '') emptySides++;
  }
  return { hashes, rows, trades: rows.get('trades')?.length ?? 0, executions, emptySides };
}

/** Rows of each table found in one store and not the other (multisets of whole rows). */
function differences(a: Content, b: Content): Record<string, { onlyInClean: number; onlyInCrashed: number }> {
  const out: Record<string, { onlyInClean: number; onlyInCrashed: number }> = {};
  for (const t of TABLES) {
    const left = new Map<string, number>();
    for (const r of a.rows.get(t.name) ?? []) left.set(r, (left.get(r) ?? 0) + 1);
    let onlyInCrashed = 0;
    for (const r of b.rows.get(t.name) ?? []) {
      const n = left.get(r) ?? 0;
      if (n > 0) left.set(r, n - 1);
      else onlyInCrashed++;
    }
    let onlyInClean = 0;
    for (const n of left.values()) onlyInClean += n;
    out[t.name] = { onlyInClean, onlyInCrashed };
  }
  return out;
}

function child(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CHILD, ...args], { encoding: 'utf8', timeout: 120_000 });
}

interface Engine {
  name: string;
  /** Why it cannot run here ('' if it can). */
  skip: string;
  /** The store argument for the child (a DuckDB file or the QuestDB URL). */
  store(dir: string, run: string): string;
  reader(store: string): Promise<StoreReader>;
}

const ENGINES: Engine[] = [
  { name: 'duckdb', skip: '', store: (dir, run) => path.join(dir, `${run}.duckdb`), reader: duckDbReader },
  {
    name: 'questdb',
    skip: QUESTDB_URL === '' ? 'QUESTDB_URL is not set (.ci/run starts a QuestDB and sets it; or start one and run QUESTDB_URL=http://127.0.0.1:9000 npx jest test/storage-crash)' : '',
    store: () => QUESTDB_URL,
    reader: questDbReader,
  },
];

for (const engine of ENGINES) {
  const title = `${engine.name}: a writer SIGKILLed mid-batch and restarted ends with the tables of a clean run, every execution a trade row`;
  if (engine.skip !== '') {
    test.skip(`${title} (skipped: ${engine.skip})`, () => {});
    continue;
  }
  test(title, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tw-crash-${engine.name}-`));
    // Sessions of their own: runs on one QuestDB server keep apart (and apart from other runs').
    const tag = `${Date.now().toString(36).slice(-7)}${process.pid % 100}`; // a session name is at most 12 characters
    const clean = { session: `TWC${tag}`, store: engine.store(dir, 'clean'), journal: path.join(dir, 'clean.journal') };
    const crashed = { session: `TWK${tag}`, store: engine.store(dir, 'crashed'), journal: path.join(dir, 'crashed.journal') };
    try {
      const c = child(['run', clean.journal, clean.store, String(ORDERS), '0', clean.session]);
      expect(c.stderr).toBe('');
      const published = Number(/published (\d+)/.exec(c.stdout)?.[1]);
      expect(c.stdout).toContain(`stored ${published}`);

      // The crashed run: the third batch held before its last sequence is committed, then SIGKILL.
      const run = spawn(process.execPath, [CHILD, 'run', crashed.journal, crashed.store, String(ORDERS), '400', crashed.session], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      run.stdout.on('data', (d: Buffer) => (out += d.toString()));
      run.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<void>((resolve) => run.on('exit', () => resolve()));
      await waitUntil('a third batch held before its commit', () => (out.match(/appended/g) ?? []).length >= 3 || run.exitCode !== null, 60_000);
      run.kill('SIGKILL');
      await exited;
      expect(err).toBe('');
      expect(Number(/published (\d+)/.exec(out)?.[1])).toBe(published); // the same day

      let reader = await engine.reader(crashed.store);
      const position = await reader.position(crashed.session);
      const feed = await reader.rows(TABLES[0], crashed.session);
      await reader.close();
      const past = feed.filter((r) => Number(r[columnsOf(TABLES[0]).indexOf('sequence')]) > position).length;
      expect(position).toBeGreaterThan(0);
      expect(position).toBeLessThan(published);
      // DuckDB commits rows and position together; QuestDB has the held batch's rows stored past it.
      if (engine.name === 'duckdb') expect(past).toBe(0);
      else expect(past).toBeGreaterThan(0);

      const r = child(['resume', crashed.journal, crashed.store, crashed.session]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`resumed-from ${position}`);
      expect(r.stdout).toContain(`stored ${published}`);

      reader = await engine.reader(clean.store);
      const want = await content(reader, clean.session);
      await reader.close();
      reader = await engine.reader(crashed.store);
      const got = await content(reader, crashed.session);
      await reader.close();
      const summary = (x: Content) => ({ trades: x.trades, executions: x.executions, emptySides: x.emptySides, feedMessages: x.rows.get('feed_messages')?.length });
      process.stdout.write(`${engine.name} crash test: killed at stored position ${position} with ${past} feed rows past it; clean ${JSON.stringify(summary(want))}, crashed ${JSON.stringify(summary(got))}, differences ${JSON.stringify(differences(want, got))}\n`);
      expect(want.trades).toBe(want.executions);
      expect(want.rows.get('feed_messages')).toHaveLength(published);
      expect(summary(got)).toEqual(summary(want));
      expect(differences(want, got)).toEqual(Object.fromEntries(TABLES.map((t) => [t.name, { onlyInClean: 0, onlyInCrashed: 0 }])));
      expect(got.hashes).toEqual(want.hashes);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
}
