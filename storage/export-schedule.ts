// The end-of-day export on a schedule (node-cron): by default 16:05 America/New_York,
// Monday to Friday, exporting that New York day.
import * as cron from 'node-cron';
import { StorageError, StorageErrorCode } from './errors';

export interface ExportSchedule {
  stop(): void;
  /** The next run, or null. */
  next(): Date | null;
}

/** The New York (or `timezone`) calendar date of an instant, YYYY-MM-DD. */
export function calendarDate(at: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** Runs `exportDay(date)` at each tick of `expression` in `timezone`; TW_ERR_STORAGE_BAD_CONFIG for a bad expression or zone. */
export function scheduleExport(expression: string, timezone: string, exportDay: (date: string) => Promise<unknown>): ExportSchedule {
  if (!cron.validate(expression)) {
    throw new StorageError(StorageErrorCode.BadConfig, `storage.export.schedule "${expression}" is not a cron expression (minute hour day-of-month month day-of-week, e.g. "5 16 * * 1-5")`);
  }
  try {
    calendarDate(new Date(), timezone);
  } catch {
    throw new StorageError(StorageErrorCode.BadConfig, `storage.export.timezone "${timezone}" is not an IANA time zone (e.g. America/New_York)`);
  }
  const task = cron.schedule(expression, (ctx) => exportDay(calendarDate(ctx.date, timezone)), { timezone, name: 'tickwire-export', noOverlap: true });
  task.unref();
  return { stop: () => void task.stop(), next: () => task.getNextRun() };
}
