// One way to write a catalogue of numeric codes and their stable names: each entry holds
// its code and its `TW_ERR_...` name side by side, so the numbers the hot paths compare
// and the names the logs print cannot drift apart. The codes keep their literal types
// (`Fault.UnknownType` is the type 2, as with `as const`), and are checked once at load:
// 0..n-1, each once, so they index count arrays directly.

/** An entry: its numeric code, its stable name, and optionally a hint (what happens, what to do). */
export type CatalogueEntry = readonly [code: number, name: string, hint?: string];

export interface CatalogueOptions {
  /** The name of code 0 when no entry has it (a catalogue whose 0 means "no error" and has no key). */
  zero?: string;
  /** `name(code)` of a code outside the catalogue: this prefix and the number. Without it, undefined. */
  unknownPrefix?: string;
}

export interface ErrorCatalogue<T extends Record<string, CatalogueEntry>> {
  /** Key to numeric code, each a literal type (the `const X = { ... } as const` of old). */
  readonly codes: { readonly [K in keyof T]: T[K][0] };
  /** Names by code (index = code), code 0 included. */
  readonly names: readonly string[];
  /** Hints by code ('' where an entry has none). */
  readonly hints: readonly string[];
  /** How many codes there are (names.length): the size of a count array indexed by code. */
  readonly kinds: number;
  /** The stable name of a code (a plain function: it can be exported as it is). */
  readonly name: (code: number) => string;
}

/** Builds the codes and their names from one list; throws at load if the codes are not 0..n-1 each once. */
export function errorCatalogue<const T extends Record<string, CatalogueEntry>>(entries: T, options: CatalogueOptions = {}): ErrorCatalogue<T> {
  const codes: Record<string, number> = {};
  const names: string[] = [];
  const hints: string[] = [];
  if (options.zero !== undefined) {
    names[0] = options.zero;
    hints[0] = '';
  }
  for (const key of Object.keys(entries)) {
    const [code, name, hint] = entries[key];
    if (!Number.isInteger(code) || code < 0 || code > 255) throw new RangeError(`catalogue entry ${key}: code ${code} is not an integer in 0..255`);
    if (names[code] !== undefined) throw new RangeError(`catalogue entry ${key}: code ${code} is already ${names[code]}`);
    codes[key] = code;
    names[code] = name;
    hints[code] = hint ?? '';
  }
  for (let i = 0; i < names.length; i++) {
    if (names[i] === undefined) throw new RangeError(`catalogue: no entry has code ${i} (codes run 0..n-1 without gaps)`);
  }
  const prefix = options.unknownPrefix;
  const name =
    prefix === undefined ? (code: number): string => names[code] : (code: number): string => names[code] ?? `${prefix}${code}`;
  return { codes: codes as ErrorCatalogue<T>['codes'], names, hints, kinds: names.length, name };
}
