// A Redis queue filled before requests carried their tag still hands out requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequest, isRequest } from '../../src/crawler/request.js';
import { type RedisClient, RedisFrontier } from '../../src/distributed/index.js';
import { connect, dropCrawl, newCrawlId, redisUp } from './redis-helpers.js';

let client: RedisClient;
const crawlId = newCrawlId();

describe.skipIf(!redisUp)('RedisFrontier and stored requests', () => {
  beforeAll(async () => {
    client = await connect();
  });
  afterAll(async () => {
    await dropCrawl(client, crawlId);
    await client?.quit();
  });

  it('revives a queued request stored without the tag', async () => {
    const frontier = new RedisFrontier(client, { crawlId });
    const original = createRequest('http://a.test/x', { handler: 'detail', data: { n: 1 } });
    await frontier.add([original]);

    const queue = `${frontier.prefix}q:a.test`;
    const [stored] = await client.zRangeWithScores(queue, 0, -1);
    if (!stored) throw new Error(`nothing queued under ${queue}`);
    expect(JSON.parse(stored.value)).toEqual(original);
    const { '@arachne': _tag, ...legacy } = original;
    await client.zRem(queue, stored.value);
    await client.zAdd(queue, { score: stored.score, value: JSON.stringify(legacy) });

    const next = await frontier.next();
    expect(isRequest(next)).toBe(true);
    expect(next).toEqual(original);
    await frontier.close();
  });
});
