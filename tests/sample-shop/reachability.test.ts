import { Parser } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { generateShop, type Shop } from '../../src/sample-shop/index.js';

const origin = 'http://127.0.0.1:8000';

/** Every href of every <a>, with no dependency on Arachne's own link extraction. */
function anchorHrefs(html: string): string[] {
  const hrefs: string[] = [];
  const parser = new Parser({
    onopentag(name, attributes) {
      if (name === 'a' && attributes.href !== undefined) hrefs.push(attributes.href);
    },
  });
  parser.end(html);
  return hrefs;
}

/** Breadth-first crawl of the shop's pages as a polite crawler would do it (robots: no /private/). */
function crawlFromHome(shop: Shop): { fetched: Set<string>; privateLinks: number } {
  const fetched = new Set<string>();
  const queue = ['/'];
  let privateLinks = 0;
  // Bounded by the shop: each path is queued at most once.
  for (let i = 0; i < queue.length; i++) {
    const path = queue[i] as string;
    fetched.add(path);
    const page = shop.page(path, origin);
    expect(page?.status, path).toBe(200);
    for (const href of anchorHrefs(page?.body ?? '')) {
      const url = new URL(href, origin + path);
      if (url.origin !== origin) continue;
      const target = url.pathname + url.search;
      if (target.startsWith('/private/')) {
        privateLinks++;
        continue;
      }
      if (!fetched.has(target)) {
        queue.push(target);
        fetched.add(target);
      }
    }
  }
  return { fetched, privateLinks };
}

describe('sample shop link graph', () => {
  it('reaches exactly the allowed paths by following links from /', () => {
    const shop = generateShop({ seed: 11, products: 500 });
    const { fetched, privateLinks } = crawlFromHome(shop);
    expect([...fetched].sort()).toEqual(shop.allowedPaths().sort());
    expect(new Set(shop.allowedPaths()).size).toBe(shop.allowedPaths().length);
    expect(privateLinks).toBeGreaterThan(shop.productCount);
  });

  it('gives product pages 40 to 60 links including a disallowed one', () => {
    const shop = generateShop({ seed: 2, products: 2000 });
    for (const item of shop.expectedItems().slice(0, 100)) {
      const hrefs = anchorHrefs(shop.page(item.url)?.body ?? '');
      expect(hrefs.length).toBeGreaterThanOrEqual(40);
      expect(hrefs.length).toBeLessThanOrEqual(60);
      expect(hrefs.some((href) => href.startsWith('/private/compare?id='))).toBe(true);
      expect(hrefs.some((href) => href.startsWith('/category/'))).toBe(true);
    }
  });

  it('links off-site and non-HTTP targets that a crawler must skip', () => {
    const hrefs = anchorHrefs(generateShop({ products: 20 }).page('/')?.body ?? '');
    expect(hrefs.some((href) => href.startsWith('https://') && !href.includes('127.0.0.1'))).toBe(
      true,
    );
    expect(hrefs.some((href) => href.startsWith('mailto:'))).toBe(true);
  });
});
