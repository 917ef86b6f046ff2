// L3 events (add, execute, cancel, delete, replace) of the symbols someone watches on the
// orders channel, in one ring of typed arrays shared by all symbols: the orders channel
// reads its symbol's events from its cursor at each flush. Recording allocates nothing.
import { errorCatalogue } from '../protocol';

const ORDER_EVENTS = errorCatalogue({ Add: [0, 'add'], Execute: [1, 'execute'], Cancel: [2, 'cancel'], Delete: [3, 'delete'], Replace: [4, 'replace'] });
export const OrderEventKind = ORDER_EVENTS.codes;
/** The kinds' names on the orders channel, by kind. */
export const ORDER_EVENT_NAMES: readonly string[] = ORDER_EVENTS.names;

export class OrderEventRing {
  readonly capacity: number;
  /** Events ever recorded (readers keep a cursor into it; the ring holds the last `capacity`). */
  head = 0;
  readonly locate: Uint16Array;
  readonly kind: Uint8Array;
  readonly side: Uint8Array;
  readonly seq: Float64Array;
  readonly ref: Float64Array;
  readonly newRef: Float64Array;
  readonly shares: Float64Array;
  readonly price: Float64Array;

  constructor(capacity = 1 << 16) {
    this.capacity = capacity;
    this.locate = new Uint16Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.side = new Uint8Array(capacity);
    this.seq = new Float64Array(capacity);
    this.ref = new Float64Array(capacity);
    this.newRef = new Float64Array(capacity);
    this.shares = new Float64Array(capacity);
    this.price = new Float64Array(capacity);
  }

  record(locate: number, kind: number, seq: number, ref: number, side: number, shares: number, price: number, newRef: number): void {
    const i = this.head % this.capacity;
    this.locate[i] = locate;
    this.kind[i] = kind;
    this.seq[i] = seq;
    this.ref[i] = ref;
    this.side[i] = side;
    this.shares[i] = shares;
    this.price[i] = price;
    this.newRef[i] = newRef;
    this.head++;
  }
}
