// Frontier options reach the Redis frontier through the CLI: --lease-ms decides how soon a dead worker's requests
// come back (the default is 30 s), and --dedup bloom puts the seen set in a Bloom filter.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crawlPrefix } from '../../src/distributed/index.js';
import { startLocalServer } from '../helpers/local-server.js';
import { binPath } from '../helpers/run-cli.js';
import { connect, dropCrawl, newCrawlId, redisUp, redisUrl } from './redis-helpers.js';

const dir = await mkdtemp(join(tmpdir(), 'arachne-cli-frontier-'));
const crawls: string[] = [];

function spawnCli(args: string[]): { child: ChildProcess; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [binPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.resume();
  child.stderr?.resume();
  return { child, exit: new Promise((resolve) => child.on('close', (code) => resolve(code))) };
}

async function spiderFile(origin: string): Promise<string> {
  const path = join(dir, `spider-${crawls.length}.ts`);
  await writeFile(
    path,
    `import { defineSpider } from 'arachne';
export default defineSpider({
  name: 'lease',
  start: '${origin}/',
  *parse(page) {
    yield { url: page.url, title: page.text('h1') };
    for (const href of page.links()) yield page.follow(href);
  },
});
`,
  );
  return path;
}

describe.skipIf(!redisUp)('Redis frontier options through the CLI', () => {
  afterAll(async () => {
    const client = await connect();
    for (const id of crawls) await dropCrawl(client, id);
    await client.quit();
  });

  it('--lease-ms: the requests of a killed worker go to another one after the lease, not after 30 s', async () => {
    const crawlId = newCrawlId();
    crawls.push(crawlId);
    let hanging: ServerResponse | undefined;
    let slowAsked!: () => void;
    const slowRequested = new Promise<void>((resolve) => (slowAsked = resolve));
    let servedSlowAt = 0;
    const site = await startLocalServer({
      '/robots.txt': '',
      '/': '<h1>home</h1><a href="/slow">slow</a>',
      '/slow': (_req, res) => {
        if (!hanging) {
          hanging = res; // the first worker's request: never answered, that worker dies holding the lease
          slowAsked();
          return;
        }
        servedSlowAt = Date.now();
        res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>slow</h1>');
      },
    });
    try {
      const spider = await spiderFile(site.origin);
      const common = ['--frontier', redisUrl, '--crawl-id', crawlId, '--lease-ms', '800'];
      const first = spawnCli(['crawl', spider, ...common, '--log-level', 'silent']);
      await slowRequested;
      first.child.kill('SIGKILL');
      const killedAt = Date.now();
      await first.exit;
      const out = join(dir, 'lease.jsonl');
      const second = spawnCli(['worker', spider, ...common, '-o', out, '--log-level', 'silent']);
      expect(await second.exit).toBe(0);
      // Leases are renewed every leaseMs/3 and checked in Redis: the request is back within a few lease periods.
      expect(servedSlowAt - killedAt).toBeLessThan(5000);
      const items = (await readFile(out, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(items.map((item) => item.title).sort()).toEqual(['home', 'slow']);
    } finally {
      hanging?.destroy();
      await site.close();
    }
  });

  it('--dedup bloom: the shared seen set is a Bloom filter of the requested size, and the crawl is complete', async () => {
    const crawlId = newCrawlId();
    crawls.push(crawlId);
    const routes: Record<string, string> = { '/robots.txt': '' };
    const links = Array.from({ length: 20 }, (_, i) => `<a href="/p/${i}">${i}</a>`).join('');
    routes['/'] = `<h1>home</h1>${links}`;
    // Every page links to every other: most links are duplicates the filter must recognise.
    for (let i = 0; i < 20; i++) routes[`/p/${i}`] = `<h1>p${i}</h1>${links}<a href="/">home</a>`;
    const site = await startLocalServer(routes);
    try {
      const spider = await spiderFile(site.origin);
      const out = join(dir, 'bloom.jsonl');
      const args = ['crawl', spider, '--frontier', redisUrl, '--crawl-id', crawlId];
      const run = spawnCli([...args, '--dedup', 'bloom', '--bloom-capacity', '1000', '-o', out]);
      expect(await run.exit).toBe(0);
      const items = (await readFile(out, 'utf8')).trim().split('\n');
      expect(items).toHaveLength(21);
      expect(site.paths.filter((path) => path !== '/robots.txt').sort()).toEqual(
        ['/', ...Array.from({ length: 20 }, (_, i) => `/p/${i}`)].sort(),
      );
      const client = await connect();
      try {
        const prefix = crawlPrefix(crawlId);
        // 1,000 URLs at the default 0.1 % error rate: 14,378 bits, stored as a Redis string of ~1.8 kB.
        expect(await client.type(`${prefix}bloom`)).toBe('string');
        expect(await client.strLen(`${prefix}bloom`)).toBeLessThanOrEqual(Math.ceil(14_378 / 8));
        expect(await client.keys(`${prefix}seen:*`)).toEqual([]);
      } finally {
        await client.quit();
      }
    } finally {
      await site.close();
    }
  });
});
