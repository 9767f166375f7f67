/** `--sitemaps`: seeds the crawl with the page URLs of the sitemaps robots.txt lists (or /sitemap.xml). */
import type { Response } from '../http/response.js';
import { collectSitemapUrls, type RobotsCache, sitemapUrlsFor } from '../robots/index.js';
import { originOf } from '../url/canonical-url.js';
import { createRequest, type Request } from './request.js';

export async function seedFromSitemaps(
  start: readonly Request[],
  robotsCache: RobotsCache,
  download: (request: Request) => Promise<Response>,
): Promise<Request[]> {
  const origins = new Set(
    start.map((request) => originOf(request.url)).filter((o) => o !== undefined),
  );
  const sitemaps: string[] = [];
  for (const origin of origins) {
    sitemaps.push(...sitemapUrlsFor(origin, await robotsCache.get(origin)));
  }
  const urls = await collectSitemapUrls({
    start: sitemaps,
    fetch: async (url) => {
      try {
        const response = await download(createRequest(url, { fetch: 'http' })); // XML: no page to render
        return response.ok ? response.body : undefined;
      } catch {
        return undefined; // a missing, offsite or broken sitemap only means fewer seeds
      }
    },
  });
  return urls.map((url) => createRequest(url));
}
