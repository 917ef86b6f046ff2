// jspurefix's encoder and parser outside a live session: a stored message parsed back into
// an object (to resend it with PossDupFlag=Y), and a message encoded for a session that is
// logged out (to store it under the next sequence number). One parser scope and one
// transmitter per counterparty, built from the acceptor's root config (dictionary loaded
// once); both work synchronously, so nothing else ever sees their buffers mid-message.
import { DITokens, type ElasticBuffer, type IJsFixConfig, type MsgView } from 'jspurefix';
import { AsciiParser } from 'jspurefix/dist/buffer/ascii/ascii-parser';
import { makeSessionScope } from 'jspurefix/dist/runtime/session-scope';
import { AsciiMsgTransmitter } from 'jspurefix/dist/transport/ascii/ascii-msg-transmitter';

export interface DecodedMessage {
  readonly msgType: string;
  /** The body, without StandardHeader and StandardTrailer. */
  readonly body: Record<string, unknown>;
  readonly sendingTime: Date | null;
}

export class FixCodec {
  private readonly parser: AsciiParser;
  private decoded: DecodedMessage | null = null;
  private parseError: Error | null = null;
  private readonly transmitters = new Map<string, AsciiMsgTransmitter>();

  constructor(private readonly root: IJsFixConfig) {
    const scope = makeSessionScope(root);
    this.parser = new AsciiParser(scope, null, scope.sessionContainer.resolve<ElasticBuffer>(DITokens.ParseBuffer));
    this.parser.on('msg', (msgType: string, view: MsgView) => {
      const { StandardHeader, StandardTrailer, ...body } = view.toObject() as Record<string, unknown>;
      const sent = (StandardHeader as { SendingTime?: unknown } | undefined)?.SendingTime;
      this.decoded = { msgType, body, sendingTime: sent instanceof Date ? sent : null };
    });
    this.parser.on('error', (e: Error) => {
      this.parseError = e;
    });
  }

  /** One whole stored message (SOH-delimited) as an object, or null if it does not parse. */
  decode(text: string): DecodedMessage | null {
    this.decoded = null;
    this.parseError = null;
    try {
      this.parser.parseText(text);
    } catch {
      this.parser.reset();
      return null;
    }
    if (this.parseError !== null) {
      this.parser.reset();
      return null;
    }
    return this.decoded;
  }

  /** The whole message, as the session with `targetCompId` would send it under `seqNum`. */
  encode(targetCompId: string, seqNum: number, msgType: string, body: Record<string, unknown>): string {
    let tx = this.transmitters.get(targetCompId);
    if (tx === undefined) {
      tx = new AsciiMsgTransmitter(makeSessionScope(this.root, { TargetCompID: targetCompId }));
      this.transmitters.set(targetCompId, tx);
    }
    tx.msgSeqNum = seqNum;
    tx.encoder.reset();
    if (tx.encodeMessage(msgType, body) === null) throw new Error(`cannot encode FIX message type ${msgType}`);
    return tx.buffer.toString();
  }
}
