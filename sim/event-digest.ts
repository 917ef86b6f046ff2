// SHA-256 over the engine event stream, read from the ring in place: two runs with one
// seed, or a run and the replay of its journal, give the same digest.
import * as crypto from 'node:crypto';
import { EngineEventRingReader, EngineEventType, type RingFullPolicy } from '../protocol';

export class EventDigest implements RingFullPolicy {
  private readonly hash = crypto.createHash('sha256');
  private readonly reader: EngineEventRingReader;
  private readonly spans = new Int32Array(4);
  events = 0;
  executions = 0;

  constructor(reader: EngineEventRingReader) {
    this.reader = reader;
  }

  /** Hashes and releases everything committed to the ring. */
  drain(): number {
    const reader = this.reader;
    const n = reader.spans(this.spans);
    if (n === 0) return 0;
    const u8 = reader.view.u8;
    const s = this.spans;
    this.hash.update(u8.subarray(s[0], s[1]));
    if (s[3] > s[2]) this.hash.update(u8.subarray(s[2], s[3]));
    for (let i = 0; i < n; i++) if (reader.view.type(reader.baseOf(i)) === EngineEventType.OrderExecuted) this.executions++;
    reader.advance(n);
    this.events += n;
    return n;
  }

  onRingFull(): void {
    this.drain();
  }

  digest(): string {
    this.drain();
    return this.hash.digest('hex');
  }
}
