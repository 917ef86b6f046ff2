// One FIX session's store for one trading day: its sequence numbers and every message it
// sent, for resends (FIX 4.4 Vol 2, "Message Recovery"). jspurefix's QuickFIX-format
// FileSessionStore does the files (.seqnums, .header, .body, .session); this wrapper
// serialises every write (the engine fires them without waiting), keeps the sequence
// numbers monotonic (jspurefix would rewind them when it resends an old message), writes
// .seqnums at most once per event-loop turn, and lets the acceptor append messages while
// the session is logged out (an execution while away), so a client logging on again gets
// them through its ResendRequest.
import { FileSessionStore, FixMsgStoreRecord, type IFixMsgStoreRecord, type IFixSessionStore, type SessionId } from 'jspurefix';

export class FixSessionStore implements IFixSessionStore {
  private readonly file: FileSessionStore;
  /** Next sequence number we send, and the next we expect from the peer. */
  private sender = 1;
  private target = 1;
  /** Highest sequence number stored: a resend of an older one is not stored again. */
  private highest = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private loaded = false;
  private seqDirty = false;

  constructor(
    readonly sessionId: SessionId,
    directory: string,
    private readonly onError: (error: Error) => void,
  ) {
    this.file = FileSessionStore.createWithFiles(sessionId, directory);
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
    return this.file.creationTime;
  }

  /** Loads the files once; resolves after every write queued before it (so the seqnums read are final). */
  initialize(): Promise<void> {
    return this.enqueue(() => this.load());
  }

  put(record: IFixMsgStoreRecord): Promise<void> {
    if (record.seqNum <= this.highest) return Promise.resolve();
    this.highest = record.seqNum;
    return this.enqueue(() => this.file.put(record));
  }

  /**
   * Appends a message sent while the session is logged out: `encode` gets its sequence
   * number and returns the whole message (SOH-delimited, as on the wire).
   */
  append(msgType: string, encode: (seqNum: number) => string): Promise<void> {
    return this.enqueue(async () => {
      await this.load();
      const seqNum = this.sender;
      const text = encode(seqNum);
      this.setSender(seqNum + 1);
      this.highest = seqNum;
      await this.file.put(new FixMsgStoreRecord(msgType, new Date(), seqNum, undefined, text));
    });
  }

  get(seqNum: number): Promise<IFixMsgStoreRecord | null> {
    return this.enqueue(() => this.file.get(seqNum));
  }

  getRange(fromSeqNum: number, toSeqNum: number): Promise<IFixMsgStoreRecord[]> {
    return this.enqueue(() => this.file.getRange(fromSeqNum, toSeqNum));
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
    this.sender = 1;
    this.target = 1;
    this.highest = 0;
    return this.enqueue(() => this.file.reset());
  }

  flush(): Promise<void> {
    return this.enqueue(() => this.writeSeqNums()).then(() => this.file.flush());
  }

  dispose(): Promise<void> {
    return this.enqueue(() => this.writeSeqNums()).then(() => this.file.dispose());
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    await this.file.initialize();
    this.sender = Math.max(this.sender, this.file.senderSeqNum);
    this.target = this.file.targetSeqNum;
    // .seqnums is written lazily: messages stored past it still count as sent.
    while ((await this.file.get(this.sender)) !== null) this.sender++;
    this.highest = this.sender - 1;
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
      this.enqueue(() => this.writeSeqNums()).catch(() => undefined);
    });
  }

  private writeSeqNums(): Promise<void> {
    this.file.senderSeqNum = this.sender;
    this.file.targetSeqNum = this.target;
    return this.file.setTargetSeqNum(this.target);
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch((error: Error) => this.onError(error));
    return run;
  }
}
