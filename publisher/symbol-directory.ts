// The Stock Directory (ITCH R, FEED.md) the publisher sends for every listed symbol right
// after Start of System Hours. Tickwire lists plain common stocks, so every symbol gets the
// same flags; only the stock and its locate differ.

import type { StockDirectoryFields } from '../protocol';

const ch = (c: string): number => c.charCodeAt(0);

/** R fields for a Tickwire listing (TotalView-ITCH 5.0 codes). */
export const DEFAULT_DIRECTORY_FIELDS: Readonly<StockDirectoryFields> = Object.freeze({
  marketCategory: ch('Q'), // Nasdaq Global Select Market
  financialStatus: ch('N'), // normal
  roundLotSize: 100,
  roundLotsOnly: ch('N'), // odd and mixed lots accepted
  issueClassification: ch('C'), // common stock
  issueSubType: 'Z ', // not applicable
  authenticity: ch('P'), // live production
  shortSaleThreshold: ch('N'),
  ipoFlag: ch('N'),
  luldTier: ch('1'),
  etpFlag: ch('N'),
  etpLeverage: 0,
  inverse: ch('N'),
});
