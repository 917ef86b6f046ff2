// The default listing: 100 symbols with real-looking tickers and reference prices (US
// dollars, rounded). The exchange core seeds its random walks from the prices; the
// publisher's symbol directory (ITCH R) and every client name symbols by these tickers.
// Stock locate = position + 1.

export const DEFAULT_LISTING: ReadonlyArray<readonly [ticker: string, referenceDollars: number]> = [
  ['AAPL', 192.34], ['MSFT', 415.1], ['NVDA', 121.4], ['AMZN', 185.2], ['GOOGL', 172.6], ['META', 505.8], ['TSLA', 248.5], ['AVGO', 168.9],
  ['COST', 880.2], ['NFLX', 685.4], ['AMD', 158.7], ['PEP', 168.3], ['ADBE', 520.6], ['CSCO', 49.8], ['TMUS', 198.4], ['INTC', 22.4],
  ['QCOM', 171.2], ['TXN', 198.6], ['INTU', 640.3], ['AMGN', 310.7], ['CMCSA', 39.6], ['HON', 208.1], ['AMAT', 205.4], ['BKNG', 3905.0],
  ['ISRG', 480.2], ['SBUX', 92.3], ['MDLZ', 68.4], ['GILD', 78.9], ['ADP', 272.5], ['VRTX', 470.6], ['ADI', 228.7], ['REGN', 1010.3],
  ['LRCX', 82.6], ['PANW', 355.2], ['MU', 104.5], ['PYPL', 69.3], ['SNPS', 520.4], ['KLAC', 780.9], ['CDNS', 290.1], ['MELI', 1980.5],
  ['ASML', 890.4], ['MAR', 240.6], ['ORLY', 1120.8], ['CTAS', 198.2], ['ABNB', 135.7], ['CRWD', 310.4], ['MRVL', 78.5], ['FTNT', 72.6],
  ['PCAR', 108.9], ['NXPI', 232.1], ['WDAY', 248.3], ['ADSK', 285.6], ['CPRT', 55.2], ['ROP', 560.4], ['MNST', 52.8], ['CHTR', 345.7],
  ['PAYX', 138.4], ['AEP', 98.7], ['KDP', 33.9], ['ROST', 150.3], ['ODFL', 198.6], ['FAST', 72.4], ['EA', 145.3], ['DDOG', 120.8],
  ['KHC', 34.6], ['BKR', 36.2], ['VRSK', 278.9], ['CTSH', 76.4], ['EXC', 38.7], ['GEHC', 88.5], ['XEL', 62.3], ['LULU', 310.6],
  ['IDXX', 480.7], ['CSGP', 76.8], ['TTWO', 165.2], ['ANSS', 335.4], ['ON', 70.9], ['DXCM', 75.3], ['CDW', 225.6], ['ZS', 190.4],
  ['BIIB', 190.5], ['MCHP', 72.8], ['TEAM', 170.2], ['WBD', 8.9], ['GFS', 42.6], ['ILMN', 130.7], ['MDB', 260.3], ['ARM', 140.9],
  ['DLTR', 72.4], ['WBA', 10.6], ['SIRI', 24.8], ['ZM', 68.3], ['LCID', 2.9], ['RIVN', 12.4], ['SMCI', 42.7], ['PLTR', 38.6],
  ['SOFI', 9.8], ['HOOD', 24.3], ['COIN', 225.4], ['SNOW', 128.7],
];

export interface ListedSymbol {
  /** Stock locate: 1..N, as in ITCH. */
  locate: number;
  /** Up to 8 characters, as ITCH's Stock field. */
  ticker: string;
  /** Reference price in Price(4) units. */
  referencePrice: number;
}

/** The first `count` symbols of the default listing. */
export function listing(count: number): ListedSymbol[] {
  if (!Number.isInteger(count) || count < 1 || count > DEFAULT_LISTING.length) {
    throw new RangeError(`symbols must be 1..${DEFAULT_LISTING.length}, got ${count}`);
  }
  return DEFAULT_LISTING.slice(0, count).map(([ticker, dollars], i) => ({
    locate: i + 1,
    ticker,
    referencePrice: Math.round(dollars * 100) * 100,
  }));
}
