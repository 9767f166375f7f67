// A handler's pages after the first read the selectors it asked for, and the links, by one DOM-free scan: same
// answers as the DOM, and the DOM is left out unless the handler asks for something only it can answer.
import { describe, expect, it } from 'vitest';
import { FieldHints } from '../../src/crawler/field-hints.js';
import { parseHtml } from '../../src/html/index.js';
import { Response } from '../../src/http/response.js';
import { createRequest, Page } from '../../src/index.js';

const origin = 'https://shop.example';

function pageOf(path: string, html: string, hints?: FieldHints, type = 'text/html'): Page {
  const request = createRequest(`${origin}${path}`);
  const response = new Response({
    url: `${origin}${path}`,
    status: 200,
    headers: { 'content-type': type },
    body: Buffer.from(html),
    request,
    timings: { dnsMs: 0, connectMs: 0, tlsMs: 0, firstByteMs: 0, totalMs: 0 },
  });
  return new Page(request, response, Number.POSITIVE_INFINITY, hints);
}

const product = (n: number) =>
  `<html><head><title>P${n}</title></head><body><nav><a href="/">home</a><a href="/c/?sort=a&amp;b=1#x">c</a></nav>` +
  `<h1 class="product-title"> Kettle &amp; ${n} </h1><p class=price>$<b>${n}</b>.99</p><div class=sku>SKU-${n}</div>` +
  `<a href="related/${n + 1}.html">next</a><a href="mailto:x@y">m</a></body></html>`;

/** What a shop handler reads, as the bench spider does. */
function read(page: Page) {
  return {
    title: page.text('h1.product-title'),
    price: page.text('.price'),
    sku: page.text('.sku'),
    links: page.links(),
    follows: page.links().map((href) => page.follow(href).url),
  };
}

function fromDom(path: string, html: string) {
  const dom = parseHtml(html, { url: `${origin}${path}` });
  const links = dom.links();
  return {
    title: dom.text('h1.product-title'),
    price: dom.text('.price'),
    sku: dom.text('.sku'),
    links,
    follows: links,
  };
}

describe('field hints', () => {
  it('read later pages by a scan that gives what the DOM gives', () => {
    const hints = new FieldHints();
    for (let n = 1; n <= 5; n++) {
      const path = `/p/${n}.html`;
      expect(read(pageOf(path, product(n), hints))).toEqual(fromDom(path, product(n)));
    }
    // The first page learned the three selectors with its DOM; the four after it were scanned.
    expect(hints.selectors.map((s) => s.css)).toEqual(['h1.product-title', '.price', '.sku']);
    expect(hints.scans).toBe(4);
    expect(hints.wastedScans).toBe(0);
  });

  it('honour <base href> in links and follow() on a scanned page', () => {
    const hints = new FieldHints();
    const html = '<base href="https://cdn.example/x/"><h1>t</h1><a href="a.html">a</a>';
    pageOf('/first', html, hints).text('h1');
    const page = pageOf('/second', html, hints);
    expect(page.text('h1')).toBe('t');
    expect(page.links()).toEqual(['https://cdn.example/x/a.html']);
    expect(page.follow('b.html').url).toBe('https://cdn.example/x/b.html');
    expect(hints.scans).toBe(1);
  });

  it('learn a new selector met on a scanned page, and leave selectors with combinators to the DOM', () => {
    const hints = new FieldHints();
    pageOf('/1', product(1), hints).text('.price');
    const second = pageOf('/2', product(2), hints);
    expect(second.text('.price')).toBe('$2.99');
    expect(second.text('.sku')).toBe('SKU-2'); // not scanned for: the DOM answers, the next page scans it
    expect(second.text('body > h1')).toBe('Kettle & 2');
    expect(hints.selectors.map((s) => s.css)).toEqual(['.price', '.sku']);
    expect(hints.wastedScans).toBe(1);
    const third = pageOf('/3', product(3), hints);
    expect([third.text('.price'), third.text('.sku')]).toEqual(['$3.99', 'SKU-3']);
  });

  it('stop scanning for a handler whose pages keep needing the DOM anyway', () => {
    const hints = new FieldHints();
    for (let n = 1; n <= 12; n++) {
      const page = pageOf(`/${n}`, product(n), hints);
      expect(page.text('.price')).toBe(`$${n}.99`);
      expect(page.select('nav a').length).toBe(2);
    }
    expect(hints.enabled).toBe(false);
    expect(hints.scans).toBe(3);
  });

  it('leave XML pages to the XML parser', () => {
    const hints = new FieldHints();
    const feed =
      '<rss><channel><title>Feed</title><item><link>https://shop.example/a</link></item></channel></rss>';
    pageOf('/feed', feed, hints, 'application/rss+xml').text('title');
    const page = pageOf('/feed2', feed, hints, 'application/rss+xml');
    expect(page.text('title')).toBe('Feed');
    expect(page.links()).toEqual(['https://shop.example/a']);
    expect(hints.scans).toBe(0);
  });
});
