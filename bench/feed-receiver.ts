// The receiver of the publisher benchmark, part (b): a separate process (child_process.fork
// from bench/publisher.ts) joined to both feed lines, counting per line packets, messages,
// sequence gaps, duplicates and the messages missing from 1..the last sequence seen. It reads
// only the MoldUDP64 header (session 10, sequence u64 at 10, count u16 at 18; FEED.md), so it
// is cheap enough to keep up on one core.
//
// Protocol with the parent (IPC messages):
//   parent -> child  { type: 'start', lines: [{ group, port }, { group, port }], interface, recvBufferBytes }
//   child -> parent  { type: 'ready', recvBufferBytes }          (both sockets joined)
//   parent -> child  { type: 'stop', lastSequence }               (the publisher's last sequence)
//   child -> parent  { type: 'report', lines: LineCounts[] }      (then it exits)

import * as dgram from 'node:dgram';

export interface ReceiverLine {
  group: string;
  port: number;
}

export interface ReceiverStart {
  type: 'start';
  lines: ReceiverLine[];
  interface: string;
  recvBufferBytes: number;
}

export interface ReceiverStop {
  type: 'stop';
  /** The publisher's last sequence number (nextSequence - 1): the receiver waits for it briefly. */
  lastSequence: number;
}

export interface LineCounts {
  group: string;
  port: number;
  packets: number;
  /** Messages in data packets (heartbeats and end of session carry none). */
  messages: number;
  heartbeats: number;
  endOfSession: number;
  /** Packets whose first sequence was past the next expected one. */
  gaps: number;
  /** Messages whose sequence had already been received. */
  duplicates: number;
  /** Highest sequence received (last message of a data packet). */
  lastSequence: number;
  /** Distinct sequences received in 1..lastSequence. */
  distinct: number;
  /** Messages missing from 1..max(lastSequence, the publisher's last): never received. */
  lossMessages: number;
  /** The receive buffer the kernel granted (Linux reports twice the request). */
  recvBufferBytes: number;
}

export interface ReceiverReady {
  type: 'ready';
  recvBufferBytes: number;
}

export interface ReceiverReport {
  type: 'report';
  lines: LineCounts[];
}

/** One line's counters; a bitmap of the sequences seen (grows by doubling, 1 bit a message). */
class LineCounter {
  packets = 0;
  messages = 0;
  heartbeats = 0;
  endOfSession = 0;
  gaps = 0;
  duplicates = 0;
  lastSequence = 0;
  distinct = 0;
  private expected = 1;
  private seen = new Uint8Array(1 << 20);

  onPacket(buf: Buffer): void {
    this.packets++;
    if (buf.length < 20) return;
    const count = buf.readUInt16BE(18);
    if (count === 0) {
      this.heartbeats++;
      return;
    }
    if (count === 0xffff) {
      this.endOfSession++;
      return;
    }
    const first = buf.readUInt32BE(10) * 4294967296 + buf.readUInt32BE(14);
    this.messages += count;
    if (first > this.expected) this.gaps++;
    const last = first + count - 1;
    if (last >> 3 >= this.seen.length) {
      let size = this.seen.length;
      while (last >> 3 >= size) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.seen);
      this.seen = grown;
    }
    const seen = this.seen;
    for (let s = first; s <= last; s++) {
      const bit = 1 << (s & 7);
      const i = s >> 3;
      if ((seen[i] & bit) !== 0) this.duplicates++;
      else {
        seen[i] |= bit;
        this.distinct++;
      }
    }
    if (last + 1 > this.expected) this.expected = last + 1;
    if (last > this.lastSequence) this.lastSequence = last;
  }
}

function main(): void {
  const counters: LineCounter[] = [];
  const sockets: dgram.Socket[] = [];
  let start: ReceiverStart | null = null;
  let granted = 0;

  const report = (publisherLast: number): void => {
    const lines: LineCounts[] = counters.map((c, i) => {
      const line = (start as ReceiverStart).lines[i];
      const upTo = Math.max(c.lastSequence, publisherLast);
      return {
        group: line.group,
        port: line.port,
        packets: c.packets,
        messages: c.messages,
        heartbeats: c.heartbeats,
        endOfSession: c.endOfSession,
        gaps: c.gaps,
        duplicates: c.duplicates,
        lastSequence: c.lastSequence,
        distinct: c.distinct,
        lossMessages: Math.max(0, upTo - c.distinct),
        recvBufferBytes: granted,
      };
    });
    const message: ReceiverReport = { type: 'report', lines };
    for (const s of sockets) s.close();
    (process.send as NonNullable<typeof process.send>)(message, () => process.exit(0));
  };

  process.on('message', (raw: unknown) => {
    const msg = raw as ReceiverStart | ReceiverStop;
    if (msg.type === 'start') {
      start = msg;
      void joinAll(msg).then(() => {
        const ready: ReceiverReady = { type: 'ready', recvBufferBytes: granted };
        (process.send as NonNullable<typeof process.send>)(ready);
      });
    } else if (msg.type === 'stop') {
      // Give the last packets up to a second to arrive (they were sent before 'stop').
      const deadline = performance.now() + 1000;
      const wait = (): void => {
        const done = counters.every((c) => c.lastSequence >= msg.lastSequence);
        if (done || performance.now() > deadline) report(msg.lastSequence);
        else setTimeout(wait, 10);
      };
      wait();
    }
  });
  process.on('disconnect', () => process.exit(1));

  async function joinAll(msg: ReceiverStart): Promise<void> {
    for (const line of msg.lines) {
      const counter = new LineCounter();
      const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
      socket.on('message', (buf) => counter.onPacket(buf));
      socket.on('error', (err) => {
        process.stderr.write(`feed-receiver: ${line.group}:${line.port}: ${err.message}\n`);
      });
      // Bound to the group itself (Linux), so only this line's datagrams arrive on it.
      await new Promise<void>((resolve) => socket.bind(line.port, line.group, () => resolve()));
      socket.addMembership(line.group, msg.interface);
      socket.setRecvBufferSize(msg.recvBufferBytes);
      granted = socket.getRecvBufferSize();
      counters.push(counter);
      sockets.push(socket);
    }
  }
}

main();
