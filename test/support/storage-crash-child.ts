// Child process for the storage crash tests: `run JOURNAL STORE ORDERS DELAY_MS [SESSION]`
// trades a seeded day and stores it with each batch held DELAY_MS before its last sequence
// is committed (printing "appended" when it is held, so the parent can SIGKILL it
// mid-batch); `resume JOURNAL STORE [SESSION]` replays the journal and stores the rest.
// STORE is a DuckDB file or a QuestDB URL; SESSION names the storage session (default
// SESSION). Both print "stored N" when done.
import { dayConfig, resumeFromJournal, storageSession, storeSeededDay } from './storage-day';

async function main(): Promise<void> {
  const [mode, journal, store, ...rest] = process.argv.slice(2);
  const [orders, delay, name] = mode === 'run' ? rest : ['0', '0', rest[0]];
  const config = dayConfig(store);
  const session = storageSession(name);
  const onEvent = (e: { type: string }): void => {
    if (e.type === 'appended') process.stdout.write('appended\n');
    if (e.type === 'error') process.stdout.write(`error ${JSON.stringify(e)}\n`);
  };
  const day =
    mode === 'run'
      ? await storeSeededDay(config, journal, Number(orders), { commitDelayMs: Number(delay), onEvent, session })
      : await resumeFromJournal(config, journal, { onEvent, session });
  process.stdout.write(`published ${day.publisher.sequence} resumed-from ${day.service.resumeFrom}\n`);
  const ok = await day.service.flush(day.publisher.sequence, 120_000);
  await day.service.close();
  process.stdout.write(`stored ${ok ? day.service.storedThrough : -1}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
