// The order manager: client orders between the sequencer and the book. Every client
// command (account != 0) comes here in sequence order, live and in every replay: it checks
// the order (risk-checks.ts), reserves in the wallet (wallet.ts), hands the book a command
// it can match (a market order becomes IOC at the collar, so a fill never costs more than
// was reserved), settles the fills the engine reports, and tells the owner (reports).
//
// A resting client order is the engine's: its open shares, price, side and owner are in the
// book's record, and the engine keeps the order manager's tag (wallet slot, flags) in the
// same record, so a cancel or a fill finds everything on the lines the book touches anyway.
// What only reports read (times, filled shares and notional) is in a 32-byte record per
// engine slot. The order being entered lives in plain fields until it rests. An order is
// found by its order id through the engine's ref index (the id is its first ref), or, once
// a replace has given it a new ref, through a small table. Reports (objects) are made only
// while a report sink is set: replays and benchmarks make none.
import type * as crypto from 'node:crypto';
import type { ExecutionReport, OrderEntryReport, OrderReport, OrderStatus, AccountReport } from '../protocol';
import { type CommandBuffer, CommandType, OrderType, TransferCode } from './command';
import { REJECT_CODES, RejectReason } from './errors';
import { MAX_PRICE, type ExecutionListener, type MatchingEngine } from './matching-engine';
import { RefTable } from './ref-table';
import { RequestIds } from './request-ids';
import type { RiskChecks } from './risk-checks';
import { TOKEN_KEY_WORDS, TokenTable, tokenKeyText } from './token-table';
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
/** `takeToken`: no 'C' record before the command, or a bad one (else the token's length). */
const NO_TOKEN = 0;
const BAD_TOKEN = -1;

// Tags: one int32 per resting client order, kept in the engine's own order record (its
// O_TAG word, set as the order rests, cleared as it leaves): what a cancel or a fill needs
// besides what the book holds (shares, price, side, owner), on the line the book touches
// anyway. 0 for the house's orders; a client order's is never 0 (its wallet slot is at least 1).
/** A sell whose shares are reserved (not short): a buy reserves its price per share. */
const TAG_SHARES_RESERVED = 1;
/** Its ref is no longer its order id: `byOrderId` and `orderIds` hold it. */
const TAG_REPLACED = 2;
/** `tokenKeys` holds its client order id at slot * TOKEN_KEY_WORDS (else it has none: ''). */
const TAG_TOKEN = 4;
/** The wallet slot is the tag >>> TAG_WALLET_SHIFT. */
const TAG_WALLET_SHIFT = 3;

// What the reports need of a resting order and the book does not hold: one 32-byte record
// per engine slot (Float64Array, index slot * 4 + C_), written as the order rests and on
// its fills, partial cancels and replaces; a full cancel does not read it.
const C_CREATION_NS = 0;
const C_UPDATE_NS = 1;
const C_NOTIONAL = 2; // filled shares x price
const C_FILLED = 3;

export type ReportSink = (report: OrderEntryReport) => void;

export class OrderManager implements ExecutionListener {
  private readonly engine: MatchingEngine;
  private readonly wallet: Wallet;
  private readonly risk: RiskChecks;
  private readonly symbols: number;
  private readonly tick: number;
  private readonly maxEngineShares: number;

  /** Records (see C_*) for engine slots below `capacity`. */
  private capacity = 0;
  private cold = new Float64Array(0);
  /** Order id by slot, read only where TAG_REPLACED says so. */
  private orderIds = new Float64Array(0);
  /**
   * Client order ids by slot as token keys (token-table.ts), read only where TAG_TOKEN says
   * so: bytes, not strings, so a resting order's id is no object for the collector.
   */
  private tokenKeys = new Uint32Array(0);
  /** Order id -> engine slot, for orders whose ref a replace changed. */
  private readonly byOrderId = new RefTable(64);
  /** Client order ids used today, keyed by (wallet slot, token key). */
  private readonly usedTokens = new TokenTable(1 << 14);

  /** The last 'C' record's token key, its length (0: bad) and sequence number (-1: taken). */
  private readonly pendingKey = new Uint32Array(TOKEN_KEY_WORDS);
  private pendingTokenLength = 0;
  private pendingTokenSeq = -1;

  // The client order the engine is entering now (a new order, or a replace that re-enters):
  // its fills are the incoming side.
  private inActive = false;
  private inWs = 0;
  private inBuy = false;
  private inLocate = 0;
  /** Buy: cash reserved per open share (its limit). Sell: 1 when its shares are reserved, 0 short. */
  private inReserve = 0;
  private inRemaining = 0;
  private inFilled = 0;
  private inNotional = 0;
  private inOrderId = 0;
  private inType = 0;
  /** Its limit as reported (0 for a market order). */
  private inPrice = 0;
  /** Its client order id's key, when `inHasToken`. */
  private readonly inKey = new Uint32Array(TOKEN_KEY_WORDS);
  private inHasToken = false;
  private inCreationNs = 0;
  private inUpdateNs = 0;

  /** Where reports go (null: none are made). */
  sink: ReportSink | null = null;
  /** Inbound sequence -> the gateway's requestId, filled by the live path before a batch is submitted. */
  readonly requestIds = new RequestIds();
  /** Client orders open now. */
  openOrders = 0;
  /** Carry transfers ('T' code 'C') this session has journaled, refused ones included, and the count the opening said it carries. */
  carryRecords = 0;
  carryTotal = 0;
  /** Closing statement records applied (closing-statement.ts), refused ones included. */
  statementRecords = 0;
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
    // orders resting at once: start at 2^16 records (2 MiB, pages touched as used), double when needed.
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
      this.pendingTokenLength = cmds.tokenKey(base, this.pendingKey, 0);
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
    const token = this.pendingTokenSeq === -1 ? NO_TOKEN : this.takeToken(seq);
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
    if (token === BAD_TOKEN) reason = R_BAD_TOKEN;
    else if (locate < 1 || locate > this.symbols) reason = R_UNKNOWN_SYMBOL;
    else if (!buy && side !== SELL) reason = R_BAD_SIDE;
    else if (type !== OT_LIMIT && type !== OT_IOC && !market) reason = R_BAD_TYPE;
    else if (shares < 1 || shares > this.maxEngineShares) reason = R_BAD_SHARES;
    else if (!market && !this.validPrice(price)) reason = R_BAD_PRICE;
    else {
      ws = wallet.find(account);
      if (ws < 0 || ws >= risk.known.length || risk.known[ws] === 0) reason = R_UNKNOWN_ACCOUNT;
      else if (token > 0 && !this.usedTokens.add(ws, this.pendingKey, 0)) reason = R_DUPLICATE;
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
      if (this.sink !== null) this.reportRefused(requestId, account, seq, token > 0 ? tokenKeyText(this.pendingKey, 0) : '', locate, side, type, market ? 0 : price, shares, reason, cmds.timestampNs(base));
      return reason;
    }

    // Past the checks: reserve, then let the book match it.
    const ts = cmds.timestampNs(base);
    const sharesReserved = !buy && risk.allowShort[ws] === 0;
    if (buy) wallet.reserveCash(ws, limit * shares);
    else if (sharesReserved) wallet.reserveShares(ws, locate, shares);
    let tag = (ws << TAG_WALLET_SHIFT) | (sharesReserved ? TAG_SHARES_RESERVED : 0);
    if (token > 0) tag |= TAG_TOKEN;
    this.inActive = true;
    this.inWs = ws;
    this.inBuy = buy;
    this.inLocate = locate;
    this.inReserve = buy ? limit : sharesReserved ? 1 : 0;
    this.inRemaining = shares;
    this.inFilled = 0;
    this.inNotional = 0;
    this.inOrderId = seq;
    this.inType = type;
    this.inPrice = market ? 0 : price;
    this.inHasToken = token > 0;
    if (token > 0) copyKey(this.pendingKey, 0, this.inKey, 0);
    this.inCreationNs = ts;
    this.inUpdateNs = ts;

    const engine = this.engine;
    engine.takerTag = tag;
    // The book takes the order as checked here (a market order as IOC at its collar limit,
    // which only the engine's price check has not seen), without parsing the command again.
    reason = engine.enterAt(cmds, base, locate, buy ? 0 : 1, market ? OT_IOC : type, limit, shares, market);
    this.inActive = false;
    if (reason !== OK) {
      this.releaseIncoming(shares);
      if (this.sink !== null) this.reportIncoming(requestId, seq, 'rejected', REJECT_CODES[reason], 0, seq);
      return reason;
    }
    const left = this.inRemaining;
    if (left > 0 && type === OT_LIMIT && !engine.incomingSelfMatch) {
      const slot = this.rested(engine.restedSlot);
      risk.openOrders[ws]++;
      this.openOrders++;
      if (this.sink !== null) this.reportResting(slot, tag, requestId, seq, this.statusOf(slot), '', seq, locate, buy, price, left, 0);
    } else {
      this.finishIncoming(requestId, seq, engine.incomingSelfMatch && left > 0 ? R_SELF_MATCH : OK, false, seq);
    }
    return OK;
  }

  /** The order being entered rested in `slot` (its tag is the engine's already): its record. */
  private rested(slot: number): number {
    if (slot >= this.capacity) {
      let cap = this.capacity;
      while (cap <= slot) cap *= 2;
      this.grow(cap);
    }
    const c = slot * 4;
    const cold = this.cold;
    cold[c + C_CREATION_NS] = this.inCreationNs;
    cold[c + C_UPDATE_NS] = this.inUpdateNs;
    cold[c + C_NOTIONAL] = this.inNotional;
    cold[c + C_FILLED] = this.inFilled;
    if (this.inHasToken) copyKey(this.inKey, 0, this.tokenKeys, slot * TOKEN_KEY_WORDS);
    return slot;
  }

  // ---- cancels and replaces -------------------------------------------------------------

  private applyCancel(cmds: CommandBuffer, base: number): RejectReason {
    const seq = cmds.inboundSeq(base);
    const account = cmds.account(base);
    const requestId = this.requestIds.size === 0 ? 0 : this.takeRequestId(seq);
    const id = cmds.orderRef(base);
    const slot = this.lookup(id);
    const engine = this.engine;
    if (slot < 0 || engine.ownerAt(slot) !== account) {
      return this.refuseOnUnknown(cmds, base, requestId, account, seq, id, slot);
    }
    // What the release needs comes from the book's record (its tag, shares) and level
    // (price, side): the lines its cancel touches anyway.
    const tag = engine.tagAt(slot);
    const ref = engine.refAt(slot);
    const current = engine.sharesAt(slot);
    const bookSide = engine.bookSideAt(slot);
    const price = engine.priceAt(slot);
    const reason = engine.cancelAt(slot, ref, cmds, base);
    if (reason !== OK) {
      if (this.sink !== null) this.reportResting(slot, tag, requestId, seq, this.statusOf(slot), REJECT_CODES[reason], ref, bookSide >> 1, (bookSide & 1) === 0, price, current, 0);
      return reason;
    }
    const cancel = cmds.shares(base);
    if (cancel > 0 && cancel < current) {
      this.releaseOpen(tag, bookSide, price, cancel);
      this.cold[slot * 4 + C_UPDATE_NS] = cmds.timestampNs(base);
      if (this.sink !== null) this.reportResting(slot, tag, requestId, seq, this.statusOf(slot), '', ref, bookSide >> 1, (bookSide & 1) === 0, price, current - cancel, 0);
      return OK;
    }
    // The engine freed the slot (and its tag); the record stays as it was for the report.
    this.releaseOpen(tag, bookSide, price, current);
    this.closed(tag, id);
    if (this.sink !== null) {
      this.cold[slot * 4 + C_UPDATE_NS] = cmds.timestampNs(base);
      this.reportResting(slot, tag, requestId, seq, 'cancelled', '', ref, bookSide >> 1, (bookSide & 1) === 0, price, 0, current);
    }
    return OK;
  }

  private applyReplace(cmds: CommandBuffer, base: number): RejectReason {
    const seq = cmds.inboundSeq(base);
    const account = cmds.account(base);
    const requestId = this.requestIds.size === 0 ? 0 : this.takeRequestId(seq);
    const token = this.pendingTokenSeq === -1 ? NO_TOKEN : this.takeToken(seq);
    const id = cmds.orderRef(base);
    const slot = this.lookup(id);
    const wallet = this.wallet;
    const engine = this.engine;
    if (slot < 0 || engine.ownerAt(slot) !== account) {
      return this.refuseOnUnknown(cmds, base, requestId, account, seq, id, slot);
    }
    const tag = engine.tagAt(slot);
    const ws = tag >>> TAG_WALLET_SHIFT;
    const bookSide = engine.bookSideAt(slot);
    const locate = bookSide >> 1;
    const buy = (bookSide & 1) === 0;
    const ref = engine.refAt(slot);
    const shares = cmds.shares(base);
    const price = cmds.price(base);
    const oldRemaining = engine.sharesAt(slot);
    const oldPrice = engine.priceAt(slot);
    // Buy: cash (reserve = price per share); sell: shares (reserve = 1, or 0 when short).
    const oldReserve = buy ? oldPrice : (tag & TAG_SHARES_RESERVED) !== 0 ? 1 : 0;
    let reason: RejectReason = OK;
    if (token === BAD_TOKEN) reason = R_BAD_TOKEN;
    else if (shares < 1 || shares > this.maxEngineShares) reason = R_BAD_SHARES;
    else if (!this.validPrice(price)) reason = R_BAD_PRICE;
    else if (token > 0 && !this.usedTokens.add(ws, this.pendingKey, 0)) reason = R_DUPLICATE;
    else reason = this.risk.check(ws, locate, shares, price, true, false);
    const oldNeed = oldRemaining * oldReserve;
    const newNeed = buy ? shares * price : shares * oldReserve;
    if (reason === OK && newNeed > oldNeed) {
      if (buy && newNeed - oldNeed > wallet.availableCash(ws)) reason = R_FUNDS;
      else if (!buy && newNeed - oldNeed > wallet.availableShares(ws, locate)) reason = R_SHARES;
    }
    if (reason !== OK) {
      engine.refuse(cmds, base, reason);
      if (this.sink !== null) this.reportResting(slot, tag, requestId, seq, this.statusOf(slot), REJECT_CODES[reason], ref, locate, buy, oldPrice, oldRemaining, 0);
      return reason;
    }
    // Reserve for the new size and price first: a replace that crosses fills at once.
    if (buy) wallet.reserveCash(ws, newNeed - oldNeed);
    else wallet.reserveShares(ws, locate, newNeed - oldNeed);
    // The order re-enters as the incoming one (the engine frees its slot first and rests it
    // in a new one): its record's fields travel in the incoming fields.
    const c = slot * 4;
    const cold = this.cold;
    this.inActive = true;
    this.inWs = ws;
    this.inBuy = buy;
    this.inLocate = locate;
    this.inReserve = buy ? price : oldReserve;
    this.inRemaining = shares;
    this.inFilled = cold[c + C_FILLED];
    this.inNotional = cold[c + C_NOTIONAL];
    this.inOrderId = (tag & TAG_REPLACED) !== 0 ? this.orderIds[slot] : ref;
    this.inType = OT_LIMIT;
    this.inPrice = price;
    this.inHasToken = (tag & TAG_TOKEN) !== 0;
    if (this.inHasToken) copyKey(this.tokenKeys, slot * TOKEN_KEY_WORDS, this.inKey, 0);
    this.inCreationNs = cold[c + C_CREATION_NS];
    this.inUpdateNs = cold[c + C_UPDATE_NS];
    const newTag = tag | TAG_REPLACED | (token > 0 ? TAG_TOKEN : 0);
    engine.takerTag = newTag;
    reason = engine.replaceAt(slot, ref, cmds, base);
    this.inActive = false;
    if (reason !== OK) {
      if (buy) wallet.reserveCash(ws, oldNeed - newNeed);
      else wallet.reserveShares(ws, locate, oldNeed - newNeed);
      if (this.sink !== null) this.reportResting(slot, tag, requestId, seq, this.statusOf(slot), REJECT_CODES[reason], ref, locate, buy, oldPrice, oldRemaining, 0);
      return reason;
    }
    const ts = cmds.timestampNs(base);
    this.inUpdateNs = ts;
    if (token > 0) {
      copyKey(this.pendingKey, 0, this.inKey, 0);
      this.inHasToken = true;
    }
    if (price === oldPrice && shares < oldRemaining) {
      // A partial cancel that keeps priority: same ref, same slot.
      cold[c + C_UPDATE_NS] = ts;
      let kept = tag;
      if (token > 0) {
        copyKey(this.pendingKey, 0, this.tokenKeys, slot * TOKEN_KEY_WORDS);
        kept |= TAG_TOKEN;
        engine.setTagAt(slot, kept);
      }
      if (this.sink !== null) this.reportResting(slot, kept, requestId, seq, this.statusOf(slot), '', ref, locate, buy, price, shares, 0);
      return OK;
    }
    const left = this.inRemaining;
    if (left > 0 && !engine.incomingSelfMatch) {
      const rested = this.rested(engine.restedSlot);
      this.orderIds[rested] = this.inOrderId;
      this.byOrderId.set(this.inOrderId, rested);
      if (this.sink !== null) this.reportResting(rested, newTag, requestId, seq, this.statusOf(rested), '', seq, locate, buy, price, left, 0);
    } else {
      this.finishIncoming(requestId, seq, left > 0 ? R_SELF_MATCH : OK, true, seq, tag);
    }
    return OK;
  }

  private refuseOnUnknown(cmds: CommandBuffer, base: number, requestId: number, account: number, seq: number, id: number, slot: number): RejectReason {
    const reason = slot >= 0 || this.engine.isLive(id) ? RejectReason.NotOwner : RejectReason.UnknownOrder;
    this.engine.refuse(cmds, base, reason);
    if (this.sink !== null) this.reportRefused(requestId, account, seq, '', 0, 0, 0, 0, 0, reason, cmds.timestampNs(base), id);
    return reason;
  }

  // ---- transfers and settings ------------------------------------------------------------

  private applyTransfer(cmds: CommandBuffer, base: number): RejectReason {
    if (cmds.code(base) === TransferCode.Statement) return this.applyStatement(cmds, base);
    const seq = cmds.inboundSeq(base);
    const account = cmds.account(base);
    const requestId = this.takeRequestId(seq);
    const locate = cmds.locate(base);
    const amount = cmds.amount(base);
    const code = cmds.code(base);
    const carry = code === TransferCode.Carry;
    if (carry) {
      // Counted whatever becomes of it: the session's opening resumes after the last one seen.
      this.carryRecords++;
      this.carryTotal = cmds.shares(base);
    }
    const deposit = code === TransferCode.Deposit || carry;
    let reason: RejectReason = OK;
    if (carry && account === 0 && amount === 0) {
      // The marker of an opening with nothing to carry: no balance moves.
    } else if (account === 0) reason = RejectReason.UnknownAccount;
    else if (locate > this.symbols) reason = RejectReason.UnknownSymbol;
    else if (!(Number.isSafeInteger(amount) && amount > 0)) reason = RejectReason.BadAmount;
    else if (!deposit && code !== TransferCode.Withdraw) reason = RejectReason.BadCommand;
    else {
      const ws = this.wallet.slotOf(account);
      this.risk.ensure(ws);
      if (deposit) {
        this.wallet.transfer(ws, locate, amount);
      } else if (locate === 0 ? amount > this.wallet.availableCash(ws) : amount > this.wallet.availableShares(ws, locate)) {
        reason = locate === 0 ? RejectReason.InsufficientFunds : RejectReason.InsufficientShares;
      } else {
        this.wallet.transfer(ws, locate, -amount);
      }
      if (reason === OK) {
        const signed = deposit ? amount : -amount;
        if (locate === 0) this.cashTransferred += signed;
        else this.sharesTransferred[locate] += signed;
      }
    }
    if (reason === OK) this.engine.apply(cmds, base);
    else this.engine.refuse(cmds, base, reason);
    if (this.sink !== null) this.reportAccount(requestId, account, seq, reason);
    return reason;
  }

  /**
   * A closing statement record (closing-statement.ts): moves nothing, reports nothing; the
   * wallet must hold exactly its amount, or the journal was not made by this core (refused
   * and counted: the next session's carry then trusts it no more than a replay would).
   */
  private applyStatement(cmds: CommandBuffer, base: number): RejectReason {
    const account = cmds.account(base);
    const locate = cmds.locate(base);
    const amount = cmds.amount(base);
    this.statementRecords++;
    let reason: RejectReason = OK;
    if (account === 0) {
      if (amount !== 0 || cmds.shares(base) !== 0) reason = RejectReason.StatementMismatch;
    } else {
      const ws = this.wallet.find(account);
      if (ws < 0 || locate > this.symbols || this.wallet.held(ws, locate) !== amount) reason = RejectReason.StatementMismatch;
    }
    if (reason === OK) this.engine.apply(cmds, base);
    else this.engine.refuse(cmds, base, reason);
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
    const engine = this.engine;
    const slots = this.openSlots().filter((s) => engine.tagAt(s) >>> TAG_WALLET_SHIFT === ws);
    const ids = new Map<number, number>();
    for (const s of slots) ids.set(s, this.orderIdOf(s, engine.tagAt(s)));
    slots.sort((a, b) => (ids.get(a) as number) - (ids.get(b) as number));
    for (const s of slots) {
      const tag = engine.tagAt(s);
      const ref = engine.refAt(s);
      const bookSide = engine.bookSideAt(s);
      const price = engine.priceAt(s);
      const current = engine.deleteOrder(ref, ts, seq);
      this.releaseOpen(tag, bookSide, price, current);
      this.closed(tag, ids.get(s) as number);
      this.cold[s * 4 + C_UPDATE_NS] = ts;
      if (this.sink !== null) this.reportResting(s, tag, 0, seq, 'cancelled', REJECT_CODES[RejectReason.KillSwitch], ref, bookSide >> 1, (bookSide & 1) === 0, price, 0, current);
    }
    engine.endGroup();
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
    _incomingRef: number,
    incomingAccount: number,
    matchNumber: number,
    timestampNs: number,
    inboundSeq: number,
  ): void {
    // restingSide: 0 the resting order is a bid (the incoming one sells), 1 an ask.
    const wallet = this.wallet;
    if (restingAccount !== 0) {
      const tag = this.engine.tagAt(restingSlot);
      if (tag !== 0) this.fillResting(restingSlot, tag, restingSide, locate, price, shares, matchNumber * 2, timestampNs, inboundSeq, restingRef);
      if (incomingAccount === 0) {
        if (restingSide === 0) wallet.settleSell(HOUSE_SLOT, locate, shares, price, 0);
        else wallet.settleBuy(HOUSE_SLOT, locate, shares, price, 0);
      }
    }
    if (incomingAccount !== 0) {
      if (this.inActive) this.fillIncoming(locate, price, shares, matchNumber * 2 + 1, timestampNs, inboundSeq);
      if (restingAccount === 0) {
        if (restingSide === 0) wallet.settleBuy(HOUSE_SLOT, locate, shares, price, 0);
        else wallet.settleSell(HOUSE_SLOT, locate, shares, price, 0);
      }
    }
  }

  /** A fill of the resting order in `slot` (liquidity 'A'): a buy reserved its price, the execution price. */
  private fillResting(slot: number, tag: number, restingSide: number, locate: number, price: number, shares: number, executionId: number, ts: number, seq: number, ref: number): void {
    const ws = tag >>> TAG_WALLET_SHIFT;
    const buy = restingSide === 0;
    if (buy) this.wallet.settleBuy(ws, locate, shares, price, price);
    else this.wallet.settleSell(ws, locate, shares, price, (tag & TAG_SHARES_RESERVED) !== 0 ? shares : 0);
    const c = slot * 4;
    const cold = this.cold;
    cold[c + C_FILLED] += shares;
    cold[c + C_NOTIONAL] += shares * price;
    cold[c + C_UPDATE_NS] = ts;
    // The engine takes the shares off after this call.
    const left = this.engine.sharesAt(slot) - shares;
    if (left === 0) this.closed(tag, (tag & TAG_REPLACED) !== 0 ? this.orderIds[slot] : ref);
    if (this.sink !== null) {
      this.reportExecution(ws, executionId, this.orderIdOf(slot, tag, ref), this.tokenOf(slot, tag), locate, buy, OT_LIMIT, price, shares, 'A', ts, seq);
      this.reportResting(slot, tag, 0, seq, left === 0 ? 'filled' : 'partiallyFilled', '', ref, locate, buy, price, left, 0);
    }
  }

  /** A fill of the order being entered (liquidity 'R'). */
  private fillIncoming(locate: number, price: number, shares: number, executionId: number, ts: number, seq: number): void {
    const ws = this.inWs;
    if (this.inBuy) this.wallet.settleBuy(ws, locate, shares, price, this.inReserve);
    else this.wallet.settleSell(ws, locate, shares, price, shares * this.inReserve);
    this.inFilled += shares;
    this.inRemaining -= shares;
    this.inNotional += shares * price;
    this.inUpdateNs = ts;
    if (this.sink !== null) this.reportExecution(ws, executionId, this.inOrderId, this.inTokenText(), locate, this.inBuy, this.inType, price, shares, 'R', ts, seq);
  }

  // ---- open orders --------------------------------------------------------------------

  /** Releases the reservation of `shares` open shares of the order being entered. */
  private releaseIncoming(shares: number): void {
    if (this.inBuy) this.wallet.reserveCash(this.inWs, -shares * this.inReserve);
    else if (this.inReserve !== 0) this.wallet.reserveShares(this.inWs, this.inLocate, -shares);
  }

  /** Releases the reservation of `shares` open shares of a resting order (its tag, and its book side and price from the engine). */
  private releaseOpen(tag: number, bookSide: number, price: number, shares: number): void {
    const ws = tag >>> TAG_WALLET_SHIFT;
    if ((bookSide & 1) === 0) this.wallet.reserveCash(ws, -shares * price);
    else if ((tag & TAG_SHARES_RESERVED) !== 0) this.wallet.reserveShares(ws, bookSide >> 1, -shares);
  }

  /** An open order left the book (filled, cancelled, deleted): it leaves the counts and tables. */
  private closed(tag: number, orderId: number): void {
    this.risk.openOrders[tag >>> TAG_WALLET_SHIFT]--;
    this.openOrders--;
    if ((tag & TAG_REPLACED) !== 0) this.byOrderId.delete(orderId);
  }

  /**
   * The order being entered is done without resting: what is left open is cancelled
   * (released) and its owner is told (filled, or cancelled with `why` when not OK or shares
   * were left). `wasOpen`: it was a resting order (a replace), with `tag`.
   */
  private finishIncoming(requestId: number, seq: number, why: RejectReason, wasOpen: boolean, ref: number, tag = 0): void {
    const left = this.inRemaining;
    if (left > 0) this.releaseIncoming(left);
    if (wasOpen) this.closed(tag, this.inOrderId);
    this.inRemaining = 0;
    if (this.sink !== null) {
      const status: OrderStatus = left > 0 || why !== OK ? 'cancelled' : 'filled';
      this.reportIncoming(requestId, seq, status, why === OK ? '' : REJECT_CODES[why], left, ref);
    }
  }

  /** The engine slot of an open client order by its order id, or -1. */
  private lookup(orderId: number): number {
    // A client order resting under this ref and never replaced has it as its order id.
    const engine = this.engine;
    const slot = engine.slotOf(orderId);
    if (slot >= 0) {
      const tag = engine.tagAt(slot);
      if (tag !== 0 && (tag & TAG_REPLACED) === 0) return slot;
    }
    return this.byOrderId.size === 0 ? -1 : this.byOrderId.get(orderId);
  }

  private grow(cap: number): void {
    const cold = new Float64Array(cap * 4);
    touchPages(cold, this.cold.length);
    cold.set(this.cold);
    this.cold = cold;
    const ids = new Float64Array(cap);
    touchPages(ids, this.orderIds.length);
    ids.set(this.orderIds);
    this.orderIds = ids;
    const keys = new Uint32Array(cap * TOKEN_KEY_WORDS);
    touchPages(keys, this.tokenKeys.length);
    keys.set(this.tokenKeys);
    this.tokenKeys = keys;
    this.capacity = cap;
  }

  /** Slots of every open client order (not on the hot path). */
  private openSlots(): number[] {
    const out: number[] = [];
    const engine = this.engine;
    const end = Math.min(this.capacity, engine.orderSlots);
    for (let s = 0; s < end; s++) if (engine.tagAt(s) !== 0) out.push(s);
    return out;
  }

  // ---- helpers ------------------------------------------------------------------------

  private validPrice(price: number): boolean {
    return price >= 1 && price <= MAX_PRICE && price % this.tick === 0;
  }

  /**
   * The 'C' record right before `seq`: its token's length (its key is `pendingKey`),
   * NO_TOKEN if there is none, BAD_TOKEN if that record was bad.
   */
  private takeToken(seq: number): number {
    if (this.pendingTokenSeq !== seq - 1) return NO_TOKEN;
    this.pendingTokenSeq = -1;
    return this.pendingTokenLength === 0 ? BAD_TOKEN : this.pendingTokenLength;
  }

  private takeRequestId(seq: number): number {
    return this.requestIds.size === 0 ? 0 : this.requestIds.take(seq);
  }

  private orderIdOf(slot: number, tag: number, ref = this.engine.refAt(slot)): number {
    return (tag & TAG_REPLACED) !== 0 ? this.orderIds[slot] : ref;
  }

  /** A resting order's client order id (reports only: it makes a string). */
  private tokenOf(slot: number, tag: number): string {
    return (tag & TAG_TOKEN) !== 0 ? tokenKeyText(this.tokenKeys, slot * TOKEN_KEY_WORDS) : '';
  }

  /** The client order id of the order being entered (reports only). */
  private inTokenText(): string {
    return this.inHasToken ? tokenKeyText(this.inKey, 0) : '';
  }

  private statusOf(slot: number): OrderStatus {
    return this.cold[slot * 4 + C_FILLED] > 0 ? 'partiallyFilled' : 'new';
  }

  // ---- reports (only while a sink is set) -----------------------------------------------

  /** A report on the resting order in `slot` (or that rested there until this command), its book fields given. */
  private reportResting(
    slot: number,
    tag: number,
    requestId: number,
    seq: number,
    status: OrderStatus,
    reject: string,
    ref: number,
    locate: number,
    buy: boolean,
    price: number,
    remaining: number,
    cancelled: number,
  ): void {
    const c = slot * 4;
    const cold = this.cold;
    const filled = cold[c + C_FILLED];
    this.reportOrder({
      kind: 'order',
      requestId,
      account: this.wallet.accountOf(tag >>> TAG_WALLET_SHIFT),
      orderId: this.orderIdOf(slot, tag, ref),
      ref,
      clientOrderId: this.tokenOf(slot, tag),
      locate,
      side: buy ? 'B' : 'S',
      orderType: 'L',
      price,
      shares: filled + remaining + cancelled,
      filledShares: filled,
      remainingShares: remaining,
      status,
      reject,
      filledNotional: cold[c + C_NOTIONAL],
      creationNs: cold[c + C_CREATION_NS],
      updateNs: cold[c + C_UPDATE_NS],
      seq,
    });
  }

  /** A report on the order being entered (remaining: its open shares). */
  private reportIncoming(requestId: number, seq: number, status: OrderStatus, reject: string, cancelled: number, ref: number): void {
    const filled = this.inFilled;
    const remaining = this.inRemaining;
    this.reportOrder({
      kind: 'order',
      requestId,
      account: this.wallet.accountOf(this.inWs),
      orderId: this.inOrderId,
      ref,
      clientOrderId: this.inTokenText(),
      locate: this.inLocate,
      side: this.inBuy ? 'B' : 'S',
      orderType: typeCode(this.inType),
      price: this.inPrice,
      shares: filled + remaining + cancelled,
      filledShares: filled,
      remainingShares: remaining,
      status,
      reject,
      filledNotional: this.inNotional,
      creationNs: this.inCreationNs,
      updateNs: this.inUpdateNs,
      seq,
    });
  }

  private reportOrder(report: OrderReport): void {
    (this.sink as ReportSink)(report);
  }

  private reportExecution(ws: number, executionId: number, orderId: number, token: string, locate: number, buy: boolean, type: number, price: number, shares: number, liquidity: 'A' | 'R', ts: number, seq: number): void {
    const report: ExecutionReport = {
      kind: 'execution',
      account: this.wallet.accountOf(ws),
      executionId,
      matchNumber: Math.floor(executionId / 2),
      orderId,
      clientOrderId: token,
      locate,
      side: buy ? 'B' : 'S',
      orderType: typeCode(type),
      price,
      shares,
      liquidity,
      timeNs: ts,
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
    const engine = this.engine;
    for (const s of this.openSlots()) {
      const tag = engine.tagAt(s);
      const bookSide = engine.bookSideAt(s);
      const buy = (bookSide & 1) === 0;
      const price = engine.priceAt(s);
      out.push({
        orderId: this.orderIdOf(s, tag),
        ref: engine.refAt(s),
        account: this.wallet.accountOf(tag >>> TAG_WALLET_SHIFT),
        locate: bookSide >> 1,
        side: buy ? ('B' as const) : ('S' as const),
        price,
        remaining: engine.sharesAt(s),
        filled: this.cold[s * 4 + C_FILLED],
        reserve: buy ? price : (tag & TAG_SHARES_RESERVED) !== 0 ? 1 : 0,
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
    this.usedTokens.forEach((ws, keys, at) => tokens.push(`${this.wallet.accountOf(ws)}/${tokenKeyText(keys, at)}`));
    tokens.sort();
    hash.update(tokens.join('\n'));
  }
}

/**
 * Writes a zero into each 4 KiB page of a fresh array from `from` on (what `set` will not
 * copy into), so the kernel maps the pages now rather than on the first order that rests in
 * them: a fresh large typed array is untouched memory, and a page fault in a VM costs
 * microseconds on the hot path. The engine's pools are touched at start-up the same way
 * (their free lists).
 */
function touchPages(a: Float64Array | Uint32Array, from: number): void {
  const step = 4096 / a.BYTES_PER_ELEMENT;
  for (let i = from; i < a.length; i += step) a[i] = 0;
}

function copyKey(from: Uint32Array, at: number, to: Uint32Array, into: number): void {
  for (let i = 0; i < TOKEN_KEY_WORDS; i++) to[into + i] = from[at + i];
}

function typeCode(type: number): 'L' | 'I' | 'M' {
  return type === OT_MARKET ? 'M' : type === OT_IOC ? 'I' : 'L';
}
