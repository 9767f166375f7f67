// Engine unit tests over a fake fetcher: an in-memory site replaces the network through `downloadHandlers`, so every
// test is fast, deterministic and exact. Time passes only where a test moves the fake clock (retry backoff).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../src/crawler/engine.js';
import { CrawlEmitter } from '../../src/crawler/events.js';
import { ItemProcessor } from '../../src/crawler/item-processor.js';
import { CrawlRetryPolicy } from '../../src/crawler/retry.js';
import { Scheduler } from '../../src/crawler/scheduler.js';
import {
  ConfigError,
  type CrawlEventName,
  type CrawlEvents,
  type Crawler,
  createCrawler,
  createRequest,
  type DownloadHandler,
  DropItem,
  defineSpider,
  type Frontier,
  HttpError,
  type Item,
  MemoryFrontier,
  NetworkError,
  type Output,
  type Page,
  type Request,
  Response,
  RetryRequest,
  type RunOptions,
  request,
  type Sink,
  type Spider,
  StopCrawl,
} from '../../src/index.js';

// ---------------------------------------------------------------------------------------------------------------
// The fake site

/** A page as written: a bare string is a 200 text/html body. */
type Reply = string | { status?: number; headers?: Record<string, string>; body?: string };
/** A fixed reply, or one computed per request (`visit` counts the fetches of that URL, from 1); may throw. */
type Route = Reply | ((request: Request, visit: number) => Reply | Promise<Reply>);

interface Fetched {
  url: string;
  attempt: number;
  /** Date.now() when the request arrived (the fake clock, where a test installs it). */
  at: number;
  /** Requests in flight at the fetcher, this one included, when it arrived: overall and to its host. */
  inFlight: number;
  hostInFlight: number;
}

interface FakeSite extends DownloadHandler {
  /** Every request the fetcher got, in order. */
  readonly log: Fetched[];
  urls(): string[];
  maxInFlight(): number;
  maxHostInFlight(host: string): number;
  /** Resolves once the fetcher has received `n` requests. */
  requested(n: number): Promise<void>;
}

/** One turn of the real event loop: lets every promise chain the engine started run to its next real wait. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * An in-memory site keyed by full URL; unknown URLs are 404. Every answer waits one event-loop turn, as the network
 * would, so the requests the engine starts together are all in flight together.
 */
function fakeSite(routes: Record<string, Route>): FakeSite {
  const log: Fetched[] = [];
  const visits = new Map<string, number>();
  const hosts = new Map<string, number>();
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let inFlight = 0;
  return {
    name: 'fake',
    log,
    urls: () => log.map((fetched) => fetched.url),
    maxInFlight: () => Math.max(0, ...log.map((fetched) => fetched.inFlight)),
    maxHostInFlight: (host) =>
      Math.max(
        0,
        ...log.filter((f) => new URL(f.url).host === host).map((fetched) => fetched.hostInFlight),
      ),
    requested: (n) =>
      log.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })),
    async fetch(req) {
      const host = new URL(req.url).host;
      const visit = (visits.get(req.url) ?? 0) + 1;
      visits.set(req.url, visit);
      inFlight++;
      hosts.set(host, (hosts.get(host) ?? 0) + 1);
      log.push({
        url: req.url,
        attempt: req.attempt,
        at: Date.now(),
        inFlight,
        hostInFlight: hosts.get(host) ?? 0,
      });
      for (const waiter of waiters.filter((w) => log.length >= w.n)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      try {
        await nextTurn();
        const route = routes[req.url];
        const reply: Reply =
          route === undefined
            ? { status: 404, body: 'not found' }
            : typeof route === 'function'
              ? await route(req, visit)
              : route;
        const {
          status = 200,
          headers = {},
          body = '',
        } = typeof reply === 'string' ? { body: reply } : reply;
        return new Response({
          url: req.url,
          status,
          headers: { 'content-type': 'text/html; charset=utf-8', ...headers },
          body: Buffer.from(body),
          request: req,
          timings: { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 0, totalMs: 0 },
        });
      } finally {
        inFlight--;
        hosts.set(host, (hosts.get(host) ?? 1) - 1);
      }
    },
  };
}

const S = 'http://site.test';
/** A page whose links are `hrefs`, written as given. */
const links = (...hrefs: string[]) => hrefs.map((href) => `<a href="${href}">x</a>`).join('');
/** Paths /p0 … /p(n-1). */
const paths = (n: number, prefix = '/p') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
/** Routes answering each of `pathsOnSite` with a page without links. */
const leaves = (pathsOnSite: string[], origin = S) =>
  Object.fromEntries(pathsOnSite.map((path) => [`${origin}${path}`, `leaf ${path}`]));

/** Yields `{ url }` for every page, then follows every `<a href>` exactly as written (bad URLs and schemes too). */
const linkSpider = (start: string | string[], extra: Partial<Spider> = {}): Spider => ({
  ...defineSpider({
    name: 'links',
    start,
    *parse(page) {
      yield { url: page.url };
      for (const href of page.select('a').attrs('href')) yield page.follow(href);
    },
  }),
  ...extra,
});

/** A crawler whose only network is `site`; robots.txt off unless a test turns it on. */
function crawlerFor(spider: Spider, site: FakeSite, options: RunOptions = {}): Crawler {
  return createCrawler(spider, {
    logLevel: 'silent',
    robots: false,
    downloadHandlers: { 'http:': site, 'https:': site },
    ...options,
  });
}

type Logged = { [E in CrawlEventName]: { name: E; payload: CrawlEvents[E] } }[CrawlEventName];
const eventNames: CrawlEventName[] = [
  'crawl:opened',
  'request:scheduled',
  'requests:deduplicated',
  'request:started',
  'request:settled',
  'response:received',
  'item:scraped',
  'item:dropped',
  'request:retried',
  'request:failed',
  'request:ignored',
  'crawl:warning',
  'crawl:closed',
];

/** Every event the crawler emits, in order. */
function recordEvents(crawler: Crawler): Logged[] {
  const log: Logged[] = [];
  for (const name of eventNames)
    crawler.on(name, (payload) => log.push({ name, payload } as Logged));
  return log;
}

function payloads<E extends CrawlEventName>(log: Logged[], name: E): CrawlEvents[E][] {
  return log.filter((event) => event.name === name).map((event) => event.payload as CrawlEvents[E]);
}

/** The ignored requests as [code, url] pairs, in order. */
const ignoredOf = (log: Logged[]) =>
  payloads(log, 'request:ignored').map((event) => [event.code, event.request.url]);

/** A sink that records what the crawl did to it. */
function recordingSink(): Sink & { items: Item[]; calls: string[] } {
  const items: Item[] = [];
  const calls: string[] = [];
  return {
    items,
    calls,
    open: async () => void calls.push('open'),
    write: async (batch) => {
      calls.push(`write(${batch.length})`);
      items.push(...batch);
    },
    flush: async () => void calls.push('flush'),
    close: async () => void calls.push('close'),
  };
}

/** The fake clock for tests where time must pass; setImmediate stays real (the fake network's turn). */
function useFakeClock(): void {
  vi.useFakeTimers({
    shouldAdvanceTime: false,
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
  });
  // Backoff is full jitter, random() × ceiling: pin it at half the ceiling (250 ms, then 500 ms).
  vi.spyOn(Math, 'random').mockReturnValue(0.5);
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

// ---------------------------------------------------------------------------------------------------------------

describe('request filters', () => {
  it('run in their declared order: crawlable URL, offsite, depth, trap shapes, pages per host', async () => {
    const site = fakeSite({
      [`${S}/`]: links(
        'http://[bad', // not a URL
        'nntp://elsewhere.test/t/t/t/t', // unsupported scheme (also offsite, also a trap shape)
        'http://elsewhere.test/t/t/t/t', // offsite (also a trap shape)
        '/deep/',
        '/t/t/t/t', // a repeated segment: a trap shape, so it uses none of the host's budget
        '/a',
        '/b',
        '/c', // the 5th request to site.test: over maxPagesPerHost
      ),
      [`${S}/deep/`]: links('/deep/x/x/x/x/'), // depth 2 (also a trap shape)
      [`${S}/a`]: 'a',
      [`${S}/b`]: 'b',
    });
    const crawler = crawlerFor(linkSpider(`${S}/`), site, {
      maxDepth: 1,
      traps: { maxPagesPerHost: 4 },
    });
    const events = recordEvents(crawler);
    const stats = await crawler.run();

    expect(site.urls()).toEqual([`${S}/`, `${S}/deep/`, `${S}/a`, `${S}/b`]);
    expect(payloads(events, 'request:ignored').map(({ code, reason }) => [code, reason])).toEqual([
      ['AR_BAD_URL', 'not a crawlable URL: http://[bad'],
      [
        'AR_UNSUPPORTED_SCHEME',
        'no download handler for "nntp:" (data:, file:, ftp:, ftps:, http:, https:, imap:, imaps:, pop3:, pop3s:, sftp:, ws:, wss: are registered) — nntp://elsewhere.test/t/t/t/t',
      ],
      ['AR_OFFSITE', 'offsite: http://elsewhere.test/t/t/t/t'],
      ['AR_TRAP', 'path segment "t" repeated more than 3 times: http://site.test/t/t/t/t'],
      ['AR_TRAP', 'more than 4 pages on site.test: http://site.test/c'],
      ['AR_DEPTH', 'deeper than 1: http://site.test/deep/x/x/x/x/'],
    ]);
    expect(stats).toMatchObject({
      closeReason: 'finished',
      requests: 4,
      failed: 0,
      errorsByCode: { AR_BAD_URL: 1, AR_UNSUPPORTED_SCHEME: 1 },
      offsite: 1,
      depthFiltered: 1,
      trapFiltered: 2,
      queued: 0,
      inFlight: 0,
    });
  });

  it('filter start requests too, and hand the fetcher the canonical URL', async () => {
    const site = fakeSite({ [`${S}/a?x=1`]: 'a' });
    const crawler = crawlerFor(linkSpider(['not a url', 'HTTP://SITE.test:80/a?x=1#top']), site);
    const events = recordEvents(crawler);
    const stats = await crawler.run();
    expect(site.urls()).toEqual([`${S}/a?x=1`]);
    expect(ignoredOf(events)).toEqual([['AR_BAD_URL', 'not a url']]);
    expect(stats.errorsByCode).toEqual({ AR_BAD_URL: 1 });
  });

  it('keep at most maxLinksPerPage children of a page, counted before the other filters', async () => {
    const site = fakeSite({
      [`${S}/`]: links('http://elsewhere.test/', '/p0', '/p1', '/p2', '/p3'),
    });
    const crawler = crawlerFor(linkSpider(`${S}/`), site, { traps: { maxLinksPerPage: 3 } });
    const events = recordEvents(crawler);
    const stats = await crawler.run();
    expect(site.urls()).toEqual([`${S}/`, `${S}/p0`, `${S}/p1`]);
    expect(payloads(events, 'request:ignored').map(({ code, reason }) => [code, reason])).toEqual([
      ['AR_TRAP', 'more than 3 links on http://site.test/: http://site.test/p2'],
      ['AR_TRAP', 'more than 3 links on http://site.test/: http://site.test/p3'],
      ['AR_OFFSITE', 'offsite: http://elsewhere.test/'],
    ]);
    expect(stats).toMatchObject({ trapFiltered: 2, offsite: 1, requests: 3 });
  });

  it('keep the maxLinksPerPage budget when the handler throws after yielding its links', async () => {
    const site = fakeSite({ [`${S}/`]: links(...paths(5)), ...leaves(paths(5)) });
    const spider = defineSpider({
      name: 'throws',
      start: `${S}/`,
      *parse(page) {
        if (page.url !== `${S}/`) return;
        for (const href of page.select('a').attrs('href')) yield page.follow(href);
        throw new Error('broken after the links');
      },
    });
    const crawler = crawlerFor(spider, site, { traps: { maxLinksPerPage: 2 } });
    const events = recordEvents(crawler);
    const stats = await crawler.run();
    expect(site.urls()).toEqual([`${S}/`, `${S}/p0`, `${S}/p1`]);
    expect(ignoredOf(events)).toEqual([
      ['AR_TRAP', `${S}/p2`],
      ['AR_TRAP', `${S}/p3`],
      ['AR_TRAP', `${S}/p4`],
    ]);
    expect(stats).toMatchObject({ failed: 1, errorsByCode: { AR_HANDLER: 1 }, trapFiltered: 3 });
  });
});

describe('filters and a retried handler', () => {
  it('filter the children of a discarded attempt not at all: no double counts, no budget spent', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0); // backoff 0 ms: no clock needed
    const site = fakeSite({ [`${S}/`]: links('http://elsewhere.test/', '/a'), ...leaves(['/a']) });
    let attempts = 0;
    const spider = defineSpider({
      name: 'retry-handler',
      start: `${S}/`,
      *parse(page) {
        yield { url: page.url };
        for (const href of page.select('a').attrs('href')) yield page.follow(href);
        if (page.url === `${S}/` && ++attempts === 1) throw new RetryRequest('not ready yet');
      },
    });
    const crawler = crawlerFor(spider, site, { traps: { maxPagesPerHost: 2 } });
    const events = recordEvents(crawler);
    const stats = await crawler.run();
    expect(attempts).toBe(2);
    expect(site.urls()).toEqual([`${S}/`, `${S}/`, `${S}/a`]);
    expect(ignoredOf(events)).toEqual([['AR_OFFSITE', 'http://elsewhere.test/']]);
    expect(stats).toMatchObject({ retries: 1, offsite: 1, trapFiltered: 0, failed: 0 });
    // The discarded attempt's item never reached the pipelines either: one item per page, counted once.
    expect(payloads(events, 'item:scraped').map((e) => e.item)).toEqual([
      { url: `${S}/` },
      { url: `${S}/a` },
    ]);
    expect(stats.items).toBe(2);
  });
});

describe('deduplication', () => {
  it('queues each canonical URL once and counts the duplicates', async () => {
    const site = fakeSite({
      [`${S}/`]: links('/a', '/a', 'HTTP://SITE.test/a#top', '/b', '/'),
      [`${S}/a`]: links('/', '/b'),
      [`${S}/b`]: 'b',
    });
    const crawler = crawlerFor(linkSpider(`${S}/`), site);
    const events = recordEvents(crawler);
    const stats = await crawler.run();
    expect(site.urls()).toEqual([`${S}/`, `${S}/a`, `${S}/b`]);
    expect(payloads(events, 'requests:deduplicated')).toEqual([{ count: 3 }, { count: 2 }]);
    expect(payloads(events, 'request:scheduled').map((e) => e.request.url)).toEqual([
      `${S}/`,
      `${S}/a`,
      `${S}/b`,
    ]);
    expect(stats).toMatchObject({ duplicatesFiltered: 5, requests: 3, items: 3 });
  });

  it('does not handle a page twice when a redirect lands on it; follows a redirect to a new page', async () => {
    const handled: Array<[string, string]> = [];
    const site = fakeSite({
      [`${S}/`]: links('/p0', '/old', '/moved', '/out'),
      [`${S}/p0`]: 'p0',
      [`${S}/old`]: { status: 301, headers: { location: '/p0' } },
      [`${S}/moved`]: { status: 302, headers: { location: '/fresh' } },
      [`${S}/fresh`]: 'fresh',
      [`${S}/out`]: { status: 302, headers: { location: 'http://elsewhere.test/' } },
    });
    const spider = defineSpider({
      name: 'redirects',
      start: `${S}/`,
      *parse(page) {
        handled.push([page.request.url, page.url]);
        yield { url: page.url };
        for (const href of page.select('a').attrs('href')) yield page.follow(href);
      },
    });
    const crawler = crawlerFor(spider, site, { concurrency: 1 });
    const events = recordEvents(crawler);
    const stats = await crawler.run();
    // The redirect middleware fetches /p0 again (it cannot know), but the handler does not see it twice.
    expect(site.urls()).toEqual([
      `${S}/`,
      `${S}/p0`,
      `${S}/old`,
      `${S}/p0`,
      `${S}/moved`,
      `${S}/fresh`,
      `${S}/out`,
    ]);
    expect(handled).toEqual([
      [`${S}/`, `${S}/`],
      [`${S}/p0`, `${S}/p0`],
      [`${S}/moved`, `${S}/fresh`],
    ]);
    const old = payloads(events, 'response:received').find((e) => e.request.url === `${S}/old`);
    expect([old?.response.url, old?.response.redirects]).toEqual([`${S}/p0`, [`${S}/old`]]);
    expect(ignoredOf(events)).toEqual([['AR_OFFSITE', `${S}/out`]]);
    expect(stats).toMatchObject({
      items: 3,
      requests: 5,
      duplicatesFiltered: 1,
      offsite: 1,
      failed: 0,
      queued: 0,
      inFlight: 0,
    });
  });
});

describe('the retry policy', () => {
  beforeEach(useFakeClock);

  it('retries a 503 once after its backoff; the handler runs once, on the 200', async () => {
    const site = fakeSite({
      [`${S}/`]: (_request, visit) => (visit === 1 ? { status: 503 } : 'ok'),
    });
    let calls = 0;
    const spider = defineSpider({
      name: 'retry',
      start: `${S}/`,
      parse(page) {
        calls++;
        return { status: page.status };
      },
    });
    const crawler = crawlerFor(spider, site);
    const events = recordEvents(crawler);
    const run = crawler.run();
    await site.requested(1);
    const t0 = site.log[0]?.at ?? 0;
    await vi.advanceTimersByTimeAsync(249);
    await nextTurn();
    expect(site.log).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const stats = await run;

    expect(site.log.map((f) => [f.url, f.attempt, f.at - t0])).toEqual([
      [`${S}/`, 0, 0],
      [`${S}/`, 1, 250],
    ]);
    expect(calls).toBe(1);
    const [retried] = payloads(events, 'request:retried');
    expect(retried?.delayMs).toBe(250);
    expect(retried?.error).toBeInstanceOf(HttpError);
    expect(retried?.error).toMatchObject({ status: 503 });
    expect(stats).toMatchObject({
      requests: 2,
      responses: 2,
      responsesByStatus: { '200': 1, '503': 1 },
      retries: 1,
      failed: 0,
      items: 1,
      queued: 0,
      inFlight: 0,
    });
  });

  it('waits out Retry-After before fetching again, holding the whole host but not the others', async () => {
    const site = fakeSite({
      [`${S}/slow`]: (_request, visit) =>
        visit === 1 ? { status: 503, headers: { 'retry-after': '7' } } : 'slow',
      [`${S}/a`]: 'a',
      'http://other.test/': 'other',
    });
    const crawler = crawlerFor(linkSpider([`${S}/slow`, `${S}/a`, 'http://other.test/']), site, {
      perHost: 1,
    });
    const events = recordEvents(crawler);
    const run = crawler.run();
    await site.requested(2);
    const t0 = site.log[0]?.at ?? 0;
    await vi.advanceTimersByTimeAsync(6999);
    await nextTurn();
    expect(site.urls()).toEqual([`${S}/slow`, 'http://other.test/']);
    await vi.advanceTimersByTimeAsync(1);
    const stats = await run;

    expect(site.log.map((f) => [f.url, f.at - t0])).toEqual([
      [`${S}/slow`, 0],
      ['http://other.test/', 0],
      [`${S}/a`, 7000],
      [`${S}/slow`, 7000],
    ]);
    expect(payloads(events, 'request:retried').map((e) => e.delayMs)).toEqual([7000]);
    expect(stats).toMatchObject({ retries: 1, failed: 0, items: 3, queued: 0, inFlight: 0 });
  });

  it('gives up when the retries are spent: request:failed with the HttpError, counted by code', async () => {
    const site = fakeSite({ [`${S}/`]: { status: 500 } });
    let calls = 0;
    const spider = defineSpider({
      name: 'fails',
      start: `${S}/`,
      parse() {
        calls++;
      },
    });
    const crawler = crawlerFor(spider, site, { retries: 2 });
    const events = recordEvents(crawler);
    const run = crawler.run();
    await site.requested(1);
    const t0 = site.log[0]?.at ?? 0;
    await vi.advanceTimersByTimeAsync(250);
    await site.requested(2);
    await nextTurn();
    await vi.advanceTimersByTimeAsync(499);
    await nextTurn();
    expect(site.log).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    const stats = await run;

    // Backoff ceilings 500 then 1000 ms, at half (the pinned jitter).
    expect(site.log.map((f) => [f.attempt, f.at - t0])).toEqual([
      [0, 0],
      [1, 250],
      [2, 750],
    ]);
    expect(calls).toBe(0);
    const failed = payloads(events, 'request:failed');
    expect(failed.map((e) => [e.code, e.request.attempt, e.error.message])).toEqual([
      ['AR_HTTP_STATUS', 2, 'Request failed with status 500: GET http://site.test/'],
    ]);
    expect(failed[0]?.error).toBeInstanceOf(HttpError);
    expect(stats).toMatchObject({
      closeReason: 'finished',
      requests: 3,
      responsesByStatus: { '500': 3 },
      retries: 2,
      failed: 1,
      errorsByCode: { AR_HTTP_STATUS: 1 },
      queued: 0,
      inFlight: 0,
    });
  });

  it('retries a network error (AR_NETWORK) thrown by the fetcher', async () => {
    const site = fakeSite({
      [`${S}/`]: (req, visit) => {
        if (visit === 1) throw new NetworkError(req.url, 'ECONNRESET');
        return 'ok';
      },
    });
    const crawler = crawlerFor(linkSpider(`${S}/`), site);
    const events = recordEvents(crawler);
    const run = crawler.run();
    await site.requested(1);
    await vi.advanceTimersByTimeAsync(250);
    const stats = await run;

    expect(site.log.map((f) => f.attempt)).toEqual([0, 1]);
    expect(payloads(events, 'request:retried').map((e) => [e.error.message, e.delayMs])).toEqual([
      ['Network error (ECONNRESET): http://site.test/', 250],
    ]);
    expect(stats).toMatchObject({ requests: 2, responses: 1, retries: 1, failed: 0, items: 1 });
  });

  it('does not retry an error that is no CrawlError: it fails as AR_HANDLER', async () => {
    const site = fakeSite({
      [`${S}/`]: () => {
        throw new Error('fetcher bug');
      },
    });
    const crawler = crawlerFor(linkSpider(`${S}/`), site);
    const events = recordEvents(crawler);
    const stats = await crawler.run();
    expect(site.log).toHaveLength(1);
    expect(payloads(events, 'request:failed').map((e) => [e.code, e.error.message])).toEqual([
      ['AR_HANDLER', 'fetcher bug'],
    ]);
    expect(stats).toMatchObject({ retries: 0, failed: 1, errorsByCode: { AR_HANDLER: 1 } });
  });
});

describe('handler failures', () => {
  it('fail a throwing handler with AR_HANDLER, once, keeping what it yielded before the throw', async () => {
    const site = fakeSite({ [`${S}/`]: links('/a', '/b'), [`${S}/a`]: 'a' });
    let calls = 0;
    const spider = defineSpider({
      name: 'throws',
      start: `${S}/`,
      *parse(page) {
        yield { url: page.url, n: 1 };
        if (page.url !== `${S}/`) return;
        calls++;
        yield page.follow('/a');
        yield { url: page.url, n: 2 };
        throw new Error('parse broke');
      },
    });
    const sink = recordingSink();
    const crawler = crawlerFor(spider, site, { output: sink });
    const events = recordEvents(crawler);
    const stats = await crawler.run();
    expect(calls).toBe(1);
    expect(site.urls()).toEqual([`${S}/`, `${S}/a`]);
    expect(sink.items).toEqual([
      { url: `${S}/`, n: 1 },
      { url: `${S}/`, n: 2 },
      { url: `${S}/a`, n: 1 },
    ]);
    expect(
      payloads(events, 'request:failed').map((e) => [e.request.url, e.code, e.error.message]),
    ).toEqual([[`${S}/`, 'AR_HANDLER', 'parse broke']]);
    expect(stats).toMatchObject({
      items: 3,
      retries: 0,
      failed: 1,
      errorsByCode: { AR_HANDLER: 1 },
    });
  });

  it('fail a request whose handler yields a string with AR_BAD_OUTPUT; the crawl goes on', async () => {
    const site = fakeSite({ [`${S}/`]: links('/p0', '/p1'), [`${S}/p0`]: 'p0', [`${S}/p1`]: 'p1' });
    const spider = defineSpider({
      name: 'bad-output',
      start: `${S}/`,
      *parse(page): Generator<Output> {
        yield { url: page.url };
        if (page.url === `${S}/p0`) yield 'oops' as unknown as Output;
        for (const href of page.select('a').attrs('href')) yield page.follow(href);
      },
    });
    const sink = recordingSink();
    const crawler = crawlerFor(spider, site, { output: sink, concurrency: 1 });
    const events = recordEvents(crawler);
    const stats = await crawler.run();
    expect(sink.items).toEqual([{ url: `${S}/` }, { url: `${S}/p0` }, { url: `${S}/p1` }]);
    expect(
      payloads(events, 'request:failed').map((e) => [e.request.url, e.code, e.error.message]),
    ).toEqual([
      [
        `${S}/p0`,
        'AR_BAD_OUTPUT',
        'handler "parse" yielded a string ("oops"), not an item (plain object) or a request ' +
          '(page.follow, request()) — at http://site.test/p0',
      ],
    ]);
    expect(stats).toMatchObject({
      closeReason: 'finished',
      requests: 3,
      items: 3,
      failed: 1,
      errorsByCode: { AR_BAD_OUTPUT: 1 },
    });
  });

  it('passes the statuses in handleStatuses to the handler and fails the others', async () => {
    const site = fakeSite({
      [`${S}/`]: links('/missing', '/gone'),
      [`${S}/missing`]: { status: 404, body: 'no such page' },
      [`${S}/gone`]: { status: 410 },
    });
    const spider = defineSpider({
      name: 'statuses',
      start: `${S}/`,
      handleStatuses: [404],
      *parse(page) {
        yield { url: page.url, status: page.status };
        for (const href of page.select('a').attrs('href')) yield page.follow(href);
      },
    });
    const sink = recordingSink();
    const crawler = crawlerFor(spider, site, { output: sink, concurrency: 1 });
    const events = recordEvents(crawler);
    const stats = await crawler.run();
    expect(sink.items).toEqual([
      { url: `${S}/`, status: 200 },
      { url: `${S}/missing`, status: 404 },
    ]);
    const failed = payloads(events, 'request:failed');
    expect(failed.map((e) => [e.request.url, e.code])).toEqual([[`${S}/gone`, 'AR_HTTP_STATUS']]);
    expect(failed[0]?.error).toBeInstanceOf(HttpError);
    expect(failed[0]?.error).toMatchObject({ status: 410 });
    expect(stats).toMatchObject({
      responsesByStatus: { '200': 1, '404': 1, '410': 1 },
      failed: 1,
      errorsByCode: { AR_HTTP_STATUS: 1 },
    });
  });

  it("passes every final response with handleStatuses 'all', after the retries are spent", async () => {
    const site = fakeSite({ [`${S}/`]: { status: 500, body: 'down' } });
    const statuses: number[] = [];
    const spider = defineSpider({
      name: 'all',
      start: `${S}/`,
      handleStatuses: 'all',
      parse(page) {
        statuses.push(page.status);
      },
    });
    const stats = await crawlerFor(spider, site, { retries: 0 }).run();
    expect(statuses).toEqual([500]);
    expect(stats).toMatchObject({ failed: 0, retries: 0, responsesByStatus: { '500': 1 } });
  });

  it('stops the crawl with closeReason "stopped" on StopCrawl, keeping the items yielded before', async () => {
    const site = fakeSite({ [`${S}/`]: links(...paths(5)), ...leaves(paths(5)) });
    const spider = defineSpider({
      name: 'stop',
      start: `${S}/`,
      *parse(page) {
        yield { url: page.url };
        if (page.url === `${S}/p2`) throw new StopCrawl('enough');
        for (const href of page.select('a').attrs('href')) yield page.follow(href);
      },
    });
    const sink = recordingSink();
    const crawler = crawlerFor(spider, site, { output: sink, concurrency: 1 });
    const closed: string[] = [];
    crawler.on('crawl:closed', ({ reason }) => closed.push(reason));
    const stats = await crawler.run();
    expect(site.urls()).toEqual([`${S}/`, `${S}/p0`, `${S}/p1`, `${S}/p2`]);
    expect(sink.items.map((item) => item.url)).toEqual(site.urls());
    expect(closed).toEqual(['stopped']);
    expect(stats).toMatchObject({ closeReason: 'stopped', failed: 0, items: 4, inFlight: 0 });
  });

  it('drops items a pipeline rejects and counts them; kept items are the pipelines’ output', async () => {
    const site = fakeSite({ [`${S}/`]: 'x' });
    const spider = defineSpider({
      name: 'pipelines',
      start: `${S}/`,
      pipelines: [
        (item) => ({ ...item, seen: true }),
        (item) => {
          if ((item.n as number) % 2 === 1) throw new DropItem(`odd ${String(item.n)}`);
          return item;
        },
      ],
      *parse() {
        for (let n = 0; n < 5; n++) yield { n };
      },
    });
    const sink = recordingSink();
    const crawler = crawlerFor(spider, site, { output: sink });
    const events = recordEvents(crawler);
    const stats = await crawler.run();
    expect(sink.items).toEqual([
      { n: 0, seen: true },
      { n: 2, seen: true },
      { n: 4, seen: true },
    ]);
    // item:dropped reports the item as the handler yielded it.
    expect(payloads(events, 'item:dropped').map((e) => [e.item, e.reason])).toEqual([
      [{ n: 1 }, 'odd 1'],
      [{ n: 3 }, 'odd 3'],
    ]);
    expect(stats).toMatchObject({ items: 3, itemsDropped: 2, failed: 0 });
  });
});

describe('configuration errors', () => {
  it('stops the crawl on a child request naming an unknown handler, with a ConfigError naming it', async () => {
    const site = fakeSite({ [`${S}/`]: 'x' });
    const spider = defineSpider({
      name: 'unknown',
      start: `${S}/`,
      parse(page) {
        return [{ url: page.url }, request(`${S}/x`, { handler: 'nope' })];
      },
    });
    const crawler = crawlerFor(spider, site);
    const error = await crawler.run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'unknown handler "nope" (requested from http://site.test/); the spider defines: parse',
    );
    expect(site.urls()).toEqual([`${S}/`]);
    expect(crawler.stats().closeReason).toBe('error');
  });

  it('refuses a start request naming an unknown handler before fetching anything', async () => {
    const site = fakeSite({});
    const spider = defineSpider({
      name: 'unknown-start',
      start: () => [request(`${S}/`, { handler: 'detail' })],
      parse() {},
    });
    await expect(crawlerFor(spider, site).run()).rejects.toThrow(
      new ConfigError('unknown handler "detail"; the spider defines: parse'),
    );
    expect(site.log).toEqual([]);
  });
});

describe('limits', () => {
  it('never has more than `concurrency` requests in flight, and reaches it', async () => {
    const site = fakeSite({ [`${S}/`]: links(...paths(12)), ...leaves(paths(12)) });
    const stats = await crawlerFor(linkSpider(`${S}/`), site, { concurrency: 3 }).run();
    expect(site.log).toHaveLength(13);
    expect(site.maxInFlight()).toBe(3);
    expect(stats).toMatchObject({ requests: 13, failed: 0, queued: 0, inFlight: 0 });
  });

  it('never has more than `perHost` requests in flight to one host, and reaches it on each', async () => {
    const site = fakeSite({
      'http://a.test/': links(...paths(6)),
      'http://b.test/': links(...paths(6)),
      ...leaves(paths(6), 'http://a.test'),
      ...leaves(paths(6), 'http://b.test'),
    });
    const stats = await crawlerFor(linkSpider(['http://a.test/', 'http://b.test/']), site, {
      perHost: 2,
      concurrency: 10,
    }).run();
    expect(site.log).toHaveLength(14);
    expect(site.maxHostInFlight('a.test')).toBe(2);
    expect(site.maxHostInFlight('b.test')).toBe(2);
    expect(site.maxInFlight()).toBe(4);
    expect(stats).toMatchObject({ requests: 14, failed: 0 });
  });

  it('stops after maxPages requests with closeReason "max-pages"', async () => {
    const site = fakeSite({ [`${S}/`]: links(...paths(10)), ...leaves(paths(10)) });
    const crawler = crawlerFor(linkSpider(`${S}/`), site, { maxPages: 4 });
    const stats = await crawler.run();
    expect(site.urls()).toEqual([`${S}/`, `${S}/p0`, `${S}/p1`, `${S}/p2`]);
    // The 7 links never started stay counted as queued; nothing is left in flight.
    expect(stats).toMatchObject({ closeReason: 'max-pages', requests: 4, queued: 7, inFlight: 0 });
  });
});

describe('the crawl as a whole', () => {
  it('emits the events of one page in order', async () => {
    const site = fakeSite({ [`${S}/`]: 'only' });
    const crawler = crawlerFor(
      defineSpider({ name: 'one', start: `${S}/`, parse: (page) => ({ url: page.url }) }),
      site,
    );
    const events = recordEvents(crawler);
    const stats = await crawler.run();
    expect(events.map((event) => event.name)).toEqual([
      'crawl:opened',
      'request:scheduled',
      'request:started',
      'response:received',
      'item:scraped',
      'request:settled',
      'crawl:closed',
    ]);
    expect(stats).toMatchObject({ requests: 1, responses: 1, items: 1, queued: 0, inFlight: 0 });
  });

  it('ends with nothing queued or in flight after retries, failures and dedup', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0); // backoff 0 ms: no clock needed
    const site = fakeSite({
      [`${S}/`]: links('/a', '/b', '/c', '/a'),
      [`${S}/a`]: (_request, visit) => (visit === 1 ? { status: 502 } : 'a'),
      [`${S}/b`]: { status: 500 },
      [`${S}/c`]: links('/'),
    });
    const crawler = crawlerFor(linkSpider(`${S}/`), site);
    const live: Array<[number, number]> = [];
    crawler.on('request:settled', () => {
      const { queued, inFlight } = crawler.stats();
      live.push([queued, inFlight]);
    });
    const stats = await crawler.run();
    expect(live.every(([queued, inFlight]) => queued >= 0 && inFlight >= 0)).toBe(true);
    expect(stats).toMatchObject({
      requests: 7, // /, /a twice, /b three times, /c
      retries: 3,
      failed: 1,
      duplicatesFiltered: 2,
      queued: 0,
      inFlight: 0,
    });
  });

  it('calls handlers with `this` bound to the spider', async () => {
    const site = fakeSite({ [`${S}/`]: 'x' });
    const spider = defineSpider({
      name: 'self',
      start: `${S}/`,
      parse(page) {
        return this.detail(page);
      },
      detail(page) {
        return { url: page.url, via: 'detail', spider: this.name };
      },
    });
    const sink = recordingSink();
    await crawlerFor(spider, site, { output: sink }).run();
    expect(sink.items).toEqual([{ url: `${S}/`, via: 'detail', spider: 'self' }]);
  });

  it('lets go of the parsed DOM once the handler ended; a page kept by the handler parses again when read', async () => {
    const site = fakeSite({ [`${S}/`]: '<h1>Kept</h1>' });
    const kept: Array<{ page: Page; document: unknown }> = [];
    const spider = defineSpider({
      name: 'keeper',
      start: `${S}/`,
      parse(page) {
        kept.push({ page, document: page.document });
        return { title: page.text('h1') };
      },
    });
    const sink = recordingSink();
    await crawlerFor(spider, site, { output: sink }).run();
    expect(sink.items).toEqual([{ title: 'Kept' }]);
    expect(kept).toHaveLength(1);
    const { page, document } = kept[0] as (typeof kept)[number];
    expect(page.document).not.toBe(document);
    expect(page.text('h1')).toBe('Kept');
  });

  it('writes the items to an output Sink in order, opening it first and closing it last', async () => {
    const site = fakeSite({
      [`${S}/`]: links('/p0'),
      [`${S}/p0`]: links('/p1'),
      [`${S}/p1`]: links('/p2'),
      [`${S}/p2`]: 'end',
    });
    const spider = defineSpider({
      name: 'chain',
      start: `${S}/`,
      *parse(page) {
        yield { url: page.url, part: 1 };
        yield { url: page.url, part: 2 };
        for (const href of page.select('a').attrs('href')) yield page.follow(href);
      },
    });
    const sink = recordingSink();
    const stats = await crawlerFor(spider, site, { output: sink }).run();
    expect(sink.items).toEqual(
      ['/', '/p0', '/p1', '/p2'].flatMap((path) => [
        { url: `${S}${path}`, part: 1 },
        { url: `${S}${path}`, part: 2 },
      ]),
    );
    expect(sink.calls[0]).toBe('open');
    expect(sink.calls.at(-1)).toBe('close');
    expect(sink.calls.filter((call) => call === 'open' || call === 'close')).toHaveLength(2);
    expect(stats.items).toBe(8);
  });

  it('obeys a robots.txt served by the fake site', async () => {
    const site = fakeSite({
      [`${S}/robots.txt`]: {
        headers: { 'content-type': 'text/plain' },
        body: 'User-agent: *\nDisallow: /private\n',
      },
      [`${S}/`]: links('/private/x', '/a'),
      [`${S}/a`]: 'a',
    });
    const crawler = crawlerFor(linkSpider(`${S}/`), site, { robots: true, concurrency: 1 });
    const events = recordEvents(crawler);
    const stats = await crawler.run();
    expect(site.urls()).toEqual([`${S}/robots.txt`, `${S}/`, `${S}/a`]);
    expect(ignoredOf(events)).toEqual([['AR_ROBOTS_DENIED', `${S}/private/x`]]);
    expect(stats).toMatchObject({ robotsDenied: 1, requests: 3, failed: 0, items: 2 });
  });

  it('answers every lease of the frontier exactly once', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const leases = new Map<string, string[]>();
    const answer = (req: Request, how: string) =>
      leases.set(`${req.url}#${req.attempt}`, [
        ...(leases.get(`${req.url}#${req.attempt}`) ?? []),
        how,
      ]);
    const memory = new MemoryFrontier();
    const frontier: Frontier = {
      add: (requests) => memory.add(requests),
      markSeen: (req) => memory.markSeen(req),
      next(isReady) {
        const leased = memory.next(isReady);
        if (leased) answer(leased, 'leased');
        return leased;
      },
      complete(req, outcome) {
        answer(req, `complete(${outcome.children.length} children, ${outcome.items.length} items)`);
        return memory.complete(req, outcome);
      },
      fail(req, failure) {
        answer(req, `fail(${failure.code})`);
      },
      retry(req, delayMs) {
        // The engine hands back the next attempt: record the answer on the lease it came from.
        answer({ ...req, attempt: req.attempt - 1 }, 'retry');
        memory.retry(req, delayMs);
      },
      size: () => memory.size(),
      close: () => memory.close(),
    };
    const site = fakeSite({
      [`${S}/`]: links('/a', '/b', '/c'),
      [`${S}/a`]: (_request, visit) => (visit === 1 ? { status: 503 } : 'a'),
      [`${S}/b`]: { status: 404 },
      [`${S}/c`]: { status: 301, headers: { location: '/' } },
    });
    await crawlerFor(linkSpider(`${S}/`), site, { frontier }).run();
    expect(Object.fromEntries(leases)).toEqual({
      [`${S}/#0`]: ['leased', 'complete(3 children, 1 items)'],
      [`${S}/a#0`]: ['leased', 'retry'],
      [`${S}/a#1`]: ['leased', 'complete(0 children, 1 items)'],
      [`${S}/b#0`]: ['leased', 'fail(AR_HTTP_STATUS)'],
      [`${S}/c#0`]: ['leased', 'complete(0 children, 0 items)'],
    });
  });
});

describe('the Engine on its own (fake download function)', () => {
  function engineWith(download: (req: Request) => Promise<Response>) {
    const events = new CrawlEmitter();
    const completed: string[] = [];
    const memory = new MemoryFrontier();
    const frontier: Frontier = {
      add: (r) => memory.add(r),
      markSeen: (r) => memory.markSeen(r),
      next: (ready) => memory.next(ready),
      complete(req, outcome) {
        completed.push(req.url);
        return memory.complete(req, outcome);
      },
      fail: () => memory.fail(),
      retry: (r, ms) => memory.retry(r, ms),
      size: () => memory.size(),
      close: () => memory.close(),
    };
    const spider = defineSpider({
      name: 'direct',
      start: [],
      *parse(page: Page) {
        yield { url: page.url };
        for (const href of page.select('a').attrs('href')) yield page.follow(href);
      },
    });
    const engine = new Engine({
      spider,
      scheduler: new Scheduler(frontier, { perHost: 8, delayMs: 0 }),
      download,
      items: new ItemProcessor({ spider: 'direct', pipelines: [], events }),
      events,
      filters: [],
      retry: new CrawlRetryPolicy(0),
      limits: {
        concurrency: 2,
        browserConcurrency: 1,
        maxPages: Number.POSITIVE_INFINITY,
        maxLinksPerPage: 100,
      },
      handleStatuses: [],
    });
    return { engine, events, completed };
  }

  it('on stop(), starts nothing new and lets the requests in flight finish', async () => {
    const site = fakeSite({ [`${S}/`]: links(...paths(6)), ...leaves(paths(6)) });
    const { engine, events, completed } = engineWith((req) => site.fetch(req, {}));
    events.on('request:started', ({ request: started }) => {
      if (started.url === `${S}/p1`) engine.stop('signal');
    });
    const reason = await engine.run([createRequest(`${S}/`)]);
    expect(reason).toBe('signal');
    expect(site.urls()).toEqual([`${S}/`, `${S}/p0`, `${S}/p1`]);
    expect(completed).toEqual([`${S}/`, `${S}/p0`, `${S}/p1`]);
    expect(engine.fatal).toBeUndefined();
  });
});
