// The trading core: the order manager (with its risk checks and wallet) in front of the
// matching engine, as one unit that applies sequenced commands. Every path that applies
// commands goes through it (the live sequencer, start-up recovery, `tickwire sim
// --replay`, the runtime's journal replay), so a client order that the risk checks refused
// live is refused in every replay and the feed's events are identical.
//
// House commands (account 0: the order-flow generator) go straight to the engine: the
// house trades without wallet or risk checks, so the generator keeps its speed. Its fills
// against client orders still settle the client's side (the engine's execution listener).
import * as crypto from 'node:crypto';
import { type CommandBuffer, CommandType } from './command';
import type { RejectReason } from './errors';
import type { MatchingEngine } from './matching-engine';
import { OrderManager } from './order-manager';
import { RiskChecks } from './risk-checks';
import { symbolUniverse } from './symbols';
import { Wallet } from './wallet';

const CMD_TOKEN = CommandType.ClientToken;
const CMD_TRANSFER = CommandType.Transfer;
const CMD_SETTINGS = CommandType.AccountSettings;

/** What the sequencer applies commands to: the engine alone, or the trading core. */
export interface CommandApplier {
  apply(cmds: CommandBuffer, base: number): RejectReason;
  /** Makes the events of the commands applied so far visible to the consumer. */
  publish(): void;
}

export interface TradingCoreOptions {
  tickSize: number;
  /** The engine's largest order. */
  maxOrderShares: number;
  /** The listing's reference prices by locate (default: the configured listing's). */
  referencePrices?: Int32Array;
}

export class TradingCore implements CommandApplier {
  readonly engine: MatchingEngine;
  readonly wallet: Wallet;
  readonly risk: RiskChecks;
  readonly orders: OrderManager;

  constructor(engine: MatchingEngine, options: TradingCoreOptions) {
    this.engine = engine;
    let prices = options.referencePrices;
    if (prices === undefined) {
      prices = new Int32Array(engine.symbols + 1);
      for (const s of symbolUniverse(engine.symbols)) prices[s.locate] = s.referencePrice;
    }
    this.wallet = new Wallet(engine.symbols);
    this.risk = new RiskChecks(engine, prices, options.tickSize);
    this.orders = new OrderManager(engine, this.wallet, this.risk, options);
  }

  /** Applies one sequenced command; returns RejectReason.None or why it was refused. */
  apply(cmds: CommandBuffer, base: number): RejectReason {
    const type = cmds.u8[base];
    if (cmds.u32[(base >> 2) + 10] === 0 && type !== CMD_TOKEN && type !== CMD_TRANSFER && type !== CMD_SETTINGS) {
      return this.engine.apply(cmds, base);
    }
    return this.orders.apply(cmds, base);
  }

  publish(): void {
    this.engine.publish();
  }

  /** SHA-256 of the engine's books, every balance, reservation, setting and open client order: equal digests, identical cores. */
  stateDigest(): string {
    const hash = crypto.createHash('sha256');
    hash.update(this.engine.stateDigest());
    const last: number[] = [];
    for (let locate = 1; locate <= this.engine.symbols; locate++) last.push(this.engine.lastTradePrice(locate));
    hash.update(`last=${last.join(',')};`);
    const risk = this.risk;
    for (const b of this.wallet.all()) {
      const ws = this.wallet.find(b.account);
      const settings = ws < risk.known.length
        ? `${risk.known[ws]}/${risk.riskClass[ws]}/${risk.allowShort[ws]}/${risk.killSwitch[ws]}/${risk.maxOrderShares[ws]}/${risk.maxOpenOrders[ws]}/${risk.maxNotional[ws]}/${risk.collar[ws]}/${risk.openOrders[ws]}`
        : '';
      hash.update(`a${b.account}:${b.cash}:${b.cashReserved}:${settings};`);
      for (const p of b.positions) hash.update(`${p.locate}=${p.shares}/${p.sharesReserved};`);
    }
    this.orders.digestInto(hash);
    return hash.digest('hex');
  }
}
