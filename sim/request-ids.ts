// The gateway's requestId of each client command in the batch being applied, by its inbound
// sequence number: set by the live path as it writes the batch (LiveSim.writeRequests), taken
// once by the order manager as it applies the command (replays set none). A ring of slots
// indexed by the sequence number's low bits, in typed arrays: a Map set and deleted once per
// order keeps its dead entries reachable through its obsolete tables, so scavenges copied and
// promoted them (order-entry/README, GC). Every id set in a batch is taken in that batch, so
// the ring holds at most a batch; a slot still held by another sequence number doubles it.

export class RequestIds {
  private seqs: Float64Array;
  private ids: Float64Array;
  private mask: number;
  /** Ids set and not taken yet. */
  size = 0;

  constructor(capacity = 4096) {
    let cap = 16;
    while (cap < capacity) cap *= 2;
    this.seqs = new Float64Array(cap).fill(-1);
    this.ids = new Float64Array(cap);
    this.mask = cap - 1;
  }

  /** Remembers `requestId` for the command with inbound sequence number `seq`. */
  set(seq: number, requestId: number): void {
    let i = seq & this.mask;
    while (this.seqs[i] !== -1 && this.seqs[i] !== seq) {
      this.grow();
      i = seq & this.mask;
    }
    if (this.seqs[i] !== seq) this.size++;
    this.seqs[i] = seq;
    this.ids[i] = requestId;
  }

  /** The requestId set for `seq` (0 if none), forgotten as it is read. */
  take(seq: number): number {
    const i = seq & this.mask;
    if (this.seqs[i] !== seq) return 0;
    this.seqs[i] = -1;
    this.size--;
    return this.ids[i];
  }

  /** Doubles the ring (again, while two ids held would share a slot) and moves what it holds. */
  private grow(): void {
    const seqs = this.seqs;
    const ids = this.ids;
    for (let cap = seqs.length * 2; ; cap *= 2) {
      const next = new Float64Array(cap).fill(-1);
      const nextIds = new Float64Array(cap);
      const mask = cap - 1;
      let clash = false;
      for (let i = 0; i < seqs.length && !clash; i++) {
        if (seqs[i] === -1) continue;
        const j = seqs[i] & mask;
        if (next[j] !== -1) clash = true;
        next[j] = seqs[i];
        nextIds[j] = ids[i];
      }
      if (clash) continue;
      this.seqs = next;
      this.ids = nextIds;
      this.mask = mask;
      return;
    }
  }
}
