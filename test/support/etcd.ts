// A real etcd cluster for tests: /usr/bin/etcd (Debian's etcd-server) started on free
// loopback ports in a temp dir, with short heartbeat and election timeouts so leases as
// short as 1 s are honoured. Tests skip with a message when etcd is not installed.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freeTcpPort } from './ports';

export const ETCD_BIN = process.env.TW_ETCD_BIN ?? '/usr/bin/etcd';
export const HAVE_ETCD = fs.existsSync(ETCD_BIN);
export const NO_ETCD_MESSAGE = `${ETCD_BIN} is absent: the etcd tests are skipped (apt-get install -y etcd-server)`;

export interface EtcdMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  process: ChildProcess | null;
  log: string[];
}

export class EtcdCluster {
  readonly members: EtcdMember[] = [];

  private constructor(readonly dir: string) {}

  /** Starts `size` members and waits until each serves clients. */
  static async start(size = 1): Promise<EtcdCluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-etcd-'));
    const cluster = new EtcdCluster(dir);
    for (let i = 0; i < size; i++) {
      const name = `m${i}`;
      cluster.members.push({
        name,
        clientUrl: `http://127.0.0.1:${await freeTcpPort()}`,
        peerUrl: `http://127.0.0.1:${await freeTcpPort()}`,
        dataDir: path.join(dir, name),
        process: null,
        log: [],
      });
    }
    for (const m of cluster.members) cluster.spawn(m);
    await Promise.all(cluster.members.map((m) => cluster.ready(m)));
    return cluster;
  }

  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  private spawn(m: EtcdMember): void {
    const initial = this.members.map((x) => `${x.name}=${x.peerUrl}`).join(',');
    const args = [
      '--name', m.name,
      '--data-dir', m.dataDir,
      '--listen-client-urls', m.clientUrl,
      '--advertise-client-urls', m.clientUrl,
      '--listen-peer-urls', m.peerUrl,
      '--initial-advertise-peer-urls', m.peerUrl,
      '--initial-cluster', initial,
      '--initial-cluster-state', 'new',
      '--initial-cluster-token', path.basename(this.dir),
      '--heartbeat-interval', '50',
      '--election-timeout', '500',
    ];
    const child = spawn(ETCD_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (b: Buffer) => {
      m.log.push(b.toString());
      if (m.log.length > 200) m.log.shift();
    });
    m.process = child;
  }

  private async ready(m: EtcdMember, ms = 20_000): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (m.log.join('').includes('ready to serve client requests')) return;
      if (m.process?.exitCode !== null) throw new Error(`etcd ${m.name} exited: ${m.log.join('').slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`etcd ${m.name} did not become ready in ${ms} ms: ${m.log.join('').slice(-2000)}`);
  }

  signal(i: number, sig: NodeJS.Signals): void {
    this.members[i].process?.kill(sig);
  }

  async kill(i: number): Promise<void> {
    const p = this.members[i].process;
    if (p === null || p.exitCode !== null || p.signalCode !== null) return;
    p.kill('SIGKILL');
    await new Promise((r) => p.once('exit', r));
  }

  async close(): Promise<void> {
    for (let i = 0; i < this.members.length; i++) {
      this.signal(i, 'SIGCONT');
      await this.kill(i);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
