// A seeded fault relay between the publisher's multicast lines and a feed handler's: it
// joins the publisher's two groups and forwards every datagram to the handler's groups,
// dropping, duplicating and reordering packets per line. Loss is decided from the packet's
// MoldUDP64 sequence number and a loss seed, so two lines given the same loss seed lose the
// same packets (loss upstream of both lines: only the rewinder can fill it) and lines given
// different seeds lose independently. Real sockets on loopback.
import * as dgram from 'node:dgram';
import { mulberry32, readU16, readU64 } from '../../protocol';

export interface RelayAddress {
  group: string;
  port: number;
}

export interface LineFaults {
  /** Probability of losing a packet (decided per sequence number with `lossSeed`). */
  loss?: number;
  lossSeed?: number;
  /** Probability of sending a packet twice. */
  duplicate?: number;
  /** Probability of holding a packet back behind the next 1 to 3 packets. */
  reorder?: number;
  /** Drop every packet carrying a message in [first, end) (a burst). */
  dropFirst?: number;
  dropEnd?: number;
}

export interface RelayLineCounts {
  packets: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  forwarded: number;
}

const IFACE = '127.0.0.1';

class RelayLine {
  readonly counts: RelayLineCounts = { packets: 0, dropped: 0, duplicated: 0, reordered: 0, forwarded: 0 };
  faults: LineFaults;
  private readonly random: () => number;
  private readonly held: Array<{ bytes: Buffer; after: number; since: number }> = [];
  in!: dgram.Socket;

  constructor(
    private readonly out: dgram.Socket,
    private readonly to: RelayAddress,
    faults: LineFaults,
    seed: number,
  ) {
    this.faults = faults;
    this.random = mulberry32(seed);
  }

  onPacket(bytes: Buffer): void {
    this.counts.packets++;
    const f = this.faults;
    if (bytes.length >= 20) {
      const seq = readU64(bytes, 10);
      const count = readU16(bytes, 18);
      const n = count === 0xffff ? 0 : count;
      if (f.dropFirst !== undefined && f.dropEnd !== undefined && n > 0 && seq < f.dropEnd && seq + n > f.dropFirst) {
        this.counts.dropped++;
        return this.release();
      }
      if (f.loss !== undefined && f.loss > 0 && lossDraw(f.lossSeed ?? 1, seq, count) < f.loss) {
        this.counts.dropped++;
        return this.release();
      }
    }
    if (f.reorder !== undefined && this.random() < f.reorder) {
      this.counts.reordered++;
      this.held.push({ bytes, after: 1 + Math.floor(this.random() * 3), since: performance.now() });
      return;
    }
    this.send(bytes);
    if (f.duplicate !== undefined && this.random() < f.duplicate) {
      this.counts.duplicated++;
      this.send(bytes);
    }
    this.release();
  }

  /** Counts down held packets; sends those whose turn has come (or that waited 20 ms). */
  release(force = false): void {
    const now = performance.now();
    for (let i = 0; i < this.held.length; ) {
      const h = this.held[i];
      h.after--;
      if (force || h.after <= 0 || now - h.since > 20) {
        this.held.splice(i, 1);
        this.send(h.bytes);
      } else i++;
    }
  }

  private send(bytes: Buffer): void {
    this.counts.forwarded++;
    this.out.send(bytes, this.to.port, this.to.group);
  }
}

/** A number in [0, 1) from a seed and a packet's identity: the same on both lines for the same seed. */
function lossDraw(seed: number, sequence: number, count: number): number {
  return mulberry32((seed * 0x9e3779b1) ^ (sequence * 0x85ebca6b) ^ (count << 16))();
}

export class FaultRelay {
  readonly lines: RelayLine[] = [];
  /** The publisher-side ports the relay listens on (give them to the publisher's lines). */
  readonly fromPorts: number[] = [];
  private readonly sockets: dgram.Socket[] = [];
  private timer: NodeJS.Timeout | null = null;

  /** Joins `from` groups on free ports (see fromPorts) and forwards to `to` with the given faults. */
  static async open(fromGroups: [string, string], to: [RelayAddress, RelayAddress], faults: [LineFaults, LineFaults], seed: number): Promise<FaultRelay> {
    const relay = new FaultRelay();
    const out = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => out.bind(0, IFACE, () => resolve()));
    out.setMulticastInterface(IFACE);
    out.setMulticastTTL(1);
    out.setSendBufferSize(4 << 20);
    relay.sockets.push(out);
    for (let i = 0; i < 2; i++) {
      const line = new RelayLine(out, to[i], faults[i], seed + i * 7919);
      const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, fromGroups[i], () => resolve());
      });
      socket.addMembership(fromGroups[i], IFACE);
      socket.on('message', (m: Buffer) => line.onPacket(m));
      line.in = socket;
      relay.sockets.push(socket);
      relay.lines.push(line);
      relay.fromPorts.push(socket.address().port);
    }
    relay.timer = setInterval(() => relay.lines.forEach((l) => l.release()), 10);
    return relay;
  }

  setFaults(line: number, faults: LineFaults): void {
    this.lines[line].faults = faults;
  }

  counts(): RelayLineCounts[] {
    return this.lines.map((l) => ({ ...l.counts }));
  }

  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.lines.forEach((l) => l.release(true));
    await Promise.all(this.sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

export { freeUdpPort } from './ports';
