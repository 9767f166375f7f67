/** A shared crawl's stats add up every worker's invalid-item counts, by field. */
import { afterEach, describe, expect, it } from 'vitest';
import { CrawlEmitter } from '../../src/crawler/events.js';
import { StatsCollector } from '../../src/crawler/stats.js';
import { crawlPrefix, readCrawlStatus } from '../../src/distributed/index.js';
import type { RedisClient } from '../../src/distributed/redis-connection.js';
import { publishStats } from '../../src/distributed/redis-stats.js';
import { connect, dropCrawl, newCrawlId, redisUp } from './redis-helpers.js';

const clients: RedisClient[] = [];
const crawlId = newCrawlId();
afterEach(async () => {
  for (const client of clients.splice(0)) {
    await dropCrawl(client, crawlId);
    await client.quit();
  }
});

describe.runIf(redisUp)('shared stats of typed items', () => {
  it('sums invalidItems, invalidItemsKept and invalidItemsByField over workers', async () => {
    const client = await connect();
    clients.push(client);
    const prefix = crawlPrefix(crawlId);
    const request = { url: 'http://127.0.0.1/' } as never;
    for (const worker of ['a', 'b']) {
      const events = new CrawlEmitter();
      const stats = new StatsCollector().observe(events);
      const publisher = publishStats(client, prefix, worker, () => stats.snapshot());
      events.emit('item:invalid', {
        item: {},
        type: 'product',
        issues: [
          { field: 'product.price', message: 'no amount', value: '"x"' },
          { field: 'product.name', message: 'empty', value: '""' },
        ],
        kept: worker === 'b',
        request,
      });
      await publisher.publish();
      events.emit('item:invalid', {
        item: {},
        type: 'product',
        issues: [{ field: 'product.price', message: 'no amount', value: '"y"' }],
        kept: false,
        request,
      });
      await publisher.close();
    }
    const { stats } = await readCrawlStatus(client, prefix);
    expect(stats).toMatchObject({
      invalidItems: 4,
      invalidItemsKept: 1,
      invalidItemsByField: { 'product.price': 4, 'product.name': 2 },
    });
  });
});
