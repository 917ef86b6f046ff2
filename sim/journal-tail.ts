// Reading a journal from its end, without replaying it: its records are fixed-size (a 16-byte
// header, then 56 bytes each: journal.ts), so the last N are one read at a known offset.
// What a start-up or a session's opening needs to know of a journal lives there: whether its
// session ended (End of Messages is its last record), its last sequence number, and its
// closing statement (closing-statement.ts). Replaying a design-basis day to learn them took
// minutes (about 0.5 s per million records).
import * as fs from 'node:fs';
import { crc32, SystemEventCode } from '../protocol';
import { COMMAND_SIZE, CommandBuffer, CommandType } from './command';
import { JOURNAL_HEADER_SIZE, JOURNAL_RECORD_SIZE } from './journal';

/** How far back from the end End of Messages is looked for (nothing follows a session's end but its closing events). */
const END_WINDOW = 16;

/**
 * Opens `journalPath` and calls `read(fd, records, torn)` with its count of whole records
 * (`torn`: a partial record follows them, as after a crash mid-write); `otherwise` when the
 * file is absent, unreadable or not a journal.
 */
export function withJournal<T>(journalPath: string, read: (fd: number, records: number, torn: boolean) => T, otherwise: T): T {
  let fd: number;
  try {
    fd = fs.openSync(journalPath, 'r');
  } catch {
    return otherwise;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size < JOURNAL_HEADER_SIZE) return otherwise;
    const header = Buffer.alloc(JOURNAL_HEADER_SIZE);
    if (fs.readSync(fd, header, 0, JOURNAL_HEADER_SIZE, 0) !== JOURNAL_HEADER_SIZE || header.toString('latin1', 0, 8) !== 'TWJOURNL') return otherwise;
    const bytes = size - JOURNAL_HEADER_SIZE;
    return read(fd, Math.floor(bytes / JOURNAL_RECORD_SIZE), bytes % JOURNAL_RECORD_SIZE !== 0);
  } catch {
    return otherwise;
  } finally {
    fs.closeSync(fd);
  }
}

/** `count` records from record `first` (0-based), CRCs checked: null if one is bad or short. */
export function readRecords(fd: number, first: number, count: number): CommandBuffer | null {
  if (first < 0 || count < 1) return null;
  const bytes = Buffer.allocUnsafe(count * JOURNAL_RECORD_SIZE);
  const got = fs.readSync(fd, bytes, 0, bytes.length, JOURNAL_HEADER_SIZE + first * JOURNAL_RECORD_SIZE);
  if (got !== bytes.length) return null;
  const cmds = new CommandBuffer(count);
  for (let i = 0; i < count; i++) {
    const at = i * JOURNAL_RECORD_SIZE;
    if (bytes.readUInt32LE(at) !== COMMAND_SIZE) return null;
    const payload = bytes.subarray(at + 8, at + 8 + COMMAND_SIZE);
    if (crc32(payload) >>> 0 !== bytes.readUInt32LE(at + 4)) return null;
    cmds.u8.set(payload, i * COMMAND_SIZE);
  }
  return cmds;
}

/** The inbound sequence number of the journal's last whole record (0: none, or unreadable). */
export function journalLastSeq(journalPath: string): number {
  return withJournal(
    journalPath,
    (fd, records) => {
      const last = records > 0 ? readRecords(fd, records - 1, 1) : null;
      return last === null ? 0 : last.inboundSeq(0);
    },
    0,
  );
}

/** Whole records in the journal (0 if absent or unreadable); a torn last one is not counted. */
export function journalRecordCount(journalPath: string): number {
  return withJournal(journalPath, (_fd, records) => records, 0);
}

/** True when the journal's session ended: End of Messages among its last records. */
export function journalEndsSession(journalPath: string): boolean {
  return withJournal(
    journalPath,
    (fd, records) => {
      const n = Math.min(records, END_WINDOW);
      const tail = n > 0 ? readRecords(fd, records - n, n) : null;
      if (tail === null) return false;
      for (let i = n - 1; i >= 0; i--) {
        const base = i * COMMAND_SIZE;
        if (tail.type(base) === CommandType.SystemEvent && tail.code(base) === SystemEventCode.EndOfMessages) return true;
      }
      return false;
    },
    false,
  );
}
