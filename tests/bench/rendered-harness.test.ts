// The rendered bench's own measuring and checking (bench/process-tree.mjs, bench/verify.mjs): the memory of a
// crawl's child processes is counted, and a page fetched twice or a browser's subresources do not fail a run.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { auditCrawlLog, generateShop } from '../../src/sample-shop/index.js';
import { within } from '../helpers/wait.js';

interface TreeFigures {
  peakTreeRssBytes: number;
  peakTreePssBytes: number;
  descendantsCpuMs: number;
  descendantsSeen: number;
  peakTreeBreakdown: { name: string; processes: number; rssMb: number }[];
}
interface ProcessTreeModule {
  processTree(pid?: number): number[];
  startTreeSampler(intervalMs?: number): { stop(): TreeFigures };
}
interface Verification {
  check: string;
  distinctPages: number;
  duplicateRequests: number;
  subresources?: number;
}
interface VerifyModule {
  verifyRun(
    shop: unknown,
    audit: unknown,
    log: { method: string; path: string }[],
    extracted: Record<string, unknown>[],
    options?: { refetchAllowed?: boolean; subresourcesAllowed?: boolean },
  ): Verification;
}

// Plain .mjs modules of the bench (no declarations): imported through a computed path, typed here.
const benchModule = (name: string) =>
  fileURLToPath(new URL(`../../bench/${name}`, import.meta.url));
const loadTree = async () => (await import(benchModule('process-tree.mjs'))) as ProcessTreeModule;
const loadVerify = async () => (await import(benchModule('verify.mjs'))) as VerifyModule;

const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A child that holds 96 MB resident and burns `cpuMs` of CPU, resolved once it says so. */
async function spawnHolding96Mb(cpuMs: number): Promise<ReturnType<typeof spawn>> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const b = Buffer.alloc(96 * 2 ** 20, 1); const end = Date.now() + ${cpuMs}; while (Date.now() < end);
       process.stdout.write('ready'); setInterval(() => b[0]++, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  await within(
    new Promise<void>((resolve) => child.stdout?.once('data', () => resolve())),
    20_000,
    'the child to allocate',
  );
  return child;
}

describe('process tree sampling', () => {
  it('adds a child process’s memory and CPU to the crawl’s', async () => {
    const { processTree, startTreeSampler } = await loadTree();
    const sampler = startTreeSampler(20);
    const child = await spawnHolding96Mb(300);
    expect(processTree()).toContain(child.pid);
    const figures = sampler.stop();
    const own = process.memoryUsage.rss();
    expect(figures.peakTreeRssBytes).toBeGreaterThan(own + 90 * 2 ** 20);
    expect(figures.peakTreePssBytes).toBeGreaterThan(90 * 2 ** 20);
    expect(figures.descendantsSeen).toBeGreaterThanOrEqual(1);
    expect(figures.descendantsCpuMs).toBeGreaterThan(100);
    expect(figures.peakTreeBreakdown.map((entry) => entry.name)).toContain('crawler (node)');
  });
});

describe('process tree sampling from outside the crawler', () => {
  it('measures another process’s tree on a thread of its own, the root named the crawler', async () => {
    const child = await spawnHolding96Mb(0);
    const sampler = new Worker(benchModule('tree-sampler-worker.mjs'), {
      workerData: { pid: child.pid, intervalMs: 20 },
    });
    const figures = once(sampler, 'message') as Promise<[TreeFigures]>;
    sampler.postMessage('stop');
    const [measured] = await within(figures, 20_000, 'the sampler’s figures');
    expect(measured.peakTreeRssBytes).toBeGreaterThan(90 * 2 ** 20);
    expect(measured.peakTreePssBytes).toBeGreaterThan(90 * 2 ** 20);
    expect(measured.peakTreeBreakdown).toEqual([
      expect.objectContaining({ name: 'crawler (node)', processes: 1 }),
    ]);
    // The root's own CPU is the crawler's to report; only descendants count here.
    expect(measured.descendantsSeen).toBe(0);
  });
});

describe('verifyRun for rendered shops', () => {
  const shop = generateShop({ seed: 1, products: 20, mode: 'rendered' });
  const pages = shop.allowedPaths().map((path) => ({ method: 'GET', path }));
  const items = shop
    .expectedItems()
    .map((item) => ({ ...item, url: `http://127.0.0.1${item.url}` }));
  const log = [
    ...pages,
    pages[1] as { method: string; path: string },
    { method: 'GET', path: '/static/shop.css' },
  ];

  it('fails a refetch and a stylesheet by default', async () => {
    const { verifyRun } = await loadVerify();
    const result = verifyRun(shop, auditCrawlLog, log, items);
    expect(result.check).toContain('1 duplicate');
    expect(result.check).toContain('1 unexpected');
  });

  it('counts them apart when asked, and counts each page once', async () => {
    const { verifyRun } = await loadVerify();
    const result = verifyRun(shop, auditCrawlLog, log, items, {
      refetchAllowed: true,
      subresourcesAllowed: true,
    });
    expect(result.check).toBe('ok (1 refetched)');
    expect(result.subresources).toBe(1);
    expect(result.distinctPages).toBe(pages.filter(({ path }) => path !== '/robots.txt').length);
  });

  it('still fails a missing page and a wrong item', async () => {
    const { verifyRun } = await loadVerify();
    const wrong = items.map((item, i) => (i === 0 ? { ...item, title: 'nope' } : item));
    const result = verifyRun(shop, auditCrawlLog, log.slice(2), wrong, {
      refetchAllowed: true,
      subresourcesAllowed: true,
    });
    expect(result.check).toMatch(/missing/);
    expect(result.check).toMatch(/items ok/);
  });
});
