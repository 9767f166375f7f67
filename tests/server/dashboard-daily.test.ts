// The dashboard's daily work in a real headless Chromium against a real server and real jobs on a local site: the
// start form's options and the API's field errors, the log viewer (live tail, level filter, search, download, links
// from the errors table), the job list (filters, search, pages, delete, re-run, compare), schedules, and the layout
// at 1280 and 360 px (screenshots in a temp dir, nothing wider than the viewport), keyboard use and the favicon.
import { constants } from 'node:fs';
import { access, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../src/server/types.js';
import { chromiumPath } from '../browser/fixtures.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { requireService } from '../helpers/services.js';
import { makeProject, startTestServer, type TestServer } from './server-helpers.js';

const hasChromium = await requireService(`Chromium at ${chromiumPath}`, () =>
  access(chromiumPath, constants.X_OK),
);
/** The machine may be busy: job processes start slowly there. */
const slow = { timeout: 60_000 };

describe.skipIf(!hasChromium)('the dashboard for daily work, in headless Chromium', () => {
  let site: LocalServer;
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  let shots: string;
  const pageErrors: string[] = [];
  let releaseGate: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    releaseGate = resolve;
  });
  /** The first job, started from the form with options, and the held one. */
  let first: Job;
  let held: Job;

  beforeAll(async () => {
    [site, t, browser, shots] = await Promise.all([
      startLocalServer({
        '/': '<title>home</title><a href="/a">a</a> <a href="/b">b</a> <a href="/broken">broken</a>',
        '/a': '<title>a</title><a href="/b">b</a>',
        '/b': '<title>b</title>',
        // A connection closed without an answer: a network error, retried, then a failed request.
        '/broken': (req) => {
          req.socket.destroy();
        },
        // Answers once the test opens the gate: a job that stays running meanwhile.
        '/held': '<title>held</title><a href="/held/wait">wait</a>',
        '/held/wait': async (_req, res) => {
          await gate;
          res.end('<title>done</title>');
        },
      }),
      // One job at a time: jobs submitted while the held one runs stay queued (the list's pages need no processes).
      makeProject().then((project) => startTestServer({ project, allowPrivate: true, maxJobs: 1 })),
      chromium.launch({
        executablePath: chromiumPath,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--no-first-run',
        ],
      }),
      mkdtemp(join(tmpdir(), 'arachne-dashboard-shots-')),
    ]);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    releaseGate();
    await browser?.close();
    await t?.close();
    await site?.close();
  });

  const text = async (selector: string) => (await page.locator(selector).textContent()) ?? '';
  const apiError = async (body: unknown) => (await t.api('POST', '/api/jobs', body)).json.error;
  const jobRow = (id: string) => page.locator(`#jobs-body tr[data-job="${id}"]`);

  it(
    'starts a job from the form with its options, showing the API’s own error next to a bad field',
    slow,
    async () => {
      await page.goto(`${t.server.url}/`);
      await page.fill('#token-input', t.server.token);
      await page.click('#login-button');
      await page.locator('#spider-select option[value="shop"]').waitFor({ state: 'attached' });
      await page.selectOption('#spider-select', '');
      await page.fill('#start-url', `${site.origin}/`);

      await page.fill('#opt-perHost', '5000');
      await page.click('#start-button');
      const perHostError = await apiError({ url: `${site.origin}/`, options: { perHost: 5000 } });
      expect(perHostError.field).toBe('options.perHost');
      await page.locator('#err-perHost').filter({ hasText: perHostError.message }).waitFor();
      expect(await page.getAttribute('#opt-perHost', 'aria-invalid')).toBe('true');
      expect(page.url()).not.toContain('#/job/');

      await page.fill('#opt-perHost', '2');
      await page.fill('#opt-delayMs', '-5');
      await page.click('#start-button');
      const delayError = await apiError({
        url: `${site.origin}/`,
        options: { perHost: 2, delayMs: -5 },
      });
      await page.locator('#err-delayMs').filter({ hasText: delayError.message }).waitFor();
      expect(await text('#err-perHost')).toBe('');

      await page.fill('#opt-delayMs', '5');
      await page.fill('#opt-maxDepth', '2');
      await page.fill('#opt-maxPages', '50');
      await page.fill('#opt-maxItems', '100');
      await page.selectOption('#opt-robots', 'false');
      await page.selectOption('#opt-format', 'sqlite');
      await page.click('#start-button');
      await page.waitForURL(/#\/job\/[0-9a-f]{16}$/);
      const id = page.url().split('/').at(-1) ?? '';
      first = await t.job(id);
      expect(first.options).toEqual({
        delayMs: 5,
        perHost: 2,
        maxDepth: 2,
        maxPages: 50,
        maxItems: 100,
        robots: false,
      });
      expect(first.format).toBe('sqlite');
      await page.locator('#job-status').filter({ hasText: 'finished' }).waitFor(slow);
    },
  );

  it(
    'shows the job’s log: the errors table links to the failing URL’s lines; level filter, search, download',
    slow,
    async () => {
      const brokenUrl = `${site.origin}/broken`;
      const link = page.locator('#errors-body button.log-link', { hasText: brokenUrl });
      await link.waitFor(slow);
      await page.locator('#log-lines').filter({ hasText: 'closed (finished)' }).waitFor(slow);
      const restLog = (await t.api('GET', `/api/jobs/${first.id}/log`)).text;
      const restLines = restLog.split('\n').filter(Boolean);
      expect(await page.locator('#log-lines .log-line').count()).toBe(restLines.length);

      await link.click();
      expect(await page.inputValue('#log-search')).toBe(brokenUrl);
      const shown = page.locator('#log-lines .log-line');
      const matching = restLines.filter((line) => line.includes(brokenUrl));
      expect(matching.length).toBeGreaterThan(0);
      expect(await shown.count()).toBe(matching.length);
      expect(await shown.first().textContent()).toContain(`request failed: ${brokenUrl}`);
      expect(await page.locator('#log-lines mark').first().textContent()).toBe(brokenUrl);

      await page.fill('#log-search', '');
      await page.selectOption('#log-level', 'WARN');
      const warnings = restLines.filter((line) => / (WARN|ERROR) /.test(line.slice(0, 40)));
      expect(await shown.count()).toBe(warnings.length);
      for (const className of await shown.evaluateAll((nodes) => nodes.map((n) => n.className))) {
        expect(className).toMatch(/level-(warn|error)/);
      }
      await page.selectOption('#log-level', 'DEBUG');
      await page.fill('#log-search', 'no such text anywhere');
      await page.locator('#log-lines').filter({ hasText: 'no line matches' }).waitFor();
      await page.fill('#log-search', '');

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click('#log-download'),
      ]);
      expect(download.suggestedFilename()).toBe(`${first.id}.log`);
      expect(await readFile(await download.path(), 'utf8')).toBe(restLog);

      // The SQLite copy of the items the form asked for: one row per item, in a table named after the spider.
      const [database] = await Promise.all([
        page.waitForEvent('download'),
        page.click('#download-export'),
      ]);
      expect(database.suggestedFilename()).toBe(`${first.id}-items.db`);
      const db = new Database(await database.path(), { readonly: true });
      try {
        const { n } = db.prepare('SELECT count(*) AS n FROM site').get() as { n: number };
        expect(n).toBe((await t.job(first.id)).stats?.items);
        expect(n).toBe(3);
      } finally {
        db.close();
      }
    },
  );

  it(
    'tails a running job’s log live; its delete button is off while it runs; queued jobs wait',
    slow,
    async () => {
      await page.goto(`${t.server.url}/#/`);
      await page.selectOption('#spider-select', '');
      await page.fill('#start-url', `${site.origin}/held`);
      await page.click('#start-button');
      await page.waitForURL(/#\/job\/[0-9a-f]{16}$/);
      held = await t.job(page.url().split('/').at(-1) ?? '');
      await page.locator('#job-status').filter({ hasText: 'running' }).waitFor(slow);
      await page.locator('#log-lines').filter({ hasText: 'starting' }).waitFor(slow);
      expect(await page.locator('#job-actions button[data-action="delete"]').isDisabled()).toBe(
        true,
      );

      await page.click('a.back');
      const row = jobRow(held.id);
      await row.locator('.badge').filter({ hasText: 'running' }).waitFor();
      expect(await row.locator('button[data-action="delete"]').isDisabled()).toBe(true);
      expect(await row.locator('button[data-action="re-run"]').isDisabled()).toBe(false);
      // 20 no-code jobs and one of the shop spider queue up behind the held one: enough for two pages.
      for (let i = 0; i < 20; i++) await t.api('POST', '/api/jobs', { url: `${site.origin}/b` });
      await t.api('POST', '/api/jobs', { spider: 'shop', start: [`${site.origin}/b`] });
      await page.locator('#jobs-range').filter({ hasText: '1–20 of 23' }).waitFor();
      // The held job is now the newest but 21: on the second page.
      await page.click('#jobs-next');
      await row.locator('a.job-link').click();
      await page.locator('#log-lines').filter({ hasText: 'starting' }).waitFor(slow);
      const before = await page.locator('#log-lines .log-line').count();
      await page.evaluate('window.__samePage = true');
      // The queued jobs go before the gate opens, so only the held job runs.
      const queued = (await t.api('GET', '/api/jobs?status=queued')).json.jobs as Job[];
      expect(queued).toHaveLength(21);
      for (const job of queued) await t.api('POST', `/api/jobs/${job.id}/cancel`);
      releaseGate();
      await page.locator('#log-lines').filter({ hasText: 'closed (finished)' }).waitFor(slow);
      expect(await page.locator('#log-lines .log-line').count()).toBeGreaterThan(before);
      expect(await page.evaluate('window.__samePage')).toBe(true);
    },
  );

  it(
    'filters, searches and pages the job list; deletes a job after a confirmation',
    slow,
    async () => {
      await page.click('nav a[data-nav="jobs"]');
      const all = (await t.api('GET', '/api/jobs')).json.jobs as Job[];
      expect(all).toHaveLength(23);
      await page.locator('#jobs-range').filter({ hasText: '1–20 of 23' }).waitFor();
      expect(await page.locator('#jobs-body tr').count()).toBe(20);
      expect(await page.isDisabled('#jobs-prev')).toBe(true);
      await page.click('#jobs-next');
      await page.locator('#jobs-range').filter({ hasText: '21–23 of 23' }).waitFor();
      expect(await page.locator('#jobs-body tr').count()).toBe(3);
      // The oldest jobs are on the last page.
      expect(await jobRow(first.id).count()).toBe(1);
      await page.click('#jobs-prev');

      await page.selectOption('#jobs-status', 'cancelled');
      await page.locator('#jobs-range').filter({ hasText: '1–20 of 21' }).waitFor();
      await page.selectOption('#jobs-spider', 'shop');
      await page.locator('#jobs-range').filter({ hasText: '1–1 of 1' }).waitFor();
      const shopJob = all.find((job) => job.spider === 'shop');
      expect(await jobRow(shopJob?.id ?? '').count()).toBe(1);
      await page.selectOption('#jobs-spider', '');
      await page.selectOption('#jobs-status', 'finished');
      await page.locator('#jobs-range').filter({ hasText: '1–2 of 2' }).waitFor();
      await page.selectOption('#jobs-status', '');
      await page.fill('#jobs-search', held.id.slice(0, 10));
      await page.locator('#jobs-range').filter({ hasText: '1–1 of 1' }).waitFor();
      await page.fill('#jobs-search', '/held');
      await page.locator('#jobs-range').filter({ hasText: '1–1 of 1' }).waitFor();
      await page.fill('#jobs-search', '');

      // Delete: "Keep it" keeps the job, "Delete job" deletes it and its files.
      const victim = shopJob as Job;
      await jobRow(victim.id).locator('button[data-action="delete"]').click();
      await page.locator('#confirm-dialog').waitFor();
      expect(await text('#confirm-text')).toContain(victim.id);
      await page.click('#confirm-no');
      await page.locator('#confirm-dialog').waitFor({ state: 'detached' });
      expect((await t.api('GET', `/api/jobs/${victim.id}`)).status).toBe(200);
      await jobRow(victim.id).locator('button[data-action="delete"]').click();
      await page.click('#confirm-yes');
      await jobRow(victim.id).waitFor({ state: 'detached' });
      expect((await t.api('GET', `/api/jobs/${victim.id}`)).status).toBe(404);
      await expect(access(join(t.server.dataDir, 'jobs', victim.id))).rejects.toThrow();

      // By keyboard: Enter opens the dialog with the safe answer focused, Escape closes it and keeps the job.
      const other = all.find((job) => job.status === 'cancelled' && job.id !== victim.id) as Job;
      await jobRow(other.id).locator('button[data-action="delete"]').focus();
      await page.keyboard.press('Enter');
      await page.locator('#confirm-dialog').waitFor();
      expect(await page.evaluate('document.activeElement.id')).toBe('confirm-no');
      await page.keyboard.press('Escape');
      await page.locator('#confirm-dialog').waitFor({ state: 'detached' });
      expect((await t.api('GET', `/api/jobs/${other.id}`)).status).toBe(200);
    },
  );

  it(
    're-runs a job with the same options and compares the two runs side by side',
    slow,
    async () => {
      await page.fill('#jobs-search', first.id);
      await jobRow(first.id).locator('button[data-action="re-run"]').click();
      await page.waitForURL(/#\/job\/[0-9a-f]{16}$/);
      const rerunId = page.url().split('/').at(-1) ?? '';
      expect(rerunId).not.toBe(first.id);
      await page.locator('#job-status').filter({ hasText: 'finished' }).waitFor(slow);
      const [a, b] = [await t.job(first.id), await t.job(rerunId)];
      expect(b.options).toEqual(a.options);
      expect(b.url).toBe(a.url);

      await page.click('a.back');
      // The three finished jobs (the first, the held one, the re-run) fit one page.
      await page.selectOption('#jobs-status', 'finished');
      await page.locator('#jobs-range').filter({ hasText: '1–3 of 3' }).waitFor();
      await jobRow(rerunId).locator('input.pick').check();
      expect(await page.isDisabled('#compare-button')).toBe(true);
      await jobRow(first.id).locator('input.pick').check();
      await page.click('#compare-button');
      await page.waitForURL(/#\/compare\//);
      const cells = async (row: string) =>
        page
          .locator(`#compare-body tr[data-row="${row}"] td`)
          .evaluateAll((nodes) => nodes.map((n) => n.textContent));
      await page.locator('#compare-body tr[data-row="items"]').waitFor();
      // The first selected (the re-run) on the left: the table follows the order of the picks.
      const [left, right] = page.url().split('/').slice(-2);
      const [l, r] = [left === a.id ? a : b, right === a.id ? a : b];
      expect(await cells('items')).toEqual([
        String(l.stats?.items),
        String(r.stats?.items),
        `${(r.stats?.items ?? 0) - (l.stats?.items ?? 0) === 0 ? '±' : ''}${Math.abs((r.stats?.items ?? 0) - (l.stats?.items ?? 0))}`,
      ]);
      expect((await cells('failed')).slice(0, 2)).toEqual([
        String(l.stats?.failed),
        String(r.stats?.failed),
      ]);
      expect(l.stats?.failed).toBe(1);
      expect(await text('#compare-note')).toContain('Two runs of site');
      expect((await cells('duration'))[0]).toMatch(/s$/);
    },
  );

  it(
    'lists, creates (with the cron in words and its next runs), pauses, resumes and deletes schedules',
    slow,
    async () => {
      await page.click('nav a[data-nav="schedules"]');
      await page.locator('#schedules-empty').waitFor();
      expect(await page.getAttribute('nav a[data-nav="schedules"]', 'aria-current')).toBe('page');
      await page.fill('#schedule-url', `${site.origin}/`);
      await page.fill('#schedule-cron', '*/15 * * * *');
      await page.locator('#cron-words').filter({ hasText: 'Runs every 15 minutes' }).waitFor();
      const runs = await page
        .locator('#cron-next-runs time')
        .evaluateAll((nodes) => nodes.map((n) => new Date(n.getAttribute('datetime') ?? '')));
      expect(runs).toHaveLength(5);
      for (const run of runs) expect(run.getMinutes() % 15).toBe(0);
      await page.fill('#schedule-cron', '61 * * * *');
      await page.locator('#cron-words').filter({ hasText: 'invalid cron expression' }).waitFor();
      await page.click('#schedule-button');
      await page
        .locator('#err-schedule-cron')
        .filter({ hasText: 'invalid cron expression' })
        .waitFor();

      await page.fill('#schedule-cron', '30 9 * * 1-5');
      await page
        .locator('#cron-words')
        .filter({ hasText: 'Runs at 09:30 on Monday to Friday' })
        .waitFor();
      await page.click('#schedule-button');
      const row = page.locator('#schedules-body tr').first();
      await row
        .locator('td.describe')
        .filter({ hasText: 'at 09:30 on Monday to Friday' })
        .waitFor();
      const [schedule] = (await t.api('GET', '/api/schedules')).json.schedules;
      expect(schedule).toMatchObject({
        cron: '30 9 * * 1-5',
        url: `${site.origin}/`,
        paused: false,
      });
      await row.locator('.badge').filter({ hasText: 'active' }).waitFor();

      await row.locator('button[data-action="pause"]').click();
      await row.locator('.badge').filter({ hasText: 'paused' }).waitFor();
      expect(await row.locator('td.next-run').textContent()).toBe('–');
      expect((await t.api('GET', '/api/schedules')).json.schedules[0].paused).toBe(true);
      await row.locator('button[data-action="resume"]').click();
      await row.locator('.badge').filter({ hasText: 'active' }).waitFor();
      expect((await t.api('GET', '/api/schedules')).json.schedules[0].paused).toBe(false);

      await row.locator('button[data-action="delete"]').click();
      await page.click('#confirm-yes');
      await page.locator('#schedules-empty').waitFor({ state: 'visible' });
      expect((await t.api('GET', '/api/schedules')).json.schedules).toEqual([]);
    },
  );

  it(
    'fits 1280 and 360 px wide: no page-wide horizontal scroll, every table inside the viewport',
    slow,
    async () => {
      // A schedule, so that its table has a row to lay out.
      await t.api('POST', '/api/schedules', { cron: '0 3 * * *', url: `${site.origin}/held` });
      const jobs = (await t.api('GET', '/api/jobs')).json.jobs as Job[];
      const views: Array<[string, string, string]> = [
        ['jobs', '#/', '#jobs-body tr'],
        ['job', `#/job/${first.id}`, '#log-lines .log-line'],
        ['schedules', '#/schedules', '#schedules-body tr'],
        ['compare', `#/compare/${first.id}/${jobs[0]?.id}`, '#compare-body tr[data-row="items"]'],
      ];
      for (const width of [1280, 360]) {
        await page.setViewportSize({ width, height: 800 });
        for (const [name, hash, ready] of views) {
          await page.goto(`${t.server.url}/${hash}`);
          await page.locator(ready).first().waitFor(slow);
          await page.screenshot({ path: join(shots, `${name}-${width}.png`), fullPage: true });
          const layout = (await page.evaluate(`(() => {
          const boxOf = (table) => {
            for (let node = table; node; node = node.parentElement) {
              const overflow = getComputedStyle(node).overflowX;
              if (overflow === 'auto' || overflow === 'scroll') return node;
            }
            return table;
          };
          return {
            scrollWidth: document.documentElement.scrollWidth,
            innerWidth,
            tables: [...document.querySelectorAll('main table')].map((table) => {
              const box = boxOf(table).getBoundingClientRect();
              return { id: table.id, left: box.left, right: box.right };
            }),
          };
        })()`)) as {
            scrollWidth: number;
            innerWidth: number;
            tables: Array<{ id: string; left: number; right: number }>;
          };
          expect(layout.innerWidth, `${name} at ${width}`).toBe(width);
          expect(layout.scrollWidth, `${name} at ${width}: page width`).toBeLessThanOrEqual(width);
          expect(layout.tables.length, `${name}: tables`).toBeGreaterThan(0);
          for (const table of layout.tables) {
            expect(table.left, `${name} at ${width}: ${table.id}`).toBeGreaterThanOrEqual(0);
            expect(table.right, `${name} at ${width}: ${table.id}`).toBeLessThanOrEqual(width);
          }
        }
      }
      // At 360 px the job list is wider than its card: it scrolls inside its box rather than cutting columns off.
      await page.goto(`${t.server.url}/#/`);
      await page.locator('#jobs-body tr').first().waitFor();
      const inner = (await page.evaluate(
        "(() => { const box = document.getElementById('jobs-table').parentElement; return [box.scrollWidth, box.clientWidth]; })()",
      )) as [number, number];
      expect(inner[0]).toBeGreaterThan(inner[1]);
      await page.setViewportSize({ width: 1280, height: 900 });
    },
  );

  it(
    'is usable by keyboard: labelled controls, real buttons, a visible focus ring; has a favicon',
    slow,
    async () => {
      await page.goto(`${t.server.url}/#/`);
      await page.locator('#jobs-body tr').first().waitFor();
      const unlabelled = await page.evaluate(`[...document.querySelectorAll('input, select')]
      .filter((node) => node.labels.length === 0 && !node.getAttribute('aria-label'))
      .map((node) => node.id || node.outerHTML)`);
      expect(unlabelled).toEqual([]);
      // Everything clickable is a link or a button (no click handlers on divs or spans).
      const clickable = await page.evaluate(
        `[...document.querySelectorAll('[onclick], [role="button"]')].length`,
      );
      expect(clickable).toBe(0);

      // Tab from the top of the page reaches the navigation, the form and the list, in that order.
      await page.focus('a.brand');
      const reached: string[] = [];
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        const id = (await page.evaluate(
          'document.activeElement?.id || document.activeElement?.dataset?.nav || document.activeElement?.tagName',
        )) as string;
        reached.push(id);
        if (id === 'jobs-search') break;
      }
      const order = [
        'jobs',
        'schedules',
        'spider-select',
        'start-url',
        'start-button',
        'jobs-search',
      ];
      const positions = order.map((id) => reached.indexOf(id));
      expect(
        positions.every((p) => p >= 0),
        reached.join(' '),
      ).toBe(true);
      expect(positions).toEqual([...positions].sort((x, y) => x - y));
      const outline = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle');
      expect(outline).not.toBe('none');
      // Typing in the focused search field filters at once.
      await page.keyboard.type(first.id);
      await page.locator('#jobs-range').filter({ hasText: '1–1 of 1' }).waitFor();

      const icon = await page.getAttribute('link[rel="icon"]', 'href');
      const response = await fetch(new URL(icon ?? '', `${t.server.url}/`));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('image/svg+xml');
      expect(await response.text()).toContain('<svg');
      expect(pageErrors).toEqual([]);
    },
  );
});
