// Helpers shared by tests that read the feed: captured packets to messages, bounded waits.
import { MoldUdp64Packet } from '../../protocol';
import type { MemoryPacketSink } from '../../publisher';

/** Every message the captured packets carried, by sequence number (copies). */
export function liveMessages(sink: MemoryPacketSink): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  const p = new MoldUdp64Packet();
  for (let i = 0; i < sink.count; i++) {
    const bytes = sink.packet(i);
    const fault = p.parse(bytes, 0, bytes.length);
    if (fault !== 0) throw new Error(`captured packet ${i} is malformed (fault ${fault} at offset ${p.faultOffset})`);
    let s = p.sequence;
    for (let at = p.nextMessage(); at >= 0; at = p.nextMessage()) out.set(s++, bytes.slice(at, at + p.messageLength));
  }
  return out;
}

/** Polls `done` every few ms until it holds, or fails after `waitMs`. */
export async function waitUntil(what: string, done: () => boolean, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${waitMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
