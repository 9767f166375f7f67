// text({ separator, trim }), strings(), nextText()/previousText(), previous(), re()/reFirst() on elements.
import { describe, expect, it } from 'vitest';
import { parseHtml } from '../../src/html/index.js';
import { blogListing, productPage } from './fixtures/select-pages.js';

describe('text helpers', () => {
  const product = parseHtml(productPage);
  const blog = parseHtml(blogListing);

  it('text({ separator }) keeps the structure, so a <br> list can be split', () => {
    // Plain text() puts everything on one line: names with spaces cannot be split back.
    expect(blog.text('#p1 .authors')).toBe('Ann Lee Bob Stone Carla Diaz');
    const authors = blog.text('#p1 .authors', { separator: '\n' });
    expect(authors).toBe('Ann Lee\nBob Stone\nCarla Diaz');
    expect(authors.split('\n')).toEqual(['Ann Lee', 'Bob Stone', 'Carla Diaz']);
    expect(product.selectOne('.description')?.text({ separator: ' | ' })).toBe(
      'Boils fast. | Auto shut-off & boil-dry protection.',
    );
  });

  it('text({ trim: false }) keeps each string as written', () => {
    expect(product.selectOne('h1')?.text({ separator: '', trim: false })).toBe(
      'Steel Kettle 1.7 L',
    );
  });

  it('strings() lists every text node, loose text between elements included', () => {
    const meta = blog.selectOne('#p1 .meta');
    expect(meta?.strings()).toEqual(['By ', 'Ann', ' on ', '5 Jan']);
    expect(product.selectOne('nav')?.strings({ trim: true })).toEqual([
      'Home',
      '›',
      'Kitchen',
      '›',
      'Kettles',
    ]);
  });

  it('strings() skips script content', () => {
    expect(product.selectOne('body')?.strings({ trim: true })).not.toContain(
      'var tracking = "not text";',
    );
  });

  it('nextText()/previousText() read the loose text beside an element', () => {
    const labels = product.select('ul.specs b');
    expect(labels.map((b) => b.nextText())).toEqual(['1.7 L', '2200 W', 'Brushed steel']);
    const author = blog.selectOne('#p1 a[rel=author]');
    expect(author?.previousText()).toBe('By');
    expect(author?.nextText()).toBe('on');
    expect(blog.selectOne('#p1 time')?.nextText()).toBeUndefined();
  });

  it('next()/previous()/parent()/closest()/children() navigate elements', () => {
    const power = product.select('ul.specs li')[1];
    expect(power?.previous()?.text()).toBe('Capacity: 1.7 L');
    expect(power?.next()?.text()).toBe('Colour: Brushed steel');
    expect(power?.parent()?.is('ul.specs')).toBe(true);
    expect(power?.closest('main')?.attr('id')).toBe('product');
    expect(product.selectOne('ul.specs')?.children().length).toBe(3);
  });

  it('re() gives group 1 (or the whole match) for every match; reFirst() the first', () => {
    const specs = product.selectOne('ul.specs');
    expect(specs?.re(/(\d+(?:\.\d+)?) ?[LW]\b/)).toEqual(['1.7', '2200']);
    expect(specs?.re('\\d+ W')).toEqual(['2200 W']);
    expect(specs?.reFirst(/Colour: (\w+)/)).toBe('Brushed');
    expect(specs?.reFirst(/Weight: (\d+)/)).toBeUndefined();
  });
});
