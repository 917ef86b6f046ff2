// bin/'s catalogue: what the command line itself refuses. Every other problem carries the
// code of the folder that found it (TW_ERR_BAD_CONFIG, TW_ERR_GW_*, TW_ERR_STORAGE_*, ...).
// Exit codes: 0 done, 1 failed, 2 bad config or flags.

export const CliErrorCode = {
  /** A command's own flag has a bad value (the message names the flag and what it takes). */
  BadFlag: 'TW_ERR_BAD_FLAG',
  /** A file named on the command line cannot be read. */
  File: 'TW_ERR_FILE',
} as const;
export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

/** Says what is wrong with a flag on stderr, with its code, and sets exit code 2. */
export function badFlag(message: string): void {
  process.stderr.write(`${CliErrorCode.BadFlag}: ${message}\n`);
  process.exitCode = EXIT_BAD_INPUT;
}
