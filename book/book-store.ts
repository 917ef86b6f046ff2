// The order and price-level pools every book of a MarketBooks shares, addressed by int32
// index, with free lists threaded through them. Each order is one 32-byte record and each
// level one 32-byte record, read through a Float64Array and an Int32Array over the same
// memory: touching an order costs one cache miss, not one per field, and the pool for the
// live book stays small enough to sit in L2 (STYLE.md, hot paths). An order keeps no price:
// its level has it. One order ref table covers the day (ITCH order refs are unique across
// symbols), so all symbols' orders live in one pool. Pools are allocated at start-up from
// the configured capacities and double when full.

export const NIL = -1;

/** Order record: float64 slots at `order * 4 + k` (bytes 0..15). */
export const O_REF = 0;
export const O_TIMESTAMP = 1;
/**
 * Order record: int32 slots at `order * 8 + k` (bytes 16..31). Shares are a u32 held in
 * an int32 slot: read them as `oi[...] >>> 0`.
 */
export const O_SHARES = 4;
export const O_LEVEL = 5;
/** Previous and next order in the level's FIFO queue (time priority). */
export const O_PREV = 6;
export const O_NEXT = 7;

/** Level record: float64 slot at `level * 4 + k`. */
export const L_SHARES = 0;
/** Level record: int32 slots at `level * 8 + k` (bytes 8..31 of the record). */
export const L_PRICE = 2;
export const L_ORDERS = 3;
export const L_HEAD = 4;
export const L_TAIL = 5;
/** 'B' or 'S'. */
export const L_SIDE = 6;
export const L_LOCATE = 7;

const ORDER_BYTES = 32;
const LEVEL_BYTES = 32;

export class BookStore {
  /** Orders as float64 (ref, timestamp). */
  of: Float64Array;
  /** Orders as int32 (shares, level, prev, next). */
  oi: Int32Array;
  /** Levels as float64 (total shares). */
  lf: Float64Array;
  /** Levels as int32 (price, orders, head, tail, side, locate). */
  li: Int32Array;

  private orderFree = NIL;
  private orderHigh = 0;
  private orderCap: number;
  private levelFree = NIL;
  private levelHigh = 0;
  private levelCap: number;
  liveOrders = 0;
  liveLevels = 0;

  constructor(orderCapacity = 1 << 20, levelCapacity = 1 << 14) {
    this.orderCap = Math.max(16, orderCapacity);
    const ob = new ArrayBuffer(this.orderCap * ORDER_BYTES);
    this.of = new Float64Array(ob);
    this.oi = new Int32Array(ob);
    this.levelCap = Math.max(16, levelCapacity);
    const lb = new ArrayBuffer(this.levelCap * LEVEL_BYTES);
    this.lf = new Float64Array(lb);
    this.li = new Int32Array(lb);
  }

  get orderCapacity(): number {
    return this.orderCap;
  }

  get levelCapacity(): number {
    return this.levelCap;
  }

  /** A fresh order slot. The arrays may be replaced (grown): reload them after calling. */
  allocOrder(): number {
    this.liveOrders++;
    const free = this.orderFree;
    if (free !== NIL) {
      this.orderFree = this.oi[free * 8 + O_NEXT];
      return free;
    }
    if (this.orderHigh === this.orderCap) this.growOrders();
    return this.orderHigh++;
  }

  freeOrder(i: number): void {
    this.liveOrders--;
    this.oi[i * 8 + O_NEXT] = this.orderFree;
    this.orderFree = i;
  }

  /** A fresh level slot. The arrays may be replaced (grown): reload them after calling. */
  allocLevel(): number {
    this.liveLevels++;
    const free = this.levelFree;
    if (free !== NIL) {
      this.levelFree = this.li[free * 8 + L_HEAD];
      return free;
    }
    if (this.levelHigh === this.levelCap) this.growLevels();
    return this.levelHigh++;
  }

  freeLevel(i: number): void {
    this.liveLevels--;
    this.li[i * 8 + L_HEAD] = this.levelFree;
    this.levelFree = i;
  }

  // Readers for code off the hot path.
  orderRef(i: number): number { return this.of[i * 4 + O_REF]; }
  orderShares(i: number): number { return this.oi[i * 8 + O_SHARES] >>> 0; }
  orderTimestamp(i: number): number { return this.of[i * 4 + O_TIMESTAMP]; }
  orderPrice(i: number): number { return this.li[this.oi[i * 8 + O_LEVEL] * 8 + L_PRICE]; }
  orderNext(i: number): number { return this.oi[i * 8 + O_NEXT]; }
  levelShares(l: number): number { return this.lf[l * 4 + L_SHARES]; }
  levelPrice(l: number): number { return this.li[l * 8 + L_PRICE]; }
  levelOrders(l: number): number { return this.li[l * 8 + L_ORDERS]; }
  levelHead(l: number): number { return this.li[l * 8 + L_HEAD]; }

  private growOrders(): void {
    this.orderCap *= 2;
    const ob = new ArrayBuffer(this.orderCap * ORDER_BYTES);
    new Uint8Array(ob).set(new Uint8Array(this.of.buffer));
    this.of = new Float64Array(ob);
    this.oi = new Int32Array(ob);
  }

  private growLevels(): void {
    this.levelCap *= 2;
    const lb = new ArrayBuffer(this.levelCap * LEVEL_BYTES);
    new Uint8Array(lb).set(new Uint8Array(this.lf.buffer));
    this.lf = new Float64Array(lb);
    this.li = new Int32Array(lb);
  }
}
