/**
 * The filters a request passes before it reaches the frontier, in this declared order (Scrapy's spider
 * middlewares): a crawlable URL (canonicalised), offsite, allow/deny, depth, trap budgets, endless URL spaces, pages per host. Each keeps the
 * request (possibly with its canonical URL) or rejects it with a stable code; robots.txt is checked at download
 * time (it needs a fetch), by the download chain.
 */
import type { CrawlError } from '../errors.js';
import { hostOf } from '../url/canonical-url.js';
import type { DedupKey } from '../url/dedup-key.js';
import { memoByUrl } from '../url/url-memo.js';
import type { InScope } from './crawl-scope.js';
import type { Request } from './request.js';
import { type TrapBudgets, type TrapKind, trapReason } from './trap-budgets.js';
import type { UrlSpaceGuard } from './url-spaces.js';

export interface Rejection {
  code:
    | 'AR_BAD_URL'
    | 'AR_UNSUPPORTED_SCHEME'
    | 'AR_OFFSITE'
    | 'AR_LINK_FILTERED'
    | 'AR_DEPTH'
    | 'AR_TRAP';
  reason: string;
  /** For AR_TRAP: the budget that dropped the request. */
  trap?: TrapKind;
}

/** Returns the request to keep (the same object, or a copy with a rewritten URL) or why it is dropped. */
export type RequestFilter = (request: Request) => Request | Rejection;

export function isRejection(value: Request | Rejection): value is Rejection {
  return 'code' in value && 'reason' in value && !('url' in value);
}

/** Turns a URL into its canonical form, or says why it cannot be crawled (the download handlers' `admit`). */
export type Admit = (url: string) => string | CrawlError;

/**
 * Canonicalises the URL (dedup and scope work on the canonical form); an invalid URL, or one whose scheme no
 * download handler serves, is dropped.
 */
export function crawlableUrl(admit: Admit): RequestFilter {
  return (request) => {
    const url = admit(request.url);
    if (typeof url !== 'string')
      return { code: url.code as Rejection['code'], reason: url.message };
    return url === request.url ? request : { ...request, url };
  };
}

/** Keeps the crawl in its scope (see crawl-scope.ts). A URL without a host (data:) reaches no site. */
export function offsite(inScope: InScope): RequestFilter {
  return (request) =>
    inScope(request.url) ? request : { code: 'AR_OFFSITE', reason: `offsite: ${request.url}` };
}

/**
 * The crawl's `allow`/`deny` patterns: a followed link (depth ≥ 1) must match an allow pattern, when any is given,
 * and no deny pattern. Start requests are always fetched: they are where the user asked the crawl to begin.
 */
export function allowedLinks(follows: (url: string) => boolean): RequestFilter {
  return (request) =>
    request.depth === 0 || follows(request.url)
      ? request
      : { code: 'AR_LINK_FILTERED', reason: `not allowed by allow/deny: ${request.url}` };
}

/** Drops links deeper than `maxDepth` (start requests are depth 0). */
export function depth(maxDepth: number): RequestFilter {
  return (request) =>
    request.depth > maxDepth
      ? { code: 'AR_DEPTH', reason: `deeper than ${maxDepth}: ${request.url}` }
      : request;
}

/** URL shapes that mark crawl traps: too long, too many segments, a segment repeating. */
export function trapShapes(budgets: TrapBudgets): RequestFilter {
  const reasonFor = memoByUrl((url) => trapReason(url, budgets));
  return (request) => {
    const trap = reasonFor(request.url);
    return trap
      ? { code: 'AR_TRAP', reason: `${trap.reason}: ${request.url}`, trap: trap.trap }
      : request;
  };
}

/** At most `max` requests accepted per host in this run; past the budget, a host gets no more. */
export function pagesPerHost(max: number): RequestFilter {
  const perHost = new Map<string, number>();
  return (request) => {
    if (max === Number.POSITIVE_INFINITY) return request;
    const host = hostOf(request.url) ?? '';
    const count = (perHost.get(host) ?? 0) + 1;
    if (count > max)
      return {
        code: 'AR_TRAP',
        reason: `more than ${max} pages on ${host}: ${request.url}`,
        trap: 'pages-per-host',
      };
    perHost.set(host, count);
    return request;
  };
}

/**
 * Not a filter but a witness (added at log level debug): logs the first `perHost` URLs of each host whose dedup key
 * differs from the URL, so a user can see what `keepQueryOrder`/`dropParams` fold together.
 */
export function logDedupKeys(
  key: DedupKey,
  log: (line: string) => void,
  perHost = 10,
): RequestFilter {
  const logged = new Map<string, number>();
  return (request) => {
    const dedupKey = key(request.url);
    if (dedupKey === request.url) return request;
    const host = hostOf(request.url) ?? '';
    const count = logged.get(host) ?? 0;
    if (count < perHost) {
      logged.set(host, count + 1);
      log(
        `dedup key ${dedupKey} for ${request.url}${count + 1 === perHost ? ` (no more for ${host})` : ''}`,
      );
    }
    return request;
  };
}

export interface FilterLimits {
  admit: Admit;
  inScope: InScope;
  maxDepth: number;
  /** The crawl's allow/deny patterns as one test; absent when neither is given. */
  follows?: ((url: string) => boolean) | undefined;
  traps: TrapBudgets;
  /** Drops URLs of templates found endless, before they count against a host's page budget. */
  urlSpaces?: UrlSpaceGuard | undefined;
}

/** The built-in filters, in order. */
export function defaultFilters({
  admit,
  inScope,
  maxDepth,
  follows,
  traps,
  urlSpaces,
}: FilterLimits): RequestFilter[] {
  return [
    // Both pure functions of the URL, met again on page after page (navigation, footers).
    crawlableUrl(memoByUrl(admit)),
    offsite(memoByUrl(inScope)),
    ...(follows ? [allowedLinks(follows)] : []),
    depth(maxDepth),
    trapShapes(traps),
    ...(urlSpaces ? [urlSpaces.filter()] : []),
    pagesPerHost(traps.maxPagesPerHost),
  ];
}
