// The Redis frontier dedups on the crawl's dedup key, so two workers with the same rules fold the same spellings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequest } from '../../src/crawler/request.js';
import { type RedisClient, RedisFrontier } from '../../src/distributed/index.js';
import { connect, dropCrawl, newCrawlId, redisUp } from './redis-helpers.js';

let client: RedisClient;
const crawls: string[] = [];
const frontiers: RedisFrontier[] = [];

function frontier(
  crawlId: string,
  options: Partial<ConstructorParameters<typeof RedisFrontier>[1]> = {},
) {
  if (!crawls.includes(crawlId)) crawls.push(crawlId);
  const made = new RedisFrontier(client, { crawlId, ...options });
  frontiers.push(made);
  return made;
}

const spellings = () => [
  createRequest('http://a.test/p?b=2&a=1'),
  createRequest('http://a.test/p?a=1&b=2&utm_source=x'),
  createRequest('http://a.test/p;jsessionid=ABC?a=1&b=2'),
];

describe.skipIf(!redisUp)('RedisFrontier dedup rules', () => {
  beforeAll(async () => {
    client = await connect();
  });
  afterAll(async () => {
    for (const made of frontiers) await made.close();
    for (const id of crawls) await dropCrawl(client, id);
    await client?.quit();
  });

  it('folds spellings of one page across workers with the default rules', async () => {
    const id = newCrawlId();
    const first = frontier(id);
    const second = frontier(id);
    const queued = await first.add(spellings());
    expect(queued.map((request) => request.url)).toEqual(['http://a.test/p?b=2&a=1']);
    expect(await second.add([createRequest('http://a.test/p?a=1&b=2')])).toEqual([]);
  });

  it('keeps the orders apart with keepQueryOrder', async () => {
    const queued = await frontier(newCrawlId(), { dedupRules: { keepQueryOrder: true } }).add(
      spellings(),
    );
    expect(queued.map((request) => request.url)).toEqual([
      'http://a.test/p?b=2&a=1',
      'http://a.test/p?a=1&b=2&utm_source=x',
    ]);
  });
});
