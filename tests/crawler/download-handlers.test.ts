// Download handlers by scheme: unknown schemes refused and counted, user handlers behind the whole chain, data: URLs.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeDataUrl } from '../../src/crawler/download-handlers/data-handler.js';
import {
  type CrawlEvents,
  crawl,
  createCrawler,
  type DownloadHandler,
  defineSpider,
  isCrawlError,
  type Request,
  Response,
} from '../../src/index.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';

const sites: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(sites.splice(0).map((site) => site.close()));
});

async function site(routes: Record<string, string>): Promise<LocalServer> {
  const started = await startLocalServer(routes);
  sites.push(started);
  return started;
}

function respond(request: Request, status: number, html: string): Response {
  return new Response({
    url: request.url,
    status,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: Buffer.from(html),
    request,
    timings: { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 0, totalMs: 0 },
  });
}

/** Follows every href as written, whatever its scheme (page.links() keeps http(s) links only). */
const followAll = (name: string, start: string) =>
  defineSpider({
    name,
    start: [start],
    *parse(page) {
      yield { url: page.url, title: page.text('h1') };
      for (const href of page.select('a').attrs('href')) yield page.follow(href);
    },
  });

describe('a scheme without a download handler', () => {
  it('is refused with AR_UNSUPPORTED_SCHEME and counted, while the rest of the crawl goes on', async () => {
    const shop = await site({
      '/': '<a href="/a">a</a> <a href="nntp://files.example/pub/x.tar">nntp</a> <a href="gopher://hole.example/1">g</a>',
      '/a': '<h1>A</h1>',
    });
    const crawler = createCrawler(followAll('schemes', `${shop.origin}/`), { logLevel: 'silent' });
    const ignored: Array<CrawlEvents['request:ignored']> = [];
    crawler.on('request:ignored', (event) => ignored.push(event));
    const stats = await crawler.run();
    expect(stats.closeReason).toBe('finished');
    expect(stats.items).toBe(2);
    expect(stats.failed).toBe(0);
    expect(stats.errorsByCode).toEqual({ AR_UNSUPPORTED_SCHEME: 2 });
    expect(ignored.map((event) => [event.code, event.reason])).toEqual([
      [
        'AR_UNSUPPORTED_SCHEME',
        'no download handler for "nntp:" (data:, file:, ftp:, ftps:, http:, https:, imap:, imaps:, pop3:, pop3s:, sftp:, ws:, wss: are registered) — nntp://files.example/pub/x.tar',
      ],
      [
        'AR_UNSUPPORTED_SCHEME',
        'no download handler for "gopher:" (data:, file:, ftp:, ftps:, http:, https:, imap:, imaps:, pop3:, pop3s:, sftp:, ws:, wss: are registered) — gopher://hole.example/1',
      ],
    ]);
    expect([...shop.paths].sort()).toEqual(['/', '/a', '/robots.txt']);
  });

  it('is refused at the end of the chain too, when a middleware rewrites a URL to it', async () => {
    const shop = await site({ '/': '<a href="/a">a</a>', '/a': '<h1>A</h1>' });
    const spider = defineSpider({
      name: 'rewrite',
      start: [`${shop.origin}/`],
      middlewares: [
        async (request, next) =>
          next(
            request.url.endsWith('/a') ? { ...request, url: 'gopher://hole.example/1' } : request,
          ),
      ],
      *parse(page) {
        yield { url: page.url };
        for (const link of page.links()) yield page.follow(link);
      },
    });
    const stats = await crawl(spider, { logLevel: 'silent' });
    expect(stats.items).toBe(1);
    expect(stats.failed).toBe(1);
    expect(stats.errorsByCode).toEqual({ AR_UNSUPPORTED_SCHEME: 1 });
  });
});

describe('a user-registered download handler', () => {
  const pages = new Map([
    [
      'memo://notes/',
      '<a href="/one">1</a> <a href="two#top">2</a> <a href="memo://other/x">x</a>',
    ],
    ['memo://notes/one', '<h1>One</h1>'],
    ['memo://notes/two', '<h1>Two</h1>'],
  ]);

  function memoHandler(): DownloadHandler & { fetched: Request[] } {
    const fetched: Request[] = [];
    let busy = true;
    return {
      name: 'memo',
      fetched,
      async fetch(request) {
        fetched.push(request);
        if (request.url === 'memo://notes/two' && busy) {
          busy = false;
          return respond(request, 503, 'busy');
        }
        const html = pages.get(request.url);
        return respond(request, html === undefined ? 404 : 200, html ?? 'not found');
      },
    };
  }

  it('serves its scheme behind the middleware chain, scope, retry policy and stats', async () => {
    const memo = memoHandler();
    const seenBySpider: string[] = [];
    const spider = defineSpider({
      name: 'memo',
      start: ['memo://notes/'],
      middlewares: [
        async (request, next) => {
          seenBySpider.push(request.url);
          return next(request);
        },
      ],
      *parse(page) {
        yield { url: page.url, title: page.text('h1') };
        for (const href of page.select('a').attrs('href')) yield page.follow(href);
      },
    });
    const sink = memorySink();
    const stats = await crawl(spider, {
      downloadHandlers: { 'memo:': memo },
      output: sink,
      logLevel: 'silent',
    });
    expect(sink.items.map((item) => [item.url, item.title]).sort()).toEqual([
      ['memo://notes/', ''],
      ['memo://notes/one', 'One'],
      ['memo://notes/two', 'Two'],
    ]);
    // The 503 went through the crawl's retry policy like any HTTP response.
    expect(stats.retries).toBe(1);
    expect(stats.responsesByStatus).toEqual({ '200': 3, '503': 1 });
    // memo://other/ is outside the allowed domains (the start URLs' hosts).
    expect(stats.offsite).toBe(1);
    expect(stats.failed).toBe(0);
    // Every attempt passed the spider's middleware, then the built-in user agent, before the handler.
    expect(seenBySpider.sort()).toEqual(memo.fetched.map((request) => request.url).sort());
    expect(memo.fetched).toHaveLength(4);
    for (const request of memo.fetched) expect(request.headers['user-agent']).toMatch(/^arachne\//);
  });

  it('is answered from the HTTP cache like the http handler', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arachne-handler-cache-'));
    const spider = followAll('memo-cache', 'memo://notes/one');
    const memo = memoHandler();
    const live = await crawl(spider, {
      downloadHandlers: { 'memo:': memo },
      cache: dir,
      logLevel: 'silent',
    });
    expect(live.cacheMisses).toBe(1);
    const gone: DownloadHandler = {
      name: 'gone',
      fetch: () => Promise.reject(new Error('the cache should have answered')),
    };
    const replay = await crawl(spider, {
      downloadHandlers: { 'memo:': gone },
      cache: dir,
      logLevel: 'silent',
    });
    expect(replay.cacheHits).toBe(1);
    expect(replay.items).toBe(1);
    expect(replay.failed).toBe(0);
  });

  it('replaces a built-in one, robots.txt included', async () => {
    const fetched: string[] = [];
    const offline: DownloadHandler = {
      name: 'offline',
      fetch: async (request) => {
        fetched.push(request.url);
        return respond(request, 200, '<h1>offline</h1>');
      },
    };
    const sink = memorySink();
    const stats = await crawl(followAll('offline', 'http://site.invalid/'), {
      downloadHandlers: { 'http:': offline },
      output: sink,
      logLevel: 'silent',
    });
    expect(stats.items).toBe(1);
    expect(sink.items[0]?.title).toBe('offline');
    expect(fetched.sort()).toEqual(['http://site.invalid/', 'http://site.invalid/robots.txt']);
  });

  it('gets a signal aborted at the end of the crawl, and is closed once for all its schemes', async () => {
    let closed = 0;
    let signal: AbortSignal | undefined;
    const both: DownloadHandler = {
      name: 'both',
      fetch: async (request, context) => {
        signal = context.signal;
        return respond(request, 200, '<h1>x</h1>');
      },
      close: async () => {
        expect(signal?.aborted).toBe(true);
        closed++;
      },
    };
    const stats = await crawl(followAll('both', 'memo://notes/'), {
      downloadHandlers: { 'memo:': both, 'memo2:': both },
      logLevel: 'silent',
      robots: false,
    });
    expect(stats.items).toBe(1);
    expect(closed).toBe(1);
  });

  it('fails the request with AR_HANDLER when it returns something else than a Response', async () => {
    const sloppy = {
      name: 'sloppy',
      fetch: async () => ({ status: 200, body: 'hi' }),
    } as unknown as DownloadHandler;
    const crawler = createCrawler(followAll('sloppy', 'memo://notes/'), {
      downloadHandlers: { 'memo:': sloppy },
      logLevel: 'silent',
    });
    const failures: Error[] = [];
    crawler.on('request:failed', ({ error }) => failures.push(error));
    const stats = await crawler.run();
    expect(stats.errorsByCode).toEqual({ AR_HANDLER: 1 });
    expect(failures[0]?.message).toBe(
      'download handler "sloppy" returned no Response for memo://notes/',
    );
  });

  it('must be keyed by a scheme with its colon', async () => {
    const memo = memoHandler();
    // @ts-expect-error the key must end with ':'
    const run = crawl(followAll('nocolon', 'memo://notes/'), { downloadHandlers: { memo } });
    await expect(run).rejects.toMatchObject({
      code: 'AR_CONFIG',
      message: 'download handler key "memo" is not a URL scheme such as "ftp:"',
    });
  });
});

describe('the built-in data: handler', () => {
  it('serves data: links a spider follows, whatever the allowed domains', async () => {
    const html = Buffer.from('<p>inline café</p>').toString('base64');
    const shop = await site({
      '/': `<a href="data:text/html;charset=utf-8;base64,${html}">b64</a> <a href="data:,Hello%2C%20World%21">pct</a>`,
    });
    const spider = defineSpider({
      name: 'data',
      start: [`${shop.origin}/`],
      *parse(page) {
        for (const href of page.select('a').attrs('href')) yield page.follow(href, 'inline');
      },
      *inline(page) {
        yield {
          type: page.headers['content-type'] ?? '',
          text: page.text().replace(/<[^>]+>/g, ''),
        };
      },
    });
    const sink = memorySink();
    const stats = await crawl(spider, { output: sink, logLevel: 'silent' });
    expect(stats.failed).toBe(0);
    expect(sink.items.map((item) => [item.type, item.text]).sort()).toEqual([
      ['text/html;charset=utf-8', 'inline café'],
      ['text/plain;charset=US-ASCII', 'Hello, World!'],
    ]);
  });

  it.each([
    ['data:,A%20brief%20note', 'text/plain;charset=US-ASCII', 'A brief note'],
    ['data:text/plain;base64,SGVsbG8=', 'text/plain', 'Hello'],
    ['data:text/plain;base64,SGVs bG8', 'text/plain', 'Hello'],
    ['data:;charset=utf-8,%C3%A9', 'text/plain;charset=utf-8', 'é'],
    ['data:text/plain ; BASE64,SGk=#frag', 'text/plain', 'Hi'],
    ['data:nonsense,x', 'text/plain;charset=US-ASCII', 'x'],
  ])('decodes %s', (url, contentType, text) => {
    const decoded = decodeDataUrl(url);
    expect(decoded.contentType).toBe(contentType);
    expect(decoded.body.toString('utf8')).toBe(text);
  });

  it.each([
    [
      'data:text/plain',
      'AR_BAD_URL',
      'malformed data: URL (no comma before the data): data:text/plain',
    ],
    [
      'data:;base64,SGVsbG8=x',
      'AR_BAD_URL',
      'malformed data: URL (invalid base64): data:;base64,SGVsbG8=x',
    ],
    [
      'data:,0123456789',
      'AR_BODY_TOO_LARGE',
      'Body larger than 8 bytes (decoded): data:,0123456789',
    ],
  ])('refuses %s with %s', (url, code, message) => {
    let caught: unknown;
    try {
      decodeDataUrl(url, 8);
    } catch (error) {
      caught = error;
    }
    expect(isCrawlError(caught) && [caught.code, caught.message]).toEqual([code, message]);
  });
});
