// The client side of the snapshot server (FEED.md, "Snapshot (SoupBinTCP 4.0, for late
// joiners)"): log in, collect one ITCH message per Sequenced Data frame until End of
// Snapshot 'G' (which names the first live MoldUDP64 sequence to apply), log out. The
// messages are kept as bytes in one arena, so the handler applies them through the same
// path as live ones (and records them). Every failure rejects with a FeedHandlerError
// (TW_ERR_FEED_SNAPSHOT_REJECTED / _FAILED) saying what happened; nothing is thrown at the
// socket's callbacks.
import * as net from 'node:net';
import {
  decodeItch,
  encodeSoupEmpty,
  encodeSoupLoginRequest,
  faultName,
  ItchMessage,
  SoupBinHandlerBase,
  SoupBinStreamDecoder,
  SoupFrameSize,
  SoupType,
} from '../protocol';
import { FeedHandlerError } from './errors';

export interface SnapshotEndpoint {
  host: string;
  port: number;
  /** SoupBinTCP username, at most 6 characters (the server's default 'tw'). */
  username?: string;
  /** At most 10 characters (the server's default 'tickwire'). */
  password?: string;
}

/** A whole snapshot: the messages before G, as bytes, and G's sequence. */
export class SnapshotImage {
  /** MoldUDP64 session named by Login Accepted. */
  session = '';
  /** First live sequence to apply (from G; Login Accepted names the same one). */
  nextSequence = 0;
  /** G's timestamp (ITCH ns since New York midnight): the time of the last message the snapshot covers. */
  timestampNs = 0;
  /** Messages before G, each at bytes[offsets[i], offsets[i] + lengths[i]). */
  bytes: Uint8Array = new Uint8Array(1 << 16);
  offsets: Int32Array = new Int32Array(1024);
  lengths: Int32Array = new Int32Array(1024);
  count = 0;
  /** Add Orders among them. */
  orders = 0;
  private used = 0;

  add(src: Uint8Array, at: number, length: number): void {
    if (this.used + length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.used + length));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    if (this.count === this.offsets.length) {
      const o = new Int32Array(this.count * 2);
      o.set(this.offsets);
      this.offsets = o;
      const l = new Int32Array(this.count * 2);
      l.set(this.lengths);
      this.lengths = l;
    }
    this.bytes.set(src.subarray(at, at + length), this.used);
    this.offsets[this.count] = this.used;
    this.lengths[this.count] = length;
    this.count++;
    this.used += length;
    if (src[at] === 0x41) this.orders++;
  }
}

/** Loads one snapshot. `timeoutMs` bounds the whole session (connect to G). */
export function loadSnapshot(endpoint: SnapshotEndpoint, session: string, timeoutMs: number): Promise<SnapshotImage> {
  return new SnapshotSession(endpoint, session, timeoutMs).run();
}

class SnapshotSession extends SoupBinHandlerBase {
  private readonly image = new SnapshotImage();
  private readonly decoder = new SoupBinStreamDecoder(this);
  private readonly message = new ItchMessage();
  private socket: net.Socket | null = null;
  private settled = false;
  private resolveImage: (image: SnapshotImage) => void = () => {};
  private rejectImage: (error: Error) => void = () => {};
  private timer: NodeJS.Timeout | null = null;
  private frames = 0;

  constructor(
    private readonly endpoint: SnapshotEndpoint,
    private readonly session: string,
    private readonly timeoutMs: number,
  ) {
    super();
  }

  run(): Promise<SnapshotImage> {
    return new Promise<SnapshotImage>((resolve, reject) => {
      this.resolveImage = resolve;
      this.rejectImage = reject;
      const where = `${this.endpoint.host}:${this.endpoint.port}`;
      this.timer = setTimeout(() => this.fail('TW_ERR_FEED_SNAPSHOT_FAILED', `no End of Snapshot from ${where} within ${this.timeoutMs} ms (${this.image.count} messages received)`), this.timeoutMs);
      this.timer.unref();
      const socket = net.connect(this.endpoint.port, this.endpoint.host, () => {
        const login = new Uint8Array(SoupFrameSize.LoginRequest);
        encodeSoupLoginRequest(login, 0, this.endpoint.username ?? 'tw', this.endpoint.password ?? 'tickwire', this.session, 0);
        socket.write(login);
      });
      this.socket = socket;
      socket.setNoDelay(true);
      socket.on('data', (chunk: Buffer) => {
        if (!this.settled) this.decoder.push(chunk);
      });
      socket.on('error', (err: Error) => this.fail('TW_ERR_FEED_SNAPSHOT_FAILED', `snapshot server ${where}: ${err.message}`));
      socket.on('close', () => this.fail('TW_ERR_FEED_SNAPSHOT_FAILED', `snapshot server ${where} closed the connection before End of Snapshot (${this.image.count} messages received)`));
    });
  }

  override onLoginAccepted(session: string, sequence: number): void {
    this.image.session = session;
    this.image.nextSequence = sequence;
  }

  override onLoginRejected(reason: number): void {
    const why = reason === 0x41 ? "not authorized (check the snapshot username and password)" : reason === 0x53 ? 'session unavailable (check the session)' : `reason ${String.fromCharCode(reason)}`;
    this.fail('TW_ERR_FEED_SNAPSHOT_REJECTED', `the snapshot server refused the login: ${why}`);
  }

  override onSequencedData(bytes: Uint8Array, offset: number, length: number): void {
    if (this.settled) return;
    this.frames++;
    if (length > 0 && bytes[offset] === 0x47) {
      const status = decodeItch(bytes, offset, length, this.message);
      if (status !== 0) return this.fail('TW_ERR_FEED_SNAPSHOT_FAILED', `End of Snapshot does not decode: ${faultName(status)} (frame ${this.frames})`);
      this.image.nextSequence = this.message.snapshotSequence;
      this.image.timestampNs = this.message.timestampNs;
      this.done();
      return;
    }
    this.image.add(bytes, offset, length);
  }

  override onEndOfSession(): void {
    this.fail('TW_ERR_FEED_SNAPSHOT_FAILED', 'the snapshot server sent End of Session before End of Snapshot');
  }

  override onFault(fault: number, streamOffset: number): void {
    this.fail('TW_ERR_FEED_SNAPSHOT_FAILED', `bad SoupBinTCP frame from the snapshot server: ${faultName(fault)} at stream byte ${streamOffset}`);
  }

  private done(): void {
    if (this.settled) return;
    this.settled = true;
    this.cleanup(true);
    this.resolveImage(this.image);
  }

  private fail(code: 'TW_ERR_FEED_SNAPSHOT_FAILED' | 'TW_ERR_FEED_SNAPSHOT_REJECTED', message: string): void {
    if (this.settled) return;
    this.settled = true;
    this.cleanup(false);
    this.rejectImage(new FeedHandlerError(code, message));
  }

  private cleanup(logout: boolean): void {
    if (this.timer !== null) clearTimeout(this.timer);
    const socket = this.socket;
    if (socket === null) return;
    if (logout && socket.writable) {
      const bye = new Uint8Array(SoupFrameSize.Empty);
      encodeSoupEmpty(bye, 0, SoupType.LogoutRequest);
      socket.end(bye);
    } else {
      socket.destroy();
    }
  }
}
