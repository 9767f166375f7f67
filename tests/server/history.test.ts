// Jobs' chart history: stored in server.db, bounded by halving, served by GET /api/jobs/:id/history.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatsCollector } from '../../src/crawler/stats.js';
import { type ShopServerProcess, startShopServer } from '../../src/sample-shop/index.js';
import { emptyHistograms } from '../../src/server/fetch-histogram.js';
import { HistoryStore } from '../../src/server/history-store.js';
import { latencyOf } from '../../src/server/progress-tracker.js';
import type { HistoryPoint, Job, Progress } from '../../src/server/types.js';
import { makeProject, startTestServer, type TestServer } from './server-helpers.js';

function progressWith(pages: number): Progress {
  const stats = new StatsCollector().snapshot();
  stats.responses = pages;
  stats.responsesByStatus = { '200': pages };
  return {
    stats,
    hosts: [],
    latency: latencyOf([]),
    fetchHistograms: emptyHistograms(),
    errors: [],
    items: { first: [], last: [] },
  };
}

function expectIncreasing(points: HistoryPoint[]): void {
  for (let i = 1; i < points.length; i++) {
    expect((points[i] as HistoryPoint).atMs).toBeGreaterThan((points[i - 1] as HistoryPoint).atMs);
  }
}

describe('HistoryStore', () => {
  it('keeps at most maxPoints per job, thinned evenly by halving, across a reopening', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'arachne-history-')), 'server.db');
    let store = HistoryStore.open(path, { maxPoints: 50, intervalMs: 500 });
    const start = Date.UTC(2026, 0, 1);
    let recorded = 0;
    // Twenty minutes of reports every 500 ms: 2,400 offered.
    for (let i = 0; i < 2400; i++) {
      if (i === 1200) {
        store.close();
        store = HistoryStore.open(path, { maxPoints: 50, intervalMs: 500 });
      }
      if (store.record('a', 1, progressWith(i), start + i * 500)) recorded++;
      store.record('b', 1, progressWith(i), start + i * 500, i % 100 !== 0);
    }
    const points = store.points('a');
    expect(recorded).toBeGreaterThan(50);
    expect(points.length).toBeGreaterThanOrEqual(25);
    expect(points.length).toBeLessThanOrEqual(50);
    expectIncreasing(points);
    expect(points[0]?.atMs).toBe(start);
    expect(points[0]?.pages).toBe(0);
    // The whole twenty minutes are covered, evenly: no gap much wider than the current interval.
    const interval = store.intervalMs('a');
    expect(interval).toBeGreaterThan(500);
    expect((points.at(-1)?.atMs ?? 0) - start).toBeGreaterThan(1_200_000 - 2 * interval);
    const gaps = points.slice(1).map((p, i) => p.atMs - (points[i] as HistoryPoint).atMs);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(2 * interval);
    // Points carry the figures they were recorded with.
    for (const point of points) expect(point.pages).toBe((point.atMs - start) / 500);
    expect(store.points('b').length).toBeLessThanOrEqual(50);
    store.delete('a');
    expect(store.points('a')).toEqual([]);
    store.close();
  });
});

describe('GET /api/jobs/:id/history', () => {
  let shop: ShopServerProcess;
  let t: TestServer;

  beforeAll(async () => {
    let project: string;
    [shop, project] = await Promise.all([
      startShopServer({ seed: 3, products: 40, delayMs: 20 }),
      makeProject(),
    ]);
    t = await startTestServer({ project, allowPrivate: true });
  });
  afterAll(async () => {
    await t?.close();
    await shop?.stop();
  });

  it("serves a finished job's whole curve, in Unix milliseconds, ending with its totals", async () => {
    const before = Date.now();
    const created = await t.api('POST', '/api/jobs', {
      spider: 'shop',
      start: [`${shop.origin}/`],
      options: { concurrency: 1, perHost: 1 },
    });
    const id = created.json.job.id as string;
    const job: Job = await t.waitForStatus(id, ['finished', 'failed']);
    expect(job.status).toBe('finished');
    const response = await t.api('GET', `/api/jobs/${id}/history`);
    expect(response.status).toBe(200);
    const points = response.json.points as HistoryPoint[];
    expect(points.length).toBeGreaterThanOrEqual(3);
    expectIncreasing(points);
    const started = Date.parse(job.startedAt ?? '');
    const ended = Date.parse(job.finishedAt ?? '');
    expect(started).toBeGreaterThanOrEqual(before - 1000);
    for (const point of points) {
      expect(point.atMs).toBeGreaterThanOrEqual(started);
      expect(point.atMs).toBeLessThanOrEqual(ended + 1000);
      expect(point.run).toBe(1);
    }
    for (let i = 1; i < points.length; i++) {
      expect(points[i]?.pages).toBeGreaterThanOrEqual(points[i - 1]?.pages ?? 0);
    }
    expect(points.at(-1)).toMatchObject({
      pages: job.stats?.responses,
      items: job.stats?.items,
      failed: 0,
      byStatus: job.stats?.responsesByStatus,
    });
    expect(points.at(-1)?.latency?.firstByte.p50).toBeGreaterThan(0);
  });

  it('needs the token, and answers 404 for an unknown job', async () => {
    expect((await t.api('GET', '/api/jobs/0123456789abcdef/history')).status).toBe(404);
    expect((await t.api('GET', '/api/jobs/0123456789abcdef/history', undefined, null)).status).toBe(
      401,
    );
  });
});
