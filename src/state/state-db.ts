/** The crawl state database (SQLite): opening, recognising and versioning it. Never overwrites a foreign file. */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ConfigError } from '../errors.js';

export type StateDb = Database.Database;

const formatKey = 'format';
const format = 'arachne-state/2';
const sqliteMagic = 'SQLite format 3\0';

const schema = `
CREATE TABLE IF NOT EXISTS arachne_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- One row per request ever seen, appended in discovery order: the rows are the seen set (fp, loaded into memory
-- at start) and the queue (state 0). No index on fp: dedup happens in memory, and rows are found by id.
CREATE TABLE IF NOT EXISTS requests (
  id INTEGER PRIMARY KEY,
  fp INTEGER NOT NULL,
  state INTEGER NOT NULL,      -- 0 queued, 2 done, 3 failed
  priority INTEGER NOT NULL,
  url TEXT NOT NULL,
  request TEXT,                -- the Request as JSON, dropped once done
  error TEXT
);
CREATE INDEX IF NOT EXISTS requests_queued ON requests (priority DESC, id) WHERE state = 0;
CREATE INDEX IF NOT EXISTS requests_failed ON requests (id) WHERE state = 3;
-- Items commit with their request's progress; sinks are fed from here (see docs/architecture.md).
CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, item TEXT NOT NULL);
-- The adaptive ladder's choice of rung per page type (host + handler [+ pattern]), kept across resumes.
CREATE TABLE IF NOT EXISTS ladder (key TEXT PRIMARY KEY, entry TEXT NOT NULL);
`;

/**
 * Opens (or creates) a state file for `spider`. A file that is not SQLite, not an Arachne state file, or the
 * state of another spider is refused with a ConfigError: it is never silently overwritten.
 */
export function openStateDb(path: string, spider: string): StateDb {
  const fresh = !existsSync(path);
  if (!fresh) checkLooksLikeSqlite(path);
  let db: StateDb;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    // Committed transactions survive a killed process with NORMAL in WAL mode; only a power loss may lose the last ones.
    db.pragma('synchronous = NORMAL');
  } catch (error) {
    throw new ConfigError(`${path}: cannot open the state file: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    if (!fresh) checkIsArachneState(db, path, spider);
    db.exec(schema);
    const setMeta = db.prepare('INSERT OR IGNORE INTO arachne_meta (key, value) VALUES (?, ?)');
    setMeta.run(formatKey, format);
    setMeta.run('spider', spider);
    setMeta.run('createdAt', new Date().toISOString());
  } catch (error) {
    db.close();
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${path}: not a usable state file (${(error as Error).message})`, {
      cause: error,
    });
  }
  return db;
}

/** Reads a state file without taking it over (for `arachne state`). */
export function openStateDbReadOnly(path: string): StateDb {
  if (!existsSync(path)) throw new ConfigError(`${path}: no such state file`);
  checkLooksLikeSqlite(path);
  const db = new Database(path, { readonly: true, fileMustExist: true });
  checkIsArachneState(db, path, undefined);
  return db;
}

export function getMeta(db: StateDb, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM arachne_meta WHERE key = ?').get(key) as
    | { value: string }
    | undefined;
  return row?.value;
}

export function setMeta(db: StateDb, key: string, value: string): void {
  db.prepare(
    'INSERT INTO arachne_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  ).run(key, value);
}

function checkLooksLikeSqlite(path: string): void {
  if (statSync(path).isDirectory()) {
    throw new ConfigError(
      `${path}: is a directory, not a state file; give a file path such as ${path}/crawl.db`,
    );
  }
  const header = Buffer.alloc(16);
  let read = 0;
  const fd = openSync(path, 'r');
  try {
    read = readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  // An empty file is what `touch` leaves: safe to initialise.
  if (read === 0) return;
  if (read < 16 || header.toString('latin1') !== sqliteMagic) {
    throw new ConfigError(
      `${path}: not an Arachne state file (not an SQLite database); refusing to overwrite it`,
    );
  }
}

function checkIsArachneState(db: StateDb, path: string, spider: string | undefined): void {
  let found: string | undefined;
  let owner: string | undefined;
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all() as Array<{ name: string }>;
    if (tables.length === 0) return; // an empty database: safe to initialise
    if (!tables.some((table) => table.name === 'arachne_meta')) {
      throw new ConfigError(
        `${path}: an SQLite database that is not an Arachne state file; refusing to overwrite it`,
      );
    }
    found = getMeta(db, formatKey);
    owner = getMeta(db, 'spider');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${path}: corrupted state file (${(error as Error).message})`, {
      cause: error,
    });
  }
  if (found !== format) {
    throw new ConfigError(
      `${path}: unsupported state format "${found ?? 'none'}" (this Arachne reads ${format})`,
    );
  }
  if (spider !== undefined && owner !== spider) {
    throw new ConfigError(`${path}: this state belongs to spider "${owner}", not "${spider}"`);
  }
}
