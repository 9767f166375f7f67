/**
 * Named API tokens with a scope, kept hashed in server.db: `viewer` reads (GET routes, the WebSocket, /metrics),
 * `operator` does everything. The server's single token (DATA_DIR/token or ARACHNE_TOKEN) is the operator token
 * named `default`. Tokens are 256 random bits, so one SHA-256 is enough to store them (no salt or slow hash needed).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import { ConfigError } from '../errors.js';

export const scopes = ['viewer', 'operator'] as const;
export type Scope = (typeof scopes)[number];

/** Who made a request: the token's name and what it may do. */
export interface Caller {
  name: string;
  scope: Scope;
}

export interface TokenInfo extends Caller {
  createdAt: string;
  lastUsedAt: string | null;
}

export const defaultTokenName = 'default';

const schema = `
CREATE TABLE IF NOT EXISTS tokens (
  name TEXT PRIMARY KEY,
  scope TEXT NOT NULL,
  hash BLOB NOT NULL,          -- SHA-256 of the token; the token itself is never stored
  created_at TEXT NOT NULL,
  last_used_at TEXT
);
`;

/** Last-use times are written at most this often per token: a busy dashboard must not write on every request. */
const lastUsedEveryMs = 60_000;
const defaultLastUsedKey = 'default_token_last_used';

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

interface TokenRow {
  name: string;
  scope: Scope;
  hash: Buffer;
  created_at: string;
  last_used_at: string | null;
}

export class AccessTokens {
  readonly #db: Database.Database;
  readonly #defaultHash: Buffer | undefined;
  readonly #lastWritten = new Map<string, number>();
  readonly #selectHashes: Database.Statement;
  readonly #dataVersion: Database.Statement;
  /** The stored tokens, read again after add/revoke here or a commit by another connection (the CLI). */
  #rows: Array<Pick<TokenRow, 'name' | 'scope' | 'hash'>> | undefined;
  #rowsVersion = -1;

  /** @param defaultToken the server's own token (operator, named `default`); undefined outside the server (CLI). */
  constructor(db: Database.Database, defaultToken?: string) {
    this.#db = db;
    this.#db.exec(schema);
    this.#defaultHash = defaultToken === undefined ? undefined : sha256(defaultToken);
    this.#selectHashes = db.prepare('SELECT name, scope, hash FROM tokens');
    // Changes when another connection commits to the file: `arachne serve token` adding or revoking a token.
    this.#dataVersion = db.prepare('PRAGMA data_version').pluck();
  }

  /** Creates a token; returns it (the only time it is ever shown). */
  add(name: string, scope: Scope): string {
    if (!namePattern.test(name)) {
      throw new ConfigError(
        `token name "${name}": use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
      );
    }
    if (name === defaultTokenName) {
      throw new ConfigError(
        `"${defaultTokenName}" is the server's own token (DATA_DIR/token or ARACHNE_TOKEN): pick another name`,
      );
    }
    if (!scopes.includes(scope)) {
      throw new ConfigError(`scope "${scope}": use ${scopes.join(' or ')}`);
    }
    const token = randomBytes(32).toString('base64url');
    const inserted = this.#db
      .prepare('INSERT OR IGNORE INTO tokens (name, scope, hash, created_at) VALUES (?, ?, ?, ?)')
      .run(name, scope, sha256(token), new Date().toISOString());
    if (inserted.changes === 0) {
      throw new ConfigError(`a token named "${name}" exists already (revoke it first)`);
    }
    this.#rows = undefined;
    return token;
  }

  /** The stored tokens, oldest first (never the tokens themselves). */
  list(): TokenInfo[] {
    const rows = this.#db
      .prepare('SELECT name, scope, created_at, last_used_at FROM tokens ORDER BY created_at, name')
      .all() as Array<Omit<TokenRow, 'hash'>>;
    return rows.map((row) => ({
      name: row.name,
      scope: row.scope,
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
    }));
  }

  /** When the server's own token was last used, or null. */
  defaultLastUsed(): string | null {
    const row = this.#db
      .prepare('SELECT value FROM server_meta WHERE key = ?')
      .get(defaultLastUsedKey) as { value: string } | undefined;
    return row?.value ?? null;
  }

  /** Deletes a token: the next request with it is refused. False when there is no such token. */
  revoke(name: string): boolean {
    this.#rows = undefined;
    return this.#db.prepare('DELETE FROM tokens WHERE name = ?').run(name).changes > 0;
  }

  /**
   * The caller a token belongs to, or undefined. Every stored hash is compared, in constant time, whatever
   * matches first: the time taken tells nothing about which token (or how much of one) was right.
   */
  authenticate(given: string | undefined): Caller | undefined {
    if (given === undefined) return undefined;
    const hash = sha256(given);
    let found: Caller | undefined;
    if (this.#defaultHash && timingSafeEqual(hash, this.#defaultHash)) {
      found = { name: defaultTokenName, scope: 'operator' };
    }
    for (const row of this.#storedRows()) {
      if (row.hash.length === hash.length && timingSafeEqual(hash, row.hash) && !found) {
        found = { name: row.name, scope: row.scope };
      }
    }
    if (found) this.#touch(found.name);
    return found;
  }

  #storedRows(): Array<Pick<TokenRow, 'name' | 'scope' | 'hash'>> {
    const version = this.#dataVersion.get() as number;
    if (this.#rows === undefined || version !== this.#rowsVersion) {
      this.#rows = this.#selectHashes.all() as Array<Pick<TokenRow, 'name' | 'scope' | 'hash'>>;
      this.#rowsVersion = version;
    }
    return this.#rows;
  }

  #touch(name: string): void {
    const now = Date.now();
    if (now - (this.#lastWritten.get(name) ?? 0) < lastUsedEveryMs) return;
    this.#lastWritten.set(name, now);
    const at = new Date(now).toISOString();
    if (name === defaultTokenName) {
      this.#db
        .prepare('INSERT OR REPLACE INTO server_meta (key, value) VALUES (?, ?)')
        .run(defaultLastUsedKey, at);
    } else {
      this.#db.prepare('UPDATE tokens SET last_used_at = ? WHERE name = ?').run(at, name);
    }
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
