/** `--sitemaps`: seeds the crawl with the page URLs of the sitemaps robots.txt lists (or /sitemap.xml). */
import type { Response } from '../http/response.js';
import { collectSitemapUrls, type RobotsCache, sitemapUrlsFor } from '../robots/index.js';
import { originOf } from '../url/canonical-url.js';
import type { InScope } from './crawl-scope.js';
import type { CrawlEmitter } from './events.js';
import { createRequest, type Request } from './request.js';

export interface SitemapSeedParts {
  start: readonly Request[];
  robotsCache: RobotsCache;
  download: (request: Request) => Promise<Response>;
  /** The crawl's scope: sitemap URLs outside it are skipped as `offsite`. */
  inScope: InScope;
  /** Receives `sitemap:read` per sitemap and `crawl:warning` for caps and unreadable sitemaps. */
  events: CrawlEmitter;
}

export async function seedFromSitemaps(parts: SitemapSeedParts): Promise<Request[]> {
  const { start, robotsCache, download, events } = parts;
  const origins = new Set(
    start.map((request) => originOf(request.url)).filter((o) => o !== undefined),
  );
  const sitemaps: string[] = [];
  for (const origin of origins) {
    sitemaps.push(...sitemapUrlsFor(origin, await robotsCache.get(origin)));
  }
  const warn = (message: string) => events.emit('crawl:warning', { message });
  const urls = await collectSitemapUrls({
    start: sitemaps,
    fetch: async (url) => {
      // XML: no page to render. A missing sitemap (the /sitemap.xml guess) only means fewer seeds.
      const response = await download(createRequest(url, { fetch: 'http' }));
      return response.ok ? response.body : undefined;
    },
    // Filtered here rather than left to the crawl's filters, so that each sitemap's summary can say what it lost.
    skip: async (url) => {
      if (!parts.inScope(url)) return 'offsite';
      return (await robotsCache.isAllowed(url)) ? undefined : 'disallowed';
    },
    onError: (url, error) => {
      const code = (error as { code?: unknown }).code;
      const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
      warn(`sitemap ${url} not read: ${typeof code === 'string' ? `[${code}] ` : ''}${why}`);
    },
    onSitemap: (report) => events.emit('sitemap:read', report),
    onWarning: warn,
  });
  return urls.map((url) => createRequest(url));
}
