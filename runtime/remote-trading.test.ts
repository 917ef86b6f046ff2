// RemoteTradingPort against two scripted primaries on real TCP: the first takes requests
// and dies with some unanswered; the second's catch-up holds one of them (committed by the
// first), refuses a resent one as a duplicate and then reports it.
import * as net from 'node:net';
import type { LeaderInfo } from '../ha';
import { encodeLinkFrame, LinkFrameDecoder, type LinkDown, type LinkUp, type OrderEntryReport, type OrderReport } from '../protocol';
import { SILENT_LOGGER } from './logger';
import { RemoteTradingPort } from './remote-trading';

interface Scripted {
  server: net.Server;
  port: number;
  heard: LinkUp[];
  socket: net.Socket | null;
  send(m: LinkDown): void;
}

async function scripted(onMessage: (m: LinkUp, s: Scripted) => void): Promise<Scripted> {
  const s: Scripted = {
    server: net.createServer(),
    port: 0,
    heard: [],
    socket: null,
    send: (m) => s.socket?.write(encodeLinkFrame(m)),
  };
  s.server.on('connection', (socket) => {
    s.socket = socket;
    const d = new LinkFrameDecoder();
    socket.on('data', (c: Buffer) => d.push(c, (m) => {
      s.heard.push(m as LinkUp);
      onMessage(m as LinkUp, s);
    }));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', () => r()));
  s.port = (s.server.address() as net.AddressInfo).port;
  return s;
}

const leader = (node: string, port: number, epoch: number): LeaderInfo => ({ node, replicationHost: '', replicationPort: 0, orderLinkHost: '127.0.0.1', orderLinkPort: port, epoch });

function order(requestId: number, clientOrderId: string, seq: number, reject = ''): OrderReport {
  return {
    kind: 'order', requestId, account: 7, orderId: reject === '' ? seq : 0, ref: seq, clientOrderId, locate: 1, side: 'B', orderType: 'L',
    price: 1_000_000, shares: 10, filledShares: 0, remainingShares: reject === '' ? 10 : 0, status: reject === '' ? 'new' : 'rejected',
    reject, filledNotional: 0, creationNs: 0, updateNs: 0, seq,
  };
}

async function until(check: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('RemoteTradingPort', () => {
  const closers: Array<() => void> = [];
  afterEach(() => {
    while (closers.length > 0) closers.pop()?.();
  });

  test('a failover: committed requests answered from the catch-up, the rest resent, deposits not resent, duplicates turned into the order', async () => {
    const p1 = await scripted((m, s) => {
      if (m.t === 'hello') s.send({ t: 'live', node: 'p1', epoch: 1, gap: false, accounts: 1 });
      // p1 answers only t1, then dies with t2, the deposit and t4 unanswered.
      if (m.t === 'req' && m.req.kind === 'new' && m.req.clientOrderId === 't1') s.send({ t: 'reports', reports: [order(m.req.requestId, 't1', 10)], catchUp: false });
    });
    const p2 = await scripted((m, s) => {
      if (m.t === 'hello') {
        // t2 was committed by p1 (its report is in the catch-up, unsolicited).
        s.send({ t: 'reports', reports: [order(0, 't2', 11)], catchUp: true });
        s.send({ t: 'live', node: 'p2', epoch: 2, gap: false, accounts: 1 });
      }
      // t4 is held but its report had not been committed at the catch-up: refused as a duplicate, then reported.
      if (m.t === 'req' && m.req.kind === 'new' && m.req.clientOrderId === 't4') {
        s.send({ t: 'reports', reports: [order(m.req.requestId, 't4', 0, 'TW_REJECT_DUPLICATE_CLIENT_ORDER_ID')], catchUp: false });
        s.send({ t: 'reports', reports: [order(0, 't4', 12)], catchUp: false });
      }
    });
    closers.push(() => p1.server.close(), () => p2.server.close());
    const port = new RemoteTradingPort({ name: 'g', logger: SILENT_LOGGER });
    closers.push(() => port.close());
    const heard: OrderEntryReport[] = [];
    port.onReports((rs) => heard.push(...rs));
    const newOrder = (requestId: number, clientOrderId: string) =>
      ({ kind: 'new', requestId, account: 7, clientOrderId, locate: 1, side: 'B', orderType: 'L', price: 1_000_000, shares: 10 }) as const;
    // Submitted before any primary is known: goes out on connect.
    port.submit(newOrder(1, 't1'));
    port.follow(leader('p1', p1.port, 1));
    await until(() => heard.length === 1);
    expect(heard[0]).toMatchObject({ requestId: 1, clientOrderId: 't1', seq: 10 });
    port.submit(newOrder(2, 't2'));
    port.submit({ kind: 'deposit', requestId: 3, account: 7, locate: 0, amount: 100 });
    port.submit(newOrder(4, 't4'));
    await until(() => p1.heard.filter((m) => m.t === 'req').length === 4);
    p1.socket?.destroy();
    p1.server.close();
    port.follow(leader('p2', p2.port, 2));
    await until(() => heard.length === 3);
    expect(p2.heard[0]).toEqual({ t: 'hello', gateway: 'g', lastSeq: 10 });
    // t2 answered from the catch-up with its request id; t4 resent and answered by its report, the refusal swallowed.
    expect(heard.slice(1).map((r) => [r.kind === 'order' ? r.clientOrderId : '', r.kind === 'execution' ? -1 : r.requestId, r.kind === 'order' ? r.status : ''])).toEqual([
      ['t2', 2, 'new'],
      ['t4', 4, 'new'],
    ]);
    expect(p2.heard.filter((m) => m.t === 'req').map((m) => (m.t === 'req' && m.req.kind === 'new' ? m.req.clientOrderId : m.t === 'req' ? m.req.kind : ''))).toEqual(['t4']);
    expect(port.figures).toMatchObject({ connected: true, primary: 'p2', epoch: 2, connects: 2, answeredFromCatchUp: 1, resent: 1, notResent: 1, gaps: 0, lastSeq: 12 });
  });
});
