// A complete browser spider: listings whose products are added by script as you scroll, product pages rendered
// in Chromium. Run it against a shop you started (SHOP_URL, default below):
//   npx arachne crawl examples/browser-shop.ts --render browser -o products.jsonl
// It runs against the bundled sample shop too (`arachne demo` serves it), whose pages need no rendering.
import { defineSpider, type Page } from 'arachne';

type Handlers = 'parse' | 'product';

/** Links of the live DOM (what the scripts built), not of the HTML taken at load: `page.links()` reads that. */
async function renderedLinks(page: Page<Handlers>): Promise<string[]> {
  if (!page.browser) return page.links(); // replayed from the cache, or fetched over HTTP: no live page
  // A string, evaluated in the page: this file is compiled without the DOM's types.
  return page.browser.evaluate<string[]>(
    "[...document.querySelectorAll('a[href]')].map((a) => a.href).filter((h) => h.startsWith('http'))",
  );
}

export default defineSpider({
  name: 'browser-shop',
  start: process.env.SHOP_URL ?? 'http://127.0.0.1:8080/',
  fetch: 'browser',
  options: {
    // Third-party ads and trackers are never requested (the server never sees them); images, fonts and media
    // are skipped by default (blockResources).
    blockUrls: ['*.doubleclick.net', '/ads/', '*/analytics*.js'],
    // A page whose fetch or handler fails leaves a screenshot and its HTML here, named in the failure log.
    browserSnapshotOnFailure: true,
    browserSnapshotDir: 'snapshots/browser-shop',
    browserConcurrency: 4,
  },

  async *parse(page) {
    // Listings load more products as you scroll: scroll until the page stops growing, bounded.
    await page.infiniteScroll({ maxScrolls: 15, maxMs: 20_000 });
    for (const href of await renderedLinks(page)) {
      yield page.follow(href, href.includes('/product/') ? 'product' : 'parse');
    }
  },

  async *product(page) {
    // Built from a JSON API after load: wait for it (AR_TIMEOUT, then a retry, if it never comes).
    if (page.browser) await page.waitForSelector('h1.product-title', { timeoutMs: 10_000 });
    // The live DOM, as it is now (a string again, evaluated in the page); the cached HTML when there is none.
    const text = async (css: string) =>
      page.browser
        ? page.browser.evaluate<string>(
            `document.querySelector(${JSON.stringify(css)})?.textContent?.trim() ?? ''`,
          )
        : page.text(css);
    yield {
      url: page.url,
      title: await text('h1.product-title'),
      price: Number((await text('.price')).replace(/[^0-9.]/g, '')),
      sku: await text('.sku'),
    };
  },
});
