/** SQL text both database sinks use: CREATE TABLE from the column rule, INSERT … ON CONFLICT, the upsert index. */
import {
  type Column,
  type ColumnType,
  extraColumn,
  idColumn,
  scrapedAtColumn,
  type TableLayout,
} from './table-schema.js';

/** How one database spells the column rule. */
export interface SqlDialect {
  readonly types: Readonly<Record<ColumnType, string>>;
  /** The whole `_id` column definition (type and key). */
  readonly idDefinition: string;
  readonly extraType: string;
  /** The whole `_scraped_at` definition after its name. */
  readonly scrapedAtDefinition: string;
}

/** A quoted identifier: any text, `"` doubled. Both databases use the SQL standard form. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The upsert key's column is NOT NULL, since rows without a key could never be matched by a re-run. */
export function createTableSql(
  dialect: SqlDialect,
  table: string,
  columns: readonly Column[],
  upsertKey: string | undefined,
): string {
  const definitions = [
    `${quoteIdentifier(idColumn)} ${dialect.idDefinition}`,
    ...columns.map(
      ({ name, type }) =>
        `${quoteIdentifier(name)} ${dialect.types[type]}${name === upsertKey ? ' NOT NULL' : ''}`,
    ),
    `${quoteIdentifier(extraColumn)} ${dialect.extraType}`,
    `${quoteIdentifier(scrapedAtColumn)} ${dialect.scrapedAtDefinition}`,
  ];
  return `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(table)} (${definitions.join(', ')})`;
}

/** The columns every INSERT fills, in order: the item columns, then `_extra` and `_scraped_at` if the table has them. */
export function insertedColumns(layout: TableLayout): string[] {
  const names = layout.columns.map((column) => column.name);
  if (layout.hasExtra) names.push(extraColumn);
  if (layout.hasScrapedAt) names.push(scrapedAtColumn);
  return names;
}

/**
 * `INSERT INTO t (…) VALUES <rows>`, and with an upsert key `ON CONFLICT (key) DO UPDATE` of every inserted
 * column, so that a re-run leaves each row as the latest item made it (a key the item lacks becomes NULL).
 */
export function insertSql(
  layout: TableLayout,
  rows: string,
  upsertKey: string | undefined,
): string {
  const names = insertedColumns(layout).map(quoteIdentifier);
  const insert = `INSERT INTO ${quoteIdentifier(layout.table)} (${names.join(', ')}) VALUES ${rows}`;
  if (upsertKey === undefined) return insert;
  const updates = names.map((name) => `${name} = excluded.${name}`).join(', ');
  return `${insert} ON CONFLICT (${quoteIdentifier(upsertKey)}) DO UPDATE SET ${updates}`;
}

/** The unique index ON CONFLICT needs; its name is made from the table's and the key's, within 63 bytes. */
export function uniqueIndexSql(table: string, upsertKey: string): string {
  const keyPart = upsertKey.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  const name = `${table}_${keyPart}_upsert`.slice(0, 63);
  return `CREATE UNIQUE INDEX IF NOT EXISTS ${quoteIdentifier(name)} ON ${quoteIdentifier(table)} (${quoteIdentifier(upsertKey)})`;
}
