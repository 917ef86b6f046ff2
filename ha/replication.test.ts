import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { CommandBuffer, CommandType, COMMAND_SIZE, JournalWriter, readJournal } from '../sim';
import { HaError } from './errors';
import { CRC32_NATIVE_MIN_BYTES, encodeFrame, type Frame, FrameDecoder, frameCrc, FrameKind, RECORD_SIZE } from './replication-frame';
import { crc32 } from '../protocol';
import { ReplicationServer } from './replication-server';
import { StandbyReplicator } from './standby-replicator';

const OPTIONS = { flush: 'batch' as const, flushIntervalMs: 1, fsync: true, bufferBytes: 1 << 16 };
const closers: Array<() => unknown> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tw-ha-'));
}

/** A journal opened the way start-up opens it: recovered, then appended to. */
function openJournal(file: string, options = OPTIONS): JournalWriter {
  const recovery = fs.existsSync(file) ? readJournal(file, () => undefined, { repair: true }) : { validBytes: 0, lastSeq: 0 };
  const w = new JournalWriter(file, options, recovery.validBytes);
  w.markRecovered(recovery.lastSeq);
  closers.push(() => {
    try {
      w.close();
    } catch {
      // closed by the test
    }
  });
  return w;
}

const cmds = new CommandBuffer(64);
/** Appends `n` orders as one batch (one write), continuing from the journal's sequence. */
function appendBatch(w: JournalWriter, n: number): void {
  let seq = w.writtenThrough;
  for (let i = 0; i < n; i++) {
    const base = (i % 64) * COMMAND_SIZE;
    cmds.write(base, CommandType.NewOrder, 0x42, 0x4c, 0, 1 + (i % 7), 100 + i, 1_000_000 + i, 0);
    cmds.stamp(base, ++seq, 1_000 + seq);
    w.append(cmds, base);
  }
  w.endBatch();
}

async function waitFor(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function primary(dir: string, epoch = 1): Promise<{ journal: JournalWriter; server: ReplicationServer; port: number }> {
  const journal = openJournal(path.join(dir, 'primary.journal'));
  const server = new ReplicationServer({ journal, epoch, host: '127.0.0.1', port: 0 });
  const port = await server.start();
  closers.push(() => server.close());
  return { journal, server, port };
}

function standby(file: string, epoch = 0, nodeName = 'b'): { journal: JournalWriter; standby: StandbyReplicator; batches: number[] } {
  const journal = openJournal(file);
  const batches: number[] = [];
  const s = new StandbyReplicator({ journal, nodeName, epoch, reconnectMs: 20, onBatch: (_r, count, first) => batches.push(first, count) });
  closers.push(() => s.stop());
  return { journal, standby: s, batches };
}

describe('replicated journal', () => {
  test('a just-promoted primary names a standby only once it holds everything the primary held durable before', async () => {
    const dir = tmpDir();
    const journal = openJournal(path.join(dir, 'primary.journal'));
    appendBatch(journal, 200_000); // replicated to it while it was a standby: committed under the last epoch
    await waitFor('local fdatasync', () => journal.durableSeq === 200_000);
    const b = standby(path.join(dir, 'b.journal'), 0, 'b');
    const heldWhenNamed: number[] = [];
    const designate = async (): Promise<boolean> => {
      heldWhenNamed.push(b.journal.durableSeq);
      return true;
    };
    const server = new ReplicationServer({ journal, epoch: 2, host: '127.0.0.1', port: 0, designate });
    const port = await server.start();
    closers.push(() => server.close());
    b.standby.follow('127.0.0.1', port);
    await waitFor('named', () => server.figures().syncStandby === 'b');
    expect(heldWhenNamed).toEqual([200_000]);
    appendBatch(journal, 2);
    await waitFor('commit 200,002', () => journal.durableSeq === 200_002);
  });

  test('with a sync standby named (designate): only its acknowledgements commit; when it goes, nothing commits until a spare that holds everything committed is named', async () => {
    const dir = tmpDir();
    const journal = openJournal(path.join(dir, 'primary.journal'));
    const named: string[] = [];
    // As etcd would: the name is written a little later, and a name can be refused.
    let refuse = false;
    const designate = async (node: string): Promise<boolean> => {
      await new Promise((r) => setTimeout(r, 20));
      if (refuse) return false;
      named.push(node);
      return true;
    };
    const problems: string[] = [];
    const server = new ReplicationServer({ journal, epoch: 1, host: '127.0.0.1', port: 0, designate, onProblem: (_c, d) => problems.push(d) });
    const port = await server.start();
    closers.push(() => server.close());
    const b = standby(path.join(dir, 'b.journal'), 0, 'b');
    b.standby.follow('127.0.0.1', port);
    appendBatch(journal, 10);
    await waitFor('b named and commit', () => journal.durableSeq === 10);
    expect(named).toEqual(['b']);
    expect(server.figures().syncStandby).toBe('b');
    // A spare follows: it holds everything, but its acknowledgements do not commit.
    const c = standby(path.join(dir, 'c.journal'), 0, 'c');
    c.standby.follow('127.0.0.1', port);
    await waitFor('c level', () => c.journal.durableSeq === 10);
    appendBatch(journal, 5);
    await waitFor('commit 15 through b', () => journal.durableSeq === 15);
    expect(named).toEqual(['b']);
    // b goes: nothing more commits until c is named (refused by etcd at first: still nothing).
    refuse = true;
    b.standby.stop();
    await waitFor('b gone', () => server.figures().syncStandby === '');
    appendBatch(journal, 5);
    await waitFor('c holds 20', () => c.journal.durableSeq === 20);
    await new Promise((r) => setTimeout(r, 100));
    expect(journal.durableSeq).toBe(15);
    expect(problems.some((d) => d.includes('sync standby b is gone'))).toBe(true);
    expect(problems.some((d) => d.includes('could not be named'))).toBe(true);
    refuse = false;
    appendBatch(journal, 1); // c's next acknowledgement asks again
    await waitFor('c named and commit 21', () => journal.durableSeq === 21);
    expect(named).toEqual(['b', 'c']);
    expect(server.figures()).toMatchObject({ syncStandby: 'c', designations: 2 });
    expect(fs.readFileSync(c.journal.path).equals(fs.readFileSync(journal.path))).toBe(true);
  });

  test('a hot spare applies only committed records; refused by a new primary that never got its last ones, it cuts them off and follows it, without a rebuild', async () => {
    const dir = tmpDir();
    const journal = openJournal(path.join(dir, 'primary.journal'));
    // etcd names s, then no one else (the primary dies before it can name x).
    let mayName = true;
    const server = new ReplicationServer({ journal, epoch: 1, host: '127.0.0.1', port: 0, designate: async () => mayName });
    const port = await server.start();
    closers.push(() => server.close());
    const s = standby(path.join(dir, 's.journal'), 0, 's');
    s.standby.follow('127.0.0.1', port);
    appendBatch(journal, 10);
    await waitFor('s named, commit 10', () => journal.durableSeq === 10 && server.figures().syncStandby === 's');
    mayName = false;
    const x = standby(path.join(dir, 'x.journal'), 0, 'x');
    x.standby.follow('127.0.0.1', port);
    await waitFor('x level, 10 applied', () => x.journal.durableSeq === 10 && x.standby.appliedSeq === 10);
    // The sync standby's link goes: the spare still receives 11-15, nothing commits, and its engine applies none of them.
    s.standby.stop();
    await waitFor('s gone', () => server.figures().syncStandby === '');
    appendBatch(journal, 5);
    await waitFor('x holds 15', () => x.journal.durableSeq === 15);
    await new Promise((r) => setTimeout(r, 50));
    expect(journal.durableSeq).toBe(10);
    expect(x.standby.figures()).toMatchObject({ appliedSeq: 10, commitSeq: 10, applyBacklog: 5 });
    // The primary dies; s takes over (epoch 2) and writes its own 11-16 (14-16 differ from the old primary's 14-15).
    await server.close();
    const next = new ReplicationServer({ journal: s.journal, epoch: 2, host: '127.0.0.1', port: 0 });
    const port2 = await next.start();
    closers.push(() => next.close());
    appendBatch(s.journal, 3);
    appendBatch(s.journal, 3);
    x.standby.follow('127.0.0.1', port2, 2);
    // Refused as diverged at 15, it cuts 11-15 off, asks from 10 and catches up: the new primary's journal, byte for byte.
    await waitFor('x follows the new primary', () => s.journal.durableSeq === 16 && x.standby.appliedSeq === 16, 10_000);
    expect(x.standby.errors.of(HaError.Refused)).toBeGreaterThanOrEqual(1);
    expect(x.standby.figures().cutBacks).toBe(1);
    expect(fs.readFileSync(x.journal.path).equals(fs.readFileSync(s.journal.path))).toBe(true);
    // Its engine heard 1-10 from the old primary and 11-16 from the new one, each once, in order.
    let seq = 1;
    for (let i = 0; i < x.batches.length; i += 2) {
      expect(x.batches[i]).toBe(seq);
      seq += x.batches[i + 1];
    }
    expect(seq - 1).toBe(16);
  });

  test('a batch is committed (durableSeq) only once the standby has acknowledged it, and the standby holds the same bytes', async () => {
    const dir = tmpDir();
    const p = await primary(dir);
    appendBatch(p.journal, 10);
    await waitFor('local fdatasync', () => p.journal.locallyDurableSeq === 10);
    await new Promise((r) => setTimeout(r, 50));
    expect(p.journal.durableSeq).toBe(0); // on disk here, not yet on the standby: not committed
    const b = standby(path.join(dir, 'standby.journal'));
    b.standby.follow('127.0.0.1', p.port);
    await waitFor('commit', () => p.journal.durableSeq === 10);
    for (let i = 0; i < 20; i++) appendBatch(p.journal, 1 + (i % 5));
    await waitFor('commit of the live batches', () => p.journal.durableSeq === p.journal.writtenThrough);
    expect(b.journal.durableSeq).toBe(p.journal.writtenThrough);
    expect(fs.readFileSync(b.journal.path).equals(fs.readFileSync(p.journal.path))).toBe(true);
    expect(p.server.figures().ackedSeq).toBe(p.journal.writtenThrough);
    expect(b.standby.figures().refused).toEqual({});
    expect(b.standby.inSync).toBe(true);
    // The standby's engine hears every record once, in order (each once the commit point covers it).
    await waitFor('applied', () => b.standby.appliedSeq === p.journal.writtenThrough);
    let next = 1;
    for (let i = 0; i < b.batches.length; i += 2) {
      expect(b.batches[i]).toBe(next);
      next += b.batches[i + 1];
    }
    expect(next - 1).toBe(p.journal.writtenThrough);
  });

  test("writes made while the standby's group commit is in flight go in one frame at its acknowledgement; its engine hears every record", async () => {
    const dir = tmpDir();
    const p = await primary(dir);
    const b = standby(path.join(dir, 'standby.journal'));
    b.standby.follow('127.0.0.1', p.port);
    await waitFor('the standby', () => p.server.figures().standbys === 1);
    appendBatch(p.journal, 3);
    await waitFor('commit', () => p.journal.durableSeq === 3);
    const frames = p.server.figures().framesSent;
    // One turn: the first write goes at once (the standby is idle), the other 19 wait for its ack.
    for (let i = 0; i < 20; i++) appendBatch(p.journal, 1 + (i % 5));
    expect(p.server.figures().framesSent).toBe(frames + 1);
    await waitFor('commit of the gathered writes', () => p.journal.durableSeq === p.journal.writtenThrough);
    expect(p.server.figures().framesSent).toBe(frames + 2);
    expect(fs.readFileSync(b.journal.path).equals(fs.readFileSync(p.journal.path))).toBe(true);
    b.standby.stop();
    const f = b.standby.figures();
    expect([f.appliedSeq, f.applyBacklog]).toEqual([p.journal.writtenThrough, 0]);
    expect(b.batches.filter((_, i) => i % 2 === 1).reduce((x, y) => x + y, 0)).toBe(p.journal.writtenThrough);
  });

  test('acknowledgements wait for the slower of the two: a standby that stops acknowledging stops the commit', async () => {
    const dir = tmpDir();
    const p = await primary(dir);
    const b = standby(path.join(dir, 'standby.journal'));
    b.standby.follow('127.0.0.1', p.port);
    appendBatch(p.journal, 5);
    await waitFor('commit', () => p.journal.durableSeq === 5);
    b.standby.stop();
    await waitFor('the standby gone', () => p.server.figures().standbys === 0);
    appendBatch(p.journal, 5);
    await waitFor('local fdatasync', () => p.journal.locallyDurableSeq === 10);
    await new Promise((r) => setTimeout(r, 50));
    expect(p.journal.durableSeq).toBe(5);
  });

  test('a server whose lease is no longer certain (mayCommit false) fences itself instead of committing', async () => {
    const dir = tmpDir();
    const journal = openJournal(path.join(dir, 'primary.journal'));
    let leaseOk = true;
    const server = new ReplicationServer({ journal, epoch: 1, host: '127.0.0.1', port: 0, mayCommit: () => leaseOk });
    const port = await server.start();
    closers.push(() => server.close());
    const b = standby(path.join(dir, 'standby.journal'));
    b.standby.follow('127.0.0.1', port);
    appendBatch(journal, 3);
    await waitFor('commit', () => journal.durableSeq === 3);
    leaseOk = false;
    appendBatch(journal, 3);
    await waitFor('fenced', () => server.isFenced);
    await new Promise((r) => setTimeout(r, 50));
    expect(journal.durableSeq).toBe(3);
  });

  test('a restarted standby asks from its last durable sequence and catches up from the journal file', async () => {
    const dir = tmpDir();
    const p = await primary(dir);
    const file = path.join(dir, 'standby.journal');
    const first = standby(file);
    first.standby.follow('127.0.0.1', p.port);
    for (let i = 0; i < 10; i++) appendBatch(p.journal, 7);
    await waitFor('commit', () => p.journal.durableSeq === 70);
    first.standby.stop();
    first.journal.close();
    // Trading goes on without it (nothing commits), 100,000 more records.
    for (let i = 0; i < 100; i++) appendBatch(p.journal, 1000);
    expect(p.journal.durableSeq).toBe(70);
    const again = standby(file);
    expect(again.journal.writtenThrough).toBe(70);
    again.standby.follow('127.0.0.1', p.port);
    appendBatch(p.journal, 3); // written while it catches up
    await waitFor('caught up', () => p.journal.durableSeq === 100_073, 20_000);
    expect(p.server.figures().catchUpRecords).toBeGreaterThanOrEqual(100_000);
    expect(fs.readFileSync(file).equals(fs.readFileSync(p.journal.path))).toBe(true);
    await waitFor('applied', () => again.standby.appliedSeq === 100_073);
    expect(again.batches[0]).toBe(71);
  });

  test('a standby refuses batches from an older epoch, with TW_ERR_HA_STALE_EPOCH and a count; the old primary hears it is deposed', async () => {
    const dir = tmpDir();
    const journal = openJournal(path.join(dir, 'old.journal'));
    let deposedBy = 0;
    const old = new ReplicationServer({ journal, epoch: 3, host: '127.0.0.1', port: 0, onDeposed: (e) => (deposedBy = e) });
    const port = await old.start();
    closers.push(() => old.close());
    appendBatch(journal, 4);
    const b = standby(path.join(dir, 'standby.journal'), 5);
    b.standby.follow('127.0.0.1', port);
    await waitFor('refusal', () => old.errors.of(HaError.StaleEpoch) > 0 && deposedBy === 5);
    expect(b.journal.writtenThrough).toBe(0);
    expect(journal.durableSeq).toBe(0);

    // A standby already following learns of a newer epoch (from etcd): the next batch is refused.
    const p = await primary(dir, 7);
    const c = standby(path.join(dir, 'standby2.journal'));
    c.standby.follow('127.0.0.1', p.port);
    appendBatch(p.journal, 2);
    await waitFor('commit', () => p.journal.durableSeq === 2);
    c.standby.observeEpoch(8);
    appendBatch(p.journal, 2);
    await waitFor('refusal', () => c.standby.errors.of(HaError.StaleEpoch) > 0);
    expect(c.journal.writtenThrough).toBe(2);
    expect(c.standby.figures().refused.TW_ERR_HA_STALE_EPOCH).toBeGreaterThan(0);
  });

  test('bad frames are refused with a code and counted, and never stop the primary serving a good standby', async () => {
    const dir = tmpDir();
    const p = await primary(dir);
    appendBatch(p.journal, 3);
    const send = async (bytes: Buffer): Promise<void> => {
      const s = net.connect(p.port, '127.0.0.1');
      await new Promise<void>((r) => s.on('connect', () => r()));
      s.write(bytes);
      await new Promise<void>((r) => {
        s.on('close', () => r());
        s.on('error', () => r());
        setTimeout(() => { s.destroy(); r(); }, 500).unref();
      });
    };
    const good = encodeFrame(FrameKind.Hello, 0, 0, 0, Buffer.from('x'));
    const badCrc = Buffer.from(good);
    badCrc[good.length - 1] ^= 0xff;
    await send(badCrc);
    const huge = Buffer.alloc(32);
    huge.writeUInt32LE(0xfffffff0, 0);
    await send(huge);
    await send(encodeFrame(0x51 as FrameKind, 0, 0, 0)); // unknown kind
    await send(encodeFrame(FrameKind.Ack, 0, 1, 3)); // an ack before any hello
    await send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    const e = p.server.errors;
    expect(e.of(HaError.BadCrc)).toBe(1);
    expect(e.of(HaError.FrameTooLarge)).toBeGreaterThanOrEqual(1);
    expect(e.of(HaError.BadFrame)).toBeGreaterThanOrEqual(2);
    const b = standby(path.join(dir, 'standby.journal'));
    b.standby.follow('127.0.0.1', p.port);
    await waitFor('commit', () => p.journal.durableSeq === 3);
  });

  test('a standby refuses damaged records, gaps and bad frames from a primary, counts them, and appends nothing', async () => {
    const dir = tmpDir();
    const frames: Buffer[] = [];
    const fake = net.createServer((s) => {
      s.on('error', () => undefined);
      s.once('data', () => {
        const f = frames.shift();
        if (f !== undefined) s.write(f);
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
    closers.push(() => new Promise((r) => fake.close(() => r(undefined))));
    const port = (fake.address() as net.AddressInfo).port;
    // Real records to damage: two from a journal.
    const src = openJournal(path.join(dir, 'src.journal'));
    appendBatch(src, 2);
    src.close();
    const records = fs.readFileSync(src.path).subarray(16);
    const damaged = Buffer.from(records);
    damaged[RECORD_SIZE + 20] ^= 1;
    frames.push(encodeFrame(FrameKind.Batch, 2, 1, 1, damaged));
    frames.push(encodeFrame(FrameKind.Batch, 2, 1, 5, records)); // a gap: the standby holds nothing
    const badCrc = encodeFrame(FrameKind.Batch, 2, 1, 1, records);
    badCrc[20] ^= 1; // the epoch: a batch's frame CRC covers its body header
    frames.push(badCrc);
    const linkDamaged = encodeFrame(FrameKind.Batch, 2, 1, 1, records);
    linkDamaged[40] ^= 1; // a record's byte, damaged on the link: its own CRC shows it
    frames.push(linkDamaged);
    frames.push(encodeFrame(FrameKind.Batch, 3, 1, 1, records)); // count and size disagree
    frames.push(encodeFrame(FrameKind.Batch, 2, 1, 1, records)); // finally a good one
    const b = standby(path.join(dir, 'standby.journal'));
    b.standby.follow('127.0.0.1', port);
    await waitFor('the good batch', () => b.journal.writtenThrough === 2);
    const e = b.standby.errors;
    expect([e.of(HaError.BadRecord), e.of(HaError.SeqGap), e.of(HaError.BadCrc), e.of(HaError.BadFrame)]).toEqual([2, 1, 1, 1]);
    expect(fs.readFileSync(b.journal.path).subarray(16).equals(records)).toBe(true);
  });

  test('a standby writes the batches of one read together, and stops at a damaged one (earlier ones kept, later ones ignored)', async () => {
    const dir = tmpDir();
    const src = openJournal(path.join(dir, 'src.journal'));
    for (let i = 0; i < 6; i++) appendBatch(src, 3);
    src.close();
    const all = fs.readFileSync(src.path).subarray(16);
    const batch = (k: number, bytes = all): Buffer => encodeFrame(FrameKind.Batch, 3, 1, 1 + 3 * k, bytes.subarray(3 * k * RECORD_SIZE, 3 * (k + 1) * RECORD_SIZE));
    const damaged = Buffer.from(all);
    damaged[3 * 4 * RECORD_SIZE + 30] ^= 1; // in batch 4 (records 13-15)
    // First connection: batches 0-3 and a damaged 4, then 5, in one write. Second: 4 and 5 again, good.
    // The second ends with the commit point: the standby's engine applies only what is committed.
    const reads = [Buffer.concat([batch(0), batch(1), batch(2), batch(3), batch(4, damaged), batch(5)]), Buffer.concat([batch(4), batch(5), encodeFrame(FrameKind.Commit, 0, 1, 18)])];
    const fake = net.createServer((s) => {
      s.on('error', () => undefined);
      s.once('data', () => {
        const r = reads.shift();
        if (r !== undefined) s.write(r);
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
    closers.push(() => new Promise((r) => fake.close(() => r(undefined))));
    const b = standby(path.join(dir, 'standby.journal'));
    b.standby.follow('127.0.0.1', (fake.address() as net.AddressInfo).port);
    await waitFor('the first four batches', () => b.standby.errors.of(HaError.BadRecord) === 1);
    expect(b.journal.writtenThrough).toBe(12);
    await waitFor('all six', () => b.journal.writtenThrough === 18);
    expect(b.standby.errors.of(HaError.BadRecord)).toBe(1);
    expect(b.standby.errors.of(HaError.SeqGap)).toBe(0); // batch 5 of the first read was not looked at
    expect(fs.readFileSync(b.journal.path).subarray(16).equals(all)).toBe(true);
    const f = b.standby.figures();
    expect(f.batches).toBe(6);
    expect(f.writes).toBeLessThan(f.batches); // a read's batches share a write
    await waitFor('all applied', () => b.standby.appliedSeq === 18);
    let next = 1;
    for (let i = 0; i < b.batches.length; i += 2) {
      expect(b.batches[i]).toBe(next);
      next += b.batches[i + 1];
    }
    expect(next).toBe(19);
  });

  test('a standby whose last record differs from the primary is refused (TW_ERR_HA_DIVERGED)', async () => {
    const dir = tmpDir();
    const p = await primary(dir);
    appendBatch(p.journal, 5);
    const other = openJournal(path.join(dir, 'standby.journal'));
    appendBatch(other, 2);
    // Same sequence numbers, different content.
    cmds.write(0, CommandType.NewOrder, 0x53, 0x4c, 0, 9, 1, 1, 0);
    cmds.stamp(0, 3, 1);
    other.append(cmds, 0);
    other.close();
    const b = standby(path.join(dir, 'standby.journal'));
    b.standby.follow('127.0.0.1', p.port);
    await waitFor('refusal', () => p.server.errors.of(HaError.Diverged) > 0);
    expect(p.journal.durableSeq).toBe(0);
  });
});

describe('frame decoder', () => {
  test('yields the same frames however the stream is cut, and refuses a bad CRC after a split', () => {
    const seed = 20261207;
    let state = seed;
    const rand = (n: number): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state % n;
    };
    const sent: Buffer[] = [];
    const expected: string[] = [];
    const describe = (kind: number, count: number, epoch: number, seq: number, payload: Uint8Array): string =>
      `${kind}/${count}/${epoch}/${seq}/${Buffer.from(payload).toString('hex')}`;
    for (let i = 0; i < 300; i++) {
      const pick = rand(4);
      let frame: Buffer;
      if (pick === 0) {
        const name = Buffer.from('node-'.repeat(1 + rand(5)).slice(0, 1 + rand(20))); // odd lengths: later frames lose alignment
        frame = encodeFrame(FrameKind.Hello, rand(1000), 2, i, name);
        expected.push(describe(FrameKind.Hello, frame.readUInt32LE(12), 2, i, name));
      } else if (pick === 1) {
        frame = encodeFrame(FrameKind.Ack, 0, 2, i);
        expected.push(describe(FrameKind.Ack, 0, 2, i, new Uint8Array(0)));
      } else {
        const count = 1 + rand(pick === 2 ? 4 : 1500);
        const records = Buffer.alloc(count * RECORD_SIZE);
        for (let b = 0; b < records.length; b++) records[b] = rand(256);
        frame = encodeFrame(FrameKind.Batch, count, 2, 1 + i, records);
        expected.push(describe(FrameKind.Batch, count, 2, 1 + i, records));
      }
      sent.push(frame);
    }
    const stream = Buffer.concat(sent);
    for (const maxChunk of [1, 7, 100, 9000, 70_000, stream.length]) {
      const got: string[] = [];
      const errors: string[] = [];
      const d = new FrameDecoder(
        (f: Frame) => got.push(describe(f.kind, f.count, f.epoch, f.seq, f.payload)),
        (code, detail) => errors.push(`${code} ${detail}`),
      );
      for (let at = 0; at < stream.length; ) {
        const n = Math.min(stream.length - at, 1 + rand(maxChunk));
        d.push(stream.subarray(at, at + n));
        at += n;
      }
      expect(errors).toEqual([]);
      expect(got.length).toBe(expected.length);
      expect(got).toEqual(expected);
    }
    // A damaged byte inside the 5th frame, fed in pieces that split it: refused with BadCrc, nothing after it.
    const damaged = Buffer.from(stream);
    const fifth = sent.slice(0, 4).reduce((n, f) => n + f.length, 0);
    damaged[fifth + sent[4].length - 1] ^= 0x10;
    const codes: HaError[] = [];
    let frames = 0;
    const d = new FrameDecoder(
      () => frames++,
      (code) => codes.push(code),
    );
    for (let at = 0; at < damaged.length; at += 1000) d.push(damaged.subarray(at, at + 1000));
    expect(frames).toBe(4);
    expect(codes).toEqual([HaError.BadCrc]);
  });
});

describe('frame CRC', () => {
  test('zlib and the JS CRC-32 agree at every length around the switch, at odd offsets', () => {
    const bytes = new Uint8Array(16 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    const view = Buffer.from(bytes.buffer, 3, bytes.length - 3); // a Buffer view at an odd byte offset
    for (const len of [0, 1, 47, 48, CRC32_NATIVE_MIN_BYTES - 1, CRC32_NATIVE_MIN_BYTES, CRC32_NATIVE_MIN_BYTES + 1, 1000, 14_368, view.length - 5]) {
      const end = Math.min(view.length, 5 + len);
      expect(frameCrc(view, 5, end)).toBe(crc32(view, 5, end));
    }
  });
});
