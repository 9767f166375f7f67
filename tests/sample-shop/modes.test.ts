// The rendered and mixed shops without a browser: skeleton pages, the JSON API, and the page script run in a
// minimal DOM (linkedom) giving exactly the static page's extraction.
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { parseHtml } from '../../src/html/parse.js';
import {
  auditCrawlLog,
  generateShop,
  type Shop,
  type ShopMode,
  startShopServer,
} from '../../src/sample-shop/index.js';

const origin = 'http://127.0.0.1:8000';
const options = { seed: 6, products: 45 } as const;
const staticShop = generateShop(options);
const rendered = generateShop({ ...options, mode: 'rendered' });
const mixed = generateShop({ ...options, mode: 'mixed' });

/** What examples/shop.ts takes from a page: its links and, on product pages, the item fields. */
function extraction(html: string, path: string) {
  const document = parseHtml(html, { url: origin + path });
  return {
    links: document.links(),
    title: document.text('h1.product-title'),
    price: document.text('.price'),
    sku: document.text('.sku'),
  };
}

/** Runs the page's inline script in linkedom, answering its fetch() from the shop; returns the DOM's HTML. */
async function renderInLinkedom(shop: Shop, path: string): Promise<string> {
  const { document } = parseHTML(shop.page(path)?.body ?? '');
  const script = document.querySelector('body script')?.textContent ?? '';
  const fetched: Array<Promise<unknown>> = [];
  const fetch = (url: string) => {
    const page = shop.page(url);
    const response = Promise.resolve({
      status: page?.status ?? 404,
      json: () => Promise.resolve(JSON.parse(page?.body ?? 'null')),
    });
    fetched.push(response);
    return response;
  };
  new Function('document', 'fetch', script)(document, fetch);
  expect(fetched).toHaveLength(1);
  await Promise.all(fetched);
  // The script's then-chain settles within the microtasks queued behind the fetch.
  await new Promise((resolve) => setImmediate(resolve));
  expect(document.querySelector('.site-footer'), `${path} rendered`).not.toBeNull();
  return document.toString();
}

describe('shop modes', () => {
  it('serves static mode by default and byte for byte the same when named', () => {
    const named = generateShop({ ...options, mode: 'static' });
    expect(staticShop.mode).toBe('static');
    expect(staticShop.apiPaths()).toEqual([]);
    for (const path of staticShop.allowedPaths()) {
      expect(named.page(path)?.body, path).toBe(staticShop.page(path)?.body);
    }
    expect(staticShop.page('/api/page/')).toBeUndefined();
  });

  it('serves every rendered page as its static head over an empty container: no links, no item', () => {
    for (const path of rendered.allowedPaths()) {
      const skeleton = rendered.page(path)?.body ?? '';
      const original = staticShop.page(path)?.body ?? '';
      const head = original.slice(0, original.indexOf('</head>') + 7);
      expect(skeleton.startsWith(head), path).toBe(true);
      expect(skeleton, path).toContain(`<div id="app" data-path="${path}"></div>`);
      const seen = extraction(skeleton, path);
      expect(seen, path).toEqual({ links: [], title: '', price: '', sku: '' });
    }
  });

  it('answers one small JSON document per rendered page under /api/page/', () => {
    const api = rendered.apiPaths();
    expect(api).toEqual(rendered.allowedPaths().map((path) => `/api/page${path}`));
    const sizes = api.map((path) => {
      const page = rendered.page(path);
      expect(page?.contentType, path).toBe('application/json; charset=utf-8');
      return Buffer.byteLength(page?.body ?? '');
    });
    expect(Math.max(...sizes)).toBeLessThan(8_000);
    expect(rendered.page('/api/page/nowhere/')).toBeUndefined();
    expect(rendered.page('/robots.txt')?.body).not.toMatch(/api/);
  });

  it('builds, with plain DOM calls in linkedom, the same links and items as the static page', async () => {
    for (const path of rendered.allowedPaths()) {
      const html = await renderInLinkedom(rendered, path);
      expect(extraction(html, path), path).toEqual(
        extraction(staticShop.page(path)?.body ?? '', path),
      );
    }
  });

  it('renders only listings in mixed mode; product and info pages stay static', async () => {
    const listings = mixed
      .allowedPaths()
      .filter((path) => path === '/' || path.startsWith('/category/'));
    expect(mixed.apiPaths()).toEqual(listings.map((path) => `/api/page${path}`));
    for (const path of mixed.allowedPaths()) {
      if (listings.includes(path)) {
        const html = await renderInLinkedom(mixed, path);
        expect(extraction(html, path), path).toEqual(
          extraction(staticShop.page(path)?.body ?? '', path),
        );
      } else {
        expect(mixed.page(path)?.body, path).toBe(staticShop.page(path)?.body);
      }
    }
    const product = mixed.expectedItems()[0]?.url ?? '';
    expect(mixed.page(`/api/page${product}`)).toBeUndefined();
  });

  it('refuses an unknown mode', async () => {
    expect(() => generateShop({ mode: 'dynamic' as ShopMode })).toThrow(ConfigError);
    await expect(startShopServer({ mode: 'dynamic' as ShopMode })).rejects.toThrow(ConfigError);
  });
});

describe('auditCrawlLog in rendered and guarded modes', () => {
  it('counts API calls apart from pages and flags API paths the mode does not serve', () => {
    const pages = rendered.allowedPaths().map((path) => ({ path }));
    const api = rendered.apiPaths().map((path) => ({ path }));
    const audit = auditCrawlLog(rendered, [
      { path: '/robots.txt' },
      ...pages,
      ...api,
      { path: api[0]?.path ?? '' },
    ]);
    expect(audit).toMatchObject({ missing: [], duplicates: [], unexpected: [], ok: true });
    expect(audit.api).toEqual({
      requests: api.length + 1,
      distinct: api.length,
      expected: api.length,
    });

    const product = rendered.expectedItems()[0]?.url ?? '';
    const mixedAudit = auditCrawlLog(mixed, [...pages, { path: `/api/page${product}` }]);
    expect(mixedAudit.unexpected).toEqual([`/api/page${product}`]);
    expect(mixedAudit.ok).toBe(false);
  });

  it('does not count a challenged or rate-limited request as the page', () => {
    const guarded = generateShop({ ...options, mode: 'guarded' });
    const pages = guarded.allowedPaths().map((path) => ({ path }));
    const audit = auditCrawlLog(guarded, [
      { path: '/', blocked: 'challenge' },
      { path: '/about/', blocked: 'rate-limit' },
      ...pages.filter(({ path }) => path !== '/about/'),
    ]);
    expect(audit.missing).toEqual(['/about/']);
    expect(audit.duplicates).toEqual([]);
    expect(audit.blocked).toEqual({ rateLimit: 1, challenge: 1 });
    expect(audit.api).toBeUndefined();
  });
});
