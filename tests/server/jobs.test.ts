import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateShop,
  type ShopServerProcess,
  startShopServer,
} from '../../src/sample-shop/index.js';
import type { Progress } from '../../src/server/types.js';
import { closedPortOrigin } from '../helpers/local-server.js';
import { waitFor, whenEvent } from '../helpers/wait.js';
import { lines, makeProject, startTestServer, type TestServer } from './server-helpers.js';

const seed = 5;
const products = 60;
let shop: ShopServerProcess;
let t: TestServer;
let expectedUrls: string[];

beforeAll(async () => {
  shop = await startShopServer({ seed, products });
  expectedUrls = generateShop({ seed, products })
    .expectedItems()
    .map((item) => `${shop.origin}${item.url}`)
    .sort();
  const project = await makeProject({
    // Loads fine in the scan, throws when loaded by a job (the job process sets ARACHNE_JOB_ID).
    'throws.ts': `import { defineSpider } from 'arachne';
if (process.env.ARACHNE_JOB_ID) throw new Error('boom at load');
export default defineSpider({ name: 'throws', start: ['http://127.0.0.1:9/'], *parse() {} });
`,
    'crashes.ts': `import { defineSpider } from 'arachne';
export default defineSpider({ name: 'crashes', start: ['http://127.0.0.1:9/'], *parse() { process.exit(3); } });
`,
  });
  // One job at a time: the queue is part of what this file checks.
  t = await startTestServer({ project, allowPrivate: true, maxJobs: 1 });
});
afterAll(async () => {
  await t?.close();
  await shop?.stop();
});

/** A crawl of the shop slow enough to be caught in the middle: one request at a time, 25 ms apart. */
const slow = { concurrency: 1, perHost: 1, delayMs: 25 };

async function submit(body: object): Promise<string> {
  const response = await t.api('POST', '/api/jobs', body);
  expect(response.status, response.text).toBe(201);
  return response.json.job.id as string;
}

async function allItems(id: string): Promise<Array<{ url: string }>> {
  const items: Array<{ url: string }> = [];
  let offset = 0;
  for (let page = 0; page < 100; page++) {
    const response = await t.api('GET', `/api/jobs/${id}/items?offset=${offset}&limit=25`);
    items.push(...lines(response.text).map((line) => JSON.parse(line) as { url: string }));
    offset = Number(response.headers.get('x-next-offset'));
    if (response.headers.get('x-has-more') !== 'true') break;
  }
  return items;
}

describe('jobs', () => {
  it('crawls the sample shop to the end: every item once, stats, progress, log and files', async () => {
    const id = await submit({ spider: 'shop', start: [`${shop.origin}/`] });
    const job = await t.waitForStatus(id, ['finished', 'failed']);
    expect(job).toMatchObject({ status: 'finished', reason: 'finished', runs: 1, error: null });
    expect(job.stats?.items).toBe(products);

    const first = await t.api('GET', `/api/jobs/${id}/items?offset=0&limit=7`);
    expect(first.headers.get('content-type')).toContain('application/x-ndjson');
    expect(lines(first.text)).toHaveLength(7);
    expect(first.headers.get('x-total-count')).toBe(String(products));
    expect(first.headers.get('x-next-offset')).toBe('7');
    expect(first.headers.get('x-has-more')).toBe('true');
    const items = await allItems(id);
    expect(items.map((item) => item.url).sort()).toEqual(expectedUrls);
    const past = await t.api('GET', `/api/jobs/${id}/items?offset=${products}`);
    expect(past.text).toBe('');
    expect(past.headers.get('x-has-more')).toBe('false');

    const log = await t.api('GET', `/api/jobs/${id}/log?offset=0&limit=1000`);
    expect(log.headers.get('content-type')).toContain('text/plain');
    expect(log.text).toContain('spider "shop" opened');
    expect(log.text).toMatch(/closed \(finished\)/);
    const logLines = Number(log.headers.get('x-total-count'));
    const second = await t.api('GET', `/api/jobs/${id}/log?offset=1&limit=1`);
    expect(lines(second.text)).toEqual([lines(log.text)[1]]);
    expect(second.headers.get('x-has-more')).toBe(String(logLines > 2));

    const detail = (await t.api('GET', `/api/jobs/${id}`)).json;
    expect(detail.progress.hosts).toContainEqual(
      expect.objectContaining({ host: '127.0.0.1', queued: 0, errors: 0 }),
    );
    expect(detail.progress.latency.samples).toBeGreaterThan(0);
    expect(detail.progress.latency.total.p99).toBeGreaterThanOrEqual(
      detail.progress.latency.total.p50,
    );
    expect(detail.progress.items.first).toHaveLength(20);
    expect(detail.progress.items.last).toHaveLength(20);
    expect(detail.progress.stats.responsesByStatus['200']).toBeGreaterThan(products);

    const dir = join(t.server.dataDir, 'jobs', id);
    for (const file of ['state.db', 'items.jsonl', 'log.txt', 'stats.json']) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(dir, 'stats.json'), 'utf8')).items).toBe(products);
  });

  it('crawls a URL with no code, into the output name given', async () => {
    const id = await submit({
      url: `${shop.origin}/`,
      options: { maxPages: 5 },
      output: 'pages.jsonl',
    });
    const job = await t.waitForStatus(id, ['finished', 'failed']);
    expect(job).toMatchObject({ status: 'finished', spider: 'site', output: 'pages.jsonl' });
    const items = await allItems(id);
    expect(items.length).toBe(job.stats?.items);
    expect(items[0]).toMatchObject({ url: expect.stringContaining(shop.origin), status: 200 });
    expect(existsSync(join(t.server.dataDir, 'jobs', id, 'pages.jsonl'))).toBe(true);
  });

  it('takes the crawl-shape options: allow/deny, allowedDomains and a cap closing the job with its reason', async () => {
    const id = await submit({
      url: `${shop.origin}/`,
      options: {
        maxItems: 4,
        maxTime: '5m',
        maxErrors: 100,
        allow: ['/category/*', '/product/*'],
        deny: ['re:/page/\\d+/$'],
        allowedDomains: ['127.0.0.1'],
      },
    });
    const job = await t.waitForStatus(id, ['finished', 'failed']);
    expect(job).toMatchObject({ status: 'finished', reason: 'max-items' });
    const items = await allItems(id);
    expect(items).toHaveLength(4);
    // The start page, then only allowed pages: categories (never their later pages) and products.
    for (const { url } of items.slice(1)) {
      expect(new URL(url).pathname).toMatch(/^\/(category|product)\//);
      expect(url).not.toMatch(/\/page\/\d+\/$/);
    }
  });

  it('queues jobs past --max-jobs and cancels a running one', async () => {
    const running = await submit({ spider: 'shop', start: [`${shop.origin}/`], options: slow });
    await t.waitForStatus(running, ['running']);
    const waiting = await submit({ url: `${shop.origin}/`, options: { maxPages: 2 } });
    expect((await t.job(waiting)).status).toBe('queued');
    await whenEvent(
      t.server.manager,
      'progress',
      (job: string, progress: Progress) =>
        (job === running && progress.stats.responses > 2) || undefined,
      {
        timeoutMs: 30_000,
        what: 'some progress',
        now: async () => ((await t.job(running)).stats?.responses ?? 0) > 2 || undefined,
      },
    );
    const cancelled = await t.api('POST', `/api/jobs/${running}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.job).toMatchObject({ status: 'cancelled', reason: 'cancelled' });
    expect(cancelled.json.job.stats.items).toBeLessThan(products);
    expect((await t.api('POST', `/api/jobs/${running}/resume`)).status).toBe(409);
    // The queued job gets the freed slot.
    expect((await t.waitForStatus(waiting, ['finished', 'failed'])).status).toBe('finished');
  });

  it('cancels and pauses queued jobs without running them', async () => {
    const blocker = await submit({ spider: 'shop', start: [`${shop.origin}/`], options: slow });
    await t.waitForStatus(blocker, ['running']);
    const a = await submit({ url: `${shop.origin}/` });
    const b = await submit({ url: `${shop.origin}/` });
    expect((await t.api('POST', `/api/jobs/${a}/cancel`)).json.job.status).toBe('cancelled');
    expect((await t.api('POST', `/api/jobs/${b}/pause`)).json.job.status).toBe('paused');
    expect((await t.api('POST', `/api/jobs/${b}/cancel`)).json.job.status).toBe('cancelled');
    await t.api('POST', `/api/jobs/${blocker}/cancel`);
    expect((await t.job(a)).runs).toBe(0);
    expect((await t.job(b)).runs).toBe(0);
  });

  it('pauses a running job and resumes it from its state: every item exactly once', async () => {
    const id = await submit({ spider: 'shop', start: [`${shop.origin}/`], options: slow });
    await waitFor('items exported', async () => {
      const page = await t.api('GET', `/api/jobs/${id}/items?limit=1`);
      return Number(page.headers.get('x-total-count')) >= 5 || undefined;
    });
    const paused = await t.api('POST', `/api/jobs/${id}/pause`);
    expect(paused.json.job).toMatchObject({ status: 'paused', reason: 'paused' });
    const atPause = (await allItems(id)).length;
    expect(atPause).toBeGreaterThanOrEqual(5);
    expect(atPause).toBeLessThan(products);

    const resumed = await t.api('POST', `/api/jobs/${id}/resume`);
    expect(resumed.status).toBe(200);
    expect(['queued', 'running']).toContain(resumed.json.job.status);
    const job = await t.waitForStatus(id, ['finished', 'failed'], 60_000);
    expect(job).toMatchObject({ status: 'finished', runs: 2 });
    const urls = (await allItems(id)).map((item) => item.url).sort();
    expect(urls).toHaveLength(products); // no duplicates…
    expect(urls).toEqual(expectedUrls); // …and nothing missing
    const log = (await t.api('GET', `/api/jobs/${id}/log?limit=5000`)).text;
    expect(log).toContain('resuming from');
  }, 60_000);

  it('a spider that throws at load fails its job; the server stays up', async () => {
    const id = await submit({ spider: 'throws' });
    const job = await t.waitForStatus(id, ['finished', 'failed']);
    expect(job.status).toBe('failed');
    expect(job.error).toContain('boom at load');
    expect((await t.api('GET', `/api/jobs/${id}/log`)).text).toContain('boom at load');
    expect((await t.api('GET', '/api/server')).status).toBe(200);
  });

  it('a spider that kills its process fails its job; the server stays up and runs the next one', async () => {
    const id = await submit({ spider: 'crashes', start: [`${shop.origin}/`] });
    const job = await t.waitForStatus(id, ['finished', 'failed']);
    expect(job).toMatchObject({ status: 'failed', reason: 'exit code 3' });
    const next = await submit({ url: `${shop.origin}/`, options: { maxPages: 1 } });
    expect((await t.waitForStatus(next, ['finished', 'failed'])).status).toBe('finished');
  });

  it('a crawl that fetched no page (its host refuses connections) fails its job, with the reason', async () => {
    const id = await submit({ url: `${await closedPortOrigin()}/` });
    const job = await t.waitForStatus(id, ['finished', 'failed']);
    expect(job).toMatchObject({ status: 'failed' });
    expect(job.error).toBe('no page was fetched: 1 request failed (AR_NETWORK ×1)');
    expect(job.stats).toMatchObject({ responses: 0, failed: 1, robotsDenied: 0 });
  });
});
