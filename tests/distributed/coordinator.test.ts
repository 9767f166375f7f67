// A coordinator (`work: false`): seeds a shared crawl and writes its output, fetches nothing; a worker does the pages.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawl } from '../../src/index.js';
import { generateShop, type ShopServer, serveShop } from '../../src/sample-shop/index.js';
import { connect, dropCrawl, newCrawlId, redisUp, redisUrl } from './redis-helpers.js';

const shopSpider = new URL('../../examples/shop.ts', import.meta.url).pathname;

describe('a crawl that fetches nothing (work: false)', () => {
  it('needs a shared frontier', async () => {
    await expect(crawl(shopSpider, { work: false, logLevel: 'silent' })).rejects.toMatchObject({
      code: 'AR_CONFIG',
      message: expect.stringMatching(/shared frontier/),
    });
  });

  describe.skipIf(!redisUp)('on Redis', () => {
    let shop: ShopServer;
    const crawlId = newCrawlId();
    beforeAll(async () => {
      shop = await serveShop(generateShop({ seed: 3, products: 12 }));
    });
    afterAll(async () => {
      await shop?.close();
      const client = await connect();
      await dropCrawl(client, crawlId);
      await client.quit();
    });

    it('seeds, ends with the crawl and writes every item a worker scraped, without a request of its own', async () => {
      const output = join(await mkdtemp(join(tmpdir(), 'arachne-coordinator-')), 'items.jsonl');
      const { loadSpider } = await import('../../src/loader/load-spider.js');
      const spider = { ...(await loadSpider(shopSpider)), start: [`${shop.origin}/`] };
      const shared = {
        frontier: redisUrl,
        crawlId,
        allowPrivate: true,
        logLevel: 'silent',
      } as const;
      const coordinator = crawl(spider, { ...shared, work: false, output });
      const worker = crawl(spider, { ...shared, seed: false });
      const [mine, theirs] = await Promise.all([coordinator, worker]);
      expect(mine.closeReason).toBe('finished');
      expect(mine.requests).toBe(0);
      expect(theirs.items).toBe(12);
      const urls = (await readFile(output, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { url: string }).url);
      expect(urls).toHaveLength(12);
      expect(new Set(urls).size).toBe(12);
    });
  });
});
