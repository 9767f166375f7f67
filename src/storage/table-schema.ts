/** The column rule the SQLite and PostgreSQL sinks share: which item keys become columns, their types, each item's row. */
import type { Item } from './sink.js';

/** What a column holds, decided by the first value seen for its key. */
export type ColumnType = 'number' | 'integer' | 'boolean' | 'text' | 'json';

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
}

/** The sink's own columns: an autoincrement key, the time of the write, and the keys that are not columns. */
export const idColumn = '_id';
export const scrapedAtColumn = '_scraped_at';
export const extraColumn = '_extra';
const reserved = new Set([idColumn, scrapedAtColumn, extraColumn]);

// PostgreSQL silently truncates longer identifiers, which could merge two keys into one column.
const maxIdentifierBytes = 63;

/** A table the sink writes to: its item columns, and which of the sink's own columns it has. */
export interface TableLayout {
  readonly table: string;
  readonly columns: readonly Column[];
  /** False for a table made by someone else without `_extra`: keys that are not columns are then dropped. */
  readonly hasExtra: boolean;
  readonly hasScrapedAt: boolean;
}

/** One item as a row: a value per column (null if absent), and the keys that are not columns. */
export interface Row {
  readonly values: unknown[];
  readonly extra: Record<string, unknown> | undefined;
}

/**
 * A whole number (a status, a depth, a count: any safe integer) and a BigInt get an integer column (INTEGER /
 * bigint), so they read back as integers; any other number a `number` column (REAL / double precision), which
 * holds every JS number exactly. Null has no type of its own: a JSON column can hold whatever comes later.
 */
export function typeOfValue(value: unknown): ColumnType {
  switch (typeof value) {
    case 'number':
      return Number.isSafeInteger(value) ? 'integer' : 'number';
    case 'bigint':
      return 'integer';
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'text';
    default:
      return value instanceof Date ? 'text' : 'json';
  }
}

/** Values JSON cannot hold count as absent, as they do in the file sinks. */
export function isAbsent(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/**
 * The columns of a new table: the first item's keys in order, typed from their values. A key is left to `_extra`
 * when it cannot be a column in both databases: empty, holding NUL, longer than 63 bytes, one of the sink's own
 * column names, or equal to an earlier key but for case (SQLite column names ignore case).
 */
export function columnsFromItem(item: Item): Column[] {
  const columns: Column[] = [];
  const taken = new Set<string>();
  for (const [name, value] of Object.entries(item)) {
    const folded = name.toLowerCase();
    if (isAbsent(value) || taken.has(folded) || !canBeColumn(name)) continue;
    taken.add(folded);
    columns.push({ name, type: typeOfValue(value) });
  }
  return columns;
}

function canBeColumn(name: string): boolean {
  return (
    name !== '' &&
    !name.includes('\0') &&
    !reserved.has(name.toLowerCase()) &&
    Buffer.byteLength(name) <= maxIdentifierBytes
  );
}

/** Splits an item into the values of `columns` (looked up through `positions`) and the rest. */
export function rowOf(
  item: Item,
  columnCount: number,
  positions: ReadonlyMap<string, number>,
): Row {
  const values: unknown[] = new Array(columnCount).fill(null);
  let extra: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(item)) {
    if (isAbsent(value)) continue;
    const position = positions.get(key);
    if (position !== undefined) values[position] = value;
    else {
      extra ??= {};
      extra[key] = value;
    }
  }
  return { values, extra };
}

/**
 * Moves the numbers an integer column cannot hold (1.5 where the first item had 2) from `values` to the row's
 * extra keys, whole, rather than fail the batch or round them. For PostgreSQL, whose bigint refuses them; SQLite
 * stores them in an INTEGER column as they are.
 */
export function moveFractions(row: Row, columns: readonly Column[]): Row {
  let extra = row.extra;
  const values = row.values.map((value, index) => {
    const column = columns[index];
    if (column?.type !== 'integer' || typeof value !== 'number' || Number.isSafeInteger(value))
      return value;
    extra = { ...extra, [column.name]: value };
    return null;
  });
  return extra === row.extra ? row : { values, extra };
}

/** Column name → position, for {@link rowOf}. */
export function positionsOf(columns: readonly Column[]): Map<string, number> {
  return new Map(columns.map((column, index) => [column.name, index]));
}

/**
 * A table name both databases accept unquoted: lower case, runs of other characters than `a-z0-9_` become `_`,
 * a leading digit gets a `_` before it, at most 63 bytes; `items` if nothing is left. "books.toscrape" → "books_toscrape".
 */
export function tableNameFrom(raw: string): string {
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (name === '') return 'items';
  return (/^[0-9]/.test(name) ? `_${name}` : name).slice(0, maxIdentifierBytes);
}

/** JSON text of a value; BigInt values become strings, as in the JSON Lines sink. */
export function toJsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (error) {
    // Only BigInt is worth a second pass; a cycle fails again here, with its own message.
    if (!(error instanceof TypeError) || !/BigInt/i.test(error.message)) throw error;
    return JSON.stringify(value, (_key, inner: unknown) =>
      typeof inner === 'bigint' ? inner.toString() : inner,
    );
  }
}
