// Reading order-entry's numbers for display. Prices and cash may come as decimal strings
// ("192.34", dollars) or as Price(4) integers (1/10,000 of a dollar, protocol/order-entry.ts);
// times as ISO strings or UTC ms (ns or us are recognised by size). Everything shown in
// dollars, times in the exchange's zone (New York).

/** Dollars from a decimal string or a Price(4) integer; null when it is neither. */
export function toDollars(v: unknown): number | null {
  if (typeof v === 'string') {
    const t = v.trim();
    if (!/^-?\d+(\.\d+)?$/.test(t)) return null;
    return Number(t);
  }
  if (typeof v === 'number' && Number.isFinite(v)) return Number.isInteger(v) ? v / 10_000 : v;
  return null;
}

/** A price: at least 2 decimals, up to the 4 of Price(4). */
export function fmtPrice(v: unknown): string {
  const d = toDollars(v);
  if (d === null) return '-';
  return d.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 });
}

/** An amount of cash: $1,234.56 (sub-cent digits kept when there are any). */
export function fmtMoney(v: unknown): string {
  return fmtDollars(toDollars(v));
}

export function fmtDollars(d: number | null): string {
  if (d === null || !Number.isFinite(d)) return '-';
  const s = Math.abs(d).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 });
  return d < 0 ? `-$${s}` : `$${s}`;
}

export function fmtShares(v: unknown): string {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en-US') : '-';
}

/**
 * HH:MM:SS in New York from an ISO string or epoch ms; epoch ns and us are told apart by size,
 * and so is the core's ns since New York midnight (1e13..8.64e13: as ms that is after 2286).
 */
export function fmtTime(v: unknown): string {
  let ms: number;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 1e13 && v < 8.64e13) return clockOfDayNs(v);
  if (typeof v === 'number' && Number.isFinite(v)) ms = v > 1e17 ? v / 1e6 : v > 1e14 ? v / 1e3 : v;
  else if (typeof v === 'string' && v !== '') ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  else return '-';
  if (!Number.isFinite(ms)) return typeof v === 'string' ? v : '-';
  return new Date(ms).toLocaleTimeString('en-US', { hour12: false, timeZone: 'America/New_York' });
}

function clockOfDayNs(ns: number): string {
  const s = Math.floor(ns / 1e9);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

/** 'buy'/'sell' from the API's words or the core's 'B'/'S'. */
export function sideWord(v: unknown): string {
  if (v === 'B' || v === 'buy') return 'buy';
  if (v === 'S' || v === 'sell') return 'sell';
  return typeof v === 'string' ? v : '-';
}
