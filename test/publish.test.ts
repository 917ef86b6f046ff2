// `tickwire publish` as a user runs it (the compiled binary in a child process), heard by
// real receiving sockets on both lines in this process and decoded with protocol/.
// Bounded, generous waits; no timing assertions. Fails (does not skip) without multicast.
import { spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeRetransmissionRequest, moldSessionBytes, MoldPacketKind, MoldUdp64Packet } from '../protocol';

const BIN = path.resolve(__dirname, '../dist/bin/tickwire.js');
const IFACE = '127.0.0.1';
const GROUPS = ['239.192.77.21', '239.192.77.22'];

interface Line {
  socket: dgram.Socket;
  port: number;
  packets: Buffer[];
}

async function listen(group: string): Promise<Line> {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, () => resolve());
  });
  try {
    socket.addMembership(group, IFACE);
  } catch (err) {
    socket.close();
    throw new Error(`multicast is not available on ${IFACE} here (addMembership ${group}: ${(err as Error).message}); this test needs loopback multicast`);
  }
  const line: Line = { socket, port: socket.address().port, packets: [] };
  socket.on('message', (m) => line.packets.push(m));
  return line;
}

/** Highest message sequence number the captured packets carried. */
function highestSequence(packets: Buffer[]): number {
  const p = new MoldUdp64Packet();
  let high = 0;
  for (const bytes of packets) {
    if (p.parse(bytes, 0, bytes.length) === 0 && p.kind === MoldPacketKind.Data) high = Math.max(high, p.nextSequence - 1);
  }
  return high;
}

describe('tickwire publish', () => {
  test('publishes a gap-free feed from sequence 1 on both lines, ending with end of session, and exits 0', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-publish-'));
    const [a, b] = [await listen(GROUPS[0]), await listen(GROUPS[1])];
    try {
      const child = spawn(
        process.execPath,
        [
          BIN, 'publish', '--orders', '5000', '--rate', '5000', '--seed', '3',
          '--set', `journal.path=${path.join(dir, '{date}.journal')}`, '--set', `storage.path=${path.join(dir, 'tickwire.duckdb')}`, '--set', 'sim.symbols=10',
          '--set', `publisher.lineA.group=${GROUPS[0]}`, '--set', `publisher.lineA.port=${a.port}`,
          '--set', `publisher.lineB.group=${GROUPS[1]}`, '--set', `publisher.lineB.port=${b.port}`,
          '--set', 'publisher.endOfSessionIntervalMs=100',
          '--set', 'publisher.rewinder.port=0', '--set', 'publisher.snapshot.port=0', '--set', 'gateway.port=0',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
        child.once('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      expect({ code, out }).toEqual({ code: 0, out: expect.stringMatching(/end of day: 5,000 orders/) as unknown as string });
      expect(out).toMatch(new RegExp(`line A ${GROUPS[0].replace(/\./g, '\\.')}:${a.port}, line B`));
      const sent = Number(/in ([\d,]+) packets/.exec(out)![1].replace(/,/g, ''));
      const nextSequence = Number(/next sequence (\d+)/.exec(out)![1]);
      // The last datagrams may still be in the socket buffers when the child exits.
      const until = Date.now() + 10_000;
      while ((a.packets.length < sent || b.packets.length < sent) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));

      for (const line of [a, b]) {
        expect(line.packets.length).toBe(sent);
        const p = new MoldUdp64Packet();
        let expected = 1;
        let messages = 0;
        let gaps = 0;
        let faults = 0;
        for (const bytes of line.packets) {
          if (p.parse(bytes, 0, bytes.length) !== 0) {
            faults++;
            continue;
          }
          if (p.sequence !== expected) gaps++;
          if (p.kind === MoldPacketKind.Data) {
            messages += p.count;
            expected = p.nextSequence;
          }
        }
        expect({ faults, gaps, next: expected }).toEqual({ faults: 0, gaps: 0, next: nextSequence });
        expect(messages).toBe(nextSequence - 1);
        p.parse(line.packets[line.packets.length - 1], 0, line.packets[line.packets.length - 1].length);
        expect(p.kind).toBe(MoldPacketKind.EndOfSession);
      }
      expect(a.packets.every((x, i) => x.equals(b.packets[i]))).toBe(true);
    } finally {
      a.socket.close();
      b.socket.close();
    }
  });

  test('answers a retransmission request on its rewinder with the bytes the lines carried, from the journal archive once the store has moved on', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-publish-'));
    const lineA = await listen(GROUPS[0]);
    const requester = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => requester.bind(0, '127.0.0.1', () => resolve()));
    const answers: Buffer[] = [];
    requester.on('message', (m) => answers.push(m));
    const child = spawn(
      process.execPath,
      [
        BIN, 'publish', '--rate', '3000', '--duration', '6',
        '--set', `journal.path=${path.join(dir, '{date}.journal')}`, '--set', `storage.path=${path.join(dir, 'tickwire.duckdb')}`, '--set', 'sim.symbols=10',
        '--set', `publisher.lineA.group=${GROUPS[0]}`, '--set', `publisher.lineA.port=${lineA.port}`,
        '--set', `publisher.lineB.group=${GROUPS[1]}`, '--set', 'publisher.lineB.port=9',
        '--set', 'publisher.endOfSessionIntervalMs=100', '--set', 'publisher.rewinder.port=0',
        '--set', 'publisher.snapshot.port=0', '--set', 'publisher.storeCapacity=1024', '--set', 'gateway.port=0',
        '--set', 'publisher.rewinder.archivePollMs=50',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    const waitFor = async (ok: () => boolean, what: string): Promise<void> => {
      const until = Date.now() + 30_000;
      while (!ok()) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}; output so far:\n${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await waitFor(() => /rewinder (\S+) on udp 127\.0\.0\.1:(\d+)/.test(out), 'the rewinder banner');
      const [, session, port] = /rewinder (\S+) on udp 127\.0\.0\.1:(\d+)/.exec(out)!;
      // Collect the first 20 messages as line A carried them.
      const live: Buffer[] = [];
      const p = new MoldUdp64Packet();
      await waitFor(() => {
        live.length = 0;
        for (const bytes of lineA.packets) {
          if (p.parse(bytes, 0, bytes.length) !== 0 || p.kind !== MoldPacketKind.Data) continue;
          for (let o = p.nextMessage(); o >= 0 && live.length < 20; o = p.nextMessage()) live.push(Buffer.from(bytes.subarray(o, o + p.messageLength)));
        }
        return live.length >= 20;
      }, 'the first 20 messages on line A');

      // The store holds 1,024 messages: wait until message 1 has left it (the lines are far past it).
      let carried = 0;
      await waitFor(() => {
        carried = 0;
        for (const bytes of lineA.packets) if (p.parse(bytes, 0, bytes.length) === 0 && p.kind === MoldPacketKind.Data) carried += p.count;
        return carried > 4096;
      }, 'line A to carry 4,096 messages');
      const request = new Uint8Array(20);
      encodeRetransmissionRequest(request, 0, moldSessionBytes(session), 1, 20);
      // Answered from the archive the worker re-encodes from the journal; it lags the live
      // feed by a poll, so ask again until the answer comes.
      for (let i = 0; i < 100 && answers.length === 0; i++) {
        requester.send(request, Number(port), '127.0.0.1');
        await new Promise((r) => setTimeout(r, 100));
      }
      await waitFor(() => answers.length > 0, 'the rewinder answer');
      const answer = answers[0];
      expect(p.parse(answer, 0, answer.length)).toBe(0);
      expect(p.sequence).toBe(1);
      expect(p.count).toBeGreaterThan(0);
      const got: Buffer[] = [];
      for (let o = p.nextMessage(); o >= 0; o = p.nextMessage()) got.push(Buffer.from(answer.subarray(o, o + p.messageLength)));
      expect(got).toEqual(live.slice(0, got.length));
      expect(await exited).toBe(0);
      expect(out).toMatch(/rewinder: \d+ requests, 1 answered/);
      expect(out).toMatch(/\(1 from the journal archive, archived through \d+\)/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      requester.close();
      lineA.socket.close();
    }
  });

  test.each(['engine', 'own'])('killed with SIGKILL and started again (publisher.thread %s), it continues the session: receivers see no gap, only repeats of identical messages', async (thread) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-publish-kill-'));
    const groups = ['239.192.77.31', '239.192.77.32'];
    const [a, b] = [await listen(groups[0]), await listen(groups[1])];
    const args = (extra: string[]): string[] => [
      BIN, 'publish', '--rate', '4000', ...extra,
      '--set', `journal.path=${path.join(dir, '{date}.journal')}`, '--set', `storage.path=${path.join(dir, 'tickwire.duckdb')}`, '--set', 'sim.symbols=10',
      '--set', `publisher.lineA.group=${groups[0]}`, '--set', `publisher.lineA.port=${a.port}`,
      '--set', `publisher.lineB.group=${groups[1]}`, '--set', `publisher.lineB.port=${b.port}`,
      '--set', 'publisher.endOfSessionIntervalMs=100', '--set', 'publisher.rewinder.port=0', '--set', 'publisher.snapshot.port=0', '--set', 'gateway.port=0',
      '--set', `publisher.thread=${thread}`,
    ];
    const run = (extra: string[]) => {
      const child = spawn(process.execPath, args(extra), { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      return { child, exited, output: () => out };
    };
    try {
      // The first run's lines are paced well below its rate, so packets are queued (journaled,
      // not yet sent) when it is killed: without the re-send, receivers would see a gap.
      const first = run(['--set', 'publisher.maxPacketsPerSec=40']);
      const until = Date.now() + 60_000; // a loaded machine can take long to start two threads
      while (a.packets.length < 50 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 500));
      first.child.kill('SIGKILL');
      await first.exited;
      const beforeRestart = a.packets.length;
      expect(beforeRestart).toBeGreaterThanOrEqual(50);
      const sentBeforeKill = highestSequence(a.packets);

      const second = run(['--duration', '2']);
      expect(await second.exited).toBe(0);
      expect(second.output()).toMatch(/resumed after [\d,]+ commands/);
      const resent = /restart re-sent ([\d,]+) messages from sequence (\d+)/.exec(second.output());
      expect(resent).not.toBeNull();
      // The re-send starts at or before the first message the killed process never sent.
      expect(Number(resent![2])).toBeLessThanOrEqual(sentBeforeKill + 1);
      expect(Number(resent![1].replace(/,/g, ''))).toBeGreaterThan(0);
      const nextSequence = Number(/next sequence (\d+)/.exec(second.output())![1]);
      const sent = Number(/in ([\d,]+) packets/.exec(second.output())![1].replace(/,/g, ''));
      const settle = Date.now() + 10_000;
      while ((a.packets.length < beforeRestart + sent || b.packets.length < beforeRestart + sent) && Date.now() < settle) {
        await new Promise((r) => setTimeout(r, 20));
      }

      for (const line of [a, b]) {
        const bySequence = new Map<number, Buffer>();
        let mismatched = 0;
        let repeats = 0;
        const p = new MoldUdp64Packet();
        for (const bytes of line.packets) {
          if (p.parse(bytes, 0, bytes.length) !== 0 || p.kind !== MoldPacketKind.Data) continue;
          let seq = p.sequence;
          for (let o = p.nextMessage(); o >= 0; o = p.nextMessage(), seq++) {
            const msg = Buffer.from(bytes.subarray(o, o + p.messageLength));
            const seen = bySequence.get(seq);
            if (seen === undefined) bySequence.set(seq, msg);
            else {
              repeats++;
              if (!seen.equals(msg)) mismatched++;
            }
          }
        }
        const missing: number[] = [];
        for (let seq = 1; seq < nextSequence; seq++) if (!bySequence.has(seq)) missing.push(seq);
        expect({ missing: missing.slice(0, 10), missingCount: missing.length, mismatched }).toEqual({ missing: [], missingCount: 0, mismatched: 0 });
        expect(repeats).toBeGreaterThanOrEqual(0);
      }
    } finally {
      a.socket.close();
      b.socket.close();
    }
  });
});
