// The book's error catalogue: integrity errors found while applying the feed. None of
// them is applied to the book; each is counted, kept in a small ring of recent errors
// with the sequence number of the message that caused it, and passed to a listener.
import { errorCatalogue } from '../protocol';

const INTEGRITY = errorCatalogue({
  /** An add or replace that would leave the book crossed or locked at rest while trading. */
  Crossed: [1, 'TW_ERR_BOOK_CROSSED'],
  /** An execution of more shares than the order has. */
  OverExecution: [2, 'TW_ERR_BOOK_OVER_EXECUTION'],
  /** A cancel of more shares than the order has. */
  OverCancel: [3, 'TW_ERR_BOOK_OVER_CANCEL'],
  /** A level whose total would go below zero (its orders and its total disagree). */
  NegativeLevel: [4, 'TW_ERR_BOOK_NEGATIVE_LEVEL'],
  /** An add or replace with an order ref already on the book. */
  DuplicateRef: [5, 'TW_ERR_BOOK_DUPLICATE_REF'],
  /** A message whose stock locate is not the locate of the order it names. */
  LocateMismatch: [6, 'TW_ERR_BOOK_LOCATE_MISMATCH'],
  /** An add or replace of zero shares, or a stock locate of 0 on an order. */
  BadOrder: [7, 'TW_ERR_BOOK_BAD_ORDER'],
}, { zero: 'TW_OK', unknownPrefix: 'TW_ERR_BOOK_UNKNOWN_' });
export const Integrity = INTEGRITY.codes;
export type Integrity = (typeof Integrity)[keyof typeof Integrity];

/** Code 0 (TW_OK) included: the size of a count array indexed by code. */
export const INTEGRITY_KINDS = INTEGRITY.kinds;

export const integrityName: (code: number) => string = INTEGRITY.name;

/** Told about each integrity error as it happens (e.g. to ask for a snapshot). */
export interface IntegrityListener {
  onIntegrityError(code: number, sequence: number, locate: number, orderRef: number): void;
}

/** One reported integrity error (built on demand, off the hot path). */
export interface IntegrityRecord {
  code: string;
  sequence: number;
  locate: number;
  orderRef: number;
}

/** Counts by code and a ring of the most recent errors, in typed arrays. */
export class IntegrityLog {
  readonly counts = new Float64Array(INTEGRITY_KINDS);
  total = 0;
  private readonly capacity: number;
  private readonly seq: Float64Array;
  private readonly ref: Float64Array;
  private readonly locate: Uint16Array;
  private readonly code: Uint8Array;
  private next = 0;

  constructor(capacity = 256) {
    this.capacity = capacity;
    this.seq = new Float64Array(capacity);
    this.ref = new Float64Array(capacity);
    this.locate = new Uint16Array(capacity);
    this.code = new Uint8Array(capacity);
  }

  record(code: number, sequence: number, locate: number, orderRef: number): void {
    this.counts[code]++;
    this.total++;
    const i = this.next;
    this.seq[i] = sequence;
    this.ref[i] = orderRef;
    this.locate[i] = locate;
    this.code[i] = code;
    this.next = i + 1 === this.capacity ? 0 : i + 1;
  }

  /** The most recent errors, oldest first (up to the ring's capacity). */
  recent(): IntegrityRecord[] {
    const n = Math.min(this.total, this.capacity);
    const out: IntegrityRecord[] = [];
    for (let k = 0; k < n; k++) {
      const i = (this.next - n + k + this.capacity) % this.capacity;
      out.push({ code: integrityName(this.code[i]), sequence: this.seq[i], locate: this.locate[i], orderRef: this.ref[i] });
    }
    return out;
  }

  /** Counts keyed by TW_ERR_BOOK_ code, only those seen. */
  byCode(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let c = 1; c < INTEGRITY_KINDS; c++) if (this.counts[c] > 0) out[integrityName(c)] = this.counts[c];
    return out;
  }
}
