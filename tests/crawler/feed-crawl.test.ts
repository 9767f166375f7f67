// XML mode in a crawl (issue 12 §2/§3): a page served as RSS/Atom is parsed as XML by page.select/xpath/links, so
// a spider reads its items and follows its entries, and so does the no-code crawl; restrictXpath in link rules.
import { describe, expect, it } from 'vitest';
import { crawl } from '../../src/crawler/crawler.js';
import { siteSpider } from '../../src/crawler/site-spider.js';
import { defineSpider } from '../../src/crawler/spider.js';
import { ConfigError } from '../../src/errors.js';
import type { Page } from '../../src/index.js';
import { startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';

const html = (body: string) => `<!doctype html><html><body>${body}</body></html>`;

/** An RSS feed whose items link to posts on the same server, one by an absolute URL, one relative. */
function rssFeed(origin: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>Kettle News</title>
    <link>${origin}/</link>
    <atom:link href="${origin}/feed.xml" rel="self"/>
    <item>
      <title>Steel</title>
      <link>${origin}/posts/steel</link>
      <dc:creator>Ann Lee</dc:creator>
      <pubDate>Mon, 01 Jan 2024 10:00:00 GMT</pubDate>
      <description><![CDATA[<p>Steel <b>kettles</b></p>]]></description>
    </item>
    <item>
      <title>Glass</title>
      <link>/posts/glass</link>
      <dc:creator>Bob Stone</dc:creator>
      <pubDate>Tue, 02 Jan 2024 10:00:00 GMT</pubDate>
      <description>Glass kettles</description>
    </item>
  </channel>
</rss>`;
}

async function feedSite(contentType = 'application/rss+xml; charset=utf-8') {
  const server = await startLocalServer({
    '/robots.txt': 'User-agent: *\nAllow: /\n',
    '/': html('<h1>home</h1><a href="/about">about</a>'),
    '/about': html('<h1>about</h1>'),
    '/feed.xml': (_req, res) => {
      res.writeHead(200, { 'content-type': contentType }).end(rssFeed(server.origin));
    },
    '/posts/steel': html('<h1>Steel post</h1>'),
    '/posts/glass': html('<h1>Glass post</h1>'),
  });
  return server;
}

const fetched = (paths: readonly string[]) =>
  paths.filter((p) => p !== '/robots.txt' && p !== '/favicon.ico').sort();

describe('a crawl of an RSS feed (XML mode by Content-Type)', () => {
  it('a spider reads the items with select/css/xpath and follows the entries with page.links()', async () => {
    const server = await feedSite();
    const spider = defineSpider({
      name: 'feed',
      start: [`${server.origin}/feed.xml`],
      *parse(page: Page) {
        expect(page.isXml).toBe(true);
        for (const item of page.select('item')) {
          yield {
            kind: 'item',
            title: item.text('title'),
            link: item.text('link'),
            author: item.text('dc\\:creator'),
            date: item.xpath('pubDate/text()').get() ?? null,
            summary: item.text('description'),
          };
        }
        yield { kind: 'count', items: page.xpath('count(//item)').get() ?? null };
        for (const link of page.links()) yield page.follow(link, 'post');
      },
      *post(page: Page) {
        yield { kind: 'post', title: page.text('h1') };
      },
    });
    const output = memorySink();
    const stats = await crawl(spider, { output, logLevel: 'silent' });
    expect(stats.closeReason).toBe('finished');
    const byKind = (kind: string) => output.items.filter((item) => item.kind === kind);
    expect(byKind('item')).toEqual([
      {
        kind: 'item',
        title: 'Steel',
        link: `${server.origin}/posts/steel`,
        author: 'Ann Lee',
        date: 'Mon, 01 Jan 2024 10:00:00 GMT',
        summary: '<p>Steel <b>kettles</b></p>',
      },
      {
        kind: 'item',
        title: 'Glass',
        link: '/posts/glass',
        author: 'Bob Stone',
        date: 'Tue, 02 Jan 2024 10:00:00 GMT',
        summary: 'Glass kettles',
      },
    ]);
    expect(byKind('count')).toEqual([{ kind: 'count', items: 2 }]);
    expect(
      byKind('post')
        .map((item) => item.title)
        .sort(),
    ).toEqual(['Glass post', 'Steel post']);
    // The channel's <link> (the home page) and the self link are not entries.
    expect(fetched(server.paths)).toEqual(['/feed.xml', '/posts/glass', '/posts/steel']);
  });

  it('the no-code crawl follows the entries of a feed and records its title', async () => {
    const server = await feedSite('text/xml');
    const output = memorySink();
    await crawl(siteSpider([`${server.origin}/feed.xml`]), { output, logLevel: 'silent' });
    const feed = output.items.find((item) => item.url === `${server.origin}/feed.xml`);
    expect(feed?.title).toBe('Kettle News');
    expect(feed?.links).toEqual([`${server.origin}/posts/steel`, `${server.origin}/posts/glass`]);
    expect(fetched(server.paths)).toEqual(['/feed.xml', '/posts/glass', '/posts/steel']);
  });

  it('a feed served as text/html is parsed as HTML, and page.xml() reads it as XML anyway', async () => {
    const server = await feedSite('text/html');
    const seen: Array<{ isXml: boolean; htmlLink: string; xmlLinks: string[] }> = [];
    const spider = defineSpider({
      name: 'feed-as-html',
      start: [`${server.origin}/feed.xml`],
      parse(page: Page) {
        seen.push({
          isXml: page.isXml,
          htmlLink: page.text('item > link'),
          xmlLinks: page.xml().links(),
        });
      },
    });
    await crawl(spider, { output: memorySink(), logLevel: 'silent' });
    expect(seen).toEqual([
      {
        isXml: false,
        htmlLink: '', // HTML's void <link>: the RSS link text is lost, as before XML mode
        xmlLinks: [`${server.origin}/posts/steel`, `${server.origin}/posts/glass`],
      },
    ]);
  });
});

/** A page with links in and out of <main>, and a nested region. */
const blog = {
  '/': html(
    '<nav><a href="/about">about</a></nav>' +
      '<main><a href="/post/1">1</a><section><a href="/post/2">2</a></section></main>' +
      '<footer><a href="/post/3">3</a></footer>',
  ),
  '/post/1': html('<h1>one</h1>'),
  '/post/2': html('<h1>two</h1>'),
  '/post/3': html('<h1>three</h1>'),
  '/about': html('<h1>about</h1>'),
};

describe('restrictXpath in link rules', () => {
  async function crawlWith(rule: { restrictCss?: string; restrictXpath?: string }) {
    const server = await startLocalServer(blog);
    const output = memorySink();
    const spider = defineSpider({
      name: 'restrict',
      start: [`${server.origin}/`],
      rules: [{ ...rule, handler: 'post' }],
      post: (page) => ({ path: new URL(page.url).pathname }),
    });
    await crawl(spider, { output, logLevel: 'silent' });
    return {
      items: output.items.map((item) => item.path).sort(),
      fetched: fetched(server.paths),
    };
  }

  it('takes the same links as restrictCss on the same page', async () => {
    const css = await crawlWith({ restrictCss: 'main' });
    const xpath = await crawlWith({ restrictXpath: '//main' });
    expect(css.items).toEqual(['/post/1', '/post/2']);
    expect(xpath).toEqual(css);
    // A link matched by the expression itself counts, as with restrictCss.
    const anchors = await crawlWith({ restrictXpath: '//footer/a | //nav/a' });
    expect(anchors.items).toEqual(['/about', '/post/3']);
    expect(anchors).toEqual(await crawlWith({ restrictCss: 'footer a, nav a' }));
  });

  it('on a feed, takes the entries of the matching items', async () => {
    const server = await feedSite();
    const output = memorySink();
    const spider = defineSpider({
      name: 'feed-rules',
      start: [`${server.origin}/feed.xml`],
      rules: [{ restrictXpath: '//item[dc:creator="Bob Stone"]', handler: 'post' }],
      post: (page) => ({ title: page.text('h1') }),
    });
    await crawl(spider, { output, logLevel: 'silent' });
    expect(output.items).toEqual([{ title: 'Glass post' }]);
    expect(fetched(server.paths)).toEqual(['/feed.xml', '/posts/glass']);
  });

  it('a bad expression (or selector) is a ConfigError naming the rule when the spider is defined', () => {
    const define = (rule: { restrictCss?: string; restrictXpath?: string | string[] }) =>
      defineSpider({ name: 'x', start: 'http://127.0.0.1/', rules: [{}, rule], parse() {} });
    expect(() => define({ restrictXpath: '//main[' })).toThrow(ConfigError);
    expect(() => define({ restrictXpath: ['//main', '//div['] })).toThrow(
      /rules\[1\] of spider "x": restrictXpath "\/\/div\[" is invalid/,
    );
    expect(() => define({ restrictCss: 'main[' })).toThrow(
      /rules\[1\] of spider "x": restrictCss "main\[" is invalid/,
    );
    expect(() => define({ restrictXpath: '' })).toThrow(ConfigError);
    expect(() => define({ restrictXpath: '//main' })).not.toThrow();
  });
});
