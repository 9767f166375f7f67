// Batched leases and acknowledgements on the Redis frontier: several requests per call, acknowledgements that
// travel together and take the next requests, and a worker killed holding a batch loses nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequest, type Request } from '../../src/crawler/request.js';
import { type RedisClient, RedisFrontier } from '../../src/distributed/index.js';
import { runFrontierContract } from '../contracts/frontier.contract.js';
import { waitFor } from '../helpers/wait.js';
import {
  connect,
  dropCrawl,
  newCrawlId,
  observeScriptCalls,
  redisUp,
  untilRedisTime,
} from './redis-helpers.js';

let client: RedisClient;
/** Script calls made on `client` (every frontier operation is one): the round trips under test. */
let scriptCalls = 0;
const crawls: string[] = [];
const frontiers: RedisFrontier[] = [];

function frontier(
  crawlId: string,
  options: Partial<ConstructorParameters<typeof RedisFrontier>[1]> = {},
  on: RedisClient = client,
) {
  if (!crawls.includes(crawlId)) crawls.push(crawlId);
  const made = new RedisFrontier(on, { crawlId, ...options });
  frontiers.push(made);
  return made;
}

const page = (n: number, host = 'a.test') => createRequest(`http://${host}/${n}`);

describe.skipIf(!redisUp)('RedisFrontier with lease batches', () => {
  beforeAll(async () => {
    client = await connect();
    observeScriptCalls(client, () => scriptCalls++);
  });
  afterAll(async () => {
    for (const made of frontiers) await made.close();
    for (const id of crawls) await dropCrawl(client, id);
    await client?.quit();
  });

  // Everything a frontier promises still holds when requests come in batches.
  runFrontierContract(
    'RedisFrontier (leaseBatch 8)',
    () => frontier(newCrawlId(), { leaseBatch: 8 }),
    {
      localReadiness: false,
    },
  );

  it('leases several requests in one call, and acknowledgements made together take the next ones in one call', async () => {
    const id = newCrawlId();
    const worker = frontier(id, { leaseBatch: 4, perHost: 8 });
    await worker.add(
      [1, 2, 3, 4].map((n) => page(n)).concat([page(1, 'b.test'), page(2, 'b.test')]),
    );

    const before = scriptCalls;
    const taken: Request[] = [];
    for (let i = 0; i < 4; i++) taken.push((await worker.next()) as Request);
    expect(taken.every(Boolean)).toBe(true);
    expect(scriptCalls - before).toBe(1); // one call leased all four
    expect(await client.zCard(`${worker.prefix}leases`)).toBe(4);
    // Holding its batch, the worker does not ask for more.
    expect(await worker.next()).toBeUndefined();
    expect(scriptCalls - before).toBe(1);

    // Four acknowledgements at once: one call, which also leases the two requests left.
    const acked = scriptCalls;
    const queued = await Promise.all(
      taken.map((request, i) =>
        worker.complete(request, {
          children: i === 0 ? [page(9), page(1)] : [],
          items: [{ url: request.url }],
        }),
      ),
    );
    expect(scriptCalls - acked).toBe(1);
    expect(queued.map((children) => children.map((r) => r.url))).toEqual([
      ['http://a.test/9'],
      [],
      [],
      [],
    ]);
    const rest = [
      (await worker.next()) as Request,
      (await worker.next()) as Request,
      (await worker.next()) as Request,
    ];
    expect(scriptCalls - acked).toBe(1);
    const all = ['1', '2', '3', '4', '9'].map((n) => `http://a.test/${n}`);
    all.push('http://b.test/1', 'http://b.test/2');
    const left = all.filter((url) => !taken.some((r) => r.url === url));
    expect(rest.map((r) => r.url).sort()).toEqual(left.sort());
    const items = await worker.itemsAfter('', 10);
    expect(items.map((row) => (row.item as { url: string }).url)).toEqual(taken.map((r) => r.url));
  });

  it('leases a host with a delay once per call, and no more than its per-host limit', async () => {
    const id = newCrawlId();
    const worker = frontier(id, { leaseBatch: 8, perHost: 2, delayMs: 60_000 });
    const other = frontier(id, { leaseBatch: 8, perHost: 2 });
    await worker.add([1, 2, 3].map((n) => page(n)).concat([1, 2, 3].map((n) => page(n, 'b.test'))));
    await worker.next();
    // One request per host: the delay holds each host's next one back, for this worker and every other.
    expect(await client.zCard(`${worker.prefix}leases`)).toBe(2);
    expect(await other.next()).toBeUndefined();

    const fast = newCrawlId();
    const greedy = frontier(fast, { leaseBatch: 8, perHost: 2 });
    await greedy.add([1, 2, 3, 4].map((n) => page(n)));
    await greedy.next();
    expect(await client.zCard(`${greedy.prefix}leases`)).toBe(2); // the per-host limit, not the batch
  });

  it('gives back on close the requests of a batch it never started', async () => {
    const id = newCrawlId();
    const leaving = frontier(id, { leaseBatch: 4 });
    const staying = frontier(id, { leaseBatch: 4 });
    await leaving.add([1, 2, 3, 4].map((n) => page(n)));
    const started = (await leaving.next()) as Request;
    await leaving.close();
    // At once, not after the 30 s lease: the three never started are queued again; the started one stays leased.
    expect(Number(await client.hGet(`${leaving.prefix}counts`, 'queued'))).toBe(3);
    const again: Request[] = [];
    for (let i = 0; i < 3; i++) again.push((await staying.next()) as Request);
    expect(again.map((r) => r.url).sort()).toEqual([
      'http://a.test/2',
      'http://a.test/3',
      'http://a.test/4',
    ]);
    expect(again.map((r) => r.url)).not.toContain(started.url);
    expect(await client.zCard(`${leaving.prefix}leases`)).toBe(4);
  });

  it('re-leases the batch of a killed worker to another one: nothing lost, nothing written twice', async () => {
    const id = newCrawlId();
    const dyingClient = await connect();
    const dying = frontier(id, { leaseBatch: 5, leaseMs: 300 }, dyingClient);
    const survivor = frontier(id, { leaseBatch: 5, leaseMs: 300 });
    const urls = [1, 2, 3, 4, 5].map((n) => page(n).url);
    await dying.add(urls.map((url) => createRequest(url)));
    const started = (await dying.next()) as Request;
    expect(started).toBeDefined();
    expect(await client.zCard(`${dying.prefix}leases`)).toBe(5); // the whole batch is the dying worker's
    expect(await survivor.next()).toBeUndefined();

    // Killed: its connection is gone, its renewals stop, it never acknowledges or gives anything back.
    dyingClient.destroy();
    const [last] = await client.zRangeWithScores(`${dying.prefix}leases`, -1, -1);
    await untilRedisTime(client, (last as { score: number }).score);

    const done: Request[] = [];
    await waitFor(
      'the survivor to re-lease the whole batch',
      async () => {
        const request = await survivor.next();
        if (request) {
          done.push(request);
          await survivor.complete(request, { children: [], items: [{ url: request.url }] });
        }
        return done.length === 5 ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    expect(done.map((r) => r.url).sort()).toEqual([...urls].sort());
    const items = await survivor.itemsAfter('', 20);
    expect(items.map((row) => (row.item as { url: string }).url).sort()).toEqual([...urls].sort());
    expect(Number(await client.hGet(`${dying.prefix}counts`, 'reclaimed'))).toBe(5);
    expect(Number(await client.hGet(`${dying.prefix}counts`, 'done'))).toBe(5);
    expect(await survivor.size()).toBe(0);
  });
});
