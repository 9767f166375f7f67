// parsel's ::text and ::attr(name) in css(), returning strings with get()/getAll().
import { describe, expect, expectTypeOf, it } from 'vitest';
import { HtmlElement, parseHtml } from '../../src/html/index.js';
import { blogListing, productPage } from './fixtures/select-pages.js';

describe('css() with pseudo-elements', () => {
  const product = parseHtml(productPage);
  const blog = parseHtml(blogListing);

  it('h1::text is the element’s own text nodes; "h1 ::text" is every text node under it', () => {
    expect(product.css('h1::text').getAll()).toEqual(['Steel Kettle ']);
    expect(product.css('h1 ::text').getAll()).toEqual(['Steel Kettle ', '1.7 L']);
    expect(
      product
        .css('li::text')
        .getAll()
        .map((s) => s.trim()),
    ).toEqual(['1.7 L', '2200 W', 'Brushed steel']);
  });

  it('::attr(name) gives the attribute of each match that has it', () => {
    expect(blog.css('h2 a::attr(href)').getAll()).toEqual([
      '/2024/first-post',
      '/2024/second-post',
    ]);
    expect(product.css('a.review::attr(title)').getAll()).toEqual(['Great']);
    expect(product.css('main::attr("data-sku")').get()).toBe('KT-170');
  });

  it('get() is the first result or undefined', () => {
    expect(blog.css('a.next::text').get()).toBe('Older posts');
    expect(blog.css('a.missing::text').get()).toBeUndefined();
  });

  it('works under an element and with a bare ::text', () => {
    const post = blog.selectOne('#p2');
    if (post === undefined) throw new Error('fixture: no #p2');
    expect(post.css('time::attr(datetime)').getAll()).toEqual(['2024-02-11']);
    const authors = blog.selectOne('#p1 .authors');
    expect(authors?.css('::text').getAll()).toEqual(['Ann Lee', 'Bob Stone', 'Carla Diaz']);
  });

  it('splits comma lists at the top level only', () => {
    expect(product.css('a[title="Great"]::text, nav span::text').getAll()).toEqual([
      '5 stars',
      'Kettles',
    ]);
  });

  it('without a pseudo-element returns elements, in the same order as select()', () => {
    const matches = product.css('ul.specs li');
    expect(matches.get()).toBeInstanceOf(HtmlElement);
    expect(matches.map((li) => li.node)).toEqual(
      product.select('ul.specs li').map((li) => li.node),
    );
    expectTypeOf(matches.get()).toEqualTypeOf<HtmlElement | undefined>();
    expectTypeOf(product.css('h1::text').getAll()).toEqualTypeOf<string[]>();
  });

  it('re()/reFirst() on results', () => {
    expect(product.css('.amount::text').reFirst(/[\d.]+/)).toBe('39.90');
    expect(blog.css('time::attr(datetime)').re(/^(\d{4})/)).toEqual(['2024', '2024']);
  });
});
