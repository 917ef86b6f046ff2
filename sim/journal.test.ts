import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../config';
import { EngineEventRingReader } from '../protocol';
import { EventDigest } from './event-digest';
import { JournalCorruptError, JournalFormatError } from './errors';
import { ExchangeCore } from './exchange-core';
import { JOURNAL_HEADER_SIZE, JOURNAL_RECORD_SIZE, readJournal } from './journal';
import { digestingCore, replayJournal, runSeededSim } from './sim-runner';

const config = loadConfig({ flags: { 'sim.seed': 42, 'sim.symbols': 20, 'sim.ordersPerSec': 0 } });

function tmpJournal(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tw-journal-')), 'day.journal');
}

/** Opens the journal the way start-up does and returns the recovered trading core's digest. */
function recover(file: string) {
  const { core, digest } = digestingCore(config, file);
  const recovery = core.start();
  const state = core.trading.stateDigest();
  core.close();
  return { recovery, state, events: digest.digest() };
}

describe('journal', () => {
  test('two runs with one seed give the same event stream; another seed does not', () => {
    const a = runSeededSim(config, 50_000, '');
    const b = runSeededSim(config, 50_000, '');
    const c = runSeededSim(loadConfig({ flags: { 'sim.seed': 43, 'sim.symbols': 20 } }), 50_000, '');
    expect(a.eventsSha256).toBe(b.eventsSha256);
    expect(a.stateSha256).toBe(b.stateSha256);
    expect(c.eventsSha256).not.toBe(a.eventsSha256);
    expect(a.events).toBeGreaterThan(50_000);
  });

  test('replaying a journal gives the events and the state of the run that wrote it', () => {
    const file = tmpJournal();
    const run = runSeededSim(config, 50_000, file);
    expect(fs.statSync(file).size).toBe(JOURNAL_HEADER_SIZE + run.commands * JOURNAL_RECORD_SIZE);
    const replay = replayJournal(config, file);
    expect(replay.eventsSha256).toBe(run.eventsSha256);
    expect(replay.stateSha256).toBe(run.stateSha256);
    expect(replay.commands).toBe(run.commands);
    // Start-up recovery rebuilds the identical state too.
    expect(recover(file).state).toBe(run.stateSha256);
  });

  test('a journal still being written can be followed: reads resumed at validBytes see each record once, and a half-written tail waits', () => {
    const file = tmpJournal();
    runSeededSim(config, 20_000, file);
    const full = fs.readFileSync(file);
    const all: number[] = [];
    readJournal(file, (cmds, base) => void all.push(cmds.inboundSeq(base)), { repair: false });
    // The same file growing in uneven steps, the last step ending mid-record.
    const growing = tmpJournal();
    const cuts = [JOURNAL_HEADER_SIZE + 3 * JOURNAL_RECORD_SIZE + 10, JOURNAL_HEADER_SIZE + 5000 * JOURNAL_RECORD_SIZE, full.length - 7, full.length];
    const seen: number[] = [];
    let fromOffset = JOURNAL_HEADER_SIZE;
    let afterSeq = 0;
    for (const cut of cuts) {
      fs.writeFileSync(growing, full.subarray(0, cut));
      const r = readJournal(growing, (cmds, base) => void seen.push(cmds.inboundSeq(base)), { repair: false, fromOffset, afterSeq, chunkRecords: 777 });
      fromOffset = r.validBytes;
      afterSeq = r.lastSeq;
    }
    expect(seen).toEqual(all);
    expect(() => readJournal(growing, () => undefined, { repair: false, fromOffset: JOURNAL_HEADER_SIZE + 1 })).toThrow(JournalFormatError);
    // A resumed read still checks contiguity against the sequence before it.
    expect(() => readJournal(growing, () => undefined, { repair: false, fromOffset: JOURNAL_HEADER_SIZE + JOURNAL_RECORD_SIZE, afterSeq: 5 })).toThrow(JournalCorruptError);
  });

  test('a run refuses to overwrite an existing journal', () => {
    const file = tmpJournal();
    runSeededSim(config, 1000, file);
    expect(() => runSeededSim(config, 1000, file)).toThrow(/already exists/);
  });

  test('a torn last record is detected, reported and truncated; the rest recovers', () => {
    const file = tmpJournal();
    const run = runSeededSim(config, 10_000, file);
    const good = fs.statSync(file).size;
    // A crash mid-write: half of one more record.
    fs.appendFileSync(file, Buffer.alloc(JOURNAL_RECORD_SIZE / 2, 0x30));
    const r = recover(file);
    expect(r.recovery.truncatedBytes).toBe(JOURNAL_RECORD_SIZE / 2);
    expect(r.recovery.tornDetail).toMatch(new RegExp(`byte offset ${good}`));
    expect(r.recovery.records).toBe(run.commands);
    expect(r.state).toBe(run.stateSha256);
    expect(fs.statSync(file).size).toBe(good);
  });

  test('records are read across chunk boundaries, and a torn tail in a later chunk is found', () => {
    const file = tmpJournal();
    const run = runSeededSim(config, 5000, file);
    const good = fs.statSync(file).size;
    fs.appendFileSync(file, Buffer.alloc(JOURNAL_RECORD_SIZE - 1, 0x11));
    for (const chunkRecords of [1, 7, 100, 4999]) {
      const seqs: number[] = [];
      const r = readJournal(file, (c, b) => seqs.push(c.inboundSeq(b)), { repair: false, chunkRecords });
      expect(r.records).toBe(run.commands);
      expect(r.validBytes).toBe(good);
      expect(r.truncatedBytes).toBe(JOURNAL_RECORD_SIZE - 1);
      expect(seqs[seqs.length - 1]).toBe(run.commands);
    }
    expect(fs.statSync(file).size).toBe(good + JOURNAL_RECORD_SIZE - 1); // read-only left it alone
  });

  test('a last record with a bad CRC is treated as torn', () => {
    const file = tmpJournal();
    const run = runSeededSim(config, 1000, file);
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([0xff]), 0, 1, size - 3);
    fs.closeSync(fd);
    const r = recover(file);
    expect(r.recovery.records).toBe(run.commands - 1);
    expect(r.recovery.tornDetail).toMatch(/CRC mismatch/);
    expect(fs.statSync(file).size).toBe(size - JOURNAL_RECORD_SIZE);
  });

  test('appending after recovery continues the inbound sequence with no gap', () => {
    const file = tmpJournal();
    runSeededSim(config, 1000, file);
    fs.appendFileSync(file, Buffer.alloc(10, 1)); // torn tail
    let digest: EventDigest | null = null;
    const core = new ExchangeCore({
      symbols: 20,
      engine: config.engine,
      journal: { ...config.journal, path: file },
      clock: { nowNs: () => 40_000e9 },
      ringFullPolicy: { onRingFull: () => digest?.drain() },
    });
    digest = new EventDigest(new EngineEventRingReader(core.ring));
    const recovery = core.start();
    const sequencer = core.sequencer!;
    expect(sequencer.nextSeq).toBe(recovery.lastSeq + 1);
    const { CommandBuffer, CommandType } = require('./command') as typeof import('./command');
    const cmds = new CommandBuffer(1);
    cmds.write(0, CommandType.SystemEvent, 0, 0, 0x45, 0, 0, 0, 0);
    sequencer.submit(cmds, 0);
    core.close();
    const seqs: number[] = [];
    readJournal(file, (c, b) => seqs.push(c.inboundSeq(b)), { repair: false });
    expect(seqs.length).toBe(recovery.records + 1);
    seqs.forEach((s, i) => expect(s).toBe(i + 1));
  });

  test('a corrupt record in the middle stops start-up with an error naming its offset', () => {
    const file = tmpJournal();
    runSeededSim(config, 1000, file);
    const offset = JOURNAL_HEADER_SIZE + 100 * JOURNAL_RECORD_SIZE;
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([0xaa, 0xbb]), 0, 2, offset + 20);
    fs.closeSync(fd);
    const sizeBefore = fs.statSync(file).size;
    let error: unknown;
    try {
      recover(file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(JournalCorruptError);
    expect((error as JournalCorruptError).offset).toBe(offset);
    expect((error as Error).message).toMatch(new RegExp(`TW_ERR_JOURNAL_CORRUPT.*byte offset ${offset}.*CRC-32 mismatch`));
    expect(fs.statSync(file).size).toBe(sizeBefore); // nothing cut from a corrupt journal
  });

  test('a bad length field in the middle is corruption, not a torn tail', () => {
    const file = tmpJournal();
    runSeededSim(config, 1000, file);
    const offset = JOURNAL_HEADER_SIZE + 7 * JOURNAL_RECORD_SIZE;
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([0x99, 0x99, 0, 0]), 0, 4, offset);
    fs.closeSync(fd);
    expect(() => recover(file)).toThrow(new RegExp(`byte offset ${offset}.*record length`));
  });

  test('a file that is not a journal is refused', () => {
    const file = tmpJournal();
    fs.writeFileSync(file, 'this is not a journal at all, just text');
    expect(() => recover(file)).toThrow(JournalFormatError);
  });
});

describe('journal flush policy', () => {
  test("'batch' writes at the end of every batch; 'interval' holds records until the interval has passed", () => {
    const { JournalWriter } = require('./journal') as typeof import('./journal');
    const { CommandBuffer, CommandType } = require('./command') as typeof import('./command');
    const cmds = new CommandBuffer(1);
    cmds.write(0, CommandType.SystemEvent, 0, 0, 0x4f, 0, 0, 0, 0);
    const base = { fsync: false, bufferBytes: 1 << 16, flushIntervalMs: 200 };

    const batchFile = tmpJournal();
    const batch = new JournalWriter(batchFile, { ...base, flush: 'batch' });
    cmds.stamp(0, 1, 0);
    batch.append(cmds, 0);
    batch.endBatch();
    expect(fs.statSync(batchFile).size).toBe(JOURNAL_HEADER_SIZE + JOURNAL_RECORD_SIZE);
    batch.close();

    const intervalFile = tmpJournal();
    let nowMs = 1_000_000;
    const interval = new JournalWriter(intervalFile, { ...base, flush: 'interval' }, 0, () => nowMs);
    cmds.stamp(0, 1, 0);
    interval.append(cmds, 0);
    interval.endBatch();
    expect(fs.statSync(intervalFile).size).toBe(JOURNAL_HEADER_SIZE); // still buffered
    nowMs += 199;
    interval.endBatch();
    expect(fs.statSync(intervalFile).size).toBe(JOURNAL_HEADER_SIZE); // 1 ms short of the interval
    nowMs += 1;
    interval.endBatch();
    expect(fs.statSync(intervalFile).size).toBe(JOURNAL_HEADER_SIZE + JOURNAL_RECORD_SIZE);
    interval.close();
  });

  test('group commit: with fsync on, records are durable only once an fdatasync that began after their write finishes; writes never wait', async () => {
    const file = tmpJournal();
    const { JournalWriter } = require('./journal') as typeof import('./journal');
    const { CommandBuffer, CommandType } = require('./command') as typeof import('./command');
    const writer = new JournalWriter(file, { ...config.journal, flush: 'batch', fsync: true });
    const heard: number[] = [];
    writer.onDurable((seq) => heard.push(seq));
    const cmds = new CommandBuffer(1);
    const batch = (seq: number): void => {
      cmds.write(0, CommandType.SystemEvent, 0, 0, 0x53, 0, 0, 0, 0);
      cmds.stamp(0, seq, 0);
      writer.append(cmds, 0);
      writer.endBatch();
    };
    batch(1);
    batch(2); // written while the first sync runs: the next sync covers it
    expect(writer.durableSeq).toBe(0);
    for (let i = 0; i < 200 && writer.durableSeq < 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(writer.durableSeq).toBe(2);
    expect(heard[heard.length - 1]).toBe(2);
    expect(writer.syncs).toBeGreaterThanOrEqual(2);
    batch(3);
    writer.close(); // a final synchronous sync: everything written is durable
    expect(writer.durableSeq).toBe(3);
  });

  test('with fsync off, a record is durable once written', () => {
    const file = tmpJournal();
    const { JournalWriter } = require('./journal') as typeof import('./journal');
    const { CommandBuffer, CommandType } = require('./command') as typeof import('./command');
    const writer = new JournalWriter(file, { ...config.journal, flush: 'batch', fsync: false });
    const cmds = new CommandBuffer(1);
    cmds.write(0, CommandType.SystemEvent, 0, 0, 0x53, 0, 0, 0, 0);
    cmds.stamp(0, 7, 0);
    writer.markRecovered(6);
    writer.append(cmds, 0);
    expect(writer.durableSeq).toBe(6);
    writer.endBatch();
    expect(writer.durableSeq).toBe(7);
    writer.close();
  });
});
