// A real websocket client of the gateway for tests: collects every message, validates each
// against protocol/'s server message schema, keeps L2 books rebuilt from snapshot plus
// updates and checks every checksum against one computed from the levels it holds.
import WebSocket from 'ws';
import { crc32Ascii, serverMessageSchema, type BookMessage, type ServerMessage } from '../../protocol';
import { waitUntil } from './feed';

export type Level = [string, number];

/** Kraken-style CRC-32 over the levels a client holds (book/ README "Checksum"): asks low to high, then bids high to low. */
export function levelsChecksum(bids: Level[], asks: Level[], depth: number): number {
  let crc = 0;
  const put = (l: Level): void => {
    crc = crc32Ascii(String(Number(l[0].replace('.', ''))), crc);
    crc = crc32Ascii(String(l[1]), crc);
  };
  for (const l of asks.slice(0, depth)) put(l);
  for (const l of bids.slice(0, depth)) put(l);
  return crc;
}

/** One client-side L2 book at one depth. */
export class ClientBook {
  bids: Level[] = [];
  asks: Level[] = [];
  seq = -1;
  updates = 0;
  checksumFailures = 0;
  crossed = 0;
  seqRegressions = 0;

  apply(m: BookMessage): void {
    if (m.type === 'snapshot') {
      this.bids = m.bids.map((l) => [l[0], l[1]]);
      this.asks = m.asks.map((l) => [l[0], l[1]]);
    } else {
      if (m.seq < this.seq) this.seqRegressions++;
      this.bids = applySide(this.bids, m.bids, true);
      this.asks = applySide(this.asks, m.asks, false);
      this.updates++;
    }
    this.seq = m.seq;
    if (levelsChecksum(this.bids, this.asks, m.depth) !== m.checksum) this.checksumFailures++;
    if (this.bids.length > 0 && this.asks.length > 0 && Number(this.bids[0][0]) >= Number(this.asks[0][0])) this.crossed++;
  }
}

function applySide(levels: Level[], changes: Level[], bids: boolean): Level[] {
  const map = new Map(levels.map((l) => [l[0], l[1]]));
  for (const [p, s] of changes) {
    if (s === 0) map.delete(p);
    else map.set(p, s);
  }
  return [...map.entries()].sort((a, b) => (bids ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])));
}

export class TestClient {
  readonly ws: WebSocket;
  readonly messages: ServerMessage[] = [];
  readonly invalid: unknown[] = [];
  readonly books = new Map<string, ClientBook>();
  closeCode = -1;
  closeReason = '';
  opened = false;
  upgradeStatus = 0;
  upgradeBody = '';

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers });
    this.ws.on('open', () => {
      this.opened = true;
    });
    this.ws.on('message', (data) => this.onMessage(String(data)));
    this.ws.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = String(reason);
    });
    this.ws.on('unexpected-response', (_req, res) => {
      this.upgradeStatus = res.statusCode ?? 0;
      res.on('data', (d: Buffer) => (this.upgradeBody += String(d)));
      res.on('end', () => (this.closeCode = 0));
    });
    this.ws.on('error', () => undefined);
  }

  private onMessage(text: string): void {
    const parsed: unknown = JSON.parse(text);
    const r = serverMessageSchema.safeParse(parsed);
    if (!r.success) {
      this.invalid.push(parsed);
      return;
    }
    const m = r.data;
    this.messages.push(m);
    if ('checksum' in m) {
      const key = `${m.symbol}:${m.depth}`;
      let b = this.books.get(key);
      if (b === undefined) {
        b = new ClientBook();
        this.books.set(key, b);
      }
      b.apply(m);
    }
  }

  async open(): Promise<void> {
    await waitUntil('the websocket to open', () => this.opened || this.closeCode !== -1, 20_000);
    if (!this.opened) throw new Error(`upgrade refused: ${this.upgradeStatus} ${this.upgradeBody}`);
  }

  send(m: unknown): void {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }

  /** Waits for a message matching `pred` received at or after index `from`. */
  async next<T extends ServerMessage>(what: string, pred: (m: ServerMessage) => boolean, from = 0, waitMs = 20_000): Promise<T> {
    let found: ServerMessage | undefined;
    await waitUntil(what, () => (found = this.messages.slice(from).find(pred)) !== undefined, waitMs);
    return found as T;
  }

  /** Sends `m` and waits for its ack or error (matched by id). */
  async request(m: Record<string, unknown>, id: number): Promise<ServerMessage> {
    const from = this.messages.length;
    this.send({ ...m, id });
    return this.next(`a reply to request ${id}`, (x) => 'id' in x && x.id === id, from);
  }

  close(): void {
    this.ws.terminate();
  }
}
