// The simulated listing: the configured symbols (config/listing.ts) with an activity
// weight each, so some names trade far more than others, as across a real listing.
import { listing, type ListedSymbol } from '../config';

export interface SymbolInfo extends ListedSymbol {
  /** Relative activity weight. */
  weight: number;
}

export function symbolUniverse(count: number): SymbolInfo[] {
  return listing(count).map((s) => ({ ...s, weight: 1 / Math.pow(s.locate, 0.7) }));
}
