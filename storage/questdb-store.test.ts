// QuestDB: runs against a real server when QUESTDB_URL is set (see storage/README.md for
// starting one), and says why it is skipped otherwise.
import { QuestDbHistory, QuestDbSink, questdbApplied, questdbExec } from './questdb-store';
import { RecordDecoder } from './record-decoder';
import { setLong, textWords } from './row-batch';
import { writeBatch } from './storage-sink';
import { CHAR_INDEX, TRADES, columnIndex } from './tables';

const url = process.env.QUESTDB_URL ?? '';
const describeQuestDb = url === '' ? describe.skip : describe;

if (url === '') {
  test.skip('QuestDB tests skipped: QUESTDB_URL is not set (start QuestDB (.ci/run starts one), then QUESTDB_URL=http://127.0.0.1:9000 npx jest storage/questdb)', () => {});
}

describeQuestDb('QuestDB sink and history', () => {
  const session = `Q${Date.now() % 1e9}`;
  test('rows written twice (a crash before the sequence was stored) are not duplicated, and history reads them', async () => {
    const sink = new QuestDbSink(url);
    await sink.open();
    const d = new RecordDecoder({ session, sessionDate: '2025-03-14', midnightMs: Date.UTC(2025, 2, 14, 4) });
    const t = d.trades;
    const col = (name: string): Uint32Array => t.columns[columnIndex(TRADES, name)] as Uint32Array;
    for (let i = 0; i < 3; i++) {
      const r = t.addRow(); // session_date and session are filled by the decoder
      setLong(col('sequence'), r, i + 1);
      setLong(col('ts'), r, Date.UTC(2025, 2, 14, 14) * 1000 + i);
      textWords('QTEST', col('symbol'), r * 4);
      (t.columns[columnIndex(TRADES, 'side')] as Uint8Array)[r] = CHAR_INDEX[0x42];
      setLong(col('shares'), r, 100);
      (t.columns[columnIndex(TRADES, 'price')] as Int32Array)[r] = 1_000_000;
    }
    await writeBatch(sink, d, 3);
    await writeBatch(sink, d, 3);
    await questdbApplied(url); // WAL tables apply asynchronously: wait until they have
    expect(await sink.lastSequence(session)).toBe(3);
    const rows = await questdbExec(url, `SELECT count() FROM trades WHERE session = '${session}'`);
    expect(Number(rows[0][0])).toBe(3);
    const h = new QuestDbHistory(url);
    const ex = await h.executions({ symbol: 'QTEST', startMs: Date.UTC(2025, 2, 14), endMs: Date.UTC(2025, 2, 15) });
    expect(ex.filter((e) => e.session === session)).toHaveLength(3);
    await sink.close();
  });
});
