// Orders, executions and balances as clients see them (REST answers and the private
// websocket alike): tickers for locates, "buy"/"sell", decimal-string prices and cash, and
// UTC ms for the engine's ns-since-New-York-midnight timestamps (of `sessionDate`).
import type { ListedSymbol } from '../config';
import { nySessionMidnightMs, type BalanceView, type ExecutionReport, type OrderStatus, type OrderTypeCode } from '../protocol';
import type { MirroredOrder } from './order-mirror';
import { formatDecimal4 } from './prices';

export interface OrderJson {
  id: number;
  clientOrderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  orderType: 'limit' | 'market';
  timeInForce: 'day' | 'ioc';
  /** Null for a market order. */
  price: string | null;
  quantity: number;
  filledQuantity: number;
  remainingQuantity: number;
  /** Null before any fill. */
  averagePrice: string | null;
  status: OrderStatus;
  /** The exchange core's TW_REJECT_* code when rejected. */
  reason?: string;
  creationTime: number;
  updateTime: number;
}

export interface ExecutionJson {
  id: number;
  orderId: number;
  clientOrderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  price: string;
  orderType: 'limit' | 'market';
  quantity: number;
  liquidity: 'added' | 'removed';
  time: number;
}

export interface BalancesJson {
  cash: string;
  cashReserved: string;
  cashAvailable: string;
  positions: Array<{ symbol: string; shares: number; sharesReserved: number; sharesAvailable: number }>;
}

const ORDER_TYPE: Record<OrderTypeCode, 'limit' | 'market'> = { L: 'limit', I: 'limit', M: 'market' };

export class OrderFormatter {
  private readonly tickers: string[] = [];
  readonly midnightMs: number;

  constructor(symbols: readonly ListedSymbol[], sessionDate: string) {
    for (const s of symbols) this.tickers[s.locate] = s.ticker;
    this.midnightMs = nySessionMidnightMs(sessionDate);
  }

  ticker(locate: number): string {
    return this.tickers[locate] ?? `#${locate}`;
  }

  /** Engine ns since New York midnight -> UTC ms (whole, truncated). */
  epochMs(ns: number): number {
    return this.midnightMs + Math.floor(ns / 1e6);
  }

  /** UTC ms -> engine ns since New York midnight (for time filters). */
  sinceMidnightNs(ms: number): number {
    return (ms - this.midnightMs) * 1e6;
  }

  order(o: MirroredOrder): OrderJson {
    const j: OrderJson = {
      id: o.orderId,
      clientOrderId: o.clientOrderId,
      symbol: this.ticker(o.locate),
      side: o.side === 'B' ? 'buy' : 'sell',
      orderType: ORDER_TYPE[o.orderType],
      timeInForce: o.orderType === 'L' ? 'day' : 'ioc',
      price: o.orderType === 'M' ? null : formatDecimal4(o.price),
      quantity: o.shares,
      filledQuantity: o.filledShares,
      remainingQuantity: o.remainingShares,
      averagePrice: o.filledShares > 0 ? formatDecimal4(Math.round(o.filledNotional / o.filledShares)) : null,
      status: o.status,
      creationTime: this.epochMs(o.creationNs),
      updateTime: this.epochMs(o.updateNs),
    };
    if (o.reject !== '') j.reason = o.reject;
    return j;
  }

  execution(e: ExecutionReport): ExecutionJson {
    return {
      id: e.executionId,
      orderId: e.orderId,
      clientOrderId: e.clientOrderId,
      symbol: this.ticker(e.locate),
      side: e.side === 'B' ? 'buy' : 'sell',
      price: formatDecimal4(e.price),
      orderType: ORDER_TYPE[e.orderType],
      quantity: e.shares,
      liquidity: e.liquidity === 'A' ? 'added' : 'removed',
      time: this.epochMs(e.timeNs),
    };
  }

  balances(b: BalanceView): BalancesJson {
    return {
      cash: formatDecimal4(b.cash),
      cashReserved: formatDecimal4(b.cashReserved),
      cashAvailable: formatDecimal4(b.cash - b.cashReserved),
      positions: b.positions.map((p) => ({ symbol: this.ticker(p.locate), shares: p.shares, sharesReserved: p.sharesReserved, sharesAvailable: p.shares - p.sharesReserved })),
    };
  }
}
