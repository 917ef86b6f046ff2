// Single-producer single-consumer ring of engine events on a SharedArrayBuffer.
// The engine writes records in place (no copy, no object per event) and publishes a
// whole command's events with one Atomics.store; the publisher, on its own thread or
// in the same loop, reads them in place. Positions are int32 counters that wrap: the
// capacity is a power of two, so `(write - read) | 0` is the fill level across wraps.

import { ENGINE_EVENT_SIZE, EngineEventView, EVENT_FLAG_GROUP_END } from './engine-events';
import { RING_CONSUMER_WAITING, RING_HEADER_BYTES, RING_PRODUCER_WAITING, RING_READ, RING_WRITE, RingReader } from './ring-reader';

const HEADER_BYTES = RING_HEADER_BYTES;
// Producer and consumer cells sit on different cache lines.
const WRITE = RING_WRITE;
const READ = RING_READ;
const CONSUMER_WAITING = RING_CONSUMER_WAITING;
const PRODUCER_WAITING = RING_PRODUCER_WAITING;

export class EngineEventRing {
  readonly sab: SharedArrayBuffer;
  readonly capacity: number;
  readonly mask: number;
  readonly ctrl: Int32Array;
  readonly view: EngineEventView;

  /** A ring for `capacity` events (rounded up to a power of two, at least 64). */
  static create(capacity: number): EngineEventRing {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 26) {
      throw new RangeError(`ring capacity must be an integer in 1..${1 << 26}, got ${capacity}`);
    }
    let cap = 64;
    while (cap < capacity) cap <<= 1;
    return new EngineEventRing(new SharedArrayBuffer(HEADER_BYTES + cap * ENGINE_EVENT_SIZE));
  }

  /** Attach to a ring made by `create` (the other thread's side, from a worker's workerData). */
  constructor(sab: SharedArrayBuffer) {
    const cap = (sab.byteLength - HEADER_BYTES) / ENGINE_EVENT_SIZE;
    if (!Number.isInteger(cap) || cap < 64 || (cap & (cap - 1)) !== 0) {
      throw new RangeError('not an engine event ring buffer');
    }
    this.sab = sab;
    this.capacity = cap;
    this.mask = cap - 1;
    this.ctrl = new Int32Array(sab, 0, HEADER_BYTES >> 2);
    this.view = new EngineEventView(sab, HEADER_BYTES, cap * ENGINE_EVENT_SIZE);
  }
}

/**
 * What the producer does when the ring is full. In one thread, drain the reader
 * synchronously; across threads, the default waits for the consumer.
 */
export interface RingFullPolicy {
  onRingFull(): void;
}

export class EngineEventRingWriter {
  readonly ring: EngineEventRing;
  readonly view: EngineEventView;
  private readonly ctrl: Int32Array;
  private readonly mask: number;
  private readonly capacity: number;
  private cursor: number; // next slot to claim (uncommitted beyond `committed`)
  private committed: number;
  private readSeen: number;
  private lastBase = -1;
  private readonly fullPolicy: RingFullPolicy | null;
  /** Times the producer found the ring full (back-pressure from a slow consumer). */
  fullCount = 0;

  constructor(ring: EngineEventRing, fullPolicy: RingFullPolicy | null = null) {
    this.ring = ring;
    this.view = ring.view;
    this.ctrl = ring.ctrl;
    this.mask = ring.mask;
    this.capacity = ring.capacity;
    this.committed = Atomics.load(this.ctrl, WRITE);
    this.cursor = this.committed;
    this.readSeen = Atomics.load(this.ctrl, READ);
    this.fullPolicy = fullPolicy;
  }

  /** Claims the next record; returns its byte offset in `view`. Waits (or drains) when full. */
  claim(): number {
    if (((this.cursor - this.readSeen) | 0) >= this.capacity) {
      this.readSeen = Atomics.load(this.ctrl, READ);
      if (((this.cursor - this.readSeen) | 0) >= this.capacity) this.waitForSpace();
    }
    const base = (this.cursor & this.mask) * ENGINE_EVENT_SIZE;
    this.cursor = (this.cursor + 1) | 0;
    this.lastBase = base;
    return base;
  }

  /** Flags the last claimed record as the end of its group. */
  markGroupEnd(): void {
    if (this.lastBase >= 0 && this.cursor !== this.committed) this.view.u8[this.lastBase + 2] |= EVENT_FLAG_GROUP_END;
  }

  /** Publishes every claimed record to the consumer. */
  commit(): void {
    if (this.cursor === this.committed) return;
    this.committed = this.cursor;
    Atomics.store(this.ctrl, WRITE, this.committed);
    if (Atomics.load(this.ctrl, CONSUMER_WAITING) !== 0) Atomics.notify(this.ctrl, WRITE);
  }

  /** Events claimed but not yet committed. */
  pending(): number {
    return (this.cursor - this.committed) | 0;
  }

  private waitForSpace(): void {
    this.fullCount++;
    // A group larger than the free space is published in parts; the group-end flag,
    // not the commit, marks its boundary.
    this.commit();
    for (;;) {
      if (this.fullPolicy !== null) {
        this.fullPolicy.onRingFull();
      } else {
        Atomics.store(this.ctrl, PRODUCER_WAITING, 1);
        const seen = Atomics.load(this.ctrl, READ);
        if (((this.cursor - seen) | 0) >= this.capacity) Atomics.wait(this.ctrl, READ, seen, 50);
        Atomics.store(this.ctrl, PRODUCER_WAITING, 0);
      }
      this.readSeen = Atomics.load(this.ctrl, READ);
      if (((this.cursor - this.readSeen) | 0) < this.capacity) return;
    }
  }
}

/** Receives engine events in place; `base` is the record's byte offset in `view`. */
export interface EngineEventHandler {
  onEngineEvent(view: EngineEventView, base: number): void;
}

export class EngineEventRingReader extends RingReader {
  readonly ring: EngineEventRing;
  readonly view: EngineEventView;

  constructor(ring: EngineEventRing) {
    super(ring.ctrl, ring.mask, ENGINE_EVENT_SIZE);
    this.ring = ring;
    this.view = ring.view;
  }

  /** Hands up to `max` events to the handler, then releases them. Returns how many. */
  drain(handler: EngineEventHandler, max = 0x7fffffff): number {
    let n = this.available();
    if (n > max) n = max;
    const view = this.view;
    for (let i = 0; i < n; i++) handler.onEngineEvent(view, ((this.read + i) & this.mask) * ENGINE_EVENT_SIZE);
    if (n > 0) this.advance(n);
    return n;
  }

  /**
   * As `drain`, but stops before the first event whose inbound sequence (the command that
   * caused it) is above `inboundSeq`: a commit gate (ha/: only events of committed commands
   * reach the publisher). Events of one command share its inbound sequence, so a group is
   * never split. At most `max` events. One float read per event; nothing allocated. Returns
   * how many were handed over.
   */
  drainThrough(handler: EngineEventHandler, inboundSeq: number, max = 0x7fffffff): number {
    let n = this.available();
    if (n > max) n = max;
    const view = this.view;
    const f64 = view.f64;
    const read = this.read;
    const mask = this.mask;
    let i = 0;
    for (; i < n; i++) {
      const base = ((read + i) & mask) * ENGINE_EVENT_SIZE;
      if (f64[(base >> 3) + 7] > inboundSeq) break; // EventField.inboundSeq (56)
      handler.onEngineEvent(view, base);
    }
    if (i > 0) this.advance(i);
    return i;
  }

  /** Inbound sequence of the oldest unconsumed event (0 when none is waiting). */
  firstInboundSeq(): number {
    if (this.available() === 0) return 0;
    return this.view.f64[((((this.read & this.mask) * ENGINE_EVENT_SIZE) >> 3) + 7)];
  }

  /**
   * The unconsumed events as at most two contiguous byte ranges of `view.u8`
   * (the second is empty unless the data wraps). For hashing and bulk copies.
   */
  spans(out: Int32Array): number {
    const n = this.available();
    const start = this.read & this.mask;
    const first = Math.min(n, this.ring.capacity - start);
    out[0] = start * ENGINE_EVENT_SIZE;
    out[1] = (start + first) * ENGINE_EVENT_SIZE;
    out[2] = 0;
    out[3] = (n - first) * ENGINE_EVENT_SIZE;
    return n;
  }

  /** Resolves when events are committed or `timeoutMs` passes, without blocking the thread. */
  waitForEventsAsync(timeoutMs: number): Promise<boolean> {
    return this.waitForAsync(timeoutMs);
  }

  /** Blocks (worker threads) until events are committed or `timeoutMs` passes. */
  waitForEvents(timeoutMs: number): boolean {
    return this.waitFor(timeoutMs);
  }
}
