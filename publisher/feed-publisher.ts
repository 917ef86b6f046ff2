// The publishing pipeline without sockets: engine events in, MoldUDP64 packets out.
//
// For each engine event (protocol/engine-events.ts) the publisher writes the ITCH 5.0
// message it maps to (FEED.md, "ITCH 5.0 messages") straight into the message store's next
// slot, gives it the next MoldUDP64 sequence number, copies it into the packet being built,
// and applies those same bytes to its own MarketBooks, so its books and candles are exactly
// what a feed handler rebuilds from the wire. A packet is sent when the next message would
// not fit, at the end of every event group (all events one command caused; flag bit 0), and
// when a timer calls flush() (maxDelayUs, in the socket layer).
//
// Hot path (STYLE.md): no object, closure or string per event; typed-array reads of the
// event record in place; encoders bound to module-level consts (CommonJS re-exports
// through protocol/index are getters).

import type { ListedSymbol, TickwireConfig } from '../config';
import { listing } from '../config';
import * as protocol from '../protocol';
import { MoldUdp64Packetizer, type EngineEventHandler, type EngineEventView } from '../protocol';
import { MarketBooks, type MarketBooksOptions, type MarketDataListener, type MarketDataSource, type MarketDataStatus } from '../book';
import { EVENT_FAULT_KINDS, EventFault, PublisherError, type EventFaultListener } from './errors';
import { MessageStore } from './message-store';
import type { PacketSink } from './packet-sink';
import { DEFAULT_DIRECTORY_FIELDS } from './symbol-directory';

const encodeSystemEvent = protocol.encodeSystemEvent;
const encodeStockDirectory = protocol.encodeStockDirectory;
const encodeStockTradingAction = protocol.encodeStockTradingAction;
const encodeAddOrder = protocol.encodeAddOrder;
const encodeOrderExecuted = protocol.encodeOrderExecuted;
const encodeOrderCancel = protocol.encodeOrderCancel;
const encodeOrderDelete = protocol.encodeOrderDelete;
const encodeOrderReplace = protocol.encodeOrderReplace;

// Message lengths (FEED.md table), read once at load.
const LEN_S = protocol.ItchLength.SystemEvent;
const LEN_R = protocol.ItchLength.StockDirectory;
const LEN_H = protocol.ItchLength.StockTradingAction;
const LEN_A = protocol.ItchLength.AddOrder;
const LEN_E = protocol.ItchLength.OrderExecuted;
const LEN_X = protocol.ItchLength.OrderCancel;
const LEN_D = protocol.ItchLength.OrderDelete;
const LEN_U = protocol.ItchLength.OrderReplace;
/** Price(4) maximum, 200,000.0000 (FEED.md): a larger price would not decode on the wire. */
const MAX_PRICE = protocol.ITCH_MAX_PRICE;
/** MoldUDP64 header (20) + block length (2) + the longest message (R, 39). */
const MIN_PAYLOAD_BYTES = protocol.MOLD_HEADER_SIZE + 2 + LEN_R;

const SYS_START_OF_SYSTEM_HOURS = 0x53; // 'S'
const SYS_END_OF_MESSAGES = 0x43; // 'C'

/** System event codes FEED.md allows (type S, 11/1). */
const SYSTEM_CODE_OK = new Uint8Array(256);
for (const c of 'OSQMEC') SYSTEM_CODE_OK[c.charCodeAt(0)] = 1;
/** Trading states FEED.md allows (type H, 19/1). */
const TRADING_STATE_OK = new Uint8Array(256);
for (const c of 'HPQT') TRADING_STATE_OK[c.charCodeAt(0)] = 1;

export interface FeedPublisherOptions {
  /** Where finished packets go (the feed lines; a MemoryPacketSink in tests). */
  sink: PacketSink;
  /** The symbol directory: one R per symbol, by stock locate (config/listing.ts). */
  symbols: readonly ListedSymbol[];
  /** Trading day, YYYY-MM-DD (New York): names the session and aligns the candles. */
  sessionDate: string;
  /** MoldUDP64 session, up to 10 ASCII characters; '' or absent: "TW" + YYYYMMDD. */
  session?: string;
  /** Largest UDP payload in bytes (default 1,472, FEED.md). */
  maxPayloadBytes?: number;
  /** Messages kept for retransmission (default 2^21). */
  storeCapacity?: number;
  /** Sizes of the publisher's own books (the session date is set from `sessionDate`). */
  books?: Omit<MarketBooksOptions, 'sessionDate'>;
  /** Told about each bad engine event. */
  faultListener?: EventFaultListener | null;
  /**
   * Send the packet at the end of every event group. Default false, as issue 4 asks: a
   * packet goes out when full, when the batch of events the caller drained ends (it calls
   * `flush()`), or after maxDelayUs, so packets fill under load. True sends one packet
   * per command at the least: ~215,000 packets/s per line at the design peak.
   */
  flushOnGroupEnd?: boolean;
}

/** FeedPublisherOptions from the configuration: the listing of `sim.symbols` and the `publisher` section. */
export function feedPublisherOptions(config: TickwireConfig, sessionDate: string, sink: PacketSink): FeedPublisherOptions {
  return {
    sink,
    symbols: listing(config.sim.symbols),
    sessionDate,
    session: config.publisher.session,
    flushOnGroupEnd: config.publisher.flushOnGroupEnd,
    maxPayloadBytes: config.publisher.maxPayloadBytes,
    storeCapacity: config.publisher.storeCapacity,
    books: { orderCapacity: config.engine.orderCapacity },
  };
}

export class FeedPublisher implements EngineEventHandler, MarketDataSource {
  readonly session: string;
  readonly sessionDate: string;
  /** The publisher's books and candles, built from exactly the bytes it sends. */
  readonly books: MarketBooks;
  /** Every sent message by sequence number (for the rewinder). */
  readonly store: MessageStore;
  /** The symbol directory, by locate order. */
  readonly symbols: readonly ListedSymbol[];
  /** Counts of engine event faults, by EventFault code. */
  readonly faults = new Float64Array(EVENT_FAULT_KINDS);
  /** Engine events received. */
  events = 0;
  /** Engine events not published (bad input, counted by code in `faults`). */
  skippedEvents = 0;
  lastFaultCode = 0;
  /** Engine sequence of the last faulty event. */
  lastFaultEngineSequence = 0;
  /** The Stock Directory went out (after Start of System Hours). */
  directorySent = false;
  /** End of Messages (S C) went out: the session is over. */
  ended = false;
  /** Always true: the publisher's books are what it sent (MarketDataSource). */
  readonly valid = true;
  /** Listeners that threw (each error is caught, counted and the last kept; publishing goes on). */
  listenerErrors = 0;
  lastListenerError = '';

  private listeners: MarketDataListener[] = [];
  /** listeners.length, read on the hot path without a property chain. */
  private listenerCount = 0;
  /** listeners[0], listeners[1] and the rest (seatListeners). */
  private listener0: MarketDataListener | null = null;
  private listener1: MarketDataListener | null = null;
  private moreListeners: MarketDataListener[] = [];
  private readonly packetizer: MoldUdp64Packetizer;
  private readonly packet: Uint8Array;
  private readonly storeBytes: Uint8Array;
  private readonly tickers: string[] = new Array<string>(65536).fill('');
  private readonly listed = new Uint8Array(65536);
  private readonly listener: EventFaultListener | null;
  private readonly firstSequence: number;
  private nextEngineSequence = 0;
  /** EVENT_FLAG_GROUP_END when flushing at group ends, 0 when the caller flushes per batch. */
  private readonly flushMask: number;

  constructor(options: FeedPublisherOptions) {
    this.sessionDate = options.sessionDate;
    this.session = publisherSessionName(options.session ?? '', options.sessionDate);
    const maxPayload = options.maxPayloadBytes ?? protocol.MOLD_DEFAULT_MAX_PAYLOAD;
    if (!Number.isInteger(maxPayload) || maxPayload < MIN_PAYLOAD_BYTES || maxPayload > 65507) {
      throw new PublisherError(
        'TW_ERR_PUB_BAD_CONFIG',
        `maxPayloadBytes must be an integer in ${MIN_PAYLOAD_BYTES}..65507 (a packet must hold the longest message, R), got ${maxPayload}; set publisher.maxPayloadBytes`,
      );
    }
    const symbols = [...options.symbols].sort((a, b) => a.locate - b.locate);
    for (const s of symbols) {
      if (!Number.isInteger(s.locate) || s.locate < 1 || s.locate > 65535 || this.listed[s.locate] !== 0) {
        throw new PublisherError('TW_ERR_PUB_BAD_CONFIG', `symbol ${s.ticker}: stock locate ${s.locate} is not in 1..65535 or is listed twice`);
      }
      if (s.ticker.length < 1 || s.ticker.length > 8 || !/^[\x21-\x7e]+$/.test(s.ticker)) {
        throw new PublisherError('TW_ERR_PUB_BAD_CONFIG', `symbol at locate ${s.locate}: ticker "${s.ticker}" must be 1 to 8 printable ASCII characters (ITCH Stock, 8 bytes)`);
      }
      this.listed[s.locate] = 1;
      this.tickers[s.locate] = s.ticker;
    }
    this.symbols = symbols;
    this.store = new MessageStore(options.storeCapacity, 1);
    this.storeBytes = this.store.bytes;
    this.firstSequence = 1;
    this.packetizer = new MoldUdp64Packetizer(options.sink, { session: this.session, nextSequence: 1, maxPayloadBytes: maxPayload });
    this.packet = this.packetizer.buffer;
    this.books = new MarketBooks({ ...options.books, sessionDate: options.sessionDate });
    this.listener = options.faultListener ?? null;
    this.flushMask = options.flushOnGroupEnd === true ? 1 : 0;
  }

  /** Sequence number the next message gets. */
  get nextSequence(): number {
    return this.store.nextSequence;
  }

  /** Messages published this session. */
  get messages(): number {
    return this.store.nextSequence - this.firstSequence;
  }

  /** Messages waiting in the part-filled packet. */
  get pendingCount(): number {
    return this.packetizer.pendingCount;
  }

  /** Packets sent (data, heartbeat and end of session). */
  get packetsSent(): number {
    return this.packetizer.packetsSent;
  }

  /** Largest UDP payload of a packet. */
  get maxPayloadBytes(): number {
    return this.packetizer.maxPayloadBytes;
  }

  /** The last sequence number given out (MarketDataSource). */
  get sequence(): number {
    return this.store.nextSequence - 1;
  }

  /**
   * MarketDataSource: `listener` hears every message after the books applied it, and the
   * end of every engine event group (a consistent book). One branch per message when none.
   */
  subscribe(listener: MarketDataListener): () => void {
    this.listeners = [...this.listeners, listener];
    this.seatListeners();
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
      this.seatListeners();
    };
  }

  /**
   * The first two listeners get a call site each (listener0, listener1), the rest share a
   * loop. `tickwire run` has two, the gateway's registry and the storage tap: one shared call
   * site would see both classes and go polymorphic (a map check per call, and V8 inlines
   * neither); a site each stays monomorphic. bench:storage's interleaved tap figure did not
   * move beyond its noise with it (0.93-0.95 before and after), so this is hygiene, not a
   * measured gain.
   */
  private seatListeners(): void {
    const ls = this.listeners;
    this.listenerCount = ls.length;
    this.listener0 = ls.length > 0 ? ls[0] : null;
    this.listener1 = ls.length > 1 ? ls[1] : null;
    this.moreListeners = ls.slice(2);
  }

  /** Sends the part-filled packet, if any (the maxDelayUs timer calls this). */
  flush(): void {
    this.packetizer.flush();
  }

  /** Sends pending messages, then a heartbeat (count 0, sequence = next expected; FEED.md). */
  heartbeat(): void {
    this.packetizer.heartbeat();
  }

  /** Sends pending messages, then an end-of-session packet (count 0xFFFF; FEED.md). Repeat it briefly at the end of the day. */
  endOfSession(): void {
    this.packetizer.endOfSession();
  }

  /** One engine event record, read in place at `view` byte offset `base`. */
  onEngineEvent(view: EngineEventView, base: number): void {
    this.events++;
    const u8 = view.u8;
    const type = u8[base];
    const flags = u8[base + 2];
    const f = base >> 3;
    const f64 = view.f64;
    const engineSeq = f64[f + 2];
    if (engineSeq !== this.nextEngineSequence && this.nextEngineSequence !== 0) this.fault(EventFault.EngineSequenceGap, engineSeq, type, false);
    this.nextEngineSequence = engineSeq + 1;

    if (this.ended) {
      this.fault(EventFault.AfterEndOfMessages, engineSeq, type, true);
    } else {
      const locate = view.u16[(base >> 1) + 2];
      const ts = f64[f + 3];
      const sb = this.storeBytes;
      // Literal type letters (protocol EngineEventType) so V8 can dispatch with a jump table.
      switch (type) {
        case 0x41: { // 'A' order rested -> Add Order
          const side = u8[base + 1];
          const price = view.u32[(base >> 2) + 3];
          if (this.listed[locate] === 0) this.fault(EventFault.BadLocate, engineSeq, type, true);
          else if (side !== 0x42 && side !== 0x53) this.fault(EventFault.BadSide, engineSeq, type, true);
          else if (price > MAX_PRICE) this.fault(EventFault.BadPrice, engineSeq, type, true);
          else {
            const at = this.packetizer.reserve(LEN_A);
            const o = this.store.writeOffset;
            encodeAddOrder(sb, o, locate, 0, ts, f64[f + 4], side, view.u32[(base >> 2) + 2], this.tickers[locate], price);
            this.finish(o, at, LEN_A);
          }
          break;
        }
        case 0x45: // 'E' execution against a resting order -> Order Executed (the book knows its price)
          if (this.listed[locate] === 0) this.fault(EventFault.BadLocate, engineSeq, type, true);
          else {
            const at = this.packetizer.reserve(LEN_E);
            const o = this.store.writeOffset;
            encodeOrderExecuted(sb, o, locate, 0, ts, f64[f + 4], view.u32[(base >> 2) + 2], f64[f + 6]);
            this.finish(o, at, LEN_E);
          }
          break;
        case 0x58: // 'X' partial cancel -> Order Cancel
          if (this.listed[locate] === 0) this.fault(EventFault.BadLocate, engineSeq, type, true);
          else {
            const at = this.packetizer.reserve(LEN_X);
            const o = this.store.writeOffset;
            encodeOrderCancel(sb, o, locate, 0, ts, f64[f + 4], view.u32[(base >> 2) + 2]);
            this.finish(o, at, LEN_X);
          }
          break;
        case 0x44: // 'D' -> Order Delete
          if (this.listed[locate] === 0) this.fault(EventFault.BadLocate, engineSeq, type, true);
          else {
            const at = this.packetizer.reserve(LEN_D);
            const o = this.store.writeOffset;
            encodeOrderDelete(sb, o, locate, 0, ts, f64[f + 4]);
            this.finish(o, at, LEN_D);
          }
          break;
        case 0x55: { // 'U' -> Order Replace (original ref, new ref, new shares, new price)
          const price = view.u32[(base >> 2) + 3];
          if (this.listed[locate] === 0) this.fault(EventFault.BadLocate, engineSeq, type, true);
          else if (price > MAX_PRICE) this.fault(EventFault.BadPrice, engineSeq, type, true);
          else {
            const at = this.packetizer.reserve(LEN_U);
            const o = this.store.writeOffset;
            encodeOrderReplace(sb, o, locate, 0, ts, f64[f + 4], f64[f + 5], view.u32[(base >> 2) + 2], price);
            this.finish(o, at, LEN_U);
          }
          break;
        }
        case 0x48: { // 'H' -> Stock Trading Action
          const state = u8[base + 3];
          if (this.listed[locate] === 0) this.fault(EventFault.BadLocate, engineSeq, type, true);
          else if (TRADING_STATE_OK[state] === 0) this.fault(EventFault.BadTradingState, engineSeq, type, true);
          else {
            const at = this.packetizer.reserve(LEN_H);
            const o = this.store.writeOffset;
            encodeStockTradingAction(sb, o, locate, 0, ts, this.tickers[locate], state, '');
            this.finish(o, at, LEN_H);
          }
          break;
        }
        case 0x53: // 'S' -> System Event
          this.systemEvent(u8[base + 3], ts, engineSeq);
          break;
        default:
          this.fault(EventFault.UnknownType, engineSeq, type, true);
      }
    }
    if ((flags & this.flushMask) !== 0) this.packetizer.flush(); // EVENT_FLAG_GROUP_END
    if (this.listenerCount !== 0 && (flags & 1) !== 0) this.notifyBoundary();
  }

  /**
   * The message just encoded at store offset `o` (reserved at packet offset `at`): copy it
   * into the packet, give it its sequence number, apply it to the books.
   */
  private finish(o: number, at: number, length: number): void {
    const sb = this.storeBytes;
    const pb = this.packet;
    for (let i = 0; i < length; i++) pb[at + i] = sb[o + i];
    const sequence = this.store.nextSequence;
    this.store.commit(length);
    if (this.books.decodeAndApply(sb, o, length, sequence) !== 0) this.fault(EventFault.BookDecodeFault, sequence, sb[o], false);
    else if (this.listenerCount !== 0) this.notifyMessage(sequence);
  }

  private notifyMessage(sequence: number): void {
    const m = this.books.message;
    const l0 = this.listener0;
    if (l0 !== null) {
      try {
        l0.onMessage(sequence, m);
      } catch (err) {
        this.listenerFailed(err);
      }
    }
    const l1 = this.listener1;
    if (l1 !== null) {
      try {
        l1.onMessage(sequence, m);
      } catch (err) {
        this.listenerFailed(err);
      }
    }
    const ls = this.moreListeners;
    for (let i = 0; i < ls.length; i++) {
      try {
        ls[i].onMessage(sequence, m);
      } catch (err) {
        this.listenerFailed(err);
      }
    }
  }

  private notifyBoundary(): void {
    const sequence = this.store.nextSequence - 1;
    const l0 = this.listener0;
    if (l0 !== null) {
      try {
        l0.onBoundary(sequence);
      } catch (err) {
        this.listenerFailed(err);
      }
    }
    const l1 = this.listener1;
    if (l1 !== null) {
      try {
        l1.onBoundary(sequence);
      } catch (err) {
        this.listenerFailed(err);
      }
    }
    const ls = this.moreListeners;
    for (let i = 0; i < ls.length; i++) {
      try {
        ls[i].onBoundary(sequence);
      } catch (err) {
        this.listenerFailed(err);
      }
    }
    if (this.ended) this.notifyStatus({ valid: true, sequence, ended: true });
  }

  private notifyStatus(status: MarketDataStatus): void {
    for (const l of this.listeners) {
      try {
        l.onStatus?.(status);
      } catch (err) {
        this.listenerFailed(err);
      }
    }
  }

  private listenerFailed(err: unknown): void {
    this.listenerErrors++;
    this.lastListenerError = err instanceof Error ? err.message : String(err);
  }

  /**
   * S, with the Stock Directory inserted after Start of System Hours (FEED.md: the day opens
   * S O, S S, R for every symbol, H, S Q) and the end of session after End of Messages.
   */
  private systemEvent(code: number, ts: number, engineSeq: number): void {
    if (SYSTEM_CODE_OK[code] === 0) {
      this.fault(EventFault.BadSystemCode, engineSeq, 0x53, true);
      return;
    }
    const sb = this.storeBytes;
    let at = this.packetizer.reserve(LEN_S);
    let o = this.store.writeOffset;
    encodeSystemEvent(sb, o, 0, ts, code);
    this.finish(o, at, LEN_S);
    if (code === SYS_START_OF_SYSTEM_HOURS && !this.directorySent) {
      this.directorySent = true;
      for (const s of this.symbols) {
        at = this.packetizer.reserve(LEN_R);
        o = this.store.writeOffset;
        encodeStockDirectory(sb, o, s.locate, 0, ts, s.ticker, DEFAULT_DIRECTORY_FIELDS);
        this.finish(o, at, LEN_R);
      }
    } else if (code === SYS_END_OF_MESSAGES) {
      // The last message of the session: send it now, then MoldUDP64 end of session.
      this.ended = true;
      this.packetizer.endOfSession();
    }
  }

  private fault(code: number, engineSequence: number, type: number, skipped: boolean): void {
    this.faults[code]++;
    if (skipped) this.skippedEvents++;
    this.lastFaultCode = code;
    this.lastFaultEngineSequence = engineSequence;
    if (this.listener !== null) this.listener.onEventFault(code, engineSequence, type);
  }
}

/** protocol/'s session name, its errors under the publisher's codes and with the setting to change. */
function publisherSessionName(configured: string, sessionDate: string): string {
  try {
    return protocol.resolveSessionName(configured, sessionDate);
  } catch (err) {
    if (!(err instanceof protocol.SessionNameError)) throw err;
    if (err.code === 'TW_ERR_BAD_SESSION_DATE') throw new PublisherError('TW_ERR_PUB_BAD_CONFIG', err.detail);
    throw new PublisherError('TW_ERR_PUB_BAD_SESSION', `${err.detail}; set publisher.session or leave it '' to derive it from the date`);
  }
}
