// book/: the market-data order book (L3 orders, L2 levels, L1 top, checksum) and candle
// rings, shared by the publisher and the feed handler.
export { MarketBooks, type MarketBooksOptions } from './market-books';
export { OrderBook, BUY, SELL, type PriceLevel, type RestingOrder, type OrderVisitor } from './order-book';
export { BookStore, NIL } from './book-store';
export { Integrity, IntegrityLog, integrityName, type IntegrityListener, type IntegrityRecord } from './errors';
export {
  CandleRing,
  CandleSeries,
  CandleClock,
  CANDLE_INTERVALS,
  DEFAULT_CANDLE_CAPACITY,
  type Candle,
  type CandleInterval,
} from './candles';
export { nyMidnightUtcMs, nyOffsetMs, parseSessionDate, sessionAnchors, type SessionAnchors, type SessionDate } from './ny-time';
export type { MarketDataSource, MarketDataListener, MarketDataStatus } from './market-data-source';
