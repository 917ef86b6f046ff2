// sim/: the exchange core — sequencer, journal, matching engine, order manager, risk checks,
// wallet, order-flow generator.
export * from './command';
export * from './errors';
export * from './clock';
export { Prng } from '../protocol';
export { RefTable } from './ref-table';
export { MatchingEngine, MAX_PRICE, type MatchingEngineOptions, type LevelView, type OrderView, type ExecutionListener } from './matching-engine';
export { TradingCore, type TradingCoreOptions, type CommandApplier } from './trading-core';
export { OrderManager, type ReportSink } from './order-manager';
export { RiskChecks, riskLimitsOf, type RiskLimits } from './risk-checks';
export { Wallet, HOUSE_SLOT } from './wallet';
export { readClosingStatement, statementLines, writeStatement, type StatementLine } from './closing-statement';
export { journalEndsSession, journalLastSeq, journalRecordCount } from './journal-tail';
export { ClientFlow } from './client-flow';
export { TradingHarness } from './trading-harness';
export { JournalWriter, readJournal, JOURNAL_HEADER_SIZE, JOURNAL_RECORD_SIZE, type JournalRecovery, type FlushPolicy, type JournalReplicaLink, type JournalWriterOptions } from './journal';
export { Sequencer } from './sequencer';
export { ExchangeCore, drainingCore, type ExchangeCoreOptions } from './exchange-core';
export { OrderFlowGenerator, type OrderStatus, type OrderFlowOptions, type SessionCommand } from './order-flow-generator';
export { symbolUniverse, type SymbolInfo } from './symbols';
export { EventDigest } from './event-digest';
export { runSeededSim, replayJournal, journalPathFor, digestingCore, type SimFigures, type ProgressSink } from './sim-runner';
export { LiveSim, handOffBatchSize, sessionJournalPath, type LiveSimStatus } from './live-sim';
export { RecentReports } from './recent-reports';
/** The New York date of an instant (the old name of protocol's nySessionDate, kept for callers). */
export { nySessionDate as newYorkDate } from '../protocol';
export { EngineHarness } from './engine-harness';
export { SeededDay } from './seeded-day';
export { InlineSim, RemoteSim, type SimHandle, type ReplayHooks } from './engine-thread';
export { workerScript } from './worker-script';
