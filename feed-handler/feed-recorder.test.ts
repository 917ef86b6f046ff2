import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readItchFile } from '../protocol';
import { FeedRecorder } from './feed-recorder';

describe('FeedRecorder', () => {
  test('writes u16 length + message, across buffer flushes, readable by the ITCH file reader', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tw-rec-')), 'r.itch');
    const r = new FeedRecorder(file, 1024); // small: many flushes
    const msg = new Uint8Array(19);
    msg[0] = 0x44; // 'D'
    for (let i = 0; i < 1000; i++) {
      msg[18] = i & 0xff;
      expect(r.append(msg, 0, 19)).toBe(true);
    }
    r.close();
    const seen: number[] = [];
    const reader = readItchFile(new Uint8Array(fs.readFileSync(file)), {
      onMessage: (b, o, n) => {
        expect(n).toBe(19);
        seen.push(b[o + 18]);
      },
      onFault: (fault) => {
        throw new Error(`fault ${fault}`);
      },
    });
    expect(reader.messages).toBe(1000);
    expect(seen.every((v, i) => v === (i & 0xff))).toBe(true);
    expect(r.bytes).toBe(1000 * 21);
    expect(r.append(msg, 0, 19)).toBe(false); // closed
  });

  test('an unopenable file is TW_ERR_FEED_RECORD_FAILED naming the path', () => {
    expect(() => new FeedRecorder('/nonexistent-dir/r.itch')).toThrow(/TW_ERR_FEED_RECORD_FAILED: cannot open the record file \/nonexistent-dir\/r.itch/);
  });
});
