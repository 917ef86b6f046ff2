// A topic is one (symbol, channel, depth or interval, update rate) that clients subscribe
// to: it keeps the state it last published, turns the books' change into ONE frame at a
// boundary, and hands that frame to the fan-out. Subclasses per channel.
import type { OrderBook } from '../book';
import type { GatewayChannel } from '../protocol';
import type { FanOut, FanOutTopic, Subscription } from './fan-out';
import { wsTextFrame, wsTextFrameOf } from './ws-frame';

/** Where a topic reads shared state: the boundary it publishes at, the fan-out. */
export interface TopicContext {
  readonly fan: FanOut;
}

export abstract class Topic implements FanOutTopic {
  readonly key: string;
  readonly channel: GatewayChannel;
  readonly locate: number;
  readonly symbol: string;
  readonly book: OrderBook;
  /** Flush group: 0 real time, else a conflation group. */
  readonly group: number;
  readonly subs: Subscription[] = [];
  /** Skipped updates can be replaced by a snapshot (state channels); false for event streams (trades). */
  abstract readonly resyncable: boolean;
  /** The feed sequence and ITCH timestamp of the state last published. */
  seq = 0;
  ts = 0;
  protected readonly ctx: TopicContext;
  protected cachedSnapshot: Buffer | null = null;
  private cachedWire: Buffer | null = null;

  constructor(ctx: TopicContext, key: string, channel: GatewayChannel, book: OrderBook, group: number) {
    this.ctx = ctx;
    this.key = key;
    this.channel = channel;
    this.book = book;
    this.locate = book.locate;
    this.symbol = book.symbol;
    this.group = group;
  }

  /** Takes the books' current state (at a boundary) as published, sending nothing. */
  reset(seq: number, ts: number): void {
    this.seq = seq;
    this.ts = ts;
    this.cachedSnapshot = null;
    this.capture();
  }

  /** At a boundary: sends what changed since the last publish (nothing if nothing did); true if it sent. */
  publish(seq: number, ts: number): boolean {
    const wire = this.updateWire(seq, ts);
    if (wire === null) return false;
    this.seq = seq;
    this.ts = ts;
    this.cachedSnapshot = null;
    this.ctx.fan.sendFrame(this.subs, wire, this.resyncable);
    return true;
  }

  /** The snapshot (JSON) of the state last published, built once per state. */
  snapshotFrame(): Buffer | null {
    if (this.cachedSnapshot === null) {
      this.cachedSnapshot = this.buildSnapshot();
      this.cachedWire = null;
    }
    return this.cachedSnapshot;
  }

  /** The snapshot as a whole websocket frame, built once per state. */
  snapshotWire(): Buffer | null {
    const json = this.snapshotFrame();
    if (json === null) return null;
    if (this.cachedWire === null) this.cachedWire = wsTextFrame(json);
    return this.cachedWire;
  }

  /** Before a snapshot off the publish path (subscribe, resync timer): topics whose snapshot reads the live book publish first. */
  catchUp(seq: number, ts: number): void {
    void seq;
    void ts;
  }

  /** Reads the live state into the published state. */
  protected abstract capture(): void;
  /**
   * The update's whole websocket frame for what changed (and takes the new state), or null.
   * A topic overrides this (writing bytes, as the book does: most frames are its) or `update`.
   */
  protected updateWire(seq: number, ts: number): Buffer | null {
    const text = this.update(seq, ts);
    return text === null ? null : wsTextFrameOf(text);
  }

  /** The update's JSON for what changed (and takes the new state), or null. */
  protected update(seq: number, ts: number): string | null {
    void seq;
    void ts;
    return null;
  }
  protected abstract buildSnapshot(): Buffer | null;
}
