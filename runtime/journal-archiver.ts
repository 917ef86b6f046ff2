// The journal archiver: a worker thread that follows the day's journal, replays it through
// its own exchange core and FeedPublisher (the same deterministic path a restart takes), and
// appends every message to the day's ITCH file (publisher/message-archive.ts), so the
// rewinder can answer requests older than its in-memory message store.
//
// Off the critical path: it costs a replay of the day's commands (the engine replays at
// millions of commands a second, so ~10% of a core at the design peak), on its own thread.

import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { TickwireConfig } from '../config';
import { MessageArchive, MessageArchiveWriter, createArchiveIndex } from '../publisher';
import { JournalIoError, workerScript } from '../sim';
import { JournalReplay } from './journal-replay';

interface ArchiverData {
  config: TickwireConfig;
  journalPath: string;
  sessionDate: string;
  archivePath: string;
  index: SharedArrayBuffer;
  pollMs: number;
}

/** What the worker tells its parent. */
export type ArchiverReport = { kind: 'ended'; messages: number } | { kind: 'failed'; message: string };

export interface JournalArchiver {
  /** The rewinder's older-message source. */
  archive: MessageArchive;
  /** The ITCH file of the day. */
  archivePath: string;
  /** Set when the worker stopped on an error (requests older than the store are then refused). */
  error: string;
  /** True once the archive holds the whole session (End of Messages replayed). */
  ended: boolean;
  close(): Promise<void>;
}

/** The archive beside a journal. */
export function archivePathFor(journalPath: string): string {
  return `${journalPath}.itch`;
}

/** Starts the archiver worker for `journalPath`; the returned archive is ready to give to the rewinder. */
export function startJournalArchiver(config: TickwireConfig, journalPath: string, sessionDate: string, maxPayloadBytes: number): JournalArchiver {
  const index = createArchiveIndex();
  const archivePath = archivePathFor(journalPath);
  const data: ArchiverData = { config, journalPath, sessionDate, archivePath, index, pollMs: config.publisher.rewinder.archivePollMs };
  const worker = new Worker(workerScript(__filename), { workerData: data });
  worker.unref();
  const handle: JournalArchiver = {
    archive: new MessageArchive(archivePath, index, maxPayloadBytes),
    archivePath,
    error: '',
    ended: false,
    async close() {
      handle.archive.close();
      await worker.terminate();
    },
  };
  worker.on('message', (report: ArchiverReport) => {
    if (report.kind === 'ended') handle.ended = true;
    else handle.error = report.message;
  });
  worker.on('error', (err) => {
    handle.error = err.message;
  });
  return handle;
}

/** Hands over the engine's events once per poll: the archiver wants the messages, not a cadence. */
const ONCE_PER_POLL = 1 << 30;

function runArchiver(data: ArchiverData): void {
  const { config, journalPath, sessionDate, archivePath, index, pollMs } = data;
  const port = parentPort;
  const writer = new MessageArchiveWriter(archivePath, index);
  const replay = new JournalReplay({ config, journalPath, sessionDate, storeCapacity: 1 << 16 });
  const publisher = replay.publisher;
  const store = publisher.store;
  publisher.subscribe({
    onMessage(sequence) {
      writer.append(sequence, store.bytes, store.offsetOf(sequence), store.lengthOf(sequence));
    },
    onBoundary() {},
  });
  const poll = (): void => {
    try {
      replay.advance(ONCE_PER_POLL);
      writer.flush();
    } catch (err) {
      if (!(err instanceof JournalIoError)) {
        // A corrupt journal: the live process reports it; the archive stops where it is.
        writer.fail();
        port?.postMessage({ kind: 'failed', message: (err as Error).message } satisfies ArchiverReport);
        return;
      }
      // Not there yet (a new day's journal is created with its first command): try again.
    }
    if (publisher.ended) {
      writer.close();
      port?.postMessage({ kind: 'ended', messages: writer.written } satisfies ArchiverReport);
      return;
    }
    setTimeout(poll, pollMs);
  };
  poll();
}

if (!isMainThread && (workerData as ArchiverData | null)?.archivePath !== undefined) runArchiver(workerData as ArchiverData);
