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
import { RefTable } from './ref-table';

export const HOUSE_SLOT = 0;
/** Accounts below this find their slot in a direct table (64 KiB); others through the hash table. */
const DIRECT_ACCOUNTS = 1 << 14;

export class Wallet {
  readonly symbols: number;
  /** Account -> slot (an open-addressing table: no Map lookup per order). The house is not in it. */
  private readonly slots = new RefTable(64);
  /** Slot + 1 by account for accounts below DIRECT_ACCOUNTS (0: none): one load per order instead of a hash probe. */
  private readonly direct = new Int32Array(DIRECT_ACCOUNTS);
  /** Account id per slot. */
  private accountIds: number[] = [0];
  cash: Float64Array;
  cashReserved: Float64Array;
  /** Per slot, one flat array (stride `(symbols + 1) * 2`): [slot * stride + locate * 2] shares, [... + 1] shares reserved. */
  positions: Float64Array;
  private readonly stride: number;

  constructor(symbols: number, expectedAccounts = 64) {
    this.symbols = symbols;
    const cap = Math.max(2, expectedAccounts);
    this.cash = new Float64Array(cap);
    this.cashReserved = new Float64Array(cap);
    this.stride = (symbols + 1) * 2;
    this.positions = new Float64Array(cap * this.stride);
  }

  /** Accounts known (the house included). */
  get accounts(): number {
    return this.accountIds.length;
  }

  /** The slot of a known account, or -1. */
  find(account: number): number {
    if (account < DIRECT_ACCOUNTS) return account === 0 ? HOUSE_SLOT : this.direct[account] - 1;
    return this.slots.get(account);
  }

  /** The slot of an account, made (with nothing in it) when new. */
  slotOf(account: number): number {
    const known = this.find(account);
    if (known >= 0) return known;
    const slot = this.accountIds.length;
    if (slot === this.cash.length) {
      this.cash = grow(this.cash);
      this.cashReserved = grow(this.cashReserved);
      this.positions = grow(this.positions);
    }
    this.accountIds.push(account);
    if (account < DIRECT_ACCOUNTS) this.direct[account] = slot + 1;
    else this.slots.set(account, slot);
    return slot;
  }

  accountOf(slot: number): number {
    return this.accountIds[slot];
  }

  availableCash(slot: number): number {
    return this.cash[slot] - this.cashReserved[slot];
  }

  /** What the account holds: cash (locate 0) or shares of one symbol, reserved included. */
  held(slot: number, locate: number): number {
    return locate === 0 ? this.cash[slot] : this.positions[slot * this.stride + locate * 2];
  }

  availableShares(slot: number, locate: number): number {
    const i = slot * this.stride + locate * 2;
    return this.positions[i] - this.positions[i + 1];
  }

  /** A buy's fill (or the house's side of one): shares in, cash out at the execution price. */
  settleBuy(slot: number, locate: number, shares: number, price: number, releasePerShare: number): void {
    this.cash[slot] -= shares * price;
    this.cashReserved[slot] -= shares * releasePerShare;
    this.positions[slot * this.stride + locate * 2] += shares;
  }

  /** A sell's fill: shares out (and `reservedShares` of them released), cash in. */
  settleSell(slot: number, locate: number, shares: number, price: number, reservedShares: number): void {
    this.cash[slot] += shares * price;
    const i = slot * this.stride + locate * 2;
    const p = this.positions;
    p[i] -= shares;
    p[i + 1] -= reservedShares;
  }

  reserveCash(slot: number, amount: number): void {
    this.cashReserved[slot] += amount;
  }

  reserveShares(slot: number, locate: number, shares: number): void {
    this.positions[slot * this.stride + locate * 2 + 1] += shares;
  }

  /** Deposit (positive) or withdrawal (negative) of cash (locate 0) or shares. */
  transfer(slot: number, locate: number, amount: number): void {
    if (locate === 0) this.cash[slot] += amount;
    else this.positions[slot * this.stride + locate * 2] += amount;
  }

  view(account: number): BalanceView {
    const slot = this.find(account);
    if (slot < 0) return { account, cash: 0, cashReserved: 0, positions: [] };
    const p = this.positions;
    const at = slot * this.stride;
    const positions: Array<{ locate: number; shares: number; sharesReserved: number }> = [];
    for (let locate = 1; locate <= this.symbols; locate++) {
      const i = at + locate * 2;
      if (p[i] !== 0 || p[i + 1] !== 0) positions.push({ locate, shares: p[i], sharesReserved: p[i + 1] });
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
