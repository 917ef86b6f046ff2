// `tickwire run` with ha.enabled as a real child process, for the HA tests: its output kept
// (the last 100-200 KB) and its `ha:` figures line (printed every 200 ms) parsed as it comes.
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

export const TICKWIRE_BIN = path.resolve(__dirname, '..', '..', 'dist', 'bin', 'tickwire.js');

export interface HaFigures {
  role?: string;
  committedSeq?: number;
  writtenSeq?: number;
  replication?: { inSync?: boolean };
  feed?: Record<string, unknown>;
}

export interface HaNodeProcess {
  child: ChildProcess;
  out: string;
  figures: HaFigures;
}

/** Starts `tickwire run ...args` (the caller's flags, ha.enabled among them). */
export function startHaNodeProcess(args: string[]): HaNodeProcess {
  const child = spawn(process.execPath, [TICKWIRE_BIN, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const node: HaNodeProcess = { child, out: '', figures: {} };
  child.stdout?.on('data', (b: Buffer) => {
    node.out += b.toString();
    const lines = node.out.split('\n');
    for (let i = lines.length - 2; i >= 0; i--) {
      if (lines[i].startsWith('ha: {')) {
        node.figures = JSON.parse(lines[i].slice(4)) as HaFigures;
        break;
      }
    }
    if (node.out.length > 200_000) node.out = node.out.slice(-100_000);
  });
  child.stderr?.on('data', (b: Buffer) => (node.out += b.toString()));
  return node;
}

/** Polls `check` every 5 ms; on timeout the error carries the tail of `out()`. */
export async function waitFor(what: string, check: () => boolean, ms = 20_000, out?: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${out ? `: ${out().slice(-3000)}` : ''}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
