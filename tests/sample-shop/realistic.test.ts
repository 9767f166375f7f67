// The realistic shop: big pages, site-wide navigation, facet views, and links in several spellings that Arachne's
// dedup key (and Crawlee's uniqueKey, when bench/ has it installed) fold to the pages `allowedPaths()` lists.
import { Buffer } from 'node:buffer';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Parser } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { crawl, defineSpider } from '../../src/index.js';
import { auditCrawlLog, generateShop, startShopServer } from '../../src/sample-shop/index.js';
import { canonicalizeUrl } from '../../src/url/canonical-url.js';
import { defaultDedupKey } from '../../src/url/dedup-key.js';
import { memorySink } from '../helpers/memory-sink.js';

const origin = 'http://127.0.0.1:8000';
const shop = generateShop({ seed: 5, products: 300, realistic: true });

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

/** Same-origin, non-/private/ link targets of one page, as absolute URLs. */
function followable(path: string): string[] {
  const body = shop.page(path, origin)?.body ?? '';
  return anchorHrefs(body)
    .map((href) => new URL(href, origin + path))
    .filter((url) => url.origin === origin && !url.pathname.startsWith('/private/'))
    .map((url) => url.href);
}

const benchRequire = createRequire(new URL('../../bench/package.json', import.meta.url));
const crawleeUtilities = new URL('../../bench/node_modules/@apify/utilities', import.meta.url);
const crawleeNormalize = existsSync(crawleeUtilities)
  ? (benchRequire('@apify/utilities') as { normalizeUrl(url: string): string | null }).normalizeUrl
  : undefined;

describe('the realistic shop', () => {
  it('keeps every page between 15 and 60 KB', () => {
    const sizes = shop.allowedPaths().map((path) => Buffer.byteLength(shop.page(path)?.body ?? ''));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(15 * 1024);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(60 * 1024);
  });

  it('puts 30–60 links in the header and footer of every page, and more on listings', () => {
    for (const path of ['/', '/about/', shop.allowedPaths().find((p) => p.includes('?')) ?? '']) {
      const body = shop.page(path)?.body ?? '';
      const header = body.slice(body.indexOf('<header'), body.indexOf('</header>'));
      const footer = body.slice(body.indexOf('<footer'), body.indexOf('</footer>'));
      const chrome = anchorHrefs(header).length + anchorHrefs(footer).length;
      expect(chrome, path).toBeGreaterThanOrEqual(30);
      expect(chrome, path).toBeLessThanOrEqual(60);
    }
    const product = shop.expectedItems()[0]?.url ?? '';
    expect(shop.page(product)?.body).toContain('Customers also viewed');
  });

  it('lists facet views among the allowed pages and serves every spelling of them alike', () => {
    const facets = shop.allowedPaths().filter((path) => path.includes('?'));
    expect(facets.length).toBeGreaterThan(0);
    const combo = facets.find((path) => path.includes('brand=') && path.includes('sort=')) ?? '';
    const [pathname, query] = combo.split('?') as [string, string];
    const reordered = `${pathname}?${query.split('&').reverse().join('&')}&utm_source=x#top`;
    expect(shop.page(reordered)?.body).toBe(shop.page(combo)?.body);
    expect(shop.canonicalPath(reordered)).toBe(combo);
    expect(shop.page(`${pathname}?sort=cheapest`)).toBeUndefined();
    expect(shop.page(`${pathname}?brand=nope`)).toBeUndefined();
    expect(shop.page('/about/?utm_medium=mail')?.body).toBe(shop.page('/about/')?.body);
  });

  it('links every allowed page, in spellings that fold to it under the dedup keys', () => {
    const allowed = new Set(shop.allowedPaths());
    const reached = new Set<string>(['/']);
    const queue = ['/'];
    let spellings = 0;
    // Bounded: each canonical path is queued once, and there are allowed.size of them.
    for (let i = 0; i < queue.length; i++) {
      for (const href of followable(queue[i] as string)) {
        const url = new URL(href);
        const written = url.pathname + url.search + url.hash;
        const canonical = shop.canonicalPath(written);
        expect(allowed.has(canonical), written).toBe(true);
        const key = defaultDedupKey(canonicalizeUrl(href) ?? '');
        expect(key, written).toBe(defaultDedupKey(canonicalizeUrl(origin + canonical) ?? ''));
        if (crawleeNormalize) {
          expect(crawleeNormalize(href), written).toBe(crawleeNormalize(origin + canonical));
        }
        if (written !== canonical) spellings++;
        if (!reached.has(canonical)) {
          reached.add(canonical);
          queue.push(canonical);
        }
      }
    }
    expect([...reached].sort()).toEqual([...allowed].sort());
    expect(spellings).toBeGreaterThan(allowed.size);
  });

  it('audits a crawl by canonical page: any one spelling counts once, two spellings are a duplicate', () => {
    const log = [{ path: '/robots.txt' }, ...shop.allowedPaths().map((path) => ({ path }))];
    log[1] = { path: '/?utm_source=logo' };
    expect(auditCrawlLog(shop, log).ok).toBe(true);
    const twice = auditCrawlLog(shop, [...log, { path: '/about/?utm_source=footer' }]);
    expect(twice.duplicates).toEqual([{ path: '/about/', count: 2 }]);
  });

  it('composes with static and guarded modes only', () => {
    expect(generateShop({ products: 20, mode: 'guarded', realistic: true }).realistic).toBe(true);
    expect(() => generateShop({ products: 20, mode: 'rendered', realistic: true })).toThrow(
      ConfigError,
    );
    const plain = generateShop({ products: 20 });
    expect(plain.realistic).toBe(false);
    expect(plain.canonicalPath('/?utm_source=x')).toBe('/?utm_source=x');
  });

  it('is crawled by Arachne with every page fetched once, under whatever spelling it met first', async () => {
    const products = 60;
    const server = await startShopServer({ seed: 2, products, realistic: true });
    try {
      const output = memorySink();
      const spider = defineSpider({
        name: 'realistic',
        start: [`${server.origin}/`],
        *parse(page) {
          if (new URL(page.url).pathname.startsWith('/product/')) {
            yield { url: page.url, sku: page.text('.sku') };
          }
          for (const href of page.links()) yield page.follow(href);
        },
      });
      await crawl(spider, { output, logLevel: 'silent', concurrency: 8, perHost: 8 });
      const local = generateShop({ seed: 2, products, realistic: true });
      const log = await server.log();
      const audit = auditCrawlLog(local, log);
      expect(audit.missing).toEqual([]);
      expect(audit.duplicates).toEqual([]);
      expect(audit.unexpected).toEqual([]);
      expect(audit.disallowed).toEqual([]);
      expect(audit.ok).toBe(true);
      // The crawl met tracker-tagged and reordered spellings first for some pages: the audit folded them.
      expect(log.some((entry) => entry.path.includes('utm_'))).toBe(true);
      expect(new Set(output.items.map((item) => item.sku)).size).toBe(products);
    } finally {
      await server.stop();
    }
  });
});
