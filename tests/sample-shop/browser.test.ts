// The rendered, mixed and guarded shops in real Chromium: the DOM the scripts build extracts exactly as the static
// pages do, and the challenge page lets a browser through.
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHALLENGE_COOKIE,
  generateShop,
  type ShopMode,
  type ShopServer,
  serveShop,
} from '../../src/sample-shop/index.js';
import { chromiumPath, chromiumUp } from '../browser/fixtures.js';

const up = await chromiumUp();
const options = { seed: 2, products: 20 } as const;
const staticShop = generateShop(options);
let browser: Browser;
let page: Page;
const servers: ShopServer[] = [];

async function serve(mode: ShopMode): Promise<ShopServer> {
  const server = await serveShop(generateShop({ ...options, mode }), { guard: { rateLimit: 0 } });
  servers.push(server);
  return server;
}

/** Leaves out what the browser loads besides documents and their API calls: the stylesheet, the favicon. */
function isDocumentOrApi(path: string): boolean {
  return !path.startsWith('/static/') && path !== '/favicon.ico';
}

/** What examples/shop.ts takes from a page: every a[href] (as written) and the item fields. */
async function extract(url: string, waitFor?: string) {
  await page.goto(url, { waitUntil: 'load' });
  if (waitFor) await page.waitForSelector(waitFor, { state: 'attached', timeout: 10_000 });
  // A string: the tests compile without the DOM library.
  return (await page.evaluate(`({
    links: [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
    title: document.querySelector('h1.product-title')?.textContent ?? null,
    price: document.querySelector('.price')?.textContent ?? null,
    sku: document.querySelector('.sku')?.textContent ?? null,
  })`)) as { links: string[]; title: string | null; price: string | null; sku: string | null };
}

describe.skipIf(!up)('sample shop modes in Chromium', () => {
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((server) => server.close()));
  });

  it('builds every rendered page with the static page links and items', async () => {
    const plain = await serve('static');
    const rendered = await serve('rendered');
    const paths = staticShop.allowedPaths();
    for (const path of paths) {
      const want = await extract(plain.origin + path);
      expect(await extract(rendered.origin + path, '.site-footer'), path).toEqual(want);
    }
    // One API call per page, and each page once: what bench/verify counts.
    const log = rendered
      .log()
      .map((entry) => entry.path)
      .filter(isDocumentOrApi);
    const api = log.filter((path) => path.startsWith('/api/'));
    expect(api.sort()).toEqual(paths.map((path) => `/api/page${path}`).sort());
    expect(log.filter((path) => !path.startsWith('/api/')).sort()).toEqual([...paths].sort());
    // About 60 page loads on a shared 2-core machine.
  }, 120_000);

  it('builds mixed listings in the browser and serves mixed product pages as they are', async () => {
    const plain = await serve('static');
    const mixed = await serve('mixed');
    const products = staticShop.expectedItems().slice(0, 5);
    const paths = [
      '/',
      ...staticShop.allowedPaths().filter((path) => path.startsWith('/category/')),
      ...products.map((item) => item.url),
    ];
    for (const path of paths) {
      expect(await extract(mixed.origin + path, '.site-footer'), path).toEqual(
        await extract(plain.origin + path),
      );
    }
    const item = await extract(mixed.origin + (products[0]?.url ?? ''));
    expect(item).toMatchObject({ title: products[0]?.title, sku: products[0]?.sku });
  });

  it('shows an empty listing when the page scripts do not run', async () => {
    const rendered = await serve('rendered');
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const noScript = await context.newPage();
      await noScript.goto(`${rendered.origin}/`);
      expect(await noScript.locator('a[href]').count()).toBe(0);
      expect(await noScript.title()).toBe('Home | Arachne Sample Shop');
    } finally {
      await context.close();
    }
  });

  it('lets a browser through the challenge page: its script sets the cookie and reloads', async () => {
    const guarded = await serve('guarded');
    const context = await browser.newContext();
    try {
      const tab = await context.newPage();
      await tab.goto(`${guarded.origin}/about/`);
      await tab.waitForSelector('.site-footer', { timeout: 10_000 });
      expect(await tab.title()).toBe('About us | Arachne Sample Shop');
      const cookies = await context.cookies();
      expect(cookies.map((cookie) => cookie.name).sort()).toEqual([
        CHALLENGE_COOKIE,
        'shop_session',
      ]);
      const log = guarded
        .log()
        .filter((entry) => isDocumentOrApi(entry.path))
        .map((entry) => `${entry.path} ${entry.blocked ?? 'served'}`);
      expect(log).toEqual(['/about/ challenge', '/about/ served']);
      // The cookie holds for the rest of the site.
      await tab.goto(`${guarded.origin}/faq/`);
      expect(await tab.title()).toBe('FAQ | Arachne Sample Shop');
    } finally {
      await context.close();
    }
  });
});
