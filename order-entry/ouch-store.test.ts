// The OUCH message store's send gate (messages wait for their command's journal commit as well
// as their own sync) and its cut to the journal after a crash of the machine.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GroupCommitter, OuchMessageStore } from './ouch-store';

const message = (n: number): Uint8Array => Uint8Array.of(0x53, n); // any payload: the store does not read it

async function settled(committer: GroupCommitter): Promise<void> {
  for (let i = 0; i < 500 && !committer.idle; i++) await new Promise((r) => setTimeout(r, 2));
}

describe('OuchMessageStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-ouch-store-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a durable message waits for the gate (its command in the journal), then goes out in order with the rest', async () => {
    const committer = new GroupCommitter(true);
    let gate = 10;
    const sent: Array<[number, number, number]> = [];
    const store = new OuchMessageStore(path.join(dir, 'a.ouch'), committer, (frames, first, n) => sent.push([first, n, frames.length]), (e) => { throw e; }, () => gate);
    store.append(9, 0, message(1), 2);
    store.append(10, 0, message(2), 2);
    store.append(11, 0, message(3), 2);
    store.append(11, 1, message(4), 2);
    await settled(committer);
    expect(store.durableCount).toBe(4);
    expect(sent).toEqual([[1, 2, 10]]); // two frames of 5 bytes (u16 length, 'S', 2 bytes)
    expect(store.held).toBe(true);
    expect(store.readFrames(1).length).toBe(10); // a reconnect gets only what was released
    gate = 11;
    store.release();
    expect(sent).toEqual([[1, 2, 10], [3, 2, 10]]);
    expect(store.held).toBe(false);
    expect(store.readFrames(3).length).toBe(10);
    store.close();
  });

  test('a following committer (storeSync afterJournal) commits only when kicked, or at once for the gateway\'s own messages', async () => {
    const committer = new GroupCommitter(true, true);
    const sent: number[] = [];
    const store = new OuchMessageStore(path.join(dir, 'f.ouch'), committer, (_frames, first, n) => sent.push(first, n), (e) => { throw e; });
    store.append(3, 0, message(1), 2);
    store.append(4, 0, message(2), 2);
    await new Promise((r) => setTimeout(r, 30));
    expect(store.durableCount).toBe(0); // waits for the journal's commit
    committer.kick();
    await settled(committer);
    expect(store.durableCount).toBe(2);
    expect(sent).toEqual([1, 2]);
    store.append(4, 1, message(3), 2, true); // a System Event or local Rejected: no command to wait for
    await settled(committer);
    expect(store.durableCount).toBe(3);
    expect(sent).toEqual([1, 2, 3, 1]);
    store.close();
  });

  test('after a crash, records of commands the journal did not keep are cut; the rest stays', async () => {
    const file = path.join(dir, 'b.ouch');
    const committer = new GroupCommitter(true);
    const first = new OuchMessageStore(file, committer, () => undefined, (e) => { throw e; });
    first.append(5, 0, message(1), 2);
    first.append(7, 0, message(2), 2);
    first.append(7, 1, message(3), 2);
    first.append(8, 0, message(4), 2);
    await settled(committer);
    first.close();
    const again = new OuchMessageStore(file, committer, () => undefined, (e) => { throw e; });
    expect(again.count).toBe(4);
    expect(again.cutAfter(6)).toBe(3);
    expect(again.count).toBe(1);
    expect(again.openedKey).toEqual({ seq: 5, sub: 0 });
    expect(again.readFrames(1).length).toBe(5);
    again.append(6, 0, message(5), 2);
    await settled(committer);
    again.close();
    const third = new OuchMessageStore(file, committer, () => undefined, (e) => { throw e; });
    expect(third.count).toBe(2);
    expect(third.openedKey).toEqual({ seq: 6, sub: 0 });
    expect(third.cutAfter(100)).toBe(0);
    third.close();
  });
});
