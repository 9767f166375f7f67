// A job paused, resumed, stopped with its server and resumed by the next one: its totals add up with /items.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stats, StatsCollector } from '../../src/crawler/stats.js';
import {
  generateShop,
  type ShopServerProcess,
  startShopServer,
} from '../../src/sample-shop/index.js';
import { totalStats } from '../../src/server/run-totals.js';
import type { Job, Progress } from '../../src/server/types.js';
import { whenEvent } from '../helpers/wait.js';
import { lines, makeProject, startTestServer, type TestServer } from './server-helpers.js';

const seed = 5;
const products = 40;
let shop: ShopServerProcess;
let project: string;
let t: TestServer;

beforeAll(async () => {
  [shop, project] = await Promise.all([startShopServer({ seed, products }), makeProject()]);
  t = await startTestServer({ project, allowPrivate: true });
});
afterAll(async () => {
  await t?.close();
  await shop?.stop();
});

/** Resolves with the first progress of job `id` that `accept` takes (pushed by the job manager, not polled). */
function progressWhere(id: string, what: string, accept: (progress: Progress) => boolean) {
  return whenEvent(
    t.server.manager,
    'progress',
    (jobId: string, progress: Progress) =>
      jobId === id && accept(progress) ? progress : undefined,
    { timeoutMs: 20_000, what },
  );
}

async function itemLines(id: string): Promise<number> {
  const response = await t.api('GET', `/api/jobs/${id}/items?limit=1000`);
  expect(Number(response.headers.get('x-total-count'))).toBe(lines(response.text).length);
  return lines(response.text).length;
}

/** The job as the list shows it and as its own route shows it: the same totals. */
async function bothViews(id: string): Promise<Job> {
  const listed = ((await t.api('GET', '/api/jobs')).json.jobs as Job[]).find((j) => j.id === id);
  const job = await t.job(id);
  expect(listed?.stats).toEqual(job.stats);
  return job;
}

const sum = (runs: Job['perRun'], pick: (stats: Stats) => number) =>
  runs.reduce((total, run) => total + (run.stats ? pick(run.stats) : 0), 0);

describe('a job over several runs', () => {
  it('counts pages, items, failures and time over all its runs, equal to what /items serves', async () => {
    const expectedPages = generateShop({ seed, products }).allowedPaths().length;
    const created = await t.api('POST', '/api/jobs', {
      spider: 'shop',
      start: [`${shop.origin}/`],
      // 50 ms between pages: the 20 items after a stop is asked take a second or more, so a loaded machine's late
      // progress events still stop each run in its middle.
      options: { concurrency: 1, perHost: 1, delayMs: 50 },
    });
    const id = created.json.job.id as string;

    // Run 1: paused once 8 items are in.
    await progressWhere(id, '8 items', (p) => p.stats.items >= 8);
    await t.api('POST', `/api/jobs/${id}/pause`);
    const paused = await bothViews(id);
    expect(paused.status).toBe('paused');
    expect(paused.stats?.items).toBe(await itemLines(id));
    expect(paused.perRun).toHaveLength(1);
    expect(paused.perRun[0]).toMatchObject({ reason: 'paused', stats: paused.stats });

    // Run 2: the live progress carries the totals, and the run's own counts apart.
    const firstOfRun2 = progressWhere(id, 'progress of run 2', (p) => (p.runStats?.items ?? 0) > 0);
    await t.api('POST', `/api/jobs/${id}/resume`);
    const live = await firstOfRun2;
    expect(live.stats.items).toBe((paused.stats?.items ?? 0) + (live.runStats?.items ?? 0));
    expect(live.stats.responses).toBe(
      (paused.stats?.responses ?? 0) + (live.runStats?.responses ?? 0),
    );
    const running = await t.job(id);
    expect(running.stats?.items).toBeGreaterThanOrEqual(live.stats.items);
    expect(running.perRun).toHaveLength(2);

    // The server stops (gracefully) in the middle of run 2; the next server resumes the job.
    await progressWhere(id, '20 items', (p) => p.stats.items >= 20);
    const dataDir = t.server.dataDir;
    await t.close();
    t = await startTestServer({ project, dataDir, allowPrivate: true });
    const stopped = await bothViews(id);
    expect(stopped).toMatchObject({ status: 'paused', reason: 'server stopped' });
    expect(stopped.perRun.map((run) => run.reason)).toEqual(['paused', 'server stopped']);
    expect(stopped.stats?.items).toBe(await itemLines(id));
    expect(stopped.stats?.items).toBeGreaterThanOrEqual(20);
    expect(stopped.stats?.items).toBeLessThan(products);

    await t.api('POST', `/api/jobs/${id}/resume`);
    await t.waitForStatus(id, ['finished', 'failed']);
    const done = await bothViews(id);
    expect(done).toMatchObject({ status: 'finished', runs: 3 });
    expect(done.perRun).toHaveLength(3);
    const stats = done.stats as Stats;
    // Every product once, every page once, over three runs.
    expect(await itemLines(id)).toBe(products);
    expect(stats.items).toBe(products);
    expect(stats.responses).toBe(expectedPages);
    expect(stats.failed).toBe(0);
    for (const [name, pick] of [
      ['items', (s: Stats) => s.items],
      ['responses', (s: Stats) => s.responses],
      ['failed', (s: Stats) => s.failed],
      ['elapsedMs', (s: Stats) => s.elapsedMs],
    ] as const) {
      expect({ [name]: sum(done.perRun, pick) }).toEqual({ [name]: pick(stats) });
    }
    expect(done.perRun.every((run) => (run.stats?.items ?? 0) > 0)).toBe(true);
    expect(stats.responsesByStatus['200']).toBe(expectedPages);
    expect(stats.startedAt).toBe(done.perRun[0]?.stats?.startedAt);
  }, 60_000);
});

describe('totalStats', () => {
  const run = (fields: Partial<Stats>): Stats => ({
    ...new StatsCollector().snapshot(),
    ...fields,
  });

  it('sums counters and count maps, keeps the latest figures of the moment and the first start', () => {
    const first = run({
      startedAt: '2026-01-01T00:00:00.000Z',
      elapsedMs: 4000,
      responses: 30,
      items: 20,
      failed: 1,
      responsesByStatus: { '200': 29, '404': 1 },
      errorsByCode: { AR_TIMEOUT: 1 },
      feedMessages: 3,
      queued: 50,
      inFlight: 2,
      closeReason: 'paused',
    });
    const second = run({
      startedAt: '2026-01-01T01:00:00.000Z',
      elapsedMs: 6000,
      responses: 70,
      items: 65,
      responsesByStatus: { '200': 70 },
      queued: 0,
      inFlight: 0,
      closeReason: 'finished',
    });
    const total = totalStats([first, null, second]) as Stats;
    expect(total).toMatchObject({
      startedAt: first.startedAt,
      elapsedMs: 10_000,
      responses: 100,
      items: 85,
      failed: 1,
      responsesByStatus: { '200': 99, '404': 1 },
      errorsByCode: { AR_TIMEOUT: 1 },
      feedMessages: 3,
      queued: 0,
      inFlight: 0,
      closeReason: 'finished',
      pagesPerSecond: 10,
    });
    expect(totalStats([second])).toBe(second);
    expect(totalStats([null])).toBeNull();
  });
});
