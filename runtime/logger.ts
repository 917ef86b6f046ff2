// Structured logs: pino JSON lines on stderr, each problem carrying its stable TW_ERR_*
// code (`log.warn({ code }, message)`), so a log shipper can count and alert on codes. On
// a terminal the same records read as one human line each. Logging is off the hot paths:
// only events, problems and the end of the day are logged, never a message or an order.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogConfig } from '../config';

export type { Logger };

/** Formats a pino JSON line as `HH:MM:SS.mmm LEVEL [code] message key=value...`. */
export function humanLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { level, time, msg, code, pid: _pid, hostname: _host, ...rest } = rec;
  const when = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
  const name = typeof level === 'number' ? (pino.levels.labels[level] ?? String(level)).toUpperCase() : '';
  const extra = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return [when, name.padEnd(5), typeof code === 'string' ? code : '', String(msg ?? ''), ...extra].filter((p) => p !== '').join(' ') + '\n';
}

/** A destination that writes each JSON record as a human line. */
export function humanDestination(out: { write(s: string): unknown }): DestinationStream {
  return { write: (line: string) => void out.write(humanLine(line)) };
}

/**
 * The process's logger. `out` defaults to stderr; format 'auto' is human on a terminal,
 * JSON lines otherwise (what a file, a pipe or a log shipper gets).
 */
export function createLogger(config: LogConfig, out: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr): Logger {
  const pretty = config.format === 'pretty' || (config.format === 'auto' && out.isTTY === true);
  const destination: DestinationStream = pretty ? humanDestination(out) : { write: (line: string) => void out.write(line) };
  return pino({ level: config.level, base: { pid: process.pid } }, destination);
}

/** A logger that drops everything (tests, libraries used without one). */
export const SILENT_LOGGER: Logger = pino({ level: 'silent' });
