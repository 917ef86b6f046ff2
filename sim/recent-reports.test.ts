import type { AccountReport } from '../protocol';
import { RecentReports } from './recent-reports';

const report = (seq: number): AccountReport => ({ kind: 'account', requestId: 0, account: 1, reject: '', seq });

describe('RecentReports', () => {
  test('gives every report after a sequence number, oldest first, several per command included', () => {
    const r = new RecentReports(8);
    for (const seq of [3, 3, 5, 9, 9, 9, 12]) r.push(report(seq));
    r.push(report(0)); // refused before the journal: never kept
    expect(r.after(0)?.map((x) => x.seq)).toEqual([3, 3, 5, 9, 9, 9, 12]);
    expect(r.after(5)?.map((x) => x.seq)).toEqual([9, 9, 9, 12]);
    expect(r.after(8)?.map((x) => x.seq)).toEqual([9, 9, 9, 12]);
    expect(r.after(12)).toEqual([]);
    expect(r.lastSeq).toBe(12);
  });

  test('once wrapped, a caller behind what was overwritten has a gap (null); one after it does not', () => {
    const r = new RecentReports(4);
    for (let seq = 1; seq <= 10; seq++) r.push(report(seq));
    expect(r.capacity).toBe(4);
    expect(r.after(5)).toBeNull(); // 6 was overwritten
    expect(r.after(6)?.map((x) => x.seq)).toEqual([7, 8, 9, 10]);
  });

  test('a ring started mid-session (after recovering the journal to seq 100) reports a gap to a caller behind it', () => {
    const r = new RecentReports(16, 100);
    r.push(report(101));
    expect(r.after(50)).toBeNull();
    expect(r.after(100)?.map((x) => x.seq)).toEqual([101]);
  });
});
