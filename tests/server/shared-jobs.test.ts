// `arachne serve --frontier redis://…` with `arachne worker --server` processes: the server seeds each job's shared
// crawl and writes its output, three real worker processes fetch the pages, one is killed with SIGKILL mid-job.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateShop, type ShopServer, serveShop } from '../../src/sample-shop/index.js';
import type { WorkerView } from '../../src/server/worker-registry.js';
import { redisUp } from '../distributed/redis-helpers.js';
import { binPath } from '../helpers/run-cli.js';
import { waitFor, whenEvent } from '../helpers/wait.js';
import { lines, makeProject, startTestServer, type TestServer } from './server-helpers.js';

// A database of its own: the server's host-turns group and crawls never meet another test's.
const frontier = 'redis://127.0.0.1:6379/7';
const products = 240;
const seed = 7;
const heartbeatMs = 250;

interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

function startWorker(server: TestServer): WorkerProcess {
  const child = spawn(
    process.execPath,
    [binPath, 'worker', '--server', server.server.url, '--log-level', 'warn'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ARACHNE_TOKEN: server.server.token },
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return { child, output: () => output, exited };
}

async function workers(server: TestServer): Promise<WorkerView[]> {
  return (await server.api('GET', '/api/workers')).json.workers as WorkerView[];
}

describe.skipIf(!redisUp)('jobs on many machines: serve --frontier and worker --server', () => {
  let shop: ShopServer;
  let server: TestServer;
  const started: WorkerProcess[] = [];

  beforeAll(async () => {
    shop = await serveShop(generateShop({ seed, products }), { delayMs: 5 });
    server = await startTestServer({
      project: await makeProject(),
      allowPrivate: true,
      frontier,
      leaseMs: 1500,
      hostTurns: `test-${randomUUID().slice(0, 8)}`,
      heartbeatMs,
      maxJobs: 2,
    });
    for (let i = 0; i < 3; i++) started.push(startWorker(server));
  });
  afterAll(async () => {
    for (const worker of started) worker.child.kill('SIGTERM');
    await Promise.all(started.map((worker) => worker.exited));
    await server?.close();
    await shop?.close();
  });

  it('finishes a job with every item exactly once after a worker is killed mid-job, and lists that worker as stale', async () => {
    await waitFor(
      'three registered workers',
      async () => ((await workers(server)).length === 3 ? true : undefined),
      { timeoutMs: 20_000 },
    ).catch((error: Error) => {
      throw new Error(
        `${error.message}; workers said: ${started.map((w) => w.output()).join(' | ')}`,
      );
    });
    const submitted = await server.api('POST', '/api/jobs', {
      spider: 'shop',
      start: [`${shop.origin}/`],
      options: { perHost: 4, concurrency: 4 },
    });
    expect(submitted.status).toBe(201);
    const id = submitted.json.job.id as string;

    // Mid-job: a third of the items are in, and every worker holds work.
    await whenEvent(
      server.server.manager,
      'progress',
      (jobId: string, progress: { stats: { items: number } }) =>
        jobId === id && progress.stats.items >= products / 3 ? true : undefined,
      { timeoutMs: 60_000, what: 'a third of the items' },
    );
    const busy = (await workers(server)).filter((worker) => worker.jobs.length > 0);
    expect(busy.length).toBeGreaterThan(0);
    const victim = busy[0] as WorkerView;
    const victimProcess = started.find((worker) => worker.child.pid === victim.pid);
    expect(victimProcess).toBeDefined();
    victimProcess?.child.kill('SIGKILL');

    const job = await server.waitForStatus(id, ['finished', 'failed'], 90_000);
    expect(job.status, job.error ?? '').toBe('finished');

    const items = await server.api('GET', `/api/jobs/${id}/items?limit=1000`);
    const urls = lines(items.text).map((line) => (JSON.parse(line) as { url: string }).url);
    const expected = generateShop({ seed, products })
      .expectedItems()
      .map((item) => `${shop.origin}${item.url}`);
    // Nothing lost, nothing written twice, whichever worker scraped it.
    expect(urls.length).toBe(expected.length);
    expect(new Set(urls).size).toBe(urls.length);
    expect([...urls].sort()).toEqual([...expected].sort());
    expect(job.stats?.items).toBe(expected.length);

    // The killed worker stays listed, its heartbeat going stale; the two others beat on.
    await waitFor(
      'the killed worker to go stale',
      async () =>
        (await workers(server)).find((worker) => worker.id === victim.id)?.stale ? true : undefined,
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    const listed = await workers(server);
    expect(listed).toHaveLength(3);
    for (const worker of listed) {
      expect(worker.host).not.toBe('');
      expect(worker.version).toMatch(/^\d/);
      if (worker.id === victim.id) {
        expect(worker.stale).toBe(true);
        expect(worker.heartbeatAgeMs).toBeGreaterThan(3 * heartbeatMs);
      } else expect(worker.stale).toBe(false);
    }
    // Per-worker throughput: the pages they report add up to at least every product page.
    const pages = listed.reduce((sum, worker) => sum + worker.pages, 0);
    expect(pages).toBeGreaterThanOrEqual(expected.length - victim.pages);
  }, 120_000);

  it('holds the per-host limit across all jobs of the server: two jobs on one host, one request at a time', async () => {
    // A second shop, slow enough that two crawls with a host turn each would overlap at once.
    const slow = await serveShop(generateShop({ seed: seed + 1, products: 25 }), { delayMs: 20 });
    try {
      const options = { perHost: 1, concurrency: 2, robots: false };
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const submitted = await server.api('POST', '/api/jobs', {
          spider: 'shop',
          start: [`${slow.origin}/`],
          options,
        });
        expect(submitted.status).toBe(201);
        ids.push(submitted.json.job.id as string);
      }
      const jobs = await Promise.all(
        ids.map((id) => server.waitForStatus(id, ['finished', 'failed'], 90_000)),
      );
      for (const job of jobs) expect(job.status, job.error ?? '').toBe('finished');
      // Both jobs crawled the whole shop (their crawls are separate: each its own seen set)...
      for (const job of jobs) expect(job.stats?.items).toBe(25);
      // ...and the shop never had two of their requests at once: one turn per host for every job and worker.
      expect(slow.stats().requests).toBeGreaterThan(2 * 25);
      expect(slow.stats().peakInFlight).toBe(1);
    } finally {
      await slow.close();
    }
  }, 120_000);
});
