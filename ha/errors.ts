// ha/'s catalogue: replication, election and fencing problems, each a stable TW_ERR_HA_ code.
// Bad input from a peer is refused with one of these, counted by code, and never crashes a
// process; the connection it came on is closed (a byte stream cannot resynchronise).
import { errorCatalogue } from '../protocol';

const HA = errorCatalogue({
  BadFrame: [0, 'TW_ERR_HA_BAD_FRAME', 'a replication frame with a bad kind, size or layout: the connection is closed and the peer reconnects'],
  BadCrc: [1, 'TW_ERR_HA_BAD_CRC', "a replication frame whose CRC-32 does not match its body: the connection is closed"],
  FrameTooLarge: [2, 'TW_ERR_HA_FRAME_TOO_LARGE', 'a frame length over the limit: the connection is closed'],
  BadRecord: [3, 'TW_ERR_HA_BAD_RECORD', 'a journal record inside a batch with a bad length or CRC-32: the batch is refused'],
  SeqGap: [4, 'TW_ERR_HA_SEQ_GAP', 'a batch that does not follow the last sequence number held: refused; the standby asks again from its last one'],
  StaleEpoch: [5, 'TW_ERR_HA_STALE_EPOCH', "a batch or hello from an older leader's epoch: refused (a deposed primary)"],
  Ahead: [6, 'TW_ERR_HA_AHEAD', "a standby that holds more than the primary: refused; its journal has diverged and must be rebuilt from the primary's"],
  BadAck: [7, 'TW_ERR_HA_BAD_ACK', 'an acknowledgement of records never sent: ignored'],
  Refused: [8, 'TW_ERR_HA_REFUSED', 'the peer refused us (its reason follows)'],
  Fenced: [9, 'TW_ERR_HA_FENCED', 'this primary could not renew its lease in time: it stopped acknowledging and publishing'],
  Etcd: [10, 'TW_ERR_HA_ETCD', 'etcd could not be reached or answered an error'],
  Bind: [11, 'TW_ERR_HA_BIND', 'the replication port could not be opened: change ha.replication.port'],
  Io: [12, 'TW_ERR_HA_IO', 'the journal could not be read or written for replication'],
  Config: [14, 'TW_ERR_HA_CONFIG', 'ha settings that cannot work together: see the message'],
  SyncStandbyLost: [15, 'TW_ERR_HA_SYNC_STANDBY_LOST', 'the standby whose acknowledgements commit is gone: nothing commits until another level standby that holds everything committed is named in etcd'],
  NotSyncStandby: [16, 'TW_ERR_HA_NOT_SYNC_STANDBY', 'the leader key is free but etcd names another node the sync standby of this session: this node may lack committed records and does not campaign (delete the sync key by hand only if that node is lost for good)'],
  StaleJournal: [17, 'TW_ERR_HA_STALE_JOURNAL', "this primary's previous journal is not the session etcd says closed last, or lacks its end: it would open the day with wrong balances, so it fences itself and another node opens (copy that journal here to let this one)"],
  Diverged: [13, 'TW_ERR_HA_DIVERGED', "a standby whose last record differs from the primary's at the same sequence: refused; rebuild its journal from the primary's"],
});

export const HaError = HA.codes;
export type HaError = (typeof HA.codes)[keyof typeof HA.codes];
/** The stable name of a code, e.g. 'TW_ERR_HA_STALE_EPOCH'. */
export const haErrorName = HA.name;
export const HA_ERROR_KINDS = HA.kinds;

/** A problem with a stable code: what it was, where, and what to do. */
export class HaProblem extends Error {
  readonly code: string;
  constructor(
    readonly kind: HaError,
    detail: string,
  ) {
    const name = HA.name(kind) ?? 'TW_ERR_HA';
    super(`${name}: ${detail}${HA.hints[kind] ? ` (${HA.hints[kind]})` : ''}`);
    this.name = 'HaProblem';
    this.code = name;
  }
}

/** Counts refused input by code (index = code). */
export class HaErrorCounts {
  readonly counts = new Array<number>(HA_ERROR_KINDS).fill(0);
  last = '';
  count(kind: HaError, detail: string): void {
    this.counts[kind]++;
    this.last = `${HA.name(kind)}: ${detail}`;
  }
  of(kind: HaError): number {
    return this.counts[kind];
  }
  /** Non-zero counts by stable name. */
  toJSON(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let k = 0; k < this.counts.length; k++) if (this.counts[k] > 0) out[HA.name(k) as string] = this.counts[k];
    return out;
  }
}
