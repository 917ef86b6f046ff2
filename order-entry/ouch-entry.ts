// One Enter Order on its way from an OUCH session to the exchange core: the order desk's
// typed order (DeskOrder: the router's pending request too), what the stream echoes in
// Accepted (OuchOrderExtras), and the Replace and Cancel Orders of its token that arrived
// while it was in flight (they run once it is answered). One object per order in flight, no
// promise or closure; the OUCH server reuses an answered one for a later Enter Order (`reuse`).
import type { OrderReport } from '../protocol';
import { DeskOrder } from './desk-order';
import type { OrderEntryError } from './errors';
import type { OuchOrderExtras } from './ouch-stream';

/** The OUCH server, as its entries see it. */
export interface OuchEntryOwner {
  /** The core answered (`order`), or the entry was refused on the way (`error`). */
  entryAnswered(entry: OuchEntry, order: OrderReport | null, error: OrderEntryError | null): void;
}

export class OuchEntry extends DeskOrder implements OuchOrderExtras {
  buySell = 0;
  /** As the client sent it (OuchPrice.Market for a market order); `price` is the core's. */
  ouchPrice = 0;
  timeInForce = 0;
  firm = '';
  display = 0;
  capacity = 0;
  intermarketSweep = 0;
  minimumQuantity = 0;
  crossType = 0;
  /** Work queued behind this entry (a Replace or Cancel of its token), run once it is answered. */
  private queued: Array<() => void> | null = null;
  private done = false;

  constructor(
    readonly owner: OuchEntryOwner,
    /** The session's connection (the owner's own type). */
    public connection: object,
  ) {
    super();
  }

  /**
   * A new Enter Order in this answered entry (finished: the desk and the router hold it no
   * more, and its queued work has been taken), from `connection`; the caller sets its fields.
   */
  reuse(connection: object): void {
    this.clearAnswer();
    this.connection = connection;
    this.queued = null;
    this.done = false;
  }

  accepted(order: OrderReport): void {
    this.owner.entryAnswered(this, order, null);
  }

  refused(error: OrderEntryError): void {
    this.owner.entryAnswered(this, null, error);
  }

  /** Runs `work` once the entry is answered (at once if it is). */
  after(work: () => void): void {
    if (this.done) {
      work();
      return;
    }
    if (this.queued === null) this.queued = [];
    this.queued.push(work);
  }

  /** Resolves once the entry is answered. */
  settled(): Promise<void> {
    return new Promise<void>((resolve) => this.after(resolve));
  }

  /**
   * The entry is answered: the queued work runs (in a microtask, as the promise it replaces
   * did). False when it was answered already.
   */
  finish(): boolean {
    if (this.done) return false;
    this.done = true;
    const q = this.queued;
    if (q === null) return true;
    this.queued = null;
    queueMicrotask(() => {
      for (const w of q) w();
    });
    return true;
  }
}
