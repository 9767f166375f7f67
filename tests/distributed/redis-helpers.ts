// Shared Redis test plumbing: the machine's Redis at 127.0.0.1:6379 (unique crawl ids, cleaned up afterwards).
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { connectRedis, crawlPrefix, type RedisClient } from '../../src/distributed/index.js';
import { requireService } from '../helpers/services.js';

export const redisUrl = process.env.ARACHNE_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export const redisUp = await requireService(`Redis at ${redisUrl}`, async () => {
  const client = createClient({
    url: redisUrl,
    socket: { reconnectStrategy: false, connectTimeout: 2000 },
  });
  client.on('error', () => {});
  await client.connect();
  await client.ping();
  await client.quit();
});

export function newCrawlId(): string {
  return `test-${randomUUID().slice(0, 8)}`;
}

export async function connect(): Promise<RedisClient> {
  return connectRedis(redisUrl, { connectTimeoutMs: 3000 });
}

/** Deletes every key of a crawl (never FLUSHDB: the server is shared). */
export async function dropCrawl(client: RedisClient, crawlId: string): Promise<void> {
  const pattern = `${crawlPrefix(crawlId)}*`;
  let cursor = '0';
  do {
    const reply = await client.scan(cursor, { MATCH: pattern, COUNT: 1000 });
    cursor = String(reply.cursor);
    if (reply.keys.length > 0) await client.del(reply.keys);
  } while (cursor !== '0');
}
