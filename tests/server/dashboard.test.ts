// The dashboard in a real headless Chromium against the real server and the sample shop: sign-in, a live crawl, escaping.
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateShop,
  type ShopServerProcess,
  startShopServer,
} from '../../src/sample-shop/index.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { requireService } from '../helpers/services.js';
import { makeProject, startTestServer, type TestServer } from './server-helpers.js';

const chromiumPath = '/usr/bin/chromium';
const outputDir = fileURLToPath(new URL('../../test-output/', import.meta.url));
const seed = 7;
const products = 200;

const hasChromium = await requireService(`Chromium at ${chromiumPath}`, () =>
  access(chromiumPath, constants.X_OK),
);

describe.skipIf(!hasChromium)('the dashboard in headless Chromium', () => {
  let shop: ShopServerProcess;
  let site: LocalServer;
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // 30 ms a response keeps the crawl going for a few seconds: long enough to watch the counters move.
    [shop, site, t, browser] = await Promise.all([
      startShopServer({ seed, products, delayMs: 30 }),
      startLocalServer({
        '/': '<html><head><title>&lt;img src=x onerror="window.__xss=1"&gt;</title></head><body>hi</body></html>',
      }),
      makeProject().then((project) => startTestServer({ project, allowPrivate: true })),
      chromium.launch({
        executablePath: chromiumPath,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-quic',
          '--no-first-run',
          '--disable-component-update',
          '--disable-sync',
        ],
      }),
    ]);
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await Promise.all([shop?.stop(), site?.close()]);
  });

  const text = async (selector: string) => (await page.locator(selector).textContent()) ?? '';
  const count = async (selector: string) => Number((await text(selector)).replace(/,/g, ''));

  it('refuses a wrong token and keeps asking for one', async () => {
    await page.goto(`${t.server.url}/`);
    await page.fill('#token-input', 'not-the-token-at-all');
    await page.click('#login-button');
    await page.locator('#login-error').filter({ hasText: 'refused' }).waitFor();
    expect(await page.isVisible('#main')).toBe(false);
    expect(await page.evaluate("sessionStorage.getItem('arachne.token')")).toBeNull();
  });

  it('signs in and follows a no-code crawl of the shop live until every allowed page is in', async () => {
    const expectedPages = generateShop({ seed, products }).allowedPaths().length;
    await page.goto(`${t.server.url}/`);
    await page.fill('#token-input', t.server.token);
    await page.click('#login-button');
    await page.locator('#spider-select option[value="shop"]').waitFor({ state: 'attached' });
    await page.locator('#connection').filter({ hasText: 'live' }).waitFor();

    await page.selectOption('#spider-select', '');
    await page.fill('#start-url', `${shop.origin}/`);
    await page.fill('#opt-concurrency', '2');
    await page.click('#start-button');
    await page.waitForURL(/#\/job\/[0-9a-f]{16}$/);

    await mkdir(outputDir, { recursive: true });
    // Every value the pages counter shows, recorded in the page as the DOM changes (no sampling).
    const pagesShown =
      "Number((document.getElementById('job-pages')?.textContent ?? '').replace(/,/g, ''))";
    await page.evaluate(`(() => {
      const shown = [];
      const record = () => {
        if (!document.getElementById('job-pages')) return;
        const value = ${pagesShown};
        if (shown.at(-1) !== value) shown.push(value);
      };
      record();
      new MutationObserver(record).observe(document.body, {
        childList: true,
        characterData: true,
        subtree: true,
      });
      window.pagesShown = shown;
    })()`);
    // A screenshot of the crawl a third of the way through (or at its end, if it got there first).
    await page.waitForFunction(
      `${pagesShown} > ${expectedPages / 3} || document.getElementById('job-status')?.textContent === 'finished'`,
      undefined,
      { timeout: 25_000 },
    );
    await page.screenshot({ path: `${outputDir}dashboard-live.png`, fullPage: true });
    await page.locator('#job-status').filter({ hasText: 'finished' }).waitFor({ timeout: 25_000 });
    const seen = (await page.evaluate('window.pagesShown')) as number[];
    expect(await text('#job-status')).toBe('finished');
    expect(await count('#job-pages')).toBe(expectedPages);
    expect(await count('#job-items')).toBe(expectedPages);
    expect(await count('#job-failed')).toBe(0);
    // The counter rose in steps while the crawl ran, never backwards.
    const between = seen.filter((n) => n > 0 && n < expectedPages);
    expect(between.length).toBeGreaterThan(0);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));

    // The run's last progress (hosts, items) may arrive up to 500 ms after the job's status: the feed throttles it.
    const hostRow = page.locator('#hosts-body tr[data-host]');
    await expect.poll(() => hostRow.locator('td').nth(3).textContent()).toBe(String(expectedPages));
    expect(await hostRow.count()).toBe(1);
    expect(await hostRow.first().textContent()).toContain(new URL(shop.origin).hostname);
    for (const chart of ['#chart-rate', '#chart-status', '#chart-latency']) {
      expect(await page.locator(`${chart} canvas`).count()).toBe(1);
    }
    expect(await page.locator('#items-body tr').count()).toBe(20);
    expect(await text('#items-body')).toContain(shop.origin);

    await page.screenshot({ path: `${outputDir}dashboard.png`, fullPage: true });

    await page.click('a.back');
    const jobRow = page.locator('#jobs-body tr').first();
    await jobRow.locator('.badge').filter({ hasText: 'finished' }).waitFor();
    expect(await jobRow.locator('.pages').textContent()).toBe(String(expectedPages));
    await page.screenshot({ path: `${outputDir}dashboard-jobs.png`, fullPage: true });
  });

  it('runs the shop spider from an overridden start URL to one item per product', async () => {
    await page.goto(`${t.server.url}/#/`);
    await page.locator('#spider-select option[value="shop"]').waitFor({ state: 'attached' });
    await page.selectOption('#spider-select', 'shop');
    await page.fill('#start-url', `${shop.origin}/`);
    await page.fill('#opt-concurrency', '8');
    await page.click('#start-button');
    await page.waitForURL(/#\/job\/[0-9a-f]{16}$/);
    await page.locator('#job-status').filter({ hasText: 'finished' }).waitFor({ timeout: 20_000 });
    expect(await count('#job-items')).toBe(products);
  });

  it('pauses, resumes and cancels a running job with its buttons', async () => {
    await page.goto(`${t.server.url}/#/`);
    await page.selectOption('#spider-select', '');
    await page.fill('#start-url', `${shop.origin}/`);
    await page.fill('#opt-concurrency', '1');
    await page.click('#start-button');
    await page.waitForURL(/#\/job\/[0-9a-f]{16}$/);
    const status = page.locator('#job-status');
    const button = (action: string) => page.locator(`#job-actions button[data-action="${action}"]`);
    await status.filter({ hasText: 'running' }).waitFor();
    expect(await button('resume').isDisabled()).toBe(true);
    await button('pause').click();
    await status.filter({ hasText: 'paused' }).waitFor({ timeout: 10_000 });
    await button('resume').click();
    await status.filter({ hasText: 'running' }).waitFor({ timeout: 10_000 });
    await button('cancel').click();
    await status.filter({ hasText: 'cancelled' }).waitFor({ timeout: 10_000 });
    expect(await button('cancel').isDisabled()).toBe(true);
    // Resume started a second child process on the same state file.
    const runs = page
      .locator('#job-meta dt', { hasText: 'runs' })
      .locator('xpath=following-sibling::dd[1]');
    expect(await runs.textContent()).toBe('2');
  });

  it('shows scraped text as text: markup in an item never becomes an element', async () => {
    await page.goto(`${t.server.url}/#/`);
    await page.selectOption('#spider-select', '');
    await page.fill('#start-url', `${site.origin}/`);
    await page.fill('#opt-concurrency', '');
    await page.click('#start-button');
    await page.waitForURL(/#\/job\/[0-9a-f]{16}$/);
    await page.locator('#job-status').filter({ hasText: 'finished' }).waitFor({ timeout: 15_000 });
    await page.locator('#items-body').filter({ hasText: '<img src=x' }).waitFor();
    expect(await page.locator('#main img').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(pageErrors).toEqual([]);
  });

  it('works read-only with a viewer token: the jobs and the live feed, without the buttons it may not use', async () => {
    const viewer = t.server.tokens.add('wallboard', 'viewer');
    const readOnly = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    readOnly.on('pageerror', (error) => pageErrors.push(error.message));
    await readOnly.goto(`${t.server.url}/`);
    await readOnly.fill('#token-input', viewer);
    await readOnly.click('#login-button');
    await readOnly.locator('#connection').filter({ hasText: 'live' }).waitFor();
    await readOnly.locator('#server-info').filter({ hasText: 'read-only' }).waitFor();
    const rows = readOnly.locator('#jobs-body tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBeGreaterThan(0);
    expect(await readOnly.isVisible('#start-form')).toBe(false);
    expect(await readOnly.locator('#jobs-body button[data-action]:visible').count()).toBe(0);
    await rows.first().locator('a').first().click();
    await readOnly.waitForURL(/#\/job\/[0-9a-f]{16}$/);
    await readOnly.locator('#job-status').waitFor();
    expect(await readOnly.locator('#job-actions button:visible').count()).toBe(0);
    await readOnly.close();
    expect(pageErrors).toEqual([]);
  });
});
