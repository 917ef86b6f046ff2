// What one source of packets did: line A, line B, or the rewinder's answers.

export class LineCounters {
  readonly name: string;
  /** Datagrams received (good or bad). */
  packets = 0;
  bytes = 0;
  /** Messages applied from this source's copy (it arrived first). */
  messages = 0;
  /** Data packets whose messages had all been applied already (the other line's copy won, or a repeat). */
  duplicates = 0;
  /** Sequence jumps in this source's own stream (its losses, whether or not the other line covered them). */
  gaps = 0;
  heartbeats = 0;
  endOfSession = 0;
  /** Datagrams that are not MoldUDP64, or hold a message that does not decode (dropped whole). */
  malformed = 0;
  /** Packets of another session (ignored). */
  wrongSession = 0;
  /** No packet for the stale interval while the handler runs (counted once per silence). */
  silences = 0;
  silent = false;
  /** performance.now() of the last datagram, 0 before any. */
  lastPacketMs = 0;
  /** The sequence after this source's last data packet (for its own gap count). */
  nextSequence = 0;

  constructor(name: string) {
    this.name = name;
  }

  toJSON(): Record<string, number | string | boolean> {
    return {
      packets: this.packets,
      bytes: this.bytes,
      messages: this.messages,
      duplicates: this.duplicates,
      gaps: this.gaps,
      heartbeats: this.heartbeats,
      endOfSession: this.endOfSession,
      malformed: this.malformed,
      wrongSession: this.wrongSession,
      silences: this.silences,
      silent: this.silent,
    };
  }
}
