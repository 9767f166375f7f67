/** HTTP cache in Memcached (memjs): one packed item per entry, plus an index item so `list`/`clear` can work. */
import memjs from 'memjs';
import { ConfigError, StorageError } from '../errors.js';
import { packEntry, unpackEntry } from './entry-codec.js';
import type { CachedResponse, CacheListing, CacheStore } from './store.js';

/** @default prefix of every key this store writes. */
export const defaultMemcachedPrefix = 'arachne:http-cache:';
/**
 * Memcached's default item size limit is 1 MiB (`-I`), and that includes the key and about 50 bytes of item
 * header: entries up to a round million bytes fit with room to spare.
 */
export const defaultMaxItemBytes = 1_000_000;
/** Memcached reads an expiry above 30 days as a Unix timestamp rather than a number of seconds. */
const RELATIVE_EXPIRY_LIMIT_S = 60 * 60 * 24 * 30;

export interface MemcachedCacheOptions {
  /** Key prefix (the whole key must stay under 250 bytes). @default 'arachne:http-cache:' */
  prefix?: string;
  /** Entries whose packed size (metadata + body) exceeds this are not stored (`set` resolves `false`). @default 1_000_000 */
  maxItemBytes?: number;
  /** Per-operation timeout. @default 1000 */
  timeoutMs?: number;
}

/**
 * HTTP cache in Memcached. Memcached cannot enumerate keys, so this store keeps an **index item**
 * (`<prefix>index`, the keys it added, one per line) that `list()` and `clear()` read. The index is best effort:
 * it can itself be evicted (then older entries are still served but no longer listed or cleared: they age out by
 * TTL or LRU), and it is one item, so it stops growing at `maxItemBytes` (about 55 000 keys).
 * @example
 * const store = await MemcachedCacheStore.connect('127.0.0.1:11211', { prefix: 'shop:' });
 */
export class MemcachedCacheStore implements CacheStore {
  readonly prefix: string;
  readonly maxItemBytes: number;
  readonly #client: memjs.Client;
  readonly #indexKey: string;

  private constructor(client: memjs.Client, prefix: string, maxItemBytes: number) {
    this.#client = client;
    this.prefix = prefix;
    this.maxItemBytes = maxItemBytes;
    this.#indexKey = `${prefix}index`;
  }

  /**
   * Connects to `servers` (`host:port[,host:port…]`) and checks the first answers, so a wrong address fails here
   * rather than on the first request.
   */
  static async connect(
    servers: string,
    options: MemcachedCacheOptions = {},
  ): Promise<MemcachedCacheStore> {
    const prefix = options.prefix ?? defaultMemcachedPrefix;
    if (Buffer.byteLength(prefix) > 200)
      throw new ConfigError(`Memcached key prefix too long: ${prefix}`);
    const client = memjs.Client.create(servers, {
      timeout: (options.timeoutMs ?? 1000) / 1000,
      retries: 1,
      // memjs logs failed servers to the console by default; failures reach the caller as errors instead.
      logger: { log: () => {} },
    });
    const store = new MemcachedCacheStore(
      client,
      prefix,
      options.maxItemBytes ?? defaultMaxItemBytes,
    );
    try {
      await client.get(store.#indexKey);
    } catch (error) {
      client.close();
      throw new StorageError(`cannot reach Memcached at ${servers}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return store;
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    const { value } = await this.#run(() => this.#client.get(this.prefix + key));
    return value === null ? undefined : unpackEntry(value, key);
  }

  async set(key: string, entry: CachedResponse, ttlMs?: number): Promise<boolean> {
    const packed = packEntry(entry);
    if (packed.length > this.maxItemBytes) return false;
    const options = ttlMs === undefined ? {} : { expires: expirySeconds(ttlMs) };
    const itemKey = this.prefix + key;
    // `add` succeeds only for a new key: only then does the index need a line, so re-storing adds no duplicate.
    const added = await this.#run(() => this.#client.add(itemKey, packed, options));
    if (added) await this.#index(key);
    else await this.#run(() => this.#client.set(itemKey, packed, options));
    return true;
  }

  async delete(key: string): Promise<void> {
    // The index line stays: `list()` skips keys whose item is gone, and the next `clear()` drops the index.
    await this.#run(() => this.#client.delete(this.prefix + key));
  }

  async *list(): AsyncIterable<CacheListing> {
    for (const key of await this.#indexedKeys()) {
      const entry = await this.get(key);
      if (entry === undefined) continue;
      yield {
        key,
        url: entry.url,
        status: entry.status,
        storedAt: entry.storedAt,
        bytes: entry.body.length,
      };
    }
  }

  async clear(): Promise<number> {
    let removed = 0;
    for (const key of await this.#indexedKeys()) {
      if (await this.#run(() => this.#client.delete(this.prefix + key))) removed++;
    }
    await this.#run(() => this.#client.delete(this.#indexKey));
    return removed;
  }

  async close(): Promise<void> {
    this.#client.close();
  }

  async #indexedKeys(): Promise<string[]> {
    const { value } = await this.#run(() => this.#client.get(this.#indexKey));
    if (value === null) return [];
    return [...new Set(value.toString('utf8').split('\n'))].filter((key) => key !== '');
  }

  /** Appends a key to the index, creating it if needed; a full index is tolerated (see the class comment). */
  async #index(key: string): Promise<void> {
    const line = `${key}\n`;
    // memjs rejects an APPEND to a missing item ("Item not stored") and one past the item size limit alike: both
    // read as "not appended" here.
    const append = () => this.#client.append(this.#indexKey, line).catch(() => false);
    if (await append()) return;
    if (await this.#client.add(this.#indexKey, line).catch(() => false)) return;
    // Either another writer created the index between our append and add, or it is full: one more try.
    await append();
  }

  async #run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new StorageError(`Memcached HTTP cache (${this.prefix}): ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

function expirySeconds(ttlMs: number): number {
  const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
  return seconds <= RELATIVE_EXPIRY_LIMIT_S ? seconds : Math.floor(Date.now() / 1000) + seconds;
}
