/** PostgreSQL's side of the column rule: its types, reading a table's layout, VALUES placeholders, values as pg sends them. */
import type { PoolClient } from 'pg';
import {
  type Column,
  type ColumnType,
  extraColumn,
  idColumn,
  scrapedAtColumn,
  type TableLayout,
  toJsonText,
} from './table-schema.js';
import type { SqlDialect } from './table-sql.js';

/** The column rule's types: a JS number is a double, so `double precision` holds it exactly. */
export const postgresDialect: SqlDialect = {
  types: {
    number: 'double precision',
    integer: 'bigint',
    boolean: 'boolean',
    text: 'text',
    json: 'jsonb',
  },
  idDefinition: 'bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY',
  extraType: 'jsonb',
  scrapedAtDefinition: 'timestamptz NOT NULL DEFAULT now()',
};

/** `($1, $2), ($3, $4)` for `rowCount` rows of the layout's width. */
export function placeholders(layout: TableLayout, rowCount: number): string {
  const width = layout.columns.length + Number(layout.hasExtra) + Number(layout.hasScrapedAt);
  const rows: string[] = [];
  for (let row = 0; row < rowCount; row++) {
    const first = row * width + 1;
    rows.push(`(${Array.from({ length: width }, (_, column) => `$${first + column}`).join(', ')})`);
  }
  return rows.join(', ');
}

/** The table's columns from the catalog, in the connection's current schema; undefined if there is no table. */
export async function readLayout(
  client: PoolClient,
  table: string,
): Promise<TableLayout | undefined> {
  const { rows } = await client.query<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  if (rows.length === 0) return undefined;
  const names = new Set(rows.map((row) => row.column_name));
  const columns: Column[] = rows
    .filter(({ column_name: name }) => ![idColumn, extraColumn, scrapedAtColumn].includes(name))
    .map(({ column_name: name, data_type: type }) => ({ name, type: typeFromCatalog(type) }));
  return {
    table,
    columns,
    hasExtra: names.has(extraColumn),
    hasScrapedAt: names.has(scrapedAtColumn),
  };
}

/** The reverse of the dialect's types; other types (timestamptz, uuid…) get text, which PostgreSQL casts. */
function typeFromCatalog(dataType: string): ColumnType {
  if (dataType === 'jsonb' || dataType === 'json') return 'json';
  if (dataType === 'boolean') return 'boolean';
  if (['smallint', 'integer', 'bigint'].includes(dataType)) return 'integer';
  if (['real', 'double precision', 'numeric'].includes(dataType)) return 'number';
  return 'text';
}

/** A value as pg sends it (as text). PostgreSQL cannot store U+0000 in text or jsonb: it becomes U+FFFD. */
export function postgresValue(value: unknown, type: ColumnType): unknown {
  if (value === null) return null;
  if (type === 'json') return jsonbText(value);
  switch (typeof value) {
    case 'string':
      return withoutNul(value);
    case 'number':
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    default:
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
      return jsonbText(value);
  }
}

function withoutNul(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '\uFFFD') : text;
}

export function jsonbText(value: unknown): string {
  const text = toJsonText(value);
  if (!text.includes('\\u0000')) return text;
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (typeof inner === 'string') return withoutNul(inner);
    return typeof inner === 'bigint' ? inner.toString() : inner;
  });
}
