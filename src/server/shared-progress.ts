/**
 * The live view of a shared job, read from Redis: the workers publish their counters there, the frontier its queue
 * and hosts, the items stream holds what they scraped. The job's own process fetches nothing, so its crawler's
 * events say nothing of the pages; this says what all workers did together.
 */
import type { Stats } from '../crawler/stats.js';
import { crawlPrefix, type RedisClient, readCrawlStatus } from '../distributed/index.js';
import { shardPrefix } from '../distributed/keys.js';
import { connectRedis } from '../distributed/redis-connection.js';
import { emptyHistograms } from './fetch-histogram.js';
import type { Progress } from './types.js';

const previewItems = 20;

/** Stream ids (`ms-seq`) in time order. */
function byStreamId(a: { id: string }, b: { id: string }): number {
  const [aMs = 0, aSeq = 0] = a.id.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.id.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}
const emptyPercentiles = { p50: 0, p90: 0, p99: 0 };

export class SharedProgress {
  readonly #client: RedisClient;
  readonly #prefix: string;

  private constructor(client: RedisClient, prefix: string) {
    this.#client = client;
    this.#prefix = prefix;
  }

  static async open(frontier: string, crawlId: string): Promise<SharedProgress> {
    const client = await connectRedis(frontier, { connectTimeoutMs: 10_000 });
    return new SharedProgress(client, crawlPrefix(crawlId));
  }

  /** The progress of all workers; `local` is the job process's own stats (its close reason, its start). */
  async snapshot(local: Stats): Promise<Progress> {
    const status = await readCrawlStatus(this.#client, this.#prefix);
    // A crawl in shards has an items stream in each: the preview takes the oldest and newest of all of them.
    const streams = Array.from(
      { length: status.shards },
      (_, shard) => `${shardPrefix(this.#prefix, shard)}items`,
    );
    const [firsts, lasts] = await Promise.all([
      Promise.all(
        streams.map((key) => this.#client.xRange(key, '-', '+', { COUNT: previewItems })),
      ),
      Promise.all(
        streams.map((key) => this.#client.xRevRange(key, '+', '-', { COUNT: previewItems })),
      ),
    ]);
    const first = firsts.flat().sort(byStreamId).slice(0, previewItems);
    const last = lasts.flat().sort(byStreamId).slice(-previewItems);
    const item = (entry: { message: Record<string, string> }) =>
      JSON.parse(entry.message.i ?? '{}') as unknown;
    return {
      stats: {
        ...status.stats,
        startedAt: local.startedAt,
        elapsedMs: local.elapsedMs,
        // Items committed to the shared stream: exact, where the workers' published counters lag by a heartbeat and
        // count the items of a worker that died before committing them (another worker scraped them again).
        items: status.items,
        queued: status.queued + status.delayed,
        inFlight: status.leased,
        pagesPerSecond:
          local.elapsedMs > 0
            ? Math.round((status.stats.responses / local.elapsedMs) * 100_000) / 100
            : 0,
        ...(local.finishedAt !== undefined && { finishedAt: local.finishedAt }),
        ...(local.closeReason !== undefined && { closeReason: local.closeReason }),
      },
      hosts: status.hosts.map((host) => ({
        host: host.host,
        inFlight: host.inFlight,
        delayMs: host.delayMs,
        waitMs: 0,
        queued: host.queued,
        responses: host.done,
        errors: host.failed,
      })),
      latency: {
        samples: 0,
        dns: emptyPercentiles,
        connect: emptyPercentiles,
        tls: emptyPercentiles,
        firstByte: emptyPercentiles,
        total: emptyPercentiles,
      },
      // The workers report counters, not fetch times: no latency histograms for a shared job yet.
      fetchHistograms: emptyHistograms(),
      errors: [],
      items: { first: first.map(item), last: last.map(item) },
    };
  }

  /**
   * Waits (up to `timeoutMs`) until no worker is left on the crawl: a worker publishes its last counters as it
   * leaves, after the crawl ended for everyone, so the final stats are read once they are all in.
   */
  async settle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const status = await readCrawlStatus(this.#client, this.#prefix);
      if (status.workers.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async close(): Promise<void> {
    await this.#client.quit().catch(() => {});
  }
}
