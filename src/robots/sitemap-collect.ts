/** Walks sitemaps and sitemap indexes breadth-first, with budgets on files, URLs and depth, never revisiting one. */
import { type ParsedSitemap, parseSitemap } from './sitemap.js';

export interface CollectSitemapOptions {
  /** Sitemap (or sitemap index) URLs to start from. */
  start: readonly string[];
  /** Downloads one sitemap; undefined (or a rejection) skips it. Gzip is detected from the bytes. */
  fetch: (url: string) => Promise<Uint8Array | string | undefined>;
  /** Sitemap files fetched at most. @default 1000 */
  maxSitemaps?: number;
  /** Page URLs returned at most. @default 1_000_000 */
  maxUrls?: number;
  /** Index nesting followed: 1 means start files and their children. @default 3 */
  maxDepth?: number;
  /** Sitemaps downloaded at the same time. @default 4 */
  concurrency?: number;
  /** Called for each sitemap that could not be fetched or parsed. */
  onError?: (url: string, error: unknown) => void;
}

/** Returns the unique page URLs found, in discovery order (deterministic for a given site). */
export async function collectSitemapUrls(options: CollectSitemapOptions): Promise<string[]> {
  const maxSitemaps = options.maxSitemaps ?? 1000;
  const maxUrls = options.maxUrls ?? 1_000_000;
  const maxDepth = options.maxDepth ?? 3;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const seen = new Set<string>();
  const urls = new Set<string>();
  let fetched = 0;
  let level = unique(options.start, seen);

  for (let depth = 0; depth <= maxDepth && level.length > 0 && urls.size < maxUrls; depth++) {
    const next: string[] = [];
    for (let i = 0; i < level.length && fetched < maxSitemaps && urls.size < maxUrls; ) {
      const batch = level.slice(i, i + Math.min(concurrency, maxSitemaps - fetched));
      i += batch.length;
      fetched += batch.length;
      // Batches keep memory bounded and the merge order stable, whatever order downloads finish in.
      const parsed = await Promise.all(batch.map((url) => load(url, options)));
      for (const sitemap of parsed) {
        for (const url of sitemap.urls) {
          if (urls.size >= maxUrls) break;
          urls.add(url);
        }
        next.push(...unique(sitemap.sitemaps, seen));
      }
    }
    level = next;
  }
  return [...urls];
}

async function load(url: string, options: CollectSitemapOptions): Promise<ParsedSitemap> {
  try {
    const body = await options.fetch(url);
    return body === undefined ? { urls: [], sitemaps: [] } : parseSitemap(body);
  } catch (error) {
    options.onError?.(url, error);
    return { urls: [], sitemaps: [] };
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
