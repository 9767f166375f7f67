// Parser micro-benchmark: htmlparser2 + css-select vs parse5 vs Arachne's streaming link extractor on one product page.
// Usage: npm run build && node bench/parsers.mjs [iterations=2000] [rounds=5]
// Each case extracts the same data (title, price, SKU, absolute links); results are checked equal before timing.
import { performance } from 'node:perf_hooks';

// Load the project's own copies explicitly: bench/node_modules holds crawlee's, possibly other versions.
const root = new URL('../', import.meta.url);
const load = (path) => import(new URL(path, root).href);
const htmlparser2 = await load('node_modules/htmlparser2/dist/index.js');
const cssSelect = await load('node_modules/css-select/dist/index.js');
const domutils = await load('node_modules/domutils/dist/index.js');
const parse5 = await load('node_modules/parse5/dist/index.js');
const arachne = await load('dist/html/index.js').catch((error) => {
  console.error('dist/html is missing: run `npm run build` first.', error.message);
  process.exit(1);
});

const iterations = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 5);
const PAGE_URL = 'https://shop.example.com/products/kettle-1042.html';

// ---- A realistic product page (~20 KB), deterministic -------------------------------------------------------------
function productPage() {
  let seed = 42;
  const random = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const words =
    'steel kettle boil fast quiet handle lid filter water litre power cord base cool touch auto'.split(
      ' ',
    );
  const sentence = (n) =>
    Array.from({ length: n }, () => words[Math.floor(random() * words.length)]).join(' ');
  const categories = Array.from(
    { length: 24 },
    (_, i) => `<li><a href="/category/${i}/">${sentence(2)}</a></li>`,
  );
  const footer = Array.from(
    { length: 16 },
    (_, i) => `<li><a href="/pages/${i}.html">${sentence(2)}</a></li>`,
  );
  const related = Array.from(
    { length: 14 },
    (_, i) =>
      `<div class="card"><a href="../products/item-${i}.html?ref=related&amp;pos=${i}"><img src="/img/${i}.jpg" alt="${sentence(2)}"></a>` +
      `<h3><a href="/products/item-${i}.html">${sentence(3)}</a></h3><span class="card-price">&euro;${(10 + i).toFixed(2)}</span></div>`,
  );
  const paragraphs = Array.from({ length: 22 }, () => `<p>${sentence(100)}</p>`);
  const specs = Array.from(
    { length: 18 },
    (_, i) => `<tr><th scope="row">Spec ${i}</th><td>${sentence(3)}</td></tr>`,
  );
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Steel Kettle 1.7 L &ndash; Example Shop</title>
<meta name="description" content="${sentence(20)}"><link rel="stylesheet" href="/static/site.css">
<link rel="canonical" href="${PAGE_URL}"><script>window.dataLayer=[];function gtag(){dataLayer.push(arguments)}</script>
<style>.price{font-weight:bold}.card{display:inline-block}</style></head>
<body><header><a class="logo" href="/">Example Shop</a><form action="/search"><input name="q"></form>
<nav><ul class="menu">${categories.join('')}</ul></nav></header>
<main><ol class="breadcrumb"><li><a href="/">Home</a></li><li><a href="/category/3/">Kitchen</a></li><li>Kettle</li></ol>
<article class="product" itemscope itemtype="https://schema.org/Product">
<h1 class="product-title" itemprop="name">Steel Kettle 1.7 L</h1>
<div class="buy"><span class="price" itemprop="price" content="39.90">&euro;39.90</span>
<span class="sku">SKU: <b itemprop="sku">KT-1042</b></span><a class="cart" href="/cart/add?id=1042&amp;qty=1">Add to cart</a></div>
<section class="description">${paragraphs.join('\n')}</section>
<table class="specs"><caption>Specifications</caption><tbody>${specs.join('')}</tbody></table>
<a href="#reviews">Reviews</a> <a href="javascript:void(0)">Share</a> <a href="mailto:help@example.com">Help</a>
</article><section class="related"><h2>Related</h2>${related.join('')}</section></main>
<footer><ul>${footer.join('')}</ul><p>&copy; Example Shop</p></footer></body></html>`;
}

// ---- The same extraction with each parser -------------------------------------------------------------------------
function absolute(hrefs, base) {
  const seen = new Set();
  const out = [];
  for (const href of hrefs) {
    const link = arachne.resolveLink(href, base);
    if (link !== undefined && !seen.has(link)) {
      seen.add(link);
      out.push(link);
    }
  }
  return out;
}

const OPTIONS = { decodeEntities: true, lowerCaseTags: true };
const collapse = (text) => text.replace(/\s+/g, ' ').trim();
const h2Queries = {
  title: cssSelect.compile('title'),
  price: cssSelect.compile('.price'),
  sku: cssSelect.compile('.sku b'),
  links: cssSelect.compile('a[href], area[href]'),
};

function withHtmlparser2(html) {
  const dom = htmlparser2.parseDocument(html, OPTIONS);
  const text = (query) => {
    const node = cssSelect.selectOne(query, dom);
    return node ? collapse(domutils.textContent(node)) : undefined;
  };
  const hrefs = cssSelect.selectAll(h2Queries.links, dom).map((a) => a.attribs.href);
  return {
    title: text(h2Queries.title),
    price: text(h2Queries.price),
    sku: text(h2Queries.sku),
    links: absolute(hrefs, PAGE_URL),
  };
}

function withArachne(html) {
  const doc = arachne.parseHtml(html, { url: PAGE_URL });
  return {
    title: doc.title(),
    price: doc.text('.price'),
    sku: doc.text('.sku b'),
    links: doc.links(),
  };
}

function withParse5(html) {
  const document = parse5.parse(html);
  let title;
  let price;
  let sku;
  const hrefs = [];
  const attr = (node, name) => node.attrs.find((a) => a.name === name)?.value;
  const hasClass = (node, name) => (attr(node, 'class') ?? '').split(/\s+/).includes(name);
  const textOf = (node) => {
    let out = '';
    const walk = (n) => {
      if (n.nodeName === '#text') out += n.value;
      else for (const child of n.childNodes ?? []) walk(child);
    };
    walk(node);
    return collapse(out);
  };
  const walk = (node, inSku) => {
    if (node.tagName !== undefined) {
      if (node.tagName === 'title' && title === undefined) title = textOf(node);
      else if (hasClass(node, 'price') && price === undefined) price = textOf(node);
      else if (node.tagName === 'b' && inSku && sku === undefined) sku = textOf(node);
      if (node.tagName === 'a' || node.tagName === 'area') {
        const href = attr(node, 'href');
        if (href !== undefined) hrefs.push(href);
      }
      inSku ||= hasClass(node, 'sku');
    }
    for (const child of node.childNodes ?? []) walk(child, inSku);
  };
  walk(document, false);
  return { title, price, sku, links: absolute(hrefs, PAGE_URL) };
}

function withStreaming(html) {
  return { links: arachne.extractLinks(html, PAGE_URL) };
}

function withStreamingTitle(html) {
  return arachne.extractTitleAndLinks(html, PAGE_URL);
}

const cases = [
  ['htmlparser2 parseDocument only', (html) => htmlparser2.parseDocument(html, OPTIONS)],
  ['parse5 parse only', (html) => parse5.parse(html)],
  ['htmlparser2 + css-select (title/price/sku + links)', withHtmlparser2],
  ['arachne parseHtml (same data via HtmlDocument)', withArachne],
  ['parse5 + tree walk (same data)', withParse5],
  ['arachne extractLinks (streaming, no DOM)', withStreaming],
  ['arachne extractTitleAndLinks (streaming)', withStreamingTitle],
];

// ---- Check, then time ----------------------------------------------------------------------------------------------
const html = productPage();
const reference = withHtmlparser2(html);
for (const [name, run] of cases.slice(3)) {
  const result = run(html);
  for (const key of Object.keys(result)) {
    if (JSON.stringify(result[key]) !== JSON.stringify(reference[key])) {
      throw new Error(
        `${name}: ${key} differs:\n${JSON.stringify(result[key])}\n${JSON.stringify(reference[key])}`,
      );
    }
  }
}

console.log(
  `page: ${(html.length / 1024).toFixed(1)} KB, ${reference.links.length} distinct links; ` +
    `title=${JSON.stringify(reference.title)} price=${reference.price} sku=${reference.sku}`,
);
console.log(
  `${iterations} pages per round, ${rounds} rounds, median reported; node ${process.version}\n`,
);

// Rounds are interleaved (every case runs once per round) so that load from other processes on the machine hits
// all cases alike; the median round is reported.
let sink = 0;
for (const [, run] of cases) {
  for (let i = 0; i < Math.min(300, iterations); i++) sink += run(html) ? 1 : 0; // warm-up: let the JIT settle
}
const samples = new Map(cases.map(([name]) => [name, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, run] of cases) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) sink += run(html) ? 1 : 0;
    samples.get(name).push((iterations / (performance.now() - start)) * 1000);
  }
}
const baseline = median(samples.get(cases[2][0]));
for (const [name] of cases) {
  const pagesPerSecond = median(samples.get(name));
  console.log(
    `${name.padEnd(52)} ${pagesPerSecond.toFixed(0).padStart(7)} pages/s ` +
      `${(1e6 / pagesPerSecond).toFixed(0).padStart(6)} µs/page ` +
      `${((pagesPerSecond * html.length) / 2 ** 20).toFixed(1).padStart(6)} MB/s ` +
      `${(pagesPerSecond / baseline).toFixed(2).padStart(6)}× htmlparser2+css-select`,
  );
}
if (sink === 0) console.log('(unreachable)');

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
