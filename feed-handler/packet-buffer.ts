// Live packets held while a gap is open or a snapshot loads: kept sorted by first sequence
// number so they drain in order once the missing range arrives. The datagrams themselves
// are held, not copied (Node's dgram hands every datagram its own Buffer). Bounded: a full
// buffer refuses the packet, which the caller counts and later recovers like any loss.

export class PacketBuffer {
  readonly capacity: number;
  private readonly packets: Array<Uint8Array | null>;
  private readonly sequences: Float64Array;
  private readonly counts: Int32Array;
  /** Where each packet came from (the caller's source index: line A, line B, rewinder). */
  private readonly sources: Uint8Array;
  private head = 0;
  private tail = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.packets = new Array<Uint8Array | null>(capacity).fill(null);
    this.sequences = new Float64Array(capacity);
    this.counts = new Int32Array(capacity);
    this.sources = new Uint8Array(capacity);
  }

  get size(): number {
    return this.tail - this.head;
  }

  /** First sequence of the earliest packet held (call only when size > 0). */
  get firstSequence(): number {
    return this.sequences[this.head];
  }

  /** The sequence after the latest message held (0 when empty). */
  get endSequence(): number {
    let end = 0;
    for (let i = this.head; i < this.tail; i++) {
      const e = this.sequences[i] + this.counts[i];
      if (e > end) end = e;
    }
    return end;
  }

  /**
   * Holds a data packet. Returns 1 when held, 0 when a packet with the same first sequence
   * and at least as many messages is already held (a duplicate), -1 when full.
   */
  insert(packet: Uint8Array, sequence: number, count: number, source: number): number {
    // Mostly in order: find the place from the back.
    let i = this.tail - 1;
    while (i >= this.head && this.sequences[i] > sequence) i--;
    if (i >= this.head && this.sequences[i] === sequence) {
      if (this.counts[i] >= count) return 0;
      this.packets[i] = packet;
      this.counts[i] = count;
      this.sources[i] = source;
      return 1;
    }
    if (this.tail === this.capacity) {
      if (this.head === 0) return -1;
      this.compact();
      return this.insert(packet, sequence, count, source);
    }
    const at = i + 1;
    for (let k = this.tail; k > at; k--) {
      this.packets[k] = this.packets[k - 1];
      this.sequences[k] = this.sequences[k - 1];
      this.counts[k] = this.counts[k - 1];
      this.sources[k] = this.sources[k - 1];
    }
    this.packets[at] = packet;
    this.sequences[at] = sequence;
    this.counts[at] = count;
    this.sources[at] = source;
    this.tail++;
    return 1;
  }

  /** The earliest packet held (call only when size > 0). */
  peek(): Uint8Array {
    return this.packets[this.head] as Uint8Array;
  }

  /** The source index of the earliest packet held. */
  peekSource(): number {
    return this.sources[this.head];
  }

  /** Drops the earliest packet. */
  shift(): void {
    this.packets[this.head] = null;
    this.head++;
    if (this.head === this.tail) this.head = this.tail = 0;
  }

  clear(): void {
    for (let i = this.head; i < this.tail; i++) this.packets[i] = null;
    this.head = this.tail = 0;
  }

  private compact(): void {
    const n = this.tail - this.head;
    for (let k = 0; k < n; k++) {
      this.packets[k] = this.packets[this.head + k];
      this.sequences[k] = this.sequences[this.head + k];
      this.counts[k] = this.counts[this.head + k];
      this.sources[k] = this.sources[this.head + k];
    }
    for (let k = n; k < this.tail; k++) this.packets[k] = null;
    this.head = 0;
    this.tail = n;
  }
}
