// The client's copy of one symbol's L2 book: a snapshot, then updates with absolute shares
// (0 removes a level), each checked against the server's checksum.
import { bookChecksum } from './checksum';

export type Level = readonly [string, number];

export interface BookMessage {
  channel: 'book';
  type: 'snapshot' | 'update';
  symbol: string;
  depth: number;
  seq: number;
  ts: number;
  bids: Level[];
  asks: Level[];
  checksum: number;
}

export class BookView {
  readonly bids = new Map<string, number>();
  readonly asks = new Map<string, number>();
  seq = 0;
  depth = 5;
  verified = 0;
  mismatches = 0;
  /** (seq, best bid, best ask) after each message, for checks against the HTTP API. */
  readonly history: Array<{ seq: number; bid: string | null; ask: string | null }> = [];

  apply(m: BookMessage): boolean {
    if (m.type === 'snapshot') {
      this.bids.clear();
      this.asks.clear();
    }
    this.depth = m.depth;
    for (const [p, q] of m.bids) q === 0 ? this.bids.delete(p) : this.bids.set(p, q);
    for (const [p, q] of m.asks) q === 0 ? this.asks.delete(p) : this.asks.set(p, q);
    this.trim();
    this.seq = m.seq;
    const ok = bookChecksum(this.topAsks(), this.topBids()) === m.checksum >>> 0;
    if (ok) this.verified++;
    else this.mismatches++;
    const bid = this.topBids()[0]?.[0] ?? null;
    const ask = this.topAsks()[0]?.[0] ?? null;
    this.history.push({ seq: m.seq, bid, ask });
    if (this.history.length > 2000) this.history.splice(0, 1000);
    return ok;
  }

  /** Highest first. */
  topBids(): Level[] {
    return [...this.bids.entries()].sort((a, b) => Number(b[0]) - Number(a[0])).slice(0, this.depth);
  }

  /** Lowest first. */
  topAsks(): Level[] {
    return [...this.asks.entries()].sort((a, b) => Number(a[0]) - Number(b[0])).slice(0, this.depth);
  }

  private trim(): void {
    const keep = (side: Map<string, number>, levels: Level[]): void => {
      const wanted = new Set(levels.map((l) => l[0]));
      for (const p of [...side.keys()]) if (!wanted.has(p)) side.delete(p);
    };
    keep(this.bids, this.topBids());
    keep(this.asks, this.topAsks());
  }
}
