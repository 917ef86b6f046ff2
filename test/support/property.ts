// Options for fast-check properties (fc.assert): one fixed seed (DEFAULT_SEED) so that every
// run, CI's included, tries the same inputs; TW_SEED to try or replay another, TW_SEED=random
// for a fresh one each run (exploring; a failure's report carries `{ seed, path }` and the
// shrunk counterexample, so it can be replayed).
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

/** The seed every property runs with unless TW_SEED says otherwise. */
export const DEFAULT_SEED = 20261207;

/** `numRuns` inputs per property; the seed DEFAULT_SEED, or TW_SEED's (`random`: fast-check picks one). */
export function propertyOptions<T = unknown>(numRuns: number, extra: Parameters<T> = {}): Parameters<T> {
  const seed = process.env.TW_SEED === 'random' ? undefined : (envInteger('TW_SEED') ?? DEFAULT_SEED);
  const path = envText('TW_PATH');
  return { numRuns, ...(seed === undefined ? {} : { seed }), ...(path === undefined ? {} : { path }), ...extra };
}

/** fc.commands constraints: up to `maxCommands` per run (lengths spread over the whole range), replayable. */
export function commandsOptions(maxCommands: number): CommandsContraints {
  const replayPath = envText('TW_REPLAY_PATH');
  return { maxCommands, size: 'max', ...(replayPath === undefined ? {} : { replayPath }) };
}
