// runtime/: wires the rooms into processes. The live feed (exchange core, publisher, lines,
// rewinder, snapshot, gateway, storage), restart continuity, the journal replay pipeline
// (archiver and storage catch-up), one shutdown stack. bin/ parses flags and prints.
export { startLiveFeed, describeFeedEnd, describeLines, describeResend, type LiveFeed, type LiveFeedOptions } from './live-feed';
export { startLiveStorage, storageSessionName, type LiveStorage } from './live-storage';
export { startGateway, describeGateway, publisherGauges } from './gateway';
export { storageHistory } from './storage-history';
export { startJournalArchiver, archivePathFor, type JournalArchiver, type ArchiverReport } from './journal-archiver';
export { createCatchUpSource, type JournalCatchUpOptions } from './storage-catch-up';
export { JournalReplay, type JournalReplayOptions } from './journal-replay';
export { DisposerStack, type Disposer } from './disposer-stack';
export { sessionEnded, journaledCommands, watermarkPath, readWatermark, SentWatermark, withSessionName } from './restart-continuity';
export { createLogger, humanLine, SILENT_LOGGER, type Logger } from './logger';
export { RuntimeErrorCode } from './errors';
export { startOrderEntryService, type OrderEntryService, type OrderEntryWiring } from './order-entry';
export { carryList, closingBalances, previousJournal, replayedBalances } from './wallet-carry';
export { startHaNode, type HaNode, type HaRole } from './ha-node';
export { startOrderGateway, type OrderGateway } from './order-gateway';
export { RemoteTradingPort, type RemoteTradingFigures } from './remote-trading';
export { OrderLinkServer, type OrderLinkFigures } from './order-link-server';
