// The order link: a stateless client gateway (`tickwire order-gateway`) and the HA primary
// it forwards to, over one TCP connection. Frames are a u32 big-endian length and a UTF-8
// JSON body: the requests and reports are already plain objects (protocol/order-entry.ts),
// and the gateway's own cost per order (HTTP, FIX, OUCH parsing) dwarfs this encoding.
//
// The gateway opens with `hello` and the highest report sequence number it has delivered;
// the primary answers with the reports after it that it still holds (`catchUp`), then
// `live`. Reports after a failover are how a resent order is recognised: its report is
// already in the catch-up if the old primary committed it (runtime/remote-trading.ts).
import type { BalanceView, OrderEntryReport, OrderEntryRequest } from './order-entry';

/** Gateway to primary. */
export type LinkUp =
  | { t: 'hello'; gateway: string; lastSeq: number }
  | { t: 'req'; req: OrderEntryRequest }
  | { t: 'bal'; id: number; account: number };

/** Primary to gateway. */
export type LinkDown =
  | { t: 'reports'; reports: OrderEntryReport[]; catchUp: boolean }
  /** Catch-up done. `gap`: the primary no longer holds every report after the gateway's lastSeq. `accounts`: accounts the core knows (0 on a fresh session). */
  | { t: 'live'; node: string; epoch: number; gap: boolean; accounts: number }
  | { t: 'bal'; id: number; view: BalanceView };

/** A frame larger than this is refused and the connection closed (a catch-up is sent in slices below it). */
export const MAX_LINK_FRAME = 16 << 20;

export function encodeLinkFrame(message: LinkUp | LinkDown): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

/** Splits a byte stream into frames; a bad length or body is an error (the stream cannot resynchronise). */
export class LinkFrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  /** Calls `onFrame` for each whole frame in `chunk`; returns '' or why the stream is bad. */
  push(chunk: Buffer, onFrame: (message: unknown) => void): string {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    let o = 0;
    const b = this.buffered;
    while (b.length - o >= 4) {
      const len = b.readUInt32BE(o);
      if (len === 0 || len > MAX_LINK_FRAME) return `a frame of ${len} bytes (1..${MAX_LINK_FRAME})`;
      if (b.length - o - 4 < len) break;
      let message: unknown;
      try {
        message = JSON.parse(b.toString('utf8', o + 4, o + 4 + len));
      } catch (err) {
        return `a frame that is not JSON: ${(err as Error).message}`;
      }
      if (typeof message !== 'object' || message === null || typeof (message as { t?: unknown }).t !== 'string') return 'a frame without a message kind';
      o += 4 + len;
      onFrame(message);
    }
    this.buffered = o === b.length ? Buffer.alloc(0) : b.subarray(o);
    return '';
  }
}
