// Restart continuity: a process that crashed (even SIGKILL) and is started again continues
// the same session with no gap on the wire. The journal says whether the session is still
// open and what to replay (muted: receivers do not see the day again); the sent-watermark
// says from where to send again what the crashed process may not have sent.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TickwireConfig } from '../config';
import { resolveSessionName } from '../protocol';
import { journalEndsSession, journalPathFor, journalRecordCount } from '../sim';

/**
 * True when a journal's session is over: End of Messages is among its last records (nothing
 * but the closing events follows a session's end). Read from the file's tail: a start-up
 * that replayed every earlier session of the day to learn this took about 0.5 s per million
 * records of each.
 */
export function sessionEnded(file: string): boolean {
  return journalEndsSession(file);
}

/** Whole records a journal already holds (0 if absent or unreadable): a restart replays them. */
export function journaledCommands(file: string): number {
  return file === '' ? 0 : journalRecordCount(file);
}

/**
 * The sent-watermark file beside the journal: the highest sequence number both lines had
 * finished sending, written a few times a second. A restart re-sends everything after it,
 * so a receiver sees no gap; a stale or unreadable watermark only means more repeats.
 */
export function watermarkPath(journalPath: string): string {
  return `${journalPath}.sent`;
}

/** The watermark a previous process left (0 when there is none or it cannot be read). */
export function readWatermark(file: string): number {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n >= 0 ? n : 0;
  } catch {
    return 0;
  }
}

/** Keeps the sent-watermark file up to date from `sentThrough()` every `intervalMs`. */
export class SentWatermark {
  private written = -1;
  private readonly timer: NodeJS.Timeout | null;

  constructor(
    private readonly file: string,
    private readonly sentThrough: () => number,
    intervalMs = 50,
  ) {
    this.timer = file === '' ? null : setInterval(() => this.write(), intervalMs);
    this.timer?.unref();
  }

  /** Writes the watermark now if it moved. Unwritable: a restart then re-sends more (repeats, never a gap). */
  write(): void {
    const sent = this.sentThrough();
    if (this.file === '' || sent === this.written) return;
    try {
      fs.writeFileSync(this.file, String(sent));
      this.written = sent;
    } catch {
      // see above
    }
  }

  /** Stops the timer after one last write. */
  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.write();
  }
}

/**
 * The feed's session name for this journal: the journal's "-N" (the day's Nth session, from
 * sessionJournalPath) is the name's ordinal (protocol/'s rule), so a crash restart continues
 * the same name and a session opened after a clean end of day gets its own.
 */
export function withSessionName(config: TickwireConfig, journalPath: string, sessionDate: string): TickwireConfig {
  const first = journalPathFor(config.journal.path, sessionDate);
  const stem = (p: string): string => p.slice(0, p.length - path.extname(p).length);
  const n = journalPath !== '' && journalPath !== first ? /^-(\d+)$/.exec(stem(journalPath).slice(stem(first).length)) : null;
  const session = resolveSessionName(config.publisher.session, sessionDate, n === null ? 1 : Number(n[1]));
  return { ...config, publisher: { ...config.publisher, session } };
}
