// Links and fields read from a page must not keep the page alive: a crawl queues links for long after their page
// was handled. 400 pages of 100 KB each (40 MB): what is kept of them must be a few hundred kilobytes.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { scanFields, simpleSelector } from '../../src/html/field-scan.js';
import { extractLinks } from '../../src/html/index.js';
import { resolveLinks } from '../../src/html/links.js';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

function page(n: number): string {
  return (
    `<html><body><h1 class="title">Product number ${n} with a long enough name</h1>` +
    `<p class="filler">${'lorem ipsum '.repeat(8_000)}</p>` +
    `<a href="/product/${n}-a-long-product-slug.html">p</a><a href="?page=${n}&amp;sort=price-ascending">q</a>` +
    `<a href="related/${n}-another-long-slug.html">r</a></body></html>`
  );
}

function heapAfterCollection(): number {
  collect();
  collect();
  return process.memoryUsage().heapUsed;
}

describe('what a page gives keeps nothing of the page', () => {
  it('links (scanned, from the field scan) and field texts', () => {
    const selectors = [simpleSelector('h1.title')].filter((s) => s !== undefined);
    const kept: string[] = [];
    const before = heapAfterCollection();
    for (let n = 0; n < 400; n++) {
      const html = page(n);
      const base = `https://shop.example/dir/p${n}.html`;
      kept.push(...extractLinks(html, base));
      const scan = scanFields(html, selectors);
      kept.push(...resolveLinks(scan.hrefs, base), scan.texts.get('h1.title') ?? '');
    }
    const grown = heapAfterCollection() - before;
    expect(kept).toHaveLength(400 * 7);
    expect(kept).toContain('https://shop.example/product/399-a-long-product-slug.html');
    expect(grown).toBeLessThan(5_000_000);
  });
});
