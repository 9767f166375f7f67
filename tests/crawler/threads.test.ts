import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawl, type Item, type Stats } from '../../src/index.js';
import { type ShopServerProcess, startShopServer } from '../../src/sample-shop/index.js';
import { memorySink } from '../helpers/memory-sink.js';

const products = 120;
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

describe('threads: handlers in worker threads', () => {
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
});
