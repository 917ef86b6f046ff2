// The generator's flow handed to client accounts: each new order goes to one of N accounts
// (seeded), and the cancels and replaces the generator makes of it later go from the same
// account, naming the order by its order id (as a client's X and R do). What property tests
// and bench/engine-risk.ts drive the order manager with. Not a hot path (a Map per order).
import { Prng } from '../protocol';
import { COMMAND_SIZE, type CommandBuffer, CommandType } from './command';

export class ClientFlow {
  private readonly rng: Prng;
  /** Current ref -> [account, order id] of every order handed out that may still rest. */
  private readonly owners = new Map<number, [number, number]>();
  /** Order id -> order ids it traded with in the house's run (see `avoidSelfMatches`). */
  private conflicts: Map<number, number[]> | null = null;
  /** Order id -> its account, for orders with conflicts. */
  private readonly accountOf = new Map<number, number>();

  /** Accounts are firstAccount .. firstAccount + accounts - 1; `share` of new orders go to them (the rest stay the house's). */
  constructor(
    seed: number,
    readonly accounts: number,
    readonly firstAccount = 1,
    private readonly share = 1,
  ) {
    this.rng = new Prng(seed);
  }

  /**
   * Orders that traded with each other when the flow ran as the house's (`trades`: pairs of
   * resting ref, incoming ref, `tradeCount` of them) go to different accounts, so no client
   * order stops at its own account's (self-match prevention) and the flow, handed to
   * clients, makes the same trades: a benchmark then compares the same book work. `cmds`
   * holds the flow, commands `first` .. `count - 1`. Call before `assign`.
   */
  avoidSelfMatches(cmds: CommandBuffer, first: number, count: number, trades: Float64Array, tradeCount: number): void {
    // A replace's new ref belongs to the order the replaced ref did.
    const orderOf = new Map<number, number>();
    for (let i = first; i < count; i++) {
      const base = i * COMMAND_SIZE;
      const type = cmds.type(base);
      const seq = cmds.inboundSeq(base);
      if (type === CommandType.NewOrder) orderOf.set(seq, seq);
      else if (type === CommandType.Replace) {
        const order = orderOf.get(cmds.orderRef(base));
        if (order !== undefined) orderOf.set(seq, order);
      }
    }
    const conflicts = new Map<number, number[]>();
    const add = (a: number, b: number): void => {
      const list = conflicts.get(a);
      if (list === undefined) conflicts.set(a, [b]);
      else list.push(b);
    };
    for (let t = 0; t < tradeCount; t++) {
      const a = orderOf.get(trades[t * 2]) ?? trades[t * 2];
      const b = orderOf.get(trades[t * 2 + 1]) ?? trades[t * 2 + 1];
      if (a === b) continue;
      add(a, b);
      add(b, a);
    }
    this.conflicts = conflicts;
  }

  private held(orders: number[], account: number): boolean {
    for (const o of orders) if (this.accountOf.get(o) === account) return true;
    return false;
  }

  /** Rewrites the generated command at `base` (its sequence number `seq`) as its owner's. */
  assign(cmds: CommandBuffer, base: number, seq: number): void {
    const type = cmds.type(base);
    if (type === CommandType.NewOrder) {
      if (this.share < 1 && this.rng.next() >= this.share) return;
      let account = this.firstAccount + this.rng.nextInt(this.accounts);
      const others = this.conflicts === null ? undefined : this.conflicts.get(seq);
      if (others !== undefined) {
        // The next account that none of the orders it trades with has (if there is one).
        for (let tries = 0; tries < this.accounts && this.held(others, account); tries++) {
          account = account + 1 < this.firstAccount + this.accounts ? account + 1 : this.firstAccount;
        }
        this.accountOf.set(seq, account);
      }
      cmds.setAccount(base, account);
      this.owners.set(seq, [account, seq]);
    } else if (type === CommandType.Cancel || type === CommandType.Replace) {
      const ref = cmds.orderRef(base);
      const owner = this.owners.get(ref);
      if (owner === undefined) return; // the house's
      cmds.setAccount(base, owner[0]);
      cmds.f64[(base >> 3) + 4] = owner[1];
      if (type === CommandType.Replace) {
        this.owners.delete(ref);
        this.owners.set(seq, owner);
      } else if (cmds.shares(base) === 0) {
        this.owners.delete(ref);
      }
    }
  }
}
