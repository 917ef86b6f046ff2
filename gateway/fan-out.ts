// Serialize once, send the same frame to every subscriber, and handle slow consumers: past
// the soft bufferedAmount threshold a state subscription (book, l1, candles, orders) skips
// updates and is marked stale, and gets a fresh snapshot once it is back under the
// threshold; past the hard limit the client is closed (4001). Queued bytes per client
// therefore stay under the hard limit plus one frame.
//
// The frame handed to subscribers is the whole websocket frame (ws-frame.ts), built once.
// A client's frames of a flush are held (corked) and written at its end (`uncorkAll`), so a
// client with several subscriptions gets one socket write per flush, not one per frame.
// The uncork is when a client's bytes reach its socket, so that is where the order is
// decided (so no subscriber is systematically first): a fresh seeded Fisher-Yates order of
// the flush's clients (protocol's Prng), every flush. The order in which frames were handed
// to the corked sockets carries no meaning, so it is not shuffled: shuffling it per frame
// would cost work per frame and still leave the client with more subscriptions (corked by
// an earlier topic of the flush) written first.
import { Prng } from '../protocol';
import { wsTextFrame, wsTextFrameOf } from './ws-frame';

/** What the fan-out needs of a websocket client (Session implements it). */
export interface Subscriber {
  readonly closed: boolean;
  /** Bytes queued to the client (ws bufferedAmount). */
  bufferedAmount(): number;
  /** Hands a whole websocket frame (wsTextFrame) to the client for this flush; calls `fan.corkedOne` with its first. */
  sendWire(wire: Buffer, fan: FanOut): void;
  /** Ends the flush for this client: what it was handed goes to its socket in one write. */
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
  /** Socket writes: one per client per flush that sent it anything. */
  writes: number;
  bytes: number;
  skipped: number;
  resyncs: number;
  slowClosed: number;
}

export class FanOut {
  readonly softBytes: number;
  readonly hardBytes: number;
  readonly seed: number;
  private readonly random: Prng;
  /** Subscriptions marked stale, checked by `resyncStale` (a timer) so a quiet topic still resyncs. */
  readonly stale = new Set<Subscription>();
  /** Subscribers corked in the current flush. */
  private readonly corked: Subscriber[] = [];
  readonly figures: FanOutFigures = { frames: 0, sends: 0, writes: 0, bytes: 0, skipped: 0, resyncs: 0, slowClosed: 0 };

  constructor(softBytes: number, hardBytes: number, seed: number) {
    this.softBytes = softBytes;
    this.hardBytes = hardBytes;
    this.seed = seed >>> 0;
    this.random = new Prng(this.seed);
  }

  /** Sends `frame` (a JSON payload) to every subscription, corked; `resyncable` topics skip slow clients and resync them later. */
  send(subs: Subscription[], frame: Buffer, resyncable: boolean): void {
    this.sendFrame(subs, wsTextFrame(frame), resyncable);
  }

  /** `send` for a JSON text (the topics' updates): encoded once, straight into the frame. */
  sendText(subs: Subscription[], text: string, resyncable: boolean): void {
    this.sendFrame(subs, wsTextFrameOf(text), resyncable);
  }

  /** Writes one whole websocket frame to every subscription (corked until `uncorkAll`). */
  sendFrame(subs: Subscription[], wire: Buffer, resyncable: boolean): void {
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

  /** Ends the flush: every corked socket writes what it gathered, one write each, in a fresh random order. */
  uncorkAll(): void {
    const list = this.corked;
    const n = list.length;
    for (let i = n - 1; i > 0; i--) {
      const j = this.random.nextInt(i + 1);
      const t = list[i];
      list[i] = list[j];
      list[j] = t;
    }
    for (let i = 0; i < n; i++) list[i].uncork();
    list.length = 0;
    this.figures.writes += n;
  }

  /** Forgets a subscription (unsubscribe, close). */
  drop(sub: Subscription): void {
    this.stale.delete(sub);
  }
}
