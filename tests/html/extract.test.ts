// HtmlDocument.extract() (cheerio-style) and jsonLd().
import { describe, expect, expectTypeOf, it } from 'vitest';
import { parseHtml } from '../../src/html/index.js';

const page = `<base href="/shop/"><h1> Kettle </h1><span class="price">39.90</span>
<ul><li class="p"><a href="k1">One</a><b>1</b></li><li class="p"><a href="https://x.example/k2#f">Two</a><b>2</b></li></ul>
<img src="img/k.png">
<script type="application/ld+json">{"@type": "Product", "name": "Kettle"}</script>
<script type="application/LD+JSON">[{"@type": "Offer"}, {"@type": "Brand"}]</script>
<script type="application/ld+json">{ not json</script>`;

describe('HtmlDocument.extract', () => {
  const doc = parseHtml(page, { url: 'https://store.example/p/1' });

  it('maps keys to the text of the first match, or null (never a missing key)', () => {
    const data = doc.extract({
      title: 'h1',
      price: '.price',
      missing: '.nope',
      noAttribute: { selector: 'h1', value: 'data-x' },
      nothing: { selector: 'h1', value: () => undefined },
    });
    expect(data).toStrictEqual({
      title: 'Kettle',
      price: '39.90',
      missing: null,
      noAttribute: null,
      nothing: null,
    });
    expect(JSON.parse(JSON.stringify(data))).toHaveProperty('missing', null);
    expectTypeOf(data.title).toEqualTypeOf<string | null>();
  });

  it('collects all matches for bracketed entries, and resolves href/src', () => {
    const data = doc.extract({
      names: ['li a'],
      links: [{ selector: 'li a', value: 'href' }],
      image: { selector: 'img', value: 'src' },
      classes: [{ selector: 'li', value: 'class' }],
      html: { selector: 'li b', value: 'html' },
    });
    expect(data).toEqual({
      names: ['One', 'Two'],
      links: ['https://store.example/shop/k1', 'https://x.example/k2#f'],
      image: 'https://store.example/shop/img/k.png',
      classes: ['p', 'p'],
      html: '<b>1</b>',
    });
    expectTypeOf(data.names).toEqualTypeOf<string[]>();
  });

  it('runs nested maps and functions per match', () => {
    const data = doc.extract({
      products: [
        {
          selector: 'li.p',
          value: { name: 'a', rank: { selector: 'b', value: (el) => Number(el.text()) } },
        },
      ],
      count: { selector: 'ul', value: (el) => el.children().length },
    });
    expect(data).toEqual({
      products: [
        { name: 'One', rank: 1 },
        { name: 'Two', rank: 2 },
      ],
      count: 2,
    });
    expectTypeOf(data.count).toEqualTypeOf<number | null>();
  });
});

describe('HtmlDocument.jsonLd', () => {
  it('parses every JSON-LD block, flattens arrays and skips invalid JSON', () => {
    expect(parseHtml(page).jsonLd()).toEqual([
      { '@type': 'Product', name: 'Kettle' },
      { '@type': 'Offer' },
      { '@type': 'Brand' },
    ]);
  });
});
