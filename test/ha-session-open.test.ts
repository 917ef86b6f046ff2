// A new trading session under HA, with real processes: two `tickwire run` nodes with
// ha.enabled and a real etcd, and `tickwire order-gateway`. Day 1: accounts are made and
// funded through a gateway and trade. Day 2 (a fresh journal on both nodes): the elected
// primary carries every closing balance from its previous journal, and a new gateway, seeing
// a session no account has opened, journals their settings, so the same accounts trade on
// day 2 with what they held at the close of day 1. And a node whose journal missed the day
// that closed last (etcd records it) refuses to open the next one: the node that has it opens.
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EtcdCluster, HAVE_ETCD, NO_ETCD_MESSAGE } from './support/etcd';
import { ExchangeProcess } from './support/exchange-process';
import { type HaNodeProcess, startHaNodeProcess, TICKWIRE_BIN, waitFor } from './support/ha-node-process';
import { freeTcpPort, freeUdpPort } from './support/ports';

const maybe = HAVE_ETCD && fs.existsSync(TICKWIRE_BIN) ? describe : describe.skip;
if (!HAVE_ETCD) console.warn(NO_ETCD_MESSAGE);

jest.setTimeout(240_000);

const symbol = 'AAPL';
const cents = (c: number): string => (c / 100).toFixed(2);
const GROUPS: [string, string] = ['239.192.95.1', '239.192.95.2'];

interface Balance {
  cash: string;
  cashReserved: string;
  cashAvailable: string;
  positions: Array<{ symbol: string; shares: number; sharesReserved: number; sharesAvailable: number }>;
}

/** The gateway's last `link:` figures line. */
function linked(g: ExchangeProcess): boolean {
  const lines = g.output.split('\n').filter((l) => l.startsWith('link: {'));
  return lines.length > 0 && JSON.parse(lines[lines.length - 1].slice(6)).connected === true;
}

maybe('a new session under HA', () => {
  let cluster: EtcdCluster | null = null;
  const children: ChildProcess[] = [];
  const gateways: ExchangeProcess[] = [];
  const clusters: EtcdCluster[] = [];
  afterAll(async () => {
    for (const g of gateways) await g.kill();
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await cluster?.close();
    for (const c of clusters) await c.close();
  });

  test("day 2's primary carries day 1's closing balances and a new gateway opens the accounts: they trade with what they held", async () => {
    cluster = await EtcdCluster.start(1);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-ha-open-'));
    const endpoints = cluster.endpoints;
    const feed = ['--set', `publisher.lineA.group=${GROUPS[0]}`, '--set', `publisher.lineA.port=${await freeUdpPort()}`, '--set', `publisher.lineB.group=${GROUPS[1]}`, '--set', `publisher.lineB.port=${await freeUdpPort()}`];
    const ports = { a: { replication: await freeTcpPort(), link: await freeTcpPort() }, b: { replication: await freeTcpPort(), link: await freeTcpPort() } };
    // Each day its own journal name in the node's folder: day 2's previous journal is day 1's.
    const start = (name: 'a' | 'b', day: number): HaNodeProcess => {
      const n = startHaNodeProcess([
        '--rate', '0',
        '--set', `journal.path=${path.join(dir, name, `day${day}-{date}.journal`)}`,
        '--set', 'storage.engine=off', '--set', 'gateway.enabled=false', '--set', 'sim.symbols=10',
        '--set', 'publisher.rewinder.port=0', '--set', 'publisher.snapshot.port=0', '--set', 'log.level=info',
        '--set', 'ha.enabled=true', '--set', `ha.node=${name}`, '--set', `ha.etcd.endpoints=${JSON.stringify(endpoints)}`,
        '--set', 'ha.etcd.leaseTtlSec=2', '--set', 'ha.etcd.pollMs=20',
        '--set', `ha.replication.port=${ports[name].replication}`, '--set', `ha.orderLink.port=${ports[name].link}`,
        ...feed,
      ]);
      children.push(n.child);
      return n;
    };
    const pair = async (day: number): Promise<[HaNodeProcess, HaNodeProcess]> => {
      const a = start('a', day);
      await waitFor(`day ${day}: a primary`, () => a.figures.role === 'primary', 45_000, () => a.out);
      const b = start('b', day);
      await waitFor(`day ${day}: b in sync`, () => b.figures.replication?.inSync === true, 45_000, () => b.out);
      return [a, b];
    };
    const accountsPath = path.join(dir, 'accounts.sqlite');
    const gateway = async (name: string): Promise<ExchangeProcess> => {
      const gdir = path.join(dir, name);
      fs.mkdirSync(gdir);
      const g = new ExchangeProcess({ dir: gdir, rate: 0, groups: GROUPS, command: 'order-gateway', set: [`ha.etcd.endpoints=${JSON.stringify(endpoints)}`, 'ha.etcd.pollMs=20', `orderEntry.accountsPath=${accountsPath}`] });
      gateways.push(g);
      await g.start();
      await waitFor(`${name} linked`, () => linked(g), 45_000, () => g.output);
      return g;
    };

    // Day 1: alice buys 120 of bob's 200 offered; 80 are still offered at the close.
    const [a1, b1] = await pair(1);
    const g1 = await gateway('g1');
    const alice = await g1.account('alice', '50000');
    const bob = await g1.account('bob', '1000', { symbol, shares: 500 });
    expect((await g1.request('POST', '/v1/order', bob.apiKey, { symbol, side: 'sell', orderType: 'limit', price: cents(19_234), quantity: 200, clientOrderId: 's1' })).status).toBe(200);
    const bought = await g1.request('POST', '/v1/order', alice.apiKey, { symbol, side: 'buy', orderType: 'limit', price: cents(19_234), quantity: 120, clientOrderId: 'b1' });
    expect(bought.body).toMatchObject({ status: 'filled', filledQuantity: 120 });
    const day1 = [(await g1.request('GET', '/v1/balances', alice.apiKey)).body, (await g1.request('GET', '/v1/balances', bob.apiKey)).body] as Balance[];
    // Both nodes hold every record before the night (no house flow: nothing else is written).
    await waitFor('b level with a', () => b1.figures.writtenSeq === a1.figures.writtenSeq && b1.figures.committedSeq === a1.figures.writtenSeq, 20_000, () => b1.out);
    await g1.kill();
    a1.child.kill('SIGKILL');
    b1.child.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 3_000)); // day 1's leader lease lapses (TTL 2 s)

    // Day 2: fresh journals; the new gateway opens the accounts, the primary carried the balances.
    const [a2] = await pair(2);
    await waitFor('a carried the balances', () => /balances carried from day1-/.test(a2.out), 30_000, () => a2.out);
    const g2 = await gateway('g2');
    await waitFor('g2 opened the accounts', () => /accounts opened on the primary/.test(g2.output), 30_000, () => g2.output);
    const closed = (x: Balance): Balance => ({ ...x, cashReserved: '0.0000', cashAvailable: x.cash, positions: x.positions.map((p) => ({ ...p, sharesReserved: 0, sharesAvailable: p.shares })) });
    const day2 = [(await g2.request('GET', '/v1/balances', alice.apiKey)).body, (await g2.request('GET', '/v1/balances', bob.apiKey)).body] as Balance[];
    expect(day2).toEqual(day1.map(closed));
    // They trade on what they carried: bob offers his 380, alice lifts 100 of them.
    expect((await g2.request('POST', '/v1/order', bob.apiKey, { symbol, side: 'sell', orderType: 'limit', price: cents(19_240), quantity: 380, clientOrderId: 's2' })).body).toMatchObject({ status: 'new' });
    const again = await g2.request('POST', '/v1/order', alice.apiKey, { symbol, side: 'buy', orderType: 'limit', price: cents(19_240), quantity: 100, clientOrderId: 'b2' });
    expect(again.body).toMatchObject({ status: 'filled', filledQuantity: 100 });
    const alice2 = (await g2.request('GET', '/v1/balances', alice.apiKey)).body as Balance;
    expect(alice2.positions.find((p) => p.symbol === symbol)?.shares).toBe(220);
  });

  test('a node without the journal of the session that closed last does not open the next one: it hands the lease back, and the node that has it opens', async () => {
    const etcd = await EtcdCluster.start(1);
    clusters.push(etcd);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-ha-stale-'));
    const feed = ['--set', `publisher.lineA.group=${GROUPS[0]}`, '--set', `publisher.lineA.port=${await freeUdpPort()}`, '--set', `publisher.lineB.group=${GROUPS[1]}`, '--set', `publisher.lineB.port=${await freeUdpPort()}`];
    const start = async (name: 'a' | 'b', day: number): Promise<HaNodeProcess> => {
      const n = startHaNodeProcess([
        '--rate', '0',
        '--set', `journal.path=${path.join(dir, name, `day${day}-{date}.journal`)}`,
        '--set', 'storage.engine=off', '--set', 'gateway.enabled=false', '--set', 'sim.symbols=10',
        '--set', 'publisher.rewinder.port=0', '--set', 'publisher.snapshot.port=0', '--set', 'log.level=info',
        '--set', 'ha.enabled=true', '--set', `ha.node=${name}`, '--set', `ha.etcd.endpoints=${JSON.stringify(etcd.endpoints)}`,
        '--set', 'ha.etcd.leaseTtlSec=2', '--set', 'ha.etcd.pollMs=20',
        '--set', `ha.replication.port=${await freeTcpPort()}`, '--set', `ha.orderLink.port=${await freeTcpPort()}`,
        ...feed,
      ]);
      children.push(n.child);
      return n;
    };
    const exited = (n: HaNodeProcess): Promise<number | null> => new Promise((resolve) => (n.child.exitCode !== null ? resolve(n.child.exitCode) : n.child.once('exit', (code) => resolve(code))));

    // Day 1: only a runs (b is down all day), and ends the day cleanly: it records the session it closed.
    const a1 = await start('a', 1);
    await waitFor('day 1: a primary', () => a1.figures.role === 'primary', 45_000, () => a1.out);
    a1.child.kill('SIGINT');
    expect(await exited(a1)).toBe(0);

    // Day 2: b, with no journal of day 1, is elected first and refuses to open the session.
    const b2 = await start('b', 2);
    expect(await exited(b2)).toBe(3);
    expect(b2.out).toMatch(/TW_ERR_HA_STALE_JOURNAL: the session that closed last is day1-\S+\.journal \(through sequence \d+\) and this node has no journal before day2-/);
    // a, which holds day 1 to its end, opens day 2.
    const a2 = await start('a', 2);
    await waitFor('day 2: a primary', () => a2.figures.role === 'primary', 45_000, () => a2.out);
    expect(a2.out).not.toMatch(/TW_ERR_HA_STALE_JOURNAL/);
  });
});
