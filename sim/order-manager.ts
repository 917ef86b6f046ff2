// The order manager: client orders between the sequencer and the book. Every client
// command (account != 0) comes here in sequence order, live and in every replay: it checks
// the order (risk-checks.ts), reserves in the wallet (wallet.ts), hands the book a command
// it can match (a market order becomes IOC at the collar, so a fill never costs more than
// was reserved), settles the fills the engine reports, and tells the owner (reports).
//
// A client order's fields live in one 64-byte record (one cache line) indexed by the
// engine's own order slot (record = slot + 1), so a fill or a cancel finds them with no
// second ref lookup; record 0 holds the order being entered until the engine rests it.
// An order is found by its order id through the engine's ref index (the id is its first
// ref), or, once a replace has given it a new ref, through a small table. Reports
// (objects) are made only while a report sink is set: replays and benchmarks make none.
import type * as crypto from 'node:crypto';
import type { ExecutionReport, OrderEntryReport, OrderReport, OrderStatus, AccountReport } from '../protocol';
import { COMMAND_SIZE, CommandBuffer, CommandType, OrderType, TransferCode } from './command';
import { REJECT_CODES, RejectReason } from './errors';
import { MAX_PRICE, type ExecutionListener, type MatchingEngine } from './matching-engine';
import { RefTable } from './ref-table';
import type { RiskChecks } from './risk-checks';
import { HOUSE_SLOT, type Wallet } from './wallet';

// Module-local copies: imported constants are property reads on another module's exports.
const OK: RejectReason = RejectReason.None;
const R_BAD_TOKEN = RejectReason.BadClientOrderId;
const R_UNKNOWN_SYMBOL = RejectReason.UnknownSymbol;
const R_BAD_SIDE = RejectReason.BadSide;
const R_BAD_TYPE = RejectReason.BadOrderType;
const R_BAD_SHARES = RejectReason.BadShares;
const R_BAD_PRICE = RejectReason.BadPrice;
const R_UNKNOWN_ACCOUNT = RejectReason.UnknownAccount;
const R_DUPLICATE = RejectReason.DuplicateClientOrderId;
const R_FUNDS = RejectReason.InsufficientFunds;
const R_SHARES = RejectReason.InsufficientShares;
const R_SELF_MATCH = RejectReason.SelfMatch;
const CMD_NEW = CommandType.NewOrder;
const CMD_CANCEL = CommandType.Cancel;
const CMD_REPLACE = CommandType.Replace;
const CMD_TOKEN = CommandType.ClientToken;
const CMD_TRANSFER = CommandType.Transfer;
const CMD_SETTINGS = CommandType.AccountSettings;
const BUY = 0x42;
const SELL = 0x53;
const OT_LIMIT = OrderType.Limit;
const OT_IOC = OrderType.ImmediateOrCancel;
const OT_MARKET = OrderType.Market;
const WORDS = COMMAND_SIZE >> 2;

// Order records, 64 bytes (f64 index rec * 8 + F_, u32/i32 index rec * 16 + W_, u16 index
// rec * 32 + H_, u8 index rec * 64 + B_).
const REC_BYTES = 64;
const F_ORDER_ID = 0; // the N's sequence number
const F_FILLED = 1;
const F_NOTIONAL = 2; // filled shares x price
/** Buy: cash reserved per open share (its limit). Sell: 1 when its shares are reserved, 0 short. */
const F_RESERVE = 3;
const F_CREATION_NS = 4;
const F_UPDATE_NS = 5;
const W_REMAINING = 12; // u32: open shares
const W_WALLET = 13; // i32: the owner's wallet slot
const W_PRICE = 14; // i32: the limit (0 for a market order)
const H_LOCATE = 30;
const B_TYPE = 62; // 'L' | 'I' | 'M'
const B_FLAGS = 63;
const FLAG_BUY = 1;
/** Its ref is no longer its order id: `byOrderId` holds it. */
const FLAG_REPLACED = 2;
/** `tokens[rec]` holds its client order id (else it has none: ''). */
const FLAG_TOKEN = 4;
/** The record of the order being entered (a new order, before the engine rests it). */
const INCOMING = 0;

// Tags: one int32 per record (`tags[rec]`), what a cancel needs besides what the book holds
// (shares, price, side): 16 tags share a cache line where a record has one to itself, so
// a cancel reads no record. 0 marks a free record; a client order's is never 0 (its
// wallet slot is at least 1).
/** A sell whose shares are reserved (not short): F_RESERVE is 1. */
const TAG_SHARES_RESERVED = 1;
/** Its ref is no longer its order id (FLAG_REPLACED). */
const TAG_REPLACED = 2;
/** The wallet slot is the tag >>> TAG_WALLET_SHIFT. */
const TAG_WALLET_SHIFT = 2;

export type ReportSink = (report: OrderEntryReport) => void;

export class OrderManager implements ExecutionListener {
  private readonly engine: MatchingEngine;
  private readonly wallet: Wallet;
  private readonly risk: RiskChecks;
  private readonly symbols: number;
  private readonly tick: number;
  private readonly maxEngineShares: number;
  private readonly scratch = new CommandBuffer(1);

  // Order records (see the layout above): four views on one buffer.
  private capacity = 0;
  private f64 = new Float64Array(0);
  private u32 = new Uint32Array(0);
  private i32 = new Int32Array(0);
  private u16 = new Uint16Array(0);
  private u8 = new Uint8Array(0);
  /** Per record (see TAG_*): 0 when free. */
  private tags = new Int32Array(0);
  /** Client order ids by record, read only where FLAG_TOKEN says so (stale entries are never cleared). */
  private tokens: string[] = [];
  /** Order id -> record, for orders whose ref a replace changed. */
  private readonly byOrderId = new RefTable(64);
  /** Client order ids used today, per wallet slot. */
  private readonly usedTokens = new Map<number, Set<string>>();

  private pendingToken = '';
  private pendingTokenSeq = -1;
  private pendingTokenBad = false;
  /** The record of the client order the engine is entering now (its fills are the incoming side). */
  private incomingRec = -1;

  /** Where reports go (null: none are made). */
  sink: ReportSink | null = null;
  /** Inbound sequence -> the gateway's requestId, filled by the live path before a batch is submitted. */
  readonly requestIds = new Map<number, number>();
  /** Client orders open now. */
  openOrders = 0;
  /** Net transfers in (deposits minus withdrawals): cash, and shares per locate. */
  cashTransferred = 0;
  readonly sharesTransferred: Float64Array;

  constructor(engine: MatchingEngine, wallet: Wallet, risk: RiskChecks, options: { tickSize: number; maxOrderShares: number }) {
    this.engine = engine;
    this.wallet = wallet;
    this.risk = risk;
    this.symbols = engine.symbols;
    this.tick = options.tickSize;
    this.maxEngineShares = options.maxOrderShares;
    this.sharesTransferred = new Float64Array(engine.symbols + 1);
    // Engine slots are handed out from 0 up and reused, so the highest is about the most
    // orders resting at once: start at 2^16 records (4 MiB, pages touched as used), double when needed.
    this.grow(1 << 16);
    engine.listener = this;
  }

  /** A client command (or a 'C'/'T'/'A' record), in sequence order. */
  apply(cmds: CommandBuffer, base: number): RejectReason {
    const type = cmds.u8[base];
    if (type === CMD_NEW) return this.applyNew(cmds, base);
    if (type === CMD_CANCEL) return this.applyCancel(cmds, base);
    if (type === CMD_REPLACE) return this.applyReplace(cmds, base);
    if (type === CMD_TOKEN) {
      this.pendingToken = cmds.token(base);
      this.pendingTokenBad = this.pendingToken === '';
      this.pendingTokenSeq = cmds.inboundSeq(base);
      return this.engine.apply(cmds, base);
    }
    if (type === CMD_TRANSFER) return this.applyTransfer(cmds, base);
    if (type === CMD_SETTINGS) return this.applySettings(cmds, base);
    // Trading states and system events are the house's.
    return this.engine.refuse(cmds, base, RejectReason.BadCommand);
  }

  // ---- new orders ---------------------------------------------------------------------

  private applyNew(cmds: CommandBuffer, base: number): RejectReason {
    const seq = cmds.inboundSeq(base);
    const account = cmds.account(base);
    const requestId = this.requestIds.size === 0 ? 0 : this.takeRequestId(seq);
    const token = this.pendingTokenSeq === -1 ? '' : this.takeToken(seq);
    const locate = cmds.locate(base);
    const side = cmds.side(base);
    const type = cmds.orderType(base);
    const shares = cmds.shares(base);
    const price = cmds.price(base);
    const buy = side === BUY;
    const market = type === OT_MARKET;
    const risk = this.risk;
    const wallet = this.wallet;
    let reason: RejectReason = OK;
    let ws = -1;
    let limit = price;
    if (token === null) reason = R_BAD_TOKEN;
    else if (locate < 1 || locate > this.symbols) reason = R_UNKNOWN_SYMBOL;
    else if (!buy && side !== SELL) reason = R_BAD_SIDE;
    else if (type !== OT_LIMIT && type !== OT_IOC && !market) reason = R_BAD_TYPE;
    else if (shares < 1 || shares > this.maxEngineShares) reason = R_BAD_SHARES;
    else if (!market && !this.validPrice(price)) reason = R_BAD_PRICE;
    else {
      ws = wallet.find(account);
      if (ws < 0 || ws >= risk.known.length || risk.known[ws] === 0) reason = R_UNKNOWN_ACCOUNT;
      else if (token !== '' && !this.useToken(ws, token)) reason = R_DUPLICATE;
      else {
        if (market) limit = risk.marketLimit(ws, locate, buy);
        reason = risk.check(ws, locate, shares, limit, !market, type === OT_LIMIT);
        if (reason === OK) {
          if (buy) {
            if (limit * shares > wallet.availableCash(ws)) reason = R_FUNDS;
          } else if (risk.allowShort[ws] === 0 && shares > wallet.availableShares(ws, locate)) {
            reason = R_SHARES;
          }
        }
      }
    }
    if (reason !== OK) {
      this.engine.refuse(cmds, base, reason);
      if (this.sink !== null) this.reportRefused(requestId, account, seq, token ?? '', locate, side, type, market ? 0 : price, shares, reason, cmds.timestampNs(base));
      return reason;
    }

    // Past the checks: reserve, then let the book match it.
    const ts = cmds.timestampNs(base);
    const reservedShares = buy ? 0 : risk.allowShort[ws] === 0 ? 1 : 0;
    if (buy) wallet.reserveCash(ws, limit * shares);
    else if (reservedShares !== 0) wallet.reserveShares(ws, locate, shares);
    const rec = INCOMING;
    const f = rec * 8;
    const w = rec * 16;
    const f64 = this.f64;
    f64[f + F_ORDER_ID] = seq;
    f64[f + F_FILLED] = 0;
    f64[f + F_NOTIONAL] = 0;
    f64[f + F_RESERVE] = buy ? limit : reservedShares;
    f64[f + F_CREATION_NS] = ts;
    f64[f + F_UPDATE_NS] = ts;
    this.u32[w + W_REMAINING] = shares;
    this.i32[w + W_WALLET] = ws;
    this.i32[w + W_PRICE] = market ? 0 : price;
    this.u16[rec * 32 + H_LOCATE] = locate;
    this.u8[rec * 64 + B_TYPE] = type;
    let flags = buy ? FLAG_BUY : 0;
    if (token !== '') {
      this.tokens[rec] = token as string;
      flags |= FLAG_TOKEN;
    }
    this.u8[rec * 64 + B_FLAGS] = flags;
    this.tags[rec] = (ws << TAG_WALLET_SHIFT) | (reservedShares !== 0 ? TAG_SHARES_RESERVED : 0);

    const engine = this.engine;
    this.incomingRec = rec;
    if (market) {
      const scratch = this.scratch;
      copyCommand(cmds, base, scratch);
      scratch.u8[2] = OT_IOC;
      scratch.u32[3] = limit;
      reason = engine.apply(scratch, 0);
    } else {
      // The book takes the command as it came.
      reason = engine.apply(cmds, base);
    }
    this.incomingRec = -1;
    if (reason !== OK) {
      this.release(rec, shares);
      if (this.sink !== null) this.reportOrder(rec, requestId, seq, 'rejected', REJECT_CODES[reason]);
      this.tags[rec] = 0;
      return reason;
    }
    const left = this.u32[w + W_REMAINING];
    if (left > 0 && type === OT_LIMIT && !engine.incomingSelfMatch) {
      const rested = this.moveTo(rec, engine.restedSlot + 1);
      risk.openOrders[ws]++;
      this.openOrders++;
      if (this.sink !== null) this.reportOrder(rested, requestId, seq, this.statusOf(rested), '');
    } else {
      this.finish(rec, requestId, seq, engine.incomingSelfMatch && left > 0 ? R_SELF_MATCH : OK, false);
    }
    return OK;
  }

  // ---- cancels and replaces -------------------------------------------------------------

  private applyCancel(cmds: CommandBuffer, base: number): RejectReason {
    const seq = cmds.inboundSeq(base);
    const account = cmds.account(base);
    const requestId = this.requestIds.size === 0 ? 0 : this.takeRequestId(seq);
    const id = cmds.orderRef(base);
    const rec = this.lookup(id);
    const engine = this.engine;
    if (rec < 0 || engine.ownerAt(rec - 1) !== account) {
      return this.refuseOnUnknown(cmds, base, requestId, account, seq, id, rec);
    }
    // What the release needs comes from the book (the lines its cancel touches anyway) and
    // the tag: a resting buy reserved its price per share, a sell its shares (or nothing
    // short), so the record itself is written only when the order stays open or a report
    // reads it.
    const slot = rec - 1;
    const ref = engine.refAt(slot);
    const current = engine.sharesAt(slot);
    const bookSide = engine.bookSideAt(slot);
    const price = engine.priceAt(slot);
    const reason = ref === id ? engine.apply(cmds, base) : engine.apply(this.withRef(cmds, base, ref), 0);
    if (reason !== OK) {
      if (this.sink !== null) this.reportOrder(rec, requestId, seq, this.statusOf(rec), REJECT_CODES[reason]);
      return reason;
    }
    const cancel = cmds.shares(base);
    const tag = this.tags[rec];
    if (cancel > 0 && cancel < current) {
      this.releaseOpen(tag, bookSide, price, cancel);
      this.u32[rec * 16 + W_REMAINING] = current - cancel;
      this.f64[rec * 8 + F_UPDATE_NS] = cmds.timestampNs(base);
      if (this.sink !== null) this.reportOrder(rec, requestId, seq, this.statusOf(rec), '');
    } else if (this.sink !== null) {
      this.f64[rec * 8 + F_UPDATE_NS] = cmds.timestampNs(base);
      this.finish(rec, requestId, seq, OK, true, ref);
    } else {
      // finish() without a report: the record is left as it was (a free tag marks it).
      this.releaseOpen(tag, bookSide, price, current);
      const ws = tag >>> TAG_WALLET_SHIFT;
      this.risk.openOrders[ws]--;
      this.openOrders--;
      if ((tag & TAG_REPLACED) !== 0) this.byOrderId.delete(id);
      this.tags[rec] = 0;
    }
    return OK;
  }

  private applyReplace(cmds: CommandBuffer, base: number): RejectReason {
    const seq = cmds.inboundSeq(base);
    const account = cmds.account(base);
    const requestId = this.requestIds.size === 0 ? 0 : this.takeRequestId(seq);
    const token = this.pendingTokenSeq === -1 ? '' : this.takeToken(seq);
    const id = cmds.orderRef(base);
    const rec = this.lookup(id);
    const wallet = this.wallet;
    if (rec < 0 || this.engine.ownerAt(rec - 1) !== account) {
      return this.refuseOnUnknown(cmds, base, requestId, account, seq, id, rec);
    }
    const f = rec * 8;
    const w = rec * 16;
    const f64 = this.f64;
    const ws = this.i32[w + W_WALLET];
    const locate = this.u16[rec * 32 + H_LOCATE];
    const buy = (this.u8[rec * 64 + B_FLAGS] & FLAG_BUY) !== 0;
    const shares = cmds.shares(base);
    const price = cmds.price(base);
    const oldRemaining = this.u32[w + W_REMAINING];
    const oldPrice = this.i32[w + W_PRICE];
    const oldReserve = f64[f + F_RESERVE];
    let reason: RejectReason = OK;
    if (token === null) reason = R_BAD_TOKEN;
    else if (shares < 1 || shares > this.maxEngineShares) reason = R_BAD_SHARES;
    else if (!this.validPrice(price)) reason = R_BAD_PRICE;
    else if (token !== '' && !this.useToken(ws, token)) reason = R_DUPLICATE;
    else reason = this.risk.check(ws, locate, shares, price, true, false);
    // Buy: cash (reserve = price per share); sell: shares (reserve = 1, or 0 when short).
    const oldNeed = oldRemaining * oldReserve;
    const newNeed = buy ? shares * price : shares * oldReserve;
    if (reason === OK && newNeed > oldNeed) {
      if (buy && newNeed - oldNeed > wallet.availableCash(ws)) reason = R_FUNDS;
      else if (!buy && newNeed - oldNeed > wallet.availableShares(ws, locate)) reason = R_SHARES;
    }
    if (reason !== OK) {
      this.engine.refuse(cmds, base, reason);
      if (this.sink !== null) this.reportOrder(rec, requestId, seq, this.statusOf(rec), REJECT_CODES[reason]);
      return reason;
    }
    // Reserve for the new size and price first: a replace that crosses fills at once.
    if (buy) {
      wallet.reserveCash(ws, newNeed - oldNeed);
      f64[f + F_RESERVE] = price;
    } else {
      wallet.reserveShares(ws, locate, newNeed - oldNeed);
    }
    this.u32[w + W_REMAINING] = shares;
    this.i32[w + W_PRICE] = price;
    const ref = this.engine.refAt(rec - 1);
    const engine = this.engine;
    // The engine frees the order's slot before it re-enters it; the record stays put
    // meanwhile (nothing else rests before it does) and moves to the new slot after.
    this.incomingRec = rec;
    reason = ref === id ? engine.apply(cmds, base) : engine.apply(this.withRef(cmds, base, ref), 0);
    this.incomingRec = -1;
    if (reason !== OK) {
      if (buy) {
        wallet.reserveCash(ws, oldNeed - newNeed);
        f64[f + F_RESERVE] = oldReserve;
      } else {
        wallet.reserveShares(ws, locate, oldNeed - newNeed);
      }
      this.u32[w + W_REMAINING] = oldRemaining;
      this.i32[w + W_PRICE] = oldPrice;
      if (this.sink !== null) this.reportOrder(rec, requestId, seq, this.statusOf(rec), REJECT_CODES[reason]);
      return reason;
    }
    f64[f + F_UPDATE_NS] = cmds.timestampNs(base);
    if (token !== '') {
      this.tokens[rec] = token as string;
      this.u8[rec * 64 + B_FLAGS] |= FLAG_TOKEN;
    }
    if (price === oldPrice && shares < oldRemaining) {
      // A partial cancel that keeps priority: same ref, same slot.
      if (this.sink !== null) this.reportOrder(rec, requestId, seq, this.statusOf(rec), '');
      return OK;
    }
    const left = this.u32[w + W_REMAINING];
    if (left > 0 && !engine.incomingSelfMatch) {
      const rested = this.moveTo(rec, engine.restedSlot + 1);
      this.u8[rested * 64 + B_FLAGS] |= FLAG_REPLACED;
      this.tags[rested] |= TAG_REPLACED;
      this.byOrderId.set(f64[rested * 8 + F_ORDER_ID], rested);
      if (this.sink !== null) this.reportOrder(rested, requestId, seq, this.statusOf(rested), '');
    } else {
      this.finish(rec, requestId, seq, left > 0 ? R_SELF_MATCH : OK, true, seq);
    }
    return OK;
  }

  private refuseOnUnknown(cmds: CommandBuffer, base: number, requestId: number, account: number, seq: number, id: number, rec: number): RejectReason {
    const reason = rec >= 0 || this.engine.isLive(id) ? RejectReason.NotOwner : RejectReason.UnknownOrder;
    this.engine.refuse(cmds, base, reason);
    if (this.sink !== null) this.reportRefused(requestId, account, seq, '', 0, 0, 0, 0, 0, reason, cmds.timestampNs(base), id);
    return reason;
  }

  // ---- transfers and settings ------------------------------------------------------------

  private applyTransfer(cmds: CommandBuffer, base: number): RejectReason {
    const seq = cmds.inboundSeq(base);
    const account = cmds.account(base);
    const requestId = this.takeRequestId(seq);
    const locate = cmds.locate(base);
    const amount = cmds.amount(base);
    const code = cmds.code(base);
    let reason: RejectReason = OK;
    if (account === 0) reason = RejectReason.UnknownAccount;
    else if (locate > this.symbols) reason = RejectReason.UnknownSymbol;
    else if (!(Number.isSafeInteger(amount) && amount > 0)) reason = RejectReason.BadAmount;
    else if (code !== TransferCode.Deposit && code !== TransferCode.Withdraw) reason = RejectReason.BadCommand;
    else {
      const ws = this.wallet.slotOf(account);
      this.risk.ensure(ws);
      if (code === TransferCode.Deposit) {
        this.wallet.transfer(ws, locate, amount);
      } else if (locate === 0 ? amount > this.wallet.availableCash(ws) : amount > this.wallet.availableShares(ws, locate)) {
        reason = locate === 0 ? RejectReason.InsufficientFunds : RejectReason.InsufficientShares;
      } else {
        this.wallet.transfer(ws, locate, -amount);
      }
      if (reason === OK) {
        const signed = code === TransferCode.Deposit ? amount : -amount;
        if (locate === 0) this.cashTransferred += signed;
        else this.sharesTransferred[locate] += signed;
      }
    }
    if (reason === OK) this.engine.apply(cmds, base);
    else this.engine.refuse(cmds, base, reason);
    if (this.sink !== null) this.reportAccount(requestId, account, seq, reason);
    return reason;
  }

  private applySettings(cmds: CommandBuffer, base: number): RejectReason {
    const seq = cmds.inboundSeq(base);
    const account = cmds.account(base);
    const requestId = this.takeRequestId(seq);
    let reason: RejectReason = RejectReason.UnknownAccount;
    let ws = -1;
    if (account !== 0) {
      ws = this.wallet.slotOf(account);
      this.risk.ensure(ws);
      reason = this.risk.configure(ws, cmds.code(base), cmds.side(base) === 1, cmds.orderType(base) === 1, {
        maxOrderShares: cmds.shares(base),
        maxOpenOrders: cmds.price(base),
        maxOrderNotionalP4: cmds.amount(base),
        priceCollarMicros: cmds.collarMicros(base),
      });
    }
    if (reason !== OK) {
      this.engine.refuse(cmds, base, reason);
      if (this.sink !== null) this.reportAccount(requestId, account, seq, reason);
      return reason;
    }
    this.engine.apply(cmds, base);
    if (this.sink !== null) this.reportAccount(requestId, account, seq, OK);
    if (this.risk.killSwitch[ws] !== 0 && this.risk.openOrders[ws] > 0) this.killAll(ws, cmds.timestampNs(base), seq);
    return OK;
  }

  /** The kill switch: every open order of the account deleted, oldest first, in this command's group. */
  private killAll(ws: number, ts: number, seq: number): void {
    const recs: number[] = [];
    for (let r = 1; r < this.capacity; r++) if (this.tags[r] !== 0 && this.tags[r] >>> TAG_WALLET_SHIFT === ws) recs.push(r);
    recs.sort((a, b) => this.f64[a * 8 + F_ORDER_ID] - this.f64[b * 8 + F_ORDER_ID]);
    for (const r of recs) {
      const ref = this.engine.refAt(r - 1);
      this.engine.deleteOrder(ref, ts, seq);
      this.f64[r * 8 + F_UPDATE_NS] = ts;
      this.finish(r, 0, seq, RejectReason.KillSwitch, true, ref);
    }
    this.engine.endGroup();
  }

  // ---- fills --------------------------------------------------------------------------

  onExecution(
    locate: number,
    restingSide: number,
    price: number,
    shares: number,
    restingRef: number,
    restingSlot: number,
    restingAccount: number,
    incomingRef: number,
    incomingAccount: number,
    matchNumber: number,
    timestampNs: number,
    inboundSeq: number,
  ): void {
    // restingSide: 0 the resting order is a bid (the incoming one sells), 1 an ask.
    if (restingAccount !== 0) {
      const rec = restingSlot + 1;
      if (rec < this.capacity && this.tags[rec] !== 0) this.fill(rec, price, shares, matchNumber * 2, true, timestampNs, inboundSeq, restingRef);
      if (incomingAccount === 0) {
        if (restingSide === 0) this.wallet.settleSell(HOUSE_SLOT, locate, shares, price, 0);
        else this.wallet.settleBuy(HOUSE_SLOT, locate, shares, price, 0);
      }
    }
    if (incomingAccount !== 0) {
      if (this.incomingRec >= 0) this.fill(this.incomingRec, price, shares, matchNumber * 2 + 1, false, timestampNs, inboundSeq, incomingRef);
      if (restingAccount === 0) {
        if (restingSide === 0) this.wallet.settleBuy(HOUSE_SLOT, locate, shares, price, 0);
        else this.wallet.settleSell(HOUSE_SLOT, locate, shares, price, 0);
      }
    }
  }

  /** A fill of the order in `rec`; `resting`: it was the resting side (liquidity 'A'), else the incoming one ('R'). */
  private fill(rec: number, price: number, shares: number, executionId: number, resting: boolean, ts: number, seq: number, ref: number): void {
    const f = rec * 8;
    const w = rec * 16;
    const f64 = this.f64;
    const ws = this.i32[w + W_WALLET];
    const locate = this.u16[rec * 32 + H_LOCATE];
    const buy = (this.u8[rec * 64 + B_FLAGS] & FLAG_BUY) !== 0;
    if (buy) this.wallet.settleBuy(ws, locate, shares, price, f64[f + F_RESERVE]);
    else this.wallet.settleSell(ws, locate, shares, price, shares * f64[f + F_RESERVE]);
    f64[f + F_FILLED] += shares;
    const left = this.u32[w + W_REMAINING] - shares;
    this.u32[w + W_REMAINING] = left;
    f64[f + F_NOTIONAL] += shares * price;
    f64[f + F_UPDATE_NS] = ts;
    if (this.sink !== null) {
      const report: ExecutionReport = {
        kind: 'execution',
        account: this.wallet.accountOf(ws),
        executionId,
        matchNumber: Math.floor(executionId / 2),
        orderId: f64[f + F_ORDER_ID],
        clientOrderId: this.tokenOf(rec),
        locate,
        side: buy ? 'B' : 'S',
        orderType: typeCode(this.u8[rec * 64 + B_TYPE]),
        price,
        shares,
        liquidity: resting ? 'A' : 'R',
        timeNs: ts,
        seq,
      };
      this.sink(report);
    }
    if (resting) {
      if (left === 0) this.finish(rec, 0, seq, OK, true, ref);
      else if (this.sink !== null) this.reportOrder(rec, 0, seq, 'partiallyFilled', '', 0, ref);
    }
  }

  // ---- order records ---------------------------------------------------------------------

  /** Releases the reservation of `shares` open shares of an order. */
  private release(rec: number, shares: number): void {
    const ws = this.i32[rec * 16 + W_WALLET];
    const reserve = this.f64[rec * 8 + F_RESERVE];
    if ((this.u8[rec * 64 + B_FLAGS] & FLAG_BUY) !== 0) this.wallet.reserveCash(ws, -shares * reserve);
    else if (reserve !== 0) this.wallet.reserveShares(ws, this.u16[rec * 32 + H_LOCATE], -shares);
  }

  /** Releases the reservation of `shares` open shares of a resting order (its tag, and its book side and price from the engine). */
  private releaseOpen(tag: number, bookSide: number, price: number, shares: number): void {
    const ws = tag >>> TAG_WALLET_SHIFT;
    if ((bookSide & 1) === 0) this.wallet.reserveCash(ws, -shares * price);
    else if ((tag & TAG_SHARES_RESERVED) !== 0) this.wallet.reserveShares(ws, bookSide >> 1, -shares);
  }

  /**
   * The order is done: what is left open is cancelled (released), it leaves the tables and
   * its owner is told (filled, or cancelled with `why` when not OK or shares were left).
   * `ref`: its last ref (for the report), when the engine may no longer hold it.
   */
  private finish(rec: number, requestId: number, seq: number, why: RejectReason, wasOpen: boolean, ref = 0): void {
    const w = rec * 16;
    const left = this.u32[w + W_REMAINING];
    if (left > 0) this.release(rec, left);
    if (wasOpen) {
      this.risk.openOrders[this.i32[w + W_WALLET]]--;
      this.openOrders--;
      if ((this.u8[rec * 64 + B_FLAGS] & FLAG_REPLACED) !== 0) this.byOrderId.delete(this.f64[rec * 8 + F_ORDER_ID]);
    }
    this.u32[w + W_REMAINING] = 0;
    if (this.sink !== null) {
      const status: OrderStatus = left > 0 || why !== OK ? 'cancelled' : 'filled';
      this.reportOrder(rec, requestId, seq, status, why === OK ? '' : REJECT_CODES[why], left, ref);
    }
    this.tags[rec] = 0;
  }

  /** Moves the record `from` to `to` (the engine slot the order now rests in, + 1); returns `to`. */
  private moveTo(from: number, to: number): number {
    if (to === from) return to;
    if (to >= this.capacity) {
      let cap = this.capacity;
      while (cap <= to) cap *= 2;
      this.grow(cap);
    }
    const f64 = this.f64;
    const a = from * 8;
    const b = to * 8;
    for (let i = 0; i < 8; i++) f64[b + i] = f64[a + i];
    if ((this.u8[from * 64 + B_FLAGS] & FLAG_TOKEN) !== 0) this.tokens[to] = this.tokens[from];
    this.tags[to] = this.tags[from];
    this.tags[from] = 0;
    return to;
  }

  /** The command at `base` with the order's current ref in place of its order id (a copy: the caller's buffer is the journal's). */
  private withRef(cmds: CommandBuffer, base: number, ref: number): CommandBuffer {
    const scratch = this.scratch;
    copyCommand(cmds, base, scratch);
    scratch.f64[4] = ref;
    return scratch;
  }

  /** The record of an open client order by its order id, or -1. */
  private lookup(orderId: number): number {
    // An order that was never replaced rests under its order id.
    // A client order resting under this ref and never replaced has it as its order id.
    const slot = this.engine.slotOf(orderId);
    if (slot >= 0) {
      const rec = slot + 1;
      if (rec < this.capacity) {
        const tag = this.tags[rec];
        if (tag !== 0 && (tag & TAG_REPLACED) === 0) return rec;
      }
    }
    return this.byOrderId.size === 0 ? -1 : this.byOrderId.get(orderId);
  }

  private grow(cap: number): void {
    const buffer = new ArrayBuffer(cap * REC_BYTES);
    const u8 = new Uint8Array(buffer);
    u8.set(this.u8);
    this.u8 = u8;
    this.f64 = new Float64Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.u16 = new Uint16Array(buffer);
    const tags = new Int32Array(cap);
    tags.set(this.tags);
    this.tags = tags;
    for (let i = this.capacity; i < cap; i++) this.tokens.push('');
    this.capacity = cap;
  }

  // ---- helpers ------------------------------------------------------------------------

  private validPrice(price: number): boolean {
    return price >= 1 && price <= MAX_PRICE && price % this.tick === 0;
  }

  /** The token of the 'C' record right before `seq` ('' if none; null if that record was bad). */
  private takeToken(seq: number): string | null {
    if (this.pendingTokenSeq !== seq - 1) return '';
    this.pendingTokenSeq = -1;
    return this.pendingTokenBad ? null : this.pendingToken;
  }

  /** Records a client order id for the account; false when it was used before today. */
  private useToken(ws: number, token: string): boolean {
    let used = this.usedTokens.get(ws);
    if (used === undefined) {
      used = new Set();
      this.usedTokens.set(ws, used);
    }
    if (used.has(token)) return false;
    used.add(token);
    return true;
  }

  private takeRequestId(seq: number): number {
    if (this.requestIds.size === 0) return 0;
    const id = this.requestIds.get(seq);
    if (id === undefined) return 0;
    this.requestIds.delete(seq);
    return id;
  }

  private tokenOf(rec: number): string {
    return (this.u8[rec * 64 + B_FLAGS] & FLAG_TOKEN) !== 0 ? this.tokens[rec] : '';
  }

  private statusOf(rec: number): OrderStatus {
    return this.f64[rec * 8 + F_FILLED] > 0 ? 'partiallyFilled' : 'new';
  }

  /** `ref` 0: the order's current ref from the engine (it rests, or it is the incoming order: its order id). */
  private reportOrder(rec: number, requestId: number, seq: number, status: OrderStatus, reject: string, cancelled = 0, ref = 0): void {
    const f = rec * 8;
    const f64 = this.f64;
    const filled = f64[f + F_FILLED];
    const remaining = this.u32[rec * 16 + W_REMAINING];
    const report: OrderReport = {
      kind: 'order',
      requestId,
      account: this.wallet.accountOf(this.i32[rec * 16 + W_WALLET]),
      orderId: f64[f + F_ORDER_ID],
      ref: ref !== 0 ? ref : rec === INCOMING ? f64[f + F_ORDER_ID] : this.engine.refAt(rec - 1),
      clientOrderId: this.tokenOf(rec),
      locate: this.u16[rec * 32 + H_LOCATE],
      side: (this.u8[rec * 64 + B_FLAGS] & FLAG_BUY) !== 0 ? 'B' : 'S',
      orderType: typeCode(this.u8[rec * 64 + B_TYPE]),
      price: this.i32[rec * 16 + W_PRICE],
      shares: filled + remaining + cancelled,
      filledShares: filled,
      remainingShares: remaining,
      status,
      reject,
      filledNotional: f64[f + F_NOTIONAL],
      creationNs: f64[f + F_CREATION_NS],
      updateNs: f64[f + F_UPDATE_NS],
      seq,
    };
    (this.sink as ReportSink)(report);
  }

  private reportRefused(
    requestId: number,
    account: number,
    seq: number,
    token: string,
    locate: number,
    side: number,
    type: number,
    price: number,
    shares: number,
    reason: RejectReason,
    ts: number,
    orderId = seq,
  ): void {
    const report: OrderReport = {
      kind: 'order',
      requestId,
      account,
      orderId,
      ref: 0,
      clientOrderId: token,
      locate,
      side: side === SELL ? 'S' : 'B',
      orderType: typeCode(type),
      price,
      shares,
      filledShares: 0,
      remainingShares: 0,
      status: 'rejected',
      reject: REJECT_CODES[reason],
      filledNotional: 0,
      creationNs: ts,
      updateNs: ts,
      seq,
    };
    (this.sink as ReportSink)(report);
  }

  private reportAccount(requestId: number, account: number, seq: number, reason: RejectReason): void {
    const report: AccountReport = { kind: 'account', requestId, account, reject: reason === OK ? '' : REJECT_CODES[reason], seq };
    (this.sink as ReportSink)(report);
  }

  // ---- state ----------------------------------------------------------------------------

  /** Open client orders, by order id (tests, digests, tools). */
  openOrderList(): Array<{ orderId: number; ref: number; account: number; locate: number; side: 'B' | 'S'; price: number; remaining: number; filled: number; reserve: number }> {
    const out = [];
    for (let r = 1; r < this.capacity; r++) {
      if (this.tags[r] === 0) continue;
      out.push({
        orderId: this.f64[r * 8 + F_ORDER_ID],
        ref: this.engine.refAt(r - 1),
        account: this.wallet.accountOf(this.i32[r * 16 + W_WALLET]),
        locate: this.u16[r * 32 + H_LOCATE],
        side: (this.u8[r * 64 + B_FLAGS] & FLAG_BUY) !== 0 ? ('B' as const) : ('S' as const),
        price: this.i32[r * 16 + W_PRICE],
        remaining: this.u32[r * 16 + W_REMAINING],
        filled: this.f64[r * 8 + F_FILLED],
        reserve: this.f64[r * 8 + F_RESERVE],
      });
    }
    return out.sort((a, b) => a.orderId - b.orderId);
  }

  /** Feeds the order manager's state into a digest. */
  digestInto(hash: crypto.Hash): void {
    for (const o of this.openOrderList()) {
      hash.update(`o${o.orderId}:${o.ref}:${o.account}:${o.locate}${o.side}${o.price}:${o.remaining}:${o.filled}:${o.reserve};`);
    }
    const tokens: string[] = [];
    for (const [ws, used] of this.usedTokens) for (const t of used) tokens.push(`${this.wallet.accountOf(ws)}/${t}`);
    tokens.sort();
    hash.update(tokens.join('\n'));
  }
}

function copyCommand(from: CommandBuffer, base: number, to: CommandBuffer): void {
  const src = from.u32;
  const dst = to.u32;
  const s = base >> 2;
  for (let i = 0; i < WORDS; i++) dst[i] = src[s + i];
}

function typeCode(type: number): 'L' | 'I' | 'M' {
  return type === OT_MARKET ? 'M' : type === OT_IOC ? 'I' : 'L';
}
