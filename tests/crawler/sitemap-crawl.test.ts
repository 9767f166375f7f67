import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawl, defineSpider } from '../../src/index.js';
import {
  generateShop,
  type ShopServerProcess,
  startShopServer,
} from '../../src/sample-shop/index.js';

const products = 80;
let shop: ShopServerProcess;

beforeAll(async () => {
  shop = await startShopServer({ seed: 9, products });
});
afterAll(() => shop?.stop());

describe('--sitemaps', () => {
  it('seeds the crawl with the pages the sitemap lists, even where links would not reach', async () => {
    // Sitemap seeds go to `parse`, like start URLs. Depth 0: without the sitemap only '/' would be fetched.
    const spider = defineSpider({
      name: 'sitemap-shop',
      start: [`${shop.origin}/`],
      parse(page) {
        return page.url.includes('/product/')
          ? { url: page.url, sku: page.text('.sku') }
          : undefined;
      },
    });
    await shop.resetLog();
    const stats = await crawl(spider, { logLevel: 'silent', sitemaps: true, maxDepth: 0 });
    const fetched = new Set((await shop.log()).map((entry) => entry.path));
    expect(fetched.has('/sitemap.xml')).toBe(true);
    for (const item of generateShop({ seed: 9, products }).expectedItems()) {
      expect(fetched.has(item.url), item.url).toBe(true);
    }
    expect(stats.items).toBe(products);
  });
});
