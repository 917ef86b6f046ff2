// The closing statement: every client account's balances as a session ends, journaled as
// 'T' records of code 'S' after the day's last order and before its closing events. They
// move nothing (the order manager checks each against the wallet, live and in every
// replay), so the journal stays the one source of truth; what they save is time. The next
// session carries its opening balances from them by reading the journal's tail, where
// replaying the whole day took about 0.7 s per million records (11 minutes for the design
// basis's billion orders a day) while the new session waited to open.
//
// A block of N records (N in each record's shares field, like a carry's count): by account,
// then cash (locate 0) before shares by locate, only what is not zero; a day with no client
// balance writes one marker (account 0, amount 0, count 0). A journal whose tail holds no
// complete block (a crash before the end of the day, a journal from before this record
// existed) gives null: the caller replays it instead.
import type { BalanceView } from '../protocol';
import { COMMAND_SIZE, type CommandBuffer, CommandType, TransferCode } from './command';
import { readRecords, withJournal } from './journal-tail';
import type { Wallet } from './wallet';

/** One line of a statement: cash (locate 0, Price(4) units) or shares held of one symbol. */
export interface StatementLine {
  account: number;
  locate: number;
  amount: number;
}

/** How far back from the journal's end the statement's last record is looked for (the closing events come after it). */
const TAIL_WINDOW = 64;

/** The statement of `wallet` now: every client account's non-zero cash and shares held (reservations are the day's). */
export function statementLines(wallet: Wallet): StatementLine[] {
  const out: StatementLine[] = [];
  for (const b of wallet.all()) {
    if (b.account === 0) continue; // the house's wallet is its side of the client trades, not a balance
    if (b.cash !== 0) out.push({ account: b.account, locate: 0, amount: b.cash });
    for (const p of b.positions) if (p.shares !== 0) out.push({ account: b.account, locate: p.locate, amount: p.shares });
  }
  return out;
}

/**
 * Writes the statement's records `from`..`from + count` (a marker when `lines` is empty) into
 * `cmds` from record 0; returns how many it wrote. The records are unstamped: the sequencer stamps them.
 */
export function writeStatement(cmds: CommandBuffer, lines: readonly StatementLine[], from: number, count: number): number {
  if (lines.length === 0) {
    cmds.writeTransfer(0, TransferCode.Statement, 0, 0, 0, 0);
    return 1;
  }
  const end = Math.min(lines.length, from + count);
  for (let i = from; i < end; i++) {
    const l = lines[i];
    cmds.writeTransfer((i - from) * COMMAND_SIZE, TransferCode.Statement, l.account, l.locate, l.amount, lines.length);
  }
  return end - from;
}

/**
 * The balances of the last complete statement at the end of `journalPath` (cash, and shares
 * by locate, reservations 0, by account), or null when its tail holds none.
 */
export function readClosingStatement(journalPath: string): BalanceView[] | null {
  return withJournal(journalPath, (fd, records, torn) => {
    if (torn) return null; // a day that ended cleanly has no torn tail
    const tailCount = Math.min(records, TAIL_WINDOW);
    const tail = readRecords(fd, records - tailCount, tailCount);
    if (tail === null) return null;
    // The last statement record, with only closing events (system events, trading states) after it.
    let last = -1;
    for (let i = tailCount - 1; i >= 0; i--) {
      const base = i * COMMAND_SIZE;
      const type = tail.type(base);
      if (type === CommandType.Transfer && tail.code(base) === TransferCode.Statement) {
        last = i;
        break;
      }
      if (type !== CommandType.SystemEvent && type !== CommandType.TradingState) return null;
    }
    if (last < 0) return null;
    const count = tail.shares(last * COMMAND_SIZE);
    if (count === 0) {
      const base = last * COMMAND_SIZE;
      return tail.account(base) === 0 && tail.amount(base) === 0 ? [] : null;
    }
    const lastRecord = records - tailCount + last;
    if (count > lastRecord + 1) return null;
    // Read in chunks: a statement of millions of lines is never one buffer.
    const lines = new StatementReader(count);
    for (let from = 0; from < count; from += READ_CHUNK_RECORDS) {
      const n = Math.min(READ_CHUNK_RECORDS, count - from);
      const chunk = readRecords(fd, lastRecord - count + 1 + from, n);
      if (chunk === null || !lines.add(chunk, n)) return null;
    }
    return lines.balances;
  }, null);
}

/** Statement records read at a time. */
const READ_CHUNK_RECORDS = 65_536;

/** A statement block read in order: every record a statement line of the same count, accounts ascending. */
class StatementReader {
  readonly balances: BalanceView[] = [];
  private current: { account: number; cash: number; cashReserved: number; positions: Array<{ locate: number; shares: number; sharesReserved: number }> } | null = null;

  constructor(private readonly count: number) {}

  /** The next `n` lines; false if one is not a line of this block. */
  add(chunk: CommandBuffer, n: number): boolean {
    for (let i = 0; i < n; i++) {
      const base = i * COMMAND_SIZE;
      if (chunk.type(base) !== CommandType.Transfer || chunk.code(base) !== TransferCode.Statement || chunk.shares(base) !== this.count) return false;
      const account = chunk.account(base);
      const locate = chunk.locate(base);
      const amount = chunk.amount(base);
      if (account === 0 || !Number.isSafeInteger(amount)) return false;
      let current = this.current;
      if (current === null || account !== current.account) {
        if (current !== null && account < current.account) return false;
        current = { account, cash: 0, cashReserved: 0, positions: [] };
        this.current = current;
        this.balances.push(current);
      }
      if (locate === 0) current.cash = amount;
      else current.positions.push({ locate, shares: amount, sharesReserved: 0 });
    }
    return true;
  }
}
