// One receiver of bench/fairness.ts, in its own process (forked 8 times): joined to a
// multicast group, bound to a unicast port, or connected to the gateway's websocket. Each
// update it gets is stamped first thing in its handler with CLOCK_MONOTONIC (mono-clock.ts:
// the clock every process on the machine shares), keyed by what identifies the update on
// every receiver (the MoldUDP64 sequence number; a websocket frame's channel, symbol, seq).
//
// IPC: parent -> child { type: 'start', ... }; child -> parent { type: 'ready', port };
//      parent -> child { type: 'measure' } (record from now on); child -> parent
//      { type: 'count', n } every 250 ms; parent -> child { type: 'stop' };
//      child -> parent { type: 'report', keys, timesNs }.
import * as dgram from 'node:dgram';
import WebSocket from 'ws';
import { MonotonicNs } from './mono-clock';

export interface FairnessStart {
  type: 'start';
  mode: 'multicast' | 'unicast' | 'websocket';
  /** Multicast: the group and port to join (line A) on `iface`. */
  group: string;
  port: number;
  iface: string;
  /** The run's MoldUDP64 session (10 bytes): packets of any other sender are ignored. */
  session: string;
  /** Websocket: the gateway's URL, a pro key, the symbols whose books to follow. */
  url: string;
  key: string;
  symbols: string[];
  /** Most updates kept (a bound on memory). */
  maxUpdates: number;
}

export interface FairnessReport {
  type: 'report';
  /** Update keys (sequence numbers as strings, or channel|symbol|seq), in receipt order. */
  keys: string[];
  /** CLOCK_MONOTONIC ns of each receipt. */
  timesNs: number[];
  /** Datagrams or frames that did not belong to the run (another sender on the group). */
  foreign: number;
}

const mono = new MonotonicNs();
let measuring = false;
const keys: string[] = [];
const times: number[] = [];
let foreign = 0;
let closeAll: () => void = () => undefined;

function record(key: string, t: number): void {
  if (!measuring || keys.length >= maxUpdates) return;
  keys.push(key);
  times.push(t);
}
let maxUpdates = 0;

async function begin(s: FairnessStart): Promise<void> {
  maxUpdates = s.maxUpdates;
  if (s.mode === 'websocket') {
    const ws = new WebSocket(s.url, { headers: { Authorization: `Bearer ${s.key}` }, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('message', (data: Buffer) => {
      const t = mono.now();
      const m = JSON.parse(data.toString()) as { channel?: string; type?: string; symbol?: string; seq?: number };
      if (m.type !== 'update') return; // snapshots answer each receiver's own subscribe
      record(`${m.channel}|${m.symbol}|${m.seq}`, t);
    });
    for (const symbol of s.symbols) ws.send(JSON.stringify({ op: 'subscribe', channel: 'book', symbol, depth: 10 }));
    closeAll = () => ws.terminate();
    process.send?.({ type: 'ready', port: 0 });
    return;
  }
  const session = Buffer.from(s.session.padEnd(10).slice(0, 10), 'latin1');
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: 4 << 20 });
  socket.on('message', (buf: Buffer) => {
    const t = mono.now();
    if (buf.length < 20 || buf.compare(session, 0, 10, 0, 10) !== 0) {
      foreign++;
      return;
    }
    record(String(buf.readUInt32BE(10) * 4294967296 + buf.readUInt32BE(14)), t);
  });
  const port = await new Promise<number>((resolve, reject) => {
    socket.once('error', reject);
    const bindTo = s.mode === 'multicast' ? { port: s.port, address: s.group } : { port: 0, address: s.iface };
    socket.bind(bindTo, () => {
      if (s.mode === 'multicast') socket.addMembership(s.group, s.iface);
      resolve(socket.address().port);
    });
  });
  closeAll = () => socket.close();
  process.send?.({ type: 'ready', port });
}

let counter: NodeJS.Timeout | null = null;
process.on('message', (raw: unknown) => {
  const msg = raw as { type: string };
  if (msg.type === 'start') {
    begin(raw as FairnessStart).catch((err: unknown) => {
      process.stderr.write(`fairness receiver: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
  } else if (msg.type === 'measure') {
    measuring = true;
    counter = setInterval(() => process.send?.({ type: 'count', n: keys.length }), 250);
  } else if (msg.type === 'stop') {
    measuring = false;
    if (counter !== null) clearInterval(counter);
    closeAll();
    const report: FairnessReport = { type: 'report', keys, timesNs: times, foreign };
    process.send?.(report, () => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
