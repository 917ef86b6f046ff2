// A trading core (order manager + engine) wired to an in-process ring reader, with helpers
// that write client and house commands: for tests and tools that look at reports, balances
// and engine events command by command.
import type { OrderEntryReport } from '../protocol';
import { CommandBuffer, CommandType, OrderType, TransferCode } from './command';
import { EngineHarness } from './engine-harness';
import type { RejectReason } from './errors';
import type { MatchingEngineOptions } from './matching-engine';
import { riskLimitsOf } from './risk-checks';
import { TradingCore } from './trading-core';

export interface HarnessRiskClass {
  name: string;
  maxOrderShares: number;
  maxOrderNotional: number;
  priceCollar: number;
  maxOpenOrders: number;
}

export const DEFAULT_TEST_CLASS: HarnessRiskClass = { name: 'retail', maxOrderShares: 100_000, maxOrderNotional: 1_000_000, priceCollar: 0.1, maxOpenOrders: 500 };

export class TradingHarness {
  readonly engine: EngineHarness;
  readonly trading: TradingCore;
  readonly reports: OrderEntryReport[] = [];
  private readonly cmds = new CommandBuffer(2);
  private seq = 0;

  constructor(options: Partial<MatchingEngineOptions> = {}, referencePrices?: Int32Array) {
    this.engine = new EngineHarness(options, 1 << 12);
    const engine = this.engine.engine;
    this.trading = new TradingCore(engine, { tickSize: options.tickSize ?? 100, maxOrderShares: options.maxOrderShares ?? 1_000_000, referencePrices });
    this.trading.orders.sink = (r) => this.reports.push(r);
  }

  /** The next inbound sequence number (a new order's id). */
  get nextSeq(): number {
    return this.seq + 1;
  }

  private run(fill: (cmds: CommandBuffer, base: number) => void): { reason: RejectReason; seq: number; reports: OrderEntryReport[] } {
    const before = this.reports.length;
    fill(this.cmds, 0);
    const seq = ++this.seq;
    this.cmds.stamp(0, seq, (this.engine.timeNs += 1000));
    const reason = this.trading.apply(this.cmds, 0);
    this.trading.publish();
    this.engine.reader.drain(this.engine);
    return { reason, seq, reports: this.reports.slice(before) };
  }

  open(): void {
    this.run((c, b) => c.write(b, CommandType.SystemEvent, 0, 0, 0x51, 0, 0, 0, 0));
  }

  settings(account: number, opts: { riskClass?: number; allowShort?: boolean; killSwitch?: boolean; cls?: HarnessRiskClass } = {}) {
    return this.run((c, b) => c.writeSettings(b, account, opts.riskClass ?? 0, opts.allowShort ?? false, opts.killSwitch ?? false, riskLimitsOf(opts.cls ?? DEFAULT_TEST_CLASS)));
  }

  deposit(account: number, locate: number, amount: number) {
    return this.run((c, b) => c.writeTransfer(b, TransferCode.Deposit, account, locate, amount));
  }

  withdraw(account: number, locate: number, amount: number) {
    return this.run((c, b) => c.writeTransfer(b, TransferCode.Withdraw, account, locate, amount));
  }

  /** A token record then a new order; `dollars` 0 with type 'M' is a market order. */
  order(account: number, locate: number, side: 'B' | 'S', shares: number, dollars: number, type: 'L' | 'I' | 'M' = 'L', token = '') {
    if (token !== '') this.run((c, b) => c.writeToken(b, token));
    const orderType = type === 'L' ? OrderType.Limit : type === 'I' ? OrderType.ImmediateOrCancel : OrderType.Market;
    return this.run((c, b) => {
      c.write(b, CommandType.NewOrder, side.charCodeAt(0), orderType, 0, locate, shares, Math.round(dollars * 10_000), 0);
      c.setAccount(b, account);
    });
  }

  cancel(account: number, orderId: number, shares = 0) {
    return this.run((c, b) => {
      c.write(b, CommandType.Cancel, 0, 0, 0, 0, shares, 0, orderId);
      c.setAccount(b, account);
    });
  }

  replace(account: number, orderId: number, shares: number, dollars: number, token = '') {
    if (token !== '') this.run((c, b) => c.writeToken(b, token));
    return this.run((c, b) => {
      c.write(b, CommandType.Replace, 0, 0, 0, 0, shares, Math.round(dollars * 10_000), orderId);
      c.setAccount(b, account);
    });
  }

  balances(account: number) {
    return this.trading.wallet.view(account);
  }
}
