import { describe, expect, it } from 'vitest';
import { auditCrawlLog, generateShop } from '../../src/sample-shop/index.js';

const shop = generateShop({ seed: 4, products: 40 });
const perfect = [{ path: '/robots.txt' }, ...shop.allowedPaths().map((path) => ({ path }))];

describe('auditCrawlLog', () => {
  it('accepts a log with every allowed page once plus robots.txt', () => {
    expect(auditCrawlLog(shop, perfect)).toEqual({
      missing: [],
      duplicates: [],
      disallowed: [],
      unexpected: [],
      ok: true,
    });
  });

  it('reports missing, repeated, disallowed and unexpected requests', () => {
    const log = [
      ...perfect.filter(({ path }) => path !== '/about/'),
      { path: '/faq/' },
      { path: '/private/compare?id=1' },
      { path: '/static/shop.css' },
    ];
    expect(auditCrawlLog(shop, log)).toEqual({
      missing: ['/about/'],
      duplicates: [{ path: '/faq/', count: 2 }],
      disallowed: ['/private/compare?id=1'],
      unexpected: ['/static/shop.css'],
      ok: false,
    });
  });
});
