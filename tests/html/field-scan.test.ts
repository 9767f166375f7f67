// scanFields reads, without a DOM, what a handler gets from the DOM: `text(css)` of simple selectors and the hrefs
// `links()` resolves. Checked against parseHtml on hand-picked hostile markup and on seeded random documents.
import { describe, expect, it } from 'vitest';
import { scanFields, simpleSelector } from '../../src/html/field-scan.js';
import { parseHtml } from '../../src/html/index.js';
import { resolveBaseUrl, resolveLinks } from '../../src/html/links.js';

const URL_OF_PAGE = 'https://shop.example/dir/page.html';

function expectSameAsDom(html: string, selectors: readonly string[]): void {
  const parsed = selectors.map((css) => {
    const selector = simpleSelector(css);
    if (selector === undefined) throw new Error(`not simple: ${css}`);
    return selector;
  });
  const scan = scanFields(html, parsed);
  const dom = parseHtml(html, { url: URL_OF_PAGE });
  for (const css of selectors) {
    expect({ html, css, text: scan.texts.get(css) }).toEqual({ html, css, text: dom.text(css) });
  }
  const links = resolveLinks(scan.hrefs, resolveBaseUrl(scan.baseHref, URL_OF_PAGE));
  expect({ html, links }).toEqual({ html, links: dom.links() });
}

describe('simpleSelector', () => {
  it('takes a type, classes and ids, and leaves everything else to the DOM', () => {
    for (const css of ['h1', 'H1.Title', '.price', '#sku', 'div.a.b#c', '*.x', '*'])
      expect(simpleSelector(css), css).toBeDefined();
    for (const css of [
      '',
      'div p',
      'ul > li',
      'a[href]',
      'p:first-child',
      '.a,.b',
      '.1x',
      '.a\\:b',
      'h1::text',
      ' h1',
    ])
      expect(simpleSelector(css), css).toBeUndefined();
  });
});

describe('scanFields agrees with the DOM', () => {
  const cases: Array<[string, string[]]> = [
    [
      '<h1 class="product-title">  Harbor &amp; Vine\n Kettle </h1><p class=price>$9<span>.99</span></p>',
      ['h1.product-title', '.price', 'h1', '.missing'],
    ],
    // Blocks are spaced, inline runs are not; hidden content skipped below the match.
    [
      '<div class=x>a<p>b</p>c<span>d</span><script>no</script><style>no</style><template>no</template><noscript>no</noscript>e<br>f</div>',
      ['.x', 'div', 'p', 'span'],
    ],
    // A script or style asked for itself gives its raw content; a hidden element asked for itself gives its text.
    [
      '<script class=ld type="application/ld+json">  {"a": "&amp;<b>"} </script><noscript class=n>x <b>y</b></noscript><template class=t><p>in</p></template>',
      ['.ld', 'script', '.n', '.t', 'p'],
    ],
    // Implied end tags: a <p> ends at the next block; <li> ends at the next <li>.
    ['<p class=a>one<div>two</div><ul><li class=b>x<li class=c>y</ul>', ['.a', '.b', '.c', 'div']],
    // Nested matches: the first match in document order, the outer one.
    ['<div class=k>out<div class=k>in</div>more</div>', ['.k', 'div.k']],
    // Template content never matches, the template itself does; links inside it count.
    [
      '<template class=q><p class=q>t</p><a href="/in-template">x</a></template><p class=q>real</p>',
      ['.q', 'p.q', 'template'],
    ],
    // Foreign content: a script inside <svg> is an ordinary element with children.
    [
      '<svg><script class=s>a<g>b</g>c</script><style class=st>x<b>y</b></style></svg><p class=after>z</p>',
      ['.s', '.st', '.after'],
    ],
    // CDATA reads as text in foreign content, as a comment in HTML.
    [
      '<svg class=v><text><![CDATA[in <svg>]]></text></svg><p class=w><![CDATA[no]]>yes</p>',
      ['.v', '.w'],
    ],
    // Classes between any whitespace, ids exact, names lower-cased, duplicated attributes keep the first.
    [
      '<P CLASS="a\tb\u00a0c" id=main class="ignored">t1</P><div id=Main class="b">t2</div><div class="x-y">t3</div>',
      ['p.a.b', '.c', 'p#main', '#Main', '.x-y', '.ignored', 'P'],
    ],
    // Unclosed at the end, stray end tags, void elements, raw text with markup inside.
    [
      '<div class=u>a</span><img class=i>b<title class=t>x<b>y</b></title><textarea class=ta> &lt;q&gt; </textarea><div class=open>never closed',
      ['.u', '.i', '.t', '.ta', '.open', 'title'],
    ],
    // Whitespace kinds, entities in text and attributes, numeric references.
    [
      '<p class=e>a&nbsp;&nbsp;b\r\n\tc &#x41;&#66;&copy &notit; &amp</p><a href="?a=1&amp;b=2&copy=3">q</a>',
      ['.e'],
    ],
    // <base href> anywhere (the first with an href) applies to every link, even earlier ones.
    [
      '<a href="x.html">1</a><base target=_top><base href="/other/"><base href="/ignored/"><area href="y.html"><a>no href</a><a href="#frag">f</a><a href="javascript:void 0">j</a><a href="x.html">dup</a>',
      [],
    ],
    ['', ['p', '.x']],
    ['plain text, no markup', ['p', '*']],
    ['<!-- <p class=c>comment</p> --><p class=c>after</p>', ['.c']],
  ];
  for (const [html, selectors] of cases) {
    it(html.slice(0, 70), () => expectSameAsDom(html, selectors));
  }

  it('on 2,000 seeded random documents', () => {
    let seed = 20261207;
    const random = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const tags = [
      'div',
      'p',
      'span',
      'h1',
      'a',
      'area',
      'base',
      'script',
      'style',
      'template',
      'noscript',
      'svg',
      'math',
      'table',
      'tr',
      'td',
      'li',
      'ul',
      'br',
      'img',
      'title',
      'textarea',
      'b',
      'option',
      'select',
      'g',
      'form',
      'button',
    ];
    const texts = [
      ' ',
      'a b',
      '\n\t',
      '&amp;',
      '&lt;p&gt;',
      '\u00a0x',
      '&nbsp;',
      '&copy',
      'é',
      '<',
      '& x',
      '1 < 2',
      ']]>',
    ];
    const classes = ['x', 'y', 'z', 'price', 'X'];
    const hrefs = [
      '/p',
      'q.html',
      '?s=1&amp;t=2',
      '#f',
      'mailto:a@b',
      '//other.example/z',
      'https://shop.example/a b',
      '',
    ];
    const node = (depth: number): string => {
      const roll = random();
      if (depth > 5 || roll < 0.3) return pick(texts);
      if (roll < 0.34)
        return pick([
          '<!-- c -->',
          '<![CDATA[cd]]>',
          '</p>',
          '</div>',
          '<?pi?>',
          '<!doctype html>',
        ]);
      const tag = pick(tags);
      // Attributes the scan does not read, and differently cased or repeated ones it must read as the DOM does.
      const other = () =>
        random() < 0.4
          ? pick([
              ' title="t&amp;x"',
              ' data-x=1',
              ' ID=y',
              ' Class="x"',
              ' HREF="/u"',
              " style='a:b'",
              ' hidden',
              ' iD=x&amp;',
            ])
          : '';
      let attributes = other();
      if (random() < 0.6)
        attributes += ` class="${pick(classes)}${random() < 0.3 ? ` ${pick(classes)}` : ''}"`;
      if (random() < 0.2) attributes += ` id=${pick(classes)}`;
      if (random() < 0.7 && (tag === 'a' || tag === 'area' || tag === 'base'))
        attributes += ` href="${pick(hrefs)}"`;
      attributes += other();
      let inner = '';
      const count = Math.floor(random() * 4);
      for (let i = 0; i < count; i++) inner += node(depth + 1);
      return `<${tag}${attributes}>${inner}${random() < 0.8 ? `</${tag}>` : ''}`;
    };
    const selectors = [
      '.x',
      '.y',
      'div.x',
      'p',
      'span.price',
      '#x',
      '#y.z',
      'script',
      'style.x',
      'template',
      'title',
      'textarea',
      'td',
      'li.y',
      'svg',
      'g.x',
      'option',
      '*.X',
    ];
    for (let i = 0; i < 2000; i++) {
      let html = '';
      const count = 1 + Math.floor(random() * 5);
      for (let j = 0; j < count; j++) html += node(0);
      expectSameAsDom(html, selectors);
    }
  });
});
