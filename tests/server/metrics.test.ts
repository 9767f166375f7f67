// /metrics, /healthz and /readyz over real HTTP: a real job against the sample shop, then one held mid-request.
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stats } from '../../src/crawler/stats.js';
import { type ShopServerProcess, startShopServer } from '../../src/sample-shop/index.js';
import { fetchBucketSeconds } from '../../src/server/fetch-histogram.js';
import { type LocalServer, startLocalServer } from '../helpers/local-server.js';
import { waitFor } from '../helpers/wait.js';
import { makeProject, startTestServer, type TestServer } from './server-helpers.js';

interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The text format, strictly: every sample's family declared by HELP and TYPE first, labels quoted. */
function parseMetrics(text: string): { samples: MetricSample[]; types: Map<string, string> } {
  const types = new Map<string, string>();
  const samples: MetricSample[] = [];
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.trimEnd().split('\n')) {
    const type = /^# TYPE (\w+) (counter|gauge|histogram)$/.exec(line);
    if (type) {
      types.set(type[1] as string, type[2] as string);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    expect(match, line).not.toBeNull();
    const [, name = '', labelText = '', value = ''] = match ?? [];
    const family = [...types.keys()].find(
      (known) => name === known || /^_(bucket|sum|count)$/.test(name.slice(known.length)),
    );
    expect(family, `${name} declared before its samples`).toBeDefined();
    const labels: Record<string, string> = {};
    for (const [, key = '', raw = ''] of labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key] = raw.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({
      name,
      labels,
      value: value === '+Inf' ? Number.POSITIVE_INFINITY : Number(value),
    });
  }
  return { samples, types };
}

function sampleValue(
  samples: MetricSample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return samples.find(
    (sample) =>
      sample.name === name &&
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  )?.value;
}

let shop: ShopServerProcess;
let t: TestServer;
let held: LocalServer;
const waiting: ServerResponse[] = [];
let released = false;
const answer = (res: ServerResponse) =>
  res.writeHead(200, { 'content-type': 'text/html' }).end('<title>held</title><p>done</p>');

beforeAll(async () => {
  shop = await startShopServer({ seed: 3, products: 12 });
  // One page that answers only when the test says so: a request caught in flight.
  held = await startLocalServer({
    '/': (_req, res) => (released ? answer(res) : waiting.push(res)),
    '/robots.txt': (_req, res) => res.writeHead(404).end(),
  });
  t = await startTestServer({ project: await makeProject(), allowPrivate: true });
});
afterAll(async () => {
  for (const res of waiting) res.destroy();
  await t?.close();
  await held?.close();
  await shop?.stop();
});

async function scrape(token: string | null = t.server.token): Promise<Response> {
  return fetch(`${t.server.url}/metrics`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
}

async function metrics(): Promise<MetricSample[]> {
  const response = await scrape();
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseMetrics(await response.text()).samples;
}

/** The counters of one spider equal the sum of its runs' stats. */
function expectCounters(samples: MetricSample[], spider: string, runs: Stats[]): void {
  const sum = (pick: (stats: Stats) => number) => runs.reduce((n, stats) => n + pick(stats), 0);
  expect(sampleValue(samples, 'arachne_pages_total', { spider })).toBe(sum((s) => s.responses));
  expect(sampleValue(samples, 'arachne_items_total', { spider })).toBe(sum((s) => s.items));
  expect(sampleValue(samples, 'arachne_errors_total', { spider })).toBe(sum((s) => s.failed));
  expect(sampleValue(samples, 'arachne_requests_total', { spider })).toBe(sum((s) => s.requests));
  expect(sampleValue(samples, 'arachne_response_bytes_total', { spider })).toBe(
    sum((s) => s.bytes),
  );
}

/** Buckets cumulative and ordered by bound, `+Inf` equal to `_count`, a sum for a count. */
function expectHistogram(samples: MetricSample[], name: string, spider: string): number {
  const buckets = samples.filter(
    (sample) => sample.name === `${name}_bucket` && sample.labels.spider === spider,
  );
  expect(buckets.map((bucket) => bucket.labels.le)).toEqual([
    ...fetchBucketSeconds.map(String),
    '+Inf',
  ]);
  for (let i = 1; i < buckets.length; i++) {
    expect(buckets[i]?.value).toBeGreaterThanOrEqual(buckets[i - 1]?.value ?? 0);
  }
  const count = sampleValue(samples, `${name}_count`, { spider });
  expect(buckets.at(-1)?.value).toBe(count);
  expect(sampleValue(samples, `${name}_sum`, { spider })).toBeGreaterThan(0);
  return count ?? -1;
}

describe('/metrics', () => {
  it('needs a token, and declares every family it exports', async () => {
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape('not-the-token-at-all')).status).toBe(401);
    const response = await scrape();
    const { types } = parseMetrics(await response.text());
    expect(types.get('arachne_jobs')).toBe('gauge');
    expect(types.get('arachne_pages_total')).toBe('counter');
    expect(types.get('arachne_fetch_duration_seconds')).toBe('histogram');
    expect(types.get('arachne_host_requests_in_flight')).toBe('gauge');
  });

  it("counts a finished job's pages, items and errors as its stats do, with cumulative latency buckets", async () => {
    const created = await t.api('POST', '/api/jobs', {
      spider: 'shop',
      start: [`${shop.origin}/`],
      options: { perHost: 8, delayMs: 0 },
    });
    expect(created.status, created.text).toBe(201);
    const job = await t.waitForStatus(created.json.job.id, ['finished', 'failed']);
    expect(job.status).toBe('finished');
    const stats = job.stats as Stats;
    expect(stats.items).toBe(12);
    const samples = await metrics();
    expect(sampleValue(samples, 'arachne_jobs', { state: 'finished' })).toBe(1);
    expect(sampleValue(samples, 'arachne_jobs', { state: 'running' })).toBe(0);
    expectCounters(samples, 'shop', [stats]);
    // Every response is timed once.
    expect(expectHistogram(samples, 'arachne_fetch_duration_seconds', 'shop')).toBe(
      stats.responses,
    );
    expect(expectHistogram(samples, 'arachne_fetch_first_byte_seconds', 'shop')).toBe(
      stats.responses,
    );
    // Nothing runs: no per-job or per-host gauge is left behind.
    expect(samples.filter((s) => s.name === 'arachne_host_requests_in_flight')).toEqual([]);
    expect(samples.filter((s) => s.name === 'arachne_job_requests_queued')).toEqual([]);
  }, 60_000);

  it('shows a running job: its request in flight per host, then adds its run to the counters', async () => {
    const created = await t.api('POST', '/api/jobs', { url: `${held.origin}/` });
    expect(created.status, created.text).toBe(201);
    const id = created.json.job.id as string;
    const live = await waitFor(
      'the held request in /metrics',
      async () => {
        const samples = await metrics();
        return sampleValue(samples, 'arachne_host_requests_in_flight', { host: '127.0.0.1' }) === 1
          ? samples
          : undefined;
      },
      { timeoutMs: 50_000, intervalMs: 100 },
    );
    expect(sampleValue(live, 'arachne_jobs', { state: 'running' })).toBe(1);
    expect(sampleValue(live, 'arachne_job_requests_in_flight', { job: id, spider: 'site' })).toBe(
      1,
    );
    expect(sampleValue(live, 'arachne_job_requests_queued', { job: id, spider: 'site' })).toBe(0);
    released = true;
    for (const res of waiting.splice(0)) answer(res);
    const job = await t.waitForStatus(id, ['finished', 'failed']).catch((error: Error) => {
      throw new Error(`${error.message}; the site was asked ${held.paths.join(', ')}`);
    });
    expect(job.status).toBe('finished');
    const samples = await metrics();
    expect(sampleValue(samples, 'arachne_jobs', { state: 'finished' })).toBe(2);
    expectCounters(samples, 'site', [job.stats as Stats]);
    expect(sampleValue(samples, 'arachne_pages_total', { spider: 'site' })).toBeGreaterThan(0);
    expect(expectHistogram(samples, 'arachne_fetch_duration_seconds', 'site')).toBe(
      job.stats?.responses,
    );
    // The first job's figures are still there, unchanged.
    expect(sampleValue(samples, 'arachne_items_total', { spider: 'shop' })).toBe(12);
  }, 60_000);
});

describe('/healthz and /readyz', () => {
  it('answer without a token; /readyz turns 503 once the server stops', async () => {
    const health = await fetch(`${t.server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${t.server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    await t.close();
    const stopped = await t.server.app.request('/readyz');
    expect(stopped.status).toBe(503);
    expect(((await stopped.json()) as { status: string }).status).toBe('not ready');
  });
});
