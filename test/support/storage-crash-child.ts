// Child process for the storage crash test: `run JOURNAL DB ORDERS DELAY_MS` trades a
// seeded day and stores it with each batch held DELAY_MS before COMMIT (printing
// "appended" when it is held, so the parent can SIGKILL it mid-batch); `resume JOURNAL DB`
// replays the journal and stores the rest. Both print "stored N" when done.
import { dayConfig, resumeFromJournal, storeSeededDay } from './storage-day';

async function main(): Promise<void> {
  const [mode, journal, db, orders, delay] = process.argv.slice(2);
  const config = dayConfig(db);
  const onEvent = (e: { type: string }): void => {
    if (e.type === 'appended') process.stdout.write('appended\n');
    if (e.type === 'error') process.stdout.write(`error ${JSON.stringify(e)}\n`);
  };
  const day =
    mode === 'run'
      ? await storeSeededDay(config, journal, Number(orders), { commitDelayMs: Number(delay), onEvent })
      : await resumeFromJournal(config, journal, { onEvent });
  process.stdout.write(`published ${day.publisher.sequence} resumed-from ${day.service.resumeFrom}\n`);
  const ok = await day.service.flush(day.publisher.sequence, 120_000);
  await day.service.close();
  process.stdout.write(`stored ${ok ? day.service.storedThrough : -1}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
