/** `openCache(uri)`: picks and opens the HTTP cache backend a URI or path names. Backends load on demand. */
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import type { CacheStore } from './store.js';

/** File name of the SQLite cache inside a cache directory. */
export const cacheFileName = 'http-cache.sqlite';

export interface OpenCacheOptions {
  /** Create a SQLite cache that does not exist yet; `false` (for `cache ls`/`clear`) makes that a ConfigError. @default true */
  create?: boolean;
}

/** Where a cache URI points, before anything is opened. */
export type CacheLocation =
  | { kind: 'sqlite'; path: string }
  | { kind: 'redis'; url: string }
  | { kind: 'memcached'; servers: string; prefix?: string; maxItemBytes?: number };

const SQLITE_EXTENSIONS = /\.(sqlite3?|db)$/i;
// Two or more characters before the colon, so a Windows drive letter (`C:\cache`) reads as a path.
const SCHEME = /^([a-z][a-z0-9+.-]+):/i;

/**
 * Reads a cache URI:
 * - `redis://[user:pass@]host:port/db[?prefix=…]` (or `rediss://`) → Redis;
 * - `memcache://host:port[,host:port…][?prefix=…&maxItemBytes=…]` (or `memcached://`) → Memcached;
 * - `sqlite:path`, or a path ending in `.sqlite`, `.sqlite3` or `.db` → that SQLite file;
 * - any other path → a directory holding `http-cache.sqlite`.
 */
export function parseCacheUri(uri: string): CacheLocation {
  const scheme = SCHEME.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (uri.trim() === '') throw new ConfigError('empty cache location');
    return { kind: 'sqlite', path: SQLITE_EXTENSIONS.test(uri) ? uri : join(uri, cacheFileName) };
  }
  if (scheme === 'redis' || scheme === 'rediss') return { kind: 'redis', url: uri };
  if (scheme === 'sqlite') return { kind: 'sqlite', path: sqlitePath(uri) };
  if (scheme === 'memcache' || scheme === 'memcached') return parseMemcached(uri);
  throw new ConfigError(
    `unknown cache URI scheme "${scheme}:" in ${uri} (use a directory, sqlite:, redis:// or memcache://)`,
  );
}

/**
 * Opens the cache `uri` names (see `parseCacheUri`). The caller closes it.
 * @example
 * const store = await openCache('.arachne-cache');            // .arachne-cache/http-cache.sqlite
 * const shared = await openCache('redis://127.0.0.1:6379/0?prefix=shop:');
 */
export async function openCache(uri: string, options: OpenCacheOptions = {}): Promise<CacheStore> {
  const location = parseCacheUri(uri);
  switch (location.kind) {
    case 'sqlite': {
      const { SqliteCacheStore } = await import('./sqlite-store.js');
      return SqliteCacheStore.open(
        location.path,
        options.create === undefined ? {} : { create: options.create },
      );
    }
    case 'redis': {
      const { RedisCacheStore } = await import('./redis-store.js');
      return RedisCacheStore.connect(location.url);
    }
    case 'memcached': {
      const { MemcachedCacheStore } = await import('./memcached-store.js');
      const { servers, kind: _kind, ...rest } = location;
      return MemcachedCacheStore.connect(servers, rest);
    }
  }
}

function parseMemcached(uri: string): CacheLocation {
  const rest = uri.slice(uri.indexOf('://') + 3);
  if (!uri.includes('://') || rest === '') throw new ConfigError(`no server in cache URI ${uri}`);
  const queryAt = rest.indexOf('?');
  const servers = (queryAt === -1 ? rest : rest.slice(0, queryAt)).replace(/\/+$/, '');
  const query = new URLSearchParams(queryAt === -1 ? '' : rest.slice(queryAt + 1));
  const location: CacheLocation = { kind: 'memcached', servers };
  const prefix = query.get('prefix');
  if (prefix !== null) location.prefix = prefix;
  const maxItemBytes = query.get('maxItemBytes');
  if (maxItemBytes !== null) {
    const bytes = Number(maxItemBytes);
    if (!Number.isInteger(bytes) || bytes <= 0)
      throw new ConfigError(`bad maxItemBytes in cache URI ${uri}`);
    location.maxItemBytes = bytes;
  }
  return location;
}

/** Same rules as the SQLite item sink: `sqlite:relative/path`, `sqlite:///absolute/path` (percent-decoded). */
function sqlitePath(uri: string): string {
  const rest = uri.slice('sqlite:'.length);
  if (rest.includes('?')) throw new ConfigError(`"${uri}": a sqlite: cache takes no parameters`);
  let path = rest;
  if (rest.startsWith('//')) {
    if (!rest.startsWith('///')) {
      throw new ConfigError(
        `"${uri}" names a host: use sqlite:relative/path or sqlite:///absolute/path`,
      );
    }
    path = decodeURIComponent(rest.slice(2));
  }
  if (path === '') throw new ConfigError(`"${uri}" names no cache file`);
  return path;
}
