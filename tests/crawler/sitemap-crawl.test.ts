import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CrawlEvents, crawl, createCrawler, defineSpider } from '../../src/index.js';
import {
  generateShop,
  type ShopServerProcess,
  startShopServer,
} from '../../src/sample-shop/index.js';
import { type Route, startLocalServer, text } from '../helpers/local-server.js';

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

  it('seeds from a quirky gzipped sitemap, fetches none of its entities, and counts what it skipped by reason', async () => {
    const routes: Record<string, Route> = {
      '/': '<p>home</p>',
      '/a': '<p>a</p>',
      '/b?x=1&y=2': '<p>b</p>',
      '/c': '<p>c</p>',
    };
    const site = await startLocalServer(routes);
    const o = site.origin;
    routes['/robots.txt'] = text(`User-agent: *\nDisallow: /private\nSitemap: ${o}/s.xml.gz\n`);
    const sitemap =
      `\uFEFF<?xml version="1.0"?><?xml-stylesheet href="${o}/style.xsl"?>` +
      `<!DOCTYPE urlset SYSTEM "${o}/dtd" [ <!ENTITY x "y"> <!ENTITY e SYSTEM "${o}/secret"> ]><!-- c -->` +
      '<sm:urlset xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">' +
      `<sm:url><sm:loc>${o}/a</sm:loc><xhtml:link rel="alternate" hreflang="de" href="${o}/de"/></sm:url>` +
      `<sm:url><?pi?><sm:loc>${o}/b?x=1&amp;y=2</sm:loc></sm:url><sm:url><sm:loc><![CDATA[${o}/c]]></sm:loc></sm:url>` +
      `<sm:url><sm:loc>${o}/&e;</sm:loc></sm:url><sm:url><sm:loc>${o}/&x;</sm:loc></sm:url>` +
      `<sm:url><sm:loc>${o}/private/1</sm:loc></sm:url><sm:url><sm:loc>https://elsewhere.invalid/p</sm:loc></sm:url>` +
      '</sm:urlset>';
    routes['/s.xml.gz'] = (_req, res) => res.writeHead(200).end(gzipSync(sitemap));
    const spider = defineSpider({
      name: 'quirky-sitemap',
      start: [`${o}/`],
      parse: () => undefined,
    });
    const crawler = createCrawler(spider, { logLevel: 'silent', sitemaps: true, maxDepth: 0 });
    const reports: CrawlEvents['sitemap:read'][] = [];
    const warnings: string[] = [];
    crawler
      .on('sitemap:read', (report) => reports.push(report))
      .on('crawl:warning', ({ message }) => warnings.push(message));
    const stats = await crawler.run();
    // Only robots.txt, the sitemap and the pages it lists: no DTD, entity, stylesheet, alternate or disallowed page.
    expect(new Set(site.paths)).toEqual(
      new Set(['/robots.txt', '/s.xml.gz', '/', '/a', '/b?x=1&y=2', '/c']),
    );
    expect(stats.sitemapUrlsSkipped).toEqual({ malformed: 2, disallowed: 1, offsite: 1 });
    expect(reports).toEqual([
      {
        url: `${o}/s.xml.gz`,
        kept: 3,
        sitemaps: 0,
        skipped: { malformed: 2, disallowed: 1, offsite: 1 },
      },
    ]);
    expect(warnings).toEqual([]);
  });

  it('names a sitemap over the size cap in a warning instead of dropping it silently', async () => {
    const routes: Record<string, Route> = { '/': '<p>home</p>', '/robots.txt': text('') };
    const site = await startLocalServer(routes);
    const locs = Array.from(
      { length: 100 },
      (_, i) => `<url><loc>${site.origin}/p${i}</loc></url>`,
    );
    routes['/sitemap.xml'] = text(`<urlset>${locs.join('')}</urlset>`);
    const spider = defineSpider({
      name: 'big-sitemap',
      start: [`${site.origin}/`],
      parse: () => undefined,
    });
    const crawler = createCrawler(spider, {
      logLevel: 'silent',
      sitemaps: true,
      maxDepth: 0,
      maxBytes: 1000,
    });
    const warnings: string[] = [];
    crawler.on('crawl:warning', ({ message }) => warnings.push(message));
    await crawler.run();
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(`^sitemap ${site.origin}/sitemap\\.xml not read: \\[AR_BODY_TOO_LARGE\\] `),
      ),
    ]);
    expect(site.paths.sort()).toEqual(['/', '/robots.txt', '/sitemap.xml']);
  });
});
