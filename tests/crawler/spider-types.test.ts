import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineSpider, type Page } from '../../src/index.js';

describe('defineSpider', () => {
  it('collects every function-valued key except configuration as a handler', () => {
    const spider = defineSpider({
      name: 'books',
      start: ['http://127.0.0.1/'],
      allowedDomains: ['127.0.0.1'],
      parse(page) {
        return page.follow('/b', 'book');
      },
      book(page) {
        return { url: page.url };
      },
    });
    expect(Object.keys(spider.handlers).sort()).toEqual(['book', 'parse']);
    expect(spider.allowedDomains).toEqual(['127.0.0.1']);
  });

  it('calls handlers with this bound to the spider, so one handler can delegate to another', () => {
    const spider = defineSpider({
      name: 'delegating',
      start: 'http://127.0.0.1/',
      parse(page) {
        return this.detail(page);
      },
      detail(page) {
        return { url: page.url, from: this.name };
      },
    });
    const parse = spider.handlers.parse;
    const page = { url: 'http://127.0.0.1/a' } as Page<'parse' | 'detail'>;
    expect(parse(page)).toEqual({ url: 'http://127.0.0.1/a', from: 'delegating' });
  });

  it('types handler names given to page.follow', () => {
    defineSpider({
      name: 'typed',
      start: 'http://127.0.0.1/',
      parse(page) {
        // The second parameter: the spider's item types (none declared here).
        // biome-ignore lint/complexity/noBannedTypes: no item types
        expectTypeOf(page).toEqualTypeOf<Page<'parse' | 'detail', {}>>();
        // @ts-expect-error 'nope' is not a handler of this spider
        page.follow('/x', 'nope');
        return page.follow('/x', 'detail');
      },
      detail() {
        return undefined;
      },
    });
  });
});
