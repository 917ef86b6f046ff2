// The wire's error catalogue. Decoders never throw on bad input: they return a numeric
// fault code (cheap on a hot path) and the byte offset where it was found; `faultName`
// and `ProtocolError` turn that into the stable `TW_ERR_...` code and a sentence for logs.
import { errorCatalogue } from './error-catalogue';

/** Numeric fault codes returned by decoders and parsers (0 is success). */
const FAULTS = errorCatalogue({
  None: [0, 'TW_OK'],
  /** Fewer bytes than the message, frame or packet needs. */
  Truncated: [1, 'TW_ERR_TRUNCATED', 'the input ends inside a message; if it is a file, it was cut short'],
  /** A message type letter that ITCH 5.0 does not define. */
  UnknownType: [2, 'TW_ERR_UNKNOWN_TYPE', 'the sender speaks something other than ITCH 5.0, or the framing slipped'],
  /** A length prefix that disagrees with the message type's fixed length. */
  LengthMismatch: [3, 'TW_ERR_LENGTH_MISMATCH', 'the length prefix is trusted for framing and the message is skipped'],
  /** A Price(4) above 200,000.0000 (FEED.md, ITCH 5.0 messages). */
  PriceOverMax: [4, 'TW_ERR_PRICE_OVER_MAX', 'the price is over 200,000.0000; the message is skipped'],
  /** A side byte other than 'B' or 'S'. */
  BadSide: [5, 'TW_ERR_BAD_SIDE', 'side must be B or S; the message is skipped'],
  /** A printable flag other than 'Y' or 'N'. */
  BadPrintable: [6, 'TW_ERR_BAD_PRINTABLE', 'printable must be Y or N; the message is skipped'],
  /** A u64 (order ref, match number) at or above 2^53: it would not survive a JS number. */
  U64OverSafe: [7, 'TW_ERR_U64_OVER_SAFE', 'the value is at or above 2^53 and cannot be held exactly; the message is skipped'],
  /** MoldUDP64: the blocks do not add up to the packet, or the count disagrees with them. */
  MoldBadBlocks: [8, 'TW_ERR_MOLD_BAD_BLOCKS', 'the packet is dropped whole; recover the range by retransmission'],
  /** MoldUDP64: bytes after the last message block, or after a heartbeat's header. */
  MoldTrailingBytes: [9, 'TW_ERR_MOLD_TRAILING_BYTES', 'the packet is dropped whole; recover the range by retransmission'],
  /** MoldUDP64: a packet for a session other than the one expected. */
  MoldWrongSession: [10, 'TW_ERR_MOLD_WRONG_SESSION', 'the packet is for another session and is ignored; check the feed configuration'],
  /** SoupBinTCP: a frame type that SoupBinTCP 4.0 does not define. */
  SoupUnknownType: [11, 'TW_ERR_SOUP_UNKNOWN_TYPE', 'the frame is skipped; check that the peer speaks SoupBinTCP 4.0'],
  /** SoupBinTCP: a frame whose length is wrong for its type (or zero). */
  SoupBadLength: [12, 'TW_ERR_SOUP_BAD_LENGTH', 'the frame is skipped; check that the peer speaks SoupBinTCP 4.0'],
  /** SoupBinTCP: a numeric field that is not ASCII digits. */
  SoupBadField: [13, 'TW_ERR_SOUP_BAD_FIELD', 'the frame is skipped; a numeric field must be ASCII digits padded with spaces'],
  /** ITCH file: framing lost (length 0 and an unknown type); bytes were skipped to the next plausible message. */
  Resync: [14, 'TW_ERR_RESYNC', 'bytes were skipped until two consecutive messages parsed again'],
  /** An ASCII numeric field (snapshot sequence) that is not digits. */
  BadNumericField: [15, 'TW_ERR_BAD_NUMERIC_FIELD', 'the field must be ASCII digits padded with spaces'],
  /** A retransmission request that is not exactly 20 bytes. */
  MoldBadRequest: [16, 'TW_ERR_MOLD_BAD_REQUEST', 'a retransmission request is exactly 20 bytes: session, sequence, count'],
}, { unknownPrefix: 'TW_ERR_UNKNOWN_FAULT_' });
export const Fault = FAULTS.codes;
export type Fault = (typeof Fault)[keyof typeof Fault];

/** The stable `TW_ERR_...` code of a numeric fault. */
export const faultName: (fault: number) => string = FAULTS.name;

const ADVICE = FAULTS.hints;

/** A wire error for reporting (built off the hot path, from a fault code and its offset). */
export class ProtocolError extends Error {
  readonly code: string;
  readonly fault: number;
  /** Byte offset in the input (file, packet or stream) where the fault was found. */
  readonly offset: number;

  constructor(fault: number, offset: number, detail = '') {
    const name = faultName(fault);
    super(`${name} at byte ${offset}${detail ? `: ${detail}` : ''} (${ADVICE[fault] ?? 'see protocol/errors.ts'})`);
    this.name = 'ProtocolError';
    this.code = name;
    this.fault = fault;
    this.offset = offset;
  }
}

/** A session name or session date that cannot go on the wire: TW_ERR_BAD_SESSION, TW_ERR_BAD_SESSION_DATE. */
export class SessionNameError extends Error {
  readonly code: 'TW_ERR_BAD_SESSION' | 'TW_ERR_BAD_SESSION_DATE';
  /** The sentence without the code, for a caller that reports it under its own code. */
  readonly detail: string;

  constructor(code: 'TW_ERR_BAD_SESSION' | 'TW_ERR_BAD_SESSION_DATE', detail: string) {
    super(`${code}: ${detail}`);
    this.name = 'SessionNameError';
    this.code = code;
    this.detail = detail;
  }
}
