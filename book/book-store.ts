// The order and price-level pools every book of a MarketBooks shares: struct-of-arrays in
// typed arrays, addressed by int32 index, with free lists threaded through them. One
// order ref table covers the day (ITCH order refs are unique across symbols), so orders
// live in one pool; a level belongs to one book and one side. Pools are allocated at
// start-up from the configured capacities and double when full (rare, logged by size).

export const NIL = -1;

export class BookStore {
  // Orders: an index-based doubly linked FIFO list per level (time priority).
  orderRef: Float64Array;
  orderShares: Float64Array;
  orderPrice: Int32Array;
  orderLevel: Int32Array;
  orderPrev: Int32Array;
  orderNext: Int32Array;
  orderTimestamp: Float64Array;
  // Levels.
  levelPrice: Int32Array;
  levelShares: Float64Array;
  levelOrders: Int32Array;
  levelHead: Int32Array;
  levelTail: Int32Array;
  /** 'B' or 'S'. */
  levelSide: Uint8Array;
  levelLocate: Uint16Array;

  private orderFree = NIL;
  private orderHigh = 0;
  private levelFree = NIL;
  private levelHigh = 0;
  liveOrders = 0;
  liveLevels = 0;

  constructor(orderCapacity = 1 << 20, levelCapacity = 1 << 14) {
    const n = Math.max(16, orderCapacity);
    this.orderRef = new Float64Array(n);
    this.orderShares = new Float64Array(n);
    this.orderPrice = new Int32Array(n);
    this.orderLevel = new Int32Array(n);
    this.orderPrev = new Int32Array(n);
    this.orderNext = new Int32Array(n);
    this.orderTimestamp = new Float64Array(n);
    const l = Math.max(16, levelCapacity);
    this.levelPrice = new Int32Array(l);
    this.levelShares = new Float64Array(l);
    this.levelOrders = new Int32Array(l);
    this.levelHead = new Int32Array(l);
    this.levelTail = new Int32Array(l);
    this.levelSide = new Uint8Array(l);
    this.levelLocate = new Uint16Array(l);
  }

  get orderCapacity(): number {
    return this.orderRef.length;
  }

  get levelCapacity(): number {
    return this.levelPrice.length;
  }

  /** A fresh order slot. Array fields may be replaced (grown): reload them after calling. */
  allocOrder(): number {
    this.liveOrders++;
    const free = this.orderFree;
    if (free !== NIL) {
      this.orderFree = this.orderNext[free];
      return free;
    }
    if (this.orderHigh === this.orderRef.length) this.growOrders();
    return this.orderHigh++;
  }

  freeOrder(i: number): void {
    this.liveOrders--;
    this.orderNext[i] = this.orderFree;
    this.orderFree = i;
  }

  /** A fresh, empty level slot. Array fields may be replaced (grown): reload them after calling. */
  allocLevel(): number {
    this.liveLevels++;
    const free = this.levelFree;
    if (free !== NIL) {
      this.levelFree = this.levelHead[free];
      return free;
    }
    if (this.levelHigh === this.levelPrice.length) this.growLevels();
    return this.levelHigh++;
  }

  freeLevel(i: number): void {
    this.liveLevels--;
    this.levelHead[i] = this.levelFree;
    this.levelFree = i;
  }

  private growOrders(): void {
    const n = this.orderRef.length * 2;
    this.orderRef = grow(this.orderRef, new Float64Array(n));
    this.orderShares = grow(this.orderShares, new Float64Array(n));
    this.orderPrice = grow(this.orderPrice, new Int32Array(n));
    this.orderLevel = grow(this.orderLevel, new Int32Array(n));
    this.orderPrev = grow(this.orderPrev, new Int32Array(n));
    this.orderNext = grow(this.orderNext, new Int32Array(n));
    this.orderTimestamp = grow(this.orderTimestamp, new Float64Array(n));
  }

  private growLevels(): void {
    const n = this.levelPrice.length * 2;
    this.levelPrice = grow(this.levelPrice, new Int32Array(n));
    this.levelShares = grow(this.levelShares, new Float64Array(n));
    this.levelOrders = grow(this.levelOrders, new Int32Array(n));
    this.levelHead = grow(this.levelHead, new Int32Array(n));
    this.levelTail = grow(this.levelTail, new Int32Array(n));
    this.levelSide = grow(this.levelSide, new Uint8Array(n));
    this.levelLocate = grow(this.levelLocate, new Uint16Array(n));
  }
}

function grow<T extends Float64Array | Int32Array | Uint8Array | Uint16Array>(from: T, to: T): T {
  to.set(from as never);
  return to;
}
