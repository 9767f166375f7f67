// parseHtml + HtmlElement + Selection: selectors, text whitespace rules, attr overloads, navigation, malformed input.
import { describe, expect, it } from 'vitest';
import { HtmlDocument, HtmlElement, parseHtml, Selection } from '../../src/html/index.js';

const page = `<!doctype html><html><head><title>  Shop  </title></head><body>
<div id="main" class="content wide">
  <h1 class="title">Blue   <em>kettle</em>
  </h1>
  <p class="price" data-currency="EUR">&euro;&nbsp;39.90</p>
  <ul class="tags"><li>steel</li><li> fast </li><li></li><li>quiet</li></ul>
  <p>Visit <a href="/help?x=1&amp;y=2" title="Help &quot;me&quot;">help</a> now.</p>
  <script>var x = "<p>not text</p>";</script><style>p { color: red }</style>
</div></body></html>`;

describe('parseHtml', () => {
  const doc = parseHtml(page, { url: 'https://shop.example/' });

  it('returns an HtmlDocument that remembers its URL', () => {
    expect(doc).toBeInstanceOf(HtmlDocument);
    expect(doc.url).toBe('https://shop.example/');
    expect(doc.tag).toBe('#document');
    expect(parseHtml('<p>x</p>').url).toBeUndefined();
  });

  it('selects with CSS and wraps matches as HtmlElement in a Selection', () => {
    const items = doc.select('ul.tags > li');
    expect(items).toBeInstanceOf(Selection);
    expect(items).toBeInstanceOf(Array);
    expect(items.length).toBe(4);
    expect(items[0]).toBeInstanceOf(HtmlElement);
    expect(items.map((li) => li.text())).toEqual(['steel', 'fast', '', 'quiet']);
    expect([...items].length).toBe(4);
    expect(doc.select('.nothing').length).toBe(0);
  });

  it('returns plain arrays from map and filter, not Selections of strings', () => {
    const texts = doc.select('li').map((li) => li.text());
    expect(texts).not.toBeInstanceOf(Selection);
    expect(doc.select('li').filter((li) => li.text() !== '')).not.toBeInstanceOf(Selection);
  });

  it('collapses whitespace (non-breaking spaces included) and trims text', () => {
    expect(doc.text('h1')).toBe('Blue kettle');
    expect(doc.text('.price')).toBe('€ 39.90');
    expect(doc.title()).toBe('Shop');
  });

  it('gives an empty string for text of a selector that matches nothing', () => {
    expect(doc.text('.missing')).toBe('');
  });

  it('skips script and style inside an element but returns their raw content when asked directly', () => {
    const main = doc.selectOne('#main');
    expect(main?.text()).toBe('Blue kettle € 39.90 steel fast quiet Visit help now.');
    expect(doc.text('script')).toBe('var x = "<p>not text</p>";');
  });

  it('separates block elements with a space but keeps inline runs together', () => {
    const d = parseHtml('<div><p>a</p><p>b</p><span>$</span><span>9</span><br>c<td>d</td></div>');
    expect(d.text('div')).toBe('a b $9 c d');
  });

  it('joins the non-empty texts of a Selection with one space', () => {
    const tags = doc.select('li');
    expect(tags.text()).toBe('steel fast quiet');
    expect(tags.texts()).toEqual(['steel', 'fast', '', 'quiet']);
    expect(tags.first()?.text()).toBe('steel');
    expect(tags.last()?.text()).toBe('quiet');
    expect(new Selection().first()).toBeUndefined();
  });

  it('reads attributes of the element or of the first match, with entities decoded', () => {
    const link = doc.selectOne('a');
    expect(link?.attr('href')).toBe('/help?x=1&y=2');
    expect(link?.attr('title')).toBe('Help "me"');
    expect(link?.attr('HREF')).toBe('/help?x=1&y=2');
    expect(link?.attr('rel')).toBeUndefined();
    expect(doc.attr('a', 'href')).toBe('/help?x=1&y=2');
    expect(doc.attr('.price', 'data-currency')).toBe('EUR');
    expect(doc.attr('.missing', 'href')).toBeUndefined();
    expect(doc.attr('href')).toBeUndefined();
    expect(doc.select('li').attr('class')).toBeUndefined();
    expect(doc.select('p').attrs('class')).toEqual(['price']);
  });

  it('does not read inherited object properties as attributes', () => {
    expect(doc.selectOne('a')?.attr('constructor')).toBeUndefined();
    expect(doc.selectOne('a')?.attr('toString')).toBeUndefined();
  });

  it('lists all attributes as a fresh object', () => {
    const attrs = doc.selectOne('#main')?.attrs();
    expect(attrs).toEqual({ id: 'main', class: 'content wide' });
    if (attrs) attrs.id = 'changed';
    expect(doc.selectOne('#main')?.attr('id')).toBe('main');
  });

  it('serializes outer and inner HTML keeping UTF-8 characters', () => {
    const price = doc.selectOne('.price');
    expect(price?.html()).toBe('<p class="price" data-currency="EUR">€&nbsp;39.90</p>');
    expect(doc.selectOne('h1')?.innerHtml()).toContain('<em>kettle</em>');
    expect(doc.html()).toContain('<title>  Shop  </title>');
  });

  it('navigates to parent, children, siblings and the closest match', () => {
    const li = doc.selectOne('li');
    expect(li?.tag).toBe('li');
    expect(li?.parent()?.tag).toBe('ul');
    expect(li?.closest('div')?.attr('id')).toBe('main');
    expect(li?.closest('li')?.text()).toBe('steel');
    expect(li?.closest('table')).toBeUndefined();
    expect(li?.next()?.text()).toBe('fast');
    expect(li?.prev()).toBeUndefined();
    expect(doc.selectOne('ul')?.children().length).toBe(4);
    expect(doc.selectOne('html')?.parent()).toBeUndefined();
    expect(doc.children().map((child) => child.tag)).toEqual(['html']);
    expect(li?.is('ul > li')).toBe(true);
  });

  it('scopes selectors to the element they are run on, relative ones included', () => {
    const main = doc.selectOne('#main');
    expect(main?.select('div li').length).toBe(0); // the div must be inside #main
    expect(main?.select('> h1').length).toBe(1);
    expect(
      doc
        .selectOne('h1')
        ?.select('+ p')
        .map((p) => p.attr('class')),
    ).toEqual(['price']);
    expect(doc.select('ul').select('li').length).toBe(4);
  });

  it('supports attribute, pseudo-class and :contains selectors', () => {
    expect(doc.select('li:nth-child(2)').text()).toBe('fast');
    expect(doc.select('p:has(a)').length).toBe(1);
    expect(doc.select('li:contains(quiet)').length).toBe(1);
    expect(doc.select('[data-currency^=EU]').length).toBe(1);
    expect(doc.select('li:empty').length).toBe(1);
  });

  it('reports an invalid selector as a SyntaxError naming it', () => {
    expect(() => doc.select('a[')).toThrow(SyntaxError);
    expect(() => doc.select('a[')).toThrow(/"a\["/);
    expect(() => doc.selectOne('li')?.select('::')).toThrow(SyntaxError);
  });

  it('lower-cases tag and attribute names', () => {
    const d = parseHtml('<DIV CLASS="X"><A HREF="/a">A</A></DIV>');
    expect(d.selectOne('div')?.tag).toBe('div');
    expect(d.attr('a', 'href')).toBe('/a');
    expect(d.select('div.X').length).toBe(1);
  });
});

describe('malformed HTML', () => {
  it('closes unclosed tags and ignores stray end tags', () => {
    const d = parseHtml('<div><p>one<p>two</div></div></span><ul><li>a<li>b</ul><b>bold');
    expect(d.select('p').texts()).toEqual(['one', 'two']);
    expect(d.select('li').texts()).toEqual(['a', 'b']);
    expect(d.text('b')).toBe('bold');
    expect(d.select('div').length).toBe(1);
  });

  it('parses unquoted attributes, bare ampersands and broken comments', () => {
    const d = parseHtml('<a href=/x?a=1&b=2 class=big>x</a><!-- never closed <p>hidden');
    expect(d.attr('a', 'href')).toBe('/x?a=1&b=2');
    expect(d.select('a.big').length).toBe(1);
    expect(d.select('p').length).toBe(0);
  });

  it('survives empty input, text only and deeply nested markup', () => {
    expect(parseHtml('').text()).toBe('');
    expect(parseHtml('').title()).toBeUndefined();
    expect(parseHtml('just text').text()).toBe('just text');
    const deep = `${'<div>'.repeat(20_000)}deep${'</div>'.repeat(20_000)}`;
    const d = parseHtml(deep);
    expect(d.text()).toBe('deep');
    expect(d.select('div').length).toBe(20_000);
  });

  it('keeps script contents as raw text, not markup', () => {
    const d = parseHtml(
      '<script>if (a < b) { document.write("<a href=/x>") }</script><a href="/y">y</a>',
    );
    expect(d.select('a').length).toBe(1);
  });
});
