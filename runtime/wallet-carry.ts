// Balances carried from one trading session to the next. The wallet lives in the exchange
// core for one session (one journal): replaying that journal rebuilds it exactly. A new
// session opens with each account's settings and, as journaled deposits, the closing
// balances of the session before it, so the new journal alone rebuilds the new day too.
// The closing balances come from the previous journal (its own source of truth), not from
// a side file that a crash could leave stale: from the closing statement at its end when the
// day ended there (sim/closing-statement.ts: records the core checked against its wallet as
// it journaled them, read from the file's tail), else by replaying the whole journal.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TickwireConfig } from '../config';
import { HOUSE_ACCOUNT, type BalanceView, type CarryState, type TransferRequest } from '../protocol';
import { digestingCore, journalLastSeq, readClosingStatement, readJournal } from '../sim';

/** The most recently written journal in `current`'s folder other than `current` ('' if none). */
export function previousJournal(current: string): string {
  if (current === '') return '';
  const dir = path.dirname(path.resolve(current));
  if (!fs.existsSync(dir)) return '';
  let best = '';
  let bestMs = -1;
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith(path.extname(current))) continue;
    const full = path.join(dir, name);
    if (full === path.resolve(current)) continue;
    const ms = fs.statSync(full).mtimeMs;
    if (ms > bestMs) {
      bestMs = ms;
      best = full;
    }
  }
  return best;
}

/** Every client account's balances at the end of `journalPath` (open orders released: day orders end with the session). */
export function closingBalances(config: TickwireConfig, journalPath: string): BalanceView[] {
  return readClosingStatement(journalPath) ?? replayedBalances(config, journalPath);
}

/** `closingBalances` by replaying the whole journal (a day that did not end: a crash, a kill). */
export function replayedBalances(config: TickwireConfig, journalPath: string): BalanceView[] {
  const { core, digest } = digestingCore(config, '');
  const trading = core.trading;
  readJournal(journalPath, (cmds, base) => void trading.apply(cmds, base), { repair: false });
  trading.publish();
  digest.drain();
  return trading.wallet
    .all()
    .filter((b) => b.account !== HOUSE_ACCOUNT)
    .map((b) => ({
      account: b.account,
      cash: b.cash,
      cashReserved: 0,
      positions: b.positions.map((p) => ({ locate: p.locate, shares: p.shares, sharesReserved: 0 })),
    }));
}

/** One carried balance: cash (locate 0, Price(4) units) or shares of one symbol. */
export interface CarriedBalance {
  account: number;
  locate: number;
  amount: number;
}

/**
 * The deposits that carry `balances` into a new session, in one fixed order (by account,
 * as `closingBalances` gives them: cash, then shares by locate). Only what is positive: a
 * short position is not carried (see README: limits).
 */
export function carryList(balances: readonly BalanceView[]): CarriedBalance[] {
  const out: CarriedBalance[] = [];
  for (const b of balances) {
    if (b.cash > 0) out.push({ account: b.account, locate: 0, amount: b.cash });
    for (const p of b.positions) if (p.shares > 0) out.push({ account: b.account, locate: p.locate, amount: p.shares });
  }
  return out;
}

/** What `carryBalances` did. */
export interface CarryResult {
  /** The journal the balances came from ('' when none was read: nothing before, or the opening was complete). */
  previous: string;
  /** Balances this session carries. */
  total: number;
  /** Carry records submitted now (the others were journaled before). */
  submitted: number;
  /**
   * The session's opening said it carries a different number of balances than this node's
   * previous journal gives: carried no more (TW_ERR_CARRY_MISMATCH; this node's previous
   * journal is not the one the opening was made from).
   */
  mismatch: boolean;
  /** Where the balances came from: the previous journal's closing statement, a replay of it (its day did not end), or '' (nothing read). */
  source: 'statement' | 'replay' | '';
  /** Milliseconds spent reading them. */
  readMs: number;
}

/**
 * Opens a session's balances: the previous journal's closing balances as carry deposits
 * ('T' code 'C', each saying how many the session carries; a marker record when there are
 * none), the ones this session has not journaled yet. `state` is what the session holds so
 * far (LiveSim.carryState, after its journal was replayed or replicated): an opening
 * interrupted by a crash or a failover resumes where it stopped, nothing is carried twice,
 * and a complete one reads nothing (the previous journal is replayed only to open). Call it
 * before any client request can reach the core: the carries are submitted at once and the
 * sequencer keeps their order, so every order of the day sees them.
 */
export function carryBalances(config: TickwireConfig, journalPath: string, state: CarryState, submit: (request: TransferRequest) => void): CarryResult {
  if (!openingIncomplete(state)) return { previous: '', total: state.total, submitted: 0, mismatch: false, source: '', readMs: 0 };
  const previous = previousJournal(journalPath);
  const started = performance.now();
  let source: CarryResult['source'] = '';
  let balances: BalanceView[] = [];
  if (previous !== '') {
    const statement = readClosingStatement(previous);
    source = statement === null ? 'replay' : 'statement';
    balances = statement ?? replayedBalances(config, previous);
  }
  const readMs = Math.round(performance.now() - started);
  const list = carryList(balances);
  if (state.records > 0 && state.total !== list.length) return { previous, total: state.total, submitted: 0, mismatch: true, source, readMs };
  if (list.length === 0) {
    submit({ kind: 'deposit', carried: 0, requestId: 0, account: HOUSE_ACCOUNT, locate: 0, amount: 0 });
    return { previous, total: 0, submitted: 1, mismatch: false, source, readMs };
  }
  for (let i = state.records; i < list.length; i++) {
    const c = list[i];
    submit({ kind: 'deposit', carried: list.length, requestId: 0, account: c.account, locate: c.locate, amount: c.amount });
  }
  return { previous, total: list.length, submitted: list.length - state.records, mismatch: false, source, readMs };
}

/** Whether a session with `state` still has balances to carry (its opening is not complete). */
export function openingIncomplete(state: CarryState): boolean {
  return !(state.records > 0 && state.records >= Math.max(1, state.total));
}

/**
 * Why this node's previous journal must not open `journalPath`'s session ('' when it may):
 * `closed` is the session recorded as closed last (HA: etcd's record), and the previous
 * journal must be that one, through the last record that moves a balance (a copy without
 * its closing statement or events is enough: they move none). A node that missed a session
 * (down all of the day before) or its last orders would otherwise carry other balances.
 */
export function staleOpening(closed: { journal: string; balancesThroughSeq: number } | null, journalPath: string): string {
  if (closed === null) return '';
  const previous = previousJournal(journalPath);
  if (previous === '') return `the session that closed last is ${closed.journal} (through sequence ${closed.balancesThroughSeq}) and this node has no journal before ${path.basename(journalPath)}`;
  if (path.basename(previous) !== closed.journal) return `the session that closed last is ${closed.journal}; this node's previous journal is ${path.basename(previous)}`;
  const last = journalLastSeq(previous);
  if (last < closed.balancesThroughSeq) return `${closed.journal} moved balances through sequence ${closed.balancesThroughSeq}; this node's copy ends at ${last}`;
  return '';
}

/** The banner's words for a carry ('' when nothing was done). */
export function describeCarry(r: CarryResult): string {
  if (r.mismatch) return `balances NOT carried: this session's opening carries ${r.total}, ${path.basename(r.previous)} gives another number (TW_ERR_CARRY_MISMATCH)`;
  if (r.submitted === 0 || r.total === 0) return '';
  const from = r.source === 'statement' ? 'its closing statement' : 'a replay of it: its day did not end';
  return `${r.total} balances carried from ${path.basename(r.previous)} (${from}, ${r.readMs} ms)${r.submitted < r.total ? ` (${r.submitted} after an interrupted opening)` : ''}`;
}
