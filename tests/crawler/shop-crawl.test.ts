import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import shopSpider from '../../examples/shop.js';
import { crawl, type Item } from '../../src/index.js';
import {
  generateShop,
  type ShopServerProcess,
  startShopServer,
} from '../../src/sample-shop/index.js';
import { memorySink } from '../helpers/memory-sink.js';

const products = 300;
let shop: ShopServerProcess;

beforeAll(async () => {
  shop = await startShopServer({ seed: 7, products, logRequests: true });
});
afterAll(() => shop?.stop());

describe('crawling the sample shop end to end', () => {
  it('fetches every allowed page exactly once, no disallowed page, and writes one item per product', async () => {
    const expected = generateShop({ seed: 7, products });
    await shop.resetLog();
    const sink = memorySink();
    const stats = await crawl(
      { ...shopSpider, start: [`${shop.origin}/`] },
      { output: sink, logLevel: 'silent', concurrency: 16, perHost: 8 },
    );

    const log = await shop.log();
    const fetched = log.map((entry) => entry.path);
    const counts = new Map<string, number>();
    for (const path of fetched) counts.set(path, (counts.get(path) ?? 0) + 1);

    expect(counts.get('/robots.txt')).toBe(1);
    expect(fetched.filter((path) => path.startsWith('/private'))).toEqual([]);
    const pages = fetched.filter((path) => path !== '/robots.txt');
    expect([...new Set(pages)].sort()).toEqual([...expected.allowedPaths()].sort());
    expect(pages.length).toBe(expected.allowedPaths().length); // exactly once each

    const byUrl = (a: Item, b: Item) => String(a.url).localeCompare(String(b.url));
    const wanted = expected
      .expectedItems()
      .map((item) => ({ ...item, url: `${shop.origin}${item.url}` }))
      .sort(byUrl);
    expect([...sink.items].sort(byUrl)).toEqual(wanted);

    expect(stats.items).toBe(products);
    expect(stats.responses).toBe(expected.allowedPaths().length);
    expect(stats.failed).toBe(0);
    expect(stats.robotsDenied).toBeGreaterThan(0);
    expect(stats.closeReason).toBe('finished');
  });

  it('stops at maxPages and at maxDepth', async () => {
    const limited = await crawl(
      { ...shopSpider, start: [`${shop.origin}/`] },
      { logLevel: 'silent', maxPages: 25 },
    );
    expect(limited.requests).toBe(25);
    expect(limited.closeReason).toBe('max-pages');

    const shallow = await crawl(
      { ...shopSpider, start: [`${shop.origin}/`] },
      { logLevel: 'silent', maxDepth: 0 },
    );
    expect(shallow.responses).toBe(1);
    expect(shallow.depthFiltered).toBeGreaterThan(0);
  });
});
