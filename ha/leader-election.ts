// Leader election and fencing through etcd (an existing Raft implementation; no consensus
// of our own). The primary is the node holding a lease-backed key, created in a
// transaction only if absent; the epoch is that key's create revision, so every takeover
// has a higher one. The leader renews its lease every TTL/6 on a thread of its own
// (lease-keeper.ts, so a busy engine loop cannot starve it) and fences itself (stops
// acknowledging and publishing) once TTL/2 has passed since the last renewal it sent that
// etcd answered: the lease cannot have expired elsewhere before then, so no two nodes ever
// act as primary at once (with clocks that run at the same rate, not synchronised ones).
// Others watch the key (a poll every `pollMs`) and campaign when it is gone, if
// `mayCampaign()` says they hold every committed batch.
//
// The sync standby key (`syncKey`, default the leader key + '-sync'): the leader names in it
// the one standby whose acknowledgements commit (replication-server.ts), in a transaction
// that holds only while its leader key is the one it created. It outlives the leader's
// lease on purpose: a candidate campaigns only if that key names it (or is absent, or
// belongs to another session), and the campaign's transaction checks the key did not change
// since it was read. A standby that a cut link has dropped, and that may lack records
// committed since, therefore cannot take over, even if it believes it is in sync.
import type { Etcd3, Lease } from 'etcd3';
import { HaError, HaErrorCounts } from './errors';
import { type KeeperMessage, LeaseKeeper, monotonicMs } from './lease-keeper';

export interface LeaderInfo {
  node: string;
  /** Where its ReplicationServer listens. */
  replicationHost: string;
  replicationPort: number;
  /** Where its order link listens for stateless client gateways ('' and 0: none). */
  orderLinkHost: string;
  orderLinkPort: number;
  /** The key's create revision. */
  epoch: number;
}

/** The session that closed last (its primary records it after the day's end): the next one opens from its journal. */
export interface ClosedSession {
  /** The journal's file name (every node names a session's journal alike). */
  journal: string;
  /**
   * The last inbound sequence number before its closing statement: every record that moves a
   * balance is at or before it (the statement and the closing events after it move none).
   */
  balancesThroughSeq: number;
  node: string;
  epoch: number;
}

export type ElectionState = 'follower' | 'campaigning' | 'leader' | 'fenced' | 'closed';

export interface LeaderElectionOptions {
  /** etcd client URLs, e.g. ['http://127.0.0.1:2379']. */
  endpoints: string[];
  /** The leader key (default /tickwire/leader). */
  key?: string;
  node: string;
  replicationHost: string;
  replicationPort: number;
  /** Where this node's order link will listen once it leads (runtime/order-link-server.ts); omitted: none. */
  orderLinkHost?: string;
  orderLinkPort?: number;
  /** Lease TTL in whole seconds (etcd's unit; it may round a very small TTL up). */
  ttlSec: number;
  /** How often followers look at the key, in ms (default 100). */
  pollMs?: number;
  /** The sync standby key (default: `key` + '-sync'). */
  syncKey?: string;
  /** This node's trading session (e.g. its journal file's name): a sync standby named in another session does not bind it. */
  session?: string;
  /** Asked before each campaign: does this node hold every committed batch? Default yes. */
  mayCampaign?: () => boolean;
  onElected?: (epoch: number) => void;
  /** The lease could not be renewed in time (or the key was lost): stop acknowledging and publishing now. */
  onFenced?: (reason: string) => void;
  /** The leader seen in etcd changed (null: none). */
  onLeader?: (leader: LeaderInfo | null) => void;
  onProblem?: (code: HaError, detail: string) => void;
}

export class LeaderElection {
  readonly errors = new HaErrorCounts();
  private readonly client: Etcd3;
  private readonly key: string;
  private readonly syncKey: string;
  /** The session that closed last (`recordClosedSession`). */
  readonly closedKey: string;
  private readonly ttlMs: number;
  private lease: Lease | null = null;
  private keeper: LeaseKeeper | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private fenceTimer: NodeJS.Timeout | null = null;
  private polling = false;
  state: ElectionState = 'follower';
  /** This node's epoch while leader (0 otherwise). */
  epoch = 0;
  /** The leader last seen in etcd. */
  leader: LeaderInfo | null = null;
  /** When the campaign's grant was sent (monotonicMs); renewals then move lastRenewMs on. */
  private grantedMs = 0;
  campaigns = 0;
  /** Campaigns not made because etcd names another node the sync standby of this session. */
  notSyncStandby = 0;
  fenceReason = '';

  constructor(private readonly options: LeaderElectionOptions) {
    // Loaded here, not at import: a single machine (ha.enabled false) never needs etcd3.
    const { Etcd3: Client } = require('etcd3') as typeof import('etcd3');
    this.client = new Client({ hosts: options.endpoints, dialTimeout: 1000 });
    this.key = options.key ?? '/tickwire/leader';
    this.syncKey = options.syncKey ?? `${this.key}-sync`;
    this.closedKey = `${this.key}-closed`;
    this.ttlMs = options.ttlSec * 1000;
  }

  /** When the last renewal that etcd answered was sent (monotonicMs, the keeper's clock). */
  get lastRenewMs(): number {
    return Math.max(this.keeper?.lastRenewMs ?? 0, this.grantedMs);
  }

  /** Renewals etcd answered while leader. */
  get renewals(): number {
    return this.keeper?.renewals ?? 0;
  }

  /** The renewal thread is up (it loads etcd3 and connects first): this node campaigns only once it is. */
  get ready(): boolean {
    return this.keeper?.ready === true;
  }

  /** Milliseconds since the last renewal etcd answered was sent. */
  sinceRenewMs(): number {
    return monotonicMs() - this.lastRenewMs;
  }

  /** Starts watching the key (and campaigning when it is free). */
  start(): void {
    if (this.pollTimer !== null) return;
    this.keeper = new LeaseKeeper({ endpoints: this.options.endpoints, ttlMs: this.ttlMs, onMessage: this.onKeeper });
    this.pollTimer = setInterval(() => void this.poll(), this.options.pollMs ?? 100);
    void this.poll();
  }

  /**
   * True while this node is leader and its lease is certainly alive: checked synchronously
   * before anything is acknowledged, so a stalled event loop cannot release an
   * acknowledgement between a missed deadline and the fence timer.
   */
  leaseValid(): boolean {
    if (this.state !== 'leader') return false;
    const since = this.sinceRenewMs();
    if (since > this.ttlMs / 2) {
      this.fence(`no lease renewal answered for ${Math.round(since)} ms (limit ${this.ttlMs / 2} ms, TTL/2)`);
      return false;
    }
    if (this.keeper?.expired === true) {
      this.fence('etcd says the lease has expired');
      return false;
    }
    return true;
  }

  /**
   * Names `standby` the sync standby (the one whose acknowledgements commit): written only
   * while this node leads (its leader key is still the one it created) and its lease is
   * certainly alive. Resolves whether it was written.
   */
  async designateSyncStandby(standby: string): Promise<boolean> {
    if (!this.leaseValid()) return false;
    const value = JSON.stringify({ node: standby, session: this.options.session ?? '', epoch: this.epoch, by: this.options.node });
    const txn = await withDeadline(
      this.client.if(this.key, 'Create', '==', this.epoch).then(this.client.put(this.syncKey).value(value)).options({ deadline: Date.now() + 1000 }).commit(),
      1000,
    );
    return txn.succeeded && this.state === 'leader';
  }

  /**
   * Records the session this leader has just closed (after its day's end is journaled), while
   * it still holds the lease: the next session's primary checks its own journal against it.
   */
  async recordClosedSession(journal: string, balancesThroughSeq: number): Promise<boolean> {
    if (!this.leaseValid()) return false;
    const value = JSON.stringify({ journal, balancesThroughSeq, node: this.options.node, epoch: this.epoch } satisfies ClosedSession);
    const txn = await withDeadline(
      this.client.if(this.key, 'Create', '==', this.epoch).then(this.client.put(this.closedKey).value(value)).options({ deadline: Date.now() + 1000 }).commit(),
      1000,
    );
    return txn.succeeded;
  }

  /** The session recorded as closed last, or null (none yet: a first day, or a day that did not end cleanly). Throws when etcd cannot answer. */
  async closedSession(): Promise<ClosedSession | null> {
    const res = await withDeadline(this.client.get(this.closedKey).options({ deadline: Date.now() + 1000 }).exec(), 1000);
    const kv = res.kvs[0];
    return kv === undefined ? null : parseClosedSession(kv.value.toString('utf8'));
  }

  /** Stops; a leader revokes its lease so a standby can take over at once. */
  async close(): Promise<void> {
    const wasLeader = this.state === 'leader';
    this.state = 'closed';
    this.stopTimers();
    await this.stopKeeper();
    if (wasLeader && this.lease !== null) {
      await withDeadline(this.lease.revoke(), 1000).catch(() => undefined);
    }
    this.lease?.release();
    this.client.close();
  }

  private stopTimers(): void {
    for (const t of [this.pollTimer, this.fenceTimer]) if (t !== null) clearInterval(t);
    this.pollTimer = this.fenceTimer = null;
  }

  private stopKeeper(): Promise<void> {
    const keeper = this.keeper;
    return keeper === null ? Promise.resolve() : keeper.stop().catch(() => undefined);
  }

  /** The fence timer's turn: the main thread is alive (the keeper's watchdog), and is the lease? */
  private readonly tick = (): void => {
    this.keeper?.heartbeat(monotonicMs());
    this.leaseValid();
  };

  private async poll(): Promise<void> {
    if (this.polling || this.state === 'closed' || this.state === 'fenced') return;
    this.polling = true;
    try {
      const res = await withDeadline(this.client.get(this.key).options({ deadline: Date.now() + 1000 }).exec(), 1000);
      if (this.isStopped()) return;
      const kv = res.kvs[0];
      const seen = kv === undefined ? null : parseLeader(kv.value.toString('utf8'), Number(kv.create_revision));
      if (this.state === 'leader') {
        // The key is gone or another's: leadership was lost (an expired lease, an operator).
        if (seen === null || seen.epoch !== this.epoch) this.fence(`the leader key ${this.key} is ${seen === null ? 'gone' : `held by ${seen.node}, epoch ${seen.epoch}`}`);
        return;
      }
      if ((seen?.epoch ?? 0) !== (this.leader?.epoch ?? 0)) {
        this.leader = seen;
        this.options.onLeader?.(seen);
      }
      if (seen === null && this.state === 'follower' && this.keeper?.ready === true && (this.options.mayCampaign?.() ?? true)) await this.campaign();
    } catch (err) {
      this.problem(HaError.Etcd, `reading ${this.key}: ${(err as Error).message}`);
    } finally {
      this.polling = false;
    }
  }

  private isStopped(): boolean {
    return this.state === 'closed' || this.state === 'fenced';
  }

  private async campaign(): Promise<void> {
    this.state = 'campaigning';
    // Only the named sync standby (or anyone, when none is named for this session) may lead.
    let syncMod = 0;
    try {
      const res = await withDeadline(this.client.get(this.syncKey).options({ deadline: Date.now() + 1000 }).exec(), 1000);
      const kv = res.kvs[0];
      if (kv !== undefined) {
        syncMod = Number(kv.mod_revision);
        const named = parseSyncStandby(kv.value.toString('utf8'));
        if (named.session === (this.options.session ?? '') && named.node !== this.options.node) {
          this.notSyncStandby++;
          // Said once, then every 100th poll (it is asked at every poll while the key is free).
          if (this.notSyncStandby % 100 === 1) this.problem(HaError.NotSyncStandby, `etcd names ${named.node} the sync standby of session ${named.session} (key ${this.syncKey}): ${this.options.node} does not campaign`);
          this.state = 'follower';
          return;
        }
      }
    } catch (err) {
      this.state = 'follower';
      this.problem(HaError.Etcd, `reading ${this.syncKey}: ${(err as Error).message}`);
      return;
    }
    // A campaign: a lease granted and the key tried for (not counted when turned away above).
    this.campaigns++;
    const lease = this.client.lease(this.options.ttlSec, { autoKeepAlive: false });
    try {
      const sent = monotonicMs();
      const leaseId = await withDeadline(lease.grant(), 1000);
      const o = this.options;
      const value = JSON.stringify({ node: o.node, replicationHost: o.replicationHost, replicationPort: o.replicationPort, orderLinkHost: o.orderLinkHost ?? '', orderLinkPort: o.orderLinkPort ?? 0 });
      // The sync standby key unchanged since it was read (Mod 0: still absent).
      const txn = await withDeadline(
        this.client.if(this.key, 'Create', '==', 0).and(this.syncKey, 'Mod', '==', syncMod).then(lease.put(this.key).value(value)).options({ deadline: Date.now() + 1000 }).commit(),
        1000,
      );
      if (this.state !== 'campaigning') {
        await lease.revoke().catch(() => undefined);
        return;
      }
      if (!txn.succeeded) {
        await withDeadline(lease.revoke(), 1000).catch(() => undefined);
        lease.release();
        this.state = 'follower';
        return;
      }
      this.lease = lease;
      this.grantedMs = sent;
      this.epoch = Number(txn.header.revision);
      this.leader = parseLeader(value, this.epoch);
      this.state = 'leader';
      this.keeper?.adopt(leaseId, sent);
      this.fenceTimer = setInterval(this.tick, Math.max(10, Math.min(50, this.ttlMs / 20)));
      this.options.onElected?.(this.epoch);
      this.options.onLeader?.(this.leader);
    } catch (err) {
      lease.release();
      if (this.state === 'campaigning') this.state = 'follower';
      this.problem(HaError.Etcd, `campaigning for ${this.key}: ${(err as Error).message}`);
    }
  }

  private readonly onKeeper = (m: KeeperMessage): void => {
    if (m.kind === 'expired') this.fence('etcd says the lease has expired');
    else if (m.kind === 'problem' && this.state === 'leader') this.problem(HaError.Etcd, m.detail);
  };

  private fence(reason: string): void {
    if (this.state !== 'leader') return;
    this.state = 'fenced';
    this.fenceReason = reason;
    this.stopTimers();
    void this.stopKeeper();
    this.problem(HaError.Fenced, reason);
    this.options.onFenced?.(reason);
  }

  private problem(code: HaError, detail: string): void {
    this.errors.count(code, detail);
    this.options.onProblem?.(code, detail);
  }
}

/** The sync standby key's value: the node named, in which session, by which leader's epoch. */
/** A closed-session record (a malformed one reads as a session no journal matches). */
export function parseClosedSession(text: string): ClosedSession {
  try {
    const v = JSON.parse(text) as Partial<ClosedSession>;
    return {
      journal: typeof v.journal === 'string' ? v.journal : '?',
      balancesThroughSeq: typeof v.balancesThroughSeq === 'number' ? v.balancesThroughSeq : Number.MAX_SAFE_INTEGER,
      node: typeof v.node === 'string' ? v.node : '',
      epoch: typeof v.epoch === 'number' ? v.epoch : 0,
    };
  } catch {
    return { journal: '?', balancesThroughSeq: Number.MAX_SAFE_INTEGER, node: '', epoch: 0 };
  }
}

export function parseSyncStandby(text: string): { node: string; session: string; epoch: number } {
  try {
    const v = JSON.parse(text) as { node?: unknown; session?: unknown; epoch?: unknown };
    return { node: String(v.node ?? ''), session: String(v.session ?? ''), epoch: Number(v.epoch ?? 0) };
  } catch {
    return { node: '', session: '', epoch: 0 };
  }
}

/** The leader key's value (JSON written by the campaign), with the key's create revision as epoch. */
export function parseLeader(text: string, epoch: number): LeaderInfo {
  try {
    const v = JSON.parse(text) as Partial<LeaderInfo>;
    return {
      node: String(v.node ?? ''),
      replicationHost: String(v.replicationHost ?? ''),
      replicationPort: Number(v.replicationPort ?? 0),
      orderLinkHost: String(v.orderLinkHost ?? ''),
      orderLinkPort: Number(v.orderLinkPort ?? 0),
      epoch,
    };
  } catch {
    return { node: '', replicationHost: '', replicationPort: 0, orderLinkHost: '', orderLinkPort: 0, epoch };
  }
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from etcd within ${Math.round(ms)} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => {
    if (timer !== null) clearTimeout(timer);
  });
}
