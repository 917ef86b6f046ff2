// One FIX session's store for one trading day: its sequence numbers and every message it
// sent, for resends (FIX 4.4 Vol 2, "Message Recovery"), in QuickFIX's file format (.body,
// .header "seq,offset,length" lines, .seqnums "%20d : %20d", .session), the one jspurefix's
// FileSessionStore reads.
//
// Written here rather than through FileSessionStore, because a message must be in the store
// before it is on the wire: FixOrderSession.storeBeforeSend hands each message to put() as
// soon as jspurefix has encoded it, before the push to the socket, and put() writes body and
// header synchronously (at once, or, while the session has corked its socket for a turn,
// all of the turn's at release(), just before the uncork), so a process killed at any
// instant has stored every message a counterparty could have received (FileSessionStore
// appends the header line on the thread pool, and jspurefix calls it after the push: after a
// SIGKILL the store was behind what the client had, and the next Logon carried a MsgSeqNum
// too low for the client, which ends the session). .seqnums is rewritten in place (one
// 43-byte write at offset 0, never truncated first) at most once per event-loop turn:
// our next sequence number is also read from the header (the highest stored + 1), and a
// lagging inbound number only makes us ask for messages again (PossDup, answered by status).
// Not fsynced per message: flush() and dispose() fsync; a machine crash can lose the tail.
//
// The acceptor appends messages while the session is logged out (an execution while away),
// so a client logging on again gets them through its ResendRequest.
import * as fs from 'node:fs';
import { FixMsgStoreRecord, type IFixMsgStoreRecord, type IFixSessionStore, type SessionId } from 'jspurefix';

const SEQNUMS_WIDTH = 20;

export class FixSessionStore implements IFixSessionStore {
  /** Next sequence number we send, and the next we expect from the peer. */
  private sender = 1;
  private target = 1;
  /** Highest sequence number stored: a resend of an older one is not stored again. */
  private highest = 0;
  private readonly index = new Map<number, { offset: number; length: number }>();
  private readonly paths: { body: string; header: string; seqnums: string; session: string };
  private bodyFd: number | null = null;
  private headerFd: number | null = null;
  private seqnumsFd: number | null = null;
  private bodySize = 0;
  private created = new Date();
  private loaded = false;
  private seqDirty = false;
  /** Between hold() and release(): the messages' bytes and header lines not written yet. */
  private holding = false;
  private heldBody: Buffer[] = [];
  private heldHeader = '';

  constructor(
    readonly sessionId: SessionId,
    directory: string,
    private readonly onError: (error: Error) => void,
  ) {
    fs.mkdirSync(directory, { recursive: true });
    this.paths = {
      body: sessionId.getFilePath(directory, 'body'),
      header: sessionId.getFilePath(directory, 'header'),
      seqnums: sessionId.getFilePath(directory, 'seqnums'),
      session: sessionId.getFilePath(directory, 'session'),
    };
  }

  get senderSeqNum(): number {
    return this.sender;
  }

  set senderSeqNum(value: number) {
    this.setSender(value);
  }

  get targetSeqNum(): number {
    return this.target;
  }

  set targetSeqNum(value: number) {
    this.target = value;
    this.markSeqNums();
  }

  get creationTime(): Date {
    return this.created;
  }

  /** Loads the files once (every write is synchronous: the numbers read are final). */
  initialize(): Promise<void> {
    return this.guard(() => this.load());
  }

  /** Stores a sent message before it reaches the socket (called from jspurefix's txOnEncoded). */
  put(record: IFixMsgStoreRecord): Promise<void> {
    if (record.seqNum <= this.highest) return Promise.resolve();
    return this.guard(() => {
      this.load();
      if (record.seqNum <= this.highest) return;
      if (record.encoded == null) throw new Error(`FIX store: message ${record.seqNum} has no encoded text`);
      this.write(record.seqNum, record.encoded);
    });
  }

  /**
   * Appends a message sent while the session is logged out: `encode` gets its sequence
   * number and returns the whole message (SOH-delimited, as on the wire).
   */
  append(_msgType: string, encode: (seqNum: number) => string): Promise<void> {
    return this.guard(() => {
      this.load();
      const seqNum = this.sender;
      this.write(seqNum, encode(seqNum));
      this.setSender(seqNum + 1);
    });
  }

  get(seqNum: number): Promise<IFixMsgStoreRecord | null> {
    try {
      this.load();
      this.writeHeld();
      return Promise.resolve(this.read(seqNum));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  getRange(fromSeqNum: number, toSeqNum: number): Promise<IFixMsgStoreRecord[]> {
    try {
      this.load();
      this.writeHeld();
      const out: IFixMsgStoreRecord[] = [];
      for (let seq = fromSeqNum; seq <= toSeqNum; seq++) {
        const r = this.read(seq);
        if (r !== null) out.push(r);
      }
      return Promise.resolve(out);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  setSenderSeqNum(value: number): Promise<void> {
    this.setSender(value);
    return Promise.resolve();
  }

  setTargetSeqNum(value: number): Promise<void> {
    this.targetSeqNum = value;
    return Promise.resolve();
  }

  nextSenderSeqNum(): Promise<number> {
    this.setSender(this.sender + 1);
    return Promise.resolve(this.sender);
  }

  nextTargetSeqNum(): Promise<number> {
    this.targetSeqNum = this.target + 1;
    return Promise.resolve(this.target);
  }

  /** A sequence reset (ResetSeqNumFlag=Y): both back to 1, the stored messages dropped. */
  reset(): Promise<void> {
    return this.guard(() => {
      this.load();
      this.sender = 1;
      this.target = 1;
      this.highest = 0;
      this.index.clear();
      this.heldBody = [];
      this.heldHeader = '';
      this.bodySize = 0;
      fs.ftruncateSync(this.fd('body'));
      fs.ftruncateSync(this.fd('header'));
      this.created = new Date();
      fs.writeFileSync(this.paths.session, formatTime(this.created));
      this.writeSeqNums();
    });
  }

  /** Writes the sequence numbers and fsyncs every file. */
  flush(): Promise<void> {
    return this.guard(() => {
      if (!this.loaded) return;
      this.writeHeld();
      this.writeSeqNums();
      for (const fd of [this.bodyFd, this.headerFd, this.seqnumsFd]) if (fd !== null) fs.fsyncSync(fd);
    });
  }

  dispose(): Promise<void> {
    return this.flush().finally(() => {
      for (const fd of [this.bodyFd, this.headerFd, this.seqnumsFd]) if (fd !== null) fs.closeSync(fd);
      this.bodyFd = null;
      this.headerFd = null;
      this.seqnumsFd = null;
      this.loaded = false;
      this.index.clear();
    });
  }

  private load(): void {
    if (this.loaded) return;
    this.bodyFd = fs.openSync(this.paths.body, 'a+');
    this.headerFd = fs.openSync(this.paths.header, 'a');
    this.bodySize = fs.fstatSync(this.bodyFd).size;
    this.loaded = true;
    const session = readIfExists(this.paths.session);
    const created = session === null ? null : parseTime(session.trim());
    if (created === null) fs.writeFileSync(this.paths.session, formatTime(this.created));
    else this.created = created;
    // A header line is written after its body, both before the message is sent: a torn last line is a message never sent.
    for (const line of (readIfExists(this.paths.header) ?? '').split('\n')) {
      const m = /^(\d+),(\d+),(\d+)$/.exec(line.trim());
      if (m === null) continue;
      const [seq, offset, length] = [Number(m[1]), Number(m[2]), Number(m[3])];
      if (offset + length > this.bodySize) continue;
      this.index.set(seq, { offset, length });
      if (seq > this.highest) this.highest = seq;
    }
    const seqnums = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(readIfExists(this.paths.seqnums) ?? '');
    this.sender = Math.max(this.sender, seqnums === null ? 1 : Number(seqnums[1]), this.highest + 1);
    // No readable number: from 1, so the peer is asked for everything (resends of orders taken are answered by status).
    this.target = seqnums === null ? 1 : Number(seqnums[2]);
  }

  /**
   * Gathers put()'s writes until release(): the session holds its store while its socket is
   * corked for one turn (FixOrderSession.corkForTurn), and releases it just before the
   * uncork, so a turn's messages cost one write to each file instead of two per message, and
   * none reaches the wire before it is stored.
   */
  hold(): void {
    this.holding = true;
  }

  /** Writes what was gathered since hold(). */
  release(): void {
    this.holding = false;
    if (this.heldBody.length > 0) this.guard(() => this.writeHeld()).catch(() => undefined);
  }

  private write(seqNum: number, text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    const offset = this.bodySize;
    const line = `${seqNum},${offset},${bytes.length}\n`;
    if (this.holding) {
      this.heldBody.push(bytes);
      this.heldHeader += line;
    } else {
      fs.writeSync(this.fd('body'), bytes);
      fs.writeSync(this.fd('header'), line);
    }
    this.bodySize += bytes.length;
    this.index.set(seqNum, { offset, length: bytes.length });
    this.highest = seqNum;
  }

  /** Bodies first, then their header lines: a torn header line is a message never sent (load()). */
  private writeHeld(): void {
    const body = this.heldBody;
    const header = this.heldHeader;
    this.heldBody = [];
    this.heldHeader = '';
    if (body.length === 0) return;
    const fd = this.fd('body');
    let written = fs.writevSync(fd, body);
    let total = 0;
    for (const b of body) total += b.length;
    // writev may write less than asked (a signal, a full pipe): the rest goes after it.
    if (written < total) {
      const all = Buffer.concat(body);
      while (written < total) written += fs.writeSync(fd, all, written, total - written);
    }
    fs.writeSync(this.fd('header'), header);
  }

  private read(seqNum: number): IFixMsgStoreRecord | null {
    const at = this.index.get(seqNum);
    if (at === undefined) return null;
    const buf = Buffer.alloc(at.length);
    const n = fs.readSync(this.fd('body'), buf, 0, at.length, at.offset);
    if (n !== at.length) return null;
    const text = buf.toString('utf8');
    const sendingTime = tag(text, 52);
    return new FixMsgStoreRecord(tag(text, 35) ?? '', (sendingTime === null ? null : parseTime(sendingTime)) ?? new Date(0), seqNum, undefined, text);
  }

  private fd(which: 'body' | 'header'): number {
    const fd = which === 'body' ? this.bodyFd : this.headerFd;
    if (fd === null) throw new Error('FIX store: not loaded');
    return fd;
  }

  /** Never backwards, but for reset(): a resend passes old numbers through here. */
  private setSender(value: number): void {
    if (value <= this.sender) return;
    this.sender = value;
    this.markSeqNums();
  }

  private markSeqNums(): void {
    if (this.seqDirty) return;
    this.seqDirty = true;
    setImmediate(() => {
      this.seqDirty = false;
      if (this.loaded) this.guard(() => this.writeSeqNums()).catch(() => undefined);
    });
  }

  /** In place, one write at offset 0 of a fixed width: a kill leaves the old or the new numbers, never none. */
  private writeSeqNums(): void {
    this.seqnumsFd ??= fs.openSync(this.paths.seqnums, fs.existsSync(this.paths.seqnums) ? 'r+' : 'w+');
    const text = `${String(this.sender).padStart(SEQNUMS_WIDTH, ' ')} : ${String(this.target).padStart(SEQNUMS_WIDTH, ' ')}`;
    fs.writeSync(this.seqnumsFd, text, 0, 'utf8');
  }

  private guard(work: () => void): Promise<void> {
    try {
      work();
      return Promise.resolve();
    } catch (error) {
      this.onError(error as Error);
      return Promise.reject(error);
    }
  }
}

/** A tag's value in an SOH-delimited message (not the first field). */
function tag(text: string, n: number): string | null {
  const key = `\x01${n}=`;
  const at = text.indexOf(key);
  if (at < 0) return null;
  const end = text.indexOf('\x01', at + key.length);
  return text.slice(at + key.length, end < 0 ? text.length : end);
}

function readIfExists(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** QuickFIX's session time: YYYYMMDD-HH:MM:SS.ssssss (UTC). */
function formatTime(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000`;
}

function parseTime(text: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2}):(\d{2}):(\d{2})(?:\.(\d{3,6}))?$/.exec(text);
  if (m === null) return null;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), m[7] === undefined ? 0 : Number(m[7].slice(0, 3))));
}
