/** Freshness (RFC 9111 §4.2) as a private cache computes it: lifetime from max-age, Expires or heuristics, and age. */
import { type Directives, parseCacheControl, secondsDirectiveMs } from './cache-control.js';

/**
 * Upper bound of a heuristic lifetime. RFC 9111 §4.2.2 suggests 10% of the time since Last-Modified but sets no
 * cap; a page unchanged for 3 years would then stay fresh for months. One day is the limit past which RFC 7234
 * required a warning, and what most browser caches effectively use.
 */
export const heuristicCapMs = 24 * 60 * 60 * 1000;
/** Fraction of (Date − Last-Modified) used as a heuristic lifetime (RFC 9111 §4.2.2). */
const HEURISTIC_FRACTION = 0.1;
/** Statuses RFC 9110 §15.1 defines as heuristically cacheable. */
export const heuristicallyCacheable: ReadonlySet<number> = new Set([
  200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501,
]);

/** What freshness depends on: a stored response's status, headers and when it was received. */
export interface StoredExchange {
  status: number;
  headers: Record<string, string>;
  storedAt: number;
}

/**
 * How long the response stays fresh, in ms, for a **private** cache (the crawler is one client):
 * 1. `max-age` (`s-maxage` is for shared caches and ignored, RFC 9111 §5.2.2.10);
 * 2. else `Expires − Date` (an invalid Expires such as `0` means already stale);
 * 3. else, for a heuristically cacheable status with `Last-Modified`: 10% of `Date − Last-Modified`, at most a day;
 * 4. else 0.
 * `no-cache` forces 0: the response may be stored but must be revalidated before each use.
 */
export function freshnessLifetimeMs(exchange: StoredExchange, directives?: Directives): number {
  const cc = directives ?? parseCacheControl(exchange.headers['cache-control']);
  if (cc.has('no-cache')) return 0;
  const maxAge = secondsDirectiveMs(cc, 'max-age');
  if (maxAge !== undefined) return maxAge;
  const date = dateOf(exchange);
  const expiresHeader = exchange.headers.expires;
  if (expiresHeader !== undefined) {
    const expires = Date.parse(expiresHeader);
    return Number.isNaN(expires) ? 0 : Math.max(0, expires - date);
  }
  const lastModified = Date.parse(exchange.headers['last-modified'] ?? '');
  if (!Number.isNaN(lastModified) && heuristicallyCacheable.has(exchange.status)) {
    return Math.min(heuristicCapMs, Math.max(0, (date - lastModified) * HEURISTIC_FRACTION));
  }
  return 0;
}

/**
 * The response's current age, in ms (RFC 9111 §4.2.3): the larger of its apparent age (our receipt time − its
 * Date) and its `Age` header, plus the time it has spent in this cache. The request's own delay is not added: the
 * cache does not record when the request was sent, and that delay is small next to any useful lifetime.
 */
export function currentAgeMs(exchange: StoredExchange, now: number): number {
  const date = Date.parse(exchange.headers.date ?? '');
  const apparentAge = Number.isNaN(date) ? 0 : Math.max(0, exchange.storedAt - date);
  const ageHeader = exchange.headers.age;
  const ageValue =
    ageHeader !== undefined && /^\s*\d+\s*$/.test(ageHeader) ? Number(ageHeader) * 1000 : 0;
  return Math.max(apparentAge, ageValue) + Math.max(0, now - exchange.storedAt);
}

/**
 * Whether a stored response may be served without contacting the server.
 * @param requestDirectives the new request's Cache-Control: its `max-age` can only shorten the lifetime.
 */
export function isFresh(
  exchange: StoredExchange,
  now: number,
  requestDirectives?: Directives,
): boolean {
  const age = currentAgeMs(exchange, now);
  let lifetime = freshnessLifetimeMs(exchange);
  const requestMaxAge = requestDirectives
    ? secondsDirectiveMs(requestDirectives, 'max-age')
    : undefined;
  if (requestMaxAge !== undefined) lifetime = Math.min(lifetime, requestMaxAge);
  return age < lifetime;
}

/** The origin's Date, or the time we received the response when Date is missing or invalid (RFC 9110 §6.6.1). */
function dateOf(exchange: StoredExchange): number {
  const date = Date.parse(exchange.headers.date ?? '');
  return Number.isNaN(date) ? exchange.storedAt : date;
}
