// bench:ouch-order-entry's raw baseline (a child process): a SoupBinTCP server that does the
// physical work of our OUCH path and nothing else. It logs anyone in, and for each Enter
// Order appends the bytes we store for its answer (a 66-byte Accepted as a keyed record, and
// the journal's two 56-byte command records) with the same GroupCommitter (one fdatasync in
// flight), then sends the Accepted as Sequenced Data, or for an aggressive order (token
// starting with 'X') an Accepted and an Executed. No validation, accounts, risk or matching.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { GcWatch } from './ouch-order-entry-gc';
import { GroupCommitter, OUCH_RECORD_KEY, type CommitTarget } from '../order-entry/ouch-store';
import {
  encodeOuchAccepted,
  encodeOuchExecuted,
  encodeSoupLoginAccepted,
  OuchInbound,
  OuchLength,
  SoupBinHandlerBase,
  SoupBinStreamDecoder,
  SoupFrameSize,
  decodeOuchInbound,
  type OuchOrderView,
} from '../protocol';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: ouch-order-entry-raw.js DIR');
const committer = new GroupCommitter(true);
const JOURNAL_BYTES = 2 * 56;

class RawSession extends SoupBinHandlerBase implements CommitTarget {
  readonly fd: number;
  private readonly decoder = new SoupBinStreamDecoder(this, 256);
  private readonly msg = new OuchInbound();
  private pending = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  private frames: Buffer[] = [];
  private inflight: Buffer[] = [];
  private seq = 0;
  private readonly view: OuchOrderView = { token: '', side: 0x42, shares: 0, stock: '', price: 0, timeInForce: 0, firm: '', display: 0x59, orderRef: 0, capacity: 0x50, intermarketSweep: 0x4e, minimumQuantity: 0, crossType: 0x4e, orderState: 0x4c, bboWeight: 0x20 };

  constructor(private readonly socket: net.Socket, n: number) {
    super();
    this.fd = fs.openSync(path.join(dir, `raw-${n}.ouch`), 'a+');
    socket.setNoDelay(true);
    socket.on('data', (c: Buffer) => this.decoder.push(c));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => fs.closeSync(this.fd));
  }

  override onLoginRequest(): void {
    const b = Buffer.alloc(SoupFrameSize.LoginAccepted);
    encodeSoupLoginAccepted(b, 0, 'RAW', 1);
    this.socket.write(b);
  }

  override onUnsequencedData(bytes: Uint8Array, offset: number, length: number): void {
    if (decodeOuchInbound(bytes, offset, length, this.msg) !== 0) return;
    const m = this.msg;
    const v = this.view;
    v.token = m.token;
    v.shares = m.shares;
    v.stock = m.stock;
    v.price = m.price;
    v.orderRef = ++this.seq;
    const aggressive = m.token.charCodeAt(0) === 0x58;
    const size = 3 + OuchLength.Accepted + (aggressive ? 3 + OuchLength.Executed : 0);
    const frame = Buffer.allocUnsafe(size);
    frame.writeUInt16BE(1 + OuchLength.Accepted, 0);
    frame[2] = 0x53;
    encodeOuchAccepted(frame, 3, 0, v);
    if (aggressive) {
      const o = 3 + OuchLength.Accepted;
      frame.writeUInt16BE(1 + OuchLength.Executed, o);
      frame[o + 2] = 0x53;
      encodeOuchExecuted(frame, o + 3, 0, m.token, m.shares, m.price, 0x52, this.seq);
    }
    // The same bytes: the journal's records and the store's keyed record(s).
    const need = JOURNAL_BYTES + OUCH_RECORD_KEY * (aggressive ? 2 : 1) + size;
    if (this.used + need > this.pending.length) this.pending = Buffer.concat([this.pending.subarray(0, this.used), Buffer.allocUnsafe(this.pending.length)]);
    this.pending.fill(0, this.used, this.used + JOURNAL_BYTES + OUCH_RECORD_KEY * (aggressive ? 2 : 1));
    frame.copy(this.pending, this.used + JOURNAL_BYTES + OUCH_RECORD_KEY * (aggressive ? 2 : 1));
    this.used += need;
    this.frames.push(frame);
    committer.mark(this);
  }

  takeBatch(): Uint8Array | null {
    if (this.used === 0) return null;
    const b = this.pending.subarray(0, this.used);
    this.used = 0;
    this.inflight = this.frames;
    this.frames = [];
    return b;
  }

  onDurable(): void {
    if (this.inflight.length === 0) return;
    this.socket.write(this.inflight.length === 1 ? this.inflight[0] : Buffer.concat(this.inflight));
    this.inflight = [];
  }

  onCommitError(error: Error): void {
    throw error;
  }
}

let sessions = 0;
const server = net.createServer((socket) => new RawSession(socket, sessions++));
// The event loop's delay while it serves: a stall here is latency no order escapes.
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
// CPU time (user + system) from here on: both children idle in the other's slices, so this is the work.
const cpuAtStart = process.cpuUsage();
const gc = new GcWatch();
process.on('message', (m: { type?: string }) => {
  if (m.type === 'figures') process.send?.({ type: 'figures', cpuMs: cpuMsSince(cpuAtStart), loopDelayP50Us: Math.round(loop.percentile(50) / 1000), loopDelayP99Us: Math.round(loop.percentile(99) / 1000), loopDelayMaxUs: Math.round(loop.max / 1000), ...gc.figures() });
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.send?.({ type: 'listening', port: typeof a === 'object' && a !== null ? a.port : 0 });
});
// Exit with a code, not by the signal, so `--cpu-prof` writes its profile.
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return Math.round((d.user + d.system) / 1000);
}
