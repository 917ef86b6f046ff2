// The configuration's error catalogue.

export interface ConfigProblem {
  /** Dotted path of the setting, or the source (file, env variable, flag) it came from. */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  readonly code = 'TW_ERR_BAD_CONFIG';
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(
      `TW_ERR_BAD_CONFIG: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the configuration:\n` +
        problems.map((p) => `  ${p.path}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
