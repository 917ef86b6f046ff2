// Options for fast-check properties (fc.assert): a fresh seed every run, or TW_SEED to
// replay one. A failure's report carries `{ seed, path }` and the shrunk counterexample.
//   TW_SEED=<seed> npx jest <file>                      the same run, failure and shrink again
//   TW_SEED=<seed> TW_PATH=<path> npx jest <file> -t '<test name>'   straight to the shrunk case
// A model-based property (fc.commands) also needs the counterexample's replayPath:
//   ... TW_REPLAY_PATH=<replayPath> (printed in the counterexample as /*replayPath="..."*/).
// TW_PATH and TW_REPLAY_PATH belong to one property, so pick the test with -t.
import type { CommandsContraints, Parameters } from 'fast-check';

function envInteger(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`${name}=${text}: expected an integer seed (as printed in a fast-check failure report)`);
  return n | 0;
}

function envText(name: string): string | undefined {
  const text = process.env[name];
  return text === undefined || text === '' ? undefined : text;
}

/** `numRuns` inputs per property; the seed from TW_SEED when set (fast-check picks one otherwise). */
export function propertyOptions<T = unknown>(numRuns: number, extra: Parameters<T> = {}): Parameters<T> {
  const seed = envInteger('TW_SEED');
  const path = envText('TW_PATH');
  return { numRuns, ...(seed === undefined ? {} : { seed }), ...(path === undefined ? {} : { path }), ...extra };
}

/** fc.commands constraints: up to `maxCommands` per run (lengths spread over the whole range), replayable. */
export function commandsOptions(maxCommands: number): CommandsContraints {
  const replayPath = envText('TW_REPLAY_PATH');
  return { maxCommands, size: 'max', ...(replayPath === undefined ? {} : { replayPath }) };
}
