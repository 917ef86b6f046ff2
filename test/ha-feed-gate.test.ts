// The feed's commit gate (issue 20: "the feed publishes only committed events"), on real
// sockets: a primary (LiveSim with its publisher on multicast lines, a ReplicationServer on
// its journal) and a real StandbyReplicator that reaches it through a TCP proxy, which can
// hold or delay the standby's acknowledgements. Line A is captured by a UDP receiver in
// this process. While acknowledgements are withheld, no packet carries an event of a
// command the standby has not acknowledged; when they resume, the held packets go out in
// order with contiguous sequence numbers, and so on to the end of the day.
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../config';
import { ReplicationServer, StandbyReplicator } from '../ha';
import type { EngineEventView } from '../protocol';
import { publisherServiceFromConfig } from '../publisher';
import { InlineSim, JournalWriter, LiveSim } from '../sim';
import { freeUdpPort } from './support/ports';

const IFACE = '127.0.0.1';

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A TCP proxy to `port`: primary-to-standby bytes pass at once; the standby's (its hello and acknowledgements) can be held or delayed. */
class AckProxy {
  hold = false;
  delayMs = 0;
  private held: Array<{ to: net.Socket; data: Buffer }> = [];
  private readonly sockets: net.Socket[] = [];
  readonly server: net.Server;

  constructor(private readonly port: number) {
    this.server = net.createServer((standby) => {
      const primary = net.connect(this.port, IFACE);
      this.sockets.push(standby, primary);
      primary.on('data', (d) => standby.write(d));
      standby.on('data', (d) => {
        if (this.hold) this.held.push({ to: primary, data: d });
        else if (this.delayMs > 0) setTimeout(() => primary.destroyed || primary.write(d), this.delayMs);
        else primary.write(d);
      });
      const end = (): void => {
        standby.destroy();
        primary.destroy();
      };
      standby.on('error', end).on('close', end);
      primary.on('error', end).on('close', end);
    });
  }

  listen(): Promise<number> {
    return new Promise((r) => this.server.listen(0, IFACE, () => r((this.server.address() as net.AddressInfo).port)));
  }

  release(): void {
    this.hold = false;
    const held = this.held;
    this.held = [];
    for (const h of held) if (!h.to.destroyed) h.to.write(h.data);
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

interface Packet {
  seq: number;
  count: number;
}

/** Data packets (count 1..0xFFFE) in arrival order: each starts where the one before ended. */
function contiguity(packets: readonly Packet[], from: number): { gaps: number; repeats: number; next: number } {
  let next = from;
  let gaps = 0;
  let repeats = 0;
  for (const p of packets) {
    if (p.count === 0 || p.count === 0xffff) continue;
    if (p.seq > next) gaps++;
    else if (p.seq < next) repeats++;
    next = Math.max(next, p.seq + p.count);
  }
  return { gaps, repeats, next };
}

describe('the feed is gated on the standby commit (real sockets)', () => {
  test('withheld acknowledgements hold the packets; resumed, they go out in order and contiguous', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-ha-gate-'));
    const group = '239.192.94.1';
    const port = await freeUdpPort();
    const config = loadConfig({
      flags: {
        'sim.ordersPerSec': 2000, 'sim.symbols': 5, 'journal.fsync': true,
        'publisher.lineA.group': group, 'publisher.lineA.port': port,
        'publisher.lineB.group': '239.192.94.2', 'publisher.lineB.port': await freeUdpPort(),
        'publisher.endOfSessionRepeats': 0,
      },
    });
    // Line A, heard from before the day opens.
    const packets: Packet[] = [];
    const rx = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((r) => rx.bind(port, group, () => r()));
    rx.addMembership(group, IFACE);
    rx.on('message', (m: Buffer) => packets.push({ seq: Number(m.readBigUInt64BE(10)), count: m.readUInt16BE(18) }));

    const service = publisherServiceFromConfig(config, '2026-12-07');
    await service.open();
    // Every event handed to the publisher is checked against the commit at that moment.
    let journal: JournalWriter | null = null;
    let gatedEvents = 0;
    let uncommittedEvents = 0;
    const handler = {
      onEngineEvent(view: EngineEventView, base: number): void {
        if (journal?.replicated === true) {
          gatedEvents++;
          if (view.inboundSeq(base) > journal.durableSeq) uncommittedEvents++;
        }
        service.onEngineEvent(view, base);
      },
    };
    const live = new LiveSim(config, path.join(dir, 'primary.journal'), handler);
    live.start(true); // the day opens (one machine: not gated yet)
    journal = live.core.journal as JournalWriter;
    expect(live.feedGated).toBe(false);
    const server = new ReplicationServer({ journal, epoch: 1, host: IFACE, port: 0 });
    const proxy = new AckProxy(await server.start());
    const proxyPort = await proxy.listen();
    expect(live.feedGated).toBe(true);
    const standbyJournal = new JournalWriter(path.join(dir, 'standby.journal'), { flush: 'batch', flushIntervalMs: 1, fsync: true, bufferBytes: 1 << 16 });
    const standby = new StandbyReplicator({ journal: standbyJournal, nodeName: 'standby' });
    standby.follow(IFACE, proxyPort, 1);
    try {
      await until('standby in sync', () => standby.inSync);
      live.resume();
      const primaryJournal = journal;
      await until('commits under flow', () => primaryJournal.durableSeq > 300 && packets.length > 5);

      // 1. Acknowledgements withheld: the commit stops, and so does the feed.
      proxy.hold = true;
      await sleep(50); // acknowledgements already past the proxy land
      const committed = primaryJournal.durableSeq;
      await until('flow goes on', () => primaryJournal.writtenThrough > committed + 300);
      await sleep(200);
      const feedNext = service.publisher.nextSequence;
      const dataDuringHold = packets.filter((p) => p.count > 0 && p.count < 0xffff && p.seq + p.count > feedNext).length;
      const held = { committed: primaryJournal.durableSeq, written: primaryJournal.writtenThrough, heldEvents: live.reader.available(), publisherNext: service.publisher.nextSequence };
      expect(held.committed).toBe(committed);
      expect(held.heldEvents).toBeGreaterThan(0);
      expect(held.publisherNext).toBe(feedNext); // nothing more in the store, books or packets
      expect(dataDuringHold).toBe(0);
      expect(await service.lines.whenIdle(1000)).toBe(true);
      await sleep(20);
      const capturedBeforeRelease = packets.length;
      const lastBefore = contiguity(packets, 1).next;
      expect(lastBefore).toBe(feedNext);

      // 2. Acknowledgements resume: the held packets go out, starting at the next sequence, contiguous.
      const writtenAtRelease = primaryJournal.writtenThrough;
      proxy.release();
      await until('the held commands committed', () => primaryJournal.durableSeq >= writtenAtRelease);
      await until('the held events published', () => service.publisher.nextSequence > feedNext && contiguity(packets, 1).next >= service.publisher.nextSequence - service.publisher.pendingCount);
      const after = packets.slice(capturedBeforeRelease).filter((p) => p.count > 0 && p.count < 0xffff);
      expect(after[0].seq).toBe(feedNext);

      // 3. Acknowledgements delayed (30 ms each): the feed follows the commit.
      proxy.delayMs = 30;
      await sleep(500);
      proxy.delayMs = 0;

      // The day ends: its closing events wait for the acknowledgement, then go out (S C and end of session).
      const inline = new InlineSim(live);
      await inline.stop(true);
      expect(service.publisher.ended).toBe(true);
      await service.finish();
      await sleep(50);
      const whole = contiguity(packets, 1);
      const figures = {
        test: 'ha-feed-gate',
        packets: packets.length,
        published: service.publisher.nextSequence - 1,
        committedAtHold: committed,
        writtenDuringHold: held.written,
        heldEvents: held.heldEvents,
        dataPacketsDuringHold: dataDuringHold,
        gatedEvents,
        uncommittedEvents,
        heldBackTicks: live.heldBackTicks,
        gateOverruns: live.feedGateOverruns,
        gaps: whole.gaps,
        repeats: whole.repeats,
      };
      console.log(JSON.stringify(figures));
      expect(gatedEvents).toBeGreaterThan(1000);
      expect(uncommittedEvents).toBe(0);
      expect(live.feedGateOverruns).toBe(0);
      expect(whole.gaps).toBe(0);
      expect(whole.repeats).toBe(0);
      expect(whole.next).toBe(service.publisher.nextSequence);
      expect(packets[packets.length - 1].count).toBe(0xffff); // end of session, after S C
    } finally {
      live.stop(false);
      standby.stop();
      await proxy.close();
      await server.close();
      try {
        standbyJournal.close();
      } catch {
        // closed
      }
      await service.finish();
      rx.close();
    }
  }, 60_000);
});
