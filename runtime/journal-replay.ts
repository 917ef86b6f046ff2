// The journal, the source of truth, replayed through a fresh exchange core into a muted
// FeedPublisher: the deterministic path a restart takes. The same journal gives the same
// engine events, feed sequence numbers, books, candles and snapshot times, so whatever
// listens to this publisher sees exactly what the live one sent. Two users: the journal
// archiver (follows the journal as it grows) and storage's catch-up (replays a range once).
// It lives in runtime/ because it joins sim/ and publisher/, which may not import each other.
import type { TickwireConfig } from '../config';
import { FeedPublisher, feedPublisherOptions, type PacketSink } from '../publisher';
import { drainingCore, JOURNAL_HEADER_SIZE, readJournal, type TradingCore } from '../sim';
import type { EngineEventRingReader } from '../protocol';

/** Packets of a replay go nowhere: only the messages, books and taps matter. */
const NO_PACKETS: PacketSink = { sendPacket: () => undefined };

/** Thrown inside the journal reader to stop once the caller has what it wants. */
class Stop extends Error {}

export interface JournalReplayOptions {
  config: TickwireConfig;
  journalPath: string;
  sessionDate: string;
  /** The muted publisher's message store (its users read messages as they come). */
  storeCapacity: number;
}

export class JournalReplay {
  readonly publisher: FeedPublisher;
  /** Journal commands applied so far. */
  commands = 0;
  /** Order manager + engine: a client order refused live is refused here too. */
  private readonly engine: TradingCore;
  private readonly events: EngineEventRingReader;
  private fromOffset = JOURNAL_HEADER_SIZE;
  private afterSeq = 0;
  private stoppedEarly = false;

  constructor(private readonly options: JournalReplayOptions) {
    const { config, sessionDate, storeCapacity } = options;
    this.publisher = new FeedPublisher({ ...feedPublisherOptions(config, sessionDate, NO_PACKETS), storeCapacity });
    const { core, reader } = drainingCore(config, this.publisher);
    this.engine = core.trading;
    this.events = reader;
  }

  /**
   * Applies the commands the journal holds past those applied before, handing the
   * publisher the engine's events every `every` commands and at the end. `afterHandOver`
   * runs after each hand-over; when it returns true the replay stops there, and this
   * replay cannot be advanced again. Throws sim/'s JournalIoError while the journal does
   * not exist yet, and JournalFormatError/JournalCorruptError on a damaged one.
   */
  advance(every = 256, afterHandOver: () => boolean = () => false): void {
    if (this.stoppedEarly) throw new Error('JournalReplay.advance after a stop part way: start a new replay');
    const mask = every - 1;
    let stopped = false;
    try {
      const r = readJournal(
        this.options.journalPath,
        (cmds, base) => {
          this.engine.apply(cmds, base);
          if ((++this.commands & mask) === 0) {
            this.handOver();
            if (afterHandOver()) throw new Stop();
          }
        },
        { repair: false, fromOffset: this.fromOffset, afterSeq: this.afterSeq },
      );
      if (r.validBytes >= JOURNAL_HEADER_SIZE) this.fromOffset = r.validBytes;
      if (r.lastSeq > 0) this.afterSeq = r.lastSeq;
    } catch (err) {
      if (!(err instanceof Stop)) throw err;
      stopped = true;
      this.stoppedEarly = true;
    }
    if (!stopped) {
      this.handOver();
      afterHandOver();
    }
  }

  /** Every event the engine has produced, into the publisher. */
  private handOver(): void {
    this.engine.publish();
    this.events.drain(this.publisher);
  }
}
