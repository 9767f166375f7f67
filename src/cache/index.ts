/** arachne/cache: an HTTP cache middleware for development and re-runs, with SQLite, Redis and Memcached stores. */
export { type Directives, parseCacheControl } from './cache-control.js';
export {
  type CacheEvent,
  type CacheEventDetail,
  type CacheMiddlewareOptions,
  cacheKey,
  cacheMiddleware,
  cacheStatusHeader,
} from './cache-middleware.js';
export { currentAgeMs, freshnessLifetimeMs, heuristicCapMs, isFresh } from './freshness.js';
export { type MemcachedCacheOptions, MemcachedCacheStore } from './memcached-store.js';
export {
  type CacheLocation,
  cacheFileName,
  type OpenCacheOptions,
  openCache,
  parseCacheUri,
} from './open-cache.js';
export type { CachePolicyName, SkipReason } from './policy.js';
export { type RedisCacheOptions, RedisCacheStore } from './redis-store.js';
export { type SqliteCacheOptions, SqliteCacheStore } from './sqlite-store.js';
export type { CachedResponse, CacheListing, CacheStore } from './store.js';
