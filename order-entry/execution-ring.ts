// One account's latest executions for GET /v1/executions, in a ring of typed arrays (struct
// of arrays, the client order id as bytes): at most `capacity`, the oldest forgotten as each
// new one comes. No object per execution is kept (an array of reports was a few seconds of
// executions alive for the garbage collector to copy and promote); an ExecutionReport is made
// only when read. The ring grows by doubling up to its capacity, so a quiet account costs little.
import type { ExecutionReport } from '../protocol';
import { IdBytes } from './id-bytes';

const B = 0x42;
const L = 0x4c;
const I = 0x49;
const A = 0x41;

export interface ExecutionFilter {
  locate?: number;
  orderId?: number;
  fromNs?: number;
  toNs?: number;
}

export class ExecutionRing {
  /** Slots allocated (<= capacity). */
  private size = 0;
  /** The oldest execution's slot, and how many are held. */
  private head = 0;
  private count = 0;
  private executionIdOf: Float64Array = new Float64Array(0);
  private matchNumberOf: Float64Array = new Float64Array(0);
  private orderIdOf: Float64Array = new Float64Array(0);
  private locateOf: Int32Array = new Int32Array(0);
  /** Character codes of side, order type and liquidity. */
  private sideOf: Uint8Array = new Uint8Array(0);
  private typeOf: Uint8Array = new Uint8Array(0);
  private liquidityOf: Uint8Array = new Uint8Array(0);
  private priceOf: Float64Array = new Float64Array(0);
  private sharesOf: Float64Array = new Float64Array(0);
  private timeOf: Float64Array = new Float64Array(0);
  private seqOf: Float64Array = new Float64Array(0);
  private readonly ids = new IdBytes(0);

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.count;
  }

  /** Adds an execution; true when the oldest was forgotten to make room. */
  push(e: ExecutionReport): boolean {
    if (this.capacity <= 0) return true;
    let forgot = false;
    if (this.count === this.size && this.size < this.capacity) this.grow(Math.min(this.capacity, Math.max(64, this.size * 2)));
    let s: number;
    if (this.count < this.size) {
      s = (this.head + this.count) % this.size;
      this.count++;
    } else {
      // Full at capacity: the oldest's slot takes the new one.
      s = this.head;
      this.head = (this.head + 1) % this.size;
      forgot = true;
    }
    this.executionIdOf[s] = e.executionId;
    this.matchNumberOf[s] = e.matchNumber;
    this.orderIdOf[s] = e.orderId;
    this.locateOf[s] = e.locate;
    this.sideOf[s] = e.side.charCodeAt(0);
    this.typeOf[s] = e.orderType.charCodeAt(0);
    this.liquidityOf[s] = e.liquidity.charCodeAt(0);
    this.priceOf[s] = e.price;
    this.sharesOf[s] = e.shares;
    this.timeOf[s] = e.timeNs;
    this.seqOf[s] = e.seq;
    this.ids.set(s, e.clientOrderId);
    return forgot;
  }

  /** The executions matching the filter, oldest first, as reports of `account`. */
  select(account: number, filter: ExecutionFilter): ExecutionReport[] {
    const out: ExecutionReport[] = [];
    for (let i = 0; i < this.count; i++) {
      const s = (this.head + i) % this.size;
      if (filter.locate !== undefined && this.locateOf[s] !== filter.locate) continue;
      if (filter.orderId !== undefined && this.orderIdOf[s] !== filter.orderId) continue;
      if (filter.fromNs !== undefined && this.timeOf[s] < filter.fromNs) continue;
      if (filter.toNs !== undefined && this.timeOf[s] > filter.toNs) continue;
      out.push(this.at(account, s));
    }
    return out;
  }

  private at(account: number, s: number): ExecutionReport {
    const type = this.typeOf[s];
    return {
      kind: 'execution',
      account,
      executionId: this.executionIdOf[s],
      matchNumber: this.matchNumberOf[s],
      orderId: this.orderIdOf[s],
      clientOrderId: this.ids.get(s),
      locate: this.locateOf[s],
      side: this.sideOf[s] === B ? 'B' : 'S',
      orderType: type === L ? 'L' : type === I ? 'I' : 'M',
      price: this.priceOf[s],
      shares: this.sharesOf[s],
      liquidity: this.liquidityOf[s] === A ? 'A' : 'R',
      timeNs: this.timeOf[s],
      seq: this.seqOf[s],
    };
  }

  /** Room for `size` slots, the held executions moved to the front in order. */
  private grow(size: number): void {
    const order = (n: number): number => (this.head + n) % this.size;
    const f64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(size);
      for (let i = 0; i < this.count; i++) b[i] = a[order(i)];
      return b;
    };
    const i32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(size);
      for (let i = 0; i < this.count; i++) b[i] = a[order(i)];
      return b;
    };
    const u8 = (a: Uint8Array): Uint8Array => {
      const b = new Uint8Array(size);
      for (let i = 0; i < this.count; i++) b[i] = a[order(i)];
      return b;
    };
    // The held ids in order, before the byte cells move.
    const ids: string[] = [];
    for (let i = 0; i < this.count; i++) ids.push(this.ids.get(order(i)));
    this.executionIdOf = f64(this.executionIdOf);
    this.matchNumberOf = f64(this.matchNumberOf);
    this.orderIdOf = f64(this.orderIdOf);
    this.locateOf = i32(this.locateOf);
    this.sideOf = u8(this.sideOf);
    this.typeOf = u8(this.typeOf);
    this.liquidityOf = u8(this.liquidityOf);
    this.priceOf = f64(this.priceOf);
    this.sharesOf = f64(this.sharesOf);
    this.timeOf = f64(this.timeOf);
    this.seqOf = f64(this.seqOf);
    this.ids.grow(size);
    for (let i = 0; i < ids.length; i++) this.ids.set(i, ids[i]);
    this.head = 0;
    this.size = size;
  }
}
