// Which account each counterparty (SenderCompID) logged on as today, so an execution while
// its session is down is stored for it (and resent when it logs on again), and so a restart
// knows which accounts trade over FIX before the journal's replay. One JSON line per
// logon that changes the answer, in the day's store folder.
import * as fs from 'node:fs';
import * as path from 'node:path';

export class FixCompIds {
  private readonly accountOf = new Map<string, number>();
  private readonly compIdsOf = new Map<number, string[]>();
  private readonly file: string;

  constructor(directory: string) {
    fs.mkdirSync(directory, { recursive: true });
    this.file = path.join(directory, 'comp-ids.jsonl');
    if (!fs.existsSync(this.file)) return;
    for (const line of fs.readFileSync(this.file, 'utf8').split('\n')) {
      try {
        const e = JSON.parse(line) as { compId?: unknown; account?: unknown };
        if (typeof e.compId === 'string' && typeof e.account === 'number') this.set(e.compId, e.account);
      } catch {
        // A torn last line after a crash: that logon is forgotten, nothing more.
      }
    }
  }

  /** The counterparties that logged on as this account today. */
  of(account: number): readonly string[] {
    return this.compIdsOf.get(account) ?? [];
  }

  has(account: number): boolean {
    return this.compIdsOf.has(account);
  }

  /** Records a logon (written at once: it decides where later executions are stored). */
  record(compId: string, account: number): void {
    if (this.accountOf.get(compId) === account) return;
    this.set(compId, account);
    fs.appendFileSync(this.file, `${JSON.stringify({ compId, account })}\n`);
  }

  private set(compId: string, account: number): void {
    const before = this.accountOf.get(compId);
    if (before !== undefined) {
      const list = this.compIdsOf.get(before) ?? [];
      const at = list.indexOf(compId);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.compIdsOf.delete(before);
    }
    this.accountOf.set(compId, account);
    const list = this.compIdsOf.get(account);
    if (list === undefined) this.compIdsOf.set(account, [compId]);
    else list.push(compId);
  }
}
