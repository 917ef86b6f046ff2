// Who leads, for processes that never lead: a stateless client gateway finds the primary
// (its order link address) in the leader key and follows it across failovers. A poll, like
// LeaderElection's followers: one small read every `pollMs`, no watch stream to re-establish
// after an etcd member is lost.
import type { Etcd3 } from 'etcd3';
import { HaError, HaErrorCounts } from './errors';
import { type LeaderInfo, parseLeader } from './leader-election';

export interface LeaderWatchOptions {
  endpoints: string[];
  /** The leader key (default /tickwire/leader). */
  key?: string;
  /** How often to read the key, in ms (default 50). */
  pollMs?: number;
  /** The leader changed (null: none holds the key). */
  onLeader: (leader: LeaderInfo | null) => void;
  onProblem?: (code: HaError, detail: string) => void;
}

export class LeaderWatch {
  readonly errors = new HaErrorCounts();
  private readonly client: Etcd3;
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private closed = false;
  /** The leader last seen (null: none, or not read yet). */
  leader: LeaderInfo | null = null;

  constructor(private readonly options: LeaderWatchOptions) {
    const { Etcd3: Client } = require('etcd3') as typeof import('etcd3');
    this.client = new Client({ hosts: options.endpoints, dialTimeout: 1000 });
  }

  start(): void {
    if (this.timer !== null || this.closed) return;
    this.timer = setInterval(() => void this.poll(), this.options.pollMs ?? 50);
    void this.poll();
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.client.close();
  }

  private async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      const key = this.options.key ?? '/tickwire/leader';
      const res = await this.client.get(key).options({ deadline: Date.now() + 1000 }).exec();
      if (this.closed) return;
      const kv = res.kvs[0];
      const seen = kv === undefined ? null : parseLeader(kv.value.toString('utf8'), Number(kv.create_revision));
      if ((seen?.epoch ?? 0) !== (this.leader?.epoch ?? 0)) {
        this.leader = seen;
        this.options.onLeader(seen);
      }
    } catch (err) {
      this.errors.count(HaError.Etcd, (err as Error).message);
      this.options.onProblem?.(HaError.Etcd, `reading the leader key: ${(err as Error).message}`);
    } finally {
      this.polling = false;
    }
  }
}
