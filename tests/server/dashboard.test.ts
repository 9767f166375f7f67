// The dashboard in a real headless Chromium against the real server and the sample shop: sign-in, a live crawl, escaping.
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packTarGz } from '../../src/deploy/tar.js';
import {
  generateShop,
  type ShopServerProcess,
  startShopServer,
} from '../../src/sample-shop/index.js';
import type { HistoryPoint, Job } from '../../src/server/types.js';
import { chromiumPath } from '../browser/fixtures.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { requireService } from '../helpers/services.js';
import { makeProject, startTestServer, type TestServer } from './server-helpers.js';

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

  it("shows a deployed project's job with its project and version", async () => {
    const spider = `import { defineSpider } from 'arachne';
export default defineSpider({ name: 'deployed', start: [${JSON.stringify(`${site.origin}/`)}], *parse(page) { yield { title: page.text('title') }; } });
`;
    const upload = await t.server.app.request('/api/projects/dash/versions/v7', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.server.token}`, 'content-type': 'application/gzip' },
      body: packTarGz([{ name: 'spider.ts', data: Buffer.from(spider) }]),
    });
    expect(upload.status, await upload.clone().text()).toBe(201);
    const created = await t.api('POST', '/api/jobs', { project: 'dash', spider: 'deployed' });
    expect(created.status, created.text).toBe(201);
    const id = created.json.job.id as string;
    await t.waitForStatus(id, ['finished']);
    await page.goto(`${t.server.url}/#/job/${id}`);
    const project = page
      .locator('#job-meta dt', { hasText: 'project' })
      .locator('xpath=following-sibling::dd[1]');
    await project.filter({ hasText: 'dash version v7' }).waitFor();
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

  /** Seconds since local midnight in the browser, for a Unix time in ms. */
  const browserSecondOfDay = (ms: number) =>
    page.evaluate((at) => {
      const d = new Date(at);
      return d.getHours() * 3600 + d.getMinutes() * 60 + d.getSeconds();
    }, ms);

  /** Opens the job's page afresh (as a user coming back to it) and checks its rate chart against its history. */
  async function reloadedChart(job: Job): Promise<{ points: number; labels: string[] }> {
    const history = (await t.api('GET', `/api/jobs/${job.id}/history`)).json
      .points as HistoryPoint[];
    await page.goto(`${t.server.url}/#/job/${job.id}`);
    // Signed in whatever ran before (the dashboard keeps the token in the tab's sessionStorage).
    await page.evaluate(
      `sessionStorage.setItem('arachne.token', ${JSON.stringify(t.server.token)})`,
    );
    await page.reload();
    // The chart keeps one sample of points closer than 50 ms (the job's last tick and its finish can be, on a busy
    // machine): every other stored point is drawn.
    let drawn = 0;
    let previous = Number.NEGATIVE_INFINITY;
    for (const point of history) {
      if (point.atMs - previous >= 50) drawn++;
      previous = point.atMs;
    }
    const rate = page.locator('#chart-rate');
    await expect
      .poll(async () => Number(await rate.getAttribute('data-points')), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(drawn);
    const labels = ((await rate.getAttribute('data-x-labels')) ?? '').split('|');
    // Every tick label is a time of day within the job's run (a minute of slack either side), in the browser's
    // local time: the axis reads today, not years ahead.
    const from = (await browserSecondOfDay(Date.parse(job.startedAt ?? ''))) - 60;
    const span = Date.parse(job.finishedAt ?? '') - Date.parse(job.startedAt ?? '') + 120_000;
    for (const label of labels) {
      expect(label).toMatch(/^\d\d:\d\d:\d\d$/);
      const [h, m, sec] = label.split(':').map(Number) as [number, number, number];
      const offset = (h * 3600 + m * 60 + sec - from + 86_400) % 86_400;
      expect(offset, `label ${label}`).toBeLessThanOrEqual(span / 1000);
    }
    return { points: history.length, labels };
  }

  it("shows a finished job's whole stored curve after a reload, on an axis of today's times", async () => {
    // A crawl of a few seconds (100 pages, one at a time, 30 ms each), finished before its page is opened.
    const created = await t.api('POST', '/api/jobs', {
      url: `${shop.origin}/`,
      options: { concurrency: 1, maxPages: 100 },
    });
    const job = await t.waitForStatus(created.json.job.id as string, ['finished', 'failed']);
    expect(job.status).toBe('finished');
    const curve = await reloadedChart(job);
    expect(curve.points).toBeGreaterThanOrEqual(5);
    expect(curve.labels.filter((label) => label !== '').length).toBeGreaterThan(0);
    await page.screenshot({ path: `${outputDir}dashboard-history.png`, fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('draws a single sample on an axis of the minute around it, not years ahead', async () => {
    await page.goto(`${t.server.url}/`);
    // The dashboard's own chart module, given one sample (as a job seen for a moment only would be).
    const labels = (await page.evaluate(`(async () => {
      const { JobCharts } = await import('./charts.js');
      const root = document.createElement('div');
      root.style.width = '600px';
      document.body.append(root);
      const charts = new JobCharts(root);
      charts.update([{ t: Date.now() / 1000, pages: 3, rate: 1, byStatus: { 200: 3 }, latency: null }]);
      const box = root.querySelector('.chart');
      // uPlot draws after the call returns: the box says when it has.
      while (box.dataset.points !== '1') await new Promise((resolve) => requestAnimationFrame(resolve));
      const shown = box.dataset.xLabels ?? '';
      charts.destroy();
      root.remove();
      return shown;
    })()`)) as string;
    const now = await browserSecondOfDay(Date.now());
    const list = labels.split('|');
    expect(list.filter((label) => label !== '').length).toBeGreaterThan(0);
    for (const label of list) {
      expect(label).toMatch(/^\d\d:\d\d:\d\d$/);
      const [h, m, sec] = label.split(':').map(Number) as [number, number, number];
      const offset = ((h * 3600 + m * 60 + sec - now + 86_400 + 43_200) % 86_400) - 43_200;
      expect(Math.abs(offset), `label ${label}`).toBeLessThanOrEqual(90);
    }
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
