import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeAddOrder, encodeSystemEvent } from '../protocol';
import { replayFile, sessionDateFromName, type ReplayReport as Report } from './itch-file-replay';

const SAMPLE = path.resolve(__dirname, '../test/fixtures/ritch/ex20101224.TEST_ITCH_50');

function asReport(r: ReturnType<typeof replayFile>): Report {
  if ('error' in r) throw new Error(r.error);
  return r;
}

describe('replayFile (tickwire replay)', () => {
  test('replays the RITCH sample: 12,012 messages, no input errors, three books', () => {
    const r = asReport(replayFile(SAMPLE, { symbols: ['BOB'] }));
    expect(r.messages).toBe(12_012);
    expect(r.inputErrors).toBe(0);
    expect(r.byType.A).toBe(4997);
    expect(r.sessionDate).toBe('2010-12-24');
    expect(r.books.map((b) => b.symbol)).toEqual(['BOB']);
    expect(r.books[0].checksum).toBeGreaterThan(0);
  });

  test('bad input is reported with byte offsets, counted, and reading resumes', () => {
    const b = new Uint8Array(400);
    let o = 0;
    const frame = (declared: number, write: (at: number) => number) => {
      b[o] = declared >>> 8;
      b[o + 1] = declared & 0xff;
      o = write(o + 2);
    };
    frame(0, (at) => encodeSystemEvent(b, at, 0, 1, 0x4f)); // good, length from the type
    const priceAt = o + 2 + 32;
    frame(36, (at) => encodeAddOrder(b, at, 1, 0, 2, 1, 0x42, 100, 'AAA', 1_000_000));
    b.set([0x77, 0x35, 0x94, 0x01], priceAt); // 200,000.0001: over the maximum
    const unknownAt = o + 2;
    frame(5, (at) => {
      b[at] = 0x7a; // 'z'
      return at + 5;
    });
    const mismatchAt = o + 2;
    frame(40, (at) => encodeAddOrder(b, at, 1, 0, 3, 2, 0x42, 100, 'AAA', 1_000_000) + 4);
    frame(0, (at) => encodeAddOrder(b, at, 1, 0, 4, 3, 0x42, 100, 'AAA', 1_000_000)); // good
    const tailAt = o;
    frame(36, (at) => at + 10); // cut short
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tw-replay-')), 'bad.itch');
    fs.writeFileSync(file, b.subarray(0, o));
    const r = asReport(replayFile(file, { date: '2024-03-08' }));
    expect(r.firstInputErrors).toEqual([
      { code: 'TW_ERR_PRICE_OVER_MAX', offset: priceAt, type: 'A' },
      { code: 'TW_ERR_UNKNOWN_TYPE', offset: unknownAt, type: 'z' },
      { code: 'TW_ERR_LENGTH_MISMATCH', offset: mismatchAt, type: 'A' },
      { code: 'TW_ERR_TRUNCATED', offset: tailAt, type: '' },
    ]);
    expect(r.inputErrors).toBe(4);
    expect(r.byType).toEqual({ S: 1, A: 1 });
    expect(r.books[0].bestBid).toEqual({ price: '100.0000', shares: 100 });
  });

  test('a missing file and a bad date are errors, not throws', () => {
    expect(replayFile('/nonexistent/x.itch')).toMatchObject({ exitCode: 1 });
    expect(replayFile(SAMPLE, { date: '2024-13-01' })).toMatchObject({ exitCode: 2 });
  });

  test('session dates come from Nasdaq and RITCH file names', () => {
    expect(sessionDateFromName('/x/ex20101224.TEST_ITCH_50')).toBe('2010-12-24');
    expect(sessionDateFromName('12302019.NASDAQ_ITCH50')).toBe('2019-12-30');
    expect(sessionDateFromName('feed.itch')).toBeNull();
  });
});
