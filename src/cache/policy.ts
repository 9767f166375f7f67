/** What the cache may store and reuse under each policy, and how a stale entry is revalidated (RFC 9111 §3, §4.3). */
import type { HttpRequest } from '../http/request.js';
import { parseCacheControl } from './cache-control.js';
import { freshnessLifetimeMs, heuristicallyCacheable } from './freshness.js';
import type { CachedResponse } from './store.js';

/**
 * - `always` (development mode, Scrapy's DummyPolicy): store every response whose status is not ignored, ignore
 *   Cache-Control, serve stored responses forever (or until `maxAgeMs`) without touching the network.
 * - `http` (RFC 9111, as a private cache): store what HTTP allows, serve it while fresh, revalidate it when stale.
 * - `record`: fetch every request from the network and store the response as `always` would, replacing what was
 *   stored: recording a cache for later `offline` runs (`arachne check --record`).
 * - `offline`: serve stored responses whatever their age and never touch the network; a request with nothing
 *   stored fails with AR_NOT_CACHED (`arachne check --offline`, a crawl replayed in CI).
 */
export type CachePolicyName = 'always' | 'http' | 'record' | 'offline';

/** Why a response was not stored; reported with the `skipped` event. */
export type SkipReason = 'status' | 'no-store' | 'vary' | 'not-reusable' | 'too-large';

/** The parts of a response the storage decision looks at. */
export interface ResponseHead {
  status: number;
  headers: Record<string, string>;
}

/** Request headers the cache itself sets to revalidate (and the user's own, which make a request pass through). */
export const conditionalHeaderNames = [
  'if-none-match',
  'if-modified-since',
  'if-match',
  'if-unmodified-since',
  'if-range',
];

/** Response headers a 304 must not overwrite in the stored copy: they describe the stored body (RFC 9111 §3.2). */
const BODY_HEADERS = new Set([
  'content-length',
  'content-encoding',
  'content-range',
  'transfer-encoding',
]);
/** Connection-scoped headers, never stored from a 304 (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
]);

/**
 * Whether `response` may be stored under the `http` policy, or why not:
 * - `no-store` in the request or the response → never;
 * - 206 and 1xx are never stored (partial content is not reassembled); `Vary: *` never matches a later request;
 * - otherwise RFC 9111 §3 allows storing a final response with explicit freshness, `public`, or a heuristically
 *   cacheable status. `private` is allowed: this is a private cache, used by one client.
 * One more rule of ours: a response that would be stale at once and has no validator could never be reused, so it
 * is not written at all.
 */
export function httpStorability(
  request: HttpRequest,
  response: ResponseHead,
  storedAt: number,
): SkipReason | undefined {
  const responseCc = parseCacheControl(response.headers['cache-control']);
  if (
    responseCc.has('no-store') ||
    parseCacheControl(request.headers['cache-control']).has('no-store')
  ) {
    return 'no-store';
  }
  if (response.status < 200 || response.status === 206 || response.status === 304) return 'status';
  if (varyNames(response.headers).includes('*')) return 'vary';
  const explicit =
    responseCc.has('max-age') || responseCc.has('public') || response.headers.expires !== undefined;
  if (!explicit && !heuristicallyCacheable.has(response.status)) return 'status';
  const lifetime = freshnessLifetimeMs({ ...response, storedAt }, responseCc);
  if (lifetime <= 0 && !hasValidator(response.headers)) return 'not-reusable';
  return undefined;
}

export function hasValidator(headers: Record<string, string>): boolean {
  return headers.etag !== undefined || headers['last-modified'] !== undefined;
}

/** The request's own conditional headers: such a request is the user's revalidation, so the cache stays out of it. */
export function isConditional(request: HttpRequest): boolean {
  return conditionalHeaderNames.some((name) => request.headers[name] !== undefined);
}

/** The request to send to revalidate `entry`: `If-None-Match` from its ETag, `If-Modified-Since` from Last-Modified. */
export function conditionalRequest<R extends HttpRequest>(request: R, entry: CachedResponse): R {
  const headers = { ...request.headers };
  if (entry.headers.etag !== undefined) headers['if-none-match'] = entry.headers.etag;
  if (entry.headers['last-modified'] !== undefined)
    headers['if-modified-since'] = entry.headers['last-modified'];
  return { ...request, headers };
}

/** The stored entry after a 304: its body, with the 304's headers replacing the stored ones (RFC 9111 §4.3.4). */
export function refreshedEntry(
  entry: CachedResponse,
  notModified: ResponseHead,
  now: number,
): CachedResponse {
  const headers = { ...entry.headers };
  for (const [name, value] of Object.entries(notModified.headers)) {
    if (!BODY_HEADERS.has(name) && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  // Keeping the old Date would age the refreshed entry from its first fetch; RFC 9110 §6.6.1 has a recipient add
  // the receipt time when a response came without one.
  if (notModified.headers.date === undefined) headers.date = new Date(now).toUTCString();
  return { ...entry, headers, storedAt: now };
}

/** Header names listed in the response's Vary, lower-cased. */
export function varyNames(headers: Record<string, string>): string[] {
  const vary = headers.vary;
  if (vary === undefined) return [];
  return vary
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
}

/** The request's values of the headers the response varies on (absent ones as ''), or undefined without Vary. */
export function varySnapshot(
  responseHeaders: Record<string, string>,
  requestHeaders: Record<string, string>,
): Record<string, string> | undefined {
  const names = varyNames(responseHeaders);
  if (names.length === 0) return undefined;
  return Object.fromEntries(names.map((name) => [name, requestHeaders[name] ?? '']));
}

/** Whether a new request would get the same representation as the one that produced `entry` (RFC 9111 §4.1). */
export function varyMatches(
  entry: CachedResponse,
  requestHeaders: Record<string, string>,
): boolean {
  if (entry.vary === undefined) return true;
  return Object.entries(entry.vary).every(
    ([name, value]) => normalise(requestHeaders[name] ?? '') === normalise(value),
  );
}

function normalise(value: string): string {
  return value.replace(/\s*,\s*/g, ',').trim();
}
