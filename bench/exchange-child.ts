// `tickwire run --rate 0` as a child process for the order-entry benches (REST, FIX): a temp
// dir for every file, any free port, the bench's own multicast groups, market-data gateway
// and storage off, the order rate and abnormal-traffic limits opened for the load; its
// addresses from the banner and its admin token from the file it writes.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freeUdpPort } from '../test/support/ports';

const tickwire = path.resolve(__dirname, '..', 'bin', 'tickwire.js');

export interface ExchangeChild {
  child: ChildProcess;
  /** The client gateway, http://host:port. */
  url: string;
  fixPort: number;
  ouchPort: number;
  /** The admin routes' bearer token. */
  token: string;
}

/** Starts it in `dir` and resolves once the banner names the client gateway. */
export async function startExchangeChild(dir: string, groups: readonly [string, string], ordersPerSecondPerAccount: number): Promise<ExchangeChild> {
  const [portA, portB] = [await freeUdpPort(), await freeUdpPort()];
  const child = spawn(process.execPath, [
    tickwire, 'run', '--rate', '0',
    '--set', `journal.path=${path.join(dir, '{date}.journal')}`,
    '--set', `orderEntry.accountsPath=${path.join(dir, 'accounts.sqlite')}`,
    '--set', `orderEntry.adminTokenFile=${path.join(dir, 'admin.token')}`,
    '--set', 'orderEntry.port=0',
    '--set', 'orderEntry.fix.port=0', '--set', `orderEntry.fix.storePath=${path.join(dir, 'fix')}`,
    '--set', 'orderEntry.ouch.port=0', '--set', `orderEntry.ouch.storePath=${path.join(dir, 'ouch')}`,
    '--set', `orderEntry.ordersPerSecondPerAccount=${ordersPerSecondPerAccount}`,
    '--set', `orderEntry.requestsPerSecondPerIp=${ordersPerSecondPerAccount * 4}`,
    '--set', 'orderEntry.abnormalRateFloor=1000000',
    '--set', 'orderEntry.rejectBurst=1000000',
    '--set', 'gateway.enabled=false',
    '--set', 'storage.engine=off',
    '--set', `publisher.lineA.group=${groups[0]}`, '--set', `publisher.lineA.port=${portA}`,
    '--set', `publisher.lineB.group=${groups[1]}`, '--set', `publisher.lineB.port=${portB}`,
    '--set', 'publisher.rewinder.port=0', '--set', 'publisher.snapshot.port=0',
    '--set', 'log.level=warn',
  ], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  const banner = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`tickwire run did not print its client gateway: ${out}`)), 60_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const line = /order entry: .*\n/.exec(out);
      if (line) {
        clearTimeout(timer);
        resolve(line[0]);
      }
    });
    child.once('exit', (code) => reject(new Error(`tickwire run exited (${code}): ${out}`)));
  });
  child.stdout?.resume();
  const port = (re: RegExp): number => Number(re.exec(banner)?.[1] ?? 0);
  return {
    child,
    url: /order entry: (http:\/\/[^ ]+) /.exec(banner)?.[1] ?? '',
    fixPort: port(/FIX 4\.4 on tcp [^:]+:(\d+)/),
    ouchPort: port(/OUCH 4\.2 over SoupBinTCP on tcp [^:]+:(\d+)/),
    token: fs.readFileSync(path.join(dir, 'admin.token'), 'utf8').trim(),
  };
}

/** POSTs to an admin route; throws with the answer unless 200. */
export async function adminPost(ex: ExchangeChild, route: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${ex.url}${route}`, { method: 'POST', headers: { authorization: `Bearer ${ex.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${route}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
