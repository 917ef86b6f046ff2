// Loads the configuration: defaults, then a JSON file (--config), then TICKWIRE_*
// environment variables, then flags; each later source overrides the earlier.
// Every problem from every source is collected and reported at once.
import * as fs from 'node:fs';
import { z } from 'zod';
import { ConfigError, type ConfigProblem } from './errors';
import { configSchema, type TickwireConfig } from './schema';

export interface ConfigSources {
  /** Path of a JSON config file. */
  file?: string;
  /** Environment (defaults to none; pass process.env). */
  env?: NodeJS.ProcessEnv;
  /** Settings from flags, by dotted path: { 'sim.seed': 7 }. */
  flags?: Record<string, unknown>;
}

type Tree = { [key: string]: unknown };

/** `sim.ordersPerSec` -> `TICKWIRE_SIM_ORDERS_PER_SEC`. */
export function envName(path: string): string {
  return 'TICKWIRE_' + path.split('.').map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}

/** Dotted paths of every leaf setting in the schema. */
export function settingPaths(): string[] {
  const out: string[] = [];
  const walk = (schema: z.ZodType, prefix: string): void => {
    let s: z.ZodType = schema;
    // Unwrap defaults, optionals and refinements down to the object or the leaf.
    for (;;) {
      const def = (s as unknown as { def: { type: string; innerType?: z.ZodType; in?: z.ZodType } }).def;
      if ((def.type === 'default' || def.type === 'optional' || def.type === 'prefault') && def.innerType) s = def.innerType;
      else if (def.type === 'pipe' && def.in) s = def.in;
      else break;
    }
    if (s instanceof z.ZodObject) {
      for (const [key, child] of Object.entries(s.shape as Record<string, z.ZodType>)) walk(child, prefix ? `${prefix}.${key}` : key);
    } else {
      out.push(prefix);
    }
  };
  walk(configSchema, '');
  return out;
}

function setPath(tree: Tree, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = tree;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = node[parts[i]];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[parts[i]] = {};
    node = node[parts[i]] as Tree;
  }
  node[parts[parts.length - 1]] = value;
}

/** Env and flag values arrive as text: "42" is a number, "true" a boolean, anything else a string. */
export function parseScalar(text: string): unknown {
  const t = text.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t !== '' && /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return Number(t);
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

export function loadConfig(sources: ConfigSources = {}): TickwireConfig {
  const problems: ConfigProblem[] = [];
  let tree: Tree = {};

  if (sources.file) {
    try {
      const parsed = JSON.parse(fs.readFileSync(sources.file, 'utf8')) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        problems.push({ path: sources.file, message: 'the config file must hold a JSON object' });
      } else {
        tree = parsed as Tree;
      }
    } catch (err) {
      problems.push({ path: sources.file, message: `cannot read the config file: ${(err as Error).message}` });
    }
  }

  const paths = settingPaths();
  if (sources.env) {
    const byEnv = new Map(paths.map((p) => [envName(p), p]));
    for (const [name, value] of Object.entries(sources.env)) {
      if (!name.startsWith('TICKWIRE_') || value === undefined) continue;
      const path = byEnv.get(name);
      if (path === undefined) {
        problems.push({ path: name, message: `unknown setting; known ones are ${[...byEnv.keys()].join(', ')}` });
      } else {
        setPath(tree, path, parseScalar(value));
      }
    }
  }

  for (const [path, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    if (!paths.includes(path)) {
      problems.push({ path, message: `unknown setting (from a flag); known ones are ${paths.join(', ')}` });
      continue;
    }
    setPath(tree, path, typeof value === 'string' ? parseScalar(value) : value);
  }

  const result = configSchema.safeParse(tree);
  if (!result.success) {
    for (const issue of result.error.issues) {
      problems.push({ path: issue.path.length ? issue.path.join('.') : '(root)', message: issue.message });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return (result as { data: TickwireConfig }).data;
}

/** Parses `--set path=value` pairs. */
export function parseSetFlags(pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError([{ path: pair, message: 'expected --set path=value, for example --set sim.seed=7' }]);
    out[pair.slice(0, eq)] = parseScalar(pair.slice(eq + 1));
  }
  return out;
}
