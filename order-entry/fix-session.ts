// One counterparty's FIX 4.4 session on the acceptor: jspurefix's AsciiSession does the
// session layer (Logon, Heartbeat/TestRequest, sequence checks, ResendRequest it sends,
// SequenceReset, Logout, dictionary checks with session Reject); this class hands the
// application messages and the logon decision to the acceptor (FixSessionHost), and
// answers a ResendRequest from the session's store: application messages again with
// PossDupFlag=Y and OrigSendingTime, session messages as SequenceReset-GapFill (FIX 4.4
// Vol 2, "Resending Messages"). (jspurefix's own resend reads an empty in-memory store.)
import { AsciiSession, FixMsgStoreRecord, type IFixSessionStore, type IJsFixConfig, type MsgTransmitter, type MsgView } from 'jspurefix';
import type { AsciiMsgTransmitter } from 'jspurefix/dist/transport/ascii/ascii-msg-transmitter';
import type { Writable } from 'node:stream';
import type { FixCodec } from './fix-codec';
import { ADMIN_MSG_TYPES, FixMsgType, Tag } from './fix-messages';
import { FixSessionStore } from './fix-store';

export interface FixSessionHost {
  /** Resolves true to let the peer in; rejects with the reason (sent as Logout Text(58)) to refuse. */
  logon(session: FixOrderSession, view: MsgView, user: string, password: string): Promise<boolean>;
  ready(session: FixOrderSession): void;
  message(session: FixOrderSession, msgType: string, view: MsgView): void;
  stopped(session: FixOrderSession, error: Error | undefined): void;
  readonly codec: FixCodec;
}

export class FixOrderSession extends AsciiSession {
  /** The account, once logged on. */
  account = 0;
  /** The counterparty's SenderCompID, once it logged on. */
  peerCompId = '';
  loggedOn = false;
  /** A ResendRequest asked for while the Logon is being decided: it goes out after our Logon. */
  private resendAfterLogon: [number, number] | null = null;
  /** The socket corked for this turn's messages, and the store holding their writes (corkForTurn). */
  private corked: Writable | null = null;
  private heldStore: FixSessionStore | null = null;

  constructor(
    config: IJsFixConfig,
    private readonly host: FixSessionHost,
    readonly remote: string,
  ) {
    super(config);
    this.checkMsgIntegrity = true;
  }

  /** Sends an application message (ExecutionReport...) on the live session. */
  sendMessage(msgType: string, body: Record<string, unknown>): void {
    this.corkForTurn();
    this.send(msgType, body);
  }

  /**
   * The messages of one turn (a batch of reports, delivered synchronously and in microtasks)
   * leave in one socket write: the socket is corked at the first and uncorked on the next
   * tick (after the turn's microtasks), with the store's writes of those messages made just
   * before the uncork (FixSessionStore.hold/release), so nothing reaches the wire unstored.
   * A write per message (two store writes and one socket write each, the loopback send
   * running the receiver's side as well) was most of the acceptor's CPU at 2,000 orders/s.
   */
  private corkForTurn(): void {
    if (this.corked !== null) return;
    const w = this.transport?.duplex.writable;
    if (w === undefined || w === null || w.writableEnded || w.destroyed) return;
    w.cork();
    this.corked = w;
    const store = this.sessionStore;
    if (store instanceof FixSessionStore) {
      store.hold();
      this.heldStore = store;
    }
    process.nextTick(this.uncorkTurn);
  }

  private readonly uncorkTurn = (): void => {
    const w = this.corked;
    const store = this.heldStore;
    this.corked = null;
    this.heldStore = null;
    store?.release();
    w?.uncork();
  };

  /** A session-level Reject(3) of an inbound message; the session stays up. */
  rejectMessage(refSeqNum: number, refMsgType: string, reason: number, text: string, refTagId?: number): void {
    const body: Record<string, unknown> = { RefSeqNum: refSeqNum, RefMsgType: refMsgType, SessionRejectReason: reason, Text: text.slice(0, 200) };
    if (refTagId !== undefined) body.RefTagID = refTagId;
    this.send(FixMsgType.Reject, body);
  }

  /** Logs out (Logout with Text) and ends the session. */
  logout(text: string): void {
    if (this.loggedOn) {
      this.sendLogout(text);
      this.loggedOn = false;
    }
    this.requestStop(text);
  }

  /**
   * Stores every message as soon as it is encoded, before jspurefix pushes it to the socket
   * (its own store call, txOnEncoded, comes after the push: a process killed between the two
   * had sent a message its store never had, and the next Logon's MsgSeqNum was too low for
   * the client, which ends the session). Its later put of the same number is a no-op.
   */
  storeBeforeSend(tx: MsgTransmitter): void {
    const encode = tx.encodeMessage.bind(tx);
    tx.encodeMessage = (msgType, obj) => {
      const hdr = encode(msgType, obj);
      const seqNum = hdr?.MsgSeqNum;
      if (typeof seqNum === 'number' && !hdr?.PossDupFlag) {
        this.sessionStore.put(new FixMsgStoreRecord(msgType, new Date(), seqNum, undefined, tx.buffer.toString())).catch(() => undefined);
      }
      return hdr;
    };
  }

  /** The store of this session (after the Logon bound its identity). */
  get messageStore(): IFixSessionStore {
    return this.sessionStore;
  }

  protected onApplicationMsg(msgType: string, view: MsgView): void {
    this.host.message(this, msgType, view);
  }

  protected onLogon(view: MsgView, user: string, password: string): Promise<boolean> {
    return this.host.logon(this, view, user, password);
  }

  protected onReady(_view: MsgView): void {
    this.loggedOn = true;
    const resend = this.resendAfterLogon;
    this.resendAfterLogon = null;
    if (resend !== null) super.sendResendRequest(resend[0], resend[1]);
    this.host.ready(this);
  }

  protected onStopped(error?: Error): void {
    this.loggedOn = false;
    this.resendAfterLogon = null;
    this.host.stopped(this, error);
  }

  protected onDecoded(_msgType: string, _txt: string): void {}

  protected onEncoded(_msgType: string, _txt: string): void {}

  /**
   * A Logon whose MsgSeqNum is above the expected one (a client back after a crash, or with
   * messages we never read) makes jspurefix ask for the gap at once, while our Logon answer
   * still waits for the account check: the peer would get a ResendRequest before the Logon,
   * which a FIX engine refuses (the first message must be Logon; FIX 4.4 Vol 2, "Logon").
   * Held until the Logon answer has gone out (onReady follows it at once).
   */
  protected override sendResendRequest(lastSeq: number, receivedSeq: number): void {
    if (!this.loggedOn) {
      this.resendAfterLogon = [lastSeq, receivedSeq];
      return;
    }
    super.sendResendRequest(lastSeq, receivedSeq);
  }

  protected override onResendRequest(view: MsgView): void {
    const begin = Number(view.getString(Tag.BeginSeqNo));
    const requestedEnd = Number(view.getString(Tag.EndSeqNo));
    const tx = this.transport?.transmitter as AsciiMsgTransmitter | undefined;
    if (tx === undefined || !Number.isInteger(begin) || begin < 1) return;
    const last = tx.msgSeqNum - 1;
    const end = requestedEnd === 0 || !Number.isInteger(requestedEnd) || requestedEnd > last ? last : requestedEnd;
    if (end < begin) return;
    this.resend(begin, end).catch((e: Error) => this.sessionLogger.error(e));
  }

  private async resend(begin: number, end: number): Promise<void> {
    const records = await this.sessionStore.getRange(begin, end);
    const bySeq = new Map<number, string>();
    for (const r of records) if (typeof r.encoded === 'string') bySeq.set(r.seqNum, r.encoded);
    let gapFrom = 0;
    for (let seq = begin; seq <= end; seq++) {
      const text = bySeq.get(seq);
      const m = text === undefined ? null : this.host.codec.decode(text);
      if (m === null || ADMIN_MSG_TYPES.has(m.msgType)) {
        if (gapFrom === 0) gapFrom = seq;
        continue;
      }
      if (gapFrom !== 0) this.gapFill(gapFrom, seq);
      gapFrom = 0;
      this.send(m.msgType, { ...m.body, StandardHeader: { MsgSeqNum: seq, PossDupFlag: true, SendingTime: m.sendingTime ?? new Date() } });
    }
    if (gapFrom !== 0) this.gapFill(gapFrom, end + 1);
  }

  /** SequenceReset-GapFill(4) standing in for `from`..`newSeqNo - 1`. */
  private gapFill(from: number, newSeqNo: number): void {
    this.send(FixMsgType.SequenceReset, { GapFillFlag: true, NewSeqNo: newSeqNo, StandardHeader: { MsgSeqNum: from, PossDupFlag: true, SendingTime: new Date() } });
  }
}
