import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequest, type Request } from '../../src/crawler/request.js';
import { bloomSize, type RedisClient, RedisFrontier } from '../../src/distributed/index.js';
import { runFrontierContract } from '../contracts/frontier.contract.js';
import {
  connect,
  dropCrawl,
  firstScore,
  newCrawlId,
  redisUp,
  untilRedisTime,
} from './redis-helpers.js';

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

describe.skipIf(!redisUp)('RedisFrontier', () => {
  beforeAll(async () => {
    client = await connect();
  });
  afterAll(async () => {
    for (const made of frontiers) await made.close();
    for (const id of crawls) await dropCrawl(client, id);
    await client?.quit();
  });

  runFrontierContract('RedisFrontier', () => frontier(newCrawlId()), { localReadiness: false });
  runFrontierContract(
    'RedisFrontier (Bloom dedup)',
    () => frontier(newCrawlId(), { dedup: 'bloom', bloomCapacity: 10_000 }),
    {
      localReadiness: false,
    },
  );

  // The layout a Redis Cluster gets (hosts spread over shards, each its own hash tag), here on a single Redis.
  runFrontierContract('RedisFrontier (4 shards)', () => frontier(newCrawlId(), { shards: 4 }), {
    localReadiness: false,
  });
  runFrontierContract(
    'RedisFrontier (4 shards, Bloom dedup)',
    () => frontier(newCrawlId(), { shards: 4, dedup: 'bloom', bloomCapacity: 10_000 }),
    { localReadiness: false },
  );

  it('returns the request of a worker that stopped renewing its lease, and fences off its late ack', async () => {
    const id = newCrawlId();
    const dying = frontier(id, { leaseMs: 300 });
    const survivor = frontier(id, { leaseMs: 300 });
    await dying.add([createRequest('http://a.test/page')]);
    const taken = (await dying.next()) as Request;
    const deadline = await firstScore(client, `${dying.prefix}leases`);
    await dying.close(); // stops renewing: the worker "died"
    expect(await survivor.next()).toBeUndefined();
    // Once Redis's clock passes the unrenewed lease's deadline, the request is back for the survivor.
    await untilRedisTime(client, deadline);
    const again = (await survivor.next()) as Request;
    expect(again.url).toBe(taken.url);
    // The dead worker's late acknowledgement must not write items twice or release the new lease.
    await dying.complete(taken, { children: [], items: [{ from: 'late' }] });
    await survivor.complete(again, { children: [], items: [{ from: 'survivor' }] });
    const items = await survivor.itemsAfter('', 10);
    expect(items.map((row) => row.item)).toEqual([{ from: 'survivor' }]);
    expect(await survivor.size()).toBe(0);
  });

  it('queues the children of a completion refused for a lapsed lease, which the worker would never send again', async () => {
    const id = newCrawlId();
    const worker = frontier(id);
    const other = frontier(id);
    await worker.add([createRequest('http://a.test/parent')]);
    const parent = (await worker.next()) as Request;
    // The lease lapses (its deadline in the past, as after a stall longer than leaseMs) and another worker's call takes
    // the request back; then that worker hands it back for a retry, so this one may crawl it again.
    const [lease] = await client.zRange(`${worker.prefix}leases`, 0, -1);
    await client.zAdd(`${worker.prefix}leases`, { score: 0, value: lease as string });
    const stolen = (await other.next()) as Request;
    expect(stolen.url).toBe(parent.url);
    // The late completion is refused, items and children with it, but the child now counts as sent by this worker:
    // crawling the parent again, it would drop the child as already sent.
    const child = createRequest('http://a.test/child');
    expect(await worker.complete(parent, { children: [child], items: [{ late: true }] })).toEqual(
      [],
    );
    await other.retry(stolen);
    const taken = [(await worker.next()) as Request, (await worker.next()) as Request];
    expect(taken.map((request) => request.url).sort()).toEqual([
      'http://a.test/child',
      'http://a.test/parent',
    ]);
    expect(await worker.itemsAfter('', 10)).toEqual([]);
  });

  it('renews the leases of a live worker', async () => {
    const id = newCrawlId();
    const worker = frontier(id, { leaseMs: 300 });
    const other = frontier(id, { leaseMs: 300 });
    await worker.add([createRequest('http://a.test/slow')]);
    await worker.next();
    const deadline = await firstScore(client, `${worker.prefix}leases`);
    // Two lease periods on Redis's clock: without renewals the lease would have lapsed long before.
    await untilRedisTime(client, deadline + 300);
    expect(await firstScore(client, `${worker.prefix}leases`)).toBeGreaterThan(deadline + 300);
    expect(await other.next()).toBeUndefined(); // still leased: renewed meanwhile
  });

  it('holds the per-host limit across workers', async () => {
    const id = newCrawlId();
    const a = frontier(id, { perHost: 2 });
    const b = frontier(id, { perHost: 2 });
    await a.add([1, 2, 3, 4].map((n) => createRequest(`http://a.test/${n}`)));
    await b.add([createRequest('http://b.test/1')]);
    const first = (await a.next()) as Request;
    const second = (await b.next()) as Request;
    const third = (await b.next()) as Request;
    const hosts = [first, second, third].map((r) => new URL(r.url).host).sort();
    expect(hosts).toEqual(['a.test', 'a.test', 'b.test']);
    expect(await a.next()).toBeUndefined(); // a.test has 2 in flight across the two workers
    await a.complete(first, { children: [], items: [] }); // the worker holding the lease acknowledges it
    expect(new URL(((await b.next()) as Request).url).host).toBe('a.test');
  });

  it('keeps the per-host delay across workers, and a Retry-After backoff', async () => {
    const id = newCrawlId();
    const a = frontier(id, { delayMs: 300 });
    const b = frontier(id, { delayMs: 300 });
    await a.add([1, 2, 3].map((n) => createRequest(`http://a.test/${n}`)));
    const readyAt = async () => Number(await client.hGet(`${a.prefix}host:a.test`, 'readyAt'));
    const first = (await a.next()) as Request;
    expect(await b.next()).toBeUndefined();
    await untilRedisTime(client, await readyAt()); // the 300 ms delay is over, on Redis's clock
    const second = (await b.next()) as Request;
    expect(second).toBeDefined();
    const delayOver = await readyAt();
    await a.backOff('a.test', 1000);
    // The delay after `second` is over, the backoff is not: nobody gets a.test yet.
    await untilRedisTime(client, delayOver);
    expect(await a.next()).toBeUndefined();
    await a.complete(first, { children: [], items: [] });
    await b.complete(second, { children: [], items: [] });
  });

  it("books a host's turns for every worker: a turn holds off leases and other turns, a lease holds off turns", async () => {
    const id = newCrawlId();
    const a = frontier(id);
    const b = frontier(id);
    await a.add([1, 2].map((n) => createRequest(`http://a.test/${n}`)));
    const readyAt = async () => Number(await client.hGet(`${a.prefix}host:a.test`, 'readyAt'));
    // The host's delay is still 0 in Redis (robots.txt not read): the worker's own Crawl-delay counts.
    expect(await a.bookTurn('a.test', 1000)).toBe(0);
    const turnOver = await readyAt();
    const wait = await b.bookTurn('a.test', 1000);
    expect(wait).toBeGreaterThan(800);
    expect(wait).toBeLessThanOrEqual(1000);
    expect(await b.next()).toBeUndefined(); // the booked turn holds leases off too
    await untilRedisTime(client, turnOver);
    await a.setHostDelay('a.test', 500);
    const leased = (await b.next()) as Request;
    expect(leased).toBeDefined();
    // The lease took the turn (with the host's shared delay): the next turn waits for it.
    expect(await a.bookTurn('a.test', 0)).toBeGreaterThan(300);
    await untilRedisTime(client, await readyAt());
    expect(await a.bookTurn('a.test', 0)).toBe(0);
    await b.complete(leased, { children: [], items: [] });
  });

  it('is finished only once seeded and when nothing is queued, delayed or leased anywhere', async () => {
    const id = newCrawlId();
    const worker = frontier(id);
    expect(await worker.finish()).toBe(false); // not seeded yet: an early worker waits
    const starter = frontier(id);
    await starter.add([createRequest('http://a.test/')]);
    expect(await worker.finish()).toBe(false);
    const request = (await worker.next()) as Request;
    expect(await starter.finish()).toBe(false); // leased by the worker
    await worker.retry({ ...request, attempt: 1 }, 200);
    expect(await starter.finish()).toBe(false); // waiting out its backoff
    await untilRedisTime(client, await firstScore(client, `${worker.prefix}delayed`));
    const retried = (await starter.next()) as Request;
    expect(retried.attempt).toBe(1);
    await starter.complete(retried, { children: [], items: [] });
    expect(await worker.finish()).toBe(true);
    expect(await starter.isFinished()).toBe(true);
  });

  it('keeps failed requests and counts them', async () => {
    const id = newCrawlId();
    const worker = frontier(id);
    await worker.add([createRequest('http://a.test/broken')]);
    await worker.fail((await worker.next()) as Request, {
      code: 'AR_HTTP_STATUS',
      message: 'status 500',
    });
    const failed = await client.hGetAll(`${worker.prefix}failed`);
    expect(Object.values(failed)).toEqual([expect.stringContaining('AR_HTTP_STATUS: status 500')]);
    expect(await worker.size()).toBe(0);
  });
});

describe('Bloom filter sizing', () => {
  it('follows m = -n ln p / (ln 2)^2 and k = m/n ln 2', () => {
    expect(bloomSize(1_000_000, 0.01)).toEqual({ bits: 9_585_059, hashes: 7 });
    expect(bloomSize(100_000_000, 0.001).hashes).toBe(10);
  });
});
