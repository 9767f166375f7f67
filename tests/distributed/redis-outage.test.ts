import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, crawlPrefix, readCrawlStatus } from '../../src/distributed/index.js';
import {
  generateShop,
  type ShopServerProcess,
  startShopServer,
} from '../../src/sample-shop/index.js';
import { freePort } from '../helpers/local-server.js';
import { binPath } from '../helpers/run-cli.js';
import { requireService } from '../helpers/services.js';
import { collectOutput, waitFor } from '../helpers/wait.js';

// This test runs its own redis-server on another port (with persistence), so the machine's Redis stays untouched.
const redisServerUp = await requireService('redis-server binary', async () => {
  await new Promise<void>((resolve, reject) => {
    const probe = spawn('redis-server', ['--version']);
    probe.on('error', reject);
    probe.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
  });
});

function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) resolve(child);
    });
    child.on('exit', (code) =>
      reject(new Error(`redis-server exited (${code}): ${out.slice(-500)}`)),
    );
  });
}

describe.skipIf(!redisServerUp)('a shared crawl through a Redis outage', () => {
  const products = 400;
  const seed = 31;
  let shop: ShopServerProcess;
  let redis: ChildProcess | undefined;

  beforeAll(async () => {
    shop = await startShopServer({ seed, products, delayMs: 10 });
  });
  afterAll(async () => {
    redis?.kill('SIGKILL');
    await shop?.stop();
  });

  it('pauses while Redis is down, resumes when it is back, and loses nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arachne-redis-outage-'));
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}/0`;
    redis = await startRedis(port, dir);
    const out = join(dir, 'items.jsonl');
    const args = [
      fileURLToPath(new URL('../../examples/shop.ts', import.meta.url)),
      '--start',
      `${shop.origin}/`,
      '--frontier',
      url,
      '--crawl-id',
      'outage',
      '--per-host',
      '2',
      '--no-progress',
      '--log-level',
      'warn',
      '-o',
      out,
    ];
    const crawler = spawn(process.execPath, [binPath, 'crawl', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = collectOutput(crawler.stdout, crawler.stderr);
    const exited = new Promise<number | null>((resolve) => crawler.on('close', resolve));

    // The crawler reports to Redis only (log level warn): poll the crawl's status there, bounded.
    const watcher = await connectRedis(url, { connectTimeoutMs: 5000 });
    await waitFor(
      '100 pages done',
      async () =>
        (await readCrawlStatus(watcher, crawlPrefix('outage'))).done >= 100 ? true : undefined,
      { intervalMs: 50 },
    );
    await watcher.quit();
    const doneBefore = (await readFile(out, 'utf8').catch(() => '')).split('\n').length;

    // Redis goes away (a clean shutdown writes the append-only file) for an outage of three seconds — the scenario's
    // length, not a wait for something to happen — and the crawler must have said it noticed; then it comes back.
    // (An outage of a few milliseconds hung the crawl once in five runs: to be investigated, see README.)
    redis.kill('SIGTERM');
    await new Promise((resolve) => redis?.on('exit', resolve));
    const outageMs = 3000;
    await Promise.all([
      output.match(/Redis unreachable/),
      new Promise((resolve) => setTimeout(resolve, outageMs)),
    ]);
    redis = await startRedis(port, dir);

    expect(await exited, output.text()).toBe(0);
    const log = output.text();
    expect(log).toContain('Redis unreachable');
    expect(log).toContain('Redis is back');
    expect(log.match(/Redis unreachable/g)).toHaveLength(1);
    const lines = (await readFile(out, 'utf8')).split('\n').filter((line) => line !== '');
    const urls = lines.map((line) => (JSON.parse(line) as { url: string }).url).sort();
    const expected = generateShop({ seed, products })
      .expectedItems()
      .map((item) => `${shop.origin}${item.url}`);
    expect(urls).toEqual(expected.sort());
    expect(doneBefore).toBeLessThan(products);
  }, 90_000);
});
