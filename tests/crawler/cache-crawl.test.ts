import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import shopSpider from '../../examples/shop.js';
import { crawl, type Item } from '../../src/index.js';
import { startShopServer } from '../../src/sample-shop/index.js';
import { memorySink } from '../helpers/memory-sink.js';

describe('crawling with an HTTP cache', () => {
  it('replays a whole crawl from the cache with the site gone (policy always)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'arachne-cache-crawl-'));
    const shop = await startShopServer({ seed: 4, products: 60 });
    const spider = { ...shopSpider, start: [`${shop.origin}/`] };
    const first = memorySink();
    const live = await crawl(spider, { output: first, cache: dir, logLevel: 'silent' });
    expect(live.cacheMisses).toBe(live.responses);
    expect(live.cacheHits).toBe(0);
    await shop.stop();

    const second = memorySink();
    const replay = await crawl(spider, { output: second, cache: dir, logLevel: 'silent' });
    expect(replay.failed).toBe(0);
    expect(replay.cacheHits).toBe(live.responses);
    expect(replay.cacheMisses).toBe(0);
    const byUrl = (a: Item, b: Item) => String(a.url).localeCompare(String(b.url));
    expect(second.items.sort(byUrl)).toEqual(first.items.sort(byUrl));
    expect(second.items).toHaveLength(60);
  });
});
