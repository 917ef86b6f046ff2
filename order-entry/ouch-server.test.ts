// OUCH 4.2 over SoupBinTCP against the real exchange core (sim/'s LiveSim with a journal),
// the real accounts/ classes and the REST gateway the OUCH sessions share: real TCP, our
// OuchClient. Logins, a fill between two accounts seen on both sessions, replace, cancel,
// malformed input, a reconnect at an older sequence number, a restart, cancel-on-disconnect.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeOuchSystemEvent, encodeSoupEmpty, OuchEventCode, OuchPrice, SoupType, writeU16, writeU32 } from '../protocol';
import { DAY, OuchExchange as Exchange, ofType } from '../test/support/ouch-rig';
import { OuchClient } from './ouch-client';

function heartbeat(): Uint8Array {
  const b = new Uint8Array(3);
  encodeSoupEmpty(b, 0, SoupType.ClientHeartbeat);
  return b;
}

describe('OUCH 4.2 over SoupBinTCP, over the real exchange core', () => {
  let dir: string;
  let x: Exchange;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-ouch-'));
    x = new Exchange(dir);
    await x.open();
  });

  afterEach(async () => {
    await x.stop();
    x.db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('login: a wrong password or an unknown login id is Login Rejected A; a good one is Login Accepted, then System Event S', async () => {
    const t = await x.trader('ouch-login', '1000');
    for (const [user, pass] of [
      [t.loginId, 'wrong-pw1'],
      ['ZZZZZZ', t.password],
      ['', ''],
    ]) {
      const c = await OuchClient.connect({ host: '127.0.0.1', port: x.ouch.address.port });
      await expect(c.logIn(user, pass)).rejects.toMatchObject({ reason: 'A' });
      await c.closed;
    }
    expect(x.oe.errors.get('TW_ERR_OE_OUCH_LOGIN_REJECTED')).toBe(3);
    // The core is in this process: the stores hear reports once written, and sync beside the journal.
    expect(x.ouch.storeSync).toBe('overlapped');
    const c = await OuchClient.connect({ host: '127.0.0.1', port: x.ouch.address.port });
    await expect(c.logIn(t.loginId, t.password, 1, 'NOTTODAY')).rejects.toMatchObject({ reason: 'S' });
    const ok = await x.client(t);
    expect((await ok.waitFor(ofType('S'))).message).toMatchObject({ type: 'S', eventCode: 'S' });
    // One session per account at a time.
    const second = await OuchClient.connect({ host: '127.0.0.1', port: x.ouch.address.port });
    await expect(second.logIn(t.loginId, t.password)).rejects.toMatchObject({ reason: 'S' });
    // Server heartbeats flow while idle.
    await new Promise((r) => setTimeout(r, 800));
    expect(ok.heartbeats).toBeGreaterThan(0);
    await ok.close();
  });

  test('enter, a cross with another account (Executed on both sessions), replace, cancel, malformed input, a reconnect at an older sequence number, a restart', async () => {
    const seller = await x.trader('ouch-seller', '1000', 200);
    const buyer = await x.trader('ouch-buyer', '100000');
    const s = await x.client(seller);
    const b = await x.client(buyer);

    s.enterOrder({ token: 'S1', side: 'S', shares: 100, stock: 'AAPL', price: 1_900_000, timeInForce: DAY, firm: 'SELL' });
    const accepted = (await s.waitFor(ofType('A', 'S1'))).message;
    expect(accepted).toMatchObject({ type: 'A', token: 'S1', side: 'S', shares: 100, stock: 'AAPL', price: 1_900_000, timeInForce: DAY, firm: 'SELL', display: 'Y', capacity: 'P', orderState: 'L' });
    expect(accepted.type === 'A' && accepted.orderRef).toBeGreaterThan(0);

    // An aggressive buy from another account: both sessions hear the match.
    b.enterOrder({ token: 'B1', side: 'B', shares: 40, stock: 'AAPL', price: 1_900_000, timeInForce: 0 });
    expect((await b.waitFor(ofType('A', 'B1'))).message).toMatchObject({ shares: 40, timeInForce: 0, orderState: 'L' });
    const taker = (await b.waitFor(ofType('E', 'B1'))).message;
    expect(taker).toMatchObject({ type: 'E', token: 'B1', shares: 40, price: 1_900_000, liquidity: 'R' });
    const maker = (await s.waitFor(ofType('E', 'S1'))).message;
    expect(maker).toMatchObject({ type: 'E', token: 'S1', shares: 40, price: 1_900_000, liquidity: 'A' });
    expect(maker.type === 'E' && taker.type === 'E' && maker.matchNumber === taker.matchNumber).toBe(true);
    // Accepted comes before its Executed.
    const bTypes = b.messages.map((m) => m.message.type);
    expect(bTypes.indexOf('A')).toBeLessThan(bTypes.indexOf('E'));

    // Replace S1 (60 open) with S2: 50 at 191.00.
    s.replaceOrder({ existingToken: 'S1', replacementToken: 'S2', shares: 50, price: 1_910_000, timeInForce: DAY });
    expect((await s.waitFor(ofType('U', 'S2'))).message).toMatchObject({ type: 'U', token: 'S2', previousToken: 'S1', shares: 50, price: 1_910_000, firm: 'SELL', orderState: 'L' });
    // Cancel down to 20 (Shares is the new intended size), then all.
    s.cancelOrder('S2', 20);
    expect((await s.waitFor(ofType('C', 'S2'))).message).toMatchObject({ decrementShares: 30, reason: 'U' });
    const before = s.messages.length;
    s.cancelOrder('S2', 0);
    expect((await s.waitFor(ofType('C', 'S2'), 5000, before)).message).toMatchObject({ decrementShares: 20, reason: 'U' });
    expect(x.oe.mirror.byClientOrderId(seller.id, 'S1')?.status).toBe('cancelled');

    // Malformed input: answered or counted, and the session stays up.
    const bad = s.messages.length;
    s.sendPayload(Uint8Array.from([0x51, 1, 2, 3])); // unknown type 'Q'
    s.sendPayload(Uint8Array.from([0x4f, 1, 2])); // Enter Order of 3 bytes
    s.enterOrder({ token: 'S-BADSIDE', side: 'Z', shares: 10, stock: 'AAPL', price: 1_900_000, timeInForce: DAY });
    s.enterOrder({ token: 'S-NOSTOCK', side: 'S', shares: 10, stock: 'NOPE', price: 1_900_000, timeInForce: DAY });
    s.enterOrder({ token: 'S-OFFTICK', side: 'S', shares: 10, stock: 'AAPL', price: 1_900_001, timeInForce: DAY });
    s.enterOrder({ token: 'S-TOOMANY', side: 'S', shares: 1_000, stock: 'AAPL', price: 1_900_000, timeInForce: DAY });
    s.enterOrder({ token: 'S-CROSS', side: 'S', shares: 10, stock: 'AAPL', price: 1_900_000, timeInForce: DAY, crossType: 'O' });
    s.cancelOrder('NO-SUCH', 0);
    expect((await s.waitFor(ofType('J', 'S-BADSIDE'), 5000, bad)).message).toMatchObject({ reason: 'O' });
    expect((await s.waitFor(ofType('J', 'S-NOSTOCK'), 5000, bad)).message).toMatchObject({ reason: 'S' });
    expect((await s.waitFor(ofType('J', 'S-OFFTICK'), 5000, bad)).message).toMatchObject({ reason: 'X' });
    // The core refuses a sale of more shares than the account holds: TW_REJECT_INSUFFICIENT_SHARES.
    expect((await s.waitFor(ofType('J', 'S-TOOMANY'), 5000, bad)).message).toMatchObject({ reason: 'i' });
    expect((await s.waitFor(ofType('J', 'S-CROSS'), 5000, bad)).message).toMatchObject({ reason: 'R' });
    expect(x.oe.errors.get('TW_ERR_OE_OUCH_UNKNOWN_MESSAGE')).toBe(1);
    expect(x.oe.errors.get('TW_ERR_OE_OUCH_BAD_LENGTH')).toBe(1);
    expect(x.oe.errors.get('TW_ERR_OE_OUCH_UNKNOWN_TOKEN')).toBe(1);
    expect(s.connected).toBe(true);

    // A sell rests; the seller goes away; the buyer takes it meanwhile.
    s.enterOrder({ token: 'S3', side: 'S', shares: 10, stock: 'AAPL', price: 1_900_000, timeInForce: DAY });
    await s.waitFor(ofType('A', 'S3'));
    const missedFrom = s.messages[s.messages.length - 1].sequence + 1;
    await s.close();
    b.enterOrder({ token: 'B2', side: 'B', shares: 10, stock: 'AAPL', price: 1_900_000, timeInForce: DAY });
    await b.waitFor(ofType('E', 'B2'));
    // Logging in again at an older number gets everything from there, the missed fill included.
    const s2 = await x.client(seller, missedFrom - 2);
    const fill = await s2.waitFor(ofType('E', 'S3'));
    expect(fill).toMatchObject({ sequence: missedFrom, message: { shares: 10, liquidity: 'A' } });
    expect(s2.messages[0].sequence).toBe(missedFrom - 2);
    expect(s2.messages[0].message).toEqual(s.messages.find((m) => m.sequence === missedFrom - 2)?.message);
    await s2.close();
    const whole = s.messages.length + 1; // what the first session saw, plus the missed fill
    await b.close();

    // Restart: the journal's replay must not store anything twice; the whole day is there.
    await x.stop();
    await x.open();
    const s3 = await x.client(seller, 1);
    await s3.waitFor(ofType('E', 'S3'));
    await new Promise((r) => setTimeout(r, 200));
    expect(s3.messages.map((m) => m.sequence)).toEqual(Array.from({ length: whole }, (_, i) => i + 1));
    expect(s3.messages.slice(0, whole - 1).map((m) => m.message)).toEqual(s.messages.map((m) => m.message));
    // Still trading after the restart, with the sequence going on.
    s3.enterOrder({ token: 'S4', side: 'S', shares: 5, stock: 'AAPL', price: 1_920_000, timeInForce: DAY });
    expect((await s3.waitFor(ofType('A', 'S4'))).sequence).toBe(whole + 1);
    await s3.close();
  });

  test('after a crash of the machine, stored messages of commands the journal lost are cut at the restart, and the stream goes on', async () => {
    const seller = await x.trader('ouch-cut-seller', '1000', 100);
    const s = await x.client(seller);
    s.enterOrder({ token: 'C1', side: 'S', shares: 10, stock: 'AAPL', price: 1_910_000, timeInForce: DAY });
    const accepted = await s.waitFor(ofType('A', 'C1'));
    await s.close();
    await x.stop();
    // What a machine crash can leave with both syncs in flight: a record whose command (far
    // past the journal's end) the journal never made durable, and so was never sent.
    const file = path.join(dir, 'ouch', x.ouch.sessionDate, `account-${seller.id}.ouch`);
    const ghost = Buffer.alloc(10 + 3 + 64);
    const n = encodeOuchSystemEvent(ghost, 13, 1, OuchEventCode.EndOfDay);
    writeU32(ghost, 0, 0);
    writeU32(ghost, 4, 1_000_000_000);
    writeU16(ghost, 8, 0);
    writeU16(ghost, 10, n + 1);
    ghost[12] = 0x53;
    fs.appendFileSync(file, ghost.subarray(0, 13 + n));
    await x.open();
    expect(x.ouch.streamOf(seller.id)?.store.count).toBe(accepted.sequence);
    const again = await x.client(seller, 1);
    again.enterOrder({ token: 'C2', side: 'S', shares: 10, stock: 'AAPL', price: 1_920_000, timeInForce: DAY });
    expect((await again.waitFor(ofType('A', 'C2'))).sequence).toBe(accepted.sequence + 1);
    expect(again.messages.filter((m) => m.message.type === 'S')).toHaveLength(1);
    await again.close();
  });

  test('garbage is disconnected and counted; a market order is IOC; cancel-on-disconnect cancels what is open', async () => {
    const seller = await x.trader('ouch-g-seller', '1000', 100);
    const buyer = await x.trader('ouch-g-buyer', '100000');
    x.accounts.setCancelOnDisconnect(seller.id, true, 'test'); // read at login (and each second while logged in)
    // Garbage before login: disconnected.
    const g = await OuchClient.connect({ host: '127.0.0.1', port: x.ouch.address.port });
    g.sendRaw(Uint8Array.from([0x00, 0x03, 0x55, 0x01, 0x02]));
    await g.closed;
    expect(x.oe.errors.get('TW_ERR_OE_OUCH_NOT_LOGGED_IN')).toBe(1);
    // An oversized frame after login: disconnected (the framing cannot be trusted after it).
    const h = await x.client(seller);
    h.sendRaw(Uint8Array.from([0xff, 0xff, 0x55, 1, 2, 3]));
    await h.closed;
    expect(x.oe.errors.get('TW_ERR_OE_OUCH_GARBAGE')).toBe(1);
    // A stream of bad frames: disconnected after a few.
    const k = await x.client(seller);
    const empty = new Uint8Array(3);
    encodeSoupEmpty(empty, 0, SoupType.ServerHeartbeat); // the server's frame, from a client
    for (let i = 0; i < 20; i++) k.sendRaw(empty);
    await k.closed;
    expect(x.oe.errors.get('TW_ERR_OE_OUCH_GARBAGE')).toBe(2);

    // A market buy with nothing to meet: Accepted dead (IOC), nothing rests.
    const s = await x.client(seller);
    const b = await x.client(buyer);
    b.enterOrder({ token: 'M1', side: 'B', shares: 5, stock: 'AAPL', price: OuchPrice.Market, timeInForce: 0 });
    expect((await b.waitFor(ofType('A', 'M1'))).message).toMatchObject({ price: OuchPrice.Market, orderState: 'D' });
    // An IOC limit that partly fills: Accepted, Executed, Canceled I for the rest.
    s.enterOrder({ token: 'S1', side: 'S', shares: 3, stock: 'AAPL', price: 1_900_000, timeInForce: DAY });
    await s.waitFor(ofType('A', 'S1'));
    b.enterOrder({ token: 'I1', side: 'B', shares: 5, stock: 'AAPL', price: 1_900_000, timeInForce: 0 });
    expect((await b.waitFor(ofType('C', 'I1'))).message).toMatchObject({ decrementShares: 2, reason: 'I' });
    expect(b.messages.filter((m) => 'token' in m.message && m.message.token === 'I1').map((m) => m.message.type)).toEqual(['A', 'E', 'C']);

    // Cancel-on-disconnect, opted in (above): the seller's resting order goes when the session drops.
    s.enterOrder({ token: 'S2', side: 'S', shares: 7, stock: 'AAPL', price: 1_950_000, timeInForce: DAY });
    await s.waitFor(ofType('A', 'S2'));
    await s.close();
    for (let i = 0; i < 100 && x.oe.mirror.byClientOrderId(seller.id, 'S2')?.status !== 'cancelled'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(x.oe.mirror.byClientOrderId(seller.id, 'S2')?.status).toBe('cancelled');
    const again = await x.client(seller, 1);
    expect((await again.waitFor(ofType('C', 'S2'))).message).toMatchObject({ decrementShares: 7 });
    await again.close();
    await b.close();
  });

  test('Enter Orders one after another each echo their own fields (the object of an answered one serves the next)', async () => {
    const t = await x.trader('ouch-reuse', '100000');
    const c = await x.client(t);
    c.enterOrder({ token: 'R1', side: 'B', shares: 10, stock: 'AAPL', price: 1_890_000, timeInForce: DAY, firm: 'ONE', capacity: 'A', display: 'Y' });
    expect((await c.waitFor(ofType('A', 'R1'))).message).toMatchObject({ token: 'R1', side: 'B', shares: 10, price: 1_890_000, timeInForce: DAY, firm: 'ONE', capacity: 'A', display: 'Y', orderState: 'L' });
    c.enterOrder({ token: 'R2', side: 'B', shares: 7, stock: 'AAPL', price: 1_880_000, timeInForce: 0, firm: 'TWO', capacity: 'R', display: 'A' });
    expect((await c.waitFor(ofType('A', 'R2'))).message).toMatchObject({ token: 'R2', side: 'B', shares: 7, price: 1_880_000, timeInForce: 0, firm: 'TWO', capacity: 'R', display: 'A', orderState: 'D' });
    // A refusal on the way answers the reused object too, and the next order is itself again.
    c.enterOrder({ token: 'R3', side: 'B', shares: 10, stock: 'AAPL', price: 1_890_001, timeInForce: DAY });
    expect((await c.waitFor(ofType('J', 'R3'))).message).toMatchObject({ reason: 'X' });
    c.enterOrder({ token: 'R4', side: 'B', shares: 3, stock: 'AAPL', price: 1_870_000, timeInForce: DAY, firm: 'FOUR', capacity: 'O' });
    expect((await c.waitFor(ofType('A', 'R4'))).message).toMatchObject({ token: 'R4', shares: 3, price: 1_870_000, firm: 'FOUR', capacity: 'O', display: 'Y', orderState: 'L' });
    await c.close();
  });

  test('orders of a corked client, held and written at once (a heartbeat between them), are each accepted, in order', async () => {
    const t = await x.trader('ouch-cork', '100000');
    const c = await x.client(t);
    c.cork();
    for (let i = 0; i < 20; i++) c.enterOrder({ token: `K${i}`, side: 'B', shares: 10, stock: 'AAPL', price: 1_890_000, timeInForce: DAY });
    // A frame of another kind flushes what was held first, so frames keep their order.
    c.sendRaw(heartbeat());
    for (let i = 20; i < 30; i++) c.enterOrder({ token: `K${i}`, side: 'B', shares: 10, stock: 'AAPL', price: 1_890_000, timeInForce: DAY });
    c.uncork();
    await c.waitFor(ofType('A', 'K29'));
    const tokens = c.messages.filter((m) => m.message.type === 'A').map((m) => (m.message.type === 'A' ? m.message.token : ''));
    expect(tokens).toEqual(Array.from({ length: 30 }, (_, i) => `K${i}`));
    expect(x.oe.errors.get('TW_ERR_OE_OUCH_BAD_FRAME')).toBe(0);
    await c.close();
  });
});
