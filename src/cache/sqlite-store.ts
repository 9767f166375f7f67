/** The default HTTP cache backend: one SQLite file (WAL), bodies as BLOBs. The only module importing better-sqlite3. */
import { closeSync, existsSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError, StorageError } from '../errors.js';
import type { CachedResponse, CacheListing, CacheStore } from './store.js';

const FORMAT = 'arachne-http-cache/1';
const SQLITE_MAGIC = 'SQLite format 3\0';
/** Rows per `list()` page: pages let a caller await between entries without holding a statement open. */
const LIST_PAGE = 500;

const schema = `
CREATE TABLE IF NOT EXISTS arachne_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS http_cache (
  key TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  method TEXT NOT NULL,
  status INTEGER NOT NULL,
  headers TEXT NOT NULL,      -- JSON object
  redirects TEXT NOT NULL,    -- JSON array
  vary TEXT,                  -- JSON object or NULL
  body BLOB NOT NULL,
  stored_at INTEGER NOT NULL, -- epoch ms
  expires_at INTEGER          -- epoch ms, NULL = kept until deleted
);
`;

interface Row {
  url: string;
  method: string;
  status: number;
  headers: string;
  redirects: string;
  vary: string | null;
  body: Buffer;
  stored_at: number;
}

interface ListRow {
  key: string;
  url: string;
  status: number;
  stored_at: number;
  bytes: number;
}

export interface SqliteCacheOptions {
  /** Create the file (and its directory) when missing; `false` makes a missing file a ConfigError. @default true */
  create?: boolean;
  /** Clock for TTL checks, in epoch ms (tests). @default Date.now */
  now?: () => number;
}

/**
 * HTTP cache in a SQLite file. Opening a file that is not SQLite, or a SQLite file that is not an Arachne HTTP
 * cache (a crawl state file, say), is a ConfigError: a foreign file is never written to.
 * @example
 * const store = SqliteCacheStore.open('.arachne/http-cache.sqlite');
 */
export class SqliteCacheStore implements CacheStore {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #now: () => number;
  readonly #get: Database.Statement<[string, number], Row>;
  readonly #set: Database.Statement<unknown[]>;
  readonly #delete: Database.Statement<[string]>;
  readonly #page: Database.Statement<[string, number, number], ListRow>;

  private constructor(path: string, db: Database.Database, now: () => number) {
    this.path = path;
    this.#db = db;
    this.#now = now;
    this.#get = db.prepare(
      `SELECT url, method, status, headers, redirects, vary, body, stored_at FROM http_cache
       WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)`,
    );
    this.#set = db.prepare(
      `INSERT OR REPLACE INTO http_cache (key, url, method, status, headers, redirects, vary, body, stored_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#delete = db.prepare('DELETE FROM http_cache WHERE key = ?');
    this.#page = db.prepare(
      `SELECT key, url, status, stored_at, length(body) AS bytes FROM http_cache
       WHERE key > ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY key LIMIT ?`,
    );
  }

  /** Opens (or creates) the cache file at `path`. */
  static open(path: string, options: SqliteCacheOptions = {}): SqliteCacheStore {
    const exists = existsSync(path);
    if (!exists && options.create === false) throw new ConfigError(`no HTTP cache at ${path}`);
    if (exists) checkLooksLikeSqlite(path);
    else mkdirSync(dirname(path), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      // A cache may lose its last writes on power loss: it only costs refetching them.
      db.pragma('synchronous = NORMAL');
    } catch (error) {
      throw new ConfigError(`${path}: cannot open the HTTP cache: ${(error as Error).message}`, {
        cause: error,
      });
    }
    try {
      if (exists) checkIsHttpCache(db, path);
      db.exec(schema);
      db.prepare('INSERT OR IGNORE INTO arachne_meta (key, value) VALUES (?, ?)').run(
        'format',
        FORMAT,
      );
    } catch (error) {
      db.close();
      if (error instanceof ConfigError) throw error;
      throw new ConfigError(`${path}: not a usable HTTP cache (${(error as Error).message})`, {
        cause: error,
      });
    }
    return new SqliteCacheStore(path, db, options.now ?? Date.now);
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    const row = this.#run(() => this.#get.get(key, this.#now()));
    if (row === undefined) return undefined;
    const entry: CachedResponse = {
      url: row.url,
      method: row.method,
      status: row.status,
      headers: this.#json(row.headers, key),
      body: row.body,
      redirects: this.#json(row.redirects, key),
      storedAt: row.stored_at,
    };
    if (row.vary !== null) entry.vary = this.#json(row.vary, key);
    return entry;
  }

  async set(key: string, entry: CachedResponse, ttlMs?: number): Promise<boolean> {
    const expiresAt = ttlMs === undefined ? null : this.#now() + ttlMs;
    const vary = entry.vary === undefined ? null : JSON.stringify(entry.vary);
    this.#run(() =>
      this.#set.run(
        key,
        entry.url,
        entry.method,
        entry.status,
        JSON.stringify(entry.headers),
        JSON.stringify(entry.redirects),
        vary,
        entry.body,
        entry.storedAt,
        expiresAt,
      ),
    );
    return true;
  }

  async delete(key: string): Promise<void> {
    this.#run(() => this.#delete.run(key));
  }

  async *list(): AsyncIterable<CacheListing> {
    let after = '';
    for (;;) {
      const rows = this.#run(() => this.#page.all(after, this.#now(), LIST_PAGE));
      for (const row of rows) {
        yield {
          key: row.key,
          url: row.url,
          status: row.status,
          storedAt: row.stored_at,
          bytes: row.bytes,
        };
      }
      const last = rows.at(-1);
      if (last === undefined || rows.length < LIST_PAGE) return;
      after = last.key;
    }
  }

  async clear(): Promise<number> {
    // Expired rows are removed too, but only live ones are counted: they are the ones `list()` showed.
    return this.#run(() =>
      this.#db.transaction(() => {
        const live = this.#db
          .prepare(
            'SELECT count(*) AS n FROM http_cache WHERE expires_at IS NULL OR expires_at > ?',
          )
          .get(this.#now()) as { n: number };
        this.#db.prepare('DELETE FROM http_cache').run();
        return live.n;
      })(),
    );
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #run<T>(operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      throw new StorageError(`HTTP cache ${this.path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  #json<T>(text: string, key: string): T {
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new StorageError(`corrupt cache entry ${key} in ${this.path}`, { cause: error });
    }
  }
}

function checkLooksLikeSqlite(path: string): void {
  const head = Buffer.alloc(SQLITE_MAGIC.length);
  let read = 0;
  try {
    const fd = openSync(path, 'r');
    try {
      read = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new ConfigError(`${path}: cannot read the HTTP cache: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // An empty file is what a touch or a crashed create leaves: SQLite initialises it, so it is allowed.
  if (read > 0 && head.toString('latin1', 0, read) !== SQLITE_MAGIC) {
    throw new ConfigError(`${path} is not a SQLite file: refusing to use it as an HTTP cache`);
  }
}

function checkIsHttpCache(db: Database.Database, path: string): void {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
    name: string;
  }[];
  if (tables.length === 0) return;
  const hasMeta = tables.some((table) => table.name === 'arachne_meta');
  const format = hasMeta
    ? (db.prepare("SELECT value FROM arachne_meta WHERE key = 'format'").get() as
        | { value: string }
        | undefined)
    : undefined;
  if (format?.value !== FORMAT) {
    throw new ConfigError(
      `${path} is a SQLite file but not an Arachne HTTP cache (${format ? `format ${format.value}` : 'other tables'}): refusing to use it`,
    );
  }
}
