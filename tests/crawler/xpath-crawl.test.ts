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

describe('the text helpers in a handler', () => {
  it('read line structure, loose text, siblings and ancestors of a served page', async () => {
    const server = await startLocalServer({
      '/robots.txt': 'User-agent: *\nAllow: /\n',
      '/': `<!doctype html><html><body><main id="book">
  <h1>The Crawl <small>2nd ed.</small></h1>
  <p class="authors">Ann Lee<br>Bob Stone</p>
  <ul class="facts"><li><b>Pages:</b> 312</li><li><b>Year:</b>  2024 <i>(reprint)</i></li></ul>
</main></body></html>`,
    });
    const spider = defineSpider({
      name: 'book',
      start: [`${server.origin}/`],
      *parse(page: Page) {
        const authors = page.selectOne('.authors');
        const year = page.xpath('//li[b="Year:"]/b').elements().first();
        yield {
          authors: authors?.text({ separator: '\n' }).split('\n') ?? null,
          authorsUntrimmed: authors?.text({ separator: '|', trim: false }) ?? null,
          strings: page.selectOne('h1')?.strings() ?? null,
          pages: page.selectOne('li b')?.nextText() ?? null,
          year: year?.nextText() ?? null,
          edition: page.selectOne('small')?.previousText() ?? null,
          parent: year?.parent()?.tag ?? null,
          closest: year?.closest('main')?.attr('id') ?? null,
          children: page.selectOne('ul.facts')?.children().texts() ?? null,
        };
      },
    });
    const sink = memorySink();
    const stats = await crawl(spider, { output: sink, logLevel: 'silent' });
    expect(stats.closeReason).toBe('finished');
    expect(sink.items).toEqual([
      {
        authors: ['Ann Lee', 'Bob Stone'],
        authorsUntrimmed: 'Ann Lee|Bob Stone',
        // Every text node as it is: the loose text keeps its space.
        strings: ['The Crawl ', '2nd ed.'],
        pages: '312',
        year: '2024',
        edition: 'The Crawl',
        parent: 'li',
        closest: 'book',
        children: ['Pages: 312', 'Year: 2024 (reprint)'],
      },
    ]);
  });
});
