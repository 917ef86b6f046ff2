// Serialize once, send the same frame to every subscriber in a freshly shuffled order (so
// no subscriber is systematically first), and handle slow consumers: past the soft
// bufferedAmount threshold a state subscription (book, l1, candles, orders) skips updates
// and is marked stale, and gets a fresh snapshot once it is back under the threshold; past
// the hard limit the client is closed (4001). Queued bytes per client therefore stay under
// the hard limit plus one frame.
//
// The frame handed to subscribers is the whole websocket frame (ws-frame.ts), built once.
// Writes to a client are corked during a flush and uncorked at its end (`uncorkAll`), so a
// client with several subscriptions gets one socket write per flush, not one per frame.
import { wsTextFrame } from './ws-frame';

/** What the fan-out needs of a websocket client (Session implements it). */
export interface Subscriber {
  readonly closed: boolean;
  /** Bytes queued to the client (ws bufferedAmount). */
  bufferedAmount(): number;
  /** Writes a whole websocket frame (wsTextFrame) to the client's socket, corked until `uncork`. */
  sendWire(wire: Buffer, fan: FanOut): void;
  /** Ends the cork of the current flush. */
  uncork(): void;
  /** Past the hard limit: close with 4001 and stop sending. */
  closeSlow(): void;
  /** Updates skipped for this client because it was behind (a metric). */
  skipped: number;
}

/** One client's subscription to one topic. */
export class Subscription {
  readonly subscriber: Subscriber;
  readonly topic: FanOutTopic;
  /** Skipped updates: the next thing it gets is a snapshot. */
  stale = false;

  constructor(subscriber: Subscriber, topic: FanOutTopic) {
    this.subscriber = subscriber;
    this.topic = topic;
  }
}

/** What the fan-out needs of a topic. */
export interface FanOutTopic {
  /** The whole websocket frame of a snapshot of the state the topic last published (null for event streams). */
  snapshotWire(): Buffer | null;
}

export interface FanOutFigures {
  frames: number;
  sends: number;
  bytes: number;
  skipped: number;
  resyncs: number;
  slowClosed: number;
}

export class FanOut {
  readonly softBytes: number;
  readonly hardBytes: number;
  readonly seed: number;
  private state: number;
  /** Subscriptions marked stale, checked by `resyncStale` (a timer) so a quiet topic still resyncs. */
  readonly stale = new Set<Subscription>();
  /** Subscribers corked in the current flush. */
  private readonly corked: Subscriber[] = [];
  readonly figures: FanOutFigures = { frames: 0, sends: 0, bytes: 0, skipped: 0, resyncs: 0, slowClosed: 0 };

  constructor(softBytes: number, hardBytes: number, seed: number) {
    this.softBytes = softBytes;
    this.hardBytes = hardBytes;
    this.seed = seed >>> 0;
    this.state = this.seed === 0 ? 1 : this.seed;
  }

  /** xorshift32: a fresh permutation per frame costs a few ns per subscriber. */
  private next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  /** Fisher-Yates in place: the array's order carries no meaning between frames. */
  shuffle(subs: Subscription[]): void {
    for (let i = subs.length - 1; i > 0; i--) {
      const j = this.next() % (i + 1);
      const t = subs[i];
      subs[i] = subs[j];
      subs[j] = t;
    }
  }

  /** Sends `frame` (a JSON payload) to every subscription; `resyncable` topics skip slow clients and resync them later. */
  send(subs: Subscription[], frame: Buffer, resyncable: boolean): void {
    this.shuffle(subs);
    const wire = wsTextFrame(frame);
    const soft = this.softBytes;
    const hard = this.hardBytes;
    const f = this.figures;
    f.frames++;
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i];
      const client = sub.subscriber;
      if (client.closed) continue;
      const buffered = client.bufferedAmount();
      if (buffered > hard) {
        f.slowClosed++;
        client.closeSlow();
        continue;
      }
      if (resyncable) {
        if (sub.stale) {
          if (buffered <= soft) this.resync(sub);
          else {
            client.skipped++;
            f.skipped++;
          }
          continue;
        }
        if (buffered > soft) {
          sub.stale = true;
          this.stale.add(sub);
          client.skipped++;
          f.skipped++;
          continue;
        }
      }
      client.sendWire(wire, this);
      f.sends++;
      f.bytes += wire.length;
    }
  }

  /** Marks a subscription stale (it gets a snapshot at the next resync). */
  markStale(sub: Subscription): void {
    sub.stale = true;
    this.stale.add(sub);
  }

  /** Sends the topic's snapshot to a stale subscription and clears the mark. */
  resync(sub: Subscription): void {
    const wire = sub.topic.snapshotWire();
    sub.stale = false;
    this.stale.delete(sub);
    if (wire === null || sub.subscriber.closed) return;
    sub.subscriber.sendWire(wire, this);
    this.figures.resyncs++;
    this.figures.sends++;
    this.figures.bytes += wire.length;
  }

  /** Resyncs stale subscriptions whose clients caught up (a timer calls it; `ready` says whether the topic can snapshot now). */
  resyncStale(ready: (sub: Subscription) => boolean): void {
    for (const sub of this.stale) {
      const client = sub.subscriber;
      if (client.closed) {
        this.stale.delete(sub);
        continue;
      }
      const buffered = client.bufferedAmount();
      if (buffered > this.hardBytes) {
        this.figures.slowClosed++;
        client.closeSlow();
        this.stale.delete(sub);
      } else if (buffered <= this.softBytes && ready(sub)) {
        this.resync(sub);
      }
    }
  }

  /** A subscriber corked its socket in this flush (Subscriber.sendWire calls it once per flush). */
  corkedOne(subscriber: Subscriber): void {
    this.corked.push(subscriber);
  }

  /** Ends the flush: every corked socket writes what it gathered, one write each. */
  uncorkAll(): void {
    const list = this.corked;
    for (let i = 0; i < list.length; i++) list[i].uncork();
    list.length = 0;
  }

  /** Forgets a subscription (unsubscribe, close). */
  drop(sub: Subscription): void {
    this.stale.delete(sub);
  }
}
