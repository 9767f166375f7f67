import { describe, expect, it } from 'vitest';
import { crawl, createCrawler, DropItem, defineSpider, request } from '../../src/index.js';
import {
  type Handler,
  type LocalServer,
  type LoggedRequest,
  startLocalServer,
} from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';

/** A server whose handler decides per request (robots.txt is a 404); its log has each hit's arrival time. */
function serve(handle: Handler, host = '127.0.0.1'): Promise<LocalServer> {
  return startLocalServer(
    (req, res) => (req.url === '/robots.txt' ? void res.writeHead(404).end() : handle(req, res)),
    { host },
  );
}

const html = (body: string) =>
  `<!doctype html><html><head><title>t</title></head><body>${body}</body></html>`;
const links = (n: number, prefix = '/p') =>
  Array.from({ length: n }, (_, i) => `<a href="${prefix}${i}">${i}</a>`).join('');

const pageSpider = (start: string) =>
  defineSpider({
    name: 'pages',
    start: [start],
    *parse(page) {
      yield { url: page.url };
      for (const link of page.links()) yield page.follow(link);
    },
  });

describe('the engine', () => {
  it('retries a 503 with backoff and then handles the 200', async () => {
    let calls = 0;
    const site = await serve((req, res) => {
      if (req.url === '/' && calls++ === 0) res.writeHead(503).end('busy');
      else res.writeHead(200, { 'content-type': 'text/html' }).end(html('ok'));
    });
    const stats = await crawl(pageSpider(`${site.origin}/`), { logLevel: 'silent' });
    expect(stats.retries).toBe(1);
    expect(stats.items).toBe(1);
    expect(stats.failed).toBe(0);
    expect(stats.responsesByStatus).toEqual({ '200': 1, '503': 1 });
  });

  it('gives up after the retries and counts the failure by code', async () => {
    const site = await serve((_req, res) => res.writeHead(500).end('down'));
    const stats = await crawl(pageSpider(`${site.origin}/`), { logLevel: 'silent', retries: 1 });
    expect(stats.retries).toBe(1);
    expect(stats.failed).toBe(1);
    expect(stats.errorsByCode).toEqual({ AR_HTTP_STATUS: 1 });
    expect(site.requests.filter((h) => h.path === '/')).toHaveLength(2);
  });

  it('honours Retry-After on 429 for that host only, while another host goes on', async () => {
    let limited = false;
    const slowHost = await serve((req, res) => {
      if (req.url === '/p0' && !limited) {
        limited = true;
        res.writeHead(429, { 'retry-after': '1' }).end();
        return;
      }
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(html(req.url === '/' ? links(4) : 'leaf'));
    });
    const otherHost = await serve((req, res) => {
      setTimeout(() => {
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(html(req.url === '/' ? links(4) : 'leaf'));
      }, 20);
    }, '127.0.0.2');
    const spider = defineSpider({
      name: 'two-hosts',
      start: [`${slowHost.origin}/`, `${otherHost.origin}/`],
      *parse(page) {
        for (const link of page.links()) yield page.follow(link);
      },
    });
    const stats = await crawl(spider, { logLevel: 'silent', perHost: 1 });
    expect(stats.retries).toBe(1);
    const limitedAt = (slowHost.requests.find((h) => h.path === '/p0') as LoggedRequest).at;
    const afterLimit = slowHost.requests.filter(
      (h) => h.at > limitedAt && h.path !== '/robots.txt',
    );
    // Nothing reached the limited host for the Retry-After second…
    expect(Math.min(...afterLimit.map((h) => h.at)) - limitedAt).toBeGreaterThanOrEqual(950);
    // …while the other host was crawled meanwhile.
    const otherPages = otherHost.requests.filter((h) => h.path !== '/robots.txt');
    expect(otherPages).toHaveLength(5);
    expect(
      otherPages.filter((h) => h.at > limitedAt && h.at < limitedAt + 900).length,
    ).toBeGreaterThan(0);
  });

  it('never has more than perHost requests in flight to one host, and reaches that limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const site = await serve((req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight--;
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(html(req.url === '/' ? links(30) : 'leaf'));
      }, 30);
    });
    await crawl(pageSpider(`${site.origin}/`), { logLevel: 'silent', perHost: 3, concurrency: 10 });
    expect(peak).toBe(3);
  });

  it('keeps delayMs between two requests to one host', async () => {
    const site = await serve((req, res) => {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(html(req.url === '/' ? links(5) : 'leaf'));
    });
    await crawl(pageSpider(`${site.origin}/`), { logLevel: 'silent', perHost: 4, delayMs: 200 });
    const times = site.requests.filter((h) => h.path !== '/robots.txt').map((h) => h.at);
    expect(times).toHaveLength(6);
    // Arrival times at the server: a request that reaches it late (a busy event loop) shortens the gap after it by
    // as much as it lengthens the one before, so the whole span is checked, with room for a late first arrival;
    // without the delay the gaps are about a millisecond.
    const span = (times.at(-1) as number) - (times[0] as number);
    expect(span).toBeGreaterThanOrEqual(5 * 150);
  });

  it('goes on after a handler throws on a malformed page, keeping the items it yielded before', async () => {
    const site = await serve((req, res) => {
      const body = req.url === '/' ? links(3) : req.url === '/p1' ? '<div><p>broken<<<' : 'fine';
      res.writeHead(200, { 'content-type': 'text/html' }).end(html(body));
    });
    const spider = defineSpider({
      name: 'fragile',
      start: [`${site.origin}/`],
      *parse(page) {
        yield { url: page.url, step: 'before' };
        if (page.url.endsWith('/p1')) throw new Error('cannot read this page');
        for (const link of page.links()) yield page.follow(link);
      },
    });
    const sink = memorySink();
    const failures: string[] = [];
    const crawler = createCrawler(spider, { logLevel: 'silent', output: sink });
    crawler.on('request:failed', ({ request, error }) =>
      failures.push(`${request.url} ${error.message}`),
    );
    const stats = await crawler.run();
    expect(stats.items).toBe(4);
    expect(sink.items).toHaveLength(4);
    expect(stats.failed).toBe(1);
    expect(stats.errorsByCode).toEqual({ AR_HANDLER: 1 });
    expect(failures).toEqual([`${site.origin}/p1 cannot read this page`]);
  });

  it('runs pipelines in order and counts dropped items', async () => {
    const site = await serve((req, res) => {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(html(req.url === '/' ? links(4) : 'leaf'));
    });
    const spider = defineSpider({
      name: 'piped',
      start: [`${site.origin}/`],
      pipelines: [
        (item) => ({ ...item, path: new URL(String(item.url)).pathname }),
        (item) => {
          if (item.path === '/p2') throw new DropItem('no p2');
          return item;
        },
      ],
      *parse(page) {
        yield { url: page.url };
        for (const link of page.links()) yield page.follow(link);
      },
    });
    const sink = memorySink();
    const stats = await crawl(spider, { logLevel: 'silent', output: sink });
    expect(stats.items).toBe(4);
    expect(stats.itemsDropped).toBe(1);
    expect(sink.items.map((i) => i.path).sort()).toEqual(['/', '/p0', '/p1', '/p3']);
  });

  it('does not handle a page twice when a redirect lands on a page already crawled', async () => {
    const site = await serve((req, res) => {
      if (req.url === '/old') res.writeHead(301, { location: '/p0' }).end();
      else
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(html(req.url === '/' ? `${links(1)}<a href="/old">old</a>` : 'leaf'));
    });
    const sink = memorySink();
    const stats = await crawl(pageSpider(`${site.origin}/`), {
      logLevel: 'silent',
      output: sink,
      perHost: 1,
    });
    expect(sink.items.map((i) => i.url).sort()).toEqual([`${site.origin}/`, `${site.origin}/p0`]);
    expect(stats.duplicatesFiltered).toBeGreaterThanOrEqual(1);
  });

  it('emits typed events and stops cleanly on an abort signal', async () => {
    const site = await serve((req, res) => {
      setTimeout(() => {
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(html(links(50, `${req.url === '/' ? '' : req.url}/q`)));
      }, 20);
    });
    const controller = new AbortController();
    const seen = { responses: 0, items: 0, closed: '' };
    const crawler = createCrawler(pageSpider(`${site.origin}/`), {
      logLevel: 'silent',
      signal: controller.signal,
      maxDepth: 3,
    });
    crawler
      .on('response:received', () => {
        if (++seen.responses === 10) controller.abort();
      })
      .on('item:scraped', () => seen.items++)
      .on('crawl:closed', ({ reason }) => {
        seen.closed = reason;
      });
    const stats = await crawler.run();
    expect(seen.closed).toBe('signal');
    expect(stats.closeReason).toBe('signal');
    expect(stats.items).toBe(seen.items);
    expect(stats.responses).toBeLessThan(100);
  });

  it('accepts requests made with request() for URLs that are not links', async () => {
    const site = await serve((req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ path: req.url }));
    });
    const spider = defineSpider({
      name: 'api',
      start: [`${site.origin}/api?page=1`],
      parse(page) {
        const { path } = page.json<{ path: string }>();
        return path.endsWith('=1')
          ? [request(`${site.origin}/api?page=2`, { handler: 'last' }), { path }]
          : [{ path }];
      },
      last(page) {
        return { path: page.json<{ path: string }>().path, last: true };
      },
    });
    const sink = memorySink();
    await crawl(spider, { logLevel: 'silent', output: sink });
    expect(sink.items).toEqual(
      expect.arrayContaining([{ path: '/api?page=1' }, { path: '/api?page=2', last: true }]),
    );
  });

  it('stops at crawl-trap budgets: repeated path segments, links per page, pages per host', async () => {
    // A calendar-like trap: every page links one level deeper, for ever.
    const site = await serve((req, res) => {
      const path = req.url ?? '/';
      const many = path === '/' ? links(20, '/wide/') : '';
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(html(`<a href="${path.replace(/\/$/, '')}/cal/next/">next</a>${many}`));
    });
    const stats = await crawl(pageSpider(`${site.origin}/`), {
      logLevel: 'silent',
      traps: { maxLinksPerPage: 11 },
    });
    // '/', then /cal/next/ nested until "next" and "cal" appear a 4th time; 10 of the 20 wide links kept.
    const paths = site.requests.map((h) => h.path).filter((p) => p !== '/robots.txt');
    expect(paths.filter((p) => p.startsWith('/cal/'))).toEqual([
      '/cal/next/',
      '/cal/next/cal/next/',
      '/cal/next/cal/next/cal/next/',
    ]);
    expect(paths.filter((p) => /^\/wide\/\d+$/.test(p))).toHaveLength(10);
    expect(stats.trapFiltered).toBeGreaterThan(10);

    const capped = await crawl(pageSpider(`${site.origin}/`), {
      logLevel: 'silent',
      traps: { maxPagesPerHost: 5 },
    });
    expect(capped.requests).toBe(5);
  });
});
