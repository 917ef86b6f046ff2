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

const SIDES = new Set(['B', 'S']);
const TYPES = new Set(['L', 'I', 'M']);
const isInt = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/**
 * '' when `req` has the shape of an OrderEntryRequest (the primary applies it), else what is
 * wrong: the link's far end is our own gateway, so a bad request means mismatched versions
 * or a bug, and the connection is closed rather than anything guessed.
 */
export function checkLinkRequest(req: unknown): string {
  if (typeof req !== 'object' || req === null) return 'a request that is not an object';
  const r = req as Record<string, unknown>;
  if (!isInt(r.requestId, 1, 0x7fffffff)) return 'a request without a requestId (1..2^31-1)';
  if (!isInt(r.account, 0, 0xffffffff)) return 'a request without an account number';
  switch (r.kind) {
    case 'new':
      if (typeof r.clientOrderId !== 'string' || !SIDES.has(r.side as string) || !TYPES.has(r.orderType as string)) return 'a new order without clientOrderId, side or orderType';
      if (!isInt(r.locate, 0, 0xffff) || !isInt(r.price, 0, 0xffffffff) || !isInt(r.shares, 0, 0xffffffff)) return 'a new order with a bad locate, price or shares';
      return '';
    case 'cancel':
      return isInt(r.orderId, 0, Number.MAX_SAFE_INTEGER) && isInt(r.shares, 0, 0xffffffff) ? '' : 'a cancel with a bad orderId or shares';
    case 'replace':
      if (typeof r.clientOrderId !== 'string') return 'a replace without clientOrderId';
      return isInt(r.orderId, 0, Number.MAX_SAFE_INTEGER) && isInt(r.price, 0, 0xffffffff) && isInt(r.shares, 0, 0xffffffff) ? '' : 'a replace with a bad orderId, price or shares';
    case 'deposit':
    case 'withdraw':
      // Carried balances are the core's own opening of a session, never a gateway's request.
      if (r.carried !== undefined) return 'a transfer marked carried (only the core carries balances)';
      return isInt(r.locate, 0, 0xffff) && isInt(r.amount, 0, Number.MAX_SAFE_INTEGER) ? '' : 'a transfer with a bad locate or amount';
    case 'settings':
      return isInt(r.riskClass, 0, 255) && typeof r.allowShort === 'boolean' && typeof r.killSwitch === 'boolean' ? '' : 'settings with a bad riskClass, allowShort or killSwitch';
    default:
      return `a request of unknown kind ${JSON.stringify(r.kind)}`;
  }
}
