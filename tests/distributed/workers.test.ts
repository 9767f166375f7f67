import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlPrefix, readCrawlStatus } from '../../src/distributed/index.js';
import {
  generateShop,
  type ShopServerProcess,
  startShopServer,
} from '../../src/sample-shop/index.js';
import { binPath, runCli } from '../helpers/run-cli.js';
import { waitFor } from '../helpers/wait.js';
import { connect, dropCrawl, newCrawlId, redisUp, redisUrl } from './redis-helpers.js';

const products = 2000;
const seed = 21;
const perHost = 4;
const spiderPath = fileURLToPath(new URL('../../examples/shop.ts', import.meta.url));

interface Worker {
  child: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

function startWorker(command: 'crawl' | 'worker', args: string[]): Worker {
  const child = spawn(process.execPath, [binPath, command, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, exit, output: () => output };
}

describe.skipIf(!redisUp)('a shared crawl on three worker processes', () => {
  let shop: ShopServerProcess;
  const crawlId = newCrawlId();

  beforeAll(async () => {
    shop = await startShopServer({ seed, products, delayMs: 3 });
  });
  afterAll(async () => {
    await shop?.stop();
    const client = await connect();
    await dropCrawl(client, crawlId);
    await client.quit();
  });

  it('survives a worker killed mid-crawl: every page fetched, every item written once, per-host limit held', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arachne-workers-'));
    const out = join(dir, 'items.jsonl');
    const common = [
      spiderPath,
      '--start',
      `${shop.origin}/`,
      '--frontier',
      redisUrl,
      '--crawl-id',
      crawlId,
      '--per-host',
      String(perHost),
      '--concurrency',
      '8',
      '--lease-ms',
      '1500',
      '--no-progress',
      '--log-level',
      'warn',
    ];
    const starter = startWorker('crawl', [...common, '-o', out]);
    const victim = startWorker('worker', common);
    const helper = startWorker('worker', common);

    // Kill one worker once the crawl is well under way.
    const client = await connect();
    // The workers report only to Redis: poll the crawl's status there, bounded.
    await waitFor(
      'the crawl to be under way on three workers',
      async () => {
        const status = await readCrawlStatus(client, crawlPrefix(crawlId));
        return status.done >= 300 && status.workers.length === 3 ? true : undefined;
      },
      { intervalMs: 50 },
    );
    const killedAt = await readCrawlStatus(client, crawlPrefix(crawlId));
    expect(killedAt.workers).toHaveLength(3);
    expect(killedAt.finished).toBe(false);
    victim.child.kill('SIGKILL');
    expect((await victim.exit).signal).toBe('SIGKILL');

    const [starterExit, helperExit] = await Promise.all([starter.exit, helper.exit]);
    expect(starterExit.code, starter.output()).toBe(0);
    expect(helperExit.code, helper.output()).toBe(0);
    expect(starter.output()).toContain(`shared crawl "${crawlId}" (finished)`);

    const expected = generateShop({ seed, products });
    const lines = (await readFile(out, 'utf8')).split('\n').filter((line) => line !== '');
    const urls = lines.map((line) => (JSON.parse(line) as { url: string }).url).sort();
    expect(urls).toEqual(
      expected
        .expectedItems()
        .map((item) => `${shop.origin}${item.url}`)
        .sort(),
    );

    const fetched = new Set((await shop.log()).map((entry) => entry.path));
    for (const path of expected.allowedPaths()) expect(fetched.has(path), path).toBe(true);
    expect([...fetched].filter((path) => path.startsWith('/private'))).toEqual([]);
    // One host, three workers, each allowed 8 requests in flight: the server never saw more than perHost at once.
    expect((await shop.stats()).peakInFlight).toBeLessThanOrEqual(perHost);

    // The status command sees the whole crawl; a worker that joins after the end leaves at once, saying so.
    const status = await runCli(['status', '--frontier', redisUrl, '--crawl-id', crawlId]);
    expect(status.stdout).toMatch(/: finished/);
    expect(status.stdout).toMatch(new RegExp(`items\\s+${products}\\b`));
    expect(status.stdout).toMatch(/queued\s+0/);
    const late = await runCli(['worker', ...common]);
    expect(late.code).toBe(0);
    expect(late.stderr).toContain('already finished');
    await client.quit();
  }, 120_000);
});
