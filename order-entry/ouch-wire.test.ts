// The wire check: a real OUCH session captured on loopback with tshark and decoded by
// Wireshark's own soupbintcp and ouch dissectors (soupbintcp hands each payload to the
// heuristic `ouch` sub-dissector, which checks the type letter and the OUCH 4.2 length), so
// our bytes are OUCH 4.2 as an independent implementation reads it. Skipped with a message
// where tshark is not installed (apt-get install tshark) or cannot capture on lo.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DAY, OuchExchange, ofType } from '../test/support/ouch-rig';

const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
const maybe = hasTshark ? test : test.skip;
if (!hasTshark) console.warn('ouch-wire.test.ts: tshark is not installed; the wire check is skipped (apt-get install tshark)');

/** Starts a capture and resolves once tshark says it is capturing. */
function capture(port: number, file: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn('tshark', ['-i', 'lo', '-f', `tcp port ${port}`, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => reject(new Error(`tshark did not start capturing: ${err}`)), 10_000);
    p.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      if (/Capturing on/.test(err)) {
        clearTimeout(timer);
        resolve(p);
      }
    });
    p.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tshark exited (${code}): ${err}`));
    });
  });
}

describe('OUCH on the wire, as Wireshark decodes it', () => {
  maybe('Enter Order, Accepted, Executed, Replace/Replaced, Cancel/Canceled, Rejected and System Event decode with our values', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-ouch-wire-'));
    const x = new OuchExchange(dir);
    await x.open();
    const file = path.join(dir, 'ouch.pcapng');
    let tshark: ChildProcess | null = null;
    try {
      const port = x.ouch.address.port;
      try {
        tshark = await capture(port, file);
      } catch (error) {
        console.warn(`ouch-wire.test.ts: cannot capture on lo, the wire check is skipped: ${(error as Error).message}`);
        return;
      }
      const seller = await x.trader('wire-seller', '1000', 100);
      const buyer = await x.trader('wire-buyer', '100000');
      const s = await x.client(seller);
      const b = await x.client(buyer);
      s.enterOrder({ token: 'WIRE-S1', side: 'S', shares: 100, stock: 'AAPL', price: 1_900_000, timeInForce: DAY, firm: 'TWSX' });
      await s.waitFor(ofType('A', 'WIRE-S1'));
      b.enterOrder({ token: 'WIRE-B1', side: 'B', shares: 40, stock: 'AAPL', price: 1_900_000, timeInForce: 0 });
      await s.waitFor(ofType('E', 'WIRE-S1'));
      s.replaceOrder({ existingToken: 'WIRE-S1', replacementToken: 'WIRE-S2', shares: 30, price: 1_910_000, timeInForce: DAY });
      await s.waitFor(ofType('U', 'WIRE-S2'));
      s.cancelOrder('WIRE-S2', 0);
      await s.waitFor(ofType('C', 'WIRE-S2'));
      b.enterOrder({ token: 'WIRE-BAD', side: 'B', shares: 1, stock: 'NOPE', price: 1_900_000, timeInForce: DAY });
      await b.waitFor(ofType('J', 'WIRE-BAD'));
      await s.close();
      await b.close();
      await new Promise((r) => setTimeout(r, 300));
      tshark.kill('SIGINT');
      await new Promise((r) => tshark?.once('exit', r));
      tshark = null;

      const decoded = spawnSync('tshark', ['-r', file, '-d', `tcp.port==${port},soupbintcp`, '-V'], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const text = decoded.stdout;
      expect(decoded.status).toBe(0);
      // SoupBinTCP framing around it.
      expect(text).toMatch(/SoupBinTCP/);
      expect(text).toMatch(/Login Request/i);
      expect(text).toMatch(/Login Accepted/i);
      // OUCH, message by message, with our values.
      for (const name of ['Enter Order', 'Accepted', 'Executed', 'Replace Order', 'Replaced', 'Cancel Order', 'Canceled', 'Rejected', 'System Event']) {
        expect(text).toMatch(new RegExp(`OUCH, ${name}\\b`));
      }
      expect(text).toMatch(/Order Token: WIRE-S1/);
      expect(text).toMatch(/Replacement Order Token: WIRE-S2/);
      expect(text).toMatch(/Previous Order Token: WIRE-S1/);
      expect(text).toMatch(/Stock: AAPL/);
      expect(text).toMatch(/Price: \$190\.0000/);
      expect(text).toMatch(/Firm: TWSX/);
      expect(text).toMatch(/Executed Shares: 40/);
      expect(text).toMatch(/Liquidity Flag: Added \('A'\)/);
      expect(text).toMatch(/Liquidity Flag: Removed \('R'\)/);
      expect(text).toMatch(/Time In Force: System Hours \(99999\)/i);
      expect(text).toMatch(/Cancel Reason: User requested cancel \('U'\)/);
      expect(text).toMatch(/Reject Reason: Invalid Stock \('S'\)/);
      expect(text).toMatch(/Event Code: Start of Day \('S'\)/);
      expect(text).toMatch(/Order State: Order Live \('L'\)/);
      expect(text).toMatch(/Buy\/Sell Indicator: Sell Order \('S'\)/);
      expect(text).toMatch(/Timestamp: \d{1,2}:\d{2}:\d{2}\.\d{9}/);
      expect(text).toMatch(/Match Number: [1-9]/);
      expect(text).not.toMatch(/Malformed|Unknown Message/);
    } finally {
      tshark?.kill('SIGKILL');
      await x.stop();
      x.db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
