/**
 * The server's own connection to the Redis of its shared jobs: checked at start (a wrong --frontier stops the
 * server, not each job), and used to delete a job's crawl once the job is finished or cancelled (its queue, seen
 * set and items stream: the items are in the job's output by then). Paused and failed jobs keep theirs: a resume
 * continues them.
 */
import { crawlKeyPattern, deleteKeys, isCluster, type RedisClient } from '../distributed/index.js';
import { connectRedis } from '../distributed/redis-connection.js';
import { sharedCrawlId } from './shared-jobs.js';

export class SharedCrawls {
  readonly #client: RedisClient;

  private constructor(client: RedisClient) {
    this.#client = client;
  }

  /** The jobs' Redis is a Cluster. */
  get cluster(): boolean {
    return isCluster(this.#client);
  }

  static async open(frontier: string): Promise<SharedCrawls> {
    return new SharedCrawls(await connectRedis(frontier, { connectTimeoutMs: 10_000 }));
  }

  /** Deletes every key of the job's crawl (SCAN by its prefix, never FLUSHDB: the Redis may be shared). */
  async drop(jobId: string): Promise<void> {
    if (!this.#client.isOpen) return; // the server stopped meanwhile: the keys wait for the next one
    await deleteKeys(this.#client, crawlKeyPattern(sharedCrawlId(jobId)));
  }

  async close(): Promise<void> {
    await this.#client.quit().catch(() => {});
  }
}
