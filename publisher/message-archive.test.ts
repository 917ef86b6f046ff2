// The day's ITCH file and its shared index: what the journal archiver writes and the
// rewinder answers aged-out requests from.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mulberry32 } from '../protocol';
import { ARCHIVE_BLOCK, AnswerPacket, MessageArchive, MessageArchiveWriter, createArchiveIndex } from './index';

const SEED = Number(process.env.TW_SEED ?? 11);

/** Message `seq`: a length from 12 to 50 and bytes derived from the sequence number. */
function message(seq: number, rng: () => number): Uint8Array {
  const length = 12 + Math.floor(rng() * 39);
  const m = new Uint8Array(length);
  for (let i = 0; i < length; i++) m[i] = (seq * 31 + i) & 0xff;
  return m;
}

function blocks(answer: AnswerPacket): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 20; at < answer.length; ) {
    const length = (answer.buffer[at] << 8) | answer.buffer[at + 1];
    out.push(answer.buffer.slice(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return out;
}

describe('MessageArchive', () => {
  test('answers any range written so far, across index blocks, with the bytes appended; nothing beyond', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-archive-'));
    const file = path.join(dir, 'day.journal.itch');
    const index = createArchiveIndex(64);
    const writer = new MessageArchiveWriter(file, index, 4096); // a small buffer: many flushes
    const reader = new MessageArchive(file, index, 1472);
    const rng = mulberry32(SEED);
    const messages: Uint8Array[] = [];
    const total = ARCHIVE_BLOCK * 3 + 17;
    const scratch = new Uint8Array(64);
    for (let seq = 1; seq <= total; seq++) {
      const m = message(seq, rng);
      messages.push(m);
      scratch.set(m, 5);
      writer.append(seq, scratch, 5, m.length);
    }
    const answer = new AnswerPacket(1472);
    // Not flushed yet beyond the last full buffer: the tail is refused, not guessed.
    expect(reader.archivedThrough).toBeLessThan(total);
    answer.reset();
    expect(reader.appendOlder(total, 5, answer)).toBe(false);
    expect(reader.notYetArchived).toBe(1);
    writer.flush();
    expect(reader.archivedThrough).toBe(total);
    for (const first of [1, 2, ARCHIVE_BLOCK - 1, ARCHIVE_BLOCK, ARCHIVE_BLOCK + 1, 2 * ARCHIVE_BLOCK + 5, total - 3, total]) {
      answer.reset();
      expect(reader.appendOlder(first, 1000, answer)).toBe(true);
      const got = blocks(answer);
      expect(got.length).toBeGreaterThan(0);
      expect(got.length).toBeLessThanOrEqual(total - first + 1);
      expect(got).toEqual(messages.slice(first - 1, first - 1 + got.length));
    }
    answer.reset();
    expect(reader.appendOlder(3, 2, answer)).toBe(true);
    expect(blocks(answer)).toEqual(messages.slice(2, 4)); // capped by maxCount
    expect(() => writer.append(total + 2, scratch, 0, 12)).toThrow(/out of order/);
    writer.close();
    reader.close();
    // The file is an ITCH file: u16 length + message, in sequence order.
    const bytes = fs.readFileSync(file);
    let at = 0;
    let n = 0;
    while (at < bytes.length) {
      const length = bytes.readUInt16BE(at);
      expect(bytes.subarray(at + 2, at + 2 + length).equals(messages[n])).toBe(true);
      at += 2 + length;
      n++;
    }
    expect(n).toBe(total);
  });

  test('a failed archiver is visible to the reader; a missing file is a counted read error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-archive-'));
    const index = createArchiveIndex(4);
    // The journal's folder may not exist yet when the archiver starts: it is made.
    const writer = new MessageArchiveWriter(path.join(dir, 'not', 'yet', 'a.itch'), index);
    writer.append(1, new Uint8Array(12), 0, 12);
    writer.flush();
    writer.fail();
    const reader = new MessageArchive(path.join(dir, 'missing.itch'), index);
    expect(reader.failed).toBe(true);
    const answer = new AnswerPacket(1472);
    expect(reader.appendOlder(1, 1, answer)).toBe(false);
    expect(reader.readErrors).toBe(1);
    expect(reader.lastError).toMatch(/ENOENT/);
    writer.close();
  });
});
