// The last reports the order manager made, by sequence number, for the order link
// (runtime/order-link-server.ts): after a failover a stateless client gateway asks the new
// primary for every report after the last one it delivered, and so learns the fate of the
// orders it had in flight (a standby keeps this ring hot while it applies the primary's
// commands). A fixed ring of references: pushing never allocates once it has wrapped.
import type { OrderEntryReport } from '../protocol';

export class RecentReports {
  private readonly ring: Array<OrderEntryReport | undefined>;
  private readonly mask: number;
  /** Reports ever pushed; ring[i & mask] holds push number i for the last `capacity` of them. */
  private pushed = 0;
  /** The highest sequence number overwritten (or never held): a caller behind it has missed reports. */
  private evictedSeq: number;

  /**
   * `capacity` is rounded up to a power of two. `fromSeq`: reports of commands at or below
   * it were never held (a node that started keeping them mid-session, after recovering its
   * journal), so a caller behind it has a gap.
   */
  constructor(capacity: number, fromSeq = 0) {
    this.evictedSeq = fromSeq;
    let cap = 1;
    while (cap < capacity) cap <<= 1;
    this.ring = new Array<OrderEntryReport | undefined>(cap);
    this.mask = cap - 1;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** The highest sequence number held (0 when empty). */
  get lastSeq(): number {
    return this.pushed === 0 ? 0 : (this.ring[(this.pushed - 1) & this.mask] as OrderEntryReport).seq;
  }

  /** Reports must come in sequence order; those without one (seq 0: refused before the journal) are not kept. */
  push(report: OrderEntryReport): void {
    if (report.seq <= 0) return;
    const slot = this.pushed & this.mask;
    const old = this.ring[slot];
    if (old !== undefined) this.evictedSeq = old.seq;
    this.ring[slot] = report;
    this.pushed++;
  }

  /**
   * Every report with a sequence number above `seq`, oldest first; null when the oldest of
   * them may already have been overwritten (the caller has a gap).
   */
  after(seq: number): OrderEntryReport[] | null {
    if (this.evictedSeq > seq) return null;
    const oldest = Math.max(0, this.pushed - this.capacity);
    let i = this.pushed;
    while (i > oldest && (this.ring[(i - 1) & this.mask] as OrderEntryReport).seq > seq) i--;
    const out: OrderEntryReport[] = [];
    for (let j = i; j < this.pushed; j++) out.push(this.ring[j & this.mask] as OrderEntryReport);
    return out;
  }
}
