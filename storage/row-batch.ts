// Rows waiting to be stored, column by column in typed arrays (no object per row): what
// the writer decodes storage records into and a sink copies into its database.
//
// Every column is in the layout of a DuckDB vector of its type, so a chunk of it is one
// memory copy: 'long' and 'timestamp' as int64 (two u32 words a row, low first; the
// decoder writes them with setLong), 'char' an ENUM's byte index (tables.ts CHAR_INDEX),
// text DuckDB's inline string layout (duckdb.h, duckdb_string_t): a u32 length then up to
// 12 bytes, 16 bytes a row. Every text we store is short (a symbol is at most 8
// characters, a session at most 12).

import type { TableDef } from './tables';

export type ColumnArray = Int32Array | Float64Array | Uint32Array | Uint8Array;

/** Longest text a column holds (inline in 16 bytes). */
export const MAX_TEXT = 12;

export class TableBatch {
  readonly table: TableDef;
  rows = 0;
  capacity: number;
  columns: ColumnArray[];

  /** Words of each column's value in every row (the session and its date), or null: filled at allocation, never per row. */
  private readonly constants: (Uint32Array | null)[];

  constructor(table: TableDef, capacity = 4096, constants: (Uint32Array | null)[] = []) {
    this.table = table;
    this.capacity = capacity;
    this.constants = table.columns.map((_, i) => constants[i] ?? null);
    this.columns = table.columns.map((c) => allocate(c.kind, capacity));
    this.fillConstants(0);
  }

  /** Index of the next row, growing the columns when full. */
  addRow(): number {
    if (this.rows === this.capacity) this.grow();
    return this.rows++;
  }

  clear(): void {
    this.rows = 0;
  }

  private grow(): void {
    const next = this.capacity * 2;
    this.columns = this.columns.map((col, i) => {
      const bigger = allocate(this.table.columns[i].kind, next);
      bigger.set(col as never);
      return bigger;
    });
    this.capacity = next;
    this.fillConstants(next >> 1);
  }

  private fillConstants(fromRow: number): void {
    for (let i = 0; i < this.columns.length; i++) {
      const words = this.constants[i];
      if (words === null) continue;
      const col = this.columns[i];
      for (let r = fromRow; r < this.capacity; r++) for (let k = 0; k < words.length; k++) col[r * words.length + k] = words[k];
    }
  }
}

function allocate(kind: string, rows: number): ColumnArray {
  switch (kind) {
    case 'int':
    case 'date':
      return new Int32Array(rows);
    case 'text':
      return new Uint32Array(rows * 4);
    case 'long':
    case 'timestamp':
      return new Uint32Array(rows * 2);
    case 'char':
      return new Uint8Array(rows);
    default:
      return new Float64Array(rows);
  }
}

const TWO_32 = 4294967296;

/** Writes a non-negative integer below 2^53 as the int64 at `row` of a 'long' or 'timestamp' column. */
export function setLong(col: Uint32Array, row: number, v: number): void {
  col[2 * row] = v >>> 0; // ToUint32 is exact modulo 2^32 for integers below 2^53
  col[2 * row + 1] = (v / TWO_32) >>> 0;
}

/** The int64 at `row` of a 'long' or 'timestamp' column (non-negative, below 2^53). */
export function longAt(col: Uint32Array, row: number): number {
  return col[2 * row + 1] * TWO_32 + col[2 * row];
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** The four words of a text in DuckDB's inline layout. Throws above MAX_TEXT bytes. */
export function textWords(text: string, out: Uint32Array = new Uint32Array(4), at = 0): Uint32Array {
  if (text.length > MAX_TEXT || !isAscii(text)) throw new RangeError(`"${text}" is not ASCII of at most ${MAX_TEXT} characters`);
  out[at] = text.length;
  for (let w = 1; w < 4; w++) {
    let v = 0;
    for (let b = 0; b < 4; b++) {
      const i = (w - 1) * 4 + b;
      if (i < text.length) v |= text.charCodeAt(i) << (8 * b);
    }
    out[at + w] = v >>> 0;
  }
  return out;
}

/** The text at row `row` of a text column. */
export function textAt(col: Uint32Array, row: number): string {
  const at = row * 4;
  const n = col[at];
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode((col[at + 1 + (i >> 2)] >>> (8 * (i & 3))) & 0xff);
  return s;
}
