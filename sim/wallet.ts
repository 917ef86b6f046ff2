// The wallet: every account's cash and shares, and the parts of them that open orders
// reserve. Cash is in Price(4) units (price x shares gives a notional in the same units),
// shares per symbol locate. Accounts get a dense slot when first seen (the house is slot
// 0), so the order manager's hot path indexes typed arrays.
//
// Rules (the order manager applies them in sequence order, so a replay gives the same
// balances): a buy reserves its limit price x shares of cash; a sell reserves its shares
// unless the account may sell short; a fill moves cash and shares at the execution price
// and releases the reservation of the shares filled; a cancel releases what it cancels.
// Cash and shares are conserved across all accounts, the house included, apart from
// transfers. The house trades without checks and may go negative.
import type { BalanceView } from '../protocol';

export const HOUSE_SLOT = 0;

export class Wallet {
  readonly symbols: number;
  private readonly slots = new Map<number, number>();
  /** Account id per slot. */
  private accountIds: number[] = [0];
  cash: Float64Array;
  cashReserved: Float64Array;
  /** Per slot: [locate * 2] shares, [locate * 2 + 1] shares reserved (locate 1..symbols). */
  positions: Float64Array[];

  constructor(symbols: number, expectedAccounts = 64) {
    this.symbols = symbols;
    const cap = Math.max(2, expectedAccounts);
    this.cash = new Float64Array(cap);
    this.cashReserved = new Float64Array(cap);
    this.positions = [new Float64Array((symbols + 1) * 2)];
    this.slots.set(0, HOUSE_SLOT);
  }

  /** Accounts known (the house included). */
  get accounts(): number {
    return this.accountIds.length;
  }

  /** The slot of a known account, or -1. */
  find(account: number): number {
    return this.slots.get(account) ?? -1;
  }

  /** The slot of an account, made (with nothing in it) when new. */
  slotOf(account: number): number {
    const known = this.slots.get(account);
    if (known !== undefined) return known;
    const slot = this.accountIds.length;
    if (slot === this.cash.length) {
      this.cash = grow(this.cash);
      this.cashReserved = grow(this.cashReserved);
    }
    this.accountIds.push(account);
    this.positions.push(new Float64Array((this.symbols + 1) * 2));
    this.slots.set(account, slot);
    return slot;
  }

  accountOf(slot: number): number {
    return this.accountIds[slot];
  }

  availableCash(slot: number): number {
    return this.cash[slot] - this.cashReserved[slot];
  }

  availableShares(slot: number, locate: number): number {
    const p = this.positions[slot];
    return p[locate * 2] - p[locate * 2 + 1];
  }

  /** A buy's fill (or the house's side of one): shares in, cash out at the execution price. */
  settleBuy(slot: number, locate: number, shares: number, price: number, releasePerShare: number): void {
    this.cash[slot] -= shares * price;
    this.cashReserved[slot] -= shares * releasePerShare;
    this.positions[slot][locate * 2] += shares;
  }

  /** A sell's fill: shares out (and `reservedShares` of them released), cash in. */
  settleSell(slot: number, locate: number, shares: number, price: number, reservedShares: number): void {
    this.cash[slot] += shares * price;
    const p = this.positions[slot];
    p[locate * 2] -= shares;
    p[locate * 2 + 1] -= reservedShares;
  }

  reserveCash(slot: number, amount: number): void {
    this.cashReserved[slot] += amount;
  }

  reserveShares(slot: number, locate: number, shares: number): void {
    this.positions[slot][locate * 2 + 1] += shares;
  }

  /** Deposit (positive) or withdrawal (negative) of cash (locate 0) or shares. */
  transfer(slot: number, locate: number, amount: number): void {
    if (locate === 0) this.cash[slot] += amount;
    else this.positions[slot][locate * 2] += amount;
  }

  view(account: number): BalanceView {
    const slot = this.find(account);
    if (slot < 0) return { account, cash: 0, cashReserved: 0, positions: [] };
    const p = this.positions[slot];
    const positions: Array<{ locate: number; shares: number; sharesReserved: number }> = [];
    for (let locate = 1; locate <= this.symbols; locate++) {
      if (p[locate * 2] !== 0 || p[locate * 2 + 1] !== 0) positions.push({ locate, shares: p[locate * 2], sharesReserved: p[locate * 2 + 1] });
    }
    return { account, cash: this.cash[slot], cashReserved: this.cashReserved[slot], positions };
  }

  /** Every account's balances, ordered by account id (the digest, end-of-day carry-over). */
  all(): BalanceView[] {
    return [...this.accountIds].sort((a, b) => a - b).map((a) => this.view(a));
  }
}

function grow(a: Float64Array): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}
