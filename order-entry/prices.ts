// Decimal strings in and out: prices and cash travel as decimal strings ("192.34",
// "192.3400") and are Price(4) integers (x 10,000) inside (docs/ARCHITECTURE.md,
// "Decisions"). Parsing is by digits, never through a float, so "0.1" is exactly 1,000.
import { formatPrice4 } from '../protocol';

/** Largest order price: ITCH's Price(4) field is 4 bytes (429,496.7295). */
export const MAX_PRICE4 = 0xffffffff;
/** Largest cash amount a transfer names: $100,000,000,000 (x 10,000 stays a safe integer). */
export const MAX_CASH4 = 100_000_000_000 * 10_000;

const DECIMAL = /^(\d{1,12})(?:\.(\d{1,4}))?$/;

/** A non-negative decimal string with at most 4 decimal places as Price(4) units, or null. */
export function parseDecimal4(text: string): number | null {
  const m = DECIMAL.exec(text);
  if (m === null) return null;
  const whole = Number(m[1]);
  const frac = m[2] === undefined ? 0 : Number(m[2].padEnd(4, '0'));
  const v = whole * 10_000 + frac;
  return Number.isSafeInteger(v) ? v : null;
}

/** Price(4) units as "192.3400"; negative amounts (a short position's value) keep their sign. */
export function formatDecimal4(units: number): string {
  return units < 0 ? `-${formatPrice4(-units)}` : formatPrice4(units);
}
