/**
 * The download chain of a crawl, in order: sessions and proxies (when asked for: a session and proxy per attempt,
 * block signals turned into AR_BLOCKED), redirect (every hop goes through all that follows), scope, robots.txt,
 * user agent, cookies (one jar per crawl, or per session; inside redirect, so a cookie set by a 302 goes with the
 * next hop), the spider's own middlewares, and the HTTP cache nearest the transport (as in Scrapy), so every middleware behaves
 * the same on a stored response as on a live one.
 */
import type { CacheStore } from '../cache/store.js';
import { compose, type Middleware, type Next } from '../http/compose.js';
import { cookies } from '../http/middlewares/cookies.js';
import { redirect } from '../http/middlewares/redirect.js';
import { userAgent } from '../http/middlewares/user-agent.js';
import { RobotsCache } from '../robots/robots-cache.js';
import { createDedupKey } from '../url/dedup-key.js';
import type { InScope } from './crawl-scope.js';
import type { CrawlEmitter } from './events.js';
import { dedupRulesOf } from './frontier.js';
import { type RobotsHooks, reportRobotsLoad, robots } from './middlewares/robots.js';
import { scope } from './middlewares/scope.js';
import type { ResolvedOptions } from './options.js';
import { createRequest, type Request } from './request.js';
import type { Scheduler } from './scheduler.js';
import { type CrawlSessions, sessionCookies } from './sessions/index.js';
import type { Spider } from './spider.js';
import type { StatsCollector } from './stats.js';

export interface DownloadChain {
  download: Next<Request>;
  robotsCache: RobotsCache | undefined;
  /** Closes the HTTP cache if the chain opened it. */
  close(): Promise<void>;
}

interface ChainParts {
  spider: Spider;
  options: ResolvedOptions;
  inScope: InScope;
  send: Next<Request>;
  scheduler: Scheduler;
  events: CrawlEmitter;
  stats: StatsCollector;
  /** Sessions and proxy rotation, when the options ask for them. */
  sessions?: CrawlSessions | undefined;
}

export async function buildDownloadChain(parts: ChainParts): Promise<DownloadChain> {
  const { spider, options, inScope, scheduler, events, sessions } = parts;
  const rotation = sessions?.rotation;
  // robots.txt leaves through the rotation too: a proxied crawl never shows the site its own address.
  const send: Next<Request> = rotation?.active
    ? (request) => {
        const proxy = request.proxy ?? rotation.proxyFor(request.url);
        return parts.send(proxy === undefined ? request : { ...request, proxy });
      }
    : parts.send;
  const { store, owned } = await openHttpCache(options.cache);
  const cache = store ? [await httpCache(store, options, parts)] : [];
  // robots.txt goes through the cache too (at most a day old), so an offline re-run still knows the rules.
  const robotsSend = store
    ? compose([await robotsTxtCache(store, options.cachePolicy)], send)
    : send;
  const robotsHooks: RobotsHooks = {
    userAgent: options.userAgent,
    onCrawlDelay: (host, ms) => {
      // Crawl-delay: 86400 would hold the host a day per request, silently: obeyed up to the cap, and said.
      if (ms > options.maxCrawlDelayMs) {
        events.emit('crawl:warning', {
          message: `robots.txt of ${host} asks a Crawl-delay of ${ms / 1000} s; using the cap of ${options.maxCrawlDelayMs / 1000} s (maxCrawlDelayMs)`,
        });
      }
      scheduler.setHostDelay(host, Math.min(ms, options.maxCrawlDelayMs));
    },
    onWarning: (message) => events.emit('crawl:warning', { message }),
    onFetchFailed: (origin, failure) => events.emit('robots:fetch-failed', { origin, failure }),
    awaitTurn: (url) => scheduler.turn(url),
  };
  const robotsCache = options.robots
    ? new RobotsCache({
        userAgent: options.userAgent,
        fetch: robotsFetcher(robotsSend, options.userAgent),
        onLoad: reportRobotsLoad(robotsHooks),
      })
    : undefined;
  const jar = options.cookies ? [cookies<Request>()] : [];
  const sessionJars =
    options.cookies && sessions?.pool
      ? [sessionCookies(sessions.pool, jar[0] as Middleware<Request>)]
      : jar;
  const middlewares: Middleware<Request>[] = [
    // Outside redirect: one session and proxy for every hop, and the final response is the one judged.
    ...(sessions ? [sessions.middleware] : []),
    redirect<Request>(),
    scope(inScope),
    ...(robotsCache ? [robots(robotsCache, robotsHooks)] : []),
    userAgent(options.userAgent) as Middleware<Request>,
    ...sessionJars,
    ...((spider.middlewares ?? []) as unknown as Middleware<Request>[]),
    ...cache,
  ];
  return {
    download: compose(middlewares, send),
    robotsCache,
    close: async () => {
      if (owned) await store?.close().catch(() => {});
    },
  };
}

async function openHttpCache(
  cache: string | CacheStore | undefined,
): Promise<{ store: CacheStore | undefined; owned: boolean }> {
  if (typeof cache !== 'string') return { store: cache, owned: false };
  // Loaded only when a cache is asked for: its backends pull in SQLite, Redis or Memcached clients.
  const { openCache } = await import('../cache/open-cache.js');
  return { store: await openCache(cache), owned: true };
}

async function httpCache(
  store: CacheStore,
  options: ResolvedOptions,
  { stats, events }: ChainParts,
): Promise<Middleware<Request>> {
  const { cacheMiddleware } = await import('../cache/cache-middleware.js');
  let warned = false;
  return cacheMiddleware<Request>(store, {
    policy: options.cachePolicy,
    // As the download handler registry resolves it: the request's, else the spider's, else the crawl's render.
    // The engine gives every page its rung (a request without one goes over plain HTTP); 'adaptive' here is a
    // file fetched on the way (a sitemap), as in the registry.
    fetcherOf: (request) =>
      request.fetch === undefined || request.fetch === 'adaptive' ? 'http' : request.fetch,
    // Two spellings the frontier folds into one page are one cache entry too.
    urlKey: createDedupKey(dedupRulesOf(options)),
    onEvent: (event, detail) => {
      if (event === 'hit') stats.counts.cacheHits++;
      else if (event === 'miss') stats.counts.cacheMisses++;
      else if (event === 'revalidated') stats.counts.cacheRevalidations++;
      else if (event === 'error' && !warned) {
        warned = true;
        const cause = detail.error instanceof Error ? detail.error.message : 'unknown error';
        events.emit('crawl:warning', {
          message: `HTTP cache failing (${cause}); using the network`,
        });
      }
    },
  });
}

async function robotsTxtCache(
  store: CacheStore,
  policy: ResolvedOptions['cachePolicy'],
): Promise<Middleware<Request>> {
  const { cacheMiddleware } = await import('../cache/cache-middleware.js');
  // Recording and offline replay take robots.txt with the pages: an offline run reads the rules recorded with them.
  if (policy === 'record' || policy === 'offline')
    return cacheMiddleware<Request>(store, { policy });
  return cacheMiddleware<Request>(store, { policy: 'always', maxAgeMs: 86_400_000 });
}

function robotsFetcher(send: Next<Request>, ua: string) {
  return async (url: string) => {
    const response = await send(
      createRequest(url, { headers: { 'user-agent': ua }, fetch: 'http' }),
    );
    return { status: response.status, headers: response.headers, body: response.text };
  };
}
