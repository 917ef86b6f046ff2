// storage/: the columnar store (DuckDB or QuestDB), its writer thread, history queries and
// the end-of-day Parquet export. Imports only config/ and protocol/.
export { StorageError, StorageErrorCode } from './errors';
export { StorageService, type StorageServiceOptions } from './storage-service';
export { StorageWriter, type StorageWriterOptions, type WriterEvent } from './storage-writer';
export { APPEND_ROWS, writeBatch, type StorageSink } from './storage-sink';
export type { CatchUpSource, CatchUpModule } from './catch-up-source';
export { RecordDecoder, type StorageSession, type LiveOrder, type LocateSymbol } from './record-decoder';
export { DuckDbSink, openDuckDb, ensureSchema, duckdbDdl } from './duckdb-store';
export { DuckDbHistory } from './duckdb-history';
export { QuestDbSink, QuestDbHistory, questdbExec, questdbDdl, questdbApplied } from './questdb-store';
export { exportDay, checkExportDate, EXPORT_TABLES, type ExportManifest, type ExportedFile, type ExportProgress } from './parquet-export';
export { scheduleExport, calendarDate, type ExportSchedule } from './export-schedule';
export { TABLES, SCHEMA_VERSION, type TableDef, type TableName } from './tables';
export {
  newYorkMidnightMs,
  type HistoryQueries,
  type CandlesQuery,
  type HistoryCandle,
  type ExecutionsQuery,
  type ExecutionRow,
  type L2Query,
  type L2SnapshotRow,
  type L2Level,
  type Resolution,
} from './history';
