// `tickwire feed` and the handler across processes: two handlers in separate processes end
// with identical books (and the publisher's), one recording (the record replays to the same
// books) and verifying against snapshots; and a handler that lives through a publisher
// SIGKILL and restart. Compiled binary (npm test builds first), real multicast on loopback,
// bounded waits, no timing assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MarketBooks } from '../book';
import { booksDigest, diffBooks, FeedHandler, FeedState, verifyAgainstSnapshot } from '../feed-handler';
import { MoldPacketKind, MoldUdp64Packet, readItchFile } from '../protocol';
import { InProcessFeed, SESSION_DATE } from './support/in-process-feed';
import { waitUntil } from './support/feed';
import { freeUdpPort } from './support/ports';
import { publishRig } from './support/publish-rig';

const BIN = path.resolve(__dirname, '../dist/bin/tickwire.js');
const IFACE = '127.0.0.1';
const WAIT_MS = 40_000;
const SEED = Number(process.env.TW_SEED ?? 55);

interface Child {
  child: ChildProcess;
  lines: () => Array<Record<string, unknown>>;
  output: () => string;
  exited: Promise<number | null>;
}

function run(args: string[]): Child {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  const lines = (): Array<Record<string, unknown>> =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { child, lines, output: () => out, exited };
}

describe('tickwire feed', () => {
  test('--help explains it; bad flags and bad config exit 2 with a clear code before anything starts', async () => {
    const help = run(['feed', '--help']);
    expect(await help.exited).toBe(0);
    expect(help.output()).toMatch(/Usage: tickwire feed[\s\S]*--verify-every[\s\S]*Examples:/);
    const flag = run(['feed', '--verify-every', 'soon']);
    expect(await flag.exited).toBe(2);
    expect(flag.output()).toMatch(/TW_ERR_BAD_FLAG: --verify-every/);
    const config = run(['feed', '--set', 'feedHandler.maxRewindRetries=-1', '--join', 'never']);
    expect(await config.exited).toBe(2);
    expect(config.output()).toMatch(/TW_ERR_BAD_CONFIG[\s\S]*feedHandler.join[\s\S]*feedHandler.maxRewindRetries/);
  });

  test('two handlers in separate processes end with identical books, equal to the publisher\'s; the record replays to them; snapshots verify', async () => {
    const groups = ['239.192.55.51', '239.192.55.52'];
    const ports = [await freeUdpPort(), await freeUdpPort()];
    const feed = await InProcessFeed.start({ seed: SEED, symbols: 10, lineA: { group: groups[0], port: ports[0] }, lineB: { group: groups[1], port: ports[1] } });
    const record = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tw-feed-cli-')), 'day.itch');
    const args = (extra: string[]): string[] => [
      'feed', '--json', '--date', SESSION_DATE, ...extra,
      '--set', `publisher.lineA.group=${groups[0]}`, '--set', `publisher.lineA.port=${ports[0]}`,
      '--set', `publisher.lineB.group=${groups[1]}`, '--set', `publisher.lineB.port=${ports[1]}`,
      '--set', `publisher.rewinder.port=${feed.rewinderPort}`, '--set', `publisher.snapshot.port=${feed.snapshotPort}`,
    ];
    const one = run(args(['--record', record, '--verify-every', '1']));
    const two = run(args(['--symbol', 'AAPL']));
    try {
      for (const h of [one, two]) await waitUntil(`a handler to start: ${h.output()}`, () => h.lines().some((l) => l.type === 'start'), WAIT_MS);
      feed.openDay();
      await feed.trade(5_000, 3);
      await feed.endDay();
      const [c1, c2] = [await one.exited, await two.exited];
      const end1 = one.lines().find((l) => l.type === 'end');
      const end2 = two.lines().find((l) => l.type === 'end');
      expect({ c1, c2, reason: end1?.reason }).toEqual({ c1: 0, c2: 0, reason: 'end of session' });
      const digest = booksDigest(feed.service.publisher.books);
      expect(end1!.digest).toBe(digest);
      expect(end2!.digest).toBe(digest);
      expect(end1!.sequence).toBe(feed.lastSequence);
      const verified = one.lines().filter((l) => l.type === 'verify' && l.skipped === '');
      expect(verified.length).toBeGreaterThan(0);
      expect(verified.every((v) => v.equal === true)).toBe(true);
      expect(end1!.verifyMismatches).toBe(0);
      expect((end2!.top as Array<{ symbol: string }>).map((t) => t.symbol)).toEqual(['AAPL']);
      // The record, read back, builds the same books.
      const replayed = new MarketBooks();
      let seq = 0;
      readItchFile(new Uint8Array(fs.readFileSync(record)), { onMessage: (b, o, n) => void replayed.decodeAndApply(b, o, n, ++seq), onFault: () => {} });
      expect(seq).toBe(feed.lastSequence);
      expect(booksDigest(replayed)).toBe(digest);
    } finally {
      for (const h of [one, two]) if (h.child.exitCode === null) h.child.kill('SIGKILL');
      await feed.close();
    }
  });

  test('a handler keeps exact books through a publisher SIGKILL and restart', async () => {
    const rig = await publishRig('tw-feed-kill-', ['239.192.55.61', '239.192.55.62']);
    const { groups, ports, snapshotPort, args } = rig;
    const handler = new FeedHandler(rig.handlerOptions());
    await handler.start();
    // An independent capture of both lines: the reference books are every sequence, once, in order.
    const capture = new Map<number, Uint8Array>();
    const p = new MoldUdp64Packet();
    const sockets: dgram.Socket[] = [];
    for (let i = 0; i < 2; i++) {
      const s = dgram.createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: 4 << 20 });
      await new Promise<void>((resolve) => s.bind(ports[i], groups[i], () => resolve()));
      s.addMembership(groups[i], IFACE);
      s.on('message', (m: Buffer) => {
        if (p.parse(m, 0, m.length) !== 0 || p.kind !== MoldPacketKind.Data) return;
        let seq = p.sequence;
        for (let at = p.nextMessage(); at >= 0; at = p.nextMessage()) capture.set(seq++, m.subarray(at, at + p.messageLength));
      });
      sockets.push(s);
    }
    const states: string[] = [];
    handler.subscribe({ onStatus: (s) => void states.push(s.state) });
    let second: Child | null = null;
    const first = run(args(['--set', 'publisher.maxPacketsPerSec=40']));
    try {
      await waitUntil(`the first publisher's feed (${first.output()})`, () => handler.sequence > 2000, WAIT_MS);
      await new Promise((r) => setTimeout(r, 300));
      first.child.kill('SIGKILL');
      await first.exited;
      const beforeRestart = handler.sequence;
      second = run(args(['--duration', '2']));
      await waitUntil(`the restarted publisher's feed (${second.output()})`, () => handler.sequence > beforeRestart + 2000, WAIT_MS);
      const check = await verifyAgainstSnapshot(handler, { host: IFACE, port: snapshotPort }, 20_000);
      expect({ skipped: check.skipped, equal: check.equal, differences: check.differences }).toEqual({ skipped: '', equal: true, differences: [] });
      expect(await second.exited).toBe(0);
      const next = Number(/next sequence (\d+)/.exec(second.output())![1]);
      await waitUntil(`the handler to reach the end of the session (${JSON.stringify(handler.figures())})`, () => handler.ended && handler.sequence === next - 1, WAIT_MS);
      const reference = new MarketBooks();
      for (let seq = 1; seq < next; seq++) {
        const m = capture.get(seq);
        if (m === undefined) throw new Error(`the capture misses sequence ${seq}`);
        reference.decodeAndApply(m, 0, m.length, seq);
      }
      expect(diffBooks(handler.books, reference)).toEqual([]);
      expect(handler.figures()).toMatchObject({ valid: true, state: FeedState.Synchronized, ended: true, integrityErrors: 0, orphans: 0 });
      expect(handler.lines[0].duplicates + handler.lines[1].duplicates).toBeGreaterThan(0); // the restart re-sent what it may not have sent
      expect(states).toContain(FeedState.Stale); // the lines went quiet while it restarted
    } finally {
      first.child.kill('SIGKILL');
      second?.child.kill('SIGKILL');
      await handler.close();
      for (const s of sockets) s.close();
    }
  });
});
