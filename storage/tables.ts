// The stored tables, the same columns on DuckDB and QuestDB. Prices are Price(4) integers,
// quantities integers, `ts` UTC (microseconds), `timestamp_ns` the ITCH timestamp (ns since
// New York midnight of `session_date`). 0 or '' where a field does not apply to a message.

/**
 * How a column is held in a RowBatch and typed in each database. 'char' is one ASCII
 * character or '' (ITCH type, side, codes): an ENUM on DuckDB (a byte a row, where a
 * VARCHAR cost the writer about as much as all the numeric columns together).
 */
export type ColumnKind = 'int' | 'long' | 'double' | 'timestamp' | 'date' | 'text' | 'char';

/** The values of a 'char' column, by the index a RowBatch holds: '' then printable ASCII. */
export const CHAR_VALUES: readonly string[] = [''];
for (let c = 0x20; c < 0x7f; c++) (CHAR_VALUES as string[]).push(String.fromCharCode(c));

/** A 'char' column's index for a byte (0, '', for a byte that is not printable ASCII). */
export const CHAR_INDEX = new Uint8Array(256);
for (let c = 0x20; c < 0x7f; c++) CHAR_INDEX[c] = c - 0x1f;

export interface ColumnDef {
  name: string;
  kind: ColumnKind;
}

export interface TableDef {
  name: TableName;
  columns: readonly ColumnDef[];
  /** QuestDB's designated timestamp. */
  timestamp: string;
  /** Columns that identify a row (QuestDB DEDUP UPSERT KEYS; rewrites after a crash replace, never add). */
  keys: readonly string[];
}

export type TableName = 'feed_messages' | 'trades' | 'candles' | 'l2_snapshots';

/**
 * Version of the layout below, kept in tw_meta. A file with another version is migrated or
 * refused. 2: type, side and code are 'char' columns (version 1 had VARCHAR). 3: on DuckDB
 * each table is a view over `<table>_rows`, which stores the session as an id
 * (tw_sessions); the columns read are the same.
 */
export const SCHEMA_VERSION = 3;

const c = (name: string, kind: ColumnKind): ColumnDef => ({ name, kind });

export const FEED_MESSAGES: TableDef = {
  name: 'feed_messages',
  timestamp: 'ts',
  keys: ['ts', 'session', 'sequence'],
  columns: [
    c('session_date', 'date'),
    c('session', 'text'),
    c('sequence', 'long'),
    c('ts', 'timestamp'),
    c('timestamp_ns', 'long'),
    c('type', 'char'),
    c('locate', 'int'),
    c('symbol', 'text'),
    c('order_ref', 'long'),
    c('new_ref', 'long'),
    c('side', 'char'),
    c('shares', 'long'),
    c('price', 'int'),
    c('match_number', 'long'),
    c('code', 'char'),
  ],
};

export const TRADES: TableDef = {
  name: 'trades',
  timestamp: 'ts',
  keys: ['ts', 'session', 'sequence'],
  columns: [
    c('session_date', 'date'),
    c('session', 'text'),
    c('sequence', 'long'),
    c('ts', 'timestamp'),
    c('timestamp_ns', 'long'),
    c('symbol', 'text'),
    c('locate', 'int'),
    c('order_ref', 'long'),
    c('side', 'char'),
    c('shares', 'long'),
    c('price', 'int'),
    c('match_number', 'long'),
  ],
};

export const CANDLES: TableDef = {
  name: 'candles',
  timestamp: 'start_ts',
  keys: ['start_ts', 'session', 'symbol', 'resolution'],
  columns: [
    c('session_date', 'date'),
    c('session', 'text'),
    c('sequence', 'long'),
    c('symbol', 'text'),
    c('locate', 'int'),
    c('resolution', 'text'),
    c('start_ts', 'timestamp'),
    c('open', 'int'),
    c('high', 'int'),
    c('low', 'int'),
    c('close', 'int'),
    c('volume', 'long'),
    c('trades', 'long'),
    c('vwap', 'double'),
  ],
};

const levelColumns: ColumnDef[] = [];
for (const side of ['bid', 'ask']) {
  for (let i = 1; i <= 10; i++) levelColumns.push(c(`${side}_price_${i}`, 'int'));
  for (let i = 1; i <= 10; i++) levelColumns.push(c(`${side}_shares_${i}`, 'long'));
  for (let i = 1; i <= 10; i++) levelColumns.push(c(`${side}_orders_${i}`, 'int'));
}

export const L2_SNAPSHOTS: TableDef = {
  name: 'l2_snapshots',
  timestamp: 'ts',
  keys: ['ts', 'session', 'symbol', 'sequence'],
  columns: [
    c('session_date', 'date'),
    c('session', 'text'),
    c('sequence', 'long'),
    c('ts', 'timestamp'),
    c('timestamp_ns', 'long'),
    c('symbol', 'text'),
    c('locate', 'int'),
    c('bid_levels', 'int'),
    c('ask_levels', 'int'),
    ...levelColumns,
  ],
};

export const TABLES: readonly TableDef[] = [FEED_MESSAGES, TRADES, CANDLES, L2_SNAPSHOTS];

/** Column index by name (tables are fixed: computed once). */
export function columnIndex(table: TableDef, name: string): number {
  const i = table.columns.findIndex((col) => col.name === name);
  if (i < 0) throw new Error(`no column ${name} in ${table.name}`);
  return i;
}

export const DUCKDB_TYPES: Record<ColumnKind, string> = {
  int: 'INTEGER',
  long: 'BIGINT',
  double: 'DOUBLE',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
  text: 'VARCHAR',
  char: 'tw_char',
};

export const QUESTDB_TYPES: Record<ColumnKind, string> = {
  int: 'INT',
  long: 'LONG',
  double: 'DOUBLE',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
  text: 'SYMBOL',
  char: 'SYMBOL',
};
