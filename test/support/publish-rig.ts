// A `tickwire publish` on free ports and two given groups, and a FeedHandler's options for
// the same lines, rewinder and snapshot: what the tests that keep a handler up across a
// publisher's end of day, SIGKILL or restart share.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FeedHandlerOptions } from '../../feed-handler';
import { nySessionDate, resolveSessionName } from '../../protocol';
import { freeTcpPort, freeUdpPort } from './ports';

const IFACE = '127.0.0.1';

export interface PublishRig {
  dir: string;
  groups: readonly [string, string];
  ports: readonly [number, number];
  rewinderPort: number;
  snapshotPort: number;
  sessionDate: string;
  /** `tickwire publish` arguments (after the binary) with `extra` flags. */
  args(extra: string[]): string[];
  /** A handler on the rig's lines, rewinder and snapshot, for today's first session. */
  handlerOptions(): FeedHandlerOptions;
}

export async function publishRig(tmpPrefix: string, groups: readonly [string, string]): Promise<PublishRig> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
  const ports = [await freeUdpPort(), await freeUdpPort()] as const;
  const rewinderPort = await freeUdpPort();
  const snapshotPort = await freeTcpPort();
  const sessionDate = nySessionDate(Date.now());
  return {
    dir,
    groups,
    ports,
    rewinderPort,
    snapshotPort,
    sessionDate,
    args: (extra) => [
      'publish', '--rate', '4000', ...extra,
      '--set', `journal.path=${path.join(dir, '{date}.journal')}`, '--set', 'sim.symbols=10',
      '--set', `publisher.lineA.group=${groups[0]}`, '--set', `publisher.lineA.port=${ports[0]}`,
      '--set', `publisher.lineB.group=${groups[1]}`, '--set', `publisher.lineB.port=${ports[1]}`,
      '--set', 'publisher.endOfSessionIntervalMs=100', '--set', `publisher.rewinder.port=${rewinderPort}`, '--set', `publisher.snapshot.port=${snapshotPort}`,
      '--set', 'gateway.port=0', '--set', `storage.path=${path.join(dir, 'tickwire.duckdb')}`,
    ],
    handlerOptions: () => ({
      session: resolveSessionName('', sessionDate),
      sessionDate,
      lineA: { group: groups[0], port: ports[0] },
      lineB: { group: groups[1], port: ports[1] },
      rewinder: { host: IFACE, port: rewinderPort },
      snapshot: { host: IFACE, port: snapshotPort },
      staleAfterMs: 300,
    }),
  };
}
