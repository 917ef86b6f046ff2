// An engine wired to an in-process ring reader that collects decoded events: for
// tests and tools that want to look at what the engine said, command by command.
import {
  EngineEventRing,
  EngineEventRingReader,
  EngineEventRingWriter,
  readEngineEvent,
  type EngineEvent,
  type EngineEventHandler,
  type EngineEventView,
} from '../protocol';
import { CommandBuffer, CommandType, OrderType } from './command';
import type { RejectReason } from './errors';
import { MatchingEngine, type MatchingEngineOptions } from './matching-engine';

export class EngineHarness implements EngineEventHandler {
  readonly engine: MatchingEngine;
  readonly reader: EngineEventRingReader;
  readonly events: EngineEvent[] = [];
  private readonly cmds = new CommandBuffer(1);
  private seq = 0;
  timeNs = 34_200_000_000_000;

  constructor(options: Partial<MatchingEngineOptions> = {}, ringCapacity = 1024) {
    const ring = EngineEventRing.create(ringCapacity);
    this.reader = new EngineEventRingReader(ring);
    const writer = new EngineEventRingWriter(ring, { onRingFull: () => this.reader.drain(this) });
    this.engine = new MatchingEngine(
      { symbols: 3, orderCapacity: 1024, levelCapacity: 256, maxOrderShares: 1_000_000, tickSize: 100, ...options },
      writer,
    );
  }

  onEngineEvent(view: EngineEventView, base: number): void {
    this.events.push(readEngineEvent(view, base));
  }

  /** Applies one command and returns [reason, its events, its ref (inbound seq)]. */
  private run(type: number, side: number, orderType: number, code: number, locate: number, shares: number, price: number, ref: number): {
    reason: RejectReason;
    events: EngineEvent[];
    ref: number;
  } {
    const seq = ++this.seq;
    this.cmds.write(0, type, side, orderType, code, locate, shares, price, ref);
    this.cmds.stamp(0, seq, (this.timeNs += 1000));
    const before = this.events.length;
    const reason = this.engine.apply(this.cmds, 0);
    this.engine.publish();
    this.reader.drain(this);
    return { reason, events: this.events.slice(before), ref: seq };
  }

  limit(locate: number, side: 'B' | 'S', shares: number, dollars: number, ioc = false) {
    return this.run(CommandType.NewOrder, side.charCodeAt(0), ioc ? OrderType.ImmediateOrCancel : OrderType.Limit, 0, locate, shares, Math.round(dollars * 10000), 0);
  }

  limitRaw(locate: number, side: number, orderType: number, shares: number, price: number) {
    return this.run(CommandType.NewOrder, side, orderType, 0, locate, shares, price, 0);
  }

  market(locate: number, side: 'B' | 'S', shares: number) {
    return this.run(CommandType.NewOrder, side.charCodeAt(0), OrderType.Market, 0, locate, shares, 0, 0);
  }

  cancel(ref: number, shares = 0) {
    return this.run(CommandType.Cancel, 0, 0, 0, 0, shares, 0, ref);
  }

  replace(ref: number, shares: number, dollars: number) {
    return this.run(CommandType.Replace, 0, 0, 0, 0, shares, Math.round(dollars * 10000), ref);
  }

  tradingState(locate: number, state: string) {
    return this.run(CommandType.TradingState, 0, 0, state.charCodeAt(0), locate, 0, 0, 0);
  }

  systemEvent(code: string) {
    return this.run(CommandType.SystemEvent, 0, 0, code.charCodeAt(0), 0, 0, 0, 0);
  }

  raw(type: number, side: number, orderType: number, code: number, locate: number, shares: number, price: number, ref: number) {
    return this.run(type, side, orderType, code, locate, shares, price, ref);
  }
}

