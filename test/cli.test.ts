// The tickwire command as a user runs it: the compiled binary in a child process.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve(__dirname, '../dist/bin/tickwire.js');
// Test runs of `run` must not collide with each other or a running tickwire: any free
// rewinder and snapshot ports, and short end-of-session repeats.
const QUIET_FEED = ['--set', 'publisher.rewinder.port=0', '--set', 'publisher.snapshot.port=0', '--set', 'publisher.endOfSessionIntervalMs=100', '--set', 'gateway.port=0', '--set', 'orderEntry.enabled=false'];

function tickwire(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The journal files in a folder (each has a sent-watermark file beside it). */
function journals(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.journal'));
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tw-cli-'));
}

describe('tickwire command', () => {
  test('every subcommand has --help', () => {
    for (const cmd of [[], ['run'], ['publish'], ['sim'], ['replay'], ['feed'], ['gateway'], ['export'], ['keys']]) {
      const r = tickwire([...cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: tickwire/);
    }
  });

  test('sim: one seed prints one hash; its journal replays to the same hash', () => {
    const dir = tmpDir();
    const journal = path.join(dir, 'day.journal');
    const a = JSON.parse(tickwire(['sim', '--seed', '9', '--orders', '30000', '--json', '--journal', journal]).stdout);
    const b = JSON.parse(tickwire(['sim', '--seed', '9', '--orders', '30000', '--json']).stdout);
    const replay = JSON.parse(tickwire(['sim', '--replay', journal, '--json']).stdout);
    expect(a.seed).toBe(9);
    expect(a.eventsSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(b.eventsSha256).toBe(a.eventsSha256);
    expect(replay.eventsSha256).toBe(a.eventsSha256);
    expect(replay.stateSha256).toBe(a.stateSha256);
    expect(replay.orders).toBe(30000);
    expect(a.executions).toBeGreaterThan(0);
  });

  test('a bad config prints every problem with its path and exits non-zero before anything starts', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ sim: { symbols: 0 }, journal: { flush: 'never' } }));
    const r = tickwire(['sim', '--orders', '10', '--config', file, '--set', 'engine.tickSize=-5'], { TICKWIRE_SIM_SEED: 'abc' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/TW_ERR_BAD_CONFIG: 4 problems/);
    for (const p of ['sim.symbols', 'journal.flush', 'engine.tickSize', 'sim.seed']) expect(r.stderr).toContain(`  ${p}: `);
    expect(r.stdout).toBe('');
  });

  test('a bad flag value and a missing journal are clear errors', () => {
    expect(tickwire(['sim', '--orders', 'lots']).stderr).toMatch(/--orders must be a whole number/);
    const r = tickwire(['sim', '--replay', '/nonexistent/x.journal']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/TW_ERR_JOURNAL_IO/);
  });

  test('run trades at a live pace, ends the day on SIGINT with exit 0, and starts a new session next time', async () => {
    const dir = tmpDir();
    const template = path.join(dir, '{date}.journal');
    const start = () =>
      spawn(process.execPath, [BIN, 'run', '--rate', '3000', '--set', `journal.path=${template}`, '--set', `storage.path=${path.join(dir, 'tickwire.duckdb')}`, '--set', 'sim.symbols=10', ...QUIET_FEED], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const runOnce = async (): Promise<{ code: number | null; out: string }> => {
      const child = start();
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      // Trade until the journal holds well over 1,000 orders (start-up time varies on a loaded machine).
      const until = Date.now() + 60_000;
      const recordsNow = (): number => journals(dir).reduce((n, f) => n + Math.max(0, fs.statSync(path.join(dir, f)).size - 16) / 56, 0);
      const before = recordsNow();
      while (recordsNow() - before < 1300 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGINT');
      const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      return { code, out };
    };
    const first = await runOnce();
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/end of day: [\d,]+ orders/);
    const orders = Number(/end of day: ([\d,]+) orders/.exec(first.out)![1].replace(/,/g, ''));
    expect(orders).toBeGreaterThan(1000);
    const files = journals(dir);
    expect(files).toHaveLength(1);
    const replay = JSON.parse(tickwire(['sim', '--replay', path.join(dir, files[0]), '--json', '--set', 'sim.symbols=10']).stdout);
    expect(replay.orders).toBe(orders);
    // The first session ended (end of messages), so the next run opens a second one.
    const second = await runOnce();
    expect(second.code).toBe(0);
    expect(journals(dir).sort()).toEqual([files[0], files[0].replace('.journal', '-2.journal')].sort());
  });

  test('run killed with SIGKILL resumes the same session from its journal, with no gap in sequence numbers', async () => {
    const dir = tmpDir();
    const template = path.join(dir, '{date}.journal');
    const args = [BIN, 'run', '--rate', '3000', '--set', `journal.path=${template}`, '--set', `storage.path=${path.join(dir, 'tickwire.duckdb')}`, '--set', 'sim.symbols=10', ...QUIET_FEED];
    const startRun = () => {
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      return { child, exited, output: () => out };
    };
    const first = startRun();
    // Until the journal holds over 1,000 commands (16-byte header + 56 bytes each): start-up
    // (storage opening its database first) takes longer on a loaded machine than a fixed sleep.
    const deadline = Date.now() + 30_000;
    const journalBytes = (): number => journals(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
    while (journalBytes() < 16 + 1200 * 56 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    first.child.kill('SIGKILL');
    await first.exited;
    const file = path.join(dir, journals(dir)[0]);
    const before = JSON.parse(tickwire(['sim', '--replay', file, '--json', '--set', 'sim.symbols=10']).stdout);
    expect(before.commands).toBeGreaterThan(1000);

    const second = startRun();
    // Ctrl-C is handled once the banner is out (a loaded machine can take seconds to get there:
    // replay, storage, gateway); then trade a little before it.
    const started = Date.now() + 60_000;
    while (!/Ctrl-C ends the day/.test(second.output()) && Date.now() < started) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1000));
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    expect(second.output()).toMatch(/resumed after [\d,]+ commands/);
    expect(journals(dir)).toHaveLength(1); // the same session, not a new one
    // Replay checks that inbound sequence numbers are contiguous across the restart.
    const after = JSON.parse(tickwire(['sim', '--replay', file, '--json', '--set', 'sim.symbols=10']).stdout);
    expect(after.commands).toBeGreaterThan(before.commands);
    expect(after.journalRecords).toBe(after.commands);
  });
});
