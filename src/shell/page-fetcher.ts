/**
 * How `arachne shell` gets a page: each fetch is a crawl of one page (createCrawler, as `arachne parse` does), so
 * it meets the same download chain as a crawl: scope, robots.txt, user agent, cookies, sessions and proxies, the
 * spider's middlewares, the HTTP cache, the rung (http, script, browser) its handler asks for. One cookie jar spans
 * the whole shell session, so a login with one fetch() holds for the next.
 */
import { createCrawler, type RunOptions } from '../crawler/crawler.js';
import type { CrawlOptions } from '../crawler/options.js';
import { resolveOptions } from '../crawler/options.js';
import type { Page } from '../crawler/page.js';
import { createRequest, type JsonObject, type RequestInit } from '../crawler/request.js';
import type { Spider } from '../crawler/spider.js';
import { noPageFetched } from '../crawler/summary.js';
import { CrawlError, IgnoreRequest } from '../errors.js';
import type { Middleware } from '../http/compose.js';
import { CookieJar, cookies } from '../http/middlewares/cookies.js';
import { defaultUserAgent } from '../version.js';

/** What `fetch(url, init)` in the shell accepts: a request's own settings, and the handler whose settings apply. */
export type FetchInit = Pick<RequestInit, 'method' | 'headers' | 'body' | 'fetch' | 'browser'> & {
  /** The spider handler the page is for: its handlerOptions (rung, waitFor) apply. @default 'parse' */
  handler?: string;
  data?: JsonObject;
};

export interface PageFetcher {
  /** The page at `url`, or the error that kept it from being fetched (network, robots.txt, scope…). */
  fetch(url: string, init?: FetchInit): Promise<Page>;
}

/** Options of a one-page crawl that would reach beyond it: outputs, state files, shared frontiers. */
const crawlOnlyKeys = [
  'output',
  'overwriteOutput',
  'upsertKey',
  'state',
  'retryFailed',
  'frontier',
  'crawlId',
  'hostTurns',
  'leaseMs',
] as const satisfies readonly (keyof CrawlOptions)[];

/**
 * @param spider the spider whose chain (middlewares, scope, options, handler rungs) pages go through; without one,
 *   a bare spider: the crawl options alone.
 */
export function createPageFetcher(spider: Spider | undefined, options: RunOptions): PageFetcher {
  const spiderOptions = withoutCrawlOnly(spider?.options ?? {});
  const runOptions: RunOptions = {
    ...withoutCrawlOnly(options),
    // The page is the point: the crawl's "opened"/"closed" lines would only bury it, and a failed fetch is
    // reported once, by the shell, rather than also as a "request failed" warning.
    logLevel: options.logLevel ?? spiderOptions.logLevel ?? 'error',
    // A sitemap would seed more pages than the one asked for.
    sitemaps: false,
  };
  const keepsCookies = resolveOptions(defaultUserAgent, spiderOptions, runOptions).cookies;
  // Inside the crawl's own jar (spider middlewares come after it): what one crawl learnt, the next sends.
  const sessionJar: Middleware[] = keepsCookies ? [cookies(new CookieJar())] : [];

  return {
    async fetch(url, init = {}) {
      const { handler = 'parse', ...requestInit } = init;
      const start = createRequest(url, { ...requestInit, handler });
      let page: Page | undefined;
      let failure: Error | undefined;
      const probe: Spider = {
        name: spider?.name ?? 'shell',
        start: () => [start],
        options: spiderOptions,
        handlers: {
          [handler]: (fetched) => {
            page = fetched;
          },
        },
        // A 404 or a 503 is a page to look at too, as in `scrapy shell`.
        handleStatuses: 'all',
        middlewares: [...sessionJar, ...(spider?.middlewares ?? [])],
        ...(spider?.allowedDomains && {
          // The shell goes where it is told, as parse does: the URL typed is in scope.
          allowedDomains: [...spider.allowedDomains, new URL(url).hostname],
        }),
        ...(spider?.fetch && { fetch: spider.fetch }),
        ...(spider?.waitFor !== undefined && { waitFor: spider.waitFor }),
        ...(spider?.isBlocked && { isBlocked: spider.isBlocked }),
        ...(spider?.handlerOptions?.[handler] && {
          handlerOptions: { [handler]: spider.handlerOptions[handler] },
        }),
        ...(spider?.adaptive && { adaptive: spider.adaptive }),
      };
      const crawler = createCrawler(probe, runOptions);
      crawler.on('request:failed', ({ error }) => {
        failure ??= error;
      });
      crawler.on('request:ignored', ({ reason, code }) => {
        failure ??= new IgnoreRequest(reason, ignoredCode(code));
      });
      const stats = await crawler.run();
      if (page) return page;
      throw (
        failure ??
        new CrawlError('AR_IGNORED', noPageFetched(stats)?.reason ?? `no page was fetched: ${url}`)
      );
    },
  };
}

function withoutCrawlOnly<T extends CrawlOptions>(options: T): T {
  const kept = { ...options };
  for (const key of crawlOnlyKeys) delete kept[key];
  return kept;
}

function ignoredCode(code: string): 'AR_IGNORED' | 'AR_ROBOTS_DENIED' | 'AR_OFFSITE' {
  return code === 'AR_ROBOTS_DENIED' || code === 'AR_OFFSITE' ? code : 'AR_IGNORED';
}
