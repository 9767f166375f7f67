// XPath 1.0 on documents and elements: same answers as the CSS selectors on the same pages.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { HtmlElement, type MatchValue, parseHtml } from '../../src/html/index.js';
import { blogListing, productPage } from './fixtures/select-pages.js';

describe('xpath on a product page', () => {
  const doc = parseHtml(productPage);

  it('selects the same elements as CSS, wrapped as HtmlElement', () => {
    const viaXPath = doc.xpath('//ul[@class="specs"]/li').elements();
    const viaCss = doc.select('ul.specs > li');
    expect(viaXPath.length).toBe(3);
    expect(viaXPath.map((li) => li.node)).toEqual(viaCss.map((li) => li.node));
    expect(doc.xpath('//h1').get()).toBeInstanceOf(HtmlElement);
  });

  it('returns text nodes and attributes as strings, matching ::text and ::attr', () => {
    expect(doc.xpath('//h1/text()').getAll()).toEqual(doc.css('h1::text').getAll());
    expect(doc.xpath('//h1/text()').get()).toBe('Steel Kettle ');
    expect(doc.xpath('//a[@class="review"]/@href').getAll()).toEqual(['/reviews/1', '/reviews/2']);
    expect(doc.xpath('//a[@class="review"]/@href').getAll()).toEqual(
      doc.css('a.review::attr(href)').getAll(),
    );
    expect(doc.xpath('//main/@data-sku').get()).toBe(doc.attr('main', 'data-sku'));
    expect(doc.xpath('//p[@class="price"]//text()').getAll().join('')).toBe('€39.90');
  });

  it('returns numbers, strings and booleans from functions', () => {
    expect(doc.xpath('count(//li)').get()).toBe(3);
    expect(doc.xpath('string(//span[@class="amount"])').get()).toBe('39.90');
    expect(doc.xpath('normalize-space(//h1)').get()).toBe(doc.text('h1'));
    expect(doc.xpath('boolean(//a[@title])').get()).toBe(true);
  });

  it('evaluates relative to an element; // still means the whole page', () => {
    const specs = doc.selectOne('ul.specs');
    if (specs === undefined) throw new Error('fixture: no ul.specs');
    expect(specs.xpath('./li/b/text()').getAll()).toEqual(['Capacity:', 'Power:', 'Colour:']);
    expect(
      specs
        .xpath('.//b/following-sibling::text()')
        .getAll()
        .map((s) => s.trim()),
    ).toEqual(['1.7 L', '2200 W', 'Brushed steel']);
    expect(specs.xpath('//h1/small/text()').get()).toBe('1.7 L');
    expect(specs.xpath('../@id').get()).toBe('product');
  });

  it('keeps document order, and entities are decoded', () => {
    expect(doc.xpath('//nav/a/text() | //nav/span/text()').getAll()).toEqual([
      'Home',
      'Kitchen',
      'Kettles',
    ]);
    // An element's attributes come before its children, as XPath orders them.
    expect(doc.xpath('//a[@title]/text() | //a[@title]/@href').getAll()).toEqual([
      '/reviews/1',
      '5 stars',
    ]);
    expect(doc.xpath('//div[@class="description"]/p[2]/text()').get()).toBe(
      'Auto shut-off & boil-dry protection.',
    );
  });

  it('re() and reFirst() run over the results', () => {
    expect(doc.xpath('//li/text()').re(/(\d+(?:\.\d+)?)/)).toEqual(['1.7', '2200']);
    expect(doc.xpath('//ul[@class="specs"]').reFirst(/Power: (\d+) W/)).toBe('2200');
  });

  it('throws a SyntaxError naming the expression', () => {
    expect(() => doc.xpath('//li[')).toThrow(SyntaxError);
    expect(() => doc.xpath('//li[')).toThrow('//li[');
  });

  it('narrows the result type from a literal expression', () => {
    expectTypeOf(doc.xpath('//h1/text()').get()).toEqualTypeOf<string | undefined>();
    expectTypeOf(doc.xpath('//a/@href').getAll()).toEqualTypeOf<string[]>();
    expectTypeOf(doc.xpath('count(//li)').get()).toEqualTypeOf<number | undefined>();
    expectTypeOf(doc.xpath('//a[@href]').get()).toEqualTypeOf<MatchValue | undefined>();
    const built: string = '//h1';
    expectTypeOf(doc.xpath(built).get()).toEqualTypeOf<MatchValue | undefined>();
  });
});

describe('xpath on a blog listing', () => {
  const doc = parseHtml(blogListing);

  it('reads each post like the CSS version does', () => {
    const viaCss = doc.select('article.post').map((post) => ({
      title: post.text('h2 a'),
      url: post.attr('h2 a', 'href'),
      author: post.text('a[rel=author]'),
      date: post.attr('time', 'datetime'),
    }));
    const viaXPath = doc
      .xpath('//article[contains(@class, "post")]')
      .elements()
      .map((post) => ({
        title: post.xpath('string(.//h2/a)').get(),
        url: post.xpath('.//h2/a/@href').get(),
        author: post.xpath('.//a[@rel="author"]/text()').get(),
        date: post.xpath('.//time/@datetime').get(),
      }));
    expect(viaXPath).toEqual(viaCss);
    expect(viaXPath[1]).toEqual({
      title: 'Second post',
      url: '/2024/second-post',
      author: 'Bob',
      date: '2024-02-11',
    });
  });

  it('gets the loose text between <br>s as separate strings', () => {
    expect(doc.xpath('//article[@id="p1"]/p[@class="authors"]/text()').getAll()).toEqual([
      'Ann Lee',
      'Bob Stone',
      'Carla Diaz',
    ]);
  });

  it('walks sibling and ancestor axes', () => {
    expect(doc.xpath('//time[@datetime="2024-01-05"]/ancestor::article/@id').get()).toBe('p1');
    expect(doc.xpath('//article[@id="p1"]/following-sibling::article/@id').getAll()).toEqual([
      'p2',
    ]);
    expect(doc.xpath('//a[@class="next"]/preceding-sibling::*[1]/@id').get()).toBe('p2');
  });
});
