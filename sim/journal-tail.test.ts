// The journal read from its end (journal-tail.ts), on real journals written by LiveSim: an
// ended session ends with End of Messages, a killed one does not; the last sequence number
// and the record count; a torn or damaged tail.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../config';
import { JOURNAL_HEADER_SIZE, JOURNAL_RECORD_SIZE } from './journal';
import { journalEndsSession, journalLastSeq, journalRecordCount } from './journal-tail';
import { LiveSim } from './live-sim';

const config = loadConfig({ flags: { 'sim.ordersPerSec': 0, 'sim.symbols': 5, 'journal.fsync': false } });
const NO_EVENTS = { onEngineEvent: (): void => undefined };

function day(file: string, endOfDay: boolean): void {
  const sim = new LiveSim(config, file, NO_EVENTS);
  sim.start();
  sim.submit({ kind: 'settings', requestId: 1, account: 7, riskClass: 0, allowShort: false, killSwitch: false });
  sim.submit({ kind: 'deposit', requestId: 2, account: 7, locate: 0, amount: 1_000_000 });
  sim.stop(endOfDay);
}

describe('the journal read from its end', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-tail-'));

  test('an ended session ends with End of Messages; a killed one does not', () => {
    const ended = path.join(dir, 'ended.journal');
    const killed = path.join(dir, 'killed.journal');
    day(ended, true);
    day(killed, false);
    expect(journalEndsSession(ended)).toBe(true);
    expect(journalEndsSession(killed)).toBe(false);
    expect(journalEndsSession(path.join(dir, 'absent.journal'))).toBe(false);
  });

  test('the last sequence number and the whole records; a torn tail is not counted, a damaged last record reads as none', () => {
    const file = path.join(dir, 'count.journal');
    day(file, true);
    const records = (fs.statSync(file).size - JOURNAL_HEADER_SIZE) / JOURNAL_RECORD_SIZE;
    expect(Number.isInteger(records)).toBe(true);
    expect(journalRecordCount(file)).toBe(records);
    expect(journalLastSeq(file)).toBe(records); // one session: sequence numbers 1..n
    fs.appendFileSync(file, Buffer.alloc(20, 7)); // a record torn mid-write
    expect(journalRecordCount(file)).toBe(records);
    expect(journalLastSeq(file)).toBe(records);
    const bytes = fs.readFileSync(file);
    bytes[JOURNAL_HEADER_SIZE + (records - 1) * JOURNAL_RECORD_SIZE + 20] ^= 1; // the last whole record's payload
    fs.writeFileSync(file, bytes);
    expect(journalLastSeq(file)).toBe(0);
    expect(journalEndsSession(file)).toBe(false);
    fs.writeFileSync(file, 'not a journal at all');
    expect(journalRecordCount(file)).toBe(0);
  });
});
