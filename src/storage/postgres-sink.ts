/** Items into one PostgreSQL table (pg), multi-row INSERTs, one transaction per batch. */
import type { Pool, PoolClient, QueryConfig } from 'pg';
import { DatabaseSink } from './database-sink.js';
import { postgresLabel } from './database-target.js';
import {
  jsonbText,
  placeholders,
  postgresDialect,
  postgresValue,
  readLayout,
} from './postgres-table.js';
import type { Item } from './sink.js';
import {
  type DroppedKeysWarning,
  requireColumn,
  uniqueIndexFailure,
  warnOnceAboutDroppedKeys,
} from './table-checks.js';
import {
  columnsFromItem,
  moveFractions,
  positionsOf,
  rowOf,
  type TableLayout,
  tableNameFrom,
} from './table-schema.js';
import { createTableSql, insertSql, uniqueIndexSql } from './table-sql.js';

/** Options of {@link PostgresSink}. */
export interface PostgresSinkOptions {
  /** The table, in the connection's current schema, sanitised to `a-z0-9_` (see docs/storage.md). @default 'items' */
  table?: string | undefined;
  /**
   * An item field that identifies the item: it gets a unique index, and writing an item whose value is already
   * there updates that row instead of adding one, so a re-run does not duplicate. @default undefined (always add)
   */
  upsertKey?: string | undefined;
  /** Told once when items have keys a table without `_extra` cannot hold. @default process.emitWarning */
  onWarning?: ((message: string) => void) | undefined;
  /** How long connecting may take before `open` or `write` fails. @default 10_000 */
  connectTimeoutMs?: number | undefined;
}

/** The protocol numbers bind parameters with 16 bits. */
const maxParameters = 65_535;
/** INSERTs of at most this many rows are prepared statements (one per row count). */
const maxPreparedRows = 1_000;

/**
 * Writes items as rows of one table (see docs/storage.md for the column rule). A batch is one INSERT of many
 * rows when it fits in 65,535 parameters (a single statement is its own transaction), else several INSERTs
 * between BEGIN and COMMIT. The table is created on the first write, from the first item; an existing table is
 * reused as it is. Rows are never deleted: a re-run adds to the table, or updates rows with `upsertKey`.
 */
export class PostgresSink extends DatabaseSink {
  protected readonly target: string;
  /** The table written to, after sanitising. */
  readonly table: string;
  readonly #connectionString: string;
  readonly #upsertKey: string | undefined;
  readonly #connectTimeoutMs: number;
  readonly #warning: DroppedKeysWarning;
  #pool: Pool | undefined;
  #layout: TableLayout | undefined;
  #positions: ReadonlyMap<string, number> = new Map();
  readonly #sqlByRowCount = new Map<number, string>();

  /** `connectionString`: a libpq URI as pg reads it (`postgres://user:password@host:5432/db?sslmode=require`). */
  constructor(connectionString: string, options: PostgresSinkOptions = {}) {
    super();
    this.#connectionString = connectionString;
    this.table = tableNameFrom(options.table ?? 'items');
    this.#upsertKey = options.upsertKey;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.target = `PostgreSQL table "${this.table}" at ${postgresLabel(connectionString)}`;
    this.#warning = { target: this.target, onWarning: options.onWarning, warned: false };
  }

  protected async connect(): Promise<void> {
    const pg = await import('pg');
    // One connection: batches are written one at a time anyway. The pool reconnects after a lost connection.
    const pool = new pg.Pool({
      connectionString: this.#connectionString,
      max: 1,
      connectionTimeoutMillis: this.#connectTimeoutMs,
      application_name: 'arachne',
    });
    // An idle connection that dies (a server restart) must not crash the process; the next batch reconnects.
    pool.on('error', () => {});
    this.#pool = pool;
    await this.#withClient(async (client) => {
      const existing = await readLayout(client, this.table);
      if (existing) await this.#use(client, existing);
    });
  }

  protected async writeBatch(items: readonly Item[]): Promise<void> {
    await this.#withClient(async (client) => {
      if (!this.#layout) await this.#createTable(client, items[0] ?? {});
      const statements = this.#statements(items, new Date().toISOString());
      const [only] = statements;
      if (only && statements.length === 1) {
        await client.query(only);
        return;
      }
      await client.query('BEGIN');
      try {
        for (const statement of statements) await client.query(statement);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
  }

  protected async disconnect(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.end();
  }

  async #withClient(use: (client: PoolClient) => Promise<void>): Promise<void> {
    if (!this.#pool) throw new Error('the database is not open');
    const client = await this.#pool.connect();
    // A checked-out client that loses its connection emits 'error': unheard, it would crash the process.
    let lost = false;
    const onError = (): void => {
      lost = true;
    };
    client.on('error', onError);
    let failed = false;
    try {
      await use(client);
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      client.off('error', onError);
      // After any failure the connection is replaced rather than judged: "terminating connection" arrives as an
      // ordinary server error before the socket closes. Failures are rare, a new connection is cheap.
      client.release(failed || lost);
    }
  }

  async #createTable(client: PoolClient, first: Item): Promise<void> {
    await client.query(
      createTableSql(postgresDialect, this.table, columnsFromItem(first), this.#upsertKey),
    );
    // Read back rather than assumed: another process may have created the table first, with other columns.
    const layout = await readLayout(client, this.table);
    if (!layout) throw new Error('the table was created but cannot be read back');
    await this.#use(client, layout);
  }

  async #use(client: PoolClient, layout: TableLayout): Promise<void> {
    if (this.#upsertKey !== undefined) {
      requireColumn(layout, this.#upsertKey);
      await client.query(uniqueIndexSql(this.table, this.#upsertKey)).catch((error: unknown) => {
        throw uniqueIndexFailure(this.#upsertKey ?? '', error);
      });
    }
    this.#layout = layout;
    this.#positions = positionsOf(layout.columns);
  }

  /** Rows cut into INSERTs under the parameter limit; with an upsert key, a key seen twice starts a new INSERT. */
  #statements(items: readonly Item[], scrapedAt: string): QueryConfig[] {
    const layout = this.#layout;
    if (!layout) return [];
    const width = layout.columns.length + Number(layout.hasExtra) + Number(layout.hasScrapedAt);
    const rowsPerStatement = Math.floor(maxParameters / width);
    const keyIndex = layout.columns.findIndex((column) => column.name === this.#upsertKey);
    const statements: QueryConfig[] = [];
    let values: unknown[] = [];
    let keys = new Set<string>();
    const cut = (): void => {
      if (values.length === 0) return;
      statements.push(this.#insert(layout, values.length / width, values));
      values = [];
      keys = new Set();
    };
    for (const item of items) {
      const row = this.#encode(item, layout, scrapedAt);
      const key = keyIndex === -1 ? undefined : String(row[keyIndex]);
      if (values.length / width >= rowsPerStatement || (key !== undefined && keys.has(key))) cut();
      if (key !== undefined) keys.add(key);
      for (const value of row) values.push(value);
    }
    cut();
    return statements;
  }

  #encode(item: Item, layout: TableLayout, scrapedAt: string): unknown[] {
    const row = moveFractions(rowOf(item, layout.columns.length, this.#positions), layout.columns);
    const values = row.values.map((value, index) =>
      postgresValue(value, layout.columns[index]?.type ?? 'text'),
    );
    if (layout.hasExtra) values.push(row.extra ? jsonbText(row.extra) : null);
    else if (row.extra) warnOnceAboutDroppedKeys(this.#warning, row.extra);
    if (layout.hasScrapedAt) values.push(scrapedAt);
    return values;
  }

  /**
   * A named statement is parsed and planned once per connection, which makes a batch of 100 rows about three
   * times faster; batches of unusual sizes stay unnamed, so the server keeps a bounded number of them.
   */
  #insert(layout: TableLayout, rowCount: number, values: unknown[]): QueryConfig {
    if (rowCount > maxPreparedRows) {
      return { text: insertSql(layout, placeholders(layout, rowCount), this.#upsertKey), values };
    }
    let text = this.#sqlByRowCount.get(rowCount);
    if (text === undefined) {
      text = insertSql(layout, placeholders(layout, rowCount), this.#upsertKey);
      this.#sqlByRowCount.set(rowCount, text);
    }
    return { name: `arachne_insert_${rowCount}`, text, values };
  }
}
