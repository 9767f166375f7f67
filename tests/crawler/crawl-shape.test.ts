// Issue 12 §3 through crawl(): link rules route pages to handlers and follow or not; the crawl's allow/deny
// patterns; the default scope (the start origin: another port is another site) and allowedDomains; the caps
// maxItems, maxTime and maxErrors, each closing the crawl with its reason.
import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { crawl } from '../../src/crawler/crawler.js';
import { ignoredExtensions } from '../../src/crawler/ignored-extensions.js';
import type { LinkRule } from '../../src/crawler/link-rules.js';
import { defineSpider } from '../../src/crawler/spider.js';
import { ConfigError } from '../../src/errors.js';
import { startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';

const html = (body: string) => `<!doctype html><html><body>${body}</body></html>`;
const links = (...paths: string[]) => paths.map((p) => `<a href="${p}">${p}</a>`).join(' ');

/** A small blog: a listing page with categories, a paginated list and posts; a nav with an /about link. */
const blog = {
  '/': html(
    `<nav>${links('/about')}</nav><main>${links('/category/a', '/post/1', '/private/x')}</main>`,
  ),
  '/category/a': html(`<main>${links('/post/2', '/category/b')}</main>`),
  '/category/b': html(`<main>${links('/post/3')}</main>`),
  '/post/1': html(`<h1>one</h1><main>${links('/post/9')}</main>`),
  '/post/2': html(`<h1>two</h1>`),
  '/post/3': html(`<h1>three</h1>`),
  '/post/9': html(`<h1>nine</h1>`),
  '/about': html('<h1>about</h1>'),
  '/private/x': html('<h1>private</h1>'),
};

describe('link rules (CrawlSpider)', () => {
  it('route linked pages to their handler, follow listing pages, and do not follow from handled pages', async () => {
    const server = await startLocalServer(blog);
    const output = memorySink();
    const spider = defineSpider({
      name: 'rules',
      start: [`${server.origin}/`],
      rules: [
        { allow: '/category/' }, // followed for links only (no handler: follow defaults to true)
        { allow: 're:/post/\\d+$', handler: 'post' }, // handled, not followed (a handler: follow defaults to false)
      ],
      post(page) {
        return { handler: 'post', title: page.text('h1'), path: new URL(page.url).pathname };
      },
    });
    const stats = await crawl(spider, { output, logLevel: 'silent' });
    expect(stats.closeReason).toBe('finished');
    // /post/9 is linked only from a post: a handled page's links are not read by the rules.
    expect(output.items.map((item) => item.path).sort()).toEqual(['/post/1', '/post/2', '/post/3']);
    expect(server.paths.filter((p) => p !== '/robots.txt').sort()).toEqual(
      ['/', '/category/a', '/category/b', '/post/1', '/post/2', '/post/3'].sort(),
    );
  });

  it('follow: true on a handled rule reads its pages for links too; deny wins; restrictCss limits the region', async () => {
    const server = await startLocalServer(blog);
    const output = memorySink();
    const spider = defineSpider({
      name: 'rules-follow',
      start: [`${server.origin}/`],
      rules: [
        {
          restrictCss: 'main',
          allow: ['/category/*', '/post/*'],
          deny: '/category/b',
          handler: 'page',
          follow: true,
        },
      ],
      page(page) {
        return { path: new URL(page.url).pathname };
      },
    });
    await crawl(spider, { output, logLevel: 'silent' });
    // /about is outside <main>, /private/x not allowed, /category/b denied (so /post/3 is never seen).
    expect(output.items.map((item) => item.path).sort()).toEqual(
      ['/category/a', '/post/1', '/post/2', '/post/9'].sort(),
    );
    expect(server.paths).not.toContain('/about');
    expect(server.paths).not.toContain('/category/b');
  });

  it('canonicalises and deduplicates rule links like any other', async () => {
    const server = await startLocalServer((req, res) => {
      const body =
        req.url === '/' ? links('/post/1?b=2&a=1', '/post/1?a=1&b=2', '/post/1?a=1&b=2#top') : '';
      res.writeHead(200, { 'content-type': 'text/html' }).end(html(body));
    });
    const output = memorySink();
    const spider = defineSpider({
      name: 'rules-dedup',
      start: [`${server.origin}/`],
      rules: [{ allow: '/post/', handler: 'post' }],
      post: (page) => ({ url: page.url }),
    });
    const stats = await crawl(spider, { output, logLevel: 'silent' });
    expect(output.items).toHaveLength(1);
    expect(server.paths.filter((p) => p.startsWith('/post/1'))).toHaveLength(1);
    // The fragment-only variant is one link already; the reordered query is folded by the dedup key.
    expect(stats.duplicatesFiltered).toBe(1);
  });

  it("skip links to binary files by extension (Scrapy's IGNORED_EXTENSIONS) unless denyExtensions says otherwise", async () => {
    const files = [
      '/files/report.PDF',
      '/files/photo.jpg?size=large',
      '/files/song.mp3',
      '/files/film.webm',
      '/files/backup.tar.gz',
      '/files/sheet.xlsx#top',
      '/files/data.csv',
      '/files/page.html',
      '/files/v1.2/',
    ];
    const site = await startLocalServer((req, res) => {
      const body = req.url === '/' ? links(...files) : '';
      res.writeHead(200, { 'content-type': 'text/html' }).end(html(body));
    });
    const paths = async (extensions: Pick<LinkRule, 'denyExtensions'>, follow?: string) => {
      const output = memorySink();
      site.requests.length = 0;
      await crawl(
        defineSpider({
          name: 'binary',
          start: [`${site.origin}/`],
          rules: [{ handler: 'file', ...extensions }],
          *parse(page) {
            // A handler's own follow is not a rule: it gets the file it asks for.
            if (follow) yield page.follow(follow, 'file');
          },
          file: (page) => ({ path: new URL(page.url).pathname }),
        }),
        { output, logLevel: 'silent' },
      );
      return site.requests.map((request) => request.path).filter((p) => p.startsWith('/files/'));
    };
    const byDefault = await paths({}, '/files/explicit.pdf');
    expect(byDefault.sort()).toEqual(
      ['/files/data.csv', '/files/page.html', '/files/v1.2/', '/files/explicit.pdf'].sort(),
    );
    const everything = await paths({ denyExtensions: [] });
    expect(everything).toHaveLength(files.length);
    // Its own list replaces the default one; a dot and the case do not matter.
    const own = await paths({ denyExtensions: ['.CSV', ...ignoredExtensions] });
    expect(own.sort()).toEqual(['/files/page.html', '/files/v1.2/']);
    expect(() =>
      defineSpider({
        name: 'x',
        start: 'http://127.0.0.1/',
        // @ts-expect-error: a list is needed; the check is for JavaScript spiders
        rules: [{ denyExtensions: 'pdf' }],
        parse() {},
      }),
    ).toThrow(/rules\[0\] of spider "x": denyExtensions must be a list/);
    await site.close();
  });

  it('are checked when the spider is defined: an unknown handler or a bad regex is a ConfigError', () => {
    expect(() =>
      defineSpider({
        name: 'x',
        start: 'http://127.0.0.1/',
        // @ts-expect-error: the type knows the handlers too; the check is for JavaScript spiders
        rules: [{ handler: 'nope' }],
        parse() {},
      }),
    ).toThrow(/rules\[0\] of spider "x": unknown handler "nope"/);
    expect(() =>
      defineSpider({
        name: 'x',
        start: 'http://127.0.0.1/',
        rules: [{ allow: 're:(' }],
        parse() {},
      }),
    ).toThrow(ConfigError);
  });
});

describe('the type of rules', () => {
  it("names the spec's own handlers", () => {
    const spider = defineSpider({
      name: 'typed',
      start: 'http://127.0.0.1/',
      rules: [{ allow: '/post/', handler: 'post' }, { allow: /\/category\// }],
      post: (page) => ({ url: page.url }),
    });
    expect(spider.rules).toHaveLength(2);
    expect(() =>
      defineSpider({
        name: 'typo',
        start: 'http://127.0.0.1/',
        // @ts-expect-error: 'posts' is not a handler of this spider
        rules: [{ handler: 'posts' }],
        post: (page) => ({ url: page.url }),
      }),
    ).toThrow(/unknown handler "posts"/);
  });
});

describe('the crawl options allow and deny', () => {
  it('keep a spider to the links they allow; start URLs are fetched anyway', async () => {
    const server = await startLocalServer(blog);
    const spider = defineSpider({
      name: 'allow-deny',
      start: [`${server.origin}/`],
      *parse(page) {
        for (const link of page.links()) yield page.follow(link);
      },
    });
    const stats = await crawl(spider, {
      output: memorySink(),
      logLevel: 'silent',
      allow: ['/category/*', '/post/*'],
      deny: ['re:/post/[3-9]'],
    });
    expect(server.paths.filter((p) => p !== '/robots.txt').sort()).toEqual(
      ['/', '/category/a', '/category/b', '/post/1', '/post/2'].sort(),
    );
    // /about, /private/x, /post/3 and /post/9.
    expect(stats.linksFiltered).toBe(4);
  });
});

describe('the default scope', () => {
  /** Two servers on 127.0.0.1, the first linking to the second. */
  async function twoPorts() {
    const other = await startLocalServer({ '/': html('<h1>other</h1>') });
    const home = await startLocalServer({
      '/': html(links(`${other.origin}/`, '/next')),
      '/next': html(''),
    });
    const spider = defineSpider({
      name: 'ports',
      start: [`${home.origin}/`],
      *parse(page) {
        yield { url: page.url };
        for (const link of page.links()) yield page.follow(link);
      },
    });
    return { home, other, spider };
  }

  it('is the start origin: another port on the same host is not followed', async () => {
    const { home, other, spider } = await twoPorts();
    const stats = await crawl(spider, { output: memorySink(), logLevel: 'silent' });
    expect(home.paths).toContain('/next');
    expect(other.requests).toHaveLength(0);
    expect(stats.offsite).toBe(1);
  });

  it('is widened by the allowedDomains option (every port of the host)', async () => {
    const { other, spider } = await twoPorts();
    const stats = await crawl(spider, {
      output: memorySink(),
      logLevel: 'silent',
      allowedDomains: ['127.0.0.1'],
    });
    expect(other.paths).toContain('/');
    expect(stats.offsite).toBe(0);
  });

  it("is replaced by a spider's allowedDomains, which the option adds to", async () => {
    const { home, other, spider } = await twoPorts();
    // 'localhost' alone would put even the start URL (127.0.0.1) offsite: the option's host brings both ports in.
    const stats = await crawl(
      { ...spider, allowedDomains: ['localhost'] },
      { output: memorySink(), logLevel: 'silent', allowedDomains: ['127.0.0.1'] },
    );
    expect(home.paths).toContain('/next');
    expect(other.paths).toContain('/');
    expect(stats.offsite).toBe(0);
  });

  it('keeps a redirect to another port out', async () => {
    const other = await startLocalServer({ '/': html('<h1>other</h1>') });
    const home = await startLocalServer({
      '/': (_req: http.IncomingMessage, res: http.ServerResponse) =>
        res.writeHead(302, { location: `${other.origin}/` }).end(),
    });
    const spider = defineSpider({
      name: 'redirect',
      start: `${home.origin}/`,
      parse: (page) => ({ url: page.url }),
    });
    const stats = await crawl(spider, { output: memorySink(), logLevel: 'silent' });
    expect(other.requests).toHaveLength(0);
    expect(stats.offsite).toBe(1);
  });
});

describe('caps', () => {
  /** Page n links to n+1 and yields `perPage` items; endless. */
  const endless = (perPage: number, status = 200) =>
    startLocalServer((req, res) => {
      const n = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('n') ?? 0);
      res
        .writeHead(status, { 'content-type': 'text/html' })
        .end(html(links(`/?n=${n + 1}`, `/?n=${n + 2}`)));
      void perPage;
    });
  const spiderOf = (origin: string, perPage: number) =>
    defineSpider({
      name: 'endless',
      start: `${origin}/`,
      *parse(page) {
        for (let i = 0; i < perPage; i++) yield { url: page.url, i };
        for (const link of page.links()) yield page.follow(link);
      },
    });

  it('maxItems closes the crawl with reason max-items and writes exactly that many items', async () => {
    const server = await endless(3);
    const output = memorySink();
    const stats = await crawl(spiderOf(server.origin, 3), {
      output,
      logLevel: 'silent',
      maxItems: 10,
    });
    expect(stats.closeReason).toBe('max-items');
    expect(stats.items).toBe(10);
    expect(output.items).toHaveLength(10);
  });

  it('maxTime closes the crawl with reason max-time', async () => {
    const server = await endless(1);
    const started = Date.now();
    const stats = await crawl(spiderOf(server.origin, 1), {
      output: memorySink(),
      logLevel: 'silent',
      maxTime: '400ms',
      delayMs: 50,
    });
    expect(stats.closeReason).toBe('max-time');
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('maxErrors closes the crawl with reason max-errors', async () => {
    const server = await endless(1, 404);
    const spider = defineSpider({
      name: 'failing',
      start: Array.from({ length: 20 }, (_, i) => `${server.origin}/?n=${i * 10}`),
      parse: (page) => ({ url: page.url }),
    });
    const stats = await crawl(spider, {
      output: memorySink(),
      logLevel: 'silent',
      maxErrors: 3,
      concurrency: 1,
    });
    expect(stats.closeReason).toBe('max-errors');
    expect(stats.failed).toBe(3);
  });

  it('reject bad values in the table wording', async () => {
    const spider = spiderOf('http://127.0.0.1:9', 1);
    await expect(crawl(spider, { maxTime: '30', logLevel: 'silent' })).rejects.toThrow(
      /maxTime must be a duration such as 30s/,
    );
    await expect(crawl(spider, { maxItems: 0, logLevel: 'silent' })).rejects.toThrow(
      /maxItems must be an integer ≥ 1/,
    );
  });
});
