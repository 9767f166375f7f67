/** Walks sitemaps and sitemap indexes breadth-first, with budgets on files, URLs and depth, never revisiting one. */
import { type ParsedSitemap, parseSitemap } from './sitemap.js';

export interface CollectSitemapOptions {
  /** Sitemap (or sitemap index) URLs to start from. */
  start: readonly string[];
  /** Downloads one sitemap; undefined (or a rejection) skips it. Gzip is detected from the bytes. */
  fetch: (url: string) => Promise<Uint8Array | string | undefined>;
  /**
   * Decides whether a page URL is kept: undefined keeps it, a string is the reason it is skipped (`offsite`,
   * `disallowed`…), counted in the sitemap's report. Skipped URLs do not use up `maxUrls`.
   */
  skip?: (url: string) => string | undefined | Promise<string | undefined>;
  /** Sitemap files fetched at most. @default 1000 */
  maxSitemaps?: number;
  /** Page URLs returned at most. @default 1_000_000 */
  maxUrls?: number;
  /** Page URLs kept from one file (the protocol's 50,000). @default 50_000 */
  maxUrlsPerSitemap?: number;
  /** Index nesting followed: 1 means start files and their children. @default 3 */
  maxDepth?: number;
  /** Sitemaps downloaded at the same time. @default 4 */
  concurrency?: number;
  /** Called for each sitemap that could not be fetched or parsed. */
  onError?: (url: string, error: unknown) => void;
  /** Called once for each sitemap read, in discovery order, with what was kept and what was skipped. */
  onSitemap?: (report: SitemapReport) => void;
  /** Called when a walk-wide budget leaves sitemaps unread (too many files, nested too deep). */
  onWarning?: (message: string) => void;
}

/** What one sitemap yielded. */
export interface SitemapReport {
  url: string;
  /** Page URLs kept (new to this walk and not skipped). */
  kept: number;
  /** Child sitemaps it lists (a sitemap index). */
  sitemaps: number;
  /**
   * Page URLs left out, by reason: `malformed` (not an absolute http(s) URL, or an unexpandable entity), `overCap`
   * (past a URL cap), and the reasons `skip` gave. Reasons with no URL are absent.
   */
  skipped: Record<string, number>;
  /** Says which cap cut this sitemap and how much was left unread, when one did. */
  cut?: string;
}

/** Returns the unique page URLs found, in discovery order (deterministic for a given site). */
export async function collectSitemapUrls(options: CollectSitemapOptions): Promise<string[]> {
  const maxSitemaps = options.maxSitemaps ?? 1000;
  const maxUrls = options.maxUrls ?? 1_000_000;
  const maxUrlsPerSitemap = options.maxUrlsPerSitemap ?? 50_000;
  const maxDepth = options.maxDepth ?? 3;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const seen = new Set<string>();
  const urls = new Set<string>();
  let fetched = 0;
  let level = unique(options.start, seen);
  let depth = 0;

  for (; depth <= maxDepth && level.length > 0 && urls.size < maxUrls; depth++) {
    const next: string[] = [];
    let i = 0;
    while (i < level.length && fetched < maxSitemaps && urls.size < maxUrls) {
      const batch = level.slice(i, i + Math.min(concurrency, maxSitemaps - fetched));
      i += batch.length;
      fetched += batch.length;
      // Batches keep memory bounded and the merge order stable, whatever order downloads finish in.
      const parsed = await Promise.all(batch.map((url) => load(url, maxUrlsPerSitemap, options)));
      for (const [index, sitemap] of parsed.entries()) {
        const report = await merge(batch[index] as string, sitemap, urls, maxUrls, options);
        if (sitemap.overCap > 0) {
          report.cut ??= `${formatCount(maxUrlsPerSitemap)} URL cap per sitemap reached, ${formatCount(sitemap.overCap)} URLs not read`;
        }
        next.push(...unique(sitemap.sitemaps, seen));
        if (sitemap !== NOT_READ) options.onSitemap?.(report);
      }
    }
    const unread = level.length - i;
    if (unread > 0) {
      options.onWarning?.(
        urls.size >= maxUrls
          ? `sitemaps: ${formatCount(maxUrls)} URL cap reached, ${formatCount(unread + next.length)} sitemaps not read`
          : `sitemaps: ${formatCount(maxSitemaps)} sitemap file cap reached, ${formatCount(unread + next.length)} sitemaps not read`,
      );
      return [...urls];
    }
    level = next;
  }
  if (level.length > 0) {
    const why =
      urls.size >= maxUrls
        ? `${formatCount(maxUrls)} URL cap reached`
        : `index nesting deeper than ${maxDepth}`;
    options.onWarning?.(`sitemaps: ${why}, ${formatCount(level.length)} sitemaps not read`);
  }
  return [...urls];
}

/** Adds a sitemap's page URLs to `urls` (within `maxUrls`), counting what was skipped and why. */
async function merge(
  url: string,
  sitemap: ParsedSitemap,
  urls: Set<string>,
  maxUrls: number,
  options: CollectSitemapOptions,
): Promise<SitemapReport> {
  const skipped: Record<string, number> = {};
  const count = (reason: string, n = 1) => {
    if (n > 0) skipped[reason] = (skipped[reason] ?? 0) + n;
  };
  count('malformed', sitemap.malformed);
  let kept = 0;
  let overWalkCap = 0;
  for (const page of sitemap.urls) {
    if (urls.has(page)) continue;
    if (urls.size >= maxUrls) {
      overWalkCap++;
      continue;
    }
    const reason = await options.skip?.(page);
    if (reason !== undefined) {
      count(reason);
      continue;
    }
    urls.add(page);
    kept++;
  }
  count('overCap', sitemap.overCap + overWalkCap);
  const report: SitemapReport = { url, kept, sitemaps: sitemap.sitemaps.length, skipped };
  if (overWalkCap > 0) {
    report.cut = `${formatCount(maxUrls)} URL cap for all sitemaps reached, ${formatCount(overWalkCap)} URLs not read`;
  }
  return report;
}

const NOT_READ: ParsedSitemap = Object.freeze({
  urls: [],
  sitemaps: [],
  malformed: 0,
  overCap: 0,
}) as ParsedSitemap;

async function load(
  url: string,
  maxUrls: number,
  options: CollectSitemapOptions,
): Promise<ParsedSitemap> {
  try {
    const body = await options.fetch(url);
    return body === undefined ? NOT_READ : parseSitemap(body, { maxUrls });
  } catch (error) {
    options.onError?.(url, error);
    return NOT_READ;
  }
}

/** The entries not seen before, marking them seen. */
function unique(candidates: readonly string[], seen: Set<string>): string[] {
  const fresh: string[] = [];
  for (const url of candidates) {
    if (seen.has(url)) continue;
    seen.add(url);
    fresh.push(url);
  }
  return fresh;
}

/** 50000 → "50,000": caps and counts read at a glance in log lines. */
function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
