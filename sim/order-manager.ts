// The order manager: client orders between the sequencer and the book. Every client
// command (account != 0) comes here in sequence order, live and in every replay: it checks
// the order (risk-checks.ts), reserves in the wallet (wallet.ts), hands the book a command
// it can match (a market order becomes IOC at the collar, so a fill never costs more than
// was reserved), settles the fills the engine reports, and tells the owner (reports).
//
// Client orders live in slots of typed arrays; a RefTable finds one by its current engine
// ref, a second by its order id once a replace has given it a new ref. Reports (objects)
// are made only while a report sink is set: replays and benchmarks make none.
import type * as crypto from 'node:crypto';
import type { ExecutionReport, OrderEntryReport, OrderReport, OrderStatus, AccountReport } from '../protocol';
import { COMMAND_SIZE, CommandBuffer, CommandType, OrderType, TransferCode } from './command';
import { REJECT_CODES, RejectReason } from './errors';
import { MAX_PRICE, type ExecutionListener, type MatchingEngine } from './matching-engine';
import { RefTable } from './ref-table';
import type { RiskChecks } from './risk-checks';
import { HOUSE_SLOT, type Wallet } from './wallet';

const OK: RejectReason = RejectReason.None;
const BUY = 0x42;
const SELL = 0x53;
const OT_LIMIT = OrderType.Limit;
const OT_IOC = OrderType.ImmediateOrCancel;
const OT_MARKET = OrderType.Market;
const WORDS = COMMAND_SIZE >> 2;

export type ReportSink = (report: OrderEntryReport) => void;

export class OrderManager implements ExecutionListener {
  private readonly engine: MatchingEngine;
  private readonly wallet: Wallet;
  private readonly risk: RiskChecks;
  private readonly symbols: number;
  private readonly tick: number;
  private readonly maxEngineShares: number;
  private readonly scratch = new CommandBuffer(1);

  // Client order slots.
  private capacity = 0;
  private free = -1;
  private inUse = new Uint8Array(0);
  private next = new Int32Array(0);
  private walletSlot = new Int32Array(0);
  private orderId = new Float64Array(0);
  private ref = new Float64Array(0);
  private locate = new Uint16Array(0);
  private side = new Uint8Array(0);
  private type = new Uint8Array(0);
  private price = new Float64Array(0);
  /** Buy: cash reserved per open share (its limit). Sell: 1 when its shares are reserved, 0 short. */
  private reserve = new Float64Array(0);
  private filled = new Float64Array(0);
  private remaining = new Float64Array(0);
  private notional = new Float64Array(0);
  private creationNs = new Float64Array(0);
  private updateNs = new Float64Array(0);
  private tokens: string[] = [];
  private readonly byRef = new RefTable(1024);
  private readonly byOrderId = new RefTable(64);
  /** Client order ids used today, per wallet slot. */
  private readonly usedTokens = new Map<number, Set<string>>();

  private pendingToken = '';
  private pendingTokenSeq = -1;
  private pendingTokenBad = false;
  /** The client order the engine is entering now (its fills are the incoming side). */
  private incomingSlot = -1;

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
    this.grow(1024);
    engine.listener = this;
  }

  /** A client command (or a 'C'/'T'/'A' record), in sequence order. */
  apply(cmds: CommandBuffer, base: number): RejectReason {
    switch (cmds.type(base)) {
      case CommandType.NewOrder:
        return this.applyNew(cmds, base);
      case CommandType.Cancel:
        return this.applyCancel(cmds, base);
      case CommandType.Replace:
        return this.applyReplace(cmds, base);
      case CommandType.ClientToken:
        this.pendingToken = cmds.token(base);
        this.pendingTokenBad = this.pendingToken === '';
        this.pendingTokenSeq = cmds.inboundSeq(base);
        return this.engine.apply(cmds, base);
      case CommandType.Transfer:
        return this.applyTransfer(cmds, base);
      case CommandType.AccountSettings:
        return this.applySettings(cmds, base);
      default:
        // Trading states and system events are the house's.
        return this.engine.refuse(cmds, base, RejectReason.BadCommand);
    }
  }

  // ---- new orders ---------------------------------------------------------------------

  private applyNew(cmds: CommandBuffer, base: number): RejectReason {
    const seq = cmds.inboundSeq(base);
    const account = cmds.account(base);
    const requestId = this.takeRequestId(seq);
    const token = this.takeToken(seq);
    const locate = cmds.locate(base);
    const side = cmds.side(base);
    const type = cmds.orderType(base);
    const shares = cmds.shares(base);
    const price = cmds.price(base);
    const buy = side === BUY;
    const market = type === OT_MARKET;
    let reason: RejectReason = OK;
    let ws = -1;
    let limit = price;
    if (token === null) reason = RejectReason.BadClientOrderId;
    else if (locate < 1 || locate > this.symbols) reason = RejectReason.UnknownSymbol;
    else if (!buy && side !== SELL) reason = RejectReason.BadSide;
    else if (type !== OT_LIMIT && type !== OT_IOC && !market) reason = RejectReason.BadOrderType;
    else if (shares < 1 || shares > this.maxEngineShares) reason = RejectReason.BadShares;
    else if (!market && !this.validPrice(price)) reason = RejectReason.BadPrice;
    else {
      ws = this.wallet.find(account);
      if (ws < 0 || ws >= this.risk.known.length || this.risk.known[ws] === 0) reason = RejectReason.UnknownAccount;
      else if (token !== '' && !this.useToken(ws, token)) reason = RejectReason.DuplicateClientOrderId;
      else {
        if (market) limit = this.risk.marketLimit(ws, locate, buy);
        reason = this.risk.check(ws, locate, shares, limit, !market, type === OT_LIMIT);
        if (reason === OK) {
          if (buy) {
            if (limit * shares > this.wallet.availableCash(ws)) reason = RejectReason.InsufficientFunds;
          } else if (this.risk.allowShort[ws] === 0 && shares > this.wallet.availableShares(ws, locate)) {
            reason = RejectReason.InsufficientShares;
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
    const slot = this.allocate();
    const reservedShares = buy ? 0 : this.risk.allowShort[ws] === 0 ? 1 : 0;
    if (buy) this.wallet.reserveCash(ws, limit * shares);
    else if (reservedShares !== 0) this.wallet.reserveShares(ws, locate, shares);
    this.walletSlot[slot] = ws;
    this.orderId[slot] = seq;
    this.ref[slot] = seq;
    this.locate[slot] = locate;
    this.side[slot] = side;
    this.type[slot] = type;
    this.price[slot] = market ? 0 : price;
    this.reserve[slot] = buy ? limit : reservedShares;
    this.filled[slot] = 0;
    this.remaining[slot] = shares;
    this.notional[slot] = 0;
    this.creationNs[slot] = ts;
    this.updateNs[slot] = ts;
    this.tokens[slot] = token as string;

    const scratch = this.scratch;
    copyCommand(cmds, base, scratch);
    if (market) {
      scratch.u8[2] = OT_IOC;
      scratch.u32[3] = limit;
    }
    this.incomingSlot = slot;
    reason = this.engine.apply(scratch, 0);
    this.incomingSlot = -1;
    if (reason !== OK) {
      this.release(slot, shares);
      if (this.sink !== null) this.reportOrder(slot, requestId, seq, 'rejected', REJECT_CODES[reason]);
      this.deallocate(slot);
      return reason;
    }
    const left = this.remaining[slot];
    if (left > 0 && type === OT_LIMIT && !this.engine.incomingSelfMatch) {
      this.risk.openOrders[ws]++;
      this.openOrders++;
      this.byRef.set(seq, slot);
      if (this.sink !== null) this.reportOrder(slot, requestId, seq, this.filled[slot] > 0 ? 'partiallyFilled' : 'new', '');
    } else {
      this.finish(slot, requestId, seq, this.engine.incomingSelfMatch && left > 0 ? RejectReason.SelfMatch : OK, false);
    }
    return OK;
  }

  // ---- cancels and replaces -------------------------------------------------------------

  private applyCancel(cmds: CommandBuffer, base: number): RejectReason {
    const seq = cmds.inboundSeq(base);
    const account = cmds.account(base);
    const requestId = this.takeRequestId(seq);
    const id = cmds.orderRef(base);
    const slot = this.lookup(id);
    if (slot < 0 || this.wallet.accountOf(this.walletSlot[slot]) !== account) {
      return this.refuseOnUnknown(cmds, base, requestId, account, seq, id, slot);
    }
    const scratch = this.scratch;
    copyCommand(cmds, base, scratch);
    scratch.f64[4] = this.ref[slot];
    const cancel = cmds.shares(base);
    const current = this.remaining[slot];
    const reason = this.engine.apply(scratch, 0);
    if (reason !== OK) {
      if (this.sink !== null) this.reportOrder(slot, requestId, seq, this.statusOf(slot), REJECT_CODES[reason]);
      return reason;
    }
    this.updateNs[slot] = cmds.timestampNs(base);
    if (cancel > 0 && cancel < current) {
      this.release(slot, cancel);
      this.remaining[slot] = current - cancel;
      if (this.sink !== null) this.reportOrder(slot, requestId, seq, this.statusOf(slot), '');
    } else {
      this.finish(slot, requestId, seq, OK, true);
    }
    return OK;
  }

  private applyReplace(cmds: CommandBuffer, base: number): RejectReason {
    const seq = cmds.inboundSeq(base);
    const account = cmds.account(base);
    const requestId = this.takeRequestId(seq);
    const token = this.takeToken(seq);
    const id = cmds.orderRef(base);
    const slot = this.lookup(id);
    if (slot < 0 || this.wallet.accountOf(this.walletSlot[slot]) !== account) {
      return this.refuseOnUnknown(cmds, base, requestId, account, seq, id, slot);
    }
    const ws = this.walletSlot[slot];
    const locate = this.locate[slot];
    const buy = this.side[slot] === BUY;
    const shares = cmds.shares(base);
    const price = cmds.price(base);
    const oldRemaining = this.remaining[slot];
    const oldPrice = this.price[slot];
    const oldReserve = this.reserve[slot];
    let reason: RejectReason = OK;
    if (token === null) reason = RejectReason.BadClientOrderId;
    else if (shares < 1 || shares > this.maxEngineShares) reason = RejectReason.BadShares;
    else if (!this.validPrice(price)) reason = RejectReason.BadPrice;
    else if (token !== '' && !this.useToken(ws, token)) reason = RejectReason.DuplicateClientOrderId;
    else reason = this.risk.check(ws, locate, shares, price, true, false);
    // Buy: cash (reserve = price per share); sell: shares (reserve = 1, or 0 when short).
    const oldNeed = oldRemaining * oldReserve;
    const newNeed = buy ? shares * price : shares * oldReserve;
    if (reason === OK && newNeed > oldNeed) {
      if (buy && newNeed - oldNeed > this.wallet.availableCash(ws)) reason = RejectReason.InsufficientFunds;
      else if (!buy && newNeed - oldNeed > this.wallet.availableShares(ws, locate)) reason = RejectReason.InsufficientShares;
    }
    if (reason !== OK) {
      this.engine.refuse(cmds, base, reason);
      if (this.sink !== null) this.reportOrder(slot, requestId, seq, this.statusOf(slot), REJECT_CODES[reason]);
      return reason;
    }
    // Reserve for the new size and price first: a replace that crosses fills at once.
    if (buy) {
      this.wallet.reserveCash(ws, newNeed - oldNeed);
      this.reserve[slot] = price;
    } else {
      this.wallet.reserveShares(ws, locate, newNeed - oldNeed);
    }
    this.remaining[slot] = shares;
    this.price[slot] = price;
    const oldRef = this.ref[slot];
    const scratch = this.scratch;
    copyCommand(cmds, base, scratch);
    scratch.f64[4] = oldRef;
    this.incomingSlot = slot;
    reason = this.engine.apply(scratch, 0);
    this.incomingSlot = -1;
    if (reason !== OK) {
      if (buy) {
        this.wallet.reserveCash(ws, oldNeed - newNeed);
        this.reserve[slot] = oldReserve;
      } else {
        this.wallet.reserveShares(ws, locate, oldNeed - newNeed);
      }
      this.remaining[slot] = oldRemaining;
      this.price[slot] = oldPrice;
      if (this.sink !== null) this.reportOrder(slot, requestId, seq, this.statusOf(slot), REJECT_CODES[reason]);
      return reason;
    }
    this.updateNs[slot] = cmds.timestampNs(base);
    if (token !== '') this.tokens[slot] = token as string;
    if (price === oldPrice && shares < oldRemaining) {
      // A partial cancel that keeps priority: same ref.
      if (this.sink !== null) this.reportOrder(slot, requestId, seq, this.statusOf(slot), '');
      return OK;
    }
    this.byRef.delete(oldRef);
    this.ref[slot] = seq;
    const left = this.remaining[slot];
    if (left > 0 && !this.engine.incomingSelfMatch) {
      this.byRef.set(seq, slot);
      this.byOrderId.set(this.orderId[slot], slot);
      if (this.sink !== null) this.reportOrder(slot, requestId, seq, this.statusOf(slot), '');
    } else {
      this.finish(slot, requestId, seq, left > 0 ? RejectReason.SelfMatch : OK, true);
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
    const slots: number[] = [];
    for (let s = 0; s < this.capacity; s++) if (this.inUse[s] !== 0 && this.walletSlot[s] === ws) slots.push(s);
    slots.sort((a, b) => this.orderId[a] - this.orderId[b]);
    for (const s of slots) {
      this.engine.deleteOrder(this.ref[s], ts, seq);
      this.updateNs[s] = ts;
      this.finish(s, 0, seq, RejectReason.KillSwitch, true);
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
    restingAccount: number,
    incomingRef: number,
    incomingAccount: number,
    matchNumber: number,
    timestampNs: number,
    inboundSeq: number,
  ): void {
    // restingSide: 0 the resting order is a bid (the incoming one sells), 1 an ask.
    if (restingAccount !== 0) {
      const slot = this.byRef.get(restingRef);
      if (slot >= 0) this.fill(slot, price, shares, matchNumber * 2, 'A', timestampNs, inboundSeq);
      if (incomingAccount === 0) {
        if (restingSide === 0) this.wallet.settleSell(HOUSE_SLOT, locate, shares, price, 0);
        else this.wallet.settleBuy(HOUSE_SLOT, locate, shares, price, 0);
      }
    }
    if (incomingAccount !== 0) {
      if (this.incomingSlot >= 0) this.fill(this.incomingSlot, price, shares, matchNumber * 2 + 1, 'R', timestampNs, inboundSeq);
      if (restingAccount === 0) {
        if (restingSide === 0) this.wallet.settleBuy(HOUSE_SLOT, locate, shares, price, 0);
        else this.wallet.settleSell(HOUSE_SLOT, locate, shares, price, 0);
      }
    }
    void incomingRef;
  }

  private fill(slot: number, price: number, shares: number, executionId: number, liquidity: 'A' | 'R', ts: number, seq: number): void {
    const ws = this.walletSlot[slot];
    const locate = this.locate[slot];
    if (this.side[slot] === BUY) this.wallet.settleBuy(ws, locate, shares, price, this.reserve[slot]);
    else this.wallet.settleSell(ws, locate, shares, price, shares * this.reserve[slot]);
    this.filled[slot] += shares;
    this.remaining[slot] -= shares;
    this.notional[slot] += shares * price;
    this.updateNs[slot] = ts;
    if (this.sink !== null) {
      const report: ExecutionReport = {
        kind: 'execution',
        account: this.wallet.accountOf(ws),
        executionId,
        matchNumber: Math.floor(executionId / 2),
        orderId: this.orderId[slot],
        clientOrderId: this.tokens[slot],
        locate,
        side: this.side[slot] === BUY ? 'B' : 'S',
        orderType: typeCode(this.type[slot]),
        price,
        shares,
        liquidity,
        timeNs: ts,
        seq,
      };
      this.sink(report);
    }
    if (liquidity === 'A') {
      if (this.remaining[slot] === 0) this.finish(slot, 0, seq, OK, true);
      else if (this.sink !== null) this.reportOrder(slot, 0, seq, 'partiallyFilled', '');
    }
  }

  // ---- order slots ----------------------------------------------------------------------

  /** Releases the reservation of `shares` open shares of an order. */
  private release(slot: number, shares: number): void {
    const ws = this.walletSlot[slot];
    if (this.side[slot] === BUY) this.wallet.reserveCash(ws, -shares * this.reserve[slot]);
    else if (this.reserve[slot] !== 0) this.wallet.reserveShares(ws, this.locate[slot], -shares);
  }

  /**
   * The order is done: what is left open is cancelled (released), it leaves the tables and
   * its owner is told (filled, or cancelled with `why` when not OK or shares were left).
   */
  private finish(slot: number, requestId: number, seq: number, why: RejectReason, wasOpen: boolean): void {
    const left = this.remaining[slot];
    if (left > 0) this.release(slot, left);
    const status: OrderStatus = left > 0 || why !== OK ? 'cancelled' : 'filled';
    if (wasOpen) {
      this.risk.openOrders[this.walletSlot[slot]]--;
      this.openOrders--;
      this.byRef.delete(this.ref[slot]);
      if (this.ref[slot] !== this.orderId[slot]) this.byOrderId.delete(this.orderId[slot]);
    }
    this.remaining[slot] = 0;
    if (this.sink !== null) this.reportOrder(slot, requestId, seq, status, why === OK ? '' : REJECT_CODES[why], left);
    this.deallocate(slot);
  }

  private lookup(orderId: number): number {
    const slot = this.byRef.get(orderId);
    if (slot >= 0 && this.orderId[slot] === orderId) return slot;
    return this.byOrderId.size === 0 ? -1 : this.byOrderId.get(orderId);
  }

  private allocate(): number {
    if (this.free < 0) this.grow(this.capacity * 2);
    const slot = this.free;
    this.free = this.next[slot];
    this.inUse[slot] = 1;
    return slot;
  }

  private deallocate(slot: number): void {
    this.inUse[slot] = 0;
    this.tokens[slot] = '';
    this.next[slot] = this.free;
    this.free = slot;
  }

  private grow(cap: number): void {
    const old = this.capacity;
    const f64 = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    const u8 = (a: Uint8Array): Uint8Array<ArrayBuffer> => {
      const b = new Uint8Array(cap);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.inUse = u8(this.inUse);
    this.next = i32(this.next);
    this.walletSlot = i32(this.walletSlot);
    this.orderId = f64(this.orderId);
    this.ref = f64(this.ref);
    const locates = new Uint16Array(cap);
    locates.set(this.locate);
    this.locate = locates;
    this.side = u8(this.side);
    this.type = u8(this.type);
    this.price = f64(this.price);
    this.reserve = f64(this.reserve);
    this.filled = f64(this.filled);
    this.remaining = f64(this.remaining);
    this.notional = f64(this.notional);
    this.creationNs = f64(this.creationNs);
    this.updateNs = f64(this.updateNs);
    for (let i = old; i < cap; i++) this.tokens.push('');
    for (let i = cap - 1; i >= old; i--) {
      this.next[i] = this.free;
      this.free = i;
    }
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

  private statusOf(slot: number): OrderStatus {
    return this.filled[slot] > 0 ? 'partiallyFilled' : 'new';
  }

  private reportOrder(slot: number, requestId: number, seq: number, status: OrderStatus, reject: string, cancelled = 0): void {
    const filled = this.filled[slot];
    const remaining = this.remaining[slot];
    const report: OrderReport = {
      kind: 'order',
      requestId,
      account: this.wallet.accountOf(this.walletSlot[slot]),
      orderId: this.orderId[slot],
      ref: this.ref[slot],
      clientOrderId: this.tokens[slot],
      locate: this.locate[slot],
      side: this.side[slot] === BUY ? 'B' : 'S',
      orderType: typeCode(this.type[slot]),
      price: this.price[slot],
      shares: filled + remaining + cancelled,
      filledShares: filled,
      remainingShares: remaining,
      status,
      reject,
      filledNotional: this.notional[slot],
      creationNs: this.creationNs[slot],
      updateNs: this.updateNs[slot],
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
    for (let s = 0; s < this.capacity; s++) {
      if (this.inUse[s] === 0) continue;
      out.push({
        orderId: this.orderId[s],
        ref: this.ref[s],
        account: this.wallet.accountOf(this.walletSlot[s]),
        locate: this.locate[s],
        side: this.side[s] === BUY ? ('B' as const) : ('S' as const),
        price: this.price[s],
        remaining: this.remaining[s],
        filled: this.filled[s],
        reserve: this.reserve[s],
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
