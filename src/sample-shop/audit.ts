/** Audits a crawl from the shop server's own request log: every allowed page once, nothing disallowed. */
import type { Shop } from './generate.js';

export interface CrawlAudit {
  /** Allowed pages never requested. */
  missing: string[];
  /** Allowed pages requested more than once, with their count. */
  duplicates: Array<{ path: string; count: number }>;
  /** Requests under /private/ (disallowed by robots.txt). */
  disallowed: string[];
  /** Requests for anything else: unknown paths, the stylesheet… (robots.txt and sitemap.xml excepted). */
  unexpected: string[];
  /** True when all four lists are empty. */
  ok: boolean;
}

/** Compares the paths of a request log (GET and HEAD alike) with `shop.allowedPaths()`. */
export function auditCrawlLog(shop: Shop, log: ReadonlyArray<{ path: string }>): CrawlAudit {
  const counts = new Map<string, number>();
  for (const { path } of log) counts.set(path, (counts.get(path) ?? 0) + 1);
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
  for (const { path } of log) {
    if (path.startsWith('/private/')) disallowed.push(path);
    else if (!allowed.has(path) && path !== '/robots.txt' && path !== '/sitemap.xml') {
      unexpected.push(path);
    }
  }
  const ok =
    missing.length === 0 &&
    duplicates.length === 0 &&
    disallowed.length === 0 &&
    unexpected.length === 0;
  return { missing, duplicates, disallowed, unexpected, ok };
}
