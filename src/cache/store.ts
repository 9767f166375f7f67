/** The HTTP cache's storage contract: one interface, several backends (SQLite, Redis, Memcached). */

/** One stored HTTP exchange, everything needed to rebuild the Response without the network. */
export interface CachedResponse {
  /** Final URL of the response (what `Response.url` was). */
  url: string;
  /** Upper-case method of the request that produced it. */
  method: string;
  status: number;
  /** Response headers as the transport gave them (lower-case names). */
  headers: Record<string, string>;
  body: Buffer;
  /** `Response.redirects` at storage time (empty when the cache sits inside the redirect middleware). */
  redirects: string[];
  /** Epoch milliseconds when the response was received, or last revalidated with a 304. */
  storedAt: number;
  /**
   * The request's values of the headers the response's `Vary` names, so a later request that would get a different
   * representation is not served this one (only the `http` policy reads it).
   */
  vary?: Record<string, string>;
}

/** What `list()` yields: enough to show an entry without loading its body. */
export interface CacheListing {
  key: string;
  url: string;
  status: number;
  storedAt: number;
  /** Size of the stored body. */
  bytes: number;
}

/**
 * A key/value store for cached responses; keys are request fingerprints (16 hex digits).
 * Implementations must be binary-safe for `body` and safe to call concurrently from many requests.
 */
export interface CacheStore {
  /** The entry, or `undefined` when absent or expired. */
  get(key: string): Promise<CachedResponse | undefined>;
  /**
   * Stores (or replaces) an entry.
   * @param ttlMs the store forgets the entry after this long; omitted = kept until deleted or evicted.
   * @returns `false` when the store declined the entry (too large for it), `true` once stored.
   */
  set(key: string, entry: CachedResponse, ttlMs?: number): Promise<boolean>;
  /** Removes an entry; a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Every live entry, in no particular order (see each backend for its limits). */
  list(): AsyncIterable<CacheListing>;
  /** Removes every entry of this cache (its file, or its key prefix); resolves to how many were removed. */
  clear(): Promise<number>;
  /** Releases the file or connection. */
  close(): Promise<void>;
}
