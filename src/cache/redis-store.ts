/** HTTP cache in Redis: one hash per entry (`meta` JSON + `body` bytes) under a key prefix, optional TTL. */
import { loadRedis } from '../distributed/load-redis.js';
import { ConfigError, StorageError } from '../errors.js';
import { decodeMeta, encodeMeta, entryFrom, listingFrom } from './entry-codec.js';
import type { CachedResponse, CacheListing, CacheStore } from './store.js';

/** @default prefix of every key this store writes. */
export const defaultRedisPrefix = 'arachne:http-cache:';
/** Keys asked per SCAN round trip in `list()`/`clear()`: a hint to Redis, not a limit. */
const SCAN_COUNT = 500;

export interface RedisCacheOptions {
  /** Key prefix; `clear()` removes exactly the keys under it. @default 'arachne:http-cache:' */
  prefix?: string;
  /** Give up connecting after this long. @default 5000 */
  connectTimeoutMs?: number;
}

type RedisModule = Awaited<ReturnType<typeof loadRedis>>;

function createBinaryClient(
  { createClient, RESP_TYPES }: RedisModule,
  url: string,
  connectTimeoutMs: number,
  isReady: () => boolean,
) {
  return createClient({
    url,
    // Commands issued while the connection is down fail at once, so the cache middleware falls back to the network
    // instead of queueing requests behind a dead Redis.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: connectTimeoutMs,
      // Before the first connection a failure is final (a wrong URL must not hang `connect`); afterwards reconnect.
      reconnectStrategy: (retries, cause) =>
        isReady() ? Math.min(100 * 2 ** retries, 2000) : cause,
    },
    // Blob replies as Buffers: bodies are arbitrary bytes, which a UTF-8 string round trip would corrupt.
  }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
}

type BinaryClient = ReturnType<typeof createBinaryClient>;

/**
 * HTTP cache in Redis. Binary-safe (bodies travel as RESP bulk strings mapped to Buffers). Several crawls may share
 * one database: each `prefix` is its own cache, and `clear()` never touches other keys (no FLUSHDB).
 * @example
 * const store = await RedisCacheStore.connect('redis://127.0.0.1:6379/0', { prefix: 'shop:' });
 */
export class RedisCacheStore implements CacheStore {
  readonly prefix: string;
  readonly #client: BinaryClient;

  private constructor(client: BinaryClient, prefix: string) {
    this.#client = client;
    this.prefix = prefix;
  }

  /** Connects to `url` (`redis://[user:pass@]host:port/db`); a `?prefix=` query parameter overrides `options.prefix`. */
  static async connect(url: string, options: RedisCacheOptions = {}): Promise<RedisCacheStore> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (error) {
      throw new ConfigError(`bad Redis URL ${url}`, { cause: error });
    }
    const prefix = parsed.searchParams.get('prefix') ?? options.prefix ?? defaultRedisPrefix;
    parsed.searchParams.delete('prefix');
    let ready = false;
    const client = createBinaryClient(
      await loadRedis(),
      parsed.href,
      options.connectTimeoutMs ?? 5000,
      () => ready,
    );
    // Without a listener node-redis' 'error' events would crash the process; failures surface on each command.
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (error) {
      // The failed reconnect strategy has usually closed it already (then destroy throws "client is closed").
      if (client.isOpen) client.destroy();
      throw new StorageError(
        `cannot connect to Redis at ${redacted(parsed)}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    ready = true;
    return new RedisCacheStore(client, prefix);
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    const [meta, body] = await this.#run(() =>
      this.#client.hmGet(this.prefix + key, ['meta', 'body']),
    );
    if (!meta || !body) return undefined;
    return entryFrom(decodeMeta(meta.toString('utf8'), key), body);
  }

  async set(key: string, entry: CachedResponse, ttlMs?: number): Promise<boolean> {
    const redisKey = this.prefix + key;
    // DEL first so a replaced entry does not keep the old entry's TTL (HSET preserves it).
    const transaction = this.#client
      .multi()
      .del(redisKey)
      .hSet(redisKey, { meta: encodeMeta(entry), body: entry.body });
    if (ttlMs !== undefined) transaction.pExpire(redisKey, Math.max(1, Math.ceil(ttlMs)));
    await this.#run(() => transaction.exec());
    return true;
  }

  async delete(key: string): Promise<void> {
    await this.#run(() => this.#client.unlink(this.prefix + key));
  }

  async *list(): AsyncIterable<CacheListing> {
    for await (const keys of this.#scan()) {
      const metas = await this.#run(() =>
        Promise.all(keys.map((key) => this.#client.hGet(key, 'meta'))),
      );
      for (const [index, meta] of metas.entries()) {
        // A key that expired or was deleted between SCAN and HGET is simply skipped.
        if (!meta) continue;
        const key = (keys[index] ?? '').slice(this.prefix.length);
        yield listingFrom(key, decodeMeta(meta.toString('utf8'), key));
      }
    }
  }

  async clear(): Promise<number> {
    let removed = 0;
    for await (const keys of this.#scan()) {
      if (keys.length > 0) removed += await this.#run(() => this.#client.unlink(keys));
    }
    return removed;
  }

  async close(): Promise<void> {
    if (this.#client.isOpen) await this.#client.close();
  }

  /** Full key names under the prefix, a SCAN batch at a time (never KEYS: it blocks a shared server). */
  async *#scan(): AsyncGenerator<string[]> {
    const options = { MATCH: `${escapeGlob(this.prefix)}*`, COUNT: SCAN_COUNT };
    // Not `scanIterator`: with blob strings mapped to Buffers its cursor is a Buffer, never equal to '0', so it
    // would loop forever (node-redis 5.12).
    let cursor = '0';
    do {
      const reply = await this.#run(() => this.#client.scan(cursor, options));
      cursor = reply.cursor.toString();
      yield reply.keys.map((key) => key.toString());
    } while (cursor !== '0');
  }

  async #run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new StorageError(`Redis HTTP cache (${this.prefix}): ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

/** SCAN MATCH is a glob: a prefix containing `*`, `?`, `[` or `\` must match only itself. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

function redacted(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = '***';
  return copy.href;
}
