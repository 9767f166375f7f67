/**
 * The Redis frontier backend: `redis://HOST:PORT/DB` (or rediss://). Every process given the same location and
 * crawl id works one crawl: leases with the crawl's leaseMs, the seen set chosen by `dedup`, stats published as
 * the worker's heartbeat. The Redis client loads only when a crawl opens one.
 */

import { dedupRulesOf, type Frontier } from '../crawler/frontier.js';
import type { FrontierBackend, FrontierContext } from '../crawler/frontier-registry.js';
import { ConfigError } from '../errors.js';

export const redisFrontierBackend: FrontierBackend = {
  describe: 'redis://HOST:PORT/DB',
  accepts: (location) => /^rediss?:\/\//i.test(location),
  async open(
    location: string,
    { spider, options, stats, warn }: FrontierContext,
  ): Promise<Frontier> {
    const { connectRedis } = await import('./redis-connection.js');
    const { RedisFrontier } = await import('./redis-frontier.js');
    const { publishStats } = await import('./redis-stats.js');
    // A Redis still away after 10 s at start-up ends the worker (exit 1); once started, outages are waited out.
    const client = await connectRedis(location, { onOutage: warn, connectTimeoutMs: 10_000 });
    const crawlId = options.crawlId ?? spider;
    let frontier: InstanceType<typeof RedisFrontier>;
    try {
      frontier = new RedisFrontier(client, {
        crawlId,
        perHost: options.perHost,
        delayMs: options.delayMs,
        leaseMs: options.leaseMs,
        ...(options.hostTurns !== undefined && { hostTurns: options.hostTurns }),
        dedup: options.dedup,
        dedupRules: dedupRulesOf(options),
        bloomCapacity: options.bloomCapacity,
        bloomErrorRate: options.bloomErrorRate,
        // A worker holds as many leases as it has requests in flight: batches of them in one call.
        leaseBatch: options.concurrency,
      });
    } catch (error) {
      await client.quit();
      throw new ConfigError((error as Error).message, { cause: error });
    }
    const publisher = publishStats(client, frontier.prefix, frontier.workerId, stats);
    const timer = setInterval(() => publisher.publish().catch(() => {}), 1000);
    timer.unref();
    try {
      await frontier.join(spider, async () => {
        clearInterval(timer);
        try {
          await publisher.close();
        } finally {
          await client.quit().catch(() => {});
        }
      });
      await publisher.publish(); // the first heartbeat: this worker is alive from now on
    } catch (error) {
      await frontier.close();
      throw error;
    }
    return frontier;
  },
};
