/** Audits a crawl from the shop server's own request log: every allowed page once, nothing disallowed. */
import type { Shop } from './generate.js';
import type { RequestLogEntry } from './request-log.js';

export interface CrawlAudit {
  /** Allowed pages never served (a request turned away by the guarded shop does not count). */
  missing: string[];
  /** Allowed pages served more than once, with their count. */
  duplicates: Array<{ path: string; count: number }>;
  /** Requests under /private/ (disallowed by robots.txt). */
  disallowed: string[];
  /**
   * Requests for anything else: unknown paths, the stylesheet, API paths this mode does not serve…
   * (robots.txt and sitemap.xml excepted).
   */
  unexpected: string[];
  /** True when all four lists are empty. API calls and blocked requests do not affect it. */
  ok: boolean;
  /**
   * Rendered and mixed shops (or any log with API calls): the pages' own JSON requests, counted apart from
   * the pages. `expected` is one per rendered page; a browser crawl makes exactly that many.
   */
  api?: { requests: number; distinct: number; expected: number };
  /** Guarded shop (or any log with blocked requests): requests answered 429 or with the challenge page. */
  blocked?: { rateLimit: number; challenge: number };
}

type LogLine = Pick<RequestLogEntry, 'path'> & Partial<Pick<RequestLogEntry, 'blocked'>>;

/**
 * Compares the paths of a request log (GET and HEAD alike) with `shop.allowedPaths()`; API requests
 * (`shop.apiPaths()`) and blocked requests are reported on their own.
 */
export function auditCrawlLog(shop: Shop, log: ReadonlyArray<LogLine>): CrawlAudit {
  const apiPaths = new Set(shop.apiPaths());
  // The realistic shop links one page under several spellings: a crawl must fetch each page once, in any of them.
  const canonical = shop.realistic
    ? log.map((line) => ({ ...line, path: shop.canonicalPath(line.path) }))
    : log;
  const counts = new Map<string, number>();
  const apiCounts = new Map<string, number>();
  const blocked = { rateLimit: 0, challenge: 0 };
  for (const { path, blocked: reason } of canonical) {
    if (reason === 'rate-limit') blocked.rateLimit++;
    else if (reason === 'challenge') blocked.challenge++;
    else if (apiPaths.has(path)) apiCounts.set(path, (apiCounts.get(path) ?? 0) + 1);
    else counts.set(path, (counts.get(path) ?? 0) + 1);
  }
  const allowed = new Set(shop.allowedPaths());
  const missing: string[] = [];
  const duplicates: Array<{ path: string; count: number }> = [];
  for (const path of allowed) {
    const count = counts.get(path) ?? 0;
    if (count === 0) missing.push(path);
    else if (count > 1) duplicates.push({ path, count });
  }
  const disallowed: string[] = [];
  const unexpected: string[] = [];
  for (const { path, blocked: reason } of canonical) {
    if (path.startsWith('/private/')) disallowed.push(path);
    else if (
      reason === undefined &&
      !allowed.has(path) &&
      !apiPaths.has(path) &&
      path !== '/robots.txt' &&
      path !== '/sitemap.xml'
    ) {
      unexpected.push(path);
    }
  }
  const ok =
    missing.length === 0 &&
    duplicates.length === 0 &&
    disallowed.length === 0 &&
    unexpected.length === 0;
  const apiRequests = [...apiCounts.values()].reduce((sum, count) => sum + count, 0);
  return {
    missing,
    duplicates,
    disallowed,
    unexpected,
    ok,
    ...(apiPaths.size > 0 || apiRequests > 0
      ? { api: { requests: apiRequests, distinct: apiCounts.size, expected: apiPaths.size } }
      : {}),
    ...(shop.mode === 'guarded' || blocked.rateLimit + blocked.challenge > 0 ? { blocked } : {}),
  };
}
