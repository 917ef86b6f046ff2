// Turns a command's options into a validated configuration, or prints every problem
// and exits non-zero before anything starts.
import { ConfigError, loadConfig, parseSetFlags, type TickwireConfig } from '../config';

export interface CommonOptions {
  config?: string;
  set?: string[];
}

/**
 * A command's own flags (`--rate`) win over `--set`; one it was not given (undefined) must
 * not: it would put back the default over `--set sim.ordersPerSec=...`.
 */
export function resolveConfig(options: CommonOptions, flags: Record<string, unknown>): TickwireConfig {
  const given = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  try {
    return loadConfig({ file: options.config, env: process.env, flags: { ...parseSetFlags(options.set ?? []), ...given } });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + '\n');
      process.exit(2);
    }
    throw err;
  }
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A numeric flag: commander hands strings; a bad one is reported by the config schema with its path. */
export function numberFlag(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) && value.trim() !== '' ? n : value;
}
