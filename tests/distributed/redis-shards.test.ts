// A crawl split into shards (the Redis Cluster layout, here on a single Redis): a worker asks a shard that keeps
// finding nothing less and less often, children it queues in a shard wake that shard at once, and the end of the
// crawl is seen across shards.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRequest, type Request } from '../../src/crawler/request.js';
import { type RedisClient, RedisFrontier } from '../../src/distributed/index.js';
import { shardOf, shardPrefix } from '../../src/distributed/keys.js';
import { connect, dropCrawl, newCrawlId, observeScriptCalls, redisUp } from './redis-helpers.js';

const shards = 4;
let client: RedisClient;
/** The routing key of every script call made on `client`: `<shard prefix>meta`. */
const calls: string[] = [];
const crawls: string[] = [];
const frontiers: RedisFrontier[] = [];

function frontier(crawlId: string) {
  crawls.push(crawlId);
  const made = new RedisFrontier(client, { crawlId, shards, leaseBatch: 4 });
  frontiers.push(made);
  return made;
}

/** A host name that falls in `shard`. */
function hostIn(shard: number): string {
  for (let i = 0; ; i++) if (shardOf(`h${i}.test`, shards) === shard) return `h${i}.test`;
}

describe.skipIf(!redisUp)('RedisFrontier in shards', () => {
  beforeAll(async () => {
    client = await connect();
    observeScriptCalls(client, (key) => calls.push(key));
  });
  afterAll(async () => {
    vi.useRealTimers();
    for (const made of frontiers) await made.close();
    for (const id of crawls) await dropCrawl(client, id);
    await client?.quit();
  });

  it('asks an empty shard less and less often, and at once again when it queued children there', async () => {
    // Only the clock the worker reads moves: Redis and the I/O stay real.
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    const worker = frontier(newCrawlId());
    const [first, second] = [hostIn(1), hostIn(2)];
    await worker.add([createRequest(`http://${first}/`)]);
    const taken = (await worker.next()) as Request;
    expect(taken.url).toBe(`http://${first}/`);
    await worker.complete(taken, { items: [], children: [] });

    // Two simulated seconds of a scheduler asking every 50 ms: every shard is empty now.
    calls.length = 0;
    for (let t = 0; t <= 2000; t += 50) {
      vi.setSystemTime(start + t);
      expect(await worker.next()).toBeUndefined();
    }
    const perShard = Array.from(
      { length: shards },
      (_, shard) =>
        calls.filter((key) => key === `${shardPrefix(worker.prefix, shard)}meta`).length,
    );
    // At 0, 100, 300, 700 and 1,500 ms (fewer for a shard already paused before): where a fixed 100 ms poll would
    // make twenty.
    for (const count of perShard) expect(count).toBeGreaterThanOrEqual(3);
    for (const count of perShard) expect(count).toBeLessThanOrEqual(6);

    // A child for a paused shard, queued by this worker, is leased without waiting out the pause.
    vi.setSystemTime(start + 3000); // and from here time stands still
    await worker.add([createRequest(`http://${first}/next`)]);
    const parent = (await worker.next()) as Request;
    expect(parent.url).toBe(`http://${first}/next`);
    expect(await worker.next()).toBeUndefined(); // every shard asked, found empty, paused
    await worker.complete(parent, { items: [], children: [createRequest(`http://${second}/`)] });
    const child = (await worker.next()) as Request;
    expect(child?.url).toBe(`http://${second}/`);
    await worker.complete(child, { items: [], children: [] });
    vi.useRealTimers();
    expect(await worker.finish()).toBe(true);
  });
});
