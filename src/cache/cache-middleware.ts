/** The HTTP cache middleware (Scrapy's HttpCacheMiddleware): serves stored responses, stores new ones, revalidates. */

import { ConfigError, NotCachedError } from '../errors.js';
import type { Middleware, Next } from '../http/compose.js';
import type { HttpRequest } from '../http/request.js';
import { Response, type Timings } from '../http/response.js';
import { retryPolicyDefaults } from '../http/retry-policy.js';
import { canonicalizeUrl } from '../url/canonical-url.js';
import { fingerprintHex } from '../url/fingerprint.js';
import { type Directives, parseCacheControl, requestWantsRevalidation } from './cache-control.js';
import { isFresh } from './freshness.js';
import {
  type CachePolicyName,
  conditionalRequest,
  hasValidator,
  httpStorability,
  isConditional,
  refreshedEntry,
  type SkipReason,
  varyMatches,
  varySnapshot,
} from './policy.js';
import type { CachedResponse, CacheStore } from './store.js';

/**
 * - `hit`: served from the store, no network; `revalidated`: the server answered 304 and the stored body was served;
 * - `miss`: a cacheable request went to the network (no entry, or stale, or revalidation answered with a new body);
 * - `stored`: an entry was written (or refreshed after a 304); `skipped`: a response was not stored (see `reason`);
 * - `error`: the store failed; the request carried on without the cache (see `error`).
 */
export type CacheEvent = 'hit' | 'miss' | 'revalidated' | 'stored' | 'skipped' | 'error';

export interface CacheEventDetail {
  url: string;
  /** The request fingerprint the entry is stored under. */
  key: string;
  /** With `skipped`. */
  reason?: SkipReason;
  /** With `error`. */
  error?: unknown;
}

export interface CacheMiddlewareOptions<R extends HttpRequest = HttpRequest> {
  /** See `CachePolicyName`. */
  policy: CachePolicyName;
  /** Called for each cache decision, e.g. to count hits in the crawl stats. */
  onEvent?: (event: CacheEvent, detail: CacheEventDetail) => void;
  /**
   * Responses with these statuses are never stored: by default the retryable ones (408, 429, 5xx), so a
   * transient failure is not replayed on every later run.
   * @default [408, 429, 500, 502, 503, 504, 522, 524]
   */
  ignoreStatuses?: readonly number[];
  /** Methods that use the cache; others pass through untouched. @default ['GET', 'HEAD'] */
  methods?: readonly string[];
  /**
   * `always` policy only: entries older than this are fetched again; also passed to the store as a TTL, so Redis
   * and Memcached forget them by themselves. @default forever
   */
  maxAgeMs?: number;
  /** Clock in epoch ms (tests). @default Date.now */
  now?: () => number;
  /**
   * The rung that fetches a request ('http', 'browser' …): other than 'http' it is part of the key, so a page
   * fetched over HTTP and the same page rendered are two entries. @default every request is 'http'
   */
  fetcherOf?: (request: R) => string;
  /**
   * The form of a URL entries are keyed on, so spellings of one page share an entry (a crawl passes its dedup
   * key: sorted query, tracking parameters dropped). @default the URL as `canonicalizeUrl` writes it
   */
  urlKey?: (url: string) => string;
}

/** Response header telling where a response came from: `hit`, `revalidated` or `miss`. */
export const cacheStatusHeader = 'x-arachne-cache';

const ZERO_TIMINGS: Readonly<Timings> = Object.freeze({
  dnsMs: 0,
  connectMs: 0,
  tlsMs: 0,
  firstByteMs: 0,
  totalMs: 0,
});
const NO_DIRECTIVES: Directives = new Map();
const policies = new Set<string>([
  'always',
  'http',
  'record',
  'offline',
] satisfies CachePolicyName[]);

/**
 * The key a request is cached under: its fingerprint (method + canonical URL + body), as for dedup; with the
 * fetcher when it is not plain HTTP (a rendered page is another response than the HTML the server sent).
 */
export function cacheKey(
  request: HttpRequest,
  fetcher = 'http',
  urlKey?: (url: string) => string,
): string {
  const canonical = canonicalizeUrl(request.url) ?? request.url;
  const url = urlKey ? urlKey(canonical) : canonical;
  const method = fetcher === 'http' ? request.method : `${request.method} via ${fetcher}`;
  return fingerprintHex(method, url, request.body);
}

/**
 * A middleware that answers from `store` when it can. Put it last, next to the transport, so every other
 * middleware behaves the same on stored responses as on live ones.
 * @example
 * const store = await openCache('.cache');
 * const download = compose([redirect(), cacheMiddleware(store, { policy: 'always' })], transport.send);
 */
export function cacheMiddleware<R extends HttpRequest = HttpRequest>(
  store: CacheStore,
  options: CacheMiddlewareOptions<R>,
): Middleware<R> {
  const { policy, onEvent, maxAgeMs, fetcherOf, urlKey } = options;
  if (!policies.has(policy)) throw new ConfigError(`unknown cache policy "${String(policy)}"`);
  const methods = new Set(
    (options.methods ?? ['GET', 'HEAD']).map((method) => method.toUpperCase()),
  );
  const ignored = new Set(options.ignoreStatuses ?? retryPolicyDefaults.statuses);
  const now = options.now ?? Date.now;
  const emit = (event: CacheEvent, detail: CacheEventDetail) => onEvent?.(event, detail);

  const lookup = async (key: string, url: string): Promise<CachedResponse | undefined> => {
    try {
      return await store.get(key);
    } catch (error) {
      emit('error', { url, key, error });
      return undefined;
    }
  };

  /** Writes `entry` unless a rule forbids it; store failures are reported, never thrown at the crawl. */
  const save = async (key: string, request: R, entry: CachedResponse): Promise<void> => {
    const detail = { url: request.url, key };
    const reason = ignored.has(entry.status)
      ? 'status'
      : policy === 'http'
        ? httpStorability(request, entry, entry.storedAt)
        : undefined;
    try {
      if (reason !== undefined) {
        emit('skipped', { ...detail, reason });
        return;
      }
      if (await store.set(key, entry, policy === 'always' ? maxAgeMs : undefined))
        emit('stored', detail);
      else emit('skipped', { ...detail, reason: 'too-large' });
    } catch (error) {
      emit('error', { ...detail, error });
    }
  };

  /** Stores a network response (when allowed) and tags it as a miss, with the caller's request restored. */
  const keep = async (key: string, request: R, response: Response): Promise<Response> => {
    await save(key, request, toEntry(request, response, now()));
    return response.with({
      request,
      headers: { ...response.headers, [cacheStatusHeader]: 'miss' },
    });
  };

  const fetchAndKeep = async (key: string, request: R, next: Next<R>): Promise<Response> => {
    emit('miss', { url: request.url, key });
    return keep(key, request, await next(request));
  };

  return async (request, next) => {
    // A WebSocket feed is live: there is no stored copy of what a connection will receive.
    if (/^wss?:/i.test(request.url)) return next(request);
    // Offline, nothing goes past the cache, whatever the method or headers: a request is answered or refused.
    if (policy === 'offline') {
      const key = cacheKey(request, fetcherOf?.(request), urlKey);
      const entry = await lookup(key, request.url);
      if (entry === undefined) {
        emit('miss', { url: request.url, key });
        throw new NotCachedError(request.url, request.method);
      }
      emit('hit', { url: request.url, key });
      return fromEntry(entry, request, 'hit');
    }
    if (!methods.has(request.method) || isConditional(request)) return next(request);
    const requestCc =
      policy === 'http' ? parseCacheControl(request.headers['cache-control']) : NO_DIRECTIVES;
    if (requestCc.has('no-store')) return next(request);
    const key = cacheKey(request, fetcherOf?.(request), urlKey);
    // Recording replaces what is stored with what the site serves now.
    if (policy === 'record') return fetchAndKeep(key, request, next);
    const entry = await lookup(key, request.url);

    if (policy === 'always') {
      if (entry !== undefined && (maxAgeMs === undefined || now() - entry.storedAt < maxAgeMs)) {
        emit('hit', { url: request.url, key });
        return fromEntry(entry, request, 'hit');
      }
      return fetchAndKeep(key, request, next);
    }

    const usable = entry !== undefined && varyMatches(entry, request.headers) ? entry : undefined;
    if (
      usable &&
      !requestWantsRevalidation(request.headers, requestCc) &&
      isFresh(usable, now(), requestCc)
    ) {
      emit('hit', { url: request.url, key });
      return fromEntry(usable, request, 'hit');
    }
    if (requestCc.has('only-if-cached')) return gatewayTimeout(request);
    if (usable === undefined || !hasValidator(usable.headers))
      return fetchAndKeep(key, request, next);

    const response = await next(conditionalRequest(request, usable));
    if (response.status !== 304) {
      emit('miss', { url: request.url, key });
      return keep(key, request, response);
    }
    const refreshed = refreshedEntry(usable, response, now());
    emit('revalidated', { url: request.url, key });
    await save(key, request, refreshed);
    return fromEntry(refreshed, request, 'revalidated');
  };
}

function toEntry(request: HttpRequest, response: Response, storedAt: number): CachedResponse {
  const { [cacheStatusHeader]: _own, ...headers } = response.headers;
  const entry: CachedResponse = {
    url: response.url,
    method: request.method,
    status: response.status,
    headers,
    body: response.body,
    redirects: response.redirects,
    storedAt,
  };
  const vary = varySnapshot(response.headers, request.headers);
  if (vary !== undefined) entry.vary = vary;
  return entry;
}

function fromEntry(
  entry: CachedResponse,
  request: HttpRequest,
  served: 'hit' | 'revalidated',
): Response {
  return new Response({
    // An entry may be shared by spellings of one URL (a crawl's dedup key): unless it was redirected, the
    // response is at the URL asked for, as a live fetch would be.
    url: entry.redirects.length > 0 ? entry.url : request.url,
    status: entry.status,
    headers: { ...entry.headers, [cacheStatusHeader]: served },
    body: entry.body,
    request,
    timings: { ...ZERO_TIMINGS },
    redirects: entry.redirects,
  });
}

/** RFC 9111 §5.2.1.7: `only-if-cached` with nothing usable stored is answered 504 without contacting the server. */
function gatewayTimeout(request: HttpRequest): Response {
  return new Response({
    url: request.url,
    status: 504,
    headers: { [cacheStatusHeader]: 'miss' },
    body: Buffer.alloc(0),
    request,
    timings: { ...ZERO_TIMINGS },
  });
}
