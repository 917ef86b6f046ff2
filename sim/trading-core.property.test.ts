// Property tests of the order manager, risk checks and wallet in front of the engine: the
// seeded generator's flow, most of it handed to funded client accounts (ClientFlow), with
// transfers, settings changes and the kill switch mixed in. After every batch: cash and
// shares are conserved across all accounts (the house included) apart from transfers;
// reservations equal what the open orders need; no account goes negative unless it may
// sell short; the order manager's open orders are the engine's client orders. At the end,
// the journal replays to the same state digest and the same event stream.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { loadConfig } from '../config';
import { Prng } from '../protocol';
import { propertyOptions } from '../test/support/property';
import { ClientFlow } from './client-flow';
import { CommandBuffer, COMMAND_SIZE, TransferCode } from './command';
import { MARKET_OPEN_NS } from './clock';
import { OrderFlowGenerator } from './order-flow-generator';
import { riskLimitsOf } from './risk-checks';
import { digestingCore, replayJournal } from './sim-runner';
import type { TradingCore } from './trading-core';

const ACCOUNTS = 12;
const SHORT = new Set([3, 7]); // accounts that may sell short
const P = 10_000;

function checkInvariants(trading: TradingCore): void {
  const wallet = trading.wallet;
  const orders = trading.orders;
  const symbols = trading.engine.symbols;
  // Conservation (house included).
  let cash = 0;
  const shares = new Float64Array(symbols + 1);
  const balances = wallet.all();
  for (const b of balances) {
    cash += b.cash;
    for (const p of b.positions) shares[p.locate] += p.shares;
  }
  expect(cash).toBe(orders.cashTransferred);
  for (let l = 1; l <= symbols; l++) expect(shares[l]).toBe(orders.sharesTransferred[l]);
  // Reservations = the open orders' needs.
  const needCash = new Map<number, number>();
  const needShares = new Map<string, number>();
  for (const o of orders.openOrderList()) {
    if (o.side === 'B') needCash.set(o.account, (needCash.get(o.account) ?? 0) + o.remaining * o.reserve);
    else if (o.reserve !== 0) needShares.set(`${o.account}/${o.locate}`, (needShares.get(`${o.account}/${o.locate}`) ?? 0) + o.remaining);
    const resting = trading.engine.order(o.ref);
    expect(resting?.shares).toBe(o.remaining);
    expect(resting?.account).toBe(o.account);
  }
  let clientResting = 0;
  trading.engine.forEachRestingOrder((o) => {
    if (o.account !== 0) clientResting++;
  });
  expect(clientResting).toBe(orders.openOrders);
  for (const b of balances) {
    if (b.account === 0) continue;
    expect(b.cashReserved).toBe(needCash.get(b.account) ?? 0);
    expect(b.cash).toBeGreaterThanOrEqual(b.cashReserved);
    for (const p of b.positions) {
      expect(p.sharesReserved).toBe(needShares.get(`${b.account}/${p.locate}`) ?? 0);
      if (!SHORT.has(b.account)) expect(p.shares).toBeGreaterThanOrEqual(p.sharesReserved);
    }
  }
}

function tradingDay(seed: number, orders: number): void {
  const config = loadConfig({ flags: { 'sim.seed': seed, 'sim.symbols': 20, 'sim.ordersPerSec': 0, 'sim.restingPerSymbol': 50 } });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tw-trading-')), 'day.journal');
  const { core, digest } = digestingCore(config, file);
  core.start();
  const sequencer = core.sequencer as NonNullable<typeof core.sequencer>;
  const trading = core.trading;
  const generator = OrderFlowGenerator.fromConfig(config, core.engine);
  const flow = new ClientFlow(seed ^ 0x5eed, ACCOUNTS, 1, 0.8);
  const rng = new Prng(seed ^ 0xabc);
  const cmds = new CommandBuffer(256);
  const limits = riskLimitsOf(config.orderEntry.riskClasses[0]);

  const submit = (n: number): void => {
    sequencer.submitBatch(cmds, 0, n);
    digest.drain();
  };
  // The day opens; accounts get settings, cash and a few shares (one account gets nothing: its orders are refused).
  generator.openingCommands().forEach((c, i) => {
    cmds.write(i * COMMAND_SIZE, c.type, 0, 0, c.code, c.locate, 0, 0, 0);
    cmds.stamp(i * COMMAND_SIZE, 0, MARKET_OPEN_NS);
  });
  submit(generator.openingCommands().length);
  let n = 0;
  for (let a = 1; a <= ACCOUNTS; a++) {
    cmds.writeSettings(n++ * COMMAND_SIZE, a, 0, SHORT.has(a), false, limits);
    if (a === ACCOUNTS) continue;
    cmds.writeTransfer(n++ * COMMAND_SIZE, TransferCode.Deposit, a, 0, (a % 4 === 0 ? 20_000 : 5_000_000) * P);
    for (let l = 1; l <= 20; l += 3) cmds.writeTransfer(n++ * COMMAND_SIZE, TransferCode.Deposit, a, l, 2_000);
  }
  for (let i = 0; i < n; i++) cmds.stamp(i * COMMAND_SIZE, 0, MARKET_OPEN_NS);
  submit(n);

  for (let done = 0; done < orders; ) {
    const first = sequencer.nextSeq;
    let k = 0;
    // Now and then: a withdrawal, a kill switch on or off.
    const roll = rng.next();
    if (roll < 0.05) {
      cmds.writeTransfer(0, TransferCode.Withdraw, 1 + rng.nextInt(ACCOUNTS), rng.nextInt(3), 1 + rng.nextInt(200_000));
      cmds.stamp(0, 0, generator.timeNs);
      k++;
    } else if (roll < 0.08) {
      const a = 1 + rng.nextInt(ACCOUNTS);
      cmds.writeSettings(0, a, 0, SHORT.has(a), rng.next() < 0.5, limits);
      cmds.stamp(0, 0, generator.timeNs);
      k++;
    }
    for (; k < 128; k++) {
      generator.next(cmds, k, first + k);
      flow.assign(cmds, k * COMMAND_SIZE, first + k);
    }
    submit(k);
    done += k;
    if ((done & 1023) < 128) checkInvariants(trading);
  }
  checkInvariants(trading);
  expect(trading.engine.executions).toBeGreaterThan(1000);
  expect(trading.orders.openOrders).toBeGreaterThan(0);
  const rejects = trading.engine.rejects;
  expect(rejects[11] + rejects[12]).toBeGreaterThan(0); // some were refused for funds or shares
  const state = trading.stateDigest();
  core.close();
  const events = digest.digest();
  // Start-up recovery and `tickwire sim --replay` both reach the same state and events.
  const replay = replayJournal(config, file);
  expect(replay.stateSha256).toBe(state);
  expect(replay.eventsSha256).toBe(events);
  const recovered = digestingCore(config, file);
  recovered.core.start();
  expect(recovered.core.trading.stateDigest()).toBe(state);
  recovered.core.close();
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

describe('trading core properties', () => {
  test('conservation, reservations, no negatives, and replay to the same digest over a seeded day with clients', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => tradingDay(seed, 40_000)), propertyOptions(3, { endOnFailure: true }));
  });
});
