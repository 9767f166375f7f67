import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CrawlEvents,
  crawl,
  createCrawler,
  defineSpider,
  type Item,
  type Stats,
} from '../../src/index.js';
import { loadSpider } from '../../src/loader/load-spider.js';
import { type ShopServerProcess, startShopServer } from '../../src/sample-shop/index.js';
import { startLocalServer } from '../helpers/local-server.js';
import { memorySink } from '../helpers/memory-sink.js';
import { runCli } from '../helpers/run-cli.js';

const products = 60;
let shop: ShopServerProcess;
let dir: string;

beforeAll(async () => {
  shop = await startShopServer({ seed: 5, products });
  dir = await mkdtemp(join(tmpdir(), 'arachne-threads-'));
});
afterAll(() => shop?.stop());

/** The shop spider of examples/shop.ts, started at this test's shop, plus a `threadId` only a worker can know. */
async function shopSpiderFile(name: string, extra = ''): Promise<string> {
  const file = join(dir, `${name}.ts`);
  await writeFile(
    file,
    `import { defineSpider, type Page } from 'arachne';
import { threadId } from 'node:worker_threads';

function* follow(page: Page<'parse' | 'product'>) {
  for (const href of page.links()) yield page.follow(href, href.includes('/product/') ? 'product' : 'parse');
}

export default defineSpider({
  name: '${name}',
  start: ['${shop.origin}/'],
  *parse(page) {
    yield* follow(page);
  },
  *product(page) {
    yield { url: page.url, title: page.text('h1.product-title'), sku: page.css('.sku::text').get(), n: 1 };
    yield { url: page.url, title: page.xpath('//h1/text()').get(), thread: threadId > 0, n: 2 };
    yield* follow(page);
  },
  ${extra}
});
`,
  );
  return file;
}

/** Items grouped by page, in the order each page's handler yielded them. */
function byPage(items: readonly Item[]): Map<string, Item[]> {
  const pages = new Map<string, Item[]>();
  for (const item of items) {
    const url = String(item.url);
    pages.set(url, [...(pages.get(url) ?? []), item]);
  }
  return pages;
}

/** The stats that do not depend on timing. */
function counts(stats: Stats) {
  const { startedAt, finishedAt, elapsedMs, pagesPerSecond, ...rest } = stats as Stats &
    Record<string, unknown>;
  return rest;
}

// Each crawl with threads starts two worker threads that load the spider from TypeScript sources: slow on a busy machine.
describe('threads: handlers in worker threads', { timeout: 120_000 }, () => {
  it('gives the same items, in the same order per page, and the same stats with 1 and 2 threads', async () => {
    const file = await shopSpiderFile('shop-same');
    const one = memorySink();
    const statsOne = await crawl(file, { output: one, logLevel: 'silent', threads: 1 });
    const two = memorySink();
    const statsTwo = await crawl(file, { output: two, logLevel: 'silent', threads: 2 });

    expect(one.items.length).toBe(products * 2);
    expect(one.items.every((item) => item.thread !== true)).toBe(true);
    // Handled in a worker thread: the second item of each page says so.
    expect(two.items.filter((item) => item.n === 2).every((item) => item.thread === true)).toBe(
      true,
    );
    const strip = (items: Item[]) => items.map(({ thread, ...rest }) => rest);
    const pagesOne = byPage(one.items);
    const pagesTwo = byPage(two.items);
    expect([...pagesTwo.keys()].sort()).toEqual([...pagesOne.keys()].sort());
    for (const [url, items] of pagesOne)
      expect(strip(pagesTwo.get(url) ?? [])).toEqual(strip(items));
    expect(counts(statsTwo)).toEqual(counts(statsOne));
  });

  it('a handler stuck in a CPU loop holds one thread: the other pages go on, and handlerTimeoutMs recycles it', async () => {
    const pages = Array.from({ length: 12 }, (_, index) => `/p/${index}`);
    const server = await startLocalServer({
      '/': `<a href="/block">block</a>${pages.map((path) => `<a href="${path}">x</a>`).join('')}`,
      '/block': '<h1>block</h1>',
      ...Object.fromEntries(pages.map((path) => [path, `<h1>${path}</h1>`])),
    });
    const file = join(dir, 'blocking.ts');
    await writeFile(
      file,
      `import { defineSpider } from 'arachne';
export default defineSpider({
  name: 'blocking',
  start: ['${server.origin}/'],
  *parse(page) {
    for (const href of page.links()) yield page.follow(href, href.endsWith('/block') ? 'block' : 'leaf');
  },
  block() {
    for (;;) {} // never returns, never yields: only terminating the thread ends it
  },
  leaf(page) {
    return { url: page.url, title: page.text('h1') };
  },
});
`,
    );
    const spider = await loadSpider(file);
    const crawler = createCrawler(spider, {
      logLevel: 'silent',
      threads: 2,
      handlerTimeoutMs: 5000,
      concurrency: 4,
    });
    const scrapedAt: number[] = [];
    const warnings: Array<{ message: string; at: number }> = [];
    const failures: Array<CrawlEvents['request:failed']> = [];
    crawler.on('item:scraped', () => scrapedAt.push(performance.now()));
    crawler.on('crawl:warning', ({ message }) => warnings.push({ message, at: performance.now() }));
    crawler.on('request:failed', (failure) => failures.push(failure));
    const stats = await crawler.run();

    expect(stats.items).toBe(pages.length);
    expect(failures.map(({ request, code }) => [new URL(request.url).pathname, code])).toEqual([
      ['/block', 'AR_HANDLER_TIMEOUT'],
    ]);
    const recycled = warnings.filter(({ message }) => message.includes('recycled'));
    expect(recycled).toHaveLength(1);
    expect(recycled[0]?.message).toContain(
      `handler "block" still running after 5000 ms on ${server.origin}/block`,
    );
    // The other pages were handled while the stuck one still held its thread, but for the one page sent ahead to
    // that thread: it went to a fresh thread once the stuck one was recycled.
    const before = scrapedAt.filter((at) => at < (recycled[0]?.at ?? 0));
    expect(before.length).toBeGreaterThanOrEqual(pages.length - 1);
    expect(stats.closeReason).toBe('finished');
  });

  it('fails clearly on a broken spider file, and on one that only breaks in a thread', async () => {
    const broken = join(dir, 'broken.ts');
    await writeFile(
      broken,
      `import { defineSpider } from 'arachne';\nexport default defineSpider({ name: 'b', start: ['http://127.0.0.1:9/'], parse( {} });\n`,
    );
    await expect(crawl(broken, { logLevel: 'silent', threads: 2 })).rejects.toMatchObject({
      code: 'AR_CONFIG',
      message: expect.stringMatching(/broken\.ts:2:\d+: syntax error/),
    });

    const server = await startLocalServer({ '/': '<h1>home</h1>' });
    const threadOnly = join(dir, 'thread-only.ts');
    await writeFile(
      threadOnly,
      `import { defineSpider } from 'arachne';
import { isMainThread } from 'node:worker_threads';
if (!isMainThread) throw new Error('this spider cannot run in a thread');
export default defineSpider({ name: 't', start: ['${server.origin}/'], parse: (page) => ({ title: page.text('h1') }) });
`,
    );
    await expect(crawl(threadOnly, { logLevel: 'silent', threads: 2 })).rejects.toMatchObject({
      code: 'AR_CONFIG',
      message: expect.stringContaining('this spider cannot run in a thread'),
    });
    // Not a single page was fetched: the threads are checked before the first request.
    expect(server.paths.filter((path) => path !== '/robots.txt')).toEqual([]);
  });

  it('resumes from --state with threads: every item exactly once', async () => {
    const file = await shopSpiderFile('shop-resume');
    const state = join(dir, 'resume.sqlite');
    const output = join(dir, 'resume.jsonl');
    const options = { logLevel: 'silent', threads: 2, state, output, concurrency: 4 } as const;
    const first = await crawl(file, { ...options, maxPages: 40 });
    expect(first.closeReason).toBe('max-pages');
    const second = await crawl(file, options);
    expect(second.closeReason).toBe('finished');
    const items = (await readFile(output, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Item);
    const keys = items.map((item) => `${item.url} ${item.n}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(items.length).toBe(products * 2);
  });

  it('runs a spider object of this process on the main thread, with a warning', async () => {
    const server = await startLocalServer({ '/': '<h1>home</h1>' });
    const spider = defineSpider({
      name: 'inline',
      start: [`${server.origin}/`],
      parse: (page) => ({ title: page.text('h1') }),
    });
    const crawler = createCrawler(spider, { logLevel: 'silent', threads: 2 });
    const warnings: string[] = [];
    crawler.on('crawl:warning', ({ message }) => warnings.push(message));
    const stats = await crawler.run();
    expect(stats.items).toBe(1);
    expect(warnings).toEqual([expect.stringContaining('threads: 2 needs a spider file')]);
  });

  it('arachne crawl FILE --threads 2 writes the same items as one thread', async () => {
    const file = await shopSpiderFile('shop-cli');
    const run = async (threads: string) => {
      const out = join(dir, `cli-${threads}.jsonl`);
      const result = await runCli([
        'crawl',
        file,
        '--threads',
        threads,
        '-o',
        out,
        '--no-progress',
      ]);
      expect(result.code, result.stderr).toBe(0);
      return (await readFile(out, 'utf8'))
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Item);
    };
    const one = await run('1');
    const two = await run('2');
    expect(two.length).toBe(products * 2);
    expect(two.filter((item) => item.n === 2).every((item) => item.thread === true)).toBe(true);
    const strip = (items: Item[]) =>
      items.map(({ thread, ...rest }) => JSON.stringify(rest)).sort();
    expect(strip(two)).toEqual(strip(one));
    const bad = await runCli(['crawl', file, '--threads', 'many']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--threads must be an integer from 1 to 64 or auto, got "many"');
    // Three CLI runs, each starting Node (and two of them two handler threads) on a shared machine.
  }, 180_000);

  it('arachne crawl FILE --start URL --threads 2 still runs the handlers in threads', async () => {
    // The spider file starts at a dead address: only --start reaches the shop.
    const file = await shopSpiderFile('shop-start');
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace(shop.origin, 'http://127.0.0.1:9'),
    );
    const out = join(dir, 'cli-start.jsonl');
    const result = await runCli([
      'crawl',
      file,
      '--start',
      `${shop.origin}/`,
      '--threads',
      '2',
      '-o',
      out,
      '--no-progress',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('run on the main thread');
    const items = (await readFile(out, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Item);
    expect(items.length).toBe(products * 2);
    expect(items.filter((item) => item.n === 2).every((item) => item.thread === true)).toBe(true);
  }, 120_000);
});
