import { Buffer } from 'node:buffer';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { generateShop } from '../../src/sample-shop/index.js';

const shop = generateShop({ seed: 7, products: 300 });

describe('generateShop', () => {
  it('renders the same bytes for the same seed, whatever the rendering order', () => {
    const again = generateShop({ seed: 7, products: 300 });
    const paths = shop.allowedPaths();
    const reversed = [...paths].reverse().map((path) => again.page(path)?.body);
    expect(paths.map((path) => shop.page(path)?.body)).toEqual(reversed.reverse());
  });

  it('renders different pages for a different seed', () => {
    const other = generateShop({ seed: 8, products: 300 });
    expect(other.page('/')?.body).not.toBe(shop.page('/')?.body);
    expect(other.expectedItems()[0]?.title).toBeDefined();
  });

  it('keeps every product page between 15 and 30 KB', () => {
    const big = generateShop({ seed: 3, products: 2000 });
    const sizes = big
      .allowedPaths()
      .filter((path) => path.startsWith('/product/'))
      .map((path) => Buffer.byteLength(big.page(path)?.body ?? ''));
    expect(sizes).toHaveLength(2000);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(15 * 1024);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(30_000);
  });

  it('shows each expected item on its product page in the documented markup', () => {
    const items = shop.expectedItems();
    expect(items).toHaveLength(shop.productCount);
    for (const item of items.slice(0, 50)) {
      const html = shop.page(item.url)?.body ?? '';
      const escapedTitle = item.title.replace(/&/g, '&amp;');
      expect(html).toContain(`<h1 class="product-title">${escapedTitle}</h1>`);
      expect(html).toContain(`<span class="price">$${item.price.toFixed(2)}</span>`);
      expect(html).toContain(`<span class="sku">${item.sku}</span>`);
      expect(html).toContain('<table class="specs">');
      expect(html.match(/class="price"/g)).toHaveLength(1);
      expect(html).toContain(`href="/private/compare?id=${Number(item.sku.slice(4))}"`);
    }
  });

  it('includes titles with an ampersand so crawlers must decode entities', () => {
    expect(shop.expectedItems().some((item) => item.title.includes('&'))).toBe(true);
  });

  it('paginates categories at 20 products per page with next links', () => {
    const category = shop.catalog.categories[0];
    expect(category?.pageCount).toBeGreaterThan(1);
    const first = shop.page('/category/kitchen/')?.body ?? '';
    expect(first.match(/class="product-card"/g)).toHaveLength(20);
    expect(first).toContain('<a class="next" rel="next" href="/category/kitchen/page/2/">');
    expect(shop.page('/category/kitchen/page/2/')?.status).toBe(200);
  });

  it('answers undefined for unknown paths, wrong slugs and duplicate URL forms', () => {
    const productPath = shop.expectedItems()[0]?.url ?? '';
    for (const path of [
      '/nope',
      '/product/1-wrong-slug.html',
      '/product/99999-x.html',
      `${productPath}?utm=1`,
      '/category/kitchen/page/1/',
      '/category/kitchen/page/999/',
      '/category/unknown/',
      '/private/compare?id=0',
    ]) {
      expect(shop.page(path), path).toBeUndefined();
    }
  });

  it('serves the disallowed pages it links to, but never lists them as allowed', () => {
    expect(shop.page('/private/compare?id=3')?.status).toBe(200);
    expect(shop.page('/private/account/')?.status).toBe(200);
    expect(shop.allowedPaths().some((path) => path.startsWith('/private/'))).toBe(false);
  });

  it('disallows /private/ in robots.txt and points to the sitemap on the given origin', () => {
    const robots = shop.page('/robots.txt', 'http://127.0.0.1:4321');
    expect(robots?.contentType).toBe('text/plain; charset=utf-8');
    expect(robots?.body).toContain('User-agent: *\nDisallow: /private/\n');
    expect(robots?.body).toContain('Sitemap: http://127.0.0.1:4321/sitemap.xml\n');
  });

  it('lists every product and category in a well-formed sitemap', () => {
    const xml = shop.page('/sitemap.xml', 'http://127.0.0.1:4321')?.body ?? '';
    const locs: string[] = [];
    let inLoc = false;
    const parser = new SaxesParser({ xmlns: true });
    parser.on('opentag', (tag) => {
      inLoc = tag.local === 'loc';
      if (tag.local === 'urlset')
        expect(tag.uri).toBe('http://www.sitemaps.org/schemas/sitemap/0.9');
    });
    parser.on('text', (text) => {
      if (inLoc) locs.push(text);
    });
    parser.on('closetag', () => {
      inLoc = false;
    });
    parser.write(xml).close();
    const paths = locs.map((loc) => {
      expect(loc.startsWith('http://127.0.0.1:4321/')).toBe(true);
      return new URL(loc).pathname;
    });
    const allowed = new Set(shop.allowedPaths());
    expect(paths.every((path) => allowed.has(path))).toBe(true);
    for (const item of shop.expectedItems()) expect(paths).toContain(item.url);
    for (const category of shop.catalog.categories)
      expect(paths).toContain(`/category/${category.slug}/`);
  });

  it('rejects invalid sizes with a ConfigError', () => {
    expect(() => generateShop({ products: 0 })).toThrow(ConfigError);
    expect(() => generateShop({ seed: 1.5 })).toThrow(ConfigError);
  });
});
