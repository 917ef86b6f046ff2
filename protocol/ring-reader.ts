// The consumer's side of a single-producer single-consumer ring on a SharedArrayBuffer,
// common to the engine event ring and the storage record ring: a read position the
// consumer owns, a committed write position the producer publishes, and the waits.
// Positions are int32 counters in slots that wrap: the capacity is a power of two, so
// `(write - read) | 0` is the fill level across wraps.

/** Bytes before the first slot: the control cells below, each on a cache line of its own. */
export const RING_HEADER_BYTES = 256;
/** Int32 indexes of the control cells. */
export const RING_WRITE = 0; // committed write position (producer)
export const RING_READ = 16; // read position (consumer)
export const RING_CONSUMER_WAITING = 32;
export const RING_PRODUCER_WAITING = 48;

// Atomics.waitAsync is in Node 16+ but in TypeScript's lib only from ES2024.
type WaitAsync = (a: Int32Array, index: number, value: number, timeoutMs: number) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

export class RingReader {
  protected readonly ctrl: Int32Array;
  protected readonly mask: number;
  protected read: number;
  private readonly slotBytes: number;

  constructor(ctrl: Int32Array, mask: number, slotBytes: number) {
    this.ctrl = ctrl;
    this.mask = mask;
    this.slotBytes = slotBytes;
    this.read = Atomics.load(ctrl, RING_READ);
  }

  /** Committed slots not yet consumed. */
  available(): number {
    return (Atomics.load(this.ctrl, RING_WRITE) - this.read) | 0;
  }

  /** Byte offset of the slot `i` slots past the read position. */
  baseOf(i: number): number {
    return ((this.read + i) & this.mask) * this.slotBytes;
  }

  /** Releases `slots` slots to the producer (waking it if it waits for room). */
  advance(slots: number): void {
    this.read = (this.read + slots) | 0;
    Atomics.store(this.ctrl, RING_READ, this.read);
    if (Atomics.load(this.ctrl, RING_PRODUCER_WAITING) !== 0) Atomics.notify(this.ctrl, RING_READ);
  }

  /** Blocks (worker threads only) until slots are committed or `timeoutMs` passes. */
  waitFor(timeoutMs: number): boolean {
    if (this.available() > 0) return true;
    Atomics.store(this.ctrl, RING_CONSUMER_WAITING, 1);
    const seen = this.read;
    if (Atomics.load(this.ctrl, RING_WRITE) === seen) Atomics.wait(this.ctrl, RING_WRITE, seen, timeoutMs);
    Atomics.store(this.ctrl, RING_CONSUMER_WAITING, 0);
    return this.available() > 0;
  }

  /**
   * As waitFor, without blocking the thread (Atomics.waitAsync): a consumer on a thread
   * that also serves sockets, timers or a database.
   */
  async waitForAsync(timeoutMs: number): Promise<boolean> {
    if (this.available() > 0) return true;
    Atomics.store(this.ctrl, RING_CONSUMER_WAITING, 1);
    const seen = this.read;
    if (Atomics.load(this.ctrl, RING_WRITE) === seen) {
      const w = waitAsync(this.ctrl, RING_WRITE, seen, timeoutMs);
      if (w.async) await w.value;
    }
    Atomics.store(this.ctrl, RING_CONSUMER_WAITING, 0);
    return this.available() > 0;
  }
}
