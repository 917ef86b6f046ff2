// The generator's flow handed to client accounts: each new order goes to one of N accounts
// (seeded), and the cancels and replaces the generator makes of it later go from the same
// account, naming the order by its order id (as a client's X and R do). What property tests
// and bench/engine-risk.ts drive the order manager with. Not a hot path (a Map per order).
import { Prng } from '../protocol';
import { type CommandBuffer, CommandType } from './command';

export class ClientFlow {
  private readonly rng: Prng;
  /** Current ref -> [account, order id] of every order handed out that may still rest. */
  private readonly owners = new Map<number, [number, number]>();

  /** Accounts are firstAccount .. firstAccount + accounts - 1; `share` of new orders go to them (the rest stay the house's). */
  constructor(
    seed: number,
    readonly accounts: number,
    readonly firstAccount = 1,
    private readonly share = 1,
  ) {
    this.rng = new Prng(seed);
  }

  /** Rewrites the generated command at `base` (its sequence number `seq`) as its owner's. */
  assign(cmds: CommandBuffer, base: number, seq: number): void {
    const type = cmds.type(base);
    if (type === CommandType.NewOrder) {
      if (this.share < 1 && this.rng.next() >= this.share) return;
      const account = this.firstAccount + this.rng.nextInt(this.accounts);
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
