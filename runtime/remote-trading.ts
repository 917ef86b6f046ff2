// A stateless client gateway's TradingPort: the exchange core is whichever HA node etcd
// names leader, reached over the order link (protocol/order-link.ts). It holds nothing an
// order's fate depends on: requests wait here only until a report answers them.
//
// Failover: the link drops (or the leader key names another node). On connecting to the new
// primary the gateway says the last report sequence it delivered and hears every later
// report the new primary holds. A request the old primary had taken is answered from that
// catch-up when its command was committed (a new order or replace by its clientOrderId, a
// cancel by the order it cancelled); otherwise it is sent again. clientOrderId makes the
// resend idempotent: an order is either in the catch-up or was never committed, and the
// core refuses a clientOrderId it already holds. Deposits and withdrawals are not resent
// (not idempotent): they stay unanswered and the router's timeout tells the client to look
// at the balances. Requests made while no primary is reachable wait and go out on connect.
import * as net from 'node:net';
import type { LeaderInfo } from '../ha';
import {
  type BalanceView,
  encodeLinkFrame,
  LinkFrameDecoder,
  type LinkDown,
  type OrderEntryReport,
  type OrderEntryRequest,
  type OrderReport,
  type TradingPort,
} from '../protocol';
import { RuntimeErrorCode } from './errors';
import type { Logger } from './logger';

export interface RemoteTradingOptions {
  /** This gateway's name in the primary's log. */
  name: string;
  logger: Logger;
  /** Called once per connection when the primary's core knows no account yet (a fresh session). */
  onFreshSession?: () => void;
}

export interface RemoteTradingFigures {
  connected: boolean;
  primary: string;
  epoch: number;
  connects: number;
  /** Requests answered from a new primary's catch-up (the old one had committed them). */
  answeredFromCatchUp: number;
  /** Requests sent again to a new primary. */
  resent: number;
  /** Deposits and withdrawals in flight at a failover: left to time out (not idempotent). */
  notResent: number;
  /** Connections whose catch-up could not reach back to the last report delivered. */
  gaps: number;
  badFrames: number;
  lastSeq: number;
}

interface Pending {
  readonly req: OrderEntryRequest;
  /** The epoch of the primary it was sent to (0: not sent yet). */
  sentEpoch: number;
  /** Sent again to a newer primary. */
  resent: boolean;
}

const DUPLICATE = 'TW_REJECT_DUPLICATE_CLIENT_ORDER_ID';

export class RemoteTradingPort implements TradingPort {
  readonly figures: RemoteTradingFigures = { connected: false, primary: '', epoch: 0, connects: 0, answeredFromCatchUp: 0, resent: 0, notResent: 0, gaps: 0, badFrames: 0, lastSeq: 0 };
  private listener: ((reports: readonly OrderEntryReport[]) => void) | null = null;
  /** By the gateway's requestId, in submission order. */
  private readonly pending = new Map<number, Pending>();
  private readonly balanceWaits = new Map<number, { account: number; resolve(v: BalanceView): void }>();
  private nextBalanceId = 1;
  private socket: net.Socket | null = null;
  private live = false;
  private leader: LeaderInfo | null = null;
  /** Reports heard in the current connection's catch-up, before `live`. */
  private catchUp: OrderEntryReport[] = [];
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Resent new orders and replaces by account:clientOrderId -> requestId, until the order's own report answers them. */
  private readonly resentTokens = new Map<string, number>();

  constructor(private readonly options: RemoteTradingOptions) {}

  submit(request: OrderEntryRequest): void {
    this.pending.set(request.requestId, { req: request, sentEpoch: 0, resent: false });
    if (this.live) this.sendRequest(this.pending.get(request.requestId) as Pending);
  }

  onReports(listener: (reports: readonly OrderEntryReport[]) => void): void {
    this.listener = listener;
  }

  balances(account: number): Promise<BalanceView> {
    const id = this.nextBalanceId++;
    return new Promise<BalanceView>((resolve, reject) => {
      this.balanceWaits.set(id, { account, resolve });
      if (this.live) this.write({ t: 'bal', id, account });
      setTimeout(() => {
        if (this.balanceWaits.delete(id)) reject(new Error('no primary answered within 5 s'));
      }, 5000).unref();
    });
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.socket?.destroy();
  }

  /** The leader named in etcd (a LeaderWatch calls this): connect to a new one. */
  follow(leader: LeaderInfo | null): void {
    const was = this.leader;
    this.leader = leader;
    if (leader === null || leader.orderLinkPort === 0) return; // between leaders: keep what we have until it drops
    if (was !== null && was.epoch === leader.epoch && this.socket !== null) return;
    // A newer leader: the old link (if any) is from a deposed primary.
    this.socket?.destroy();
    this.connect();
  }

  private connect(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.closed || this.leader === null) return;
    // One link at a time: requests sent on two would be answered on the one we stopped reading.
    this.socket?.destroy();
    const leader = this.leader;
    const socket = net.connect({ host: leader.orderLinkHost, port: leader.orderLinkPort });
    this.socket = socket;
    this.live = false;
    this.catchUp = [];
    socket.setNoDelay(true);
    const decoder = new LinkFrameDecoder();
    socket.on('connect', () => {
      this.figures.connects++;
      this.write({ t: 'hello', gateway: this.options.name, lastSeq: this.figures.lastSeq });
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.socket !== socket) return;
      const bad = decoder.push(chunk, (m) => this.onMessage(m as LinkDown, leader));
      if (bad !== '') {
        this.figures.badFrames++;
        this.options.logger.warn({ code: RuntimeErrorCode.LinkBadFrame }, `order link to ${leader.node}: ${bad}; reconnecting`);
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.live = false;
      this.figures.connected = false;
      // The same leader may come back (a restart) or etcd will name another: try again soon.
      if (!this.closed) this.retryTimer = setTimeout(() => this.connect(), 100);
    });
  }

  private onMessage(m: LinkDown, leader: LeaderInfo): void {
    switch (m.t) {
      case 'reports':
        if (m.catchUp) for (const r of m.reports) this.catchUp.push(r);
        else this.deliver(m.reports);
        return;
      case 'live':
        this.goLive(m.gap, leader);
        if (m.accounts === 0) this.options.onFreshSession?.();
        return;
      case 'bal': {
        const w = this.balanceWaits.get(m.id);
        if (w !== undefined) {
          this.balanceWaits.delete(m.id);
          w.resolve(m.view);
        }
        return;
      }
    }
  }

  /** The catch-up is in: answer what it answers, resend the rest, then go live. */
  private goLive(gap: boolean, leader: LeaderInfo): void {
    const caught = this.catchUp;
    this.catchUp = [];
    if (gap) {
      this.figures.gaps++;
      this.options.logger.warn({ code: RuntimeErrorCode.LinkGap }, `order link: ${leader.node} no longer holds every report after ${this.figures.lastSeq}; requests in flight are sent again and may be refused as duplicates`);
    }
    // Which in-flight requests did the old primary commit? Match them to their reports.
    const byToken = new Map<string, number>();
    const byCancel = new Map<number, number>();
    for (const [id, p] of this.pending) {
      if (p.sentEpoch === 0) continue;
      const r = p.req;
      if ((r.kind === 'new' || r.kind === 'replace') && r.clientOrderId !== '') byToken.set(`${r.account}:${r.clientOrderId}`, id);
      else if (r.kind === 'cancel') byCancel.set(r.orderId, id);
    }
    const answered = new Set<number>();
    const shaped = caught.map((r): OrderEntryReport => {
      if (r.kind !== 'order') return r;
      const id = byToken.get(`${r.account}:${r.clientOrderId}`) ?? (r.status === 'cancelled' ? byCancel.get(r.orderId) : undefined);
      if (id === undefined || answered.has(id)) return r;
      answered.add(id);
      return { ...r, requestId: id } satisfies OrderReport;
    });
    this.deliver(shaped);
    this.figures.answeredFromCatchUp += answered.size;
    this.live = true;
    this.figures.connected = true;
    this.figures.primary = leader.node;
    this.figures.epoch = leader.epoch;
    for (const p of this.pending.values()) {
      if (p.sentEpoch !== 0) {
        if (p.req.kind === 'deposit' || p.req.kind === 'withdraw') {
          this.figures.notResent++;
          this.pending.delete(p.req.requestId);
          continue;
        }
        this.figures.resent++;
        p.resent = true;
        const r = p.req;
        if ((r.kind === 'new' || r.kind === 'replace') && r.clientOrderId !== '') this.resentTokens.set(`${r.account}:${r.clientOrderId}`, r.requestId);
      }
      this.sendRequest(p);
    }
    for (const [id, w] of this.balanceWaits) this.write({ t: 'bal', id, account: w.account });
  }

  private deliver(reports: readonly OrderEntryReport[]): void {
    if (reports.length === 0) return;
    let out: OrderEntryReport[] | null = null;
    for (let i = 0; i < reports.length; i++) {
      let r = reports[i];
      if (r.seq > this.figures.lastSeq) this.figures.lastSeq = r.seq;
      if (r.kind === 'order' && this.resentTokens.size > 0) {
        const token = `${r.account}:${r.clientOrderId}`;
        const id = this.resentTokens.get(token);
        if (id !== undefined && r.requestId === id && r.reject === DUPLICATE) {
          // The primary already holds this order (committed after our catch-up, or its
          // report still on the way): the order's own report answers, not this refusal.
          out ??= reports.slice(0, i);
          continue;
        }
        if (id !== undefined && (r.requestId === 0 || r.requestId === id)) {
          this.resentTokens.delete(token);
          if (r.requestId === 0 && this.pending.has(id)) r = { ...r, requestId: id };
        }
      }
      if (r.kind !== 'execution' && r.requestId !== 0) this.pending.delete(r.requestId);
      if (out !== null) out.push(r);
      else if (r !== reports[i]) {
        out = reports.slice(0, i);
        out.push(r);
      }
    }
    this.listener?.(out ?? reports);
  }

  private sendRequest(p: Pending): void {
    p.sentEpoch = this.leader?.epoch ?? 0;
    this.write({ t: 'req', req: p.req });
  }

  private write(m: Parameters<typeof encodeLinkFrame>[0]): void {
    const s = this.socket;
    if (s !== null && !s.destroyed) s.write(encodeLinkFrame(m));
  }
}
