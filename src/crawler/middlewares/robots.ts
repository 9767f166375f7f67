/** Obeys robots.txt for every hop; reports a host's Crawl-delay to the scheduler the first time it is known. */
import { IgnoreRequest } from '../../errors.js';
import type { Middleware } from '../../http/compose.js';
import type { RobotsCache } from '../../robots/index.js';
import { hostOf, originOf } from '../canonical-url.js';
import type { Request } from '../request.js';

export function robots(
  cache: RobotsCache,
  onCrawlDelay: (host: string, delayMs: number) => void,
): Middleware<Request> {
  const reported = new Set<string>();
  return async (request, next) => {
    const origin = originOf(request.url) ?? '';
    let policy = cache.peek(origin);
    if (!policy) {
      policy = await cache.get(origin);
      if (!reported.has(origin)) {
        reported.add(origin);
        const delayMs = cache.crawlDelayMs(origin);
        if (delayMs !== undefined) onCrawlDelay(hostOf(request.url) ?? '', delayMs);
      }
    }
    if (!cache.isAllowedSync(request.url)) {
      throw new IgnoreRequest(`robots.txt disallows ${request.url}`, 'AR_ROBOTS_DENIED');
    }
    return next(request);
  };
}
