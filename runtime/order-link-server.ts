// The HA primary's end of the order link (protocol/order-link.ts): stateless client gateways
// connect here, send their clients' requests and hear every report. Requests carry the
// gateway's own requestIds; they are renumbered here (one sequence for all gateways) and
// each report goes back to every gateway, with the requester's own id for the gateway that
// asked and 0 (unsolicited) for the others, which still route it to the account's sessions.
// A gateway that connects says the last report sequence it delivered and gets every later
// report this node holds (RecentReports, kept hot while it was a standby) before `live`.
import * as net from 'node:net';
import {
  checkLinkRequest,
  encodeLinkFrame,
  LinkFrameDecoder,
  type LinkDown,
  type LinkUp,
  type OrderEntryReport,
  type OrderEntryRequest,
} from '../protocol';
import type { LiveSim } from '../sim';
import { RuntimeErrorCode } from './errors';
import type { Logger } from './logger';

/** Largest number of reports in one catch-up frame. */
const CATCH_UP_SLICE = 4096;

export interface OrderLinkServerOptions {
  live: LiveSim;
  host: string;
  port: number;
  node: string;
  epoch: number;
  logger: Logger;
}

export interface OrderLinkFigures {
  gateways: number;
  requests: number;
  reportsSent: number;
  catchUpReports: number;
  catchUpGaps: number;
  /** Frames refused (TW_ERR_LINK_BAD_FRAME, TW_ERR_LINK_BAD_REQUEST): the connection was closed. */
  badFrames: number;
}

interface Peer {
  readonly socket: net.Socket;
  readonly name: string;
  live: boolean;
}

export class OrderLinkServer {
  readonly figures: OrderLinkFigures = { gateways: 0, requests: 0, reportsSent: 0, catchUpReports: 0, catchUpGaps: 0, badFrames: 0 };
  private readonly server: net.Server;
  private readonly peers = new Set<Peer>();
  /** Renumbered requestId -> the gateway that asked and its own id. */
  private readonly owners = new Map<number, { peer: Peer; requestId: number }>();
  private nextRequestId = 1;

  constructor(private readonly options: OrderLinkServerOptions) {
    this.server = net.createServer((socket) => this.accept(socket));
    // The one listener on the core's reports on an HA node.
    options.live.onReports((reports) => this.broadcast(reports));
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.options.host, port: this.options.port, exclusive: true }, () => {
        this.server.off('error', reject);
        this.server.on('error', (err) => this.options.logger.error({ code: RuntimeErrorCode.Link }, `order link: ${err.message}`));
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    for (const p of this.peers) p.socket.destroy();
    this.peers.clear();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    const peer: Peer = { socket, name: `${socket.remoteAddress}:${socket.remotePort}`, live: false };
    this.peers.add(peer);
    this.figures.gateways = this.peers.size;
    const decoder = new LinkFrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      const bad = decoder.push(chunk, (m) => this.onMessage(peer, m as LinkUp));
      if (bad !== '') {
        this.figures.badFrames++;
        this.options.logger.warn({ code: RuntimeErrorCode.LinkBadFrame }, `order link ${peer.name}: ${bad}; closing`);
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.peers.delete(peer);
      this.figures.gateways = this.peers.size;
      for (const [id, o] of this.owners) if (o.peer === peer) this.owners.delete(id);
    });
  }

  private onMessage(peer: Peer, m: LinkUp): void {
    const live = this.options.live;
    switch (m.t) {
      case 'hello': {
        const recent = live.recentReports;
        const held = recent === null ? null : recent.after(Number(m.lastSeq) || 0);
        if (held === null) this.figures.catchUpGaps++;
        const reports = held ?? [];
        for (let i = 0; i < reports.length; i += CATCH_UP_SLICE) {
          this.send(peer, { t: 'reports', reports: reports.slice(i, i + CATCH_UP_SLICE).map(unsolicited), catchUp: true });
        }
        this.figures.catchUpReports += reports.length;
        peer.live = true;
        this.send(peer, { t: 'live', node: this.options.node, epoch: this.options.epoch, gap: held === null, accounts: live.accountsKnown });
        return;
      }
      case 'req': {
        if (!peer.live) return;
        const bad = checkLinkRequest(m.req);
        if (bad !== '') {
          this.figures.badFrames++;
          this.options.logger.warn({ code: RuntimeErrorCode.LinkBadRequest }, `order link ${peer.name}: ${bad}; closing`);
          peer.socket.destroy();
          return;
        }
        const id = this.nextRequestId;
        this.nextRequestId = id >= 0x7fffffff ? 1 : id + 1;
        this.owners.set(id, { peer, requestId: m.req.requestId });
        this.figures.requests++;
        live.submit({ ...m.req, requestId: id } as OrderEntryRequest);
        return;
      }
      case 'bal':
        void live.balances(Number(m.account)).then((view) => this.send(peer, { t: 'bal', id: m.id, view }));
        return;
    }
  }

  private broadcast(reports: readonly OrderEntryReport[]): void {
    // Each report answers at most one request: settle the owner map once, then shape per peer.
    const answered = new Map<number, { peer: Peer; requestId: number }>();
    for (const r of reports) {
      if (r.kind === 'execution' || r.requestId === 0 || answered.has(r.requestId)) continue;
      const o = this.owners.get(r.requestId);
      if (o !== undefined) {
        answered.set(r.requestId, o);
        this.owners.delete(r.requestId);
      }
    }
    for (const peer of this.peers) {
      if (!peer.live) continue;
      const out = reports.map((r) => {
        if (r.kind === 'execution' || r.requestId === 0) return r;
        const o = answered.get(r.requestId);
        return { ...r, requestId: o !== undefined && o.peer === peer ? o.requestId : 0 };
      });
      this.figures.reportsSent += out.length;
      this.send(peer, { t: 'reports', reports: out, catchUp: false });
    }
  }

  private send(peer: Peer, m: LinkDown): void {
    if (!peer.socket.destroyed) peer.socket.write(encodeLinkFrame(m));
  }
}

/** A report as a gateway that did not ask sees it. */
function unsolicited(r: OrderEntryReport): OrderEntryReport {
  return r.kind === 'execution' || r.requestId === 0 ? r : { ...r, requestId: 0 };
}
