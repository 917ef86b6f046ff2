// Two sessions on one day, across processes: `tickwire publish` ended cleanly (SIGINT: end of
// day, end of session sent), then started again, which opens the day's second session from
// sequence 1. A FeedHandler in this process stays up throughout: it must see two distinct
// session names, start a new day of books on the second, and end with the second session's
// books, order by order, with no unrecovered gap. Compiled binary (npm test builds first),
// real multicast on loopback, bounded waits, no timing assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as path from 'node:path';
import { MarketBooks } from '../book';
import { diffBooks, FeedHandler, FeedState, verifyAgainstSnapshot, type FeedNewSession } from '../feed-handler';
import { MoldPacketKind, MoldUdp64Packet } from '../protocol';
import { waitUntil } from './support/feed';
import { publishRig } from './support/publish-rig';

const BIN = path.resolve(__dirname, '../dist/bin/tickwire.js');
const IFACE = '127.0.0.1';
const WAIT_MS = 40_000;

interface Child {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(args: string[]): Child {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { child, output: () => out, exited };
}

test('a handler that stays up across a clean end of day and a new start follows the second session: new name, books reset, equal to the second session\'s', async () => {
  const rig = await publishRig('tw-feed-sessions-', ['239.192.55.71', '239.192.55.72']);
  const { groups, ports, snapshotPort, sessionDate, args } = rig;
  const handler = new FeedHandler(rig.handlerOptions());
  await handler.start();
  const told: FeedNewSession[] = [];
  const ends: Array<[string, number]> = [];
  handler.subscribe({ onNewSession: (s) => void told.push(s), onEndOfSession: (seq) => void ends.push([handler.session, seq]) });
  // An independent capture of both lines, per session: the reference books are the second session's sequences, once, in order.
  const capture = new Map<string, Map<number, Uint8Array>>();
  const p = new MoldUdp64Packet();
  const sockets: dgram.Socket[] = [];
  for (let i = 0; i < 2; i++) {
    const s = dgram.createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: 4 << 20 });
    await new Promise<void>((resolve) => s.bind(ports[i], groups[i], () => resolve()));
    s.addMembership(groups[i], IFACE);
    s.on('message', (m: Buffer) => {
      if (p.parse(m, 0, m.length) !== 0 || p.kind !== MoldPacketKind.Data) return;
      const session = m.toString('latin1', 0, 10);
      let seqs = capture.get(session);
      if (seqs === undefined) capture.set(session, (seqs = new Map()));
      let seq = p.sequence;
      for (let at = p.nextMessage(); at >= 0; at = p.nextMessage()) seqs.set(seq++, m.subarray(at, at + p.messageLength));
    });
    sockets.push(s);
  }
  const first = run(args([]));
  let second: Child | null = null;
  try {
    await waitUntil(`the first session's feed (${first.output()})`, () => handler.sequence > 1500, WAIT_MS);
    first.child.kill('SIGINT'); // a clean end of day
    expect(await first.exited).toBe(0);
    await waitUntil(`the handler to see the first session end (${JSON.stringify(handler.figures())})`, () => handler.ended, WAIT_MS);
    const firstSession = handler.session;
    const firstLast = handler.sequence;
    second = run(args(['--duration', '3']));
    await waitUntil(`the second session's feed (${second.output()})`, () => handler.newSessions === 1 && handler.sequence > 1500, WAIT_MS);
    const check = await verifyAgainstSnapshot(handler, { host: IFACE, port: snapshotPort }, 20_000);
    expect({ skipped: check.skipped, equal: check.equal, differences: check.differences }).toEqual({ skipped: '', equal: true, differences: [] });
    expect(await second.exited).toBe(0);
    const next = Number(/next sequence (\d+)/.exec(second.output())![1]);
    await waitUntil(`the handler to reach the second session's end (${JSON.stringify(handler.figures())})`, () => handler.ended && handler.sequence === next - 1, WAIT_MS);

    // Two distinct names, on the wire and in the handler.
    const banner = (c: Child): string => /feed: session (\S+),/.exec(c.output())![1];
    expect(banner(first)).toBe(firstSession);
    expect(banner(second)).toBe(handler.session);
    expect(handler.session).not.toBe(firstSession);
    expect([...capture.keys()].sort()).toEqual([firstSession, handler.session].sort());
    expect(told).toEqual([{ session: handler.session, previous: firstSession, sessionDate, previousSequence: firstLast }]);
    expect(ends).toEqual([[firstSession, firstLast], [handler.session, next - 1]]);
    // The books are the second session's alone.
    const seqs = capture.get(handler.session)!;
    const reference = new MarketBooks();
    for (let seq = 1; seq < next; seq++) {
      const m = seqs.get(seq);
      if (m === undefined) throw new Error(`the capture misses sequence ${seq} of ${handler.session}`);
      reference.decodeAndApply(m, 0, m.length, seq);
    }
    expect(diffBooks(handler.books, reference)).toEqual([]);
    expect(handler.figures()).toMatchObject({ valid: true, state: FeedState.Synchronized, ended: true, integrityErrors: 0, orphans: 0, newSessions: 1, bufferedPackets: 0 });
  } finally {
    first.child.kill('SIGKILL');
    second?.child.kill('SIGKILL');
    await handler.close();
    for (const s of sockets) s.close();
  }
});
