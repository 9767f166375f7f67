// page.xpath() and page.css('::text') in a real crawl: a blog listing and its posts on a local server.
import { describe, expect, it } from 'vitest';
import { crawl, defineSpider, type Page } from '../../src/index.js';
import { startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';
import { blogListing } from '../html/fixtures/select-pages.js';

const post = (title: string, tags: string[]) =>
  `<!doctype html><html><body><h1>${title}</h1><p class="tags">${tags.join('<br>')}</p></body></html>`;

describe('page.xpath in a handler', () => {
  it('follows hrefs found by XPath and scrapes fields with xpath and css ::text', async () => {
    const server = await startLocalServer({
      '/robots.txt': 'User-agent: *\nAllow: /\n',
      '/': blogListing,
      '/2024/first-post': post('First post', ['node', 'xpath']),
      '/2024/second-post': post('Second post', ['css']),
    });
    const spider = defineSpider({
      name: 'blog',
      start: [`${server.origin}/`],
      *parse(page: Page) {
        for (const href of page.xpath('//article//h2/a/@href').getAll()) {
          yield page.follow(href, 'post');
        }
      },
      *post(page: Page) {
        yield {
          title: page.xpath('//h1/text()').get() ?? null,
          tags: page.css('p.tags::text').getAll(),
          tagCount: page.xpath('count(//p[@class="tags"]/text())').get() ?? null,
        };
      },
    });
    const sink = memorySink();
    const stats = await crawl(spider, { output: sink, logLevel: 'silent' });
    expect(stats.closeReason).toBe('finished');
    const items = sink.items.map(({ title, tags, tagCount }) => ({ title, tags, tagCount }));
    expect(items.sort((a, b) => String(a.title).localeCompare(String(b.title)))).toEqual([
      { title: 'First post', tags: ['node', 'xpath'], tagCount: 2 },
      { title: 'Second post', tags: ['css'], tagCount: 1 },
    ]);
  });
});
