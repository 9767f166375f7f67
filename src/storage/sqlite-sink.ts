/** Items into one table of a SQLite database file (better-sqlite3, WAL), one transaction per batch. */
import type BetterSqlite3 from 'better-sqlite3';
import { DatabaseSink } from './database-sink.js';
import { FileOutput } from './file-output.js';
import type { Item } from './sink.js';
import {
  type DroppedKeysWarning,
  requireColumn,
  uniqueIndexFailure,
  warnOnceAboutDroppedKeys,
} from './table-checks.js';
import {
  type Column,
  type ColumnType,
  columnsFromItem,
  extraColumn,
  idColumn,
  positionsOf,
  rowOf,
  scrapedAtColumn,
  type TableLayout,
  tableNameFrom,
  toJsonText,
} from './table-schema.js';
import {
  createTableSql,
  insertSql,
  quoteIdentifier,
  type SqlDialect,
  uniqueIndexSql,
} from './table-sql.js';

/** Options of {@link SqliteSink}. */
export interface SqliteSinkOptions {
  /** The table, sanitised to `a-z0-9_` (see docs/storage.md). @default 'items' */
  table?: string | undefined;
  /**
   * An item field that identifies the item: it gets a unique index, and writing an item whose value is already
   * there updates that row instead of adding one, so a re-run does not duplicate. @default undefined (always add)
   */
  upsertKey?: string | undefined;
  /** Told once when items have keys a table without `_extra` cannot hold. @default process.emitWarning */
  onWarning?: ((message: string) => void) | undefined;
}

// Declared types carry the column rule, so a re-run reads it back; BOOLEAN and JSON get NUMERIC affinity, which
// stores 1/0 and JSON text unchanged (JSON text of a bare number becomes that number: it parses back the same).
const dialect: SqlDialect = {
  types: { number: 'REAL', integer: 'INTEGER', boolean: 'BOOLEAN', text: 'TEXT', json: 'JSON' },
  idDefinition: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  extraType: 'JSON',
  scrapedAtDefinition: `TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,
};

type Statement = BetterSqlite3.Statement<unknown[]>;

/**
 * Writes items as rows of one table (see docs/storage.md for the column rule), in WAL mode with
 * `synchronous = NORMAL`: a committed batch survives a crash of the process, and readers never block the writer.
 * The table is created on the first write, from the first item; an existing table is reused as it is.
 * Rows are never deleted: a re-run adds to the table, or updates rows with `upsertKey`.
 */
export class SqliteSink extends DatabaseSink {
  protected readonly target: string;
  readonly path: string;
  /** The table written to, after sanitising. */
  readonly table: string;
  readonly #upsertKey: string | undefined;
  readonly #warning: DroppedKeysWarning;
  #db: BetterSqlite3.Database | undefined;
  #insertAll: ((items: readonly Item[], scrapedAt: string) => void) | undefined;

  constructor(path: string, options: SqliteSinkOptions = {}) {
    super();
    this.path = path;
    this.table = tableNameFrom(options.table ?? 'items');
    this.#upsertKey = options.upsertKey;
    this.target = `SQLite table "${this.table}" in ${path}`;
    this.#warning = { target: this.target, onWarning: options.onWarning, warned: false };
  }

  protected async connect(): Promise<void> {
    // Creates missing parent directories and fails like the file sinks when the path cannot be written.
    const file = new FileOutput(this.path);
    await file.open('update');
    await file.close();
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(this.path);
    this.#db = db;
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const existing = readLayout(db, this.table);
    if (existing) this.#use(db, existing);
  }

  protected async writeBatch(items: readonly Item[]): Promise<void> {
    const db = this.#db;
    if (!db) throw new Error('the database is not open');
    if (!this.#insertAll) this.#createTable(db, items[0] ?? {});
    this.#insertAll?.(items, new Date().toISOString());
  }

  protected async disconnect(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    db?.close();
  }

  #createTable(db: BetterSqlite3.Database, first: Item): void {
    db.exec(createTableSql(dialect, this.table, columnsFromItem(first), this.#upsertKey));
    const layout = readLayout(db, this.table);
    if (!layout) throw new Error('the table was created but cannot be read back');
    this.#use(db, layout);
  }

  #use(db: BetterSqlite3.Database, layout: TableLayout): void {
    const upsertKey = this.#upsertKey;
    if (upsertKey !== undefined) {
      requireColumn(layout, upsertKey);
      try {
        db.exec(uniqueIndexSql(this.table, upsertKey));
      } catch (error) {
        throw uniqueIndexFailure(upsertKey, error);
      }
    }
    const width = layout.columns.length + Number(layout.hasExtra) + Number(layout.hasScrapedAt);
    const placeholders = `(${new Array(width).fill('?').join(', ')})`;
    const statement: Statement = db.prepare(insertSql(layout, placeholders, upsertKey));
    const positions = positionsOf(layout.columns);
    const types = layout.columns.map((column) => column.type);
    this.#insertAll = db.transaction((items: readonly Item[], scrapedAt: string) => {
      for (const item of items) {
        const row = rowOf(item, types.length, positions);
        const values = row.values.map((value, index) => sqliteValue(value, types[index] ?? 'text'));
        if (layout.hasExtra) values.push(row.extra ? toJsonText(row.extra) : null);
        else if (row.extra) warnOnceAboutDroppedKeys(this.#warning, row.extra);
        if (layout.hasScrapedAt) values.push(scrapedAt);
        statement.run(values);
      }
    });
  }
}

function readLayout(db: BetterSqlite3.Database, table: string): TableLayout | undefined {
  const info = db.pragma(`table_info(${quoteIdentifier(table)})`) as {
    name: string;
    type: string;
  }[];
  if (info.length === 0) return undefined;
  const names = new Set(info.map((column) => column.name));
  const columns: Column[] = info
    .filter(({ name }) => name !== idColumn && name !== extraColumn && name !== scrapedAtColumn)
    .map(({ name, type }) => ({ name, type: typeFromDeclared(type) }));
  return {
    table,
    columns,
    hasExtra: names.has(extraColumn),
    hasScrapedAt: names.has(scrapedAtColumn),
  };
}

/** The reverse of the dialect's types, with SQLite's own affinity rules for tables made by someone else. */
function typeFromDeclared(declared: string): ColumnType {
  const type = declared.toUpperCase();
  if (type.includes('JSON')) return 'json';
  if (type.includes('BOOL')) return 'boolean';
  if (type.includes('INT')) return 'integer';
  if (/REAL|FLOA|DOUB|NUM|DEC/.test(type)) return 'number';
  return 'text';
}

const int64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

/** A value as better-sqlite3 binds it: SQLite stores what it is given, so only non-scalars need converting. */
function sqliteValue(value: unknown, type: ColumnType): unknown {
  if (value === null) return null;
  if (type === 'json') return toJsonText(value);
  switch (typeof value) {
    case 'number':
    case 'string':
      return value;
    case 'boolean':
      // Stored as 1/0 where a number fits, as the words where text does (as the CSV sink writes them).
      return type === 'text' ? String(value) : Number(value);
    case 'bigint':
      return value >= int64.min && value <= int64.max ? value : value.toString();
    default:
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
      return toJsonText(value);
  }
}
