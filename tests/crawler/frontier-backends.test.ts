// Frontiers as a public contract: the contract suite over every location the registry opens and over the
// example user frontier (examples/json-file-frontier.ts, written against the public API only), and crawls
// that use a frontier object, a registered location, and the CLI with a backend a spider file registers.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { JsonFileFrontier, jsonFileBackend } from '../../examples/json-file-frontier.js';
import { resolveOptions } from '../../src/crawler/options.js';
import { StatsCollector } from '../../src/crawler/stats.js';
import {
  ConfigError,
  crawl,
  defineSpider,
  type Frontier,
  type FrontierContext,
  FrontierRegistry,
  frontierBackends,
  memoryFrontierBackend,
} from '../../src/index.js';
import { runFrontierContract } from '../contracts/frontier.contract.js';
import { connect, dropCrawl, newCrawlId, redisUp, redisUrl } from '../distributed/redis-helpers.js';
import { startLocalServer } from '../helpers/local-server.js';
import { runCli } from '../helpers/run-cli.js';

const dir = await mkdtemp(join(tmpdir(), 'arachne-frontiers-'));
let n = 0;
const fresh = (ext: string) => join(dir, `f-${++n}${ext}`);
const exampleUrl = new URL('../../examples/json-file-frontier.ts', import.meta.url);

function context(spider: string, extra: Record<string, unknown> = {}): FrontierContext {
  return {
    spider,
    options: resolveOptions('test', { logLevel: 'silent', ...extra }),
    stats: () => new StatsCollector().snapshot(),
    warn: () => {},
  };
}

const open = (location: string, extra: Record<string, unknown> = {}) =>
  frontierBackends.open(location, context('contract', extra));

runFrontierContract('memory: (registry)', () => open('memory:'));
runFrontierContract('sqlite:PATH (registry)', () => open(`sqlite:${fresh('.state')}`));
runFrontierContract('PATH.db (registry)', () => open(fresh('.db')));
runFrontierContract('JsonFileFrontier (examples/, public API only)', () =>
  JsonFileFrontier.open(fresh('.json')),
);

describe.skipIf(!redisUp)('redis:// (registry)', () => {
  const ids: string[] = [];
  afterAll(async () => {
    const client = await connect();
    for (const id of ids) await dropCrawl(client, id);
    await client.quit();
  });
  const redis = (extra: Record<string, unknown>) => {
    const crawlId = newCrawlId();
    ids.push(crawlId);
    return open(redisUrl, { crawlId, ...extra });
  };
  runFrontierContract('redis:// exact', () => redis({}), { localReadiness: false });
  runFrontierContract('redis:// bloom', () => redis({ dedup: 'bloom', bloomCapacity: 10_000 }), {
    localReadiness: false,
  });
});

describe('the frontier registry', () => {
  it('names the known locations when none accepts one', async () => {
    const registry = new FrontierRegistry([memoryFrontierBackend]);
    await expect(registry.open('mongodb://x/y', context('s'))).rejects.toThrow(ConfigError);
    await expect(frontierBackends.open('mongodb://x/y', context('s'))).rejects.toThrow(
      /no frontier backend for "mongodb:\/\/x\/y" \(known: .*redis:\/\/HOST:PORT\/DB.*sqlite:PATH.*memory:\)/,
    );
  });

  it('lets a backend registered later take over a location', async () => {
    const registry = new FrontierRegistry([memoryFrontierBackend]).register(jsonFileBackend);
    const frontier = await registry.open(`json:${fresh('.json')}`, context('s'));
    expect(frontier).toBeInstanceOf(JsonFileFrontier);
  });
});

function shop(origin: string) {
  return defineSpider({
    name: 'frontier-shop',
    start: `${origin}/`,
    *parse(page) {
      for (const href of page.links()) yield page.follow(href, 'product');
    },
    product(page) {
      return { url: page.url, title: page.text('h1') };
    },
  });
}

async function productSite() {
  const routes: Record<string, string> = {};
  const links = Array.from({ length: 12 }, (_, i) => `<a href="/p/${i}">p${i}</a>`).join('');
  routes['/'] = `<html><body>${links}</body></html>`;
  for (let i = 0; i < 12; i++)
    routes[`/p/${i}`] = `<html><body><h1>product ${i}</h1></body></html>`;
  routes['/robots.txt'] = '';
  return startLocalServer(routes);
}

describe('crawls on a user frontier', () => {
  it('crawl() takes a frontier object, and resumes from what it saved', async () => {
    const site = await productSite();
    try {
      const path = fresh('.json');
      const output = fresh('.jsonl');
      const firstFrontier = await JsonFileFrontier.open(path);
      const first = await crawl(shop(site.origin), {
        frontier: firstFrontier,
        output,
        maxPages: 5,
        concurrency: 1,
        logLevel: 'silent',
      });
      expect(first.closeReason).toBe('max-pages');
      await firstFrontier.close(); // a frontier passed in is the caller's to close (this one saves itself)
      const saved = JSON.parse(await readFile(path, 'utf8')) as { queued: unknown[] };
      expect(saved.queued.length).toBeGreaterThan(0);

      const frontier: Frontier = await JsonFileFrontier.open(path);
      const output2 = fresh('.jsonl');
      const second = await crawl(shop(site.origin), {
        frontier,
        output: output2,
        logLevel: 'silent',
      });
      expect(second.closeReason).toBe('finished');
      // Every page fetched exactly once over both runs (robots.txt aside).
      const pages = site.paths.filter((hit) => hit !== '/robots.txt');
      expect(pages.sort()).toEqual(
        ['/', ...Array.from({ length: 12 }, (_, i) => `/p/${i}`)].sort(),
      );
      const read = async (file: string) =>
        (await readFile(file, 'utf8')).split('\n').filter(Boolean);
      const lines = [...(await read(output)), ...(await read(output2))];
      expect(lines).toHaveLength(12);
    } finally {
      await site.close();
    }
  });

  it('crawl() opens a location of a registered backend', async () => {
    const site = await productSite();
    frontierBackends.register(jsonFileBackend);
    try {
      const path = fresh('.json');
      const stats = await crawl(shop(site.origin), {
        frontier: `json:${path}`,
        logLevel: 'silent',
      });
      expect(stats.items).toBe(12);
      expect(JSON.parse(await readFile(path, 'utf8')).seen).toHaveLength(13);
    } finally {
      await site.close();
    }
  });

  it('arachne crawl --frontier json:PATH works with a backend the spider file registers', async () => {
    const site = await productSite();
    try {
      const spiderFile = fresh('.ts');
      await writeFile(
        spiderFile,
        `import { defineSpider, frontierBackends } from 'arachne';
import { jsonFileBackend } from ${JSON.stringify(fileURLToPath(exampleUrl))};
frontierBackends.register(jsonFileBackend);
export default defineSpider({
  name: 'cli-frontier',
  start: '${site.origin}/',
  *parse(page) { for (const href of page.links()) yield page.follow(href, 'product'); },
  product(page) { return { url: page.url, title: page.text('h1') }; },
});
`,
      );
      const queue = fresh('.json');
      const output = fresh('.jsonl');
      const result = await runCli([
        'crawl',
        spiderFile,
        '--frontier',
        `json:${queue}`,
        '-o',
        output,
      ]);
      expect(result.stderr).not.toMatch(/error/i);
      expect(result.code).toBe(0);
      expect((await readFile(output, 'utf8')).trim().split('\n')).toHaveLength(12);
      expect(JSON.parse(await readFile(queue, 'utf8')).queued).toEqual([]);
    } finally {
      await site.close();
    }
  });
});
