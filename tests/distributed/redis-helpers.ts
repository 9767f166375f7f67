// Shared Redis test plumbing: the machine's Redis at 127.0.0.1:6379 (unique crawl ids, cleaned up afterwards).
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import {
  connectRedis,
  crawlKeyPattern,
  deleteKeys,
  type RedisClient,
} from '../../src/distributed/index.js';
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
  await deleteKeys(client, crawlKeyPattern(crawlId));
}

/** Calls `observe` with the routing key of every script call made on `client` (every frontier operation is one). */
export function observeScriptCalls(client: RedisClient, observe: (key: string) => void): void {
  const evalSha = client.evalSha.bind(client);
  Object.defineProperty(client, 'evalSha', {
    value: (...args: Parameters<typeof evalSha>) => {
      observe(String(args[1]?.keys?.[0]));
      return evalSha(...args);
    },
  });
}

/** Redis's clock (TIME), in milliseconds: the clock the frontier's scripts read. */
export async function redisNow(client: RedisClient): Promise<number> {
  const [seconds, micros] = (await client.sendCommand(['TIME'])) as [string, string];
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/**
 * Resolves once Redis's clock has reached `at` (ms): the scripts' own notion of "expired" or "ready", so a test
 * waits exactly as long as the scenario needs, whatever the local clock says. Bounded by `timeoutMs`.
 */
export async function untilRedisTime(
  client: RedisClient,
  at: number,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await redisNow(client);
    if (now >= at) return;
    if (Date.now() > deadline) throw new Error(`Redis's clock did not reach ${at} (at ${now})`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(at - now, 50)));
  }
}

/** The lowest score in a sorted set: the earliest lease deadline, the first retry's due time (Redis ms). */
export async function firstScore(client: RedisClient, key: string): Promise<number> {
  const [first] = await client.zRangeWithScores(key, 0, 0);
  if (!first) throw new Error(`${key} is empty`);
  return first.score;
}
