// Balances carried from one trading session to the next. The wallet lives in the exchange
// core for one session (one journal): replaying that journal rebuilds it exactly. A new
// session opens with each account's settings and, as journaled deposits, the closing
// balances of the session before it, so the new journal alone rebuilds the new day too.
// The closing balances come from replaying the previous journal (its own source of truth),
// not from a side file that a crash could leave stale.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TickwireConfig } from '../config';
import { HOUSE_ACCOUNT, type BalanceView } from '../protocol';
import { digestingCore, readJournal } from '../sim';

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
